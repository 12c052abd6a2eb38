// ==== galore_adamw · [6, 4] · variant.stage 0.0 1.43
// C = Aᵀ Bᵀ: C 128 × 6, inner 4; 4 × 4 entries of C per invocation, registers tiles.
const M = 128u;
const K = 4u;
const N = 6u;
@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
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
    let d0 = select(vec4<f32>(0.0), a[(min(kk + 0u, K - 1u) * M + min(row0, M - 4u)) / 4u], kk + 0u < K);
    let d1 = select(vec4<f32>(0.0), a[(min(kk + 1u, K - 1u) * M + min(row0, M - 4u)) / 4u], kk + 1u < K);
    let d2 = select(vec4<f32>(0.0), a[(min(kk + 2u, K - 1u) * M + min(row0, M - 4u)) / 4u], kk + 2u < K);
    let d3 = select(vec4<f32>(0.0), a[(min(kk + 3u, K - 1u) * M + min(row0, M - 4u)) / 4u], kk + 3u < K);
    let a0 = vec4<f32>(d0[0], d1[0], d2[0], d3[0]);
    let a1 = vec4<f32>(d0[1], d1[1], d2[1], d3[1]);
    let a2 = vec4<f32>(d0[2], d1[2], d2[2], d3[2]);
    let a3 = vec4<f32>(d0[3], d1[3], d2[3], d3[3]);
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
// ==== galore_adamw · [6, 4] · variant.stage 0.1 1.44
// matrix: %155: 128 × 6 entries, one per invocation.
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> steps: array<f32>;
@group(0) @binding(2) var<storage, read> in0: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= 768u) { return; }
  let r = i / 6u;
  let c = i % 6u;
  let v0 = (steps[2] * out[r * 6u + c]);
  let v1 = in0[r * 6u + c];
  let v2 = (steps[22] * v1);
  let v3 = (v0 + v2);
  out[i] = v3;
}

// ==== galore_adamw · [6, 4] · variant.stage 0.2 1.45
// matrix: %160: 128 × 6 entries, one per invocation.
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> steps: array<f32>;
@group(0) @binding(2) var<storage, read> in0: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= 768u) { return; }
  let r = i / 6u;
  let c = i % 6u;
  let v0 = (steps[3] * out[r * 6u + c]);
  let v1 = in0[r * 6u + c];
  let v2 = (steps[23] * v1);
  let v3 = (v2 * v1);
  let v4 = (v0 + v3);
  out[i] = v4;
}

// ==== galore_adamw · [6, 4] · variant.stage 0.3 1.46
// matrix: norm_grad: 128 × 6 entries, one per invocation.
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> in0: array<f32>;
@group(0) @binding(2) var<storage, read> in1: array<f32>;
@group(0) @binding(3) var<storage, read> steps: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= 768u) { return; }
  let r = i / 6u;
  let c = i % 6u;
  let v0 = in0[r * 6u + c];
  let v1 = in1[r * 6u + c];
  let v2 = sqrt(v1);
  let v3 = (v2 + steps[4]);
  let v4 = (v0 / v3);
  out[i] = v4;
}

// ==== galore_adamw · [6, 4] · variant.stage 0.4 1.47
// C = A B: C 4 × 6, inner 128; 4 × 4 entries of C per invocation, registers tiles.
const M = 4u;
const K = 128u;
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
// ==== galore_adamw · [6, 4] · variant.stage 0.5 1.48
// matrix: %179: 6 × 4 entries, one per invocation.
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> steps: array<f32>;
@group(0) @binding(2) var<storage, read> in0: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= 24u) { return; }
  let r = i / 4u;
  let c = i % 4u;
  let v0 = in0[c * 6u + r];
  let v1 = (steps[7] * v0);
  let v2 = (steps[30] * v1);
  let v3 = (out[r * 4u + c] - v2);
  let v4 = (steps[31] * v3);
  let v5 = (select(v3, 0.0, bitcast<u32>(steps[0]) != 0u) - v4);
  out[i] = v5;
}

// ==== galore_adamw · [6, 4] · variant.stage 1.0
// matrix: %23: 6 × 128 entries, one per invocation.
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> steps: array<f32>;

