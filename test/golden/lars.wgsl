// ==== lars · s0_elems · width 1
// lars: s0_elems
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
  h_momentum: f32,
  h_weight_decay: f32,
  h_eta: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> seg: array<u32>;
@group(0) @binding(2) var<storage, read> param: array<f32>;
@group(0) @binding(3) var<storage, read> in_g: array<f32>;
@group(0) @binding(4) var<storage, read_write> part_r8: array<f32>;
@group(0) @binding(5) var<storage, read_write> part_r12: array<f32>;
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
      let v6 = param[i];
      let v7 = (v6 * v6);
      let v10 = in_g[i];
      let v11 = (v10 * v10);
      acc0 = (acc0 + select(v7, 0.0, u.pad0 != 0u));
      acc1 = (acc1 + select(v11, 0.0, u.pad0 != 0u));
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
    part_r8[seg[sb + 6u] + tile - tileStart] = red0[0];
    part_r12[seg[sb + 6u] + tile - tileStart] = red1[0];
  }
}

// ==== lars · s1_tensors · width 1
// lars: s1_tensors
@group(0) @binding(0) var<storage, read> ten: array<u32>;
@group(0) @binding(1) var<storage, read> gs: array<f32>;
@group(0) @binding(2) var<storage, read_write> res_r8: array<f32>;
@group(0) @binding(3) var<storage, read> part_r8: array<f32>;
@group(0) @binding(4) var<storage, read_write> res_r12: array<f32>;
@group(0) @binding(5) var<storage, read> part_r12: array<f32>;
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
  for (var k = lid; k < partCount; k = k + 256u) { a = (a + part_r8[partStart + k]); }
  red0[lid] = a;
  workgroupBarrier();
  for (var s = 128u + ten[2]; s > 0u; s = s >> 1u) {
    if (lid < s) {
      red0[lid] = (red0[lid] + red0[lid + s]);
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    res_r8[tns] = red0[0];
  }
  workgroupBarrier();
  }
  storageBarrier();
  workgroupBarrier();
  {
  var a = 0.0;
  for (var k = lid; k < partCount; k = k + 256u) { a = (a + part_r12[partStart + k]); }
  red0[lid] = a;
  workgroupBarrier();
  for (var s = 128u + ten[2]; s > 0u; s = s >> 1u) {
    if (lid < s) {
      red0[lid] = (red0[lid] + red0[lid + s]);
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    res_r12[tns] = red0[0];
  }
  workgroupBarrier();
  }
  storageBarrier();
  workgroupBarrier();
}

// ==== lars · s2_elems · width 1
// lars: s2_elems
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
  h_momentum: f32,
  h_weight_decay: f32,
  h_eta: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> seg: array<u32>;
@group(0) @binding(2) var<storage, read> res_r8: array<f32>;
@group(0) @binding(3) var<storage, read> res_r12: array<f32>;
@group(0) @binding(4) var<storage, read_write> param: array<f32>;
@group(0) @binding(5) var<storage, read> in_g: array<f32>;
@group(0) @binding(6) var<storage, read_write> st_buf: array<f32>;

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
      let v8 = res_r8[tns];
      let v9_pn = sqrt(v8);
      let v18 = (u.h_weight_decay * v9_pn);
      let v12 = res_r12[tns];
      let v13_gn = sqrt(v12);
      let v19 = (v13_gn + v18);
      let v17 = (u.h_eta * v9_pn);
      let v20 = (v17 / v19);
      let v15 = (v13_gn > 0.0f);
      let v14 = (v9_pn > 0.0f);
      let v16 = (v14 & v15);
      let v22_local_lr = select(1.0f, v20, v16);
      let v24 = (u.h_lr * v22_local_lr);
      let v6 = param[i];
      let v25 = (u.h_weight_decay * v6);
      let v10 = in_g[i];
      let v26 = (v10 + v25);
      let v27 = (v24 * v26);
      let v5 = st_buf[i];
      let v23 = (u.h_momentum * v5);
      let v28 = (v23 + v27);
      let v29 = (v6 - v28);
      st_buf[i] = v28;
      param[i] = v29;
    }
  }
}

