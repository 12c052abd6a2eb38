// ==== adamw4bit · fused · width 4
// adamw4bit: kernel fused (vec4)
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
@group(0) @binding(3) var<storage, read_write> sc_v: array<f32>;
@group(0) @binding(4) var<storage, read_write> st_m: array<u32>;
@group(0) @binding(5) var<storage, read_write> sc_m: array<f32>;
@group(0) @binding(6) var<storage, read_write> param: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read> lanes: array<u32>;

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

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 4194240u;
  let j0 = i * 32u;
  if (j0 >= u.n) { return; }
  let j1 = min(j0 + 32u, u.n);
  var amax_m = 0.0;
  var word_m = 0u;
  var amax_v = 0.0;
  var word_v = 0u;
  for (var j = j0; j < j1; j++) {
    let e0 = j * 4u;
    let valid = vec4<u32>(e0 % 64u) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(lanes[min(e0, u.len - 1u) / 64u]);
    let v15 = in_g[j];
    let v20 = (u.s19 * v15);
    let v21 = (v20 * v15);
    let v7 = vec4<f32>(q4u_decode(st_v[j / 2u], ((j % 2u) * 4u) + 0u, sc_v[(j * 4u) / 128u]), q4u_decode(st_v[j / 2u], ((j % 2u) * 4u) + 1u, sc_v[(j * 4u) / 128u]), q4u_decode(st_v[j / 2u], ((j % 2u) * 4u) + 2u, sc_v[(j * 4u) / 128u]), q4u_decode(st_v[j / 2u], ((j % 2u) * 4u) + 3u, sc_v[(j * 4u) / 128u]));
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
    let x_v = select(vec4<f32>(0.0), v22, valid);
    let a4_v = abs(x_v);
    amax_v = max(amax_v, max(max(a4_v.x, a4_v.y), max(a4_v.z, a4_v.w)));
  }
  let enc_m = q4_encoder(amax_m);
  let enc_v = q4u_encoder(amax_v);
  for (var j = j0; j < j1; j++) {
    let e0 = j * 4u;
    let valid = vec4<u32>(e0 % 64u) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(lanes[min(e0, u.len - 1u) / 64u]);
    let v15 = in_g[j];
    let v20 = (u.s19 * v15);
    let v21 = (v20 * v15);
    let v7 = vec4<f32>(q4u_decode(st_v[j / 2u], ((j % 2u) * 4u) + 0u, sc_v[(j * 4u) / 128u]), q4u_decode(st_v[j / 2u], ((j % 2u) * 4u) + 1u, sc_v[(j * 4u) / 128u]), q4u_decode(st_v[j / 2u], ((j % 2u) * 4u) + 2u, sc_v[(j * 4u) / 128u]), q4u_decode(st_v[j / 2u], ((j % 2u) * 4u) + 3u, sc_v[(j * 4u) / 128u]));
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
    word_v = select(word_v, 0u, j % 2u == 0u) | q4u_pack(q4u_pack(q4u_pack(q4u_pack(0u, (j % 2u) * 4u + 0u, select(0u, q4u_encode(x_v[0], enc_v), valid[0])), (j % 2u) * 4u + 1u, select(0u, q4u_encode(x_v[1], enc_v), valid[1])), (j % 2u) * 4u + 2u, select(0u, q4u_encode(x_v[2], enc_v), valid[2])), (j % 2u) * 4u + 3u, select(0u, q4u_encode(x_v[3], enc_v), valid[3]));
    if (j % 2u == 1u || j + 1u == j1) { st_v[j / 2u] = word_v; }
  }
  sc_m[(j0 * 4u) / 128u] = q4_scale(amax_m);
  sc_v[(j0 * 4u) / 128u] = q4u_scale(amax_v);
}
