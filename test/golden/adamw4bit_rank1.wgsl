// ==== adamw4bit_rank1 · rank1max · width 4
// adamw4bit_rank1: kernel rank1max (vec4)
struct Uniforms {
  n: u32,
  len: u32,
  h_lr: f32,
  h_beta1: f32,
  h_beta2: f32,
  h_eps: f32,
  s11: f32,
  s14: f32,
  s19: f32,
  s25: f32,
  s28: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> in_g: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> st_v: array<u32>;
@group(0) @binding(3) var<storage, read_write> r1s_v: array<atomic<u32>>;
@group(0) @binding(4) var<storage, read> r1t_v: array<u32>;
@group(0) @binding(5) var<storage, read> st_m: array<u32>;
@group(0) @binding(6) var<storage, read> sc_m: array<f32>;
@group(0) @binding(7) var<storage, read> param: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read> lanes: array<u32>;

// ---- q4: 4-bit table codes, 8 per u32 word, one f32 scale per block ----
const q4_BITS = 4u;
const q4_LANES = 8u;
const q4_TABLE = array<f32, 16>(
  -0x1.c66666p-1f, -0x1.533334p-1f, -0x1.cp-2f, -0x1.b33332p-3f,
  -0x1.3d70a4p-4f, -0x1.0a3d72p-5f, -0x1.6872bp-8f, 0.0f,
  0x1.6872bp-8f, 0x1.0a3d72p-5f, 0x1.3d70a4p-4f, 0x1.b33332p-3f,
  0x1.cp-2f, 0x1.533334p-1f, 0x1.c66666p-1f, 0x1.0p0f,
);
// f32(f32(t[k] + t[k+1]) * 0.5): the decision threshold between codes k and k+1.
const q4_MIDS = array<f32, 15>(
  -0x1.8cccccp-1f, -0x1.19999ap-1f, -0x1.4cccccp-2f, -0x1.28f5c2p-3f,
  -0x1.c28f5cp-5f, -0x1.374bc8p-6f, -0x1.6872bp-9f, 0x1.6872bp-9f,
  0x1.374bc8p-6f, 0x1.c28f5cp-5f, 0x1.28f5c2p-3f, 0x1.4cccccp-2f,
  0x1.19999ap-1f, 0x1.8cccccp-1f, 0x1.e33334p-1f,
);

fn q4_scale(absmax: f32) -> f32 {
  // Tiny blocks store 0 so that every product below stays a normal f32 (GPUs may flush subnormals).
  return select(absmax, 0.0, absmax < 0x1.0p-90f);
}

fn q4_encoder(absmax: f32) -> f32 { return q4_scale(absmax); }

fn q4_encode(x: f32, enc: f32) -> u32 {
  // Largest lo with f32(TABLE[lo] * enc) <= x: no division, only correctly rounded products and compares.
  var lo = 0u;
  lo = select(0u, 1u, -0x1.533334p-1f * enc <= x) +
    select(0u, 1u, -0x1.cp-2f * enc <= x) +
    select(0u, 1u, -0x1.b33332p-3f * enc <= x) +
    select(0u, 1u, -0x1.3d70a4p-4f * enc <= x) +
    select(0u, 1u, -0x1.0a3d72p-5f * enc <= x) +
    select(0u, 1u, -0x1.6872bp-8f * enc <= x) +
    select(0u, 1u, 0.0f * enc <= x) +
    select(0u, 1u, 0x1.6872bp-8f * enc <= x) +
    select(0u, 1u, 0x1.0a3d72p-5f * enc <= x) +
    select(0u, 1u, 0x1.3d70a4p-4f * enc <= x) +
    select(0u, 1u, 0x1.b33332p-3f * enc <= x) +
    select(0u, 1u, 0x1.cp-2f * enc <= x) +
    select(0u, 1u, 0x1.533334p-1f * enc <= x) +
    select(0u, 1u, 0x1.c66666p-1f * enc <= x) +
    select(0u, 1u, 0x1.0p0f * enc <= x);
  // Nearest of TABLE[lo] and TABLE[lo + 1]; x exactly on the midpoint product keeps the lower code.
  let up = lo < 15u && x > q4_MIDS[min(lo, 14u)] * enc;
  return select(select(lo, lo + 1u, up), 7u, enc == 0.0);
}

fn q4_decode(word: u32, lane: u32, scale: f32) -> f32 {
  return q4_TABLE[(word >> (lane * q4_BITS)) & 0xfu] * scale;
}

fn q4_pack(word: u32, lane: u32, code: u32) -> u32 { return word | (code << (lane * q4_BITS)); }

// ---- q4u: 4-bit table codes, 8 per u32 word, one f32 scale per block ----
const q4u_BITS = 4u;
const q4u_LANES = 8u;
const q4u_TABLE = array<f32, 16>(
  0x1.0p-4f, 0x1.0p-3f, 0x1.8p-3f, 0x1.0p-2f,
  0x1.4p-2f, 0x1.8p-2f, 0x1.cp-2f, 0x1.0p-1f,
  0x1.2p-1f, 0x1.4p-1f, 0x1.6p-1f, 0x1.8p-1f,
  0x1.ap-1f, 0x1.cp-1f, 0x1.ep-1f, 0x1.0p0f,
);
// f32(f32(t[k] + t[k+1]) * 0.5): the decision threshold between codes k and k+1.
const q4u_MIDS = array<f32, 15>(
  0x1.8p-4f, 0x1.4p-3f, 0x1.cp-3f, 0x1.2p-2f,
  0x1.6p-2f, 0x1.ap-2f, 0x1.ep-2f, 0x1.1p-1f,
  0x1.3p-1f, 0x1.5p-1f, 0x1.7p-1f, 0x1.9p-1f,
  0x1.bp-1f, 0x1.dp-1f, 0x1.fp-1f,
);

fn q4u_scale(absmax: f32) -> f32 {
  // Tiny blocks store 0 so that every product below stays a normal f32 (GPUs may flush subnormals).
  return select(absmax, 0.0, absmax < 0x1.0p-90f);
}

fn q4u_encoder(absmax: f32) -> f32 { return q4u_scale(absmax); }

fn q4u_encode(x: f32, enc: f32) -> u32 {
  // Largest lo with f32(TABLE[lo] * enc) <= x: no division, only correctly rounded products and compares.
  var lo = 0u;
  lo = select(0u, 1u, 0x1.0p-3f * enc <= x) +
    select(0u, 1u, 0x1.8p-3f * enc <= x) +
    select(0u, 1u, 0x1.0p-2f * enc <= x) +
    select(0u, 1u, 0x1.4p-2f * enc <= x) +
    select(0u, 1u, 0x1.8p-2f * enc <= x) +
    select(0u, 1u, 0x1.cp-2f * enc <= x) +
    select(0u, 1u, 0x1.0p-1f * enc <= x) +
    select(0u, 1u, 0x1.2p-1f * enc <= x) +
    select(0u, 1u, 0x1.4p-1f * enc <= x) +
    select(0u, 1u, 0x1.6p-1f * enc <= x) +
    select(0u, 1u, 0x1.8p-1f * enc <= x) +
    select(0u, 1u, 0x1.ap-1f * enc <= x) +
    select(0u, 1u, 0x1.cp-1f * enc <= x) +
    select(0u, 1u, 0x1.ep-1f * enc <= x) +
    select(0u, 1u, 0x1.0p0f * enc <= x);
  // Nearest of TABLE[lo] and TABLE[lo + 1]; x exactly on the midpoint product keeps the lower code.
  let up = lo < 15u && x > q4u_MIDS[min(lo, 14u)] * enc;
  return select(select(lo, lo + 1u, up), 0u, enc == 0.0);
}

fn q4u_decode(word: u32, lane: u32, scale: f32) -> f32 {
  return q4u_TABLE[(word >> (lane * q4u_BITS)) & 0xfu] * scale;
}

fn q4u_pack(word: u32, lane: u32, code: u32) -> u32 { return word | (code << (lane * q4u_BITS)); }

// Rank-1 normalization: element (i, j) of a matrix is scaled by min(absmax of row i, absmax of column j),
// each stored through q4u_scale.
fn q4u_rank1_scale(row_max: f32, col_max: f32) -> f32 { return min(row_max, col_max); }


// The axes of a piece, and where the next piece begins (the cursor reopens there).
struct R1Piece_v { stride: vec4<u32>, lo: vec4<u32>, hi: vec4<u32>, off: u32, end: u32, pc: u32, deep: bool, wide: bool }
// Element et's remainder within each axis's stride and its scale slot along each axis.
struct R1At_v { rem: vec4<u32>, slot: vec4<u32> }

// The last piece of this chunk starting at or before chunk element e.
fn r1_piece_v(e: u32) -> u32 {
  var lo = 0u;
  var hi = max(r1t_v[0], 1u) - 1u;
  loop {
    if (lo >= hi) { break; }
    let mid = (lo + hi + 1u) / 2u;
    if (r1t_v[4u + 4u * mid] <= e) { lo = mid; } else { hi = mid - 1u; }
  }
  return lo;
}

fn r1_open_v(e: u32) -> R1Piece_v {
  let pc = r1_piece_v(e);
  let r = 4u + 4u * pc;
  let n = r1t_v[r + 3u];
  var ax: R1Piece_v;
  let wx = r1t_v[r + 2u] + 3u * select(0u, 0u, 0u >= n);
  ax.stride.x = r1t_v[wx + 1u];
  ax.lo.x = r1t_v[wx + 2u];
  ax.hi.x = ax.lo.x + r1t_v[wx];
  let wy = r1t_v[r + 2u] + 3u * select(1u, 0u, 1u >= n);
  ax.stride.y = r1t_v[wy + 1u];
  ax.lo.y = r1t_v[wy + 2u];
  ax.hi.y = ax.lo.y + r1t_v[wy];
  let wz = r1t_v[r + 2u] + 3u * select(2u, 0u, 2u >= n);
  ax.stride.z = r1t_v[wz + 1u];
  ax.lo.z = r1t_v[wz + 2u];
  ax.hi.z = ax.lo.z + r1t_v[wz];
  let ww = r1t_v[r + 2u] + 3u * select(3u, 0u, 3u >= n);
  ax.stride.w = r1t_v[ww + 1u];
  ax.lo.w = r1t_v[ww + 2u];
  ax.hi.w = ax.lo.w + r1t_v[ww];
  ax.off = r1t_v[r + 1u] - r1t_v[r];
  ax.end = select(0xffffffffu, r1t_v[r + 4u], pc + 1u < r1t_v[0]);
  ax.pc = pc;
  ax.deep = n > 2u;
  ax.wide = n > 4u;
  return ax;
}

fn r1_at_v(ax: R1Piece_v, et: u32) -> R1At_v {
  let q = vec4<u32>(et) / ax.stride;
  return R1At_v(vec4<u32>(et) - q * ax.stride, ax.lo + q % (ax.hi - ax.lo));
}

fn r1_next_v(ax: R1Piece_v, c: R1At_v) -> R1At_v {
  let rem = c.rem + vec4<u32>(1u);
  let carry = rem == ax.stride;
  let s = c.slot + select(vec4<u32>(0u), vec4<u32>(1u), carry);
  return R1At_v(select(rem, vec4<u32>(0u), carry), select(s, ax.lo, s == ax.hi));
}

// min over the axes; each maximum flushed as q4u_scale flushes a block's (stored scales are already).
fn r1_scale_v(ax: R1Piece_v, s: vec4<u32>, et: u32, half: u32) -> f32 {
  if (ax.wide) { return r1_scale_wide_v(ax.pc, et, half); }
  return r1_fast_v(ax, s, half);
}

fn r1_fast_v(ax: R1Piece_v, s: vec4<u32>, half: u32) -> f32 {
  let m = min(q4u_scale(bitcast<f32>(atomicLoad(&r1s_v[half + s.x]))), q4u_scale(bitcast<f32>(atomicLoad(&r1s_v[half + s.y]))));
  if (!ax.deep) { return m; }
  return min(m, min(q4u_scale(bitcast<f32>(atomicLoad(&r1s_v[half + s.z]))), q4u_scale(bitcast<f32>(atomicLoad(&r1s_v[half + s.w])))));
}

// The lanes of a located vec4 (slots s0..s3). The dividing path runs in a loop whose trip count the
// compiler cannot see (table word 2 is 0): unrolled, its 4 copies per use made lavapipe take 3x longer to
// compile a rank-1 kernel (adamw4bit_rank1: 27 s instead of 9).
fn r1_scales_v(ax: R1Piece_v, s0: vec4<u32>, s1: vec4<u32>, s2: vec4<u32>, s3: vec4<u32>, et: u32, half: u32) -> vec4<f32> {
  if (ax.wide) {
    var r: vec4<f32>;
    for (var k = 0u; k < 4u + r1t_v[2]; k++) { r[k] = r1_scale_wide_v(ax.pc, et + k, half); }
    return r;
  }
  return vec4<f32>(r1_fast_v(ax, s0, half), r1_fast_v(ax, s1, half), r1_fast_v(ax, s2, half), r1_fast_v(ax, s3, half));
}

fn r1_decode_v(word: u32, base: u32, s: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(q4u_decode(word, base + 0u, s[0]), q4u_decode(word, base + 1u, s[1]), q4u_decode(word, base + 2u, s[2]), q4u_decode(word, base + 3u, s[3]));
}

fn r1_scale_wide_v(pc: u32, et: u32, half: u32) -> f32 {
  let r = 4u + 4u * pc;
  let a0 = r1t_v[r + 2u];
  var s = q4u_scale(bitcast<f32>(atomicLoad(&r1s_v[half + r1t_v[a0 + 2u] + (et / r1t_v[a0 + 1u]) % r1t_v[a0]])));
  for (var a = 1u; a < r1t_v[r + 3u]; a++) {
    let ax = a0 + 3u * a;
    s = min(s, q4u_scale(bitcast<f32>(atomicLoad(&r1s_v[half + r1t_v[ax + 2u] + (et / r1t_v[ax + 1u]) % r1t_v[ax]]))));
  }
  return s;
}

// Folds |x| (as u32 bits: non-negative floats order like their bits) into maximum k. Most elements are
// below the maximum already; the plain load spares them the atomic.
fn r1_fold_v(k: u32, bits: u32) {
  if (bits > atomicLoad(&r1s_v[k])) { atomicMax(&r1s_v[k], bits); }
}

// Folds the valid lanes of a located vec4 into every axis maximum of their elements.
fn r1_max4_v(ax: R1Piece_v, s0: vec4<u32>, s1: vec4<u32>, s2: vec4<u32>, s3: vec4<u32>, et: u32, bits: vec4<u32>, valid: vec4<bool>) {
  let h = r1t_v[1];
  if (ax.wide) {
    let r = 4u + 4u * ax.pc;
    for (var k = 0u; k < 4u + r1t_v[2]; k++) {
      for (var a = 0u; a < r1t_v[r + 3u] && valid[k]; a++) {
        let w = r1t_v[r + 2u] + 3u * a;
        r1_fold_v(h + r1t_v[w + 2u] + ((et + k) / r1t_v[w + 1u]) % r1t_v[w], bits[k]);
      }
    }
    return;
  }
  if (valid[0]) {
    r1_fold_v(h + s0.x, bits[0]);
    r1_fold_v(h + s0.y, bits[0]);
    if (ax.deep) { r1_fold_v(h + s0.z, bits[0]); r1_fold_v(h + s0.w, bits[0]); }
  }
  if (valid[1]) {
    r1_fold_v(h + s1.x, bits[1]);
    r1_fold_v(h + s1.y, bits[1]);
    if (ax.deep) { r1_fold_v(h + s1.z, bits[1]); r1_fold_v(h + s1.w, bits[1]); }
  }
  if (valid[2]) {
    r1_fold_v(h + s2.x, bits[2]);
    r1_fold_v(h + s2.y, bits[2]);
    if (ax.deep) { r1_fold_v(h + s2.z, bits[2]); r1_fold_v(h + s2.w, bits[2]); }
  }
  if (valid[3]) {
    r1_fold_v(h + s3.x, bits[3]);
    r1_fold_v(h + s3.y, bits[3]);
    if (ax.deep) { r1_fold_v(h + s3.z, bits[3]); r1_fold_v(h + s3.w, bits[3]); }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 4194240u;
  let j0 = i * 32u;
  if (j0 >= u.n) { return; }
  let j1 = min(j0 + 32u, u.n);
  {
    var r1ax_v: R1Piece_v;
    var r1c_v: R1At_v;
    for (var j = j0; j < j1; j++) {
      let e0 = j * 4u;
      let valid = vec4<u32>(e0 % 64u) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(lanes[min(e0, u.len - 1u) / 64u]);
      let r1e0_v = j * 4u;
      if (r1e0_v >= r1ax_v.end) { r1ax_v = r1_open_v(r1e0_v); r1c_v = r1_at_v(r1ax_v, r1e0_v + r1ax_v.off); }
      let r1et_v = r1e0_v + r1ax_v.off;
      let r1sl0_v = r1c_v.slot;
      var r1n_v = r1_next_v(r1ax_v, r1c_v);
      let r1sl1_v = r1n_v.slot;
      r1n_v = r1_next_v(r1ax_v, r1n_v);
      let r1sl2_v = r1n_v.slot;
      r1n_v = r1_next_v(r1ax_v, r1n_v);
      let r1sl3_v = r1n_v.slot;
      r1n_v = r1_next_v(r1ax_v, r1n_v);
      r1c_v = r1n_v;
      let v15 = in_g[j];
      let v20 = (u.s19 * v15);
      let v21 = (v20 * v15);
      let v7 = r1_decode_v(st_v[j / 2u], (j % 2u) * 4u, r1_scales_v(r1ax_v, r1sl0_v, r1sl1_v, r1sl2_v, r1sl3_v, r1et_v, 0u));
      let v18 = (u.h_beta2 * v7);
      let v22 = (v18 + v21);
      let v29_vhat = (v22 / u.s28);
      let v31 = sqrt(v29_vhat);
      let v32 = (v31 + u.h_eps);
      let v16 = (u.s14 * v15);
      let v6 = vec4<f32>(q4_decode(st_m[j / 2u], ((j % 2u) * 4u) + 0u, sc_m[(j * 4u) / 128u]), q4_decode(st_m[j / 2u], ((j % 2u) * 4u) + 1u, sc_m[(j * 4u) / 128u]), q4_decode(st_m[j / 2u], ((j % 2u) * 4u) + 2u, sc_m[(j * 4u) / 128u]), q4_decode(st_m[j / 2u], ((j % 2u) * 4u) + 3u, sc_m[(j * 4u) / 128u]));
      let v13 = (u.h_beta1 * v6);
      let v17 = (v13 + v16);
      let v26_mhat = (v17 / u.s25);
      let v30 = (u.h_lr * v26_mhat);
      let v33 = (v30 / v32);
      let v8 = param[j];
      let v12 = (v8 * u.s11);
      let v34 = (v12 - v33);
      let x_v = select(vec4<f32>(0.0), v22, valid);
      r1_max4_v(r1ax_v, r1sl0_v, r1sl1_v, r1sl2_v, r1sl3_v, r1et_v, bitcast<vec4<u32>>(abs(x_v)), valid);
    }
  }
}

// ==== adamw4bit_rank1 · fused · width 4
// adamw4bit_rank1: kernel fused (vec4)
struct Uniforms {
  n: u32,
  len: u32,
  h_lr: f32,
  h_beta1: f32,
  h_beta2: f32,
  h_eps: f32,
  s11: f32,
  s14: f32,
  s19: f32,
  s25: f32,
  s28: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> in_g: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> st_v: array<u32>;
@group(0) @binding(3) var<storage, read> r1s_v: array<u32>;
@group(0) @binding(4) var<storage, read> r1t_v: array<u32>;
@group(0) @binding(5) var<storage, read_write> st_m: array<u32>;
@group(0) @binding(6) var<storage, read_write> sc_m: array<f32>;
@group(0) @binding(7) var<storage, read_write> param: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read> lanes: array<u32>;

// ---- q4: 4-bit table codes, 8 per u32 word, one f32 scale per block ----
const q4_BITS = 4u;
const q4_LANES = 8u;
const q4_TABLE = array<f32, 16>(
  -0x1.c66666p-1f, -0x1.533334p-1f, -0x1.cp-2f, -0x1.b33332p-3f,
  -0x1.3d70a4p-4f, -0x1.0a3d72p-5f, -0x1.6872bp-8f, 0.0f,
  0x1.6872bp-8f, 0x1.0a3d72p-5f, 0x1.3d70a4p-4f, 0x1.b33332p-3f,
  0x1.cp-2f, 0x1.533334p-1f, 0x1.c66666p-1f, 0x1.0p0f,
);
// f32(f32(t[k] + t[k+1]) * 0.5): the decision threshold between codes k and k+1.
const q4_MIDS = array<f32, 15>(
  -0x1.8cccccp-1f, -0x1.19999ap-1f, -0x1.4cccccp-2f, -0x1.28f5c2p-3f,
  -0x1.c28f5cp-5f, -0x1.374bc8p-6f, -0x1.6872bp-9f, 0x1.6872bp-9f,
  0x1.374bc8p-6f, 0x1.c28f5cp-5f, 0x1.28f5c2p-3f, 0x1.4cccccp-2f,
  0x1.19999ap-1f, 0x1.8cccccp-1f, 0x1.e33334p-1f,
);

fn q4_scale(absmax: f32) -> f32 {
  // Tiny blocks store 0 so that every product below stays a normal f32 (GPUs may flush subnormals).
  return select(absmax, 0.0, absmax < 0x1.0p-90f);
}

fn q4_encoder(absmax: f32) -> f32 { return q4_scale(absmax); }

fn q4_encode(x: f32, enc: f32) -> u32 {
  // Largest lo with f32(TABLE[lo] * enc) <= x: no division, only correctly rounded products and compares.
  var lo = 0u;
  lo = select(0u, 1u, -0x1.533334p-1f * enc <= x) +
    select(0u, 1u, -0x1.cp-2f * enc <= x) +
    select(0u, 1u, -0x1.b33332p-3f * enc <= x) +
    select(0u, 1u, -0x1.3d70a4p-4f * enc <= x) +
    select(0u, 1u, -0x1.0a3d72p-5f * enc <= x) +
    select(0u, 1u, -0x1.6872bp-8f * enc <= x) +
    select(0u, 1u, 0.0f * enc <= x) +
    select(0u, 1u, 0x1.6872bp-8f * enc <= x) +
    select(0u, 1u, 0x1.0a3d72p-5f * enc <= x) +
    select(0u, 1u, 0x1.3d70a4p-4f * enc <= x) +
    select(0u, 1u, 0x1.b33332p-3f * enc <= x) +
    select(0u, 1u, 0x1.cp-2f * enc <= x) +
    select(0u, 1u, 0x1.533334p-1f * enc <= x) +
    select(0u, 1u, 0x1.c66666p-1f * enc <= x) +
    select(0u, 1u, 0x1.0p0f * enc <= x);
  // Nearest of TABLE[lo] and TABLE[lo + 1]; x exactly on the midpoint product keeps the lower code.
  let up = lo < 15u && x > q4_MIDS[min(lo, 14u)] * enc;
  return select(select(lo, lo + 1u, up), 7u, enc == 0.0);
}

fn q4_decode(word: u32, lane: u32, scale: f32) -> f32 {
  return q4_TABLE[(word >> (lane * q4_BITS)) & 0xfu] * scale;
}

fn q4_pack(word: u32, lane: u32, code: u32) -> u32 { return word | (code << (lane * q4_BITS)); }

// ---- q4u: 4-bit table codes, 8 per u32 word, one f32 scale per block ----
const q4u_BITS = 4u;
const q4u_LANES = 8u;
const q4u_TABLE = array<f32, 16>(
  0x1.0p-4f, 0x1.0p-3f, 0x1.8p-3f, 0x1.0p-2f,
  0x1.4p-2f, 0x1.8p-2f, 0x1.cp-2f, 0x1.0p-1f,
  0x1.2p-1f, 0x1.4p-1f, 0x1.6p-1f, 0x1.8p-1f,
  0x1.ap-1f, 0x1.cp-1f, 0x1.ep-1f, 0x1.0p0f,
);
// f32(f32(t[k] + t[k+1]) * 0.5): the decision threshold between codes k and k+1.
const q4u_MIDS = array<f32, 15>(
  0x1.8p-4f, 0x1.4p-3f, 0x1.cp-3f, 0x1.2p-2f,
  0x1.6p-2f, 0x1.ap-2f, 0x1.ep-2f, 0x1.1p-1f,
  0x1.3p-1f, 0x1.5p-1f, 0x1.7p-1f, 0x1.9p-1f,
  0x1.bp-1f, 0x1.dp-1f, 0x1.fp-1f,
);

fn q4u_scale(absmax: f32) -> f32 {
  // Tiny blocks store 0 so that every product below stays a normal f32 (GPUs may flush subnormals).
  return select(absmax, 0.0, absmax < 0x1.0p-90f);
}

fn q4u_encoder(absmax: f32) -> f32 { return q4u_scale(absmax); }

fn q4u_encode(x: f32, enc: f32) -> u32 {
  // Largest lo with f32(TABLE[lo] * enc) <= x: no division, only correctly rounded products and compares.
  var lo = 0u;
  lo = select(0u, 1u, 0x1.0p-3f * enc <= x) +
    select(0u, 1u, 0x1.8p-3f * enc <= x) +
    select(0u, 1u, 0x1.0p-2f * enc <= x) +
    select(0u, 1u, 0x1.4p-2f * enc <= x) +
    select(0u, 1u, 0x1.8p-2f * enc <= x) +
    select(0u, 1u, 0x1.cp-2f * enc <= x) +
    select(0u, 1u, 0x1.0p-1f * enc <= x) +
    select(0u, 1u, 0x1.2p-1f * enc <= x) +
    select(0u, 1u, 0x1.4p-1f * enc <= x) +
    select(0u, 1u, 0x1.6p-1f * enc <= x) +
    select(0u, 1u, 0x1.8p-1f * enc <= x) +
    select(0u, 1u, 0x1.ap-1f * enc <= x) +
    select(0u, 1u, 0x1.cp-1f * enc <= x) +
    select(0u, 1u, 0x1.ep-1f * enc <= x) +
    select(0u, 1u, 0x1.0p0f * enc <= x);
  // Nearest of TABLE[lo] and TABLE[lo + 1]; x exactly on the midpoint product keeps the lower code.
  let up = lo < 15u && x > q4u_MIDS[min(lo, 14u)] * enc;
  return select(select(lo, lo + 1u, up), 0u, enc == 0.0);
}

fn q4u_decode(word: u32, lane: u32, scale: f32) -> f32 {
  return q4u_TABLE[(word >> (lane * q4u_BITS)) & 0xfu] * scale;
}

fn q4u_pack(word: u32, lane: u32, code: u32) -> u32 { return word | (code << (lane * q4u_BITS)); }

// Rank-1 normalization: element (i, j) of a matrix is scaled by min(absmax of row i, absmax of column j),
// each stored through q4u_scale.
fn q4u_rank1_scale(row_max: f32, col_max: f32) -> f32 { return min(row_max, col_max); }


// The axes of a piece, and where the next piece begins (the cursor reopens there).
struct R1Piece_v { stride: vec4<u32>, lo: vec4<u32>, hi: vec4<u32>, off: u32, end: u32, pc: u32, deep: bool, wide: bool }
// Element et's remainder within each axis's stride and its scale slot along each axis.
struct R1At_v { rem: vec4<u32>, slot: vec4<u32> }

// The last piece of this chunk starting at or before chunk element e.
fn r1_piece_v(e: u32) -> u32 {
  var lo = 0u;
  var hi = max(r1t_v[0], 1u) - 1u;
  loop {
    if (lo >= hi) { break; }
    let mid = (lo + hi + 1u) / 2u;
    if (r1t_v[4u + 4u * mid] <= e) { lo = mid; } else { hi = mid - 1u; }
  }
  return lo;
}

fn r1_open_v(e: u32) -> R1Piece_v {
  let pc = r1_piece_v(e);
  let r = 4u + 4u * pc;
  let n = r1t_v[r + 3u];
  var ax: R1Piece_v;
  let wx = r1t_v[r + 2u] + 3u * select(0u, 0u, 0u >= n);
  ax.stride.x = r1t_v[wx + 1u];
  ax.lo.x = r1t_v[wx + 2u];
  ax.hi.x = ax.lo.x + r1t_v[wx];
  let wy = r1t_v[r + 2u] + 3u * select(1u, 0u, 1u >= n);
  ax.stride.y = r1t_v[wy + 1u];
  ax.lo.y = r1t_v[wy + 2u];
  ax.hi.y = ax.lo.y + r1t_v[wy];
  let wz = r1t_v[r + 2u] + 3u * select(2u, 0u, 2u >= n);
  ax.stride.z = r1t_v[wz + 1u];
  ax.lo.z = r1t_v[wz + 2u];
  ax.hi.z = ax.lo.z + r1t_v[wz];
  let ww = r1t_v[r + 2u] + 3u * select(3u, 0u, 3u >= n);
  ax.stride.w = r1t_v[ww + 1u];
  ax.lo.w = r1t_v[ww + 2u];
  ax.hi.w = ax.lo.w + r1t_v[ww];
  ax.off = r1t_v[r + 1u] - r1t_v[r];
  ax.end = select(0xffffffffu, r1t_v[r + 4u], pc + 1u < r1t_v[0]);
  ax.pc = pc;
  ax.deep = n > 2u;
  ax.wide = n > 4u;
  return ax;
}

fn r1_at_v(ax: R1Piece_v, et: u32) -> R1At_v {
  let q = vec4<u32>(et) / ax.stride;
  return R1At_v(vec4<u32>(et) - q * ax.stride, ax.lo + q % (ax.hi - ax.lo));
}

fn r1_next_v(ax: R1Piece_v, c: R1At_v) -> R1At_v {
  let rem = c.rem + vec4<u32>(1u);
  let carry = rem == ax.stride;
  let s = c.slot + select(vec4<u32>(0u), vec4<u32>(1u), carry);
  return R1At_v(select(rem, vec4<u32>(0u), carry), select(s, ax.lo, s == ax.hi));
}

// min over the axes; each maximum flushed as q4u_scale flushes a block's (stored scales are already).
fn r1_scale_v(ax: R1Piece_v, s: vec4<u32>, et: u32, half: u32) -> f32 {
  if (ax.wide) { return r1_scale_wide_v(ax.pc, et, half); }
  return r1_fast_v(ax, s, half);
}

fn r1_fast_v(ax: R1Piece_v, s: vec4<u32>, half: u32) -> f32 {
  let m = min(q4u_scale(bitcast<f32>(r1s_v[half + s.x])), q4u_scale(bitcast<f32>(r1s_v[half + s.y])));
  if (!ax.deep) { return m; }
  return min(m, min(q4u_scale(bitcast<f32>(r1s_v[half + s.z])), q4u_scale(bitcast<f32>(r1s_v[half + s.w]))));
}

// The lanes of a located vec4 (slots s0..s3). The dividing path runs in a loop whose trip count the
// compiler cannot see (table word 2 is 0): unrolled, its 4 copies per use made lavapipe take 3x longer to
// compile a rank-1 kernel (adamw4bit_rank1: 27 s instead of 9).
fn r1_scales_v(ax: R1Piece_v, s0: vec4<u32>, s1: vec4<u32>, s2: vec4<u32>, s3: vec4<u32>, et: u32, half: u32) -> vec4<f32> {
  if (ax.wide) {
    var r: vec4<f32>;
    for (var k = 0u; k < 4u + r1t_v[2]; k++) { r[k] = r1_scale_wide_v(ax.pc, et + k, half); }
    return r;
  }
  return vec4<f32>(r1_fast_v(ax, s0, half), r1_fast_v(ax, s1, half), r1_fast_v(ax, s2, half), r1_fast_v(ax, s3, half));
}

fn r1_decode_v(word: u32, base: u32, s: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(q4u_decode(word, base + 0u, s[0]), q4u_decode(word, base + 1u, s[1]), q4u_decode(word, base + 2u, s[2]), q4u_decode(word, base + 3u, s[3]));
}

fn r1_scale_wide_v(pc: u32, et: u32, half: u32) -> f32 {
  let r = 4u + 4u * pc;
  let a0 = r1t_v[r + 2u];
  var s = q4u_scale(bitcast<f32>(r1s_v[half + r1t_v[a0 + 2u] + (et / r1t_v[a0 + 1u]) % r1t_v[a0]]));
  for (var a = 1u; a < r1t_v[r + 3u]; a++) {
    let ax = a0 + 3u * a;
    s = min(s, q4u_scale(bitcast<f32>(r1s_v[half + r1t_v[ax + 2u] + (et / r1t_v[ax + 1u]) % r1t_v[ax]])));
  }
  return s;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 4194240u;
  let j0 = i * 32u;
  if (j0 >= u.n) { return; }
  let j1 = min(j0 + 32u, u.n);
  var amax_m = 0.0;
  var word_m = 0u;
  var word_v = 0u;
  {
    var r1ax_v: R1Piece_v;
    var r1c_v: R1At_v;
    for (var j = j0; j < j1; j++) {
      let e0 = j * 4u;
      let valid = vec4<u32>(e0 % 64u) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(lanes[min(e0, u.len - 1u) / 64u]);
      let r1e0_v = j * 4u;
      if (r1e0_v >= r1ax_v.end) { r1ax_v = r1_open_v(r1e0_v); r1c_v = r1_at_v(r1ax_v, r1e0_v + r1ax_v.off); }
      let r1et_v = r1e0_v + r1ax_v.off;
      let r1sl0_v = r1c_v.slot;
      var r1n_v = r1_next_v(r1ax_v, r1c_v);
      let r1sl1_v = r1n_v.slot;
      r1n_v = r1_next_v(r1ax_v, r1n_v);
      let r1sl2_v = r1n_v.slot;
      r1n_v = r1_next_v(r1ax_v, r1n_v);
      let r1sl3_v = r1n_v.slot;
      r1n_v = r1_next_v(r1ax_v, r1n_v);
      r1c_v = r1n_v;
      let v15 = in_g[j];
      let v20 = (u.s19 * v15);
      let v21 = (v20 * v15);
      let v7 = r1_decode_v(st_v[j / 2u], (j % 2u) * 4u, r1_scales_v(r1ax_v, r1sl0_v, r1sl1_v, r1sl2_v, r1sl3_v, r1et_v, 0u));
      let v18 = (u.h_beta2 * v7);
      let v22 = (v18 + v21);
      let v29_vhat = (v22 / u.s28);
      let v31 = sqrt(v29_vhat);
      let v32 = (v31 + u.h_eps);
      let v16 = (u.s14 * v15);
      let v6 = vec4<f32>(q4_decode(st_m[j / 2u], ((j % 2u) * 4u) + 0u, sc_m[(j * 4u) / 128u]), q4_decode(st_m[j / 2u], ((j % 2u) * 4u) + 1u, sc_m[(j * 4u) / 128u]), q4_decode(st_m[j / 2u], ((j % 2u) * 4u) + 2u, sc_m[(j * 4u) / 128u]), q4_decode(st_m[j / 2u], ((j % 2u) * 4u) + 3u, sc_m[(j * 4u) / 128u]));
      let v13 = (u.h_beta1 * v6);
      let v17 = (v13 + v16);
      let v26_mhat = (v17 / u.s25);
      let v30 = (u.h_lr * v26_mhat);
      let v33 = (v30 / v32);
      let v8 = param[j];
      let v12 = (v8 * u.s11);
      let v34 = (v12 - v33);
      let x_m = select(vec4<f32>(0.0), v17, valid);
      let a4_m = abs(x_m);
      amax_m = max(amax_m, max(max(a4_m.x, a4_m.y), max(a4_m.z, a4_m.w)));
    }
  }
  let enc_m = q4_encoder(amax_m);
  {
    var r1ax_v: R1Piece_v;
    var r1c_v: R1At_v;
    for (var j = j0; j < j1; j++) {
      let e0 = j * 4u;
      let valid = vec4<u32>(e0 % 64u) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(lanes[min(e0, u.len - 1u) / 64u]);
      let r1e0_v = j * 4u;
      if (r1e0_v >= r1ax_v.end) { r1ax_v = r1_open_v(r1e0_v); r1c_v = r1_at_v(r1ax_v, r1e0_v + r1ax_v.off); }
      let r1et_v = r1e0_v + r1ax_v.off;
      let r1sl0_v = r1c_v.slot;
      var r1n_v = r1_next_v(r1ax_v, r1c_v);
      let r1sl1_v = r1n_v.slot;
      r1n_v = r1_next_v(r1ax_v, r1n_v);
      let r1sl2_v = r1n_v.slot;
      r1n_v = r1_next_v(r1ax_v, r1n_v);
      let r1sl3_v = r1n_v.slot;
      r1n_v = r1_next_v(r1ax_v, r1n_v);
      r1c_v = r1n_v;
      let v15 = in_g[j];
      let v20 = (u.s19 * v15);
      let v21 = (v20 * v15);
      let v7 = r1_decode_v(st_v[j / 2u], (j % 2u) * 4u, r1_scales_v(r1ax_v, r1sl0_v, r1sl1_v, r1sl2_v, r1sl3_v, r1et_v, 0u));
      let v18 = (u.h_beta2 * v7);
      let v22 = (v18 + v21);
      let v29_vhat = (v22 / u.s28);
      let v31 = sqrt(v29_vhat);
      let v32 = (v31 + u.h_eps);
      let v16 = (u.s14 * v15);
      let v6 = vec4<f32>(q4_decode(st_m[j / 2u], ((j % 2u) * 4u) + 0u, sc_m[(j * 4u) / 128u]), q4_decode(st_m[j / 2u], ((j % 2u) * 4u) + 1u, sc_m[(j * 4u) / 128u]), q4_decode(st_m[j / 2u], ((j % 2u) * 4u) + 2u, sc_m[(j * 4u) / 128u]), q4_decode(st_m[j / 2u], ((j % 2u) * 4u) + 3u, sc_m[(j * 4u) / 128u]));
      let v13 = (u.h_beta1 * v6);
      let v17 = (v13 + v16);
      let v26_mhat = (v17 / u.s25);
      let v30 = (u.h_lr * v26_mhat);
      let v33 = (v30 / v32);
      let v8 = param[j];
      let v12 = (v8 * u.s11);
      let v34 = (v12 - v33);
      param[j] = v34;
      let x_m = select(vec4<f32>(0.0), v17, valid);
      word_m = select(word_m, 0u, j % 2u == 0u) | q4_pack(q4_pack(q4_pack(q4_pack(0u, (j % 2u) * 4u + 0u, select(0u, q4_encode(x_m[0], enc_m), valid[0])), (j % 2u) * 4u + 1u, select(0u, q4_encode(x_m[1], enc_m), valid[1])), (j % 2u) * 4u + 2u, select(0u, q4_encode(x_m[2], enc_m), valid[2])), (j % 2u) * 4u + 3u, select(0u, q4_encode(x_m[3], enc_m), valid[3]));
      if (j % 2u == 1u || j + 1u == j1) { st_m[j / 2u] = word_m; }
      let x_v = select(vec4<f32>(0.0), v22, valid);
      let r1new_v = r1_scales_v(r1ax_v, r1sl0_v, r1sl1_v, r1sl2_v, r1sl3_v, r1et_v, r1t_v[1]);
      word_v = select(word_v, 0u, j % 2u == 0u) | q4u_pack(q4u_pack(q4u_pack(q4u_pack(0u, (j % 2u) * 4u + 0u, select(0u, q4u_encode(x_v[0], r1new_v[0]), valid[0])), (j % 2u) * 4u + 1u, select(0u, q4u_encode(x_v[1], r1new_v[1]), valid[1])), (j % 2u) * 4u + 2u, select(0u, q4u_encode(x_v[2], r1new_v[2]), valid[2])), (j % 2u) * 4u + 3u, select(0u, q4u_encode(x_v[3], r1new_v[3]), valid[3]));
      if (j % 2u == 1u || j + 1u == j1) { st_v[j / 2u] = word_v; }
    }
  }
  sc_m[(j0 * 4u) / 128u] = q4_scale(amax_m);
}

// ==== adamw4bit_rank1 · rank1_v · width 4
// adamw4bit_rank1: kernel rank1_v (stored scales = flushed new maxima; maxima = 0)
@group(0) @binding(0) var<storage, read_write> r1s_v: array<u32>;
@group(0) @binding(1) var<storage, read> r1t_v: array<u32>;
// ---- q4u: 4-bit table codes, 8 per u32 word, one f32 scale per block ----
const q4u_BITS = 4u;
const q4u_LANES = 8u;
const q4u_TABLE = array<f32, 16>(
  0x1.0p-4f, 0x1.0p-3f, 0x1.8p-3f, 0x1.0p-2f,
  0x1.4p-2f, 0x1.8p-2f, 0x1.cp-2f, 0x1.0p-1f,
  0x1.2p-1f, 0x1.4p-1f, 0x1.6p-1f, 0x1.8p-1f,
  0x1.ap-1f, 0x1.cp-1f, 0x1.ep-1f, 0x1.0p0f,
);
// f32(f32(t[k] + t[k+1]) * 0.5): the decision threshold between codes k and k+1.
const q4u_MIDS = array<f32, 15>(
  0x1.8p-4f, 0x1.4p-3f, 0x1.cp-3f, 0x1.2p-2f,
  0x1.6p-2f, 0x1.ap-2f, 0x1.ep-2f, 0x1.1p-1f,
  0x1.3p-1f, 0x1.5p-1f, 0x1.7p-1f, 0x1.9p-1f,
  0x1.bp-1f, 0x1.dp-1f, 0x1.fp-1f,
);

fn q4u_scale(absmax: f32) -> f32 {
  // Tiny blocks store 0 so that every product below stays a normal f32 (GPUs may flush subnormals).
  return select(absmax, 0.0, absmax < 0x1.0p-90f);
}

fn q4u_encoder(absmax: f32) -> f32 { return q4u_scale(absmax); }

fn q4u_encode(x: f32, enc: f32) -> u32 {
  // Largest lo with f32(TABLE[lo] * enc) <= x: no division, only correctly rounded products and compares.
  var lo = 0u;
  lo = select(0u, 1u, 0x1.0p-3f * enc <= x) +
    select(0u, 1u, 0x1.8p-3f * enc <= x) +
    select(0u, 1u, 0x1.0p-2f * enc <= x) +
    select(0u, 1u, 0x1.4p-2f * enc <= x) +
    select(0u, 1u, 0x1.8p-2f * enc <= x) +
    select(0u, 1u, 0x1.cp-2f * enc <= x) +
    select(0u, 1u, 0x1.0p-1f * enc <= x) +
    select(0u, 1u, 0x1.2p-1f * enc <= x) +
    select(0u, 1u, 0x1.4p-1f * enc <= x) +
    select(0u, 1u, 0x1.6p-1f * enc <= x) +
    select(0u, 1u, 0x1.8p-1f * enc <= x) +
    select(0u, 1u, 0x1.ap-1f * enc <= x) +
    select(0u, 1u, 0x1.cp-1f * enc <= x) +
    select(0u, 1u, 0x1.ep-1f * enc <= x) +
    select(0u, 1u, 0x1.0p0f * enc <= x);
  // Nearest of TABLE[lo] and TABLE[lo + 1]; x exactly on the midpoint product keeps the lower code.
  let up = lo < 15u && x > q4u_MIDS[min(lo, 14u)] * enc;
  return select(select(lo, lo + 1u, up), 0u, enc == 0.0);
}

fn q4u_decode(word: u32, lane: u32, scale: f32) -> f32 {
  return q4u_TABLE[(word >> (lane * q4u_BITS)) & 0xfu] * scale;
}

fn q4u_pack(word: u32, lane: u32, code: u32) -> u32 { return word | (code << (lane * q4u_BITS)); }

// Rank-1 normalization: element (i, j) of a matrix is scaled by min(absmax of row i, absmax of column j),
// each stored through q4u_scale.
fn q4u_rank1_scale(row_max: f32, col_max: f32) -> f32 { return min(row_max, col_max); }

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 4194240u;
  let n = r1t_v[1];
  if (i >= n) { return; }
  r1s_v[i] = bitcast<u32>(q4u_scale(bitcast<f32>(r1s_v[n + i])));
  r1s_v[n + i] = 0u;
}
