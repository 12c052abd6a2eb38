// ==== adamw_clip_cosine · s0_elems · width 1
// adamw_clip_cosine: s0_elems
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
  h_max_norm: f32,
  s17: f32,
  s42_lr_t: f32,
  s44: f32,
  s48: f32,
  s53: f32,
  s57: f32,
  s61: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> seg: array<u32>;
@group(0) @binding(2) var<storage, read> in_g: array<f32>;
@group(0) @binding(3) var<storage, read_write> part_r15: array<f32>;
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
      let v13 = in_g[i];
      let v14 = (v13 * v13);
      acc0 = (acc0 + select(v14, 0.0, u.pad0 != 0u));
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
    part_r15[seg[sb + 6u] + tile - tileStart] = red0[0];
  }
}

// ==== adamw_clip_cosine · s1_tensors · width 1
// adamw_clip_cosine: s1_tensors
@group(0) @binding(0) var<storage, read> ten: array<u32>;
@group(0) @binding(1) var<storage, read> gs: array<f32>;
@group(0) @binding(2) var<storage, read_write> tot_r15: array<f32>;
@group(0) @binding(3) var<storage, read> part_r15: array<f32>;
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
  for (var k = lid; k < partCount; k = k + 256u) { a = (a + part_r15[partStart + k]); }
  red0[lid] = a;
  workgroupBarrier();
  for (var s = 128u + ten[2]; s > 0u; s = s >> 1u) {
    if (lid < s) {
      red0[lid] = (red0[lid] + red0[lid + s]);
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    tot_r15[tns] = red0[0];
  }
  workgroupBarrier();
  }
  storageBarrier();
  workgroupBarrier();
}

// ==== adamw_clip_cosine · s2_global · width 1
// adamw_clip_cosine: s2_global
@group(0) @binding(0) var<storage, read> ten: array<u32>;
@group(0) @binding(1) var<storage, read> tot_r15: array<f32>;
@group(0) @binding(2) var<storage, read_write> res_r15: array<f32>;
var<workgroup> red0: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let ntensors = ten[0];
  {
  var a = 0.0;
  for (var k = lid; k < ntensors; k = k + 256u) { a = (a + tot_r15[k]); }
  red0[lid] = a;
  workgroupBarrier();
  for (var s = 128u + ten[2]; s > 0u; s = s >> 1u) {
    if (lid < s) {
      red0[lid] = (red0[lid] + red0[lid + s]);
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    res_r15[0] = red0[0];
  }
  workgroupBarrier();
  }
}

// ==== adamw_clip_cosine · s3_elems · width 1
// adamw_clip_cosine: s3_elems
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
  h_max_norm: f32,
  s17: f32,
  s42_lr_t: f32,
  s44: f32,
  s48: f32,
  s53: f32,
  s57: f32,
  s61: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> seg: array<u32>;
@group(0) @binding(2) var<storage, read> res_r15: array<f32>;
@group(0) @binding(3) var<storage, read> in_g: array<f32>;
@group(0) @binding(4) var<storage, read_write> st_v: array<f32>;
@group(0) @binding(5) var<storage, read_write> st_m: array<f32>;
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
      let v15 = res_r15[0u];
      let v16 = sqrt(v15);
      let v18 = (v16 + u.s17);
      let v19 = (u.h_max_norm / v18);
      let v20_clip = min(1.0f, v19);
      let v13 = in_g[i];
      let v21_gc = (v13 * v20_clip);
      let v49 = (u.s48 * v21_gc);
      let v50 = (v49 * v21_gc);
      let v11 = st_v[i];
      let v47 = (u.h_beta2 * v11);
      let v51 = (v47 + v50);
      let v62 = (v51 / u.s61);
      let v63 = sqrt(v62);
      let v64 = (v63 + u.h_eps);
      let v45 = (u.s44 * v21_gc);
      let v10 = st_m[i];
      let v43 = (u.h_beta1 * v10);
      let v46 = (v43 + v45);
      let v58 = (v46 / u.s57);
      let v59 = (u.s42_lr_t * v58);
      let v65 = (v59 / v64);
      let v52 = param[i];
      let v54 = (u.s53 * v52);
      let v55 = (select(v52, 0.0, u.pad0 != 0u) - v54);
      let v66 = (v55 - v65);
      st_m[i] = v46;
      st_v[i] = v51;
      param[i] = v66;
    }
  }
}

