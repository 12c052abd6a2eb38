// ==== adadelta · fused · width 1
// adadelta: kernel fused (scalar)
struct Uniforms {
  n: u32,
  len: u32,
  h_lr: f32,
  h_rho: f32,
  h_eps: f32,
  h_weight_decay: f32,
  s13: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> in_g: array<f32>;
@group(0) @binding(3) var<storage, read_write> st_v: array<f32>;
@group(0) @binding(4) var<storage, read_write> st_u: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v8 = param[i];
  let v9 = (u.h_weight_decay * v8);
  let v7 = in_g[i];
  let v10_gg = (v7 + v9);
  let v14 = (u.s13 * v10_gg);
  let v15 = (v14 * v10_gg);
  let v5 = st_v[i];
  let v11 = (u.h_rho * v5);
  let v16 = (v11 + v15);
  let v19 = (v16 + u.h_eps);
  let v20 = sqrt(v19);
  let v6 = st_u[i];
  let v17 = (v6 + u.h_eps);
  let v18 = sqrt(v17);
  let v21 = (v18 / v20);
  let v22_dx = (v21 * v10_gg);
  let v24 = (u.s13 * v22_dx);
  let v25 = (v24 * v22_dx);
  let v23 = (u.h_rho * v6);
  let v26 = (v23 + v25);
  let v27 = (u.h_lr * v22_dx);
  let v28 = (v8 - v27);
  st_v[i] = v16;
  st_u[i] = v26;
  param[i] = v28;
}

// ==== adadelta · fused · width 4
// adadelta: kernel fused (vec4)
struct Uniforms {
  n: u32,
  len: u32,
  h_lr: f32,
  h_rho: f32,
  h_eps: f32,
  h_weight_decay: f32,
  s13: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read_write> param: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> in_g: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> st_v: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> st_u: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v8 = param[i];
  let v9 = (u.h_weight_decay * v8);
  let v7 = in_g[i];
  let v10_gg = (v7 + v9);
  let v14 = (u.s13 * v10_gg);
  let v15 = (v14 * v10_gg);
  let v5 = st_v[i];
  let v11 = (u.h_rho * v5);
  let v16 = (v11 + v15);
  let v19 = (v16 + u.h_eps);
  let v20 = sqrt(v19);
  let v6 = st_u[i];
  let v17 = (v6 + u.h_eps);
  let v18 = sqrt(v17);
  let v21 = (v18 / v20);
  let v22_dx = (v21 * v10_gg);
  let v24 = (u.s13 * v22_dx);
  let v25 = (v24 * v22_dx);
  let v23 = (u.h_rho * v6);
  let v26 = (v23 + v25);
  let v27 = (u.h_lr * v22_dx);
  let v28 = (v8 - v27);
  st_v[i] = v16;
  st_u[i] = v26;
  param[i] = v28;
}
