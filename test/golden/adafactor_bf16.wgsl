// ==== adafactor_bf16 · s0_rows · width 1
// adafactor_bf16: s0_rows
struct Uniforms {
  n: u32,
  len: u32,
  nseg: u32,
  nrow: u32,
  ncol: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
  h_eps1: f32,
  h_eps2: f32,
  h_clip_threshold: f32,
  h_weight_decay: f32,
  s15_beta2t: f32,
  s20: f32,
  s55_base: f32,
  s56: f32,
  sr_t: u32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> seg: array<u32>;
@group(0) @binding(2) var<storage, read> in_g: array<f32>;
@group(0) @binding(3) var<storage, read_write> part_r21: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let item = gid.x + gid.y * 16776960u;
  if (item >= u.nrow) { return; }
  var lo = 0u;
  var hi = u.nseg;
  loop {
    if (hi - lo <= 1u) { break; }
    let mid = (lo + hi) / 2u;
    if (seg[mid * 16u + 11u] <= item) { lo = mid; } else { hi = mid; }
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
  let local = item - seg[sb + 11u];
  let nb = seg[sb + 12u];
  let r = local / nb;
  let b = local % nb;
  let k0 = b * 256u;
  let k1 = min(cols, k0 + 256u);
  var acc0 = 0.0;
  for (var k = k0; k < k1; k = k + 1u) {
    let c = k;
    let ti = r * cols + c;
    let i = chunkOffset + ti;
    let v16 = in_g[i];
    let v17 = (v16 * v16);
    let v18_sq = (v17 + u.h_eps1);
    acc0 = (acc0 + select(v18_sq, 0.0, u.pad0 != 0u));
  }
  part_r21[seg[sb + 13u] + r * nb + b] = acc0;
}

// ==== adafactor_bf16 · s0_cols · width 1
// adafactor_bf16: s0_cols
struct Uniforms {
  n: u32,
  len: u32,
  nseg: u32,
  nrow: u32,
  ncol: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
  h_eps1: f32,
  h_eps2: f32,
  h_clip_threshold: f32,
  h_weight_decay: f32,
  s15_beta2t: f32,
  s20: f32,
  s55_base: f32,
  s56: f32,
  sr_t: u32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> seg: array<u32>;
@group(0) @binding(2) var<storage, read> in_g: array<f32>;
@group(0) @binding(3) var<storage, read_write> part_r27: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let item = gid.x + gid.y * 16776960u;
  if (item >= u.ncol) { return; }
  var lo = 0u;
  var hi = u.nseg;
  loop {
    if (hi - lo <= 1u) { break; }
    let mid = (lo + hi) / 2u;
    if (seg[mid * 16u + 14u] <= item) { lo = mid; } else { hi = mid; }
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
  let local = item - seg[sb + 14u];
  let mb = (rows + 31u) / 32u;
  let b = local / cols;
  let c = local % cols;
  let k0 = b * 32u;
  let k1 = min(rows, k0 + 32u);
  var acc0 = 0.0;
  for (var k = k0; k < k1; k = k + 1u) {
    let r = k;
    let ti = r * cols + c;
    let i = chunkOffset + ti;
    let v16 = in_g[i];
    let v17 = (v16 * v16);
    let v18_sq = (v17 + u.h_eps1);
    acc0 = (acc0 + select(v18_sq, 0.0, u.pad0 != 0u));
  }
  part_r27[seg[sb + 15u] + c * mb + b] = acc0;
}

// ==== adafactor_bf16 · s0_elems · width 1
// adafactor_bf16: s0_elems
struct Uniforms {
  n: u32,
  len: u32,
  nseg: u32,
  nrow: u32,
  ncol: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
  h_eps1: f32,
  h_eps2: f32,
  h_clip_threshold: f32,
  h_weight_decay: f32,
  s15_beta2t: f32,
  s20: f32,
  s55_base: f32,
  s56: f32,
  sr_t: u32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> seg: array<u32>;
@group(0) @binding(2) var<storage, read> param: array<u32>;
@group(0) @binding(3) var<storage, read_write> part_r59: array<f32>;
var<workgroup> red0: array<f32, 256>;

// ---- bf16: bfloat16 (the top 16 bits of an f32), 2 per u32 word (element 2k in the low half) ----
const bf16_BITS = 16u;
const bf16_LANES = 2u;
fn bf16_encode(x: f32) -> u32 {
  let b = bitcast<u32>(x);
  if ((b & 0x7fffffffu) > 0x7f800000u) { return (b >> 16u) | 0x40u; } // quiet NaN, sign kept
  return (b + 0x7fffu + ((b >> 16u) & 1u)) >> 16u; // a carry into the exponent is the next value (or Inf)
}
fn bf16_encode_sr(x: f32, rand: u32) -> u32 {
  let b = bitcast<u32>(x);
  if ((b & 0x7fffffffu) > 0x7f800000u) { return (b >> 16u) | 0x40u; }
  return (b + (rand & 0xffffu)) >> 16u;
}
fn bf16_decode(word: u32, lane: u32) -> f32 { return bitcast<f32>(((word >> (lane * 16u)) & 0xffffu) << 16u); }
fn bf16_pack(word: u32, lane: u32, code: u32) -> u32 { return word | (code << (lane * 16u)); }

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
      let v57 = bf16_decode(param[(i) / 2u], (i) % 2u);
      let v58 = (v57 * v57);
      acc0 = (acc0 + select(v58, 0.0, u.pad0 != 0u));
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
    part_r59[seg[sb + 6u] + tile - tileStart] = red0[0];
  }
}

// ==== adafactor_bf16 · s1_tensors · width 1
// adafactor_bf16: s1_tensors
@group(0) @binding(0) var<storage, read> ten: array<u32>;
@group(0) @binding(1) var<storage, read> gs: array<f32>;
@group(0) @binding(2) var<storage, read_write> res_r21: array<f32>;
@group(0) @binding(3) var<storage, read> part_r21: array<f32>;
@group(0) @binding(4) var<storage, read_write> res_r27: array<f32>;
@group(0) @binding(5) var<storage, read> part_r27: array<f32>;
@group(0) @binding(6) var<storage, read_write> res_r32: array<f32>;
@group(0) @binding(7) var<storage, read> sm_r: array<f32>;
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
  for (var r = lid; r < rows; r = r + 256u) {
    var a = 0.0;
    for (var b = 0u; b < rowBlocks; b = b + 1u) { a = (a + part_r21[rowPartStart + r * rowBlocks + b]); }
    res_r21[rowBase + r] = a;
  }
  storageBarrier();
  workgroupBarrier();
  for (var c = lid; c < cols; c = c + 256u) {
    var a = 0.0;
    for (var b = 0u; b < colBlocks; b = b + 1u) { a = (a + part_r27[colPartStart + c * colBlocks + b]); }
    res_r27[colBase + c] = a;
  }
  storageBarrier();
  workgroupBarrier();
  {
  var a = 0.0;
  for (var r = lid; r < rows; r = r + 256u) {
    let v22 = f32(cols);
    let v21 = res_r21[rowBase + r];
    let v23 = (v21 / v22);
    let v24 = (gs[grp * 8u + 5u] * v23);
    let v10 = sm_r[rowBase + r];
    let v19 = (gs[grp * 8u + 4u] * v10);
    let v25 = (v19 + v24);
    a = (a + select(v25, 0.0, ten[2] != 0u));
  }
  red0[lid] = a;
  workgroupBarrier();
  for (var s = 128u + ten[2]; s > 0u; s = s >> 1u) {
    if (lid < s) {
      red0[lid] = (red0[lid] + red0[lid + s]);
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    res_r32[tns] = red0[0];
  }
  workgroupBarrier();
  }
  storageBarrier();
  workgroupBarrier();
}

// ==== adafactor_bf16 · s1_tensors_1 · width 1
// adafactor_bf16: s1_tensors_1
@group(0) @binding(0) var<storage, read> ten: array<u32>;
@group(0) @binding(1) var<storage, read> gs: array<f32>;
@group(0) @binding(2) var<storage, read_write> res_r59: array<f32>;
@group(0) @binding(3) var<storage, read> part_r59: array<f32>;
@group(0) @binding(4) var<storage, read> res_r21: array<f32>;
@group(0) @binding(5) var<storage, read_write> sm_r: array<f32>;
@group(0) @binding(6) var<storage, read> res_r27: array<f32>;
@group(0) @binding(7) var<storage, read_write> sm_c: array<f32>;
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
  for (var k = lid; k < partCount; k = k + 256u) { a = (a + part_r59[partStart + k]); }
  red0[lid] = a;
  workgroupBarrier();
  for (var s = 128u + ten[2]; s > 0u; s = s >> 1u) {
    if (lid < s) {
      red0[lid] = (red0[lid] + red0[lid + s]);
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    res_r59[tns] = red0[0];
  }
  workgroupBarrier();
  }
  storageBarrier();
  workgroupBarrier();
  for (var r = lid; r < rows; r = r + 256u) {
    let v22 = f32(cols);
    let v21 = res_r21[rowBase + r];
    let v23 = (v21 / v22);
    let v24 = (gs[grp * 8u + 5u] * v23);
    let v10 = sm_r[rowBase + r];
    let v19 = (gs[grp * 8u + 4u] * v10);
    let v25 = (v19 + v24);
    sm_r[rowBase + r] = v25;
  }
  for (var c = lid; c < cols; c = c + 256u) {
    let v28 = f32(rows);
    let v27 = res_r27[colBase + c];
    let v29 = (v27 / v28);
    let v30 = (gs[grp * 8u + 5u] * v29);
    let v11 = sm_c[colBase + c];
    let v26 = (gs[grp * 8u + 4u] * v11);
    let v31 = (v26 + v30);
    sm_c[colBase + c] = v31;
  }
}

