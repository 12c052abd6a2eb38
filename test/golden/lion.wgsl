// ==== lion · fused · width 1
// lion: kernel fused (scalar)
struct Uniforms {
  n: u32,
  len: u32,
  h_lr: f32,
  s7: f32,
  s14: f32,
  s19: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> in_g: array<f32>;
@group(0) @binding(2) var<storage, read_write> st_m: array<f32>;
@group(0) @binding(3) var<storage, read_write> param: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v8 = in_g[i];
  let v5 = st_m[i];
  let v9 = (v8 - v5);
  let v10 = (u.s7 * v9);
  let v11_c = (v5 + v10);
  let v16 = sign(v11_c);
  let v17 = (u.h_lr * v16);
  let v12 = param[i];
  let v15 = (v12 * u.s14);
  let v18 = (v15 - v17);
  let v20 = (u.s19 * v9);
  let v21 = (v5 + v20);
  param[i] = v18;
  st_m[i] = v21;
}

// ==== lion · fused · width 4
// lion: kernel fused (vec4)
struct Uniforms {
  n: u32,
  len: u32,
  h_lr: f32,
  s7: f32,
  s14: f32,
  s19: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> in_g: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> st_m: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> param: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v8 = in_g[i];
  let v5 = st_m[i];
  let v9 = (v8 - v5);
  let v10 = (u.s7 * v9);
  let v11_c = (v5 + v10);
  let v16 = sign(v11_c);
  let v17 = (u.h_lr * v16);
  let v12 = param[i];
  let v15 = (v12 * u.s14);
  let v18 = (v15 - v17);
  let v20 = (u.s19 * v9);
  let v21 = (v5 + v20);
  param[i] = v18;
  st_m[i] = v21;
}
