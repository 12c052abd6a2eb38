// ==== adamw · fused · width 1
// adamw: kernel fused (scalar)
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
@group(0) @binding(1) var<storage, read> in_g: array<f32>;
@group(0) @binding(2) var<storage, read_write> st_v: array<f32>;
@group(0) @binding(3) var<storage, read_write> st_m: array<f32>;
@group(0) @binding(4) var<storage, read_write> param: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v15 = in_g[i];
  let v20 = (u.s19 * v15);
  let v21 = (v20 * v15);
  let v7 = st_v[i];
  let v18 = (u.h_beta2 * v7);
  let v22 = (v18 + v21);
  let v29_vhat = (v22 / u.s28);
  let v31 = sqrt(v29_vhat);
  let v32 = (v31 + u.h_eps);
  let v16 = (u.s14 * v15);
  let v6 = st_m[i];
  let v13 = (u.h_beta1 * v6);
  let v17 = (v13 + v16);
  let v26_mhat = (v17 / u.s25);
  let v30 = (u.h_lr * v26_mhat);
  let v33 = (v30 / v32);
  let v8 = param[i];
  let v12 = (v8 * u.s11);
  let v34 = (v12 - v33);
  param[i] = v34;
  st_m[i] = v17;
  st_v[i] = v22;
}

// ==== adamw · fused · width 4
// adamw: kernel fused (vec4)
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
@group(0) @binding(2) var<storage, read_write> st_v: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> st_m: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> param: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v15 = in_g[i];
  let v20 = (u.s19 * v15);
  let v21 = (v20 * v15);
  let v7 = st_v[i];
  let v18 = (u.h_beta2 * v7);
  let v22 = (v18 + v21);
  let v29_vhat = (v22 / u.s28);
  let v31 = sqrt(v29_vhat);
  let v32 = (v31 + u.h_eps);
  let v16 = (u.s14 * v15);
  let v6 = st_m[i];
  let v13 = (u.h_beta1 * v6);
  let v17 = (v13 + v16);
  let v26_mhat = (v17 / u.s25);
  let v30 = (u.h_lr * v26_mhat);
  let v33 = (v30 / v32);
  let v8 = param[i];
  let v12 = (v8 * u.s11);
  let v34 = (v12 - v33);
  param[i] = v34;
  st_m[i] = v17;
  st_v[i] = v22;
}
