// ==== adabelief · fused · width 1
// adabelief: kernel fused (scalar)
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
  s27: f32,
  s30: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> in_g: array<f32>;
@group(0) @binding(2) var<storage, read_write> st_m: array<f32>;
@group(0) @binding(3) var<storage, read_write> st_s: array<f32>;
@group(0) @binding(4) var<storage, read_write> param: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v15 = in_g[i];
  let v16 = (u.s14 * v15);
  let v6 = st_m[i];
  let v13 = (u.h_beta1 * v6);
  let v17 = (v13 + v16);
  let v20 = (v15 - v17);
  let v21 = (v20 * v20);
  let v22 = (u.s19 * v21);
  let v7 = st_s[i];
  let v18 = (u.h_beta2 * v7);
  let v23 = (v18 + v22);
  let v24 = (v23 + u.h_eps);
  let v31_shat = (v24 / u.s30);
  let v33 = sqrt(v31_shat);
  let v34 = (v33 + u.h_eps);
  let v28_mhat = (v17 / u.s27);
  let v32 = (u.h_lr * v28_mhat);
  let v35 = (v32 / v34);
  let v8 = param[i];
  let v12 = (v8 * u.s11);
  let v36 = (v12 - v35);
  param[i] = v36;
  st_m[i] = v17;
  st_s[i] = v24;
}

// ==== adabelief · fused · width 4
// adabelief: kernel fused (vec4)
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
  s27: f32,
  s30: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> in_g: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> st_m: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> st_s: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> param: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v15 = in_g[i];
  let v16 = (u.s14 * v15);
  let v6 = st_m[i];
  let v13 = (u.h_beta1 * v6);
  let v17 = (v13 + v16);
  let v20 = (v15 - v17);
  let v21 = (v20 * v20);
  let v22 = (u.s19 * v21);
  let v7 = st_s[i];
  let v18 = (u.h_beta2 * v7);
  let v23 = (v18 + v22);
  let v24 = (v23 + u.h_eps);
  let v31_shat = (v24 / u.s30);
  let v33 = sqrt(v31_shat);
  let v34 = (v33 + u.h_eps);
  let v28_mhat = (v17 / u.s27);
  let v32 = (u.h_lr * v28_mhat);
  let v35 = (v32 / v34);
  let v8 = param[i];
  let v12 = (v8 * u.s11);
  let v36 = (v12 - v35);
  param[i] = v36;
  st_m[i] = v17;
  st_s[i] = v24;
}
