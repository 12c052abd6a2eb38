// ==== shampoo · [6, 4] · variant.stage 0.0 1.0
// C = A Bᵀ: C 6 × 6, inner 4; 4 × 4 entries of C per invocation, registers tiles, fused epilogue.
const M = 6u;
const K = 4u;
const N = 6u;
@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;


fn ldC(i: u32) -> f32 { return c[i]; }
fn epilogue(acc: f32, r: u32, c: u32) -> f32 {
  let v0 = (ldC(r * 6u + c) + acc);
  return v0;
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
    let e0 = b[(min(4u * jc + 0u, N - 1u) * K + kk) / 4u];
    let e1 = b[(min(4u * jc + 1u, N - 1u) * K + kk) / 4u];
    let e2 = b[(min(4u * jc + 2u, N - 1u) * K + kk) / 4u];
    let e3 = b[(min(4u * jc + 3u, N - 1u) * K + kk) / 4u];
    let b0 = vec4<f32>(e0[0], e1[0], e2[0], e3[0]);
    let b1 = vec4<f32>(e0[1], e1[1], e2[1], e3[1]);
    let b2 = vec4<f32>(e0[2], e1[2], e2[2], e3[2]);
    let b3 = vec4<f32>(e0[3], e1[3], e2[3], e3[3]);
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
// ==== shampoo · [6, 4] · variant.stage 0.1 1.1
// C = Aᵀ B: C 4 × 4, inner 6; 4 × 4 entries of C per invocation, registers tiles, fused epilogue.
const M = 4u;
const K = 6u;
const N = 4u;
@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> c: array<vec4<f32>>;


fn ldC(i: u32) -> f32 { return c[i / 4u][i % 4u]; }
fn epilogue(acc: f32, r: u32, c: u32) -> f32 {
  let v0 = (ldC(r * 4u + c) + acc);
  return v0;
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
    let d0 = select(vec4<f32>(0.0), a[(min(kk + 0u, K - 1u) * M + min(row0, M - 4u)) / 4u], kk + 0u < K);
    let d1 = select(vec4<f32>(0.0), a[(min(kk + 1u, K - 1u) * M + min(row0, M - 4u)) / 4u], kk + 1u < K);
    let d2 = select(vec4<f32>(0.0), a[(min(kk + 2u, K - 1u) * M + min(row0, M - 4u)) / 4u], kk + 2u < K);
    let d3 = select(vec4<f32>(0.0), a[(min(kk + 3u, K - 1u) * M + min(row0, M - 4u)) / 4u], kk + 3u < K);
    let a0 = vec4<f32>(d0[0], d1[0], d2[0], d3[0]);
    let a1 = vec4<f32>(d0[1], d1[1], d2[1], d3[1]);
    let a2 = vec4<f32>(d0[2], d1[2], d2[2], d3[2]);
    let a3 = vec4<f32>(d0[3], d1[3], d2[3], d3[3]);
    let b0 = select(vec4<f32>(0.0), b[min(kk + 0u, K - 1u) * (N / 4u) + jc], kk + 0u < K);
    let b1 = select(vec4<f32>(0.0), b[min(kk + 1u, K - 1u) * (N / 4u) + jc], kk + 1u < K);
    let b2 = select(vec4<f32>(0.0), b[min(kk + 2u, K - 1u) * (N / 4u) + jc], kk + 2u < K);
    let b3 = select(vec4<f32>(0.0), b[min(kk + 3u, K - 1u) * (N / 4u) + jc], kk + 3u < K);
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
// ==== shampoo · [6, 4] · variant.stage 0.2 1.240
// C = A B: C 6 × 4, inner 6; 4 × 4 entries of C per invocation, registers tiles.
const M = 6u;
const K = 6u;
const N = 4u;
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
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
    let b0 = select(vec4<f32>(0.0), b[min(kk + 0u, K - 1u) * (N / 4u) + jc], kk + 0u < K);
    let b1 = select(vec4<f32>(0.0), b[min(kk + 1u, K - 1u) * (N / 4u) + jc], kk + 1u < K);
    let b2 = select(vec4<f32>(0.0), b[min(kk + 2u, K - 1u) * (N / 4u) + jc], kk + 2u < K);
    let b3 = select(vec4<f32>(0.0), b[min(kk + 3u, K - 1u) * (N / 4u) + jc], kk + 3u < K);
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
// ==== shampoo · [6, 4] · variant.stage 0.3 1.241
// C = A B: C 6 × 4, inner 4; 4 × 4 entries of C per invocation, registers tiles, fused epilogue.
const M = 6u;
const K = 4u;
const N = 4u;
@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> c: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> steps: array<f32>;


fn ldC(i: u32) -> f32 { return c[i / 4u][i % 4u]; }
fn epilogue(acc: f32, r: u32, c: u32) -> f32 {
  let v0 = (steps[0] * acc);
  let v1 = (ldC(r * 4u + c) - v0);
  return v1;
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
// ==== shampoo · [6, 4] · variant.stage 1.2
// matrix: %27: reduce.sum over 6 × 6 entries into slot 1.
@group(0) @binding(0) var<storage, read_write> scal: array<f32>;
@group(0) @binding(1) var<storage, read> in0: array<f32>;
@group(0) @binding(2) var<storage, read> steps: array<f32>;
var<workgroup> red0: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  {
  var a = 0.0;
  for (var i = lid; i < 36u; i += 256u) {
    let r = i / 6u;
    let c = i % 6u;
    let v0 = in0[r * 6u + c];
    let v1 = (steps[1] * select(0.0, 1.0, r == c));
    let v2 = (v0 + v1);
    let v3 = (v2 * v2);
    a = (a + v3);
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
    scal[1] = red0[0];
  }
  workgroupBarrier();
  }
}

// ==== shampoo · [6, 4] · variant.stage 1.3
// matrix: m_left: 6 × 6 entries, one per invocation.
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> scal: array<f32>;
@group(0) @binding(2) var<storage, read> in0: array<f32>;
@group(0) @binding(3) var<storage, read> steps: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= 36u) { return; }
  let r = i / 6u;
  let c = i % 6u;
  let v0 = sqrt(scal[1]);
  let v1 = (2.5f / v0);
  let v2 = in0[r * 6u + c];
  let v3 = (steps[1] * select(0.0, 1.0, r == c));
  let v4 = (v2 + v3);
  let v5 = (v1 * v4);
  out[i] = v5;
}

