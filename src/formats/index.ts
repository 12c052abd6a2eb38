// State storage formats: the registry the compiler, the interpreter, `optc formats --json` and the runtime
// share. Each entry carries its exact CPU definition (encode/decode on Float32Array), its storage size and
// the WGSL that implements the same numerics in a kernel. Definitions and citations: docs/formats.md.
//
//   const fmt = FORMATS.q8;
//   const packed = fmt.encode(m);                       // { words: Uint32Array, scales: Float32Array }
//   const back = fmt.decode(packed, m.length);          // table[code] * scale
//   fmt.bytes(m.length);                                // device bytes: words + scales
//   wgslLibrary(['q8', 'q8u'])                           // WGSL declarations for a fused kernel
import {
  dequantizeBlockwise, dequantizeRank1, quantizeBlockwise, quantizeRank1, tableQuantizer, wordCount, blockCount,
  type Packed, type TableQuantizer,
} from './blockwise.js';
import {
  E4M3, E5M2, F16, bitsF32, dequantizeFp8Blockwise, f32Bits, packHalves, quantizeFp8Blockwise, unpackHalves,
} from './minifloat.js';
import { Q4U_TABLE, Q4_TABLE, Q8U_TABLE, Q8_TABLE } from './tables.js';
import { DIV_RN_WGSL, bf16FormatWgsl, f16FormatWgsl, f32FormatWgsl, fp8FormatWgsl, tableFormatWgsl } from './wgsl.js';

export type FormatName = 'f32' | 'f16' | 'bf16' | 'q8' | 'q8u' | 'q4' | 'q4u' | 'fp8e4m3' | 'fp8e5m2';
export const FORMAT_NAMES: readonly FormatName[] =
  ['f32', 'f16', 'bf16', 'q8', 'q8u', 'q4', 'q4u', 'fp8e4m3', 'fp8e5m2'];

/** How one tensor is stored. blockSize and rank1 change the layout and the WGSL (cache key); rand is data. */
export interface StoreOptions {
  /** Elements per scale block (scaled formats); defaults to the format's `blockSize`. */
  blockSize?: number;
  /**
   * q4u only: rank-1 normalization for a tensor of this shape (docs/formats.md): rank >= 2 is scaled by the
   * min over its axes of the absmax across the other axes (a matrix: min(row absmax, column absmax)); rank
   * 0 and 1 fall back to blocks of `blockSize`, as in the paper.
   */
  rank1?: { shape: readonly number[] };
  /** f16/bf16 only: stochastic rounding, `rand(i)` = element i's uniform u32. Round to nearest even without. */
  rand?: (i: number) => number;
}

export type FormatKind = 'float' | 'table' | 'fp8';

export interface WgslOptions {
  /** Table formats: 'external' leaves `P_TABLE`/`P_MIDS` for the kernel to declare (see wgsl.ts). */
  tables?: 'const' | 'external';
}

export interface FormatInfo {
  name: FormatName;
  kind: FormatKind;
  summary: string;
  /** Bits of one element's code (scales excluded). */
  bitsPerElement: number;
  /** Whether negative values are representable (q8u and q4u assume v >= 0). */
  signed: boolean;
  /** Default elements per f32 scale; absent for unscaled formats. */
  blockSize?: number;
  /** Sorted code table (table formats). */
  table?: Float32Array;
  /** The quantizer's thresholds `f32(f32(table[k] + table[k+1]) * 0.5)` (table formats). */
  midpoints?: Float32Array;
  stochasticRounding: boolean;
  rank1: boolean;
  /** Device bytes for n elements: packed u32 words plus f32 scales. */
  bytes(n: number, opts?: StoreOptions): number;
  /** bytes(n) / n. */
  bytesPerElement(n: number, opts?: StoreOptions): number;
  encode(x: Float32Array, opts?: StoreOptions): Packed;
  decode(p: Packed, n: number, opts?: StoreOptions): Float32Array;
  /** WGSL declarations, every name prefixed with the format's name (see wgsl.ts). */
  wgsl(opts?: WgslOptions): string;
  /** Whether wgsl() calls `optc_div_rn` (wgslLibrary adds it once). */
  needsDivRn: boolean;
  cite: string;
}

const DETTMERS =
  'Dettmers et al. 2022, "8-bit Optimizers via Block-wise Quantization" (ICLR), bitsandbytes create_dynamic_map';
const LI = 'Li et al. 2023, "Memory Efficient Optimizers with 4-bit States" (NeurIPS)';
const OCP = 'OCP 8-bit Floating Point Specification (OFP8) rev. 1.0, 2023';

