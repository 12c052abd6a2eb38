// ==== cautious_adamw · s0_elems · width 1
// cautious_adamw: s0_elems
struct Uniforms {
  n: u32,
  len: u32,
  nseg: u32,
  nrow: u32,
  ncol: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
  h_beta1: f32,
  h_beta2: f32,
  h_eps: f32,
  s9: f32,
  s10: f32,
  s15: f32,
  s33_step_size: f32,
  s42: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> seg: array<u32>;
@group(0) @binding(2) var<storage, read> in_g: array<f32>;
@group(0) @binding(3) var<storage, read> st_m: array<f32>;
@group(0) @binding(4) var<storage, read_write> part_r23: array<f32>;
var<workgroup> red0: array<f32, 256>;

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
  for (var k = 0u; k < 8u + u.pad0; k = k + 1u) {
    let li = tileBase + k * 256u + lid * 1u;
    let i = (chunkOffset + li) / 1u;
    let ti = tensorOffset + li;
    let r = ti / max(cols, 1u);
    let c = ti % max(cols, 1u);
    if (inSeg && li < seglen) {
      let v11 = in_g[i];
      let v12 = (u.s10 * v11);
      let v6 = st_m[i];
      let v8 = (u.h_beta1 * v6);
      let v13 = (v8 + v12);
      let v19 = (v13 * v11);
      let v20 = (v19 > 0.0f);
      let v21_mask = select(0.0f, u.s9, v20);
      acc0 = (acc0 + select(v21_mask, 0.0, u.pad0 != 0u));
    }
  }
  red0[lid] = acc0;
  workgroupBarrier();
  for (var s = 128u + u.pad0; s > 0u; s = s >> 1u) {
    if (lid < s) {
      red0[lid] = (red0[lid] + red0[lid + s]);
    }
    workgroupBarrier();
  }
  if (lid == 0u && inSeg) {
    part_r23[seg[sb + 6u] + tile - tileStart] = red0[0];
  }
}

// ==== cautious_adamw · s1_tensors · width 1
// cautious_adamw: s1_tensors
@group(0) @binding(0) var<storage, read> ten: array<u32>;
@group(0) @binding(1) var<storage, read> gs: array<f32>;
@group(0) @binding(2) var<storage, read_write> res_r23: array<f32>;
@group(0) @binding(3) var<storage, read> part_r23: array<f32>;
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
  for (var k = lid; k < partCount; k = k + 256u) { a = (a + part_r23[partStart + k]); }
  red0[lid] = a;
  workgroupBarrier();
  for (var s = 128u + ten[2]; s > 0u; s = s >> 1u) {
    if (lid < s) {
      red0[lid] = (red0[lid] + red0[lid + s]);
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    res_r23[tns] = red0[0];
  }
  workgroupBarrier();
  }
  storageBarrier();
  workgroupBarrier();
}

// ==== cautious_adamw · s2_elems · width 1
// cautious_adamw: s2_elems
struct Uniforms {
  n: u32,
  len: u32,
  nseg: u32,
  nrow: u32,
  ncol: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
  h_beta1: f32,
  h_beta2: f32,
  h_eps: f32,
  s9: f32,
  s10: f32,
  s15: f32,
  s33_step_size: f32,
  s42: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> seg: array<u32>;
@group(0) @binding(2) var<storage, read> in_g: array<f32>;
@group(0) @binding(3) var<storage, read_write> st_m: array<f32>;
@group(0) @binding(4) var<storage, read> res_r23: array<f32>;
@group(0) @binding(5) var<storage, read_write> st_v: array<f32>;
@group(0) @binding(6) var<storage, read_write> param: array<f32>;

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
      let v12 = (u.s10 * v11);
      let v6 = st_m[i];
      let v8 = (u.h_beta1 * v6);
      let v13 = (v8 + v12);
      let v19 = (v13 * v11);
      let v20 = (v19 > 0.0f);
      let v21_mask = select(0.0f, u.s9, v20);
      let v35 = (v13 * v21_mask);
      let v23 = res_r23[tns];
      let v24 = (v23 + u.s9);
      let v22 = f32(rows * cols);
      let v25_scale = (v22 / v24);
      let v36 = (v35 * v25_scale);
      let v37 = (u.s33_step_size * v36);
      let v16 = (u.s15 * v11);
      let v17 = (v16 * v11);
      let v7 = st_v[i];
      let v14 = (u.h_beta2 * v7);
      let v18 = (v14 + v17);
      let v38 = sqrt(v18);
      let v39 = (v38 + u.h_eps);
      let v40 = (v37 / v39);
      let v34 = param[i];
      let v41 = (v34 - v40);
      let v43 = (u.s42 * v41);
      let v44 = (select(v41, 0.0, u.pad0 != 0u) - v43);
      st_m[i] = v13;
      st_v[i] = v18;
      param[i] = v44;
    }
  }
}

