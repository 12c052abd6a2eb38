// ==== muon · [6, 4] · variant.stage 0.0 1.0
// matrix: %15: 6 × 4 entries, one per invocation.
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> steps: array<f32>;
@group(0) @binding(2) var<storage, read> in0: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= 24u) { return; }
  let r = i / 4u;
  let c = i % 4u;
  let v0 = in0[r * 4u + c];
  let v1 = (v0 - out[r * 4u + c]);
  let v2 = (steps[8] * v1);
  let v3 = (out[r * 4u + c] + v2);
  out[i] = v3;
}

// ==== muon · [6, 4] · variant.stage 0.1
// matrix: %23: reduce.sum over 4 × 6 entries into slot 0.
@group(0) @binding(0) var<storage, read_write> scal: array<f32>;
@group(0) @binding(1) var<storage, read> in0: array<f32>;
var<workgroup> red0: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  {
  var a = 0.0;
  for (var i = lid; i < 24u; i += 256u) {
    let r = i / 6u;
    let c = i % 6u;
    let v0 = in0[c * 4u + r];
    let v1 = (v0 * v0);
    a = (a + v1);
  }
  red0[lid] = a;
  workgroupBarrier();
  for (var s = 128u + 0u; s > 0u; s = s >> 1u) {
    if (lid < s) {
      red0[lid] = (red0[lid] + red0[lid + s]);
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    scal[0] = red0[0];
  }
  workgroupBarrier();
  }
}

// ==== muon · [6, 4] · variant.stage 0.2
// matrix: x: 4 × 6 entries, one per invocation.
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> in0: array<f32>;
@group(0) @binding(2) var<storage, read> scal: array<f32>;
@group(0) @binding(3) var<storage, read> steps: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= 24u) { return; }
  let r = i / 6u;
  let c = i % 6u;
  let v0 = in0[c * 4u + r];
  let v1 = sqrt(scal[0]);
  let v2 = max(v1, steps[4]);
  let v3 = (v0 / v2);
  out[i] = v3;
}

// ==== muon · [6, 4] · variant.stage 0.3 0.6 0.9 0.12 0.15 1.3 1.6 1.9 1.12 1.15
// C = A Bᵀ: C 4 × 4, inner 6; 4 × 4 entries of C per invocation, registers tiles.
const M = 4u;
const K = 6u;
const N = 4u;
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<vec4<f32>>;