// ==== adafactor_bf16 · s2_elems · width 1
// adafactor_bf16: s2_elems
struct Uniforms {
  n: u32,
  len: u32,
  nseg: u32,
  nrow: u32,
  ncol: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
  h_eps1: f32,
  h_eps2: f32,
  h_clip_threshold: f32,
  h_weight_decay: f32,
  s15_beta2t: f32,
  s20: f32,
  s55_base: f32,
  s56: f32,
  sr_t: u32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> seg: array<u32>;
@group(0) @binding(2) var<storage, read> res_r32: array<f32>;
@group(0) @binding(3) var<storage, read> sm_r: array<f32>;
@group(0) @binding(4) var<storage, read> in_g: array<f32>;
@group(0) @binding(5) var<storage, read> sm_c: array<f32>;
@group(0) @binding(6) var<storage, read_write> part_r40: array<f32>;
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
      let v28 = f32(rows);
      let v32 = res_r32[tns];
      let v33 = (v32 / v28);
      let v25 = sm_r[rowBase + r];
      let v34 = (v25 / v33);
      let v35 = inverseSqrt(v34);
      let v16 = in_g[i];
      let v36 = (v16 * v35);
      let v31 = sm_c[colBase + c];
      let v37 = inverseSqrt(v31);
      let v38_u = (v36 * v37);
      let v39 = (v38_u * v38_u);
      acc0 = (acc0 + select(v39, 0.0, u.pad0 != 0u));
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
    part_r40[seg[sb + 6u] + tile - tileStart] = red0[0];
  }
}