// ==== adamw_clip_cosine · s0_elems · width 4
// adamw_clip_cosine: s0_elems
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
  h_max_norm: f32,
  s17: f32,
  s42_lr_t: f32,
  s44: f32,
  s48: f32,
  s53: f32,
  s57: f32,
  s61: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> seg: array<u32>;
@group(0) @binding(2) var<storage, read> in_g: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> part_r15: array<f32>;
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
      let v13 = in_g[i];
      let v14 = (v13 * v13);
      let m0 = select(vec4<f32>(0.0), v14, vec4<u32>(li) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(seglen));
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
    part_r15[seg[sb + 6u] + tile - tileStart] = red0[0];
  }
}

// ==== adamw_clip_cosine · s1_tensors · width 4
// adamw_clip_cosine: s1_tensors
@group(0) @binding(0) var<storage, read> ten: array<u32>;
@group(0) @binding(1) var<storage, read> gs: array<f32>;
@group(0) @binding(2) var<storage, read_write> tot_r15: array<f32>;
@group(0) @binding(3) var<storage, read> part_r15: array<f32>;
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
  for (var k = lid; k < partCount; k = k + 256u) { a = (a + part_r15[partStart + k]); }
  red0[lid] = a;
  workgroupBarrier();
  for (var s = 128u + ten[2]; s > 0u; s = s >> 1u) {
    if (lid < s) {
      red0[lid] = (red0[lid] + red0[lid + s]);
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    tot_r15[tns] = red0[0];
  }
  workgroupBarrier();
  }
  storageBarrier();
  workgroupBarrier();
}

// ==== adamw_clip_cosine · s2_global · width 4
// adamw_clip_cosine: s2_global
@group(0) @binding(0) var<storage, read> ten: array<u32>;
@group(0) @binding(1) var<storage, read> tot_r15: array<f32>;
@group(0) @binding(2) var<storage, read_write> res_r15: array<f32>;
var<workgroup> red0: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let ntensors = ten[0];
  {
  var a = 0.0;
  for (var k = lid; k < ntensors; k = k + 256u) { a = (a + tot_r15[k]); }
  red0[lid] = a;
  workgroupBarrier();
  for (var s = 128u + ten[2]; s > 0u; s = s >> 1u) {
    if (lid < s) {
      red0[lid] = (red0[lid] + red0[lid + s]);
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    res_r15[0] = red0[0];
  }
  workgroupBarrier();
  }
}

// ==== adamw_clip_cosine · s3_elems · width 4
// adamw_clip_cosine: s3_elems
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
  h_max_norm: f32,
  s17: f32,
  s42_lr_t: f32,
  s44: f32,
  s48: f32,
  s53: f32,
  s57: f32,
  s61: f32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> seg: array<u32>;
@group(0) @binding(2) var<storage, read> res_r15: array<f32>;
@group(0) @binding(3) var<storage, read> in_g: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> st_v: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> st_m: array<vec4<f32>>;
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
      let v15 = res_r15[0u];
      let v16 = sqrt(v15);
      let v18 = (v16 + u.s17);
      let v19 = (u.h_max_norm / v18);
      let v20_clip = min(1.0f, v19);
      let v13 = in_g[i];
      let v21_gc = (v13 * v20_clip);
      let v49 = (u.s48 * v21_gc);
      let v50 = (v49 * v21_gc);
      let v11 = st_v[i];
      let v47 = (u.h_beta2 * v11);
      let v51 = (v47 + v50);
      let v62 = (v51 / u.s61);
      let v63 = sqrt(v62);
      let v64 = (v63 + u.h_eps);
      let v45 = (u.s44 * v21_gc);
      let v10 = st_m[i];
      let v43 = (u.h_beta1 * v10);
      let v46 = (v43 + v45);
      let v58 = (v46 / u.s57);
      let v59 = (u.s42_lr_t * v58);
      let v65 = (v59 / v64);
      let v52 = param[i];
      let v54 = (u.s53 * v52);
      let v55 = (select(v52, vec4<f32>(0.0), u.pad0 != 0u) - v54);
      let v66 = (v55 - v65);
      st_m[i] = v46;
      st_v[i] = v51;
      param[i] = v66;
    }
  }
}