// ==== shampoo · [6, 4] · variant.stage 1.4
// matrix: x_left: 6 × 6 entries, one per invocation.
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> scal: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= 36u) { return; }
  let r = i / 6u;
  let c = i % 6u;
  let v0 = sqrt(scal[1]);
  let v1 = (2.5f / v0);
  let v2 = sqrt(v1);
  let v3 = sqrt(v2);
  let v4 = (v3 * select(0.0, 1.0, r == c));
  out[i] = v4;
}

// ==== shampoo · [6, 4] · variant.stage 1.5 1.10 1.15 1.20 1.25 1.30 1.35 1.40 1.45 1.50 1.55 1.60 1.65 1.70 1.75 1.80 1.85 1.90 1.95 1.100 1.105 1.110 1.115
// matrix: t_left: 6 × 6 entries, one per invocation.
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> steps: array<f32>;
@group(0) @binding(2) var<storage, read> in0: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= 36u) { return; }
  let r = i / 6u;
  let c = i % 6u;
  let v0 = (steps[10] * select(0.0, 1.0, r == c));
  let v1 = in0[r * 6u + c];
  let v2 = (v0 - v1);
  let v3 = (v2 * steps[11]);
  out[i] = v3;
}

// ==== shampoo · [6, 4] · variant.stage 1.6 1.7 1.8 1.9 1.11 1.12 1.13 1.14 1.16 1.17 1.18 1.19 1.21 1.22 1.23 1.24 1.26 1.27 1.28 1.29 1.31 1.32 1.33 1.34 1.36 1.37 1.38 1.39 1.41 1.42 1.43 1.44 1.46 1.47 1.48 1.49 1.51 1.52 1.53 1.54 1.56 1.57 1.58 1.59 1.61 1.62 1.63 1.64 1.66 1.67 1.68 1.69 1.71 1.72 1.73 1.74 1.76 1.77 1.78 1.79 1.81 1.82 1.83 1.84 1.86 1.87 1.88 1.89 1.91 1.92 1.93 1.94 1.96 1.97 1.98 1.99 1.101 1.102 1.103 1.104 1.106 1.107 1.108 1.109 1.111 1.112 1.113 1.114 1.116 1.117 1.118 1.120
// C = A B: C 6 × 6, inner 6; 4 × 4 entries of C per invocation, registers tiles.
const M = 6u;
const K = 6u;
const N = 6u;
@group(0) @binding(0) var<storage, read> a: array<f32>;
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
    let at0 = min(row0 + 0u, M - 1u) * K + kk;
    let a0 = vec4<f32>(select(0.0, a[at0 + 0u], 0u < K - kk), select(0.0, a[at0 + 1u], 1u < K - kk), select(0.0, a[at0 + 2u], 2u < K - kk), select(0.0, a[at0 + 3u], 3u < K - kk));
    let at1 = min(row0 + 1u, M - 1u) * K + kk;
    let a1 = vec4<f32>(select(0.0, a[at1 + 0u], 0u < K - kk), select(0.0, a[at1 + 1u], 1u < K - kk), select(0.0, a[at1 + 2u], 2u < K - kk), select(0.0, a[at1 + 3u], 3u < K - kk));
    let at2 = min(row0 + 2u, M - 1u) * K + kk;
    let a2 = vec4<f32>(select(0.0, a[at2 + 0u], 0u < K - kk), select(0.0, a[at2 + 1u], 1u < K - kk), select(0.0, a[at2 + 2u], 2u < K - kk), select(0.0, a[at2 + 3u], 3u < K - kk));
    let at3 = min(row0 + 3u, M - 1u) * K + kk;
    let a3 = vec4<f32>(select(0.0, a[at3 + 0u], 0u < K - kk), select(0.0, a[at3 + 1u], 1u < K - kk), select(0.0, a[at3 + 2u], 2u < K - kk), select(0.0, a[at3 + 3u], 3u < K - kk));
    let b0 = select(vec4<f32>(0.0), vec4<f32>(select(0.0, b[min(kk + 0u, K - 1u) * N + 4u * jc + 0u], 0u < N - 4u * jc), select(0.0, b[min(kk + 0u, K - 1u) * N + 4u * jc + 1u], 1u < N - 4u * jc), select(0.0, b[min(kk + 0u, K - 1u) * N + 4u * jc + 2u], 2u < N - 4u * jc), select(0.0, b[min(kk + 0u, K - 1u) * N + 4u * jc + 3u], 3u < N - 4u * jc)), kk + 0u < K);
    let b1 = select(vec4<f32>(0.0), vec4<f32>(select(0.0, b[min(kk + 1u, K - 1u) * N + 4u * jc + 0u], 0u < N - 4u * jc), select(0.0, b[min(kk + 1u, K - 1u) * N + 4u * jc + 1u], 1u < N - 4u * jc), select(0.0, b[min(kk + 1u, K - 1u) * N + 4u * jc + 2u], 2u < N - 4u * jc), select(0.0, b[min(kk + 1u, K - 1u) * N + 4u * jc + 3u], 3u < N - 4u * jc)), kk + 1u < K);
    let b2 = select(vec4<f32>(0.0), vec4<f32>(select(0.0, b[min(kk + 2u, K - 1u) * N + 4u * jc + 0u], 0u < N - 4u * jc), select(0.0, b[min(kk + 2u, K - 1u) * N + 4u * jc + 1u], 1u < N - 4u * jc), select(0.0, b[min(kk + 2u, K - 1u) * N + 4u * jc + 2u], 2u < N - 4u * jc), select(0.0, b[min(kk + 2u, K - 1u) * N + 4u * jc + 3u], 3u < N - 4u * jc)), kk + 2u < K);
    let b3 = select(vec4<f32>(0.0), vec4<f32>(select(0.0, b[min(kk + 3u, K - 1u) * N + 4u * jc + 0u], 0u < N - 4u * jc), select(0.0, b[min(kk + 3u, K - 1u) * N + 4u * jc + 1u], 1u < N - 4u * jc), select(0.0, b[min(kk + 3u, K - 1u) * N + 4u * jc + 2u], 2u < N - 4u * jc), select(0.0, b[min(kk + 3u, K - 1u) * N + 4u * jc + 3u], 3u < N - 4u * jc)), kk + 3u < K);
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
// ==== shampoo · [6, 4] · variant.stage 1.119
// C = A B: C 6 × 6, inner 6; 4 × 4 entries of C per invocation, registers tiles, fused epilogue.
const M = 6u;
const K = 6u;
const N = 6u;
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<storage, read> steps: array<f32>;


