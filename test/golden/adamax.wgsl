// ==== adamax · fused · width 1
// adamax: kernel fused (scalar)
struct Uniforms {
  n: u32,
  len: u32,
  h_lr: f32,
  h_beta1: f32,
  h_beta2: f32,
  h_eps: f32,
  h_weight_decay: f32,
  s14: f32,
  s24: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> in_g: array<f32>;
@group(0) @binding(3) var<storage, read_write> st_u: array<f32>;
@group(0) @binding(4) var<storage, read_write> st_m: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v9 = param[i];
  let v10 = (u.h_weight_decay * v9);
  let v8 = in_g[i];
  let v11_gg = (v8 + v10);
  let v18 = abs(v11_gg);
  let v19 = (v18 + u.h_eps);
  let v7 = st_u[i];
  let v17 = (u.h_beta2 * v7);
  let v20 = max(v17, v19);
  let v25 = (u.s24 * v20);
  let v15 = (u.s14 * v11_gg);
  let v6 = st_m[i];
  let v12 = (u.h_beta1 * v6);
  let v16 = (v12 + v15);
  let v21 = (u.h_lr * v16);
  let v26 = (v21 / v25);
  let v27 = (v9 - v26);
  st_m[i] = v16;
  st_u[i] = v20;
  param[i] = v27;
}

// ==== adamax · fused · width 4
// adamax: kernel fused (vec4)
struct Uniforms {
  n: u32,
  len: u32,
  h_lr: f32,
  h_beta1: f32,
  h_beta2: f32,
  h_eps: f32,
  h_weight_decay: f32,
  s14: f32,
  s24: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read_write> param: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> in_g: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> st_u: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> st_m: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v9 = param[i];
  let v10 = (u.h_weight_decay * v9);
  let v8 = in_g[i];
  let v11_gg = (v8 + v10);
  let v18 = abs(v11_gg);
  let v19 = (v18 + u.h_eps);
  let v7 = st_u[i];
  let v17 = (u.h_beta2 * v7);
  let v20 = max(v17, v19);
  let v25 = (u.s24 * v20);
  let v15 = (u.s14 * v11_gg);
  let v6 = st_m[i];
  let v12 = (u.h_beta1 * v6);
  let v16 = (v12 + v15);
  let v21 = (u.h_lr * v16);
  let v26 = (v21 / v25);
  let v27 = (v9 - v26);
  st_m[i] = v16;
  st_u[i] = v20;
  param[i] = v27;
}