fn stC(r: u32, j4: u32, v0: vec4<f32>) { c[r * (N / 4u) + j4] = v0; }

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j4 = gid.x;
  let row0 = gid.y * 4u;
  let jc = min(j4, (N + 3u) / 4u - 1u);
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var kk = 0u; kk < K; kk += 4u) {
    let at0 = min(row0 + 0u, M - 1u) * K + kk;
    let a0 = vec4<f32>(select(0.0, a[at0 + 0u], 0u < K - kk), select(0.0, a[at0 + 1u], 1u < K - kk), select(0.0, a[at0 + 2u], 2u < K - kk), select(0.0, a[at0 + 3u], 3u < K - kk));
    let at1 = min(row0 + 1u, M - 1u) * K + kk;
    let a1 = vec4<f32>(select(0.0, a[at1 + 0u], 0u < K - kk), select(0.0, a[at1 + 1u], 1u < K - kk), select(0.0, a[at1 + 2u], 2u < K - kk), select(0.0, a[at1 + 3u], 3u < K - kk));
    let at2 = min(row0 + 2u, M - 1u) * K + kk;
    let a2 = vec4<f32>(select(0.0, a[at2 + 0u], 0u < K - kk), select(0.0, a[at2 + 1u], 1u < K - kk), select(0.0, a[at2 + 2u], 2u < K - kk), select(0.0, a[at2 + 3u], 3u < K - kk));
    let at3 = min(row0 + 3u, M - 1u) * K + kk;
    let a3 = vec4<f32>(select(0.0, a[at3 + 0u], 0u < K - kk), select(0.0, a[at3 + 1u], 1u < K - kk), select(0.0, a[at3 + 2u], 2u < K - kk), select(0.0, a[at3 + 3u], 3u < K - kk));
    let b0 = vec4<f32>(select(0.0, b[min(4u * jc + 0u, N - 1u) * K + min(kk + 0u, K - 1u)], kk + 0u < K), select(0.0, b[min(4u * jc + 1u, N - 1u) * K + min(kk + 0u, K - 1u)], kk + 0u < K), select(0.0, b[min(4u * jc + 2u, N - 1u) * K + min(kk + 0u, K - 1u)], kk + 0u < K), select(0.0, b[min(4u * jc + 3u, N - 1u) * K + min(kk + 0u, K - 1u)], kk + 0u < K));
    let b1 = vec4<f32>(select(0.0, b[min(4u * jc + 0u, N - 1u) * K + min(kk + 1u, K - 1u)], kk + 1u < K), select(0.0, b[min(4u * jc + 1u, N - 1u) * K + min(kk + 1u, K - 1u)], kk + 1u < K), select(0.0, b[min(4u * jc + 2u, N - 1u) * K + min(kk + 1u, K - 1u)], kk + 1u < K), select(0.0, b[min(4u * jc + 3u, N - 1u) * K + min(kk + 1u, K - 1u)], kk + 1u < K));
    let b2 = vec4<f32>(select(0.0, b[min(4u * jc + 0u, N - 1u) * K + min(kk + 2u, K - 1u)], kk + 2u < K), select(0.0, b[min(4u * jc + 1u, N - 1u) * K + min(kk + 2u, K - 1u)], kk + 2u < K), select(0.0, b[min(4u * jc + 2u, N - 1u) * K + min(kk + 2u, K - 1u)], kk + 2u < K), select(0.0, b[min(4u * jc + 3u, N - 1u) * K + min(kk + 2u, K - 1u)], kk + 2u < K));
    let b3 = vec4<f32>(select(0.0, b[min(4u * jc + 0u, N - 1u) * K + min(kk + 3u, K - 1u)], kk + 3u < K), select(0.0, b[min(4u * jc + 1u, N - 1u) * K + min(kk + 3u, K - 1u)], kk + 3u < K), select(0.0, b[min(4u * jc + 2u, N - 1u) * K + min(kk + 3u, K - 1u)], kk + 3u < K), select(0.0, b[min(4u * jc + 3u, N - 1u) * K + min(kk + 3u, K - 1u)], kk + 3u < K));
    acc0 = fma(vec4<f32>(a0[0]), b0, acc0);
    acc0 = fma(vec4<f32>(a0[1]), b1, acc0);
    acc0 = fma(vec4<f32>(a0[2]), b2, acc0);
    acc0 = fma(vec4<f32>(a0[3]), b3, acc0);
    acc1 = fma(vec4<f32>(a1[0]), b0, acc1);
    acc1 = fma(vec4<f32>(a1[1]), b1, acc1);
    acc1 = fma(vec4<f32>(a1[2]), b2, acc1);
    acc1 = fma(vec4<f32>(a1[3]), b3, acc1);
    acc2 = fma(vec4<f32>(a2[0]), b0, acc2);
    acc2 = fma(vec4<f32>(a2[1]), b1, acc2);
    acc2 = fma(vec4<f32>(a2[2]), b2, acc2);
    acc2 = fma(vec4<f32>(a2[3]), b3, acc2);
    acc3 = fma(vec4<f32>(a3[0]), b0, acc3);
    acc3 = fma(vec4<f32>(a3[1]), b1, acc3);
    acc3 = fma(vec4<f32>(a3[2]), b2, acc3);
    acc3 = fma(vec4<f32>(a3[3]), b3, acc3);
  }
  if (j4 * 4u >= N) { return; }
  if (row0 + 0u < M) { stC(row0 + 0u, j4, acc0); }
  if (row0 + 1u < M) { stC(row0 + 1u, j4, acc1); }
  if (row0 + 2u < M) { stC(row0 + 2u, j4, acc2); }
  if (row0 + 3u < M) { stC(row0 + 3u, j4, acc3); }
}
// ==== muon · [6, 4] · variant.stage 0.4 0.7 0.10 0.13 0.16 1.4 1.7 1.10 1.13 1.16
// C = A B: C 4 × 4, inner 4; 4 × 4 entries of C per invocation, registers tiles, fused epilogue.
const M = 4u;
const K = 4u;
const N = 4u;
@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> c: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> steps: array<f32>;
@group(0) @binding(4) var<storage, read> in0: array<f32>;