fn ldC(i: u32) -> f32 { return c[i]; }
fn epilogue(acc: f32, r: u32, c: u32) -> f32 {
  let v0 = (steps[10] * select(0.0, 1.0, r == c));
  let v1 = (v0 - acc);
  let v2 = (v1 * steps[11]);
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
    let at0 = min(row0 + 0u, M - 1u) * K + kk;
    let a0 = vec4<f32>(select(0.0, a[at0 + 0u], 0u < K - kk), select(0.0, a[at0 + 1u], 1u < K - kk), select(0.0, a[at0 + 2u], 2u < K - kk), select(0.0, a[at0 + 3u], 3u < K - kk));
    let at1 = min(row0 + 1u, M - 1u) * K + kk;
    let a1 = vec4<f32>(select(0.0, a[at1 + 0u], 0u < K - kk), select(0.0, a[at1 + 1u], 1u < K - kk), select(0.0, a[at1 + 2u], 2u < K - kk), select(0.0, a[at1 + 3u], 3u < K - kk));
    let at2 = min(row0 + 2u, M - 1u) * K + kk;
    let a2 = vec4<f32>(select(0.0, a[at2 + 0u], 0u < K - kk), select(0.0, a[at2 + 1u], 1u < K - kk), select(0.0, a[at2 + 2u], 2u < K - kk), select(0.0, a[at2 + 3u], 3u < K - kk));
    let at3 = min(row0 + 3u, M - 1u) * K + kk;
    let a3 = vec4<f32>(select(0.0, a[at3 + 0u], 0u < K - kk), select(0.0, a[at3 + 1u], 1u < K - kk), select(0.0, a[at3 + 2u], 2u < K - kk), select(0.0, a[at3 + 3u], 3u < K - kk));
    let b0 = select(vec4<f32>(0.0), vec4<f32>(select(0.0, b[min(kk + 0u, K - 1u) * N + 4u * jc + 0u], 0u < N - 4u * jc), select(0.0, b[min(kk + 0u, K - 1u) * N + 4u * jc + 1u], 1u < N - 4u * jc), select(0.0, b[min(kk + 0u, K - 1u) * N + 4u * jc + 2u], 2u < N - 4u * jc), select(0.0, b[min(kk + 0u, K - 1u) * N + 4u * jc + 3u], 3u < N - 4u * jc)), kk + 0u < K);
    let b1 = select(vec4<f32>(0.0), vec4<f32>(select(0.0, b[min(kk + 1u, K - 1u) * N + 4u * jc + 0u], 0u < N - 4u * jc), select(0.0, b[min(kk + 1u, K - 1u) * N + 4u * jc + 1u], 1u < N - 4u * jc), select(0.0, b[min(kk + 1u, K - 1u) * N + 4u * jc + 2u], 2u < N - 4u * jc), select(0.0, b[min(kk + 1u, K - 1u) * N + 4u * jc + 3u], 3u < N - 4u * jc)), kk + 1u < K);
    let b2 = select(vec4<f32>(0.0), vec4<f32>(select(0.0, b[min(kk + 2u, K - 1u) * N + 4u * jc + 0u], 0u < N - 4u * jc), select(0.0, b[min(kk + 2u, K - 1u) * N + 4u * jc + 1u], 1u < N - 4u * jc), select(0.0, b[min(kk + 2u, K - 1u) * N + 4u * jc + 2u], 2u < N - 4u * jc), select(0.0, b[min(kk + 2u, K - 1u) * N + 4u * jc + 3u], 3u < N - 4u * jc)), kk + 2u < K);
    let b3 = select(vec4<f32>(0.0), vec4<f32>(select(0.0, b[min(kk + 3u, K - 1u) * N + 4u * jc + 0u], 0u < N - 4u * jc), select(0.0, b[min(kk + 3u, K - 1u) * N + 4u * jc + 1u], 1u < N - 4u * jc), select(0.0, b[min(kk + 3u, K - 1u) * N + 4u * jc + 2u], 2u < N - 4u * jc), select(0.0, b[min(kk + 3u, K - 1u) * N + 4u * jc + 3u], 3u < N - 4u * jc)), kk + 3u < K);
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
// ==== shampoo · [6, 4] · variant.stage 1.121
// matrix: %183: reduce.sum over 4 × 4 entries into slot 0.
@group(0) @binding(0) var<storage, read_write> scal: array<f32>;
@group(0) @binding(1) var<storage, read> in0: array<f32>;
@group(0) @binding(2) var<storage, read> steps: array<f32>;
var<workgroup> red0: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  {
  var a = 0.0;
  for (var i = lid; i < 16u; i += 256u) {
    let r = i / 4u;
    let c = i % 4u;
    let v0 = in0[r * 4u + c];
    let v1 = (steps[1] * select(0.0, 1.0, r == c));
    let v2 = (v0 + v1);
    let v3 = (v2 * v2);
    a = (a + v3);
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

// ==== shampoo · [6, 4] · variant.stage 1.122
// matrix: m_right: 4 × 4 entries, one per invocation.
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> scal: array<f32>;
@group(0) @binding(2) var<storage, read> in0: array<f32>;
@group(0) @binding(3) var<storage, read> steps: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= 16u) { return; }
  let r = i / 4u;
  let c = i % 4u;
  let v0 = sqrt(scal[0]);
  let v1 = (2.5f / v0);
  let v2 = in0[r * 4u + c];
  let v3 = (steps[1] * select(0.0, 1.0, r == c));
  let v4 = (v2 + v3);
  let v5 = (v1 * v4);
  out[i] = v5;
}

// ==== shampoo · [6, 4] · variant.stage 1.123
// matrix: x_right: 4 × 4 entries, one per invocation.
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> scal: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= 16u) { return; }
  let r = i / 4u;
  let c = i % 4u;
  let v0 = sqrt(scal[0]);
  let v1 = (2.5f / v0);
  let v2 = sqrt(v1);
  let v3 = sqrt(v2);
  let v4 = (v3 * select(0.0, 1.0, r == c));
  out[i] = v4;
}

