// ==== lamb · s0_elems · width 1
// lamb: s0_elems
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
  h_beta1: f32,
  h_beta2: f32,
  h_eps: f32,
  h_weight_decay: f32,
  s10: f32,
  s15: f32,
  s21: f32,
  s24: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> seg: array<u32>;
@group(0) @binding(2) var<storage, read> param: array<f32>;
@group(0) @binding(3) var<storage, read> in_g: array<f32>;
@group(0) @binding(4) var<storage, read> st_v: array<f32>;
@group(0) @binding(5) var<storage, read> st_m: array<f32>;
@group(0) @binding(6) var<storage, read_write> part_r33: array<f32>;
@group(0) @binding(7) var<storage, read_write> part_r36: array<f32>;
var<workgroup> red0: array<f32, 256>;
var<workgroup> red1: array<f32, 256>;

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
  var acc0 = 0.0;
  var acc1 = 0.0;
  for (var k = 0u; k < 8u + u.pad0; k = k + 1u) {
    let li = tileBase + k * 256u + lid * 1u;
    let i = (chunkOffset + li) / 1u;
    let ti = tensorOffset + li;
    let r = ti / max(cols, 1u);
    let c = ti % max(cols, 1u);
    if (inSeg && li < seglen) {
      let v29 = param[i];
      let v32 = (v29 * v29);
      let v11 = in_g[i];
      let v16 = (u.s15 * v11);
      let v17 = (v16 * v11);
      let v7 = st_v[i];
      let v14 = (u.h_beta2 * v7);
      let v18 = (v14 + v17);
      let v25 = (v18 / u.s24);
      let v26 = sqrt(v25);
      let v27 = (v26 + u.h_eps);
      let v12 = (u.s10 * v11);
      let v6 = st_m[i];
      let v8 = (u.h_beta1 * v6);
      let v13 = (v8 + v12);
      let v22 = (v13 / u.s21);
      let v28 = (v22 / v27);
      let v30 = (u.h_weight_decay * v29);
      let v31_u = (v28 + v30);
      let v35 = (v31_u * v31_u);
      acc0 = (acc0 + select(v32, 0.0, u.pad0 != 0u));
      acc1 = (acc1 + select(v35, 0.0, u.pad0 != 0u));
    }
  }
  red0[lid] = acc0;
  red1[lid] = acc1;
  workgroupBarrier();
  for (var s = 128u + u.pad0; s > 0u; s = s >> 1u) {
    if (lid < s) {
      red0[lid] = (red0[lid] + red0[lid + s]);
      red1[lid] = (red1[lid] + red1[lid + s]);
    }
    workgroupBarrier();
  }
  if (lid == 0u && inSeg) {
    part_r33[seg[sb + 6u] + tile - tileStart] = red0[0];
    part_r36[seg[sb + 6u] + tile - tileStart] = red1[0];
  }
}

