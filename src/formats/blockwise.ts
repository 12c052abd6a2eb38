// Block-wise table quantization (q8, q8u, q4, q4u) on the CPU: the reference the WGSL encoders must match
// bit for bit.
//
// A tensor is cut into blocks of `blockSize` consecutive elements (the last block may be shorter). Each
// block stores one f32 scale, its absmax, and one code per element: the index of a table entry t, so the
// element reads back as t * scale. Codes are packed little-endian into u32 words, 4 × 8-bit or 8 × 4-bit:
// element i lives in word floor(i / per) at bit offset (i % per) * bits. Bits past the last element are 0.
//
// The quantizer never divides. WGSL's `x / y` is only accurate to 2.5 ulp and GPUs implement it differently,
// while `*`, comparisons, `min` and `max` are exact or correctly rounded everywhere. So instead of comparing
// x / scale with table entries, it compares x with f32(entry * scale):
//   1. branchless binary search: lo = the largest k with f32(T[k] * s) <= x (0 if there is none);
//   2. nearest of the two neighbours: code = lo + 1 if x > f32(M[lo] * s), else lo, where M[k] is the f32
//      midpoint of T[k] and T[k+1]. An x exactly on a midpoint product goes to the LOWER code (ties down).
// Comparisons of products with x cannot be contracted into FMAs, so the result does not depend on the
// compiler either. Because T contains 0 (q8, q8u, q4) and products of a positive scale keep their sign,
// a positive x never gets a negative code and vice versa (a tiny x of either sign may become 0).
//
// Scales below MIN_SCALE are stored as 0 and the block stores the code of the entry nearest 0: GPUs may
// flush subnormal f32 to zero, and keeping every product T[k] * s and M[k] * s normal (the smallest table
// magnitude is 1.6e-7 ≈ 2^-23) makes the CPU and GPU agree on every comparison, subnormal inputs included.
// Such blocks are at most 8e-28 in magnitude: nothing an optimizer state can resolve against eps.
import { tableMidpoints, zeroCode } from './tables.js';

const f = Math.fround;

/** Blocks (or rank-1 row/column maxima) whose absmax is below this store scale 0. */
export const MIN_SCALE = 2 ** -90;

/** The scale stored for a block with this absmax: the absmax itself, or 0 below MIN_SCALE. NaN stays NaN. */
export function blockScale(absmax: number): number { return absmax < MIN_SCALE ? 0 : absmax; }

export interface TableQuantizer {
  /** Sorted code table, 2^bits entries. */
  table: Float32Array;
  /** table.length - 1 decision thresholds, `tableMidpoints(table)`. */
  mids: Float32Array;
  /** The code stored where the scale is 0. */
  zero: number;
  bits: 4 | 8;
}

export function tableQuantizer(table: Float32Array, bits: 4 | 8): TableQuantizer {
  if (table.length !== 2 ** bits) throw new Error(`tableQuantizer: a ${bits}-bit table needs ${2 ** bits} entries, got ${table.length}`);
  for (let k = 1; k < table.length; k++) {
    if (!(table[k] > table[k - 1])) throw new Error(`tableQuantizer: table is not strictly increasing at ${k}`);
  }
  return { table, mids: tableMidpoints(table), zero: zeroCode(table), bits };
}

/** The code of x in a block whose stored scale is s (the defined quantizer; see the file comment). */
export function encodeTable(q: TableQuantizer, x: number, s: number): number {
  if (s === 0) return q.zero;
  const t = q.table;
  let lo = 0;
  // Steps N/2, N/4, …, 1 sum to N-1, so lo + step never leaves the table.
  for (let step = t.length >> 1; step > 0; step >>= 1) {
    if (f(t[lo + step] * s) <= x) lo += step;
  }
  return lo < t.length - 1 && x > f(q.mids[lo] * s) ? lo + 1 : lo;
}

/** The value a code stands for in a block with scale s. */
export function decodeTable(q: TableQuantizer, code: number, s: number): number { return f(q.table[code] * s); }

// ---- packing ----------------------------------------------------------------------------------------------

export function codesPerWord(bits: number): number { return 32 / bits; }

/** u32 words holding n codes of `bits` bits. */
export function wordCount(n: number, bits: number): number { return Math.ceil(n / codesPerWord(bits)); }

export function getCode(words: Uint32Array, i: number, bits: number): number {
  const per = codesPerWord(bits);
  return (words[Math.floor(i / per)] >>> ((i % per) * bits)) & ((1 << bits) - 1);
}

/** Writes code into its slot (the other slots of the word are kept). */
export function setCode(words: Uint32Array, i: number, bits: number, code: number): void {
  const per = codesPerWord(bits);
  const w = Math.floor(i / per);
  const shift = (i % per) * bits;
  const mask = ((1 << bits) - 1) << shift;
  words[w] = ((words[w] & ~mask) | ((code << shift) & mask)) >>> 0;
}

// ---- block-wise ---------------------------------------------------------------------------------------------

/** Packed codes plus f32 scales: how every compressed format is stored. */
export interface Packed {
  words: Uint32Array;
  scales: Float32Array;
}

export function blockCount(n: number, blockSize: number): number { return Math.ceil(n / blockSize); }

export function checkBlockSize(blockSize: number, bits: number): void {
  if (!Number.isInteger(blockSize) || blockSize <= 0 || blockSize % codesPerWord(bits) !== 0) {
    throw new Error(`block size must be a positive multiple of ${codesPerWord(bits)} for ${bits}-bit codes (so blocks start on a word), got ${blockSize}`);
  }
}