fn optc_fmix32(h0: u32) -> u32 {
  var h = h0;
  h = h ^ (h >> 16u);
  h = h * 0x85ebca6bu;
  h = h ^ (h >> 13u);
  h = h * 0xc2b2ae35u;
  h = h ^ (h >> 16u);
  return h;
}
fn optc_rng_u32(stream: u32, tensor: u32, index: u32, draw: u32) -> u32 {
  var h = optc_fmix32(stream ^ 0x9e3779b9u);
  h = optc_fmix32(h ^ ((tensor + 1u) * 0x7feb352du) ^ ((draw + 1u) * 0x68e31da4u));
  return optc_fmix32(h + index);
}
fn optc_u01(h: u32) -> f32 { return (f32(h >> 9u) + 0.5) * 1.1920928955078125e-7; }
fn optc_rand_uniform(stream: u32, tensor: u32, index: u32) -> f32 { return optc_u01(optc_rng_u32(stream, tensor, index, 0u)); }
fn optc_rand_rademacher(stream: u32, tensor: u32, index: u32) -> f32 {
  return select(-1.0, 1.0, (optc_rng_u32(stream, tensor, index, 0u) >> 31u) != 0u);
}
fn optc_rand_normal(stream: u32, tensor: u32, index: u32) -> f32 {
  let u1 = optc_u01(optc_rng_u32(stream, tensor, index, 0u));
  let u2 = optc_u01(optc_rng_u32(stream, tensor, index, 1u));
  let r = sqrt(-2.0 * log(u1));
  return -r * cos(6.2831854820251465 * (u2 - 0.5));
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= 768u) { return; }
  let r = i / 128u;
  let c = i % 128u;
  let v0 = optc_rand_normal(bitcast<u32>(steps[32]), 0u, r * 128u + c);
  out[i] = v0;
}

// ==== galore_adamw · [6, 4] · variant.stage 1.1 1.3
// C = Aᵀ B: C 4 × 128, inner 6; 4 × 4 entries of C per invocation, registers tiles.
const M = 4u;
const K = 6u;
const N = 128u;
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
// ==== galore_adamw · [6, 4] · variant.stage 1.2
// C = A B: C 6 × 128, inner 4; 4 × 4 entries of C per invocation, registers tiles.
const M = 6u;
const K = 4u;
const N = 128u;
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
// ==== galore_adamw · [6, 4] · variant.stage 1.4
// matrix: %29: reduce.sum over 4 × 128 entries into slot 1.
@group(0) @binding(0) var<storage, read_write> scal: array<f32>;
@group(0) @binding(1) var<storage, read> in0: array<f32>;
var<workgroup> red0: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  {
  var a = 0.0;
  for (var i = lid; i < 512u; i += 256u) {
    let r = i / 128u;
    let c = i % 128u;
    let v0 = in0[r * 128u + c];
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
    scal[1] = red0[0];
  }
  workgroupBarrier();
  }
}

// ==== galore_adamw · [6, 4] · variant.stage 1.5
// matrix: %33: reduce.sum over 4 × 128 entries into slot 0.
@group(0) @binding(0) var<storage, read_write> scal: array<f32>;
@group(0) @binding(1) var<storage, read> in0: array<f32>;
var<workgroup> red0: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  {
  var a = 0.0;
  for (var i = lid; i < 512u; i += 256u) {
    let r = i / 128u;
    let c = i % 128u;
    let v0 = in0[r * 128u + c];
    let v1 = sqrt(scal[1]);
    let v2 = (v0 / v1);
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

// ==== galore_adamw · [6, 4] · variant.stage 1.6
// matrix: q: 4 × 128 entries, one per invocation.
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> in0: array<f32>;
@group(0) @binding(2) var<storage, read> scal: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= 512u) { return; }
  let r = i / 128u;
  let c = i % 128u;
  let v0 = in0[r * 128u + c];
  let v1 = sqrt(scal[1]);
  let v2 = (v0 / v1);
  let v3 = sqrt(scal[0]);
  let v4 = (v2 / v3);
  out[i] = v4;
}

// ==== galore_adamw · [6, 4] · variant.stage 1.7 1.10 1.13 1.16 1.19 1.22 1.25 1.28 1.31 1.33 1.35 1.37 1.39 1.41
// C = Aᵀ B: C 128 × 128, inner 4; 4 × 4 entries of C per invocation, registers tiles.
const M = 128u;
const K = 4u;
const N = 128u;
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
    let d0 = select(vec4<f32>(0.0), a[(min(kk + 0u, K - 1u) * M + min(row0, M - 4u)) / 4u], kk + 0u < K);
    let d1 = select(vec4<f32>(0.0), a[(min(kk + 1u, K - 1u) * M + min(row0, M - 4u)) / 4u], kk + 1u < K);
    let d2 = select(vec4<f32>(0.0), a[(min(kk + 2u, K - 1u) * M + min(row0, M - 4u)) / 4u], kk + 2u < K);
    let d3 = select(vec4<f32>(0.0), a[(min(kk + 3u, K - 1u) * M + min(row0, M - 4u)) / 4u], kk + 3u < K);
    let a0 = vec4<f32>(d0[0], d1[0], d2[0], d3[0]);
    let a1 = vec4<f32>(d0[1], d1[1], d2[1], d3[1]);
    let a2 = vec4<f32>(d0[2], d1[2], d2[2], d3[2]);
    let a3 = vec4<f32>(d0[3], d1[3], d2[3], d3[3]);
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
// ==== galore_adamw · [6, 4] · variant.stage 1.8 1.11 1.14 1.17 1.20 1.23 1.26 1.29
// C = A B: C 128 × 128, inner 128; 4 × 4 entries of C per invocation, registers tiles, fused epilogue.
const M = 128u;
const K = 128u;
const N = 128u;
@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> c: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> steps: array<f32>;
@group(0) @binding(4) var<storage, read> in0: array<f32>;