fn ldC(i: u32) -> f32 { return c[i / 4u][i % 4u]; }
fn epilogue(acc: f32, r: u32, c: u32) -> f32 {
  let v0 = in0[r * 4u + c];
  let v1 = (steps[6] * v0);
  let v2 = (steps[7] * acc);
  let v3 = (v1 + v2);
  return v3;
}
fn ep4(r: u32, j4: u32, v: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(epilogue(v[0], r, min(4u * j4 + 0u, N - 1u)), epilogue(v[1], r, min(4u * j4 + 1u, N - 1u)), epilogue(v[2], r, min(4u * j4 + 2u, N - 1u)), epilogue(v[3], r, min(4u * j4 + 3u, N - 1u)));
}
fn stC(r: u32, j4: u32, v0: vec4<f32>) { c[r * (N / 4u) + j4] = ep4(r, j4, v0); }

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j4 = gid.x;
  let row0 = gid.y * 4u;
  let jc = min(j4, (N + 3u) / 4u - 1u);
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var kk = 0u; kk < K; kk += 4u) {
    let a0 = a[(min(row0 + 0u, M - 1u) * K + kk) / 4u];
    let a1 = a[(min(row0 + 1u, M - 1u) * K + kk) / 4u];
    let a2 = a[(min(row0 + 2u, M - 1u) * K + kk) / 4u];
    let a3 = a[(min(row0 + 3u, M - 1u) * K + kk) / 4u];
    let b0 = b[(kk + 0u) * (N / 4u) + jc];
    let b1 = b[(kk + 1u) * (N / 4u) + jc];
    let b2 = b[(kk + 2u) * (N / 4u) + jc];
    let b3 = b[(kk + 3u) * (N / 4u) + jc];
    acc0 = fma(vec4<f32>(a0[0]), b0, acc0);
    acc0 = fma(vec4<f32>(a0[1]), b1, acc0);
    acc0 = fma(vec4<f32>(a0[2]), b2, acc0);
    acc0 = fma(vec4<f32>(a0[3]), b3, acc0);
    acc1 = fma(vec4<f32>(a1[0]), b0, acc1);
    acc1 = fma(vec4<f32>(a1[1]), b1, acc1);
    acc1 = fma(vec4<f32>(a1[2]), b2, acc1);
    acc1 = fma(vec4<f32>(a1[3]), b3, acc1);
    acc2 = fma(vec4<f32>(a2[0]), b0, acc2);
    acc2 = fma(vec4<f32>(a2[1]), b1, acc2);
    acc2 = fma(vec4<f32>(a2[2]), b2, acc2);
    acc2 = fma(vec4<f32>(a2[3]), b3, acc2);
    acc3 = fma(vec4<f32>(a3[0]), b0, acc3);
    acc3 = fma(vec4<f32>(a3[1]), b1, acc3);
    acc3 = fma(vec4<f32>(a3[2]), b2, acc3);
    acc3 = fma(vec4<f32>(a3[3]), b3, acc3);
  }
  if (j4 * 4u >= N) { return; }
  if (row0 + 0u < M) { stC(row0 + 0u, j4, acc0); }
  if (row0 + 1u < M) { stC(row0 + 1u, j4, acc1); }
  if (row0 + 2u < M) { stC(row0 + 2u, j4, acc2); }
  if (row0 + 3u < M) { stC(row0 + 3u, j4, acc3); }
}
// ==== muon · [6, 4] · variant.stage 0.5 0.8 0.11 0.14 1.5 1.8 1.11 1.14
// C = A B: C 4 × 6, inner 4; 4 × 4 entries of C per invocation, registers tiles, fused epilogue.
const M = 4u;
const K = 4u;
const N = 6u;
@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<storage, read> steps: array<f32>;
@group(0) @binding(4) var<storage, read> in0: array<f32>;


