// ==== grams · fused · width 1
// grams: kernel fused (scalar)
struct Uniforms {
  n: u32,
  len: u32,
  h_lr: f32,
  h_beta1: f32,
  h_beta2: f32,
  h_eps: f32,
  s10: f32,
  s15: f32,
  s21: f32,
  s24: f32,
  s31: f32,
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
  let v11 = in_g[i];
  let v16 = (u.s15 * v11);
  let v17 = (v16 * v11);
  let v7 = st_v[i];
  let v14 = (u.h_beta2 * v7);
  let v18 = (v14 + v17);
  let v25 = (v18 / u.s24);
  let v26 = sqrt(v25);
  let v27 = (v26 + u.h_eps);
  let v12 = (u.s10 * v11);
  let v6 = st_m[i];
  let v8 = (u.h_beta1 * v6);
  let v13 = (v8 + v12);
  let v22 = (v13 / u.s21);
  let v28_u = (v22 / v27);
  let v35 = abs(v28_u);
  let v33 = sign(v11);
  let v34 = (u.h_lr * v33);
  let v36 = (v34 * v35);
  let v29 = param[i];
  let v32 = (v29 * u.s31);
  let v37 = (v32 - v36);
  st_m[i] = v13;
  st_v[i] = v18;
  param[i] = v37;
}

// ==== grams · fused · width 4
// grams: kernel fused (vec4)
struct Uniforms {
  n: u32,
  len: u32,
  h_lr: f32,
  h_beta1: f32,
  h_beta2: f32,
  h_eps: f32,
  s10: f32,
  s15: f32,
  s21: f32,
  s24: f32,
  s31: f32,
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
  let v11 = in_g[i];
  let v16 = (u.s15 * v11);
  let v17 = (v16 * v11);
  let v7 = st_v[i];
  let v14 = (u.h_beta2 * v7);
  let v18 = (v14 + v17);
  let v25 = (v18 / u.s24);
  let v26 = sqrt(v25);
  let v27 = (v26 + u.h_eps);
  let v12 = (u.s10 * v11);
  let v6 = st_m[i];
  let v8 = (u.h_beta1 * v6);
  let v13 = (v8 + v12);
  let v22 = (v13 / u.s21);
  let v28_u = (v22 / v27);
  let v35 = abs(v28_u);
  let v33 = sign(v11);
  let v34 = (u.h_lr * v33);
  let v36 = (v34 * v35);
  let v29 = param[i];
  let v32 = (v29 * u.s31);
  let v37 = (v32 - v36);
  st_m[i] = v13;
  st_v[i] = v18;
  param[i] = v37;
}
