// ==== adagrad · fused · width 1
// adagrad: kernel fused (scalar)
struct Uniforms {
  n: u32,
  len: u32,
  h_weight_decay: f32,
  h_eps: f32,
  s15_clr: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> in_g: array<f32>;
@group(0) @binding(3) var<storage, read_write> st_acc: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v7 = param[i];
  let v8 = (u.h_weight_decay * v7);
  let v6 = in_g[i];
  let v9_gg = (v6 + v8);
  let v16 = (v9_gg * v9_gg);
  let v5 = st_acc[i];
  let v17 = (v5 + v16);
  let v19 = sqrt(v17);
  let v20 = (v19 + u.h_eps);
  let v18 = (u.s15_clr * v9_gg);
  let v21 = (v18 / v20);
  let v22 = (v7 - v21);
  st_acc[i] = v17;
  param[i] = v22;
}

// ==== adagrad · fused · width 4
// adagrad: kernel fused (vec4)
struct Uniforms {
  n: u32,
  len: u32,
  h_weight_decay: f32,
  h_eps: f32,
  s15_clr: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read_write> param: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> in_g: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> st_acc: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v7 = param[i];
  let v8 = (u.h_weight_decay * v7);
  let v6 = in_g[i];
  let v9_gg = (v6 + v8);
  let v16 = (v9_gg * v9_gg);
  let v5 = st_acc[i];
  let v17 = (v5 + v16);
  let v19 = sqrt(v17);
  let v20 = (v19 + u.h_eps);
  let v18 = (u.s15_clr * v9_gg);
  let v21 = (v18 / v20);
  let v22 = (v7 - v21);
  st_acc[i] = v17;
  param[i] = v22;
}