type FormatSpec = Partial<FormatInfo> & Pick<FormatInfo, 'kind' | 'summary' | 'signed' | 'encode' | 'decode' | 'wgsl' | 'cite'>;

function common(name: FormatName, bits: number, opts: FormatSpec): FormatInfo {
  const scaleCount = (n: number, o?: StoreOptions) => (o?.rank1 && o.rank1.shape.length >= 2
    ? o.rank1.shape.reduce((a, b) => a + b, 0)
    : info.blockSize ? blockCount(n, o?.blockSize ?? info.blockSize) : 0);
  const info: FormatInfo = {
    name, bitsPerElement: bits, stochasticRounding: false, rank1: false, needsDivRn: false,
    bytes: (n, o) => 4 * wordCount(n, bits) + 4 * scaleCount(n, o),
    bytesPerElement: (n, o) => (n === 0 ? 0 : info.bytes(n, o) / n),
    ...opts,
  };
  return info;
}

interface TableFormatSpec { q: TableQuantizer; blockSize: number; summary: string; signed: boolean; cite: string; rank1?: boolean }

function tableFormat(name: FormatName, { q, blockSize, summary, signed, cite, rank1 = false }: TableFormatSpec): FormatInfo {
  return common(name, q.bits, {
    kind: 'table', summary, signed, blockSize, table: q.table, midpoints: q.mids, rank1, cite,
    encode: (x, o) => {
      if (o?.rank1 && !rank1) throw new Error(`format '${name}' has no rank-1 normalization (only q4u does)`);
      // Rank 0 and 1 are block-wise under rank-1 normalization too (the paper's blocks of 128).
      if (o?.rank1 && o.rank1.shape.length >= 2) return quantizeRank1(x, o.rank1.shape, q);
      return quantizeBlockwise(x, q, o?.blockSize ?? blockSize);
    },
    decode: (p, n, o) => (o?.rank1 && o.rank1.shape.length >= 2
      ? dequantizeRank1(p, o.rank1.shape, q)
      : dequantizeBlockwise(p, n, q, o?.blockSize ?? blockSize)),
    wgsl: (w) => tableFormatWgsl(name, q, { rank1, tables: w?.tables }),
  });
}

const noScales = new Float32Array(0);

export const FORMATS: Readonly<Record<FormatName, FormatInfo>> = {
  f32: common('f32', 32, {
    kind: 'float', summary: 'IEEE binary32, stored as is', signed: true, cite: 'IEEE 754-2019',
    encode: (x) => ({ words: Uint32Array.from(x, f32Bits), scales: noScales }),
    decode: (p, n) => Float32Array.from(p.words.subarray(0, n), bitsF32),
    wgsl: () => f32FormatWgsl('f32'),
  }),
  f16: common('f16', 16, {
    kind: 'float', summary: 'IEEE binary16, round to nearest even or stochastic', signed: true, stochasticRounding: true,
    cite: 'IEEE 754-2019',
    encode: (x, o) => ({ words: packHalves(x, 'f16', o?.rand), scales: noScales }),
    decode: (p, n) => unpackHalves(p.words, n, 'f16'),
    wgsl: () => f16FormatWgsl('f16', F16),
  }),
  bf16: common('bf16', 16, {
    kind: 'float', summary: 'bfloat16 (top half of an f32), round to nearest even or stochastic', signed: true,
    stochasticRounding: true, cite: 'Kalamkar et al. 2019, "A Study of BFLOAT16 for Deep Learning Training"',
    encode: (x, o) => ({ words: packHalves(x, 'bf16', o?.rand), scales: noScales }),
    decode: (p, n) => unpackHalves(p.words, n, 'bf16'),
    wgsl: () => bf16FormatWgsl('bf16'),
  }),
  q8: tableFormat('q8', {
    q: tableQuantizer(Q8_TABLE, 8), blockSize: 256, signed: true, cite: DETTMERS,
    summary: 'signed 8-bit dynamic map, block-wise absmax (first moments)',
  }),
  q8u: tableFormat('q8u', {
    q: tableQuantizer(Q8U_TABLE, 8), blockSize: 256, signed: false, cite: DETTMERS,
    summary: 'unsigned 8-bit dynamic map, block-wise absmax (second moments)',
  }),
  q4: tableFormat('q4', {
    q: tableQuantizer(Q4_TABLE, 4), blockSize: 128, signed: true, cite: LI,
    summary: 'signed 4-bit dynamic-exponent map, block-wise absmax (first moments)',
  }),
  q4u: tableFormat('q4u', {
    q: tableQuantizer(Q4U_TABLE, 4), blockSize: 128, signed: false, cite: LI, rank1: true,
    summary: '4-bit linear map without zero, block-wise or rank-1 (second moments)',
  }),
  fp8e4m3: fp8Format('fp8e4m3', E4M3, 'FP8 E4M3 (max 448), block scale absmax/448'),
  fp8e5m2: fp8Format('fp8e5m2', E5M2, 'FP8 E5M2 (max 57344), block scale absmax/57344'),
};