// ==== shampoo · [6, 4] · variant.stage 1.124 1.129 1.134 1.139 1.144 1.149 1.154 1.159 1.164 1.169 1.174 1.179 1.184 1.189 1.194 1.199 1.204 1.209 1.214 1.219 1.224 1.229 1.234
// matrix: t_right: 4 × 4 entries, one per invocation.
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> steps: array<f32>;
@group(0) @binding(2) var<storage, read> in0: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= 16u) { return; }
  let r = i / 4u;
  let c = i % 4u;
  let v0 = (steps[10] * select(0.0, 1.0, r == c));
  let v1 = in0[r * 4u + c];
  let v2 = (v0 - v1);
  let v3 = (v2 * steps[11]);
  out[i] = v3;
}

// ==== shampoo · [6, 4] · variant.stage 1.125 1.126 1.127 1.128 1.130 1.131 1.132 1.133 1.135 1.136 1.137 1.138 1.140 1.141 1.142 1.143 1.145 1.146 1.147 1.148 1.150 1.151 1.152 1.153 1.155 1.156 1.157 1.158 1.160 1.161 1.162 1.163 1.165 1.166 1.167 1.168 1.170 1.171 1.172 1.173 1.175 1.176 1.177 1.178 1.180 1.181 1.182 1.183 1.185 1.186 1.187 1.188 1.190 1.191 1.192 1.193 1.195 1.196 1.197 1.198 1.200 1.201 1.202 1.203 1.205 1.206 1.207 1.208 1.210 1.211 1.212 1.213 1.215 1.216 1.217 1.218 1.220 1.221 1.222 1.223 1.225 1.226 1.227 1.228 1.230 1.231 1.232 1.233 1.235 1.236 1.237 1.239
// C = A B: C 4 × 4, inner 4; 4 × 4 entries of C per invocation, registers tiles.
const M = 4u;
const K = 4u;
const N = 4u;
@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
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
// ==== shampoo · [6, 4] · variant.stage 1.238
// C = A B: C 4 × 4, inner 4; 4 × 4 entries of C per invocation, registers tiles, fused epilogue.
const M = 4u;
const K = 4u;
const N = 4u;
@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> c: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> steps: array<f32>;


