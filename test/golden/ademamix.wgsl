// ==== ademamix · fused · width 1
// ademamix: kernel fused (scalar)
struct Uniforms {
  n: u32,
  len: u32,
  h_lr: f32,
  h_beta1: f32,
  h_beta2: f32,
  h_eps: f32,
  h_weight_decay: f32,
  s18_alpha_t: f32,
  s32_beta3_t: f32,
  s34: f32,
  s39: f32,
  s43: f32,
  s48: f32,
  s51: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> in_g: array<f32>;
@group(0) @binding(2) var<storage, read_write> st_m2: array<f32>;
@group(0) @binding(3) var<storage, read_write> st_m1: array<f32>;
@group(0) @binding(4) var<storage, read_write> st_nu: array<f32>;
@group(0) @binding(5) var<storage, read_write> param: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v35 = in_g[i];
  let v40 = (u.s39 * v35);
  let v11 = st_m2[i];
  let v38 = (u.s32_beta3_t * v11);
  let v41 = (v38 + v40);
  let v54 = (u.s18_alpha_t * v41);
  let v36 = (u.s34 * v35);
  let v10 = st_m1[i];
  let v33 = (u.h_beta1 * v10);
  let v37 = (v33 + v36);
  let v49_m1hat = (v37 / u.s48);
  let v55 = (v49_m1hat + v54);
  let v44 = (u.s43 * v35);
  let v45 = (v44 * v35);
  let v12 = st_nu[i];
  let v42 = (u.h_beta2 * v12);
  let v46 = (v42 + v45);
  let v52_nuhat = (v46 / u.s51);
  let v56 = sqrt(v52_nuhat);
  let v57 = (v56 + u.h_eps);
  let v58 = (v55 / v57);
  let v53 = param[i];
  let v59 = (u.h_weight_decay * v53);
  let v60 = (v58 + v59);
  let v61 = (u.h_lr * v60);
  let v62 = (v53 - v61);
  st_m1[i] = v37;
  st_m2[i] = v41;
  st_nu[i] = v46;
  param[i] = v62;
}

// ==== ademamix · fused · width 4
// ademamix: kernel fused (vec4)
struct Uniforms {
  n: u32,
  len: u32,
  h_lr: f32,
  h_beta1: f32,
  h_beta2: f32,
  h_eps: f32,
  h_weight_decay: f32,
  s18_alpha_t: f32,
  s32_beta3_t: f32,
  s34: f32,
  s39: f32,
  s43: f32,
  s48: f32,
  s51: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> in_g: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> st_m2: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> st_m1: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> st_nu: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> param: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v35 = in_g[i];
  let v40 = (u.s39 * v35);
  let v11 = st_m2[i];
  let v38 = (u.s32_beta3_t * v11);
  let v41 = (v38 + v40);
  let v54 = (u.s18_alpha_t * v41);
  let v36 = (u.s34 * v35);
  let v10 = st_m1[i];
  let v33 = (u.h_beta1 * v10);
  let v37 = (v33 + v36);
  let v49_m1hat = (v37 / u.s48);
  let v55 = (v49_m1hat + v54);
  let v44 = (u.s43 * v35);
  let v45 = (v44 * v35);
  let v12 = st_nu[i];
  let v42 = (u.h_beta2 * v12);
  let v46 = (v42 + v45);
  let v52_nuhat = (v46 / u.s51);
  let v56 = sqrt(v52_nuhat);
  let v57 = (v56 + u.h_eps);
  let v58 = (v55 / v57);
  let v53 = param[i];
  let v59 = (u.h_weight_decay * v53);
  let v60 = (v58 + v59);
  let v61 = (u.h_lr * v60);
  let v62 = (v53 - v61);
  st_m1[i] = v37;
  st_m2[i] = v41;
  st_nu[i] = v46;
  param[i] = v62;
}