// ==== adafactor_bf16 · s3_tensors · width 1
// adafactor_bf16: s3_tensors
@group(0) @binding(0) var<storage, read> ten: array<u32>;
@group(0) @binding(1) var<storage, read> gs: array<f32>;
@group(0) @binding(2) var<storage, read_write> res_r40: array<f32>;
@group(0) @binding(3) var<storage, read> part_r40: array<f32>;
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
  for (var k = lid; k < partCount; k = k + 256u) { a = (a + part_r40[partStart + k]); }
  red0[lid] = a;
  workgroupBarrier();
  for (var s = 128u + ten[2]; s > 0u; s = s >> 1u) {
    if (lid < s) {
      red0[lid] = (red0[lid] + red0[lid + s]);
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    res_r40[tns] = red0[0];
  }
  workgroupBarrier();
  }
  storageBarrier();
  workgroupBarrier();
}

// ==== adafactor_bf16 · s4_store · width 1
// adafactor_bf16: s4_store
struct Uniforms {
  n: u32,
  len: u32,
  nseg: u32,
  nrow: u32,
  ncol: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
  h_eps1: f32,
  h_eps2: f32,
  h_clip_threshold: f32,
  h_weight_decay: f32,
  s15_beta2t: f32,
  s20: f32,
  s55_base: f32,
  s56: f32,
  sr_t: u32,
}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> ten: array<u32>;
@group(0) @binding(2) var<storage, read> lanes: array<u32>;
@group(0) @binding(3) var<storage, read> origins: array<u32>;
@group(0) @binding(4) var<storage, read> res_r32: array<f32>;
@group(0) @binding(5) var<storage, read> sm_r: array<f32>;
@group(0) @binding(6) var<storage, read> in_g: array<f32>;
@group(0) @binding(7) var<storage, read> sm_c: array<f32>;
@group(0) @binding(8) var<storage, read> res_r40: array<f32>;
@group(0) @binding(9) var<storage, read> res_r59: array<f32>;
@group(0) @binding(10) var<storage, read_write> param: array<u32>;