/** max |x[i]| for i in [start, end): exact in f32. */
export function absmax(x: Float32Array, start: number, end: number): number {
  let m = 0;
  for (let i = start; i < end; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
}

export function quantizeBlockwise(x: Float32Array, q: TableQuantizer, blockSize: number): Packed {
  checkBlockSize(blockSize, q.bits);
  const n = x.length;
  const words = new Uint32Array(wordCount(n, q.bits));
  const scales = new Float32Array(blockCount(n, blockSize));
  for (let b = 0; b < scales.length; b++) {
    const start = b * blockSize;
    const end = Math.min(n, start + blockSize); // the last block may be partial
    const s = blockScale(absmax(x, start, end));
    scales[b] = s;
    for (let i = start; i < end; i++) setCode(words, i, q.bits, encodeTable(q, x[i], s));
  }
  return { words, scales };
}

export function dequantizeBlockwise(p: Packed, n: number, q: TableQuantizer, blockSize: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = decodeTable(q, getCode(p.words, i, q.bits), p.scales[Math.floor(i / blockSize)]);
  return out;
}

// ---- rank-1 normalization (Li et al. 2023, section 4.2) ---------------------------------------------------
//
// For a tensor of rank >= 2 (row-major), each axis k keeps one f32 per index along it: the absmax over
// every other axis, `axisMax_k[i_k] = max |x[i_0, …, i_k, …]|`, flushed to 0 below MIN_SCALE like a block
// scale. Element (i_0, …, i_{d-1}) is quantized with `min_k axisMax_k[i_k]`. Every axis maximum bounds
// |x|, and the smallest adapts to outliers confined to a row, a column, or any other slice. For a matrix
// this is min(row absmax, column absmax). The paper's code (thu-ml/low-bit-optimizers, `get_sm3_statistics`
// and `_compute_sm3_scale_tensor`) defines exactly this for every rank >= 2; tensors of rank 0 and 1 use
// blocks of 128 there (`FORMATS.q4u` falls back to `quantizeBlockwise`). Storage is sum(shape) f32 scales,
// `scales = [axisMax_0..., axisMax_1..., …]`. Codes are packed exactly as for blocks, in row-major order.

/** Where axis k's maxima start in `scales`, and the row-major stride of that axis. */
function rank1Axes(shape: readonly number[]): { dim: number; stride: number; base: number }[] {
  let stride = shape.reduce((a, b) => a * b, 1), base = 0;
  return shape.map((dim) => {
    stride = dim ? stride / dim : 0;
    const ax = { dim, stride, base };
    base += dim;
    return ax;
  });
}

/**
 * How a q4u tensor stored with rank-1 normalization finds its scales, as axes over the flat element index
 * e: along axis k, element e reads `scales[base + floor(e / stride) % dim]`, and its scale is the min over
 * the axes. Rank >= 2: one axis per dimension. Rank 0 and 1 (the paper's block-wise fallback): one axis of
 * `ceil(n / block)` blocks with stride `block`. The scale count is the sum of the dims.
 */
export function rank1Layout(shape: readonly number[], block: number): { dim: number; stride: number; base: number }[] {
  if (shape.length >= 2) return rank1Axes(shape);
  return [{ dim: blockCount(shape.reduce((a, b) => a * b, 1), block), stride: block, base: 0 }];
}

function checkRank1(x: Float32Array | number, shape: readonly number[]): void {
  const n = typeof x === 'number' ? x : x.length;
  if (shape.length < 2) throw new Error(`rank-1: needs a tensor of rank >= 2, got shape [${shape.join(', ')}] (rank 0 and 1 are block-wise)`);
  if (shape.reduce((a, b) => a * b, 1) !== n) throw new Error(`rank-1: shape [${shape.join(', ')}] does not match ${n} elements`);
}

/** The scale of element e: min over the axes of its (flushed) maxima. */
export function rank1Scale(scales: Float32Array, shape: readonly number[], e: number): number {
  let s = Infinity;
  for (const ax of rank1Axes(shape)) s = Math.min(s, scales[ax.base + (Math.floor(e / ax.stride) % ax.dim)]!);
  return s;
}

export function quantizeRank1(x: Float32Array, shape: readonly number[], q: TableQuantizer): Packed {
  checkRank1(x, shape);
  const axes = rank1Axes(shape);
  const scales = new Float32Array(shape.reduce((a, b) => a + b, 0));
  for (let e = 0; e < x.length; e++) {
    const a = Math.abs(x[e]!);
    for (const ax of axes) {
      const k = ax.base + (Math.floor(e / ax.stride) % ax.dim);
      scales[k] = Math.max(scales[k]!, a);
    }
  }
  for (let k = 0; k < scales.length; k++) scales[k] = blockScale(scales[k]!);
  const words = new Uint32Array(wordCount(x.length, q.bits));
  for (let e = 0; e < x.length; e++) setCode(words, e, q.bits, encodeTable(q, x[e]!, rank1Scale(scales, shape, e)));
  return { words, scales };
}

export function dequantizeRank1(p: Packed, shape: readonly number[], q: TableQuantizer): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  checkRank1(n, shape);
  const out = new Float32Array(n);
  for (let e = 0; e < n; e++) out[e] = decodeTable(q, getCode(p.words, e, q.bits), rank1Scale(p.scales, shape, e));
  return out;
}