fn ldC(i: u32) -> f32 { return c[i / 4u][i % 4u]; }
fn epilogue(acc: f32, r: u32, c: u32) -> f32 {
  let v0 = in0[r * 128u + c];
  let v1 = (steps[18] * v0);
  let v2 = (steps[19] * acc);
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
// ==== galore_adamw · [6, 4] · variant.stage 1.9 1.12 1.15 1.18 1.21 1.24 1.27 1.30
// C = A B: C 4 × 128, inner 128; 4 × 4 entries of C per invocation, registers tiles, fused epilogue.
const M = 4u;
const K = 128u;
const N = 128u;
@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> c: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> steps: array<f32>;
@group(0) @binding(4) var<storage, read> in0: array<f32>;


fn ldC(i: u32) -> f32 { return c[i / 4u][i % 4u]; }
fn epilogue(acc: f32, r: u32, c: u32) -> f32 {
  let v0 = in0[r * 128u + c];
  let v1 = (steps[17] * v0);
  let v2 = (v1 + acc);
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
// ==== galore_adamw · [6, 4] · variant.stage 1.32 1.34 1.36 1.38 1.40 1.42
// C = A B: C 4 × 128, inner 128; 4 × 4 entries of C per invocation, registers tiles, fused epilogue.
const M = 4u;
const K = 128u;
const N = 128u;
@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> c: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> steps: array<f32>;
@group(0) @binding(4) var<storage, read> in0: array<f32>;


fn ldC(i: u32) -> f32 { return c[i / 4u][i % 4u]; }
fn epilogue(acc: f32, r: u32, c: u32) -> f32 {
  let v0 = in0[r * 128u + c];
  let v1 = (steps[20] * v0);
  let v2 = (steps[21] * acc);
  let v3 = (v1 - v2);
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
// ==== galore_adamw · fallback adamw · fused · width 1
// adamw: kernel fused (scalar)
struct Uniforms {
  n: u32,
  len: u32,
  pad0: u32,
  h_beta1: f32,
  h_beta2: f32,
  h_eps: f32,
  s10: f32,
  s15: f32,
  s26_step_size: f32,
  s33: f32,
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
  let v11 = in_g[i];
  let v16 = (u.s15 * v11);
  let v17 = (v16 * v11);
  let v7 = st_exp_avg_sq[i];
  let v14 = (u.h_beta2 * v7);
  let v18 = (v14 + v17);
  let v28 = sqrt(v18);
  let v29 = (v28 + u.h_eps);
  let v12 = (u.s10 * v11);
  let v6 = st_exp_avg[i];
  let v8 = (u.h_beta1 * v6);
  let v13 = (v8 + v12);
  let v30 = (v13 / v29);
  let v31 = (u.s26_step_size * v30);
  let v27 = param[i];
  let v32 = (v27 - v31);
  let v34 = (u.s33 * v32);
  let v35 = (select(v32, 0.0, u.pad0 != 0u) - v34);
  st_exp_avg[i] = v13;
  st_exp_avg_sq[i] = v18;
  param[i] = v35;
}

// ==== galore_adamw · fallback adamw · fused · width 4
// adamw: kernel fused (vec4)
struct Uniforms {
  n: u32,
  len: u32,
  pad0: u32,
  h_beta1: f32,
  h_beta2: f32,
  h_eps: f32,
  s10: f32,
  s15: f32,
  s26_step_size: f32,
  s33: f32,
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
  let v11 = in_g[i];
  let v16 = (u.s15 * v11);
  let v17 = (v16 * v11);
  let v7 = st_exp_avg_sq[i];
  let v14 = (u.h_beta2 * v7);
  let v18 = (v14 + v17);
  let v28 = sqrt(v18);
  let v29 = (v28 + u.h_eps);
  let v12 = (u.s10 * v11);
  let v6 = st_exp_avg[i];
  let v8 = (u.h_beta1 * v6);
  let v13 = (v8 + v12);
  let v30 = (v13 / v29);
  let v31 = (u.s26_step_size * v30);
  let v27 = param[i];
  let v32 = (v27 - v31);
  let v34 = (u.s33 * v32);
  let v35 = (select(v32, vec4<f32>(0.0), u.pad0 != 0u) - v34);
  st_exp_avg[i] = v13;
  st_exp_avg_sq[i] = v18;
  param[i] = v35;
}