fn ldC(i: u32) -> f32 { return c[i]; }
fn epilogue(acc: f32, r: u32, c: u32) -> f32 {
  let v0 = in0[r * 6u + c];
  let v1 = (steps[5] * v0);
  let v2 = (v1 + acc);
  return v2;
}
fn ep4(r: u32, j4: u32, v: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(epilogue(v[0], r, min(4u * j4 + 0u, N - 1u)), epilogue(v[1], r, min(4u * j4 + 1u, N - 1u)), epilogue(v[2], r, min(4u * j4 + 2u, N - 1u)), epilogue(v[3], r, min(4u * j4 + 3u, N - 1u)));
}
fn stC(r: u32, j4: u32, v0: vec4<f32>) { let v = ep4(r, j4, v0); for (var q = 0u; q < 4u && 4u * j4 + q < N; q++) { c[r * N + 4u * j4 + q] = v[q]; } }

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j4 = gid.x;
  let row0 = gid.y * 4u;
  let jc = min(j4, (N + 3u) / 4u - 1u);
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var kk = 0u; kk < K; kk += 4u) {
    let a0 = a[(min(row0 + 0u, M - 1u) * K + kk) / 4u];
    let a1 = a[(min(row0 + 1u, M - 1u) * K + kk) / 4u];
    let a2 = a[(min(row0 + 2u, M - 1u) * K + kk) / 4u];
    let a3 = a[(min(row0 + 3u, M - 1u) * K + kk) / 4u];
    let b0 = vec4<f32>(select(0.0, b[(kk + 0u) * N + 4u * jc + 0u], 0u < N - 4u * jc), select(0.0, b[(kk + 0u) * N + 4u * jc + 1u], 1u < N - 4u * jc), select(0.0, b[(kk + 0u) * N + 4u * jc + 2u], 2u < N - 4u * jc), select(0.0, b[(kk + 0u) * N + 4u * jc + 3u], 3u < N - 4u * jc));
    let b1 = vec4<f32>(select(0.0, b[(kk + 1u) * N + 4u * jc + 0u], 0u < N - 4u * jc), select(0.0, b[(kk + 1u) * N + 4u * jc + 1u], 1u < N - 4u * jc), select(0.0, b[(kk + 1u) * N + 4u * jc + 2u], 2u < N - 4u * jc), select(0.0, b[(kk + 1u) * N + 4u * jc + 3u], 3u < N - 4u * jc));
    let b2 = vec4<f32>(select(0.0, b[(kk + 2u) * N + 4u * jc + 0u], 0u < N - 4u * jc), select(0.0, b[(kk + 2u) * N + 4u * jc + 1u], 1u < N - 4u * jc), select(0.0, b[(kk + 2u) * N + 4u * jc + 2u], 2u < N - 4u * jc), select(0.0, b[(kk + 2u) * N + 4u * jc + 3u], 3u < N - 4u * jc));
    let b3 = vec4<f32>(select(0.0, b[(kk + 3u) * N + 4u * jc + 0u], 0u < N - 4u * jc), select(0.0, b[(kk + 3u) * N + 4u * jc + 1u], 1u < N - 4u * jc), select(0.0, b[(kk + 3u) * N + 4u * jc + 2u], 2u < N - 4u * jc), select(0.0, b[(kk + 3u) * N + 4u * jc + 3u], 3u < N - 4u * jc));
    acc0 = fma(vec4<f32>(a0[0]), b0, acc0);
    acc0 = fma(vec4<f32>(a0[1]), b1, acc0);
    acc0 = fma(vec4<f32>(a0[2]), b2, acc0);
    acc0 = fma(vec4<f32>(a0[3]), b3, acc0);
    acc1 = fma(vec4<f32>(a1[0]), b0, acc1);
    acc1 = fma(vec4<f32>(a1[1]), b1, acc1);
    acc1 = fma(vec4<f32>(a1[2]), b2, acc1);
    acc1 = fma(vec4<f32>(a1[3]), b3, acc1);
    acc2 = fma(vec4<f32>(a2[0]), b0, acc2);
    acc2 = fma(vec4<f32>(a2[1]), b1, acc2);
    acc2 = fma(vec4<f32>(a2[2]), b2, acc2);
    acc2 = fma(vec4<f32>(a2[3]), b3, acc2);
    acc3 = fma(vec4<f32>(a3[0]), b0, acc3);
    acc3 = fma(vec4<f32>(a3[1]), b1, acc3);
    acc3 = fma(vec4<f32>(a3[2]), b2, acc3);
    acc3 = fma(vec4<f32>(a3[3]), b3, acc3);
  }
  if (j4 * 4u >= N) { return; }
  if (row0 + 0u < M) { stC(row0 + 0u, j4, acc0); }
  if (row0 + 1u < M) { stC(row0 + 1u, j4, acc1); }
  if (row0 + 2u < M) { stC(row0 + 2u, j4, acc2); }
  if (row0 + 3u < M) { stC(row0 + 3u, j4, acc3); }
}
// ==== muon · [6, 4] · variant.stage 0.17 1.17
// C = A B: C 4 × 6, inner 4; 4 × 4 entries of C per invocation, registers tiles.
const M = 4u;
const K = 4u;
const N = 6u;
@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;

