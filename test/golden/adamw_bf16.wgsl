// ==== adamw_bf16 · fused · width 4
// adamw_bf16: kernel fused (vec4)
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
  sr_t: u32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> in_g: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> st_v: array<u32>;
@group(0) @binding(3) var<storage, read_write> st_m: array<u32>;
@group(0) @binding(4) var<storage, read_write> param: array<u32>;
@group(0) @binding(5) var<storage, read> lanes: array<u32>;
@group(0) @binding(6) var<storage, read> origins: array<u32>;

// ---- bf16: bfloat16 (the top 16 bits of an f32), 2 per u32 word (element 2k in the low half) ----
const bf16_BITS = 16u;
const bf16_LANES = 2u;
fn bf16_encode(x: f32) -> u32 {
  let b = bitcast<u32>(x);
  if ((b & 0x7fffffffu) > 0x7f800000u) { return (b >> 16u) | 0x40u; } // quiet NaN, sign kept
  return (b + 0x7fffu + ((b >> 16u) & 1u)) >> 16u; // a carry into the exponent is the next value (or Inf)
}
fn bf16_encode_sr(x: f32, rand: u32) -> u32 {
  let b = bitcast<u32>(x);
  if ((b & 0x7fffffffu) > 0x7f800000u) { return (b >> 16u) | 0x40u; }
  return (b + (rand & 0xffffu)) >> 16u;
}
fn bf16_decode(word: u32, lane: u32) -> f32 { return bitcast<f32>(((word >> (lane * 16u)) & 0xffffu) << 16u); }
fn bf16_pack(word: u32, lane: u32, code: u32) -> u32 { return word | (code << (lane * 16u)); }

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

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 4194240u;
  let live = i < u.n;
  let j = min(i, u.n - 1u);
  let e0 = i * 4u;
  let valid = (vec4<u32>(e0 % 64u) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(lanes[min(e0, u.len - 1u) / 64u])) & vec4<bool>(live);
  let og = min(e0, u.len - 1u) / 64u;
  let o_tensor = origins[2u * og];
  let o_index = origins[2u * og + 1u] + e0 % 64u;
  let v15 = in_g[j];
  let v20 = (u.s19 * v15);
  let v21 = (v20 * v15);
  let v7 = vec4<f32>(bf16_decode(st_v[2u * j], 0u), bf16_decode(st_v[2u * j], 1u), bf16_decode(st_v[2u * j + 1u], 0u), bf16_decode(st_v[2u * j + 1u], 1u));
  let v18 = (u.h_beta2 * v7);
  let v22 = (v18 + v21);
  let v29_vhat = (v22 / u.s28);
  let v31 = sqrt(v29_vhat);
  let v32 = (v31 + u.h_eps);
  let v16 = (u.s14 * v15);
  let v6 = vec4<f32>(bf16_decode(st_m[2u * j], 0u), bf16_decode(st_m[2u * j], 1u), bf16_decode(st_m[2u * j + 1u], 0u), bf16_decode(st_m[2u * j + 1u], 1u));
  let v13 = (u.h_beta1 * v6);
  let v17 = (v13 + v16);
  let v26_mhat = (v17 / u.s25);
  let v30 = (u.h_lr * v26_mhat);
  let v33 = (v30 / v32);
  let v8 = vec4<f32>(bf16_decode(param[2u * j], 0u), bf16_decode(param[2u * j], 1u), bf16_decode(param[2u * j + 1u], 0u), bf16_decode(param[2u * j + 1u], 1u));
  let v12 = (v8 * u.s11);
  let v34 = (v12 - v33);
  let x_p = select(vec4<f32>(0.0), v34, valid);
  if (live) {
    param[2u * i] = bf16_pack(bf16_pack(0u, 0u, select(0u, bf16_encode_sr(x_p[0], optc_rng_u32(u.sr_t, o_tensor, o_index + 0u, 0xf50c43f1u)), valid[0])), 1u, select(0u, bf16_encode_sr(x_p[1], optc_rng_u32(u.sr_t, o_tensor, o_index + 1u, 0xf50c43f1u)), valid[1]));
    param[2u * i + 1u] = bf16_pack(bf16_pack(0u, 0u, select(0u, bf16_encode_sr(x_p[2], optc_rng_u32(u.sr_t, o_tensor, o_index + 2u, 0xf50c43f1u)), valid[2])), 1u, select(0u, bf16_encode_sr(x_p[3], optc_rng_u32(u.sr_t, o_tensor, o_index + 3u, 0xf50c43f1u)), valid[3]));
  }
  let x_m = select(vec4<f32>(0.0), v17, valid);
  if (live) {
    st_m[2u * i] = bf16_pack(bf16_pack(0u, 0u, select(0u, bf16_encode(x_m[0]), valid[0])), 1u, select(0u, bf16_encode(x_m[1]), valid[1]));
    st_m[2u * i + 1u] = bf16_pack(bf16_pack(0u, 0u, select(0u, bf16_encode(x_m[2]), valid[2])), 1u, select(0u, bf16_encode(x_m[3]), valid[3]));
  }
  let x_v = select(vec4<f32>(0.0), v22, valid);
  if (live) {
    st_v[2u * i] = bf16_pack(bf16_pack(0u, 0u, select(0u, bf16_encode(x_v[0]), valid[0])), 1u, select(0u, bf16_encode(x_v[1]), valid[1]));
    st_v[2u * i + 1u] = bf16_pack(bf16_pack(0u, 0u, select(0u, bf16_encode(x_v[2]), valid[2])), 1u, select(0u, bf16_encode(x_v[3]), valid[3]));
  }
}