// ---- bf16: bfloat16 (the top 16 bits of an f32), 2 per u32 word (element 2k in the low half) ----
const bf16_BITS = 16u;
const bf16_LANES = 2u;
fn bf16_encode(x: f32) -> u32 {
  let b = bitcast<u32>(x);
  if ((b & 0x7fffffffu) > 0x7f800000u) { return (b >> 16u) | 0x40u; } // quiet NaN, sign kept
  return (b + 0x7fffu + ((b >> 16u) & 1u)) >> 16u; // a carry into the exponent is the next value (or Inf)
}
fn bf16_encode_sr(x: f32, rand: u32) -> u32 {
  let b = bitcast<u32>(x);
  if ((b & 0x7fffffffu) > 0x7f800000u) { return (b >> 16u) | 0x40u; }
  return (b + (rand & 0xffffu)) >> 16u;
}
fn bf16_decode(word: u32, lane: u32) -> f32 { return bitcast<f32>(((word >> (lane * 16u)) & 0xffffu) << 16u); }
fn bf16_pack(word: u32, lane: u32, code: u32) -> u32 { return word | (code << (lane * 16u)); }

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

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let inv = gid.x + gid.y * 4194240u;
  let n4 = (u.len + 3u) / 4u;
  let j0 = inv * 16u;
  if (j0 >= n4) { return; }
  let j1 = min(j0 + 16u, n4);
  let og = (j0 * 4u) / 64u;
  let tns = origins[2u * og];
  let ti0 = origins[2u * og + 1u];
  let tb = 4u + tns * 12u;
  let rows = ten[tb + 3u];
  let cols = ten[tb + 4u];
  let rowBase = ten[tb + 5u];
  let colBase = ten[tb + 6u];
  for (var j = j0; j < j1; j++) {
    let e0 = j * 4u;
    let valid = vec4<u32>(e0 % 64u) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(lanes[min(e0, u.len - 1u) / 64u]);
    let tiv = ti0 + (j - j0) * 4u;
    var y_p: vec4<f32>;
    {
      let i = e0 + 0u;
      let ti = tiv + 0u;
      let r = ti / max(cols, 1u);
      let c = ti % max(cols, 1u);
      let v28 = f32(rows);
      let v32 = res_r32[tns];
      let v33 = (v32 / v28);
      let v25 = sm_r[rowBase + r];
      let v34 = (v25 / v33);
      let v35 = inverseSqrt(v34);
      let v16 = in_g[i];
      let v36 = (v16 * v35);
      let v31 = sm_c[colBase + c];
      let v37 = inverseSqrt(v31);
      let v38_u = (v36 * v37);
      let v41 = f32(rows * cols);
      let v40 = res_r40[tns];
      let v42 = (v40 / v41);
      let v43 = sqrt(v42);
      let v44 = (v43 / u.h_clip_threshold);
      let v45 = max(1.0f, v44);
      let v46_clipped = (v38_u / v45);
      let v59 = res_r59[tns];
      let v60 = (v59 / v41);
      let v61 = sqrt(v60);
      let v62 = max(u.h_eps2, v61);
      let v63 = (u.s55_base * v62);
      let v64_alpha = select(u.s55_base, v63, (u.s56 != 0.0));
      let v68 = (v64_alpha * v46_clipped);
      let v65 = (u.h_weight_decay * v64_alpha);
      let v57 = bf16_decode(param[(i) / 2u], (i) % 2u);
      let v66 = (v65 * v57);
      let v67 = (select(v57, 0.0, u.pad0 != 0u) - v66);
      let v69 = (v67 - v68);
      y_p[0] = v69;
    }
    {
      let i = e0 + 1u;
      let ti = tiv + 1u;
      let r = ti / max(cols, 1u);
      let c = ti % max(cols, 1u);
      let v28 = f32(rows);
      let v32 = res_r32[tns];
      let v33 = (v32 / v28);
      let v25 = sm_r[rowBase + r];
      let v34 = (v25 / v33);
      let v35 = inverseSqrt(v34);
      let v16 = in_g[i];
      let v36 = (v16 * v35);
      let v31 = sm_c[colBase + c];
      let v37 = inverseSqrt(v31);
      let v38_u = (v36 * v37);
      let v41 = f32(rows * cols);
      let v40 = res_r40[tns];
      let v42 = (v40 / v41);
      let v43 = sqrt(v42);
      let v44 = (v43 / u.h_clip_threshold);
      let v45 = max(1.0f, v44);
      let v46_clipped = (v38_u / v45);
      let v59 = res_r59[tns];
      let v60 = (v59 / v41);
      let v61 = sqrt(v60);
      let v62 = max(u.h_eps2, v61);
      let v63 = (u.s55_base * v62);
      let v64_alpha = select(u.s55_base, v63, (u.s56 != 0.0));
      let v68 = (v64_alpha * v46_clipped);
      let v65 = (u.h_weight_decay * v64_alpha);
      let v57 = bf16_decode(param[(i) / 2u], (i) % 2u);
      let v66 = (v65 * v57);
      let v67 = (select(v57, 0.0, u.pad0 != 0u) - v66);
      let v69 = (v67 - v68);
      y_p[1] = v69;
    }
    {
      let i = e0 + 2u;
      let ti = tiv + 2u;
      let r = ti / max(cols, 1u);
      let c = ti % max(cols, 1u);
      let v28 = f32(rows);
      let v32 = res_r32[tns];
      let v33 = (v32 / v28);
      let v25 = sm_r[rowBase + r];
      let v34 = (v25 / v33);
      let v35 = inverseSqrt(v34);
      let v16 = in_g[i];
      let v36 = (v16 * v35);
      let v31 = sm_c[colBase + c];
      let v37 = inverseSqrt(v31);
      let v38_u = (v36 * v37);
      let v41 = f32(rows * cols);
      let v40 = res_r40[tns];
      let v42 = (v40 / v41);
      let v43 = sqrt(v42);
      let v44 = (v43 / u.h_clip_threshold);
      let v45 = max(1.0f, v44);
      let v46_clipped = (v38_u / v45);
      let v59 = res_r59[tns];
      let v60 = (v59 / v41);
      let v61 = sqrt(v60);
      let v62 = max(u.h_eps2, v61);
      let v63 = (u.s55_base * v62);
      let v64_alpha = select(u.s55_base, v63, (u.s56 != 0.0));
      let v68 = (v64_alpha * v46_clipped);
      let v65 = (u.h_weight_decay * v64_alpha);
      let v57 = bf16_decode(param[(i) / 2u], (i) % 2u);
      let v66 = (v65 * v57);
      let v67 = (select(v57, 0.0, u.pad0 != 0u) - v66);
      let v69 = (v67 - v68);
      y_p[2] = v69;
    }
    {
      let i = e0 + 3u;
      let ti = tiv + 3u;
      let r = ti / max(cols, 1u);
      let c = ti % max(cols, 1u);
      let v28 = f32(rows);
      let v32 = res_r32[tns];
      let v33 = (v32 / v28);
      let v25 = sm_r[rowBase + r];
      let v34 = (v25 / v33);
      let v35 = inverseSqrt(v34);
      let v16 = in_g[i];
      let v36 = (v16 * v35);
      let v31 = sm_c[colBase + c];
      let v37 = inverseSqrt(v31);
      let v38_u = (v36 * v37);
      let v41 = f32(rows * cols);
      let v40 = res_r40[tns];
      let v42 = (v40 / v41);
      let v43 = sqrt(v42);
      let v44 = (v43 / u.h_clip_threshold);
      let v45 = max(1.0f, v44);
      let v46_clipped = (v38_u / v45);
      let v59 = res_r59[tns];
      let v60 = (v59 / v41);
      let v61 = sqrt(v60);
      let v62 = max(u.h_eps2, v61);
      let v63 = (u.s55_base * v62);
      let v64_alpha = select(u.s55_base, v63, (u.s56 != 0.0));
      let v68 = (v64_alpha * v46_clipped);
      let v65 = (u.h_weight_decay * v64_alpha);
      let v57 = bf16_decode(param[(i) / 2u], (i) % 2u);
      let v66 = (v65 * v57);
      let v67 = (select(v57, 0.0, u.pad0 != 0u) - v66);
      let v69 = (v67 - v68);
      y_p[3] = v69;
    }
    let x_p = select(vec4<f32>(0.0), y_p, valid);
    param[2u * j] = bf16_pack(bf16_pack(0u, 0u, select(0u, bf16_encode_sr(x_p[0], optc_rng_u32(u.sr_t, tns, tiv + 0u, 0xf50c43f1u)), valid[0])), 1u, select(0u, bf16_encode_sr(x_p[1], optc_rng_u32(u.sr_t, tns, tiv + 1u, 0xf50c43f1u)), valid[1]));
    param[2u * j + 1u] = bf16_pack(bf16_pack(0u, 0u, select(0u, bf16_encode_sr(x_p[2], optc_rng_u32(u.sr_t, tns, tiv + 2u, 0xf50c43f1u)), valid[2])), 1u, select(0u, bf16_encode_sr(x_p[3], optc_rng_u32(u.sr_t, tns, tiv + 3u, 0xf50c43f1u)), valid[3]));
  }
}