fn stC(r: u32, j4: u32, v0: vec4<f32>) { let v = v0; for (var q = 0u; q < 4u && 4u * j4 + q < N; q++) { c[r * N + 4u * j4 + q] = v[q]; } }

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j4 = gid.x;
  let row0 = gid.y * 4u;
  let jc = min(j4, (N + 3u) / 4u - 1u);
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var kk = 0u; kk < K; kk += 4u) {
    let a0 = a[(min(row0 + 0u, M - 1u) * K + kk) / 4u];
    let a1 = a[(min(row0 + 1u, M - 1u) * K + kk) / 4u];
    let a2 = a[(min(row0 + 2u, M - 1u) * K + kk) / 4u];
    let a3 = a[(min(row0 + 3u, M - 1u) * K + kk) / 4u];
    let b0 = vec4<f32>(select(0.0, b[(kk + 0u) * N + 4u * jc + 0u], 0u < N - 4u * jc), select(0.0, b[(kk + 0u) * N + 4u * jc + 1u], 1u < N - 4u * jc), select(0.0, b[(kk + 0u) * N + 4u * jc + 2u], 2u < N - 4u * jc), select(0.0, b[(kk + 0u) * N + 4u * jc + 3u], 3u < N - 4u * jc));
    let b1 = vec4<f32>(select(0.0, b[(kk + 1u) * N + 4u * jc + 0u], 0u < N - 4u * jc), select(0.0, b[(kk + 1u) * N + 4u * jc + 1u], 1u < N - 4u * jc), select(0.0, b[(kk + 1u) * N + 4u * jc + 2u], 2u < N - 4u * jc), select(0.0, b[(kk + 1u) * N + 4u * jc + 3u], 3u < N - 4u * jc));
    let b2 = vec4<f32>(select(0.0, b[(kk + 2u) * N + 4u * jc + 0u], 0u < N - 4u * jc), select(0.0, b[(kk + 2u) * N + 4u * jc + 1u], 1u < N - 4u * jc), select(0.0, b[(kk + 2u) * N + 4u * jc + 2u], 2u < N - 4u * jc), select(0.0, b[(kk + 2u) * N + 4u * jc + 3u], 3u < N - 4u * jc));
    let b3 = vec4<f32>(select(0.0, b[(kk + 3u) * N + 4u * jc + 0u], 0u < N - 4u * jc), select(0.0, b[(kk + 3u) * N + 4u * jc + 1u], 1u < N - 4u * jc), select(0.0, b[(kk + 3u) * N + 4u * jc + 2u], 2u < N - 4u * jc), select(0.0, b[(kk + 3u) * N + 4u * jc + 3u], 3u < N - 4u * jc));
    acc0 = fma(vec4<f32>(a0[0]), b0, acc0);
    acc0 = fma(vec4<f32>(a0[1]), b1, acc0);
    acc0 = fma(vec4<f32>(a0[2]), b2, acc0);
    acc0 = fma(vec4<f32>(a0[3]), b3, acc0);
    acc1 = fma(vec4<f32>(a1[0]), b0, acc1);
    acc1 = fma(vec4<f32>(a1[1]), b1, acc1);
    acc1 = fma(vec4<f32>(a1[2]), b2, acc1);
    acc1 = fma(vec4<f32>(a1[3]), b3, acc1);
    acc2 = fma(vec4<f32>(a2[0]), b0, acc2);
    acc2 = fma(vec4<f32>(a2[1]), b1, acc2);
    acc2 = fma(vec4<f32>(a2[2]), b2, acc2);
    acc2 = fma(vec4<f32>(a2[3]), b3, acc2);
    acc3 = fma(vec4<f32>(a3[0]), b0, acc3);
    acc3 = fma(vec4<f32>(a3[1]), b1, acc3);
    acc3 = fma(vec4<f32>(a3[2]), b2, acc3);
    acc3 = fma(vec4<f32>(a3[3]), b3, acc3);
  }
  if (j4 * 4u >= N) { return; }
  if (row0 + 0u < M) { stC(row0 + 0u, j4, acc0); }
  if (row0 + 1u < M) { stC(row0 + 1u, j4, acc1); }
  if (row0 + 2u < M) { stC(row0 + 2u, j4, acc2); }
  if (row0 + 3u < M) { stC(row0 + 3u, j4, acc3); }
}
// ==== muon · [6, 4] · variant.stage 0.18 1.18
// matrix: %84: 6 × 4 entries, one per invocation.
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> steps: array<f32>;
@group(0) @binding(2) var<storage, read> in0: array<f32>;
@group(0) @binding(3) var<storage, read> in1: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= 24u) { return; }
  let r = i / 4u;
  let c = i % 4u;
  let v0 = (out[r * 4u + c] * steps[11]);
  let v1 = (6.0f / 4.0f);
  let v2 = max(1.0f, v1);
  let v3 = sqrt(v2);
  let v4 = (steps[0] * v3);
  let v5 = in0[c * 6u + r];
  let v6 = (steps[5] * v5);
  let v7 = in1[c * 6u + r];
  let v8 = (v6 + v7);
  let v9 = (v4 * v8);
  let v10 = (v0 - v9);
  out[i] = v10;
}

