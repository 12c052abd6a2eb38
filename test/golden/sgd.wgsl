// ==== sgd · fused · width 1
// sgd: kernel fused (scalar)
struct Uniforms {
  n: u32,
  len: u32,
  h_lr: f32,
  h_momentum: f32,
  h_weight_decay: f32,
  s8: f32,
  s17: f32,
  s19: f32,
  s23: f32,
  s24: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> in_g: array<f32>;
@group(0) @binding(2) var<storage, read_write> param: array<f32>;
@group(0) @binding(3) var<storage, read_write> st_buf: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v9 = in_g[i];
  let v10 = -v9;
  let v11 = select(v9, v10, (u.s8 != 0.0));
  let v12 = param[i];
  let v13 = (u.h_weight_decay * v12);
  let v14_gg = (v11 + v13);
  let v20 = (u.s19 * v14_gg);
  let v7 = st_buf[i];
  let v18 = (u.h_momentum * v7);
  let v21 = (v18 + v20);
  let v22 = select(v21, v14_gg, (u.s17 != 0.0));
  let v25 = (u.h_momentum * v22);
  let v26 = (v14_gg + v25);
  let v27 = select(v22, v26, (u.s24 != 0.0));
  let v28_d = select(v27, v14_gg, (u.s23 != 0.0));
  let v29 = (u.h_lr * v28_d);
  let v30 = (v12 - v29);
  st_buf[i] = v22;
  param[i] = v30;
}

// ==== sgd · fused · width 4
// sgd: kernel fused (vec4)
struct Uniforms {
  n: u32,
  len: u32,
  h_lr: f32,
  h_momentum: f32,
  h_weight_decay: f32,
  s8: f32,
  s17: f32,
  s19: f32,
  s23: f32,
  s24: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> in_g: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> param: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> st_buf: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v9 = in_g[i];
  let v10 = -v9;
  let v11 = select(v9, v10, vec4<bool>((u.s8 != 0.0)));
  let v12 = param[i];
  let v13 = (u.h_weight_decay * v12);
  let v14_gg = (v11 + v13);
  let v20 = (u.s19 * v14_gg);
  let v7 = st_buf[i];
  let v18 = (u.h_momentum * v7);
  let v21 = (v18 + v20);
  let v22 = select(v21, v14_gg, vec4<bool>((u.s17 != 0.0)));
  let v25 = (u.h_momentum * v22);
  let v26 = (v14_gg + v25);
  let v27 = select(v22, v26, vec4<bool>((u.s24 != 0.0)));
  let v28_d = select(v27, v14_gg, vec4<bool>((u.s23 != 0.0)));
  let v29 = (u.h_lr * v28_d);
  let v30 = (v12 - v29);
  st_buf[i] = v22;
  param[i] = v30;
}
