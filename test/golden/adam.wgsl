// ==== adam · fused · width 1
// adam: kernel fused (scalar)
struct Uniforms {
  n: u32,
  len: u32,
  h_lr: f32,
  h_beta1: f32,
  h_beta2: f32,
  h_eps: f32,
  h_weight_decay: f32,
  s14: f32,
  s18: f32,
  s24: f32,
  s27: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> in_g: array<f32>;
@group(0) @binding(3) var<storage, read_write> st_v: array<f32>;
@group(0) @binding(4) var<storage, read_write> st_m: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v9 = param[i];
  let v10 = (u.h_weight_decay * v9);
  let v8 = in_g[i];
  let v11_gg = (v8 + v10);
  let v19 = (u.s18 * v11_gg);
  let v20 = (v19 * v11_gg);
  let v7 = st_v[i];
  let v17 = (u.h_beta2 * v7);
  let v21 = (v17 + v20);
  let v28_vhat = (v21 / u.s27);
  let v30 = sqrt(v28_vhat);
  let v31 = (v30 + u.h_eps);
  let v15 = (u.s14 * v11_gg);
  let v6 = st_m[i];
  let v12 = (u.h_beta1 * v6);
  let v16 = (v12 + v15);
  let v25_mhat = (v16 / u.s24);
  let v29 = (u.h_lr * v25_mhat);
  let v32 = (v29 / v31);
  let v33 = (v9 - v32);
  st_m[i] = v16;
  st_v[i] = v21;
  param[i] = v33;
}

// ==== adam · fused · width 4
// adam: kernel fused (vec4)
struct Uniforms {
  n: u32,
  len: u32,
  h_lr: f32,
  h_beta1: f32,
  h_beta2: f32,
  h_eps: f32,
  h_weight_decay: f32,
  s14: f32,
  s18: f32,
  s24: f32,
  s27: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read_write> param: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> in_g: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> st_v: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> st_m: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v9 = param[i];
  let v10 = (u.h_weight_decay * v9);
  let v8 = in_g[i];
  let v11_gg = (v8 + v10);
  let v19 = (u.s18 * v11_gg);
  let v20 = (v19 * v11_gg);
  let v7 = st_v[i];
  let v17 = (u.h_beta2 * v7);
  let v21 = (v17 + v20);
  let v28_vhat = (v21 / u.s27);
  let v30 = sqrt(v28_vhat);
  let v31 = (v30 + u.h_eps);
  let v15 = (u.s14 * v11_gg);
  let v6 = st_m[i];
  let v12 = (u.h_beta1 * v6);
  let v16 = (v12 + v15);
  let v25_mhat = (v16 / u.s24);
  let v29 = (u.h_lr * v25_mhat);
  let v32 = (v29 / v31);
  let v33 = (v9 - v32);
  st_m[i] = v16;
  st_v[i] = v21;
  param[i] = v33;
}