// ==== lamb · s1_tensors · width 1
// lamb: s1_tensors
@group(0) @binding(0) var<storage, read> ten: array<u32>;
@group(0) @binding(1) var<storage, read> gs: array<f32>;
@group(0) @binding(2) var<storage, read_write> res_r33: array<f32>;
@group(0) @binding(3) var<storage, read> part_r33: array<f32>;
@group(0) @binding(4) var<storage, read_write> res_r36: array<f32>;
@group(0) @binding(5) var<storage, read> part_r36: array<f32>;
var<workgroup> red0: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let tns = wid.x + wid.y * 65535u;
  let tb = 4u + tns * 12u;
  let grp = ten[tb + 0u];
  let partStart = ten[tb + 1u];
  let partCount = ten[tb + 2u];
  let rows = ten[tb + 3u];
  let cols = ten[tb + 4u];
  let rowBase = ten[tb + 5u];
  let colBase = ten[tb + 6u];
  let rowPartStart = ten[tb + 7u];
  let colPartStart = ten[tb + 8u];
  let rowBlocks = ten[tb + 9u];
  let colBlocks = ten[tb + 10u];
  {
  var a = 0.0;
  for (var k = lid; k < partCount; k = k + 256u) { a = (a + part_r33[partStart + k]); }
  red0[lid] = a;
  workgroupBarrier();
  for (var s = 128u + ten[2]; s > 0u; s = s >> 1u) {
    if (lid < s) {
      red0[lid] = (red0[lid] + red0[lid + s]);
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    res_r33[tns] = red0[0];
  }
  workgroupBarrier();
  }
  storageBarrier();
  workgroupBarrier();
  {
  var a = 0.0;
  for (var k = lid; k < partCount; k = k + 256u) { a = (a + part_r36[partStart + k]); }
  red0[lid] = a;
  workgroupBarrier();
  for (var s = 128u + ten[2]; s > 0u; s = s >> 1u) {
    if (lid < s) {
      red0[lid] = (red0[lid] + red0[lid + s]);
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    res_r36[tns] = red0[0];
  }
  workgroupBarrier();
  }
  storageBarrier();
  workgroupBarrier();
}

// ==== lamb · s2_elems · width 1
// lamb: s2_elems
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
  h_beta1: f32,
  h_beta2: f32,
  h_eps: f32,
  h_weight_decay: f32,
  s10: f32,
  s15: f32,
  s21: f32,
  s24: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> seg: array<u32>;
@group(0) @binding(2) var<storage, read> in_g: array<f32>;
@group(0) @binding(3) var<storage, read_write> st_v: array<f32>;
@group(0) @binding(4) var<storage, read_write> st_m: array<f32>;
@group(0) @binding(5) var<storage, read_write> param: array<f32>;
@group(0) @binding(6) var<storage, read> res_r36: array<f32>;
@group(0) @binding(7) var<storage, read> res_r33: array<f32>;

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
      let v11 = in_g[i];
      let v16 = (u.s15 * v11);
      let v17 = (v16 * v11);
      let v7 = st_v[i];
      let v14 = (u.h_beta2 * v7);
      let v18 = (v14 + v17);
      let v25 = (v18 / u.s24);
      let v26 = sqrt(v25);
      let v27 = (v26 + u.h_eps);
      let v12 = (u.s10 * v11);
      let v6 = st_m[i];
      let v8 = (u.h_beta1 * v6);
      let v13 = (v8 + v12);
      let v22 = (v13 / u.s21);
      let v28 = (v22 / v27);
      let v29 = param[i];
      let v30 = (u.h_weight_decay * v29);
      let v31_u = (v28 + v30);
      let v36 = res_r36[tns];
      let v37_un = sqrt(v36);
      let v39 = (v37_un > 0.0f);
      let v33 = res_r33[tns];
      let v34_pn = sqrt(v33);
      let v38 = (v34_pn > 0.0f);
      let v40 = (v38 & v39);
      let v41 = (v34_pn / v37_un);
      let v42_trust = select(1.0f, v41, v40);
      let v43 = (u.h_lr * v42_trust);
      let v44 = (v43 * v31_u);
      let v45 = (v29 - v44);
      st_m[i] = v13;
      st_v[i] = v18;
      param[i] = v45;
    }
  }
}

// ==== lamb · s0_elems · width 4
// lamb: s0_elems
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
  h_beta1: f32,
  h_beta2: f32,
  h_eps: f32,
  h_weight_decay: f32,
  s10: f32,
  s15: f32,
  s21: f32,
  s24: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> seg: array<u32>;
@group(0) @binding(2) var<storage, read> param: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> in_g: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> st_v: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> st_m: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> part_r33: array<f32>;
@group(0) @binding(7) var<storage, read_write> part_r36: array<f32>;
var<workgroup> red0: array<f32, 256>;
var<workgroup> red1: array<f32, 256>;

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
  var acc0 = 0.0;
  var acc1 = 0.0;
  for (var k = 0u; k < 8u + u.pad0; k = k + 1u) {
    let li = tileBase + k * 1024u + lid * 4u;
    let i = (chunkOffset + li) / 4u;
    let ti = tensorOffset + li;
    if (inSeg && li < seglen) {
      let v29 = param[i];
      let v32 = (v29 * v29);
      let v11 = in_g[i];
      let v16 = (u.s15 * v11);
      let v17 = (v16 * v11);
      let v7 = st_v[i];
      let v14 = (u.h_beta2 * v7);
      let v18 = (v14 + v17);
      let v25 = (v18 / u.s24);
      let v26 = sqrt(v25);
      let v27 = (v26 + u.h_eps);
      let v12 = (u.s10 * v11);
      let v6 = st_m[i];
      let v8 = (u.h_beta1 * v6);
      let v13 = (v8 + v12);
      let v22 = (v13 / u.s21);
      let v28 = (v22 / v27);
      let v30 = (u.h_weight_decay * v29);
      let v31_u = (v28 + v30);
      let v35 = (v31_u * v31_u);
      let m0 = select(vec4<f32>(0.0), v32, vec4<u32>(li) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(seglen));
      acc0 = (acc0 + ((m0.x + m0.y) + (m0.z + m0.w)));
      let m1 = select(vec4<f32>(0.0), v35, vec4<u32>(li) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(seglen));
      acc1 = (acc1 + ((m1.x + m1.y) + (m1.z + m1.w)));
    }
  }
  red0[lid] = acc0;
  red1[lid] = acc1;
  workgroupBarrier();
  for (var s = 128u + u.pad0; s > 0u; s = s >> 1u) {
    if (lid < s) {
      red0[lid] = (red0[lid] + red0[lid + s]);
      red1[lid] = (red1[lid] + red1[lid + s]);
    }
    workgroupBarrier();
  }
  if (lid == 0u && inSeg) {
    part_r33[seg[sb + 6u] + tile - tileStart] = red0[0];
    part_r36[seg[sb + 6u] + tile - tileStart] = red1[0];
  }
}

