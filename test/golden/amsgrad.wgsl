// ==== amsgrad · fused · width 1
// amsgrad: kernel fused (scalar)
struct Uniforms {
  n: u32,
  len: u32,
  h_lr: f32,
  h_beta1: f32,
  h_beta2: f32,
  h_eps: f32,
  h_weight_decay: f32,
  s15: f32,
  s19: f32,
  s26: f32,
  s29: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> in_g: array<f32>;
@group(0) @binding(3) var<storage, read_write> st_v: array<f32>;
@group(0) @binding(4) var<storage, read_write> st_vmax: array<f32>;
@group(0) @binding(5) var<storage, read_write> st_m: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v10 = param[i];
  let v11 = (u.h_weight_decay * v10);
  let v9 = in_g[i];
  let v12_gg = (v9 + v11);
  let v20 = (u.s19 * v12_gg);
  let v21 = (v20 * v12_gg);
  let v7 = st_v[i];
  let v18 = (u.h_beta2 * v7);
  let v22 = (v18 + v21);
  let v8 = st_vmax[i];
  let v23 = max(v8, v22);
  let v30_vhat = (v23 / u.s29);
  let v32 = sqrt(v30_vhat);
  let v33 = (v32 + u.h_eps);
  let v16 = (u.s15 * v12_gg);
  let v6 = st_m[i];
  let v13 = (u.h_beta1 * v6);
  let v17 = (v13 + v16);
  let v27_mhat = (v17 / u.s26);
  let v31 = (u.h_lr * v27_mhat);
  let v34 = (v31 / v33);
  let v35 = (v10 - v34);
  st_m[i] = v17;
  st_v[i] = v22;
  st_vmax[i] = v23;
  param[i] = v35;
}

// ==== amsgrad · fused · width 4
// amsgrad: kernel fused (vec4)
struct Uniforms {
  n: u32,
  len: u32,
  h_lr: f32,
  h_beta1: f32,
  h_beta2: f32,
  h_eps: f32,
  h_weight_decay: f32,
  s15: f32,
  s19: f32,
  s26: f32,
  s29: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read_write> param: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> in_g: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> st_v: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> st_vmax: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> st_m: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v10 = param[i];
  let v11 = (u.h_weight_decay * v10);
  let v9 = in_g[i];
  let v12_gg = (v9 + v11);
  let v20 = (u.s19 * v12_gg);
  let v21 = (v20 * v12_gg);
  let v7 = st_v[i];
  let v18 = (u.h_beta2 * v7);
  let v22 = (v18 + v21);
  let v8 = st_vmax[i];
  let v23 = max(v8, v22);
  let v30_vhat = (v23 / u.s29);
  let v32 = sqrt(v30_vhat);
  let v33 = (v32 + u.h_eps);
  let v16 = (u.s15 * v12_gg);
  let v6 = st_m[i];
  let v13 = (u.h_beta1 * v6);
  let v17 = (v13 + v16);
  let v27_mhat = (v17 / u.s26);
  let v31 = (u.h_lr * v27_mhat);
  let v34 = (v31 / v33);
  let v35 = (v10 - v34);
  st_m[i] = v17;
  st_v[i] = v22;
  st_vmax[i] = v23;
  param[i] = v35;
}