// ==== cautious_adamw · s0_elems · width 4
// cautious_adamw: s0_elems
struct Uniforms {
  n: u32,
  len: u32,
  nseg: u32,
  nrow: u32,
  ncol: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
  h_beta1: f32,
  h_beta2: f32,
  h_eps: f32,
  s9: f32,
  s10: f32,
  s15: f32,
  s33_step_size: f32,
  s42: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> seg: array<u32>;
@group(0) @binding(2) var<storage, read> in_g: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> st_m: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> part_r23: array<f32>;
var<workgroup> red0: array<f32, 256>;

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
  for (var k = 0u; k < 8u + u.pad0; k = k + 1u) {
    let li = tileBase + k * 1024u + lid * 4u;
    let i = (chunkOffset + li) / 4u;
    let ti = tensorOffset + li;
    if (inSeg && li < seglen) {
      let v11 = in_g[i];
      let v12 = (u.s10 * v11);
      let v6 = st_m[i];
      let v8 = (u.h_beta1 * v6);
      let v13 = (v8 + v12);
      let v19 = (v13 * v11);
      let v20 = (v19 > vec4<f32>(0.0f));
      let v21_mask = select(vec4<f32>(0.0f), vec4<f32>(u.s9), v20);
      let m0 = select(vec4<f32>(0.0), v21_mask, vec4<u32>(li) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(seglen));
      acc0 = (acc0 + ((m0.x + m0.y) + (m0.z + m0.w)));
    }
  }
  red0[lid] = acc0;
  workgroupBarrier();
  for (var s = 128u + u.pad0; s > 0u; s = s >> 1u) {
    if (lid < s) {
      red0[lid] = (red0[lid] + red0[lid + s]);
    }
    workgroupBarrier();
  }
  if (lid == 0u && inSeg) {
    part_r23[seg[sb + 6u] + tile - tileStart] = red0[0];
  }
}

// ==== cautious_adamw · s1_tensors · width 4
// cautious_adamw: s1_tensors
@group(0) @binding(0) var<storage, read> ten: array<u32>;
@group(0) @binding(1) var<storage, read> gs: array<f32>;
@group(0) @binding(2) var<storage, read_write> res_r23: array<f32>;
@group(0) @binding(3) var<storage, read> part_r23: array<f32>;
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
  for (var k = lid; k < partCount; k = k + 256u) { a = (a + part_r23[partStart + k]); }
  red0[lid] = a;
  workgroupBarrier();
  for (var s = 128u + ten[2]; s > 0u; s = s >> 1u) {
    if (lid < s) {
      red0[lid] = (red0[lid] + red0[lid + s]);
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    res_r23[tns] = red0[0];
  }
  workgroupBarrier();
  }
  storageBarrier();
  workgroupBarrier();
}

// ==== cautious_adamw · s2_elems · width 4
// cautious_adamw: s2_elems
struct Uniforms {
  n: u32,
  len: u32,
  nseg: u32,
  nrow: u32,
  ncol: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
  h_beta1: f32,
  h_beta2: f32,
  h_eps: f32,
  s9: f32,
  s10: f32,
  s15: f32,
  s33_step_size: f32,
  s42: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> seg: array<u32>;
@group(0) @binding(2) var<storage, read> in_g: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> st_m: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> res_r23: array<f32>;
@group(0) @binding(5) var<storage, read_write> st_v: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> param: array<vec4<f32>>;

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
      let v12 = (u.s10 * v11);
      let v6 = st_m[i];
      let v8 = (u.h_beta1 * v6);
      let v13 = (v8 + v12);
      let v19 = (v13 * v11);
      let v20 = (v19 > vec4<f32>(0.0f));
      let v21_mask = select(vec4<f32>(0.0f), vec4<f32>(u.s9), v20);
      let v35 = (v13 * v21_mask);
      let v23 = res_r23[tns];
      let v24 = (v23 + u.s9);
      let v22 = f32(rows * cols);
      let v25_scale = (v22 / v24);
      let v36 = (v35 * v25_scale);
      let v37 = (u.s33_step_size * v36);
      let v16 = (u.s15 * v11);
      let v17 = (v16 * v11);
      let v7 = st_v[i];
      let v14 = (u.h_beta2 * v7);
      let v18 = (v14 + v17);
      let v38 = sqrt(v18);
      let v39 = (v38 + u.h_eps);
      let v40 = (v37 / v39);
      let v34 = param[i];
      let v41 = (v34 - v40);
      let v43 = (u.s42 * v41);
      let v44 = (select(v41, vec4<f32>(0.0), u.pad0 != 0u) - v43);
      st_m[i] = v13;
      st_v[i] = v18;
      param[i] = v44;
    }
  }
}
