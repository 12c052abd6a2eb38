// ==== mezo · s0_elems · width 1
// mezo: s0_elems
struct Uniforms {
  n: u32,
  len: u32,
  nseg: u32,
  nrow: u32,
  ncol: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
  h_lr: f32,
  h_weight_decay: f32,
  s9_projected_grad: f32,
  s12: f32,
  stream0: u32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> seg: array<u32>;
@group(0) @binding(2) var<storage, read_write> param: array<f32>;

fn optc_fmix32(h0: u32) -> u32 {
  var h = h0;
  h = h ^ (h >> 16u);
  h = h * 0x85ebca6bu;
  h = h ^ (h >> 13u);
  h = h * 0xc2b2ae35u;
  h = h ^ (h >> 16u);
  return h;
}
fn optc_rng_u32(stream: u32, tensor: u32, index: u32, draw: u32) -> u32 {
  var h = optc_fmix32(stream ^ 0x9e3779b9u);
  h = optc_fmix32(h ^ ((tensor + 1u) * 0x7feb352du) ^ ((draw + 1u) * 0x68e31da4u));
  return optc_fmix32(h + index);
}
fn optc_u01(h: u32) -> f32 { return (f32(h >> 9u) + 0.5) * 1.1920928955078125e-7; }
fn optc_rand_uniform(stream: u32, tensor: u32, index: u32) -> f32 { return optc_u01(optc_rng_u32(stream, tensor, index, 0u)); }
fn optc_rand_rademacher(stream: u32, tensor: u32, index: u32) -> f32 {
  return select(-1.0, 1.0, (optc_rng_u32(stream, tensor, index, 0u) >> 31u) != 0u);
}
fn optc_rand_normal(stream: u32, tensor: u32, index: u32) -> f32 {
  let u1 = optc_u01(optc_rng_u32(stream, tensor, index, 0u));
  let u2 = optc_u01(optc_rng_u32(stream, tensor, index, 1u));
  let r = sqrt(-2.0 * log(u1));
  return -r * cos(6.2831854820251465 * (u2 - 0.5));
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let tile = wid.x + wid.y * 65535u;
  var lo = 0u;
  var hi = u.nseg;
  loop {
    if (hi - lo <= 1u) { break; }
    let mid = (lo + hi) / 2u;
    if (seg[mid * 16u + 4u] <= tile) { lo = mid; } else { hi = mid; }
  }
  let sb = lo * 16u;
  let chunkOffset = seg[sb + 0u];
  let seglen = seg[sb + 1u];
  let tns = seg[sb + 2u];
  let tensorOffset = seg[sb + 3u];
  let rows = seg[sb + 7u];
  let cols = seg[sb + 8u];
  let rowBase = seg[sb + 9u];
  let colBase = seg[sb + 10u];
  let tileStart = seg[sb + 4u];
  let inSeg = u.nseg > 0u && tile >= tileStart && tile < tileStart + seg[sb + 5u];
  let tileBase = (tile - tileStart) * 2048u;
  for (var k = 0u; k < 8u + u.pad0; k = k + 1u) {
    let li = tileBase + k * 256u + lid * 1u;
    let i = (chunkOffset + li) / 1u;
    let ti = tensorOffset + li;
    let r = ti / max(cols, 1u);
    let c = ti % max(cols, 1u);
    if (inSeg && li < seglen) {
      let v10 = param[i];
      let v15 = (u.h_weight_decay * v10);
      let v13 = optc_rand_normal(u.stream0, tns, ti);
      let v14 = (u.s9_projected_grad * v13);
      let v16 = (v14 + v15);
      let v17 = (u.h_lr * v16);
      let v18 = (v10 - v17);
      param[i] = v18;
    }
  }
}

// ==== mezo · s0_elems · width 4
// mezo: s0_elems
struct Uniforms {
  n: u32,
  len: u32,
  nseg: u32,
  nrow: u32,
  ncol: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
  h_lr: f32,
  h_weight_decay: f32,
  s9_projected_grad: f32,
  s12: f32,
  stream0: u32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> seg: array<u32>;
@group(0) @binding(2) var<storage, read_write> param: array<vec4<f32>>;

fn optc_fmix32(h0: u32) -> u32 {
  var h = h0;
  h = h ^ (h >> 16u);
  h = h * 0x85ebca6bu;
  h = h ^ (h >> 13u);
  h = h * 0xc2b2ae35u;
  h = h ^ (h >> 16u);
  return h;
}
fn optc_rng_u32(stream: u32, tensor: u32, index: u32, draw: u32) -> u32 {
  var h = optc_fmix32(stream ^ 0x9e3779b9u);
  h = optc_fmix32(h ^ ((tensor + 1u) * 0x7feb352du) ^ ((draw + 1u) * 0x68e31da4u));
  return optc_fmix32(h + index);
}
fn optc_u01(h: u32) -> f32 { return (f32(h >> 9u) + 0.5) * 1.1920928955078125e-7; }
fn optc_rand_uniform(stream: u32, tensor: u32, index: u32) -> f32 { return optc_u01(optc_rng_u32(stream, tensor, index, 0u)); }
fn optc_rand_rademacher(stream: u32, tensor: u32, index: u32) -> f32 {
  return select(-1.0, 1.0, (optc_rng_u32(stream, tensor, index, 0u) >> 31u) != 0u);
}
fn optc_rand_normal(stream: u32, tensor: u32, index: u32) -> f32 {
  let u1 = optc_u01(optc_rng_u32(stream, tensor, index, 0u));
  let u2 = optc_u01(optc_rng_u32(stream, tensor, index, 1u));
  let r = sqrt(-2.0 * log(u1));
  return -r * cos(6.2831854820251465 * (u2 - 0.5));
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let tile = wid.x + wid.y * 65535u;
  var lo = 0u;
  var hi = u.nseg;
  loop {
    if (hi - lo <= 1u) { break; }
    let mid = (lo + hi) / 2u;
    if (seg[mid * 16u + 4u] <= tile) { lo = mid; } else { hi = mid; }
  }
  let sb = lo * 16u;
  let chunkOffset = seg[sb + 0u];
  let seglen = seg[sb + 1u];
  let tns = seg[sb + 2u];
  let tensorOffset = seg[sb + 3u];
  let rows = seg[sb + 7u];
  let cols = seg[sb + 8u];
  let rowBase = seg[sb + 9u];
  let colBase = seg[sb + 10u];
  let tileStart = seg[sb + 4u];
  let inSeg = u.nseg > 0u && tile >= tileStart && tile < tileStart + seg[sb + 5u];
  let tileBase = (tile - tileStart) * 8192u;
  for (var k = 0u; k < 8u + u.pad0; k = k + 1u) {
    let li = tileBase + k * 1024u + lid * 4u;
    let i = (chunkOffset + li) / 4u;
    let ti = tensorOffset + li;
    if (inSeg && li < seglen) {
      let v10 = param[i];
      let v15 = (u.h_weight_decay * v10);
      let v13 = vec4<f32>(optc_rand_normal(u.stream0, tns, ti), optc_rand_normal(u.stream0, tns, ti + 1u), optc_rand_normal(u.stream0, tns, ti + 2u), optc_rand_normal(u.stream0, tns, ti + 3u));
      let v14 = (u.s9_projected_grad * v13);
      let v16 = (v14 + v15);
      let v17 = (u.h_lr * v16);
      let v18 = (v10 - v17);
      param[i] = v18;
    }
  }
}

// ==== mezo · entry perturb · s0_elems · width 1
// mezo: s0_elems
struct Uniforms {
  n: u32,
  len: u32,
  nseg: u32,
  nrow: u32,
  ncol: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
  s5: f32,
  s7: f32,
  stream0: u32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> seg: array<u32>;
@group(0) @binding(2) var<storage, read_write> param: array<f32>;

fn optc_fmix32(h0: u32) -> u32 {
  var h = h0;
  h = h ^ (h >> 16u);
  h = h * 0x85ebca6bu;
  h = h ^ (h >> 13u);
  h = h * 0xc2b2ae35u;
  h = h ^ (h >> 16u);
  return h;
}
fn optc_rng_u32(stream: u32, tensor: u32, index: u32, draw: u32) -> u32 {
  var h = optc_fmix32(stream ^ 0x9e3779b9u);
  h = optc_fmix32(h ^ ((tensor + 1u) * 0x7feb352du) ^ ((draw + 1u) * 0x68e31da4u));
  return optc_fmix32(h + index);
}
fn optc_u01(h: u32) -> f32 { return (f32(h >> 9u) + 0.5) * 1.1920928955078125e-7; }
fn optc_rand_uniform(stream: u32, tensor: u32, index: u32) -> f32 { return optc_u01(optc_rng_u32(stream, tensor, index, 0u)); }
fn optc_rand_rademacher(stream: u32, tensor: u32, index: u32) -> f32 {
  return select(-1.0, 1.0, (optc_rng_u32(stream, tensor, index, 0u) >> 31u) != 0u);
}
fn optc_rand_normal(stream: u32, tensor: u32, index: u32) -> f32 {
  let u1 = optc_u01(optc_rng_u32(stream, tensor, index, 0u));
  let u2 = optc_u01(optc_rng_u32(stream, tensor, index, 1u));
  let r = sqrt(-2.0 * log(u1));
  return -r * cos(6.2831854820251465 * (u2 - 0.5));
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let tile = wid.x + wid.y * 65535u;
  var lo = 0u;
  var hi = u.nseg;
  loop {
    if (hi - lo <= 1u) { break; }
    let mid = (lo + hi) / 2u;
    if (seg[mid * 16u + 4u] <= tile) { lo = mid; } else { hi = mid; }
  }
  let sb = lo * 16u;
  let chunkOffset = seg[sb + 0u];
  let seglen = seg[sb + 1u];
  let tns = seg[sb + 2u];
  let tensorOffset = seg[sb + 3u];
  let rows = seg[sb + 7u];
  let cols = seg[sb + 8u];
  let rowBase = seg[sb + 9u];
  let colBase = seg[sb + 10u];
  let tileStart = seg[sb + 4u];
  let inSeg = u.nseg > 0u && tile >= tileStart && tile < tileStart + seg[sb + 5u];
  let tileBase = (tile - tileStart) * 2048u;
  for (var k = 0u; k < 8u + u.pad0; k = k + 1u) {
    let li = tileBase + k * 256u + lid * 1u;
    let i = (chunkOffset + li) / 1u;
    let ti = tensorOffset + li;
    let r = ti / max(cols, 1u);
    let c = ti % max(cols, 1u);
    if (inSeg && li < seglen) {
      let v6 = optc_rand_normal(u.stream0, tns, ti);
      let v8 = (u.s7 * v6);
      let v3 = param[i];
      let v9 = (v3 + v8);
      param[i] = v9;
    }
  }
}

// ==== mezo · entry perturb · s0_elems · width 4
// mezo: s0_elems
struct Uniforms {
  n: u32,
  len: u32,
  nseg: u32,
  nrow: u32,
  ncol: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
  s5: f32,
  s7: f32,
  stream0: u32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> seg: array<u32>;
@group(0) @binding(2) var<storage, read_write> param: array<vec4<f32>>;

fn optc_fmix32(h0: u32) -> u32 {
  var h = h0;
  h = h ^ (h >> 16u);
  h = h * 0x85ebca6bu;
  h = h ^ (h >> 13u);
  h = h * 0xc2b2ae35u;
  h = h ^ (h >> 16u);
  return h;
}
fn optc_rng_u32(stream: u32, tensor: u32, index: u32, draw: u32) -> u32 {
  var h = optc_fmix32(stream ^ 0x9e3779b9u);
  h = optc_fmix32(h ^ ((tensor + 1u) * 0x7feb352du) ^ ((draw + 1u) * 0x68e31da4u));
  return optc_fmix32(h + index);
}
fn optc_u01(h: u32) -> f32 { return (f32(h >> 9u) + 0.5) * 1.1920928955078125e-7; }
fn optc_rand_uniform(stream: u32, tensor: u32, index: u32) -> f32 { return optc_u01(optc_rng_u32(stream, tensor, index, 0u)); }
fn optc_rand_rademacher(stream: u32, tensor: u32, index: u32) -> f32 {
  return select(-1.0, 1.0, (optc_rng_u32(stream, tensor, index, 0u) >> 31u) != 0u);
}
fn optc_rand_normal(stream: u32, tensor: u32, index: u32) -> f32 {
  let u1 = optc_u01(optc_rng_u32(stream, tensor, index, 0u));
  let u2 = optc_u01(optc_rng_u32(stream, tensor, index, 1u));
  let r = sqrt(-2.0 * log(u1));
  return -r * cos(6.2831854820251465 * (u2 - 0.5));
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let tile = wid.x + wid.y * 65535u;
  var lo = 0u;
  var hi = u.nseg;
  loop {
    if (hi - lo <= 1u) { break; }
    let mid = (lo + hi) / 2u;
    if (seg[mid * 16u + 4u] <= tile) { lo = mid; } else { hi = mid; }
  }
  let sb = lo * 16u;
  let chunkOffset = seg[sb + 0u];
  let seglen = seg[sb + 1u];
  let tns = seg[sb + 2u];
  let tensorOffset = seg[sb + 3u];
  let rows = seg[sb + 7u];
  let cols = seg[sb + 8u];
  let rowBase = seg[sb + 9u];
  let colBase = seg[sb + 10u];
  let tileStart = seg[sb + 4u];
  let inSeg = u.nseg > 0u && tile >= tileStart && tile < tileStart + seg[sb + 5u];
  let tileBase = (tile - tileStart) * 8192u;
  for (var k = 0u; k < 8u + u.pad0; k = k + 1u) {
    let li = tileBase + k * 1024u + lid * 4u;
    let i = (chunkOffset + li) / 4u;
    let ti = tensorOffset + li;
    if (inSeg && li < seglen) {
      let v6 = vec4<f32>(optc_rand_normal(u.stream0, tns, ti), optc_rand_normal(u.stream0, tns, ti + 1u), optc_rand_normal(u.stream0, tns, ti + 2u), optc_rand_normal(u.stream0, tns, ti + 3u));
      let v8 = (u.s7 * v6);
      let v3 = param[i];
      let v9 = (v3 + v8);
      param[i] = v9;
    }
  }
}