function fp8Format(name: FormatName, spec: typeof E4M3, summary: string): FormatInfo {
  const blockSize = 256;
  return common(name, 8, {
    kind: 'fp8', summary, signed: true, blockSize, needsDivRn: true, cite: OCP,
    encode: (x, o) => quantizeFp8Blockwise(x, spec, o?.blockSize ?? blockSize),
    decode: (p, n, o) => dequantizeFp8Blockwise(p, n, spec, o?.blockSize ?? blockSize),
    wgsl: () => fp8FormatWgsl(name, spec),
  });
}

export function isFormatName(s: string): s is FormatName { return (FORMAT_NAMES as readonly string[]).includes(s); }

/** WGSL declarations for every named format, shared helpers included once. */
export function wgslLibrary(names: readonly FormatName[], opts?: WgslOptions): string {
  const unique = [...new Set(names)];
  const parts = unique.map((n) => FORMATS[n].wgsl(opts));
  if (unique.some((n) => FORMATS[n].needsDivRn)) parts.unshift(DIV_RN_WGSL);
  return parts.join('\n');
}

/**
 * A declared storage format: a name, for scaled formats the elements per scale, and for q4u whether it
 * uses rank-1 normalization (then its scales depend on the tensor's shape, which the functions below take;
 * default `[n]`, which is block-wise).
 */
export interface DeclaredFormat { kind: FormatName; block?: number; rank1?: boolean }

const specOptions = (f: DeclaredFormat, shape: readonly number[]): StoreOptions =>
  ({ ...(f.block ? { blockSize: f.block } : {}), ...(f.rank1 ? { rank1: { shape } } : {}) });

/**
 * Encodes a tensor in a declared format (the quantizer the fused kernel runs too). `shape` matters to
 * rank-1 storage only. `rand(i)` is element i's u32 for stochastic rounding (f16/bf16); without it, round
 * to nearest even.
 */
export function encodeAs(f: DeclaredFormat, x: Float32Array, shape: readonly number[] = [x.length], rand?: (i: number) => number): Packed {
  return FORMATS[f.kind].encode(x, rand ? { ...specOptions(f, shape), rand } : specOptions(f, shape));
}

export function decodeAs(f: DeclaredFormat, p: Packed, n: number, shape: readonly number[] = [n]): Float32Array {
  return FORMATS[f.kind].decode(p, n, specOptions(f, shape));
}

/** Device bytes of `n` elements stored in a declared format. */
export function bytesAs(f: DeclaredFormat, n: number, shape: readonly number[] = [n]): number {
  return FORMATS[f.kind].bytes(n, specOptions(f, shape));
}

/** How many f32 scales a tensor of `shape` has in a declared format (0 for unscaled formats). */
export function scaleCountAs(f: DeclaredFormat, shape: readonly number[]): number {
  const n = shape.reduce((a, b) => a * b, 1);
  return (bytesAs(f, n, shape) - 4 * wordCount(n, FORMATS[f.kind].bitsPerElement)) / 4;
}

/** Plain data for `optc formats --json`: sizes, block sizes and code tables. */
export function formatsJson(): object[] {
  return FORMAT_NAMES.map((n) => {
    const f = FORMATS[n];
    return {
      name: f.name, kind: f.kind, summary: f.summary, bitsPerElement: f.bitsPerElement, signed: f.signed,
      blockSize: f.blockSize ?? null, scaleBytesPerBlock: f.blockSize ? 4 : 0,
      // Large-tensor limit: code bits plus one f32 per block.
      bytesPerElement: f.bitsPerElement / 8 + (f.blockSize ? 4 / f.blockSize : 0),
      stochasticRounding: f.stochasticRounding, rank1: f.rank1,
      table: f.table ? Array.from(f.table) : null, cite: f.cite,
    };
  });
}

export { checkBlockSize, rank1Layout, type Packed } from './blockwise.js';
export * as blockwise from './blockwise.js';
export * as minifloat from './minifloat.js';
export * as tables from './tables.js';
export { wgslF32 } from './wgsl.js';
