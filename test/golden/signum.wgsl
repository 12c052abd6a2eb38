// ==== signum · fused · width 1
// signum: kernel fused (scalar)
struct Uniforms {
  n: u32,
  len: u32,
  h_lr: f32,
  h_momentum: f32,
  s7: f32,
  s13: f32,
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
  let v9 = (u.s7 * v8);
  let v4 = st_m[i];
  let v5 = (u.h_momentum * v4);
  let v10 = (v5 + v9);
  let v15 = sign(v10);
  let v16 = (u.h_lr * v15);
  let v11 = param[i];
  let v14 = (v11 * u.s13);
  let v17 = (v14 - v16);
  st_m[i] = v10;
  param[i] = v17;
}

// ==== signum · fused · width 4
// signum: kernel fused (vec4)
struct Uniforms {
  n: u32,
  len: u32,
  h_lr: f32,
  h_momentum: f32,
  s7: f32,
  s13: f32,
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
  let v9 = (u.s7 * v8);
  let v4 = st_m[i];
  let v5 = (u.h_momentum * v4);
  let v10 = (v5 + v9);
  let v15 = sign(v10);
  let v16 = (u.h_lr * v15);
  let v11 = param[i];
  let v14 = (v11 * u.s13);
  let v17 = (v14 - v16);
  st_m[i] = v10;
  param[i] = v17;
}
