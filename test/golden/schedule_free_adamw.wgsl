// ==== schedule_free_adamw · fused · width 1
// schedule_free_adamw: kernel fused (scalar)
struct Uniforms {
  n: u32,
  len: u32,
  h_beta2: f32,
  h_eps: f32,
  h_weight_decay: f32,
  s24_lr_t: f32,
  s32_c: f32,
  s33: f32,
  s37: f32,
  s53: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> in_g: array<f32>;
@group(0) @binding(2) var<storage, read_write> st_v: array<f32>;
@group(0) @binding(3) var<storage, read_write> param: array<f32>;
@group(0) @binding(4) var<storage, read_write> st_z: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v38 = in_g[i];
  let v39 = (u.s37 * v38);
  let v40 = (v39 * v38);
  let v10 = st_v[i];
  let v36 = (u.h_beta2 * v10);
  let v41 = (v36 + v40);
  let v42 = sqrt(v41);
  let v43 = (v42 + u.h_eps);
  let v44 = (v38 / v43);
  let v34 = param[i];
  let v45 = (u.h_weight_decay * v34);
  let v46_u = (v44 + v45);
  let v54 = (u.s53 * v46_u);
  let v9 = st_z[i];
  let v35_z0 = select(v9, v34, (u.s33 != 0.0));
  let v47 = (v35_z0 - v34);
  let v48 = (u.s32_c * v47);
  let v49 = (v34 + v48);
  let v55 = (v49 + v54);
  let v56 = (u.s24_lr_t * v46_u);
  let v57 = (v35_z0 - v56);
  st_v[i] = v41;
  param[i] = v55;
  st_z[i] = v57;
}

// ==== schedule_free_adamw · fused · width 4
// schedule_free_adamw: kernel fused (vec4)
struct Uniforms {
  n: u32,
  len: u32,
  h_beta2: f32,
  h_eps: f32,
  h_weight_decay: f32,
  s24_lr_t: f32,
  s32_c: f32,
  s33: f32,
  s37: f32,
  s53: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> in_g: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> st_v: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> param: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> st_z: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v38 = in_g[i];
  let v39 = (u.s37 * v38);
  let v40 = (v39 * v38);
  let v10 = st_v[i];
  let v36 = (u.h_beta2 * v10);
  let v41 = (v36 + v40);
  let v42 = sqrt(v41);
  let v43 = (v42 + u.h_eps);
  let v44 = (v38 / v43);
  let v34 = param[i];
  let v45 = (u.h_weight_decay * v34);
  let v46_u = (v44 + v45);
  let v54 = (u.s53 * v46_u);
  let v9 = st_z[i];
  let v35_z0 = select(v9, v34, vec4<bool>((u.s33 != 0.0)));
  let v47 = (v35_z0 - v34);
  let v48 = (u.s32_c * v47);
  let v49 = (v34 + v48);
  let v55 = (v49 + v54);
  let v56 = (u.s24_lr_t * v46_u);
  let v57 = (v35_z0 - v56);
  st_v[i] = v41;
  param[i] = v55;
  st_z[i] = v57;
}

// ==== schedule_free_adamw · entry eval · fused · width 1
// schedule_free_adamw: kernel fused (scalar)
struct Uniforms {
  n: u32,
  len: u32,
  s6: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> st_z: array<f32>;
@group(0) @binding(2) var<storage, read_write> param: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v2 = st_z[i];
  let v4 = param[i];
  let v7 = (v2 - v4);
  let v8 = (u.s6 * v7);
  let v9 = (v4 + v8);
  param[i] = v9;
}

// ==== schedule_free_adamw · entry eval · fused · width 4
// schedule_free_adamw: kernel fused (vec4)
struct Uniforms {
  n: u32,
  len: u32,
  s6: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> st_z: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> param: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v2 = st_z[i];
  let v4 = param[i];
  let v7 = (v2 - v4);
  let v8 = (u.s6 * v7);
  let v9 = (v4 + v8);
  param[i] = v9;
}

// ==== schedule_free_adamw · entry train · fused · width 1
// schedule_free_adamw: kernel fused (scalar)
struct Uniforms {
  n: u32,
  len: u32,
  s6: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> st_z: array<f32>;
@group(0) @binding(2) var<storage, read_write> param: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v2 = st_z[i];
  let v4 = param[i];
  let v5 = (v2 - v4);
  let v7 = (u.s6 * v5);
  let v8 = (v4 + v7);
  param[i] = v8;
}

// ==== schedule_free_adamw · entry train · fused · width 4
// schedule_free_adamw: kernel fused (vec4)
struct Uniforms {
  n: u32,
  len: u32,
  s6: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> st_z: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> param: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 16776960u;
  if (i >= u.n) { return; }
  let v2 = st_z[i];
  let v4 = param[i];
  let v5 = (v2 - v4);
  let v7 = (u.s6 * v5);
  let v8 = (v4 + v7);
  param[i] = v8;
}