// ==== muon · [6, 4] · variant.stage 1.1
// matrix: %23: reduce.sum over 4 × 6 entries into slot 0.
@group(0) @binding(0) var<storage, read_write> scal: array<f32>;
@group(0) @binding(1) var<storage, read> in0: array<f32>;
@group(0) @binding(2) var<storage, read> steps: array<f32>;
@group(0) @binding(3) var<storage, read> in1: array<f32>;
var<workgroup> red0: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  {
  var a = 0.0;
  for (var i = lid; i < 24u; i += 256u) {
    let r = i / 6u;
    let c = i % 6u;
    let v0 = in0[c * 4u + r];
    let v1 = in1[c * 4u + r];
    let v2 = (v1 - v0);
    let v3 = (steps[2] * v2);
    let v4 = (v0 + v3);
    let v5 = (v4 * v4);
    a = (a + v5);
  }
  red0[lid] = a;
  workgroupBarrier();
  for (var s = 128u + 0u; s > 0u; s = s >> 1u) {
    if (lid < s) {
      red0[lid] = (red0[lid] + red0[lid + s]);
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    scal[0] = red0[0];
  }
  workgroupBarrier();
  }
}

// ==== muon · [6, 4] · variant.stage 1.2
// matrix: x: 4 × 6 entries, one per invocation.
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> in0: array<f32>;
@group(0) @binding(2) var<storage, read> steps: array<f32>;
@group(0) @binding(3) var<storage, read> in1: array<f32>;
@group(0) @binding(4) var<storage, read> scal: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= 24u) { return; }
  let r = i / 6u;
  let c = i % 6u;
  let v0 = in0[c * 4u + r];
  let v1 = in1[c * 4u + r];
  let v2 = (v1 - v0);
  let v3 = (steps[2] * v2);
  let v4 = (v0 + v3);
  let v5 = sqrt(scal[0]);
  let v6 = max(v5, steps[4]);
  let v7 = (v4 / v6);
  out[i] = v7;
}

