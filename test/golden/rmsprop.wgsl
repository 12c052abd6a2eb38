// ==== rmsprop · fused · width 1
// rmsprop: kernel fused (scalar)
struct Uniforms {
  n: u32,
  len: u32,
  h_lr: f32,
  h_alpha: f32,
  h_eps: f32,
  h_weight_decay: f32,
  h_momentum: f32,
  s16: f32,
  s22: f32,
  s31: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> in_g: array<f32>;
@group(0) @binding(3) var<storage, read_write> st_gavg: array<f32>;
@group(0) @binding(4) var<storage, read_write> st_v: array<f32>;
@group(0) @binding(5) var<storage, read_write> st_buf: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v11 = param[i];
  let v12 = (u.h_weight_decay * v11);
  let v10 = in_g[i];
  let v13_gg = (v10 + v12);
  let v17 = (u.s16 * v13_gg);
  let v8 = st_gavg[i];
  let v20 = (u.h_alpha * v8);
  let v21 = (v20 + v17);
  let v23 = (v21 * v21);
  let v18 = (v17 * v13_gg);
  let v7 = st_v[i];
  let v14 = (u.h_alpha * v7);
  let v19 = (v14 + v18);
  let v24 = (v19 - v23);
  let v25_msq = select(v19, v24, (u.s22 != 0.0));
  let v26 = sqrt(v25_msq);
  let v27 = (v26 + u.h_eps);
  let v28_d = (v13_gg / v27);
  let v9 = st_buf[i];
  let v29 = (u.h_momentum * v9);
  let v30 = (v29 + v28_d);
  let v32 = select(v28_d, v30, (u.s31 != 0.0));
  let v33 = (u.h_lr * v32);
  let v34 = (v11 - v33);
  st_v[i] = v19;
  st_gavg[i] = v21;
  st_buf[i] = v30;
  param[i] = v34;
}

// ==== rmsprop · fused · width 4
// rmsprop: kernel fused (vec4)
struct Uniforms {
  n: u32,
  len: u32,
  h_lr: f32,
  h_alpha: f32,
  h_eps: f32,
  h_weight_decay: f32,
  h_momentum: f32,
  s16: f32,
  s22: f32,
  s31: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read_write> param: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> in_g: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> st_gavg: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> st_v: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> st_buf: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v11 = param[i];
  let v12 = (u.h_weight_decay * v11);
  let v10 = in_g[i];
  let v13_gg = (v10 + v12);
  let v17 = (u.s16 * v13_gg);
  let v8 = st_gavg[i];
  let v20 = (u.h_alpha * v8);
  let v21 = (v20 + v17);
  let v23 = (v21 * v21);
  let v18 = (v17 * v13_gg);
  let v7 = st_v[i];
  let v14 = (u.h_alpha * v7);
  let v19 = (v14 + v18);
  let v24 = (v19 - v23);
  let v25_msq = select(v19, v24, vec4<bool>((u.s22 != 0.0)));
  let v26 = sqrt(v25_msq);
  let v27 = (v26 + u.h_eps);
  let v28_d = (v13_gg / v27);
  let v9 = st_buf[i];
  let v29 = (u.h_momentum * v9);
  let v30 = (v29 + v28_d);
  let v32 = select(v28_d, v30, vec4<bool>((u.s31 != 0.0)));
  let v33 = (u.h_lr * v32);
  let v34 = (v11 - v33);
  st_v[i] = v19;
  st_gavg[i] = v21;
  st_buf[i] = v30;
  param[i] = v34;
}
