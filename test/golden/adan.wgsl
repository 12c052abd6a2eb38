// ==== adan · fused · width 1
// adan: kernel fused (scalar)
struct Uniforms {
  n: u32,
  len: u32,
  h_beta1: f32,
  h_beta2: f32,
  h_beta3: f32,
  h_eps: f32,
  s14: f32,
  s19: f32,
  s23: f32,
  s29: f32,
  s36: f32,
  s41: f32,
  s47: f32,
  s51: f32,
  s54: f32,
  s58: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> in_g: array<f32>;
@group(0) @binding(2) var<storage, read_write> st_prev_g: array<f32>;
@group(0) @binding(3) var<storage, read_write> st_n: array<f32>;
@group(0) @binding(4) var<storage, read_write> st_diff: array<f32>;
@group(0) @binding(5) var<storage, read_write> st_m: array<f32>;
@group(0) @binding(6) var<storage, read_write> param: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v15 = in_g[i];
  let v11 = st_prev_g[i];
  let v16 = (v15 - v11);
  let v17_d = select(v16, 0.0f, (u.s14 != 0.0));
  let v26 = (u.h_beta2 * v17_d);
  let v27_u = (v15 + v26);
  let v30 = (u.s29 * v27_u);
  let v31 = (v30 * v27_u);
  let v10 = st_n[i];
  let v28 = (u.h_beta3 * v10);
  let v32 = (v28 + v31);
  let v33 = sqrt(v32);
  let v37 = (v33 / u.s36);
  let v38_denom = (v37 + u.h_eps);
  let v24 = (u.s23 * v17_d);
  let v9 = st_diff[i];
  let v22 = (u.h_beta2 * v9);
  let v25 = (v22 + v24);
  let v48 = (u.s47 * v25);
  let v49 = (v48 / v38_denom);
  let v20 = (u.s19 * v15);
  let v8 = st_m[i];
  let v18 = (u.h_beta1 * v8);
  let v21 = (v18 + v20);
  let v42 = (u.s41 * v21);
  let v43 = (v42 / v38_denom);
  let v50_step = (v43 + v49);
  let v52 = param[i];
  let v57 = (v52 - v50_step);
  let v59 = (v57 / u.s58);
  let v55 = (v52 * u.s54);
  let v56 = (v55 - v50_step);
  let v60 = select(v59, v56, (u.s51 != 0.0));
  st_m[i] = v21;
  st_diff[i] = v25;
  st_n[i] = v32;
  param[i] = v60;
  st_prev_g[i] = v15;
}

// ==== adan · fused · width 4
// adan: kernel fused (vec4)
struct Uniforms {
  n: u32,
  len: u32,
  h_beta1: f32,
  h_beta2: f32,
  h_beta3: f32,
  h_eps: f32,
  s14: f32,
  s19: f32,
  s23: f32,
  s29: f32,
  s36: f32,
  s41: f32,
  s47: f32,
  s51: f32,
  s54: f32,
  s58: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> in_g: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> st_prev_g: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> st_n: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> st_diff: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> st_m: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> param: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v15 = in_g[i];
  let v11 = st_prev_g[i];
  let v16 = (v15 - v11);
  let v17_d = select(v16, vec4<f32>(0.0f), vec4<bool>((u.s14 != 0.0)));
  let v26 = (u.h_beta2 * v17_d);
  let v27_u = (v15 + v26);
  let v30 = (u.s29 * v27_u);
  let v31 = (v30 * v27_u);
  let v10 = st_n[i];
  let v28 = (u.h_beta3 * v10);
  let v32 = (v28 + v31);
  let v33 = sqrt(v32);
  let v37 = (v33 / u.s36);
  let v38_denom = (v37 + u.h_eps);
  let v24 = (u.s23 * v17_d);
  let v9 = st_diff[i];
  let v22 = (u.h_beta2 * v9);
  let v25 = (v22 + v24);
  let v48 = (u.s47 * v25);
  let v49 = (v48 / v38_denom);
  let v20 = (u.s19 * v15);
  let v8 = st_m[i];
  let v18 = (u.h_beta1 * v8);
  let v21 = (v18 + v20);
  let v42 = (u.s41 * v21);
  let v43 = (v42 / v38_denom);
  let v50_step = (v43 + v49);
  let v52 = param[i];
  let v57 = (v52 - v50_step);
  let v59 = (v57 / u.s58);
  let v55 = (v52 * u.s54);
  let v56 = (v55 - v50_step);
  let v60 = select(v59, v56, vec4<bool>((u.s51 != 0.0)));
  st_m[i] = v21;
  st_diff[i] = v25;
  st_n[i] = v32;
  param[i] = v60;
  st_prev_g[i] = v15;
}