// ==== lamb · s1_tensors · width 4
// lamb: s1_tensors
@group(0) @binding(0) var<storage, read> ten: array<u32>;
@group(0) @binding(1) var<storage, read> gs: array<f32>;
@group(0) @binding(2) var<storage, read_write> res_r33: array<f32>;
@group(0) @binding(3) var<storage, read> part_r33: array<f32>;
@group(0) @binding(4) var<storage, read_write> res_r36: array<f32>;
@group(0) @binding(5) var<storage, read> part_r36: array<f32>;
var<workgroup> red0: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let tns = wid.x + wid.y * 65535u;
  let tb = 4u + tns * 12u;
  let grp = ten[tb + 0u];
  let partStart = ten[tb + 1u];
  let partCount = ten[tb + 2u];
  let rows = ten[tb + 3u];
  let cols = ten[tb + 4u];
  let rowBase = ten[tb + 5u];
  let colBase = ten[tb + 6u];
  let rowPartStart = ten[tb + 7u];
  let colPartStart = ten[tb + 8u];
  let rowBlocks = ten[tb + 9u];
  let colBlocks = ten[tb + 10u];
  {
  var a = 0.0;
  for (var k = lid; k < partCount; k = k + 256u) { a = (a + part_r33[partStart + k]); }
  red0[lid] = a;
  workgroupBarrier();
  for (var s = 128u + ten[2]; s > 0u; s = s >> 1u) {
    if (lid < s) {
      red0[lid] = (red0[lid] + red0[lid + s]);
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    res_r33[tns] = red0[0];
  }
  workgroupBarrier();
  }
  storageBarrier();
  workgroupBarrier();
  {
  var a = 0.0;
  for (var k = lid; k < partCount; k = k + 256u) { a = (a + part_r36[partStart + k]); }
  red0[lid] = a;
  workgroupBarrier();
  for (var s = 128u + ten[2]; s > 0u; s = s >> 1u) {
    if (lid < s) {
      red0[lid] = (red0[lid] + red0[lid + s]);
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    res_r36[tns] = red0[0];
  }
  workgroupBarrier();
  }
  storageBarrier();
  workgroupBarrier();
}

// ==== lamb · s2_elems · width 4
// lamb: s2_elems
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
  h_beta1: f32,
  h_beta2: f32,
  h_eps: f32,
  h_weight_decay: f32,
  s10: f32,
  s15: f32,
  s21: f32,
  s24: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> seg: array<u32>;
@group(0) @binding(2) var<storage, read> in_g: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> st_v: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> st_m: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> param: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> res_r36: array<f32>;
@group(0) @binding(7) var<storage, read> res_r33: array<f32>;

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
      let v11 = in_g[i];
      let v16 = (u.s15 * v11);
      let v17 = (v16 * v11);
      let v7 = st_v[i];
      let v14 = (u.h_beta2 * v7);
      let v18 = (v14 + v17);
      let v25 = (v18 / u.s24);
      let v26 = sqrt(v25);
      let v27 = (v26 + u.h_eps);
      let v12 = (u.s10 * v11);
      let v6 = st_m[i];
      let v8 = (u.h_beta1 * v6);
      let v13 = (v8 + v12);
      let v22 = (v13 / u.s21);
      let v28 = (v22 / v27);
      let v29 = param[i];
      let v30 = (u.h_weight_decay * v29);
      let v31_u = (v28 + v30);
      let v36 = res_r36[tns];
      let v37_un = sqrt(v36);
      let v39 = (v37_un > 0.0f);
      let v33 = res_r33[tns];
      let v34_pn = sqrt(v33);
      let v38 = (v34_pn > 0.0f);
      let v40 = (v38 & v39);
      let v41 = (v34_pn / v37_un);
      let v42_trust = select(1.0f, v41, v40);
      let v43 = (u.h_lr * v42_trust);
      let v44 = (v43 * v31_u);
      let v45 = (v29 - v44);
      st_m[i] = v13;
      st_v[i] = v18;
      param[i] = v45;
    }
  }
}