// ==== muon · fallback adamw · fused · width 1
// adamw: kernel fused (scalar)
struct Uniforms {
  n: u32,
  len: u32,
  pad0: u32,
  h_beta2: f32,
  h_eps: f32,
  s9: f32,
  s13: f32,
  s19: f32,
  s28: f32,
  s31: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> in_g: array<f32>;
@group(0) @binding(2) var<storage, read_write> st_exp_avg_sq: array<f32>;
@group(0) @binding(3) var<storage, read_write> st_exp_avg: array<f32>;
@group(0) @binding(4) var<storage, read_write> param: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v14 = in_g[i];
  let v20 = (u.s19 * v14);
  let v21 = (v20 * v14);
  let v7 = st_exp_avg_sq[i];
  let v18 = (u.h_beta2 * v7);
  let v22 = (v18 + v21);
  let v30 = sqrt(v22);
  let v32 = (v30 / u.s31);
  let v33 = (v32 + u.h_eps);
  let v6 = st_exp_avg[i];
  let v15 = (v14 - v6);
  let v16 = (u.s13 * v15);
  let v17 = (v6 + v16);
  let v29 = (u.s28 * v17);
  let v34 = (v29 / v33);
  let v8 = param[i];
  let v10 = (u.s9 * v8);
  let v11 = (select(v8, 0.0, u.pad0 != 0u) - v10);
  let v35 = (v11 - v34);
  param[i] = v35;
  st_exp_avg[i] = v17;
  st_exp_avg_sq[i] = v22;
}

// ==== muon · fallback adamw · fused · width 4
// adamw: kernel fused (vec4)
struct Uniforms {
  n: u32,
  len: u32,
  pad0: u32,
  h_beta2: f32,
  h_eps: f32,
  s9: f32,
  s13: f32,
  s19: f32,
  s28: f32,
  s31: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> in_g: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> st_exp_avg_sq: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> st_exp_avg: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> param: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v14 = in_g[i];
  let v20 = (u.s19 * v14);
  let v21 = (v20 * v14);
  let v7 = st_exp_avg_sq[i];
  let v18 = (u.h_beta2 * v7);
  let v22 = (v18 + v21);
  let v30 = sqrt(v22);
  let v32 = (v30 / u.s31);
  let v33 = (v32 + u.h_eps);
  let v6 = st_exp_avg[i];
  let v15 = (v14 - v6);
  let v16 = (u.s13 * v15);
  let v17 = (v6 + v16);
  let v29 = (u.s28 * v17);
  let v34 = (v29 / v33);
  let v8 = param[i];
  let v10 = (u.s9 * v8);
  let v11 = (select(v8, vec4<f32>(0.0), u.pad0 != 0u) - v10);
  let v35 = (v11 - v34);
  param[i] = v35;
  st_exp_avg[i] = v17;
  st_exp_avg_sq[i] = v22;
}
