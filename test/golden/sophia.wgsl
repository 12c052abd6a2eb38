// ==== sophia · fused · width 1
// sophia: kernel fused (scalar)
struct Uniforms {
  n: u32,
  len: u32,
  h_lr: f32,
  h_beta1: f32,
  h_beta2: f32,
  s18: f32,
  s20: f32,
  s26: f32,
  s29: f32,
  s34: f32,
  s36: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> in_h: array<f32>;
@group(0) @binding(2) var<storage, read_write> st_hess: array<f32>;
@group(0) @binding(3) var<storage, read> in_g: array<f32>;
@group(0) @binding(4) var<storage, read_write> st_m: array<f32>;
@group(0) @binding(5) var<storage, read_write> param: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v7 = in_h[i];
  let v21 = (u.s20 * v7);
  let v10 = st_hess[i];
  let v19 = (u.h_beta2 * v10);
  let v22 = (v19 + v21);
  let v23 = select(v10, v22, (u.s18 != 0.0));
  let v35 = (u.s34 * v23);
  let v37 = (v35 + u.s36);
  let v30 = in_g[i];
  let v31 = (u.s29 * v30);
  let v9 = st_m[i];
  let v28 = (u.h_beta1 * v9);
  let v32 = (v28 + v31);
  let v33 = abs(v32);
  let v38 = (v33 / v37);
  let v39_ratio = min(v38, 1.0f);
  let v40 = sign(v32);
  let v41 = (u.h_lr * v40);
  let v42 = (v41 * v39_ratio);
  let v24 = param[i];
  let v27 = (v24 * u.s26);
  let v43 = (v27 - v42);
  st_hess[i] = v23;
  param[i] = v43;
  st_m[i] = v32;
}

// ==== sophia · fused · width 4
// sophia: kernel fused (vec4)
struct Uniforms {
  n: u32,
  len: u32,
  h_lr: f32,
  h_beta1: f32,
  h_beta2: f32,
  s18: f32,
  s20: f32,
  s26: f32,
  s29: f32,
  s34: f32,
  s36: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> in_h: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> st_hess: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> in_g: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> st_m: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> param: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v7 = in_h[i];
  let v21 = (u.s20 * v7);
  let v10 = st_hess[i];
  let v19 = (u.h_beta2 * v10);
  let v22 = (v19 + v21);
  let v23 = select(v10, v22, vec4<bool>((u.s18 != 0.0)));
  let v35 = (u.s34 * v23);
  let v37 = (v35 + u.s36);
  let v30 = in_g[i];
  let v31 = (u.s29 * v30);
  let v9 = st_m[i];
  let v28 = (u.h_beta1 * v9);
  let v32 = (v28 + v31);
  let v33 = abs(v32);
  let v38 = (v33 / v37);
  let v39_ratio = min(v38, vec4<f32>(1.0f));
  let v40 = sign(v32);
  let v41 = (u.h_lr * v40);
  let v42 = (v41 * v39_ratio);
  let v24 = param[i];
  let v27 = (v24 * u.s26);
  let v43 = (v27 - v42);
  st_hess[i] = v23;
  param[i] = v43;
  st_m[i] = v32;
}