// ==== lars · s0_elems · width 4
// lars: s0_elems
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
  h_momentum: f32,
  h_weight_decay: f32,
  h_eta: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> seg: array<u32>;
@group(0) @binding(2) var<storage, read> param: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> in_g: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> part_r8: array<f32>;
@group(0) @binding(5) var<storage, read_write> part_r12: array<f32>;
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
      let v6 = param[i];
      let v7 = (v6 * v6);
      let v10 = in_g[i];
      let v11 = (v10 * v10);
      let m0 = select(vec4<f32>(0.0), v7, vec4<u32>(li) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(seglen));
      acc0 = (acc0 + ((m0.x + m0.y) + (m0.z + m0.w)));
      let m1 = select(vec4<f32>(0.0), v11, vec4<u32>(li) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(seglen));
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
    part_r8[seg[sb + 6u] + tile - tileStart] = red0[0];
    part_r12[seg[sb + 6u] + tile - tileStart] = red1[0];
  }
}

// ==== lars · s1_tensors · width 4
// lars: s1_tensors
@group(0) @binding(0) var<storage, read> ten: array<u32>;
@group(0) @binding(1) var<storage, read> gs: array<f32>;
@group(0) @binding(2) var<storage, read_write> res_r8: array<f32>;
@group(0) @binding(3) var<storage, read> part_r8: array<f32>;
@group(0) @binding(4) var<storage, read_write> res_r12: array<f32>;
@group(0) @binding(5) var<storage, read> part_r12: array<f32>;
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
  for (var k = lid; k < partCount; k = k + 256u) { a = (a + part_r8[partStart + k]); }
  red0[lid] = a;
  workgroupBarrier();
  for (var s = 128u + ten[2]; s > 0u; s = s >> 1u) {
    if (lid < s) {
      red0[lid] = (red0[lid] + red0[lid + s]);
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    res_r8[tns] = red0[0];
  }
  workgroupBarrier();
  }
  storageBarrier();
  workgroupBarrier();
  {
  var a = 0.0;
  for (var k = lid; k < partCount; k = k + 256u) { a = (a + part_r12[partStart + k]); }
  red0[lid] = a;
  workgroupBarrier();
  for (var s = 128u + ten[2]; s > 0u; s = s >> 1u) {
    if (lid < s) {
      red0[lid] = (red0[lid] + red0[lid + s]);
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    res_r12[tns] = red0[0];
  }
  workgroupBarrier();
  }
  storageBarrier();
  workgroupBarrier();
}

// ==== lars · s2_elems · width 4
// lars: s2_elems
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
  h_momentum: f32,
  h_weight_decay: f32,
  h_eta: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> seg: array<u32>;
@group(0) @binding(2) var<storage, read> res_r8: array<f32>;
@group(0) @binding(3) var<storage, read> res_r12: array<f32>;
@group(0) @binding(4) var<storage, read_write> param: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> in_g: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> st_buf: array<vec4<f32>>;

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
      let v8 = res_r8[tns];
      let v9_pn = sqrt(v8);
      let v18 = (u.h_weight_decay * v9_pn);
      let v12 = res_r12[tns];
      let v13_gn = sqrt(v12);
      let v19 = (v13_gn + v18);
      let v17 = (u.h_eta * v9_pn);
      let v20 = (v17 / v19);
      let v15 = (v13_gn > 0.0f);
      let v14 = (v9_pn > 0.0f);
      let v16 = (v14 & v15);
      let v22_local_lr = select(1.0f, v20, v16);
      let v24 = (u.h_lr * v22_local_lr);
      let v6 = param[i];
      let v25 = (u.h_weight_decay * v6);
      let v10 = in_g[i];
      let v26 = (v10 + v25);
      let v27 = (v24 * v26);
      let v5 = st_buf[i];
      let v23 = (u.h_momentum * v5);
      let v28 = (v23 + v27);
      let v29 = (v6 - v28);
      st_buf[i] = v28;
      param[i] = v29;
    }
  }
}