fn ldC(i: u32) -> f32 { return c[i / 4u][i % 4u]; }
fn epilogue(acc: f32, r: u32, c: u32) -> f32 {
  let v0 = (steps[10] * select(0.0, 1.0, r == c));
  let v1 = (v0 - acc);
  let v2 = (v1 * steps[11]);
  return v2;
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
// ==== shampoo · fallback adagrad · fused · width 1
// adagrad: kernel fused (scalar)
struct Uniforms {
  n: u32,
  len: u32,
  h_lr: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> in_g: array<f32>;
@group(0) @binding(2) var<storage, read_write> st_acc: array<f32>;
@group(0) @binding(3) var<storage, read_write> param: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v3 = in_g[i];
  let v4 = (v3 * v3);
  let v2 = st_acc[i];
  let v5 = (v2 + v4);
  let v8 = inverseSqrt(v5);
  let v7 = (u.h_lr * v3);
  let v9 = (v7 * v8);
  let v6 = param[i];
  let v10 = (v6 - v9);
  st_acc[i] = v5;
  param[i] = v10;
}

// ==== shampoo · fallback adagrad · fused · width 4
// adagrad: kernel fused (vec4)
struct Uniforms {
  n: u32,
  len: u32,
  h_lr: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> in_g: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> st_acc: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> param: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v3 = in_g[i];
  let v4 = (v3 * v3);
  let v2 = st_acc[i];
  let v5 = (v2 + v4);
  let v8 = inverseSqrt(v5);
  let v7 = (u.h_lr * v3);
  let v9 = (v7 * v8);
  let v6 = param[i];
  let v10 = (v6 - v9);
  st_acc[i] = v5;
  param[i] = v10;
}
