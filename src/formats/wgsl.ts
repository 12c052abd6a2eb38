// WGSL source for every state format: the same numerics as the CPU definitions (blockwise.ts, minifloat.ts),
// statement for statement, as declarations a fused kernel includes. Every declaration is prefixed with the
// format's name. docs/formats.md lists the API; test/formats-gpu.test.ts runs it against the CPU on Dawn.
//
import { MIN_SCALE, type TableQuantizer } from './blockwise.js';
import { f32Bits, maxFinite, type MiniSpec } from './minifloat.js';

/**
 * An exact WGSL f32 literal. Decimal literals go through AbstractFloat, whose conversion to f32 WGSL leaves
 * free to round either way when the value is not representable; a hex-float literal is the value itself.
 */
export function wgslF32(x: number): string {
  const bits = f32Bits(x);
  const sign = bits >>> 31 ? '-' : '';
  const exp = (bits >>> 23) & 0xff;
  const man = bits & 0x7fffff;
  if (exp === 0xff) throw new Error(`wgslF32: ${x} has no WGSL literal`);
  if (exp === 0 && man === 0) return `${sign}0.0f`;
  // Subnormals are written as 0x0.mmmmmm p-126; normals as 0x1.mmmmmm p(e-127). 23 bits + 1 → 6 hex digits.
  const lead = exp === 0 ? 0 : 1;
  const e = exp === 0 ? -126 : exp - 127;
  const hex = (man << 1).toString(16).padStart(6, '0').replace(/0+$/, '') || '0';
  return `${sign}0x${lead}.${hex}p${e}f`;
}

/** `0x…u` */
export function wgslU32(x: number): string { return `0x${(x >>> 0).toString(16)}u`; }

// ---- table formats: q8, q8u, q4, q4u ----------------------------------------------------------------------
//
// Generated API, for a format named P (codes per u32 word: P_LANES; code width: P_BITS):
//   fn P_scale(absmax: f32) -> f32               the f32 stored per block: absmax, or 0 below MIN_SCALE
//   fn P_encoder(absmax: f32) -> f32             what P_encode takes (for tables: the same scale)
//   fn P_encode(x: f32, enc: f32) -> u32          the code, in the low P_BITS bits
//   fn P_decode(word: u32, lane: u32, scale: f32) -> f32
//   fn P_pack(word: u32, lane: u32, code: u32) -> u32   ORs code into its lane (lanes start out 0)
// Rank-1 storage (q4u) adds `fn P_rank1_scale(row_max: f32, col_max: f32) -> f32`.
//
// The table and its midpoints are `const` arrays with exact hex-float literals. The search is unrolled into
// log2(N) `select`s: no branches, and no data-dependent loop trip count.

function constArray(name: string, values: Float32Array): string {
  const items: string[] = [];
  for (let i = 0; i < values.length; i += 4) {
    items.push('  ' + Array.from(values.slice(i, i + 4), wgslF32).join(', ') + ',');
  }
  return `const ${name} = array<f32, ${values.length}>(\n${items.join('\n')}\n);`;
}

/** Pivot compares that replace the first log2(PIVOT_GROUPS) table reads of the encoder's search (16 timed best of 1, 16, 32, 64). */
export const PIVOT_GROUPS = 16;

export interface TableWgslOptions {
  /** Also emit `P_rank1_scale` (q4u stored with rank-1 normalization). */
  rank1?: boolean;
  /**
   * 'const' (default): declare P_TABLE and P_MIDS as `const` arrays. 'external': leave them to the kernel,
   * which declares `P_TABLE: array<f32, N>` and `P_MIDS: array<f32, N-1>` itself (workgroup memory filled
   * once per workgroup, or a storage buffer) with the values of `table` and `tableMidpoints(table)`.
   * Drivers may copy a dynamically indexed `const` array into every invocation.
   */
  tables?: 'const' | 'external';
}

/** WGSL declarations of one table format; `prefix` names every declaration (`q8` → `q8_encode`, …). */
export function tableFormatWgsl(prefix: string, q: TableQuantizer, opts: TableWgslOptions = {}): string {
  const p = prefix;
  const n = q.table.length;
  const mask = `0x${((1 << q.bits) - 1).toString(16)}u`;
  // The top levels of the binary search count pivots instead: how many of TABLE[G], TABLE[2G], … (inlined
  // constants) have a product <= x. Products of an increasing table with enc >= 0 never decrease, so the
  // pivots that pass form a prefix and the count is the search's own answer; the compares need no memory
  // (table reads are gathers, which dominated the encoder on lavapipe).
  const groups = Math.min(n, PIVOT_GROUPS);
  const g = n / groups;
  const search: string[] = [];
  if (groups > 1) {
    const pivots = Array.from({ length: groups - 1 }, (_, m) => `select(0u, ${g}u, ${wgslF32(q.table[(m + 1) * g]!)} * enc <= x)`);
    search.push(`  lo = ${pivots.join(' +\n    ')};`);
  }
  for (let step = g >> 1; step > 0; step >>= 1) {
    search.push(`  lo = select(lo, lo + ${step}u, ${p}_TABLE[lo + ${step}u] * enc <= x);`);
  }
  return `// ---- ${p}: ${q.bits}-bit table codes, ${32 / q.bits} per u32 word, one f32 scale per block ----
const ${p}_BITS = ${q.bits}u;
const ${p}_LANES = ${32 / q.bits}u;
${opts.tables === 'external'
    ? `// ${p}_TABLE (array<f32, ${n}>) and ${p}_MIDS (array<f32, ${n - 1}>) are declared by the including kernel.`
    : `${constArray(`${p}_TABLE`, q.table)}
// f32(f32(t[k] + t[k+1]) * 0.5): the decision threshold between codes k and k+1.
${constArray(`${p}_MIDS`, q.mids)}`}

fn ${p}_scale(absmax: f32) -> f32 {
  // Tiny blocks store 0 so that every product below stays a normal f32 (GPUs may flush subnormals).
  return select(absmax, 0.0, absmax < ${wgslF32(MIN_SCALE)});
}

fn ${p}_encoder(absmax: f32) -> f32 { return ${p}_scale(absmax); }

fn ${p}_encode(x: f32, enc: f32) -> u32 {
  // Largest lo with f32(TABLE[lo] * enc) <= x: no division, only correctly rounded products and compares.
  var lo = 0u;
${search.join('\n')}
  // Nearest of TABLE[lo] and TABLE[lo + 1]; x exactly on the midpoint product keeps the lower code.
  let up = lo < ${n - 1}u && x > ${p}_MIDS[min(lo, ${n - 2}u)] * enc;
  return select(select(lo, lo + 1u, up), ${q.zero}u, enc == 0.0);
}

fn ${p}_decode(word: u32, lane: u32, scale: f32) -> f32 {
  return ${p}_TABLE[(word >> (lane * ${p}_BITS)) & ${mask}] * scale;
}

fn ${p}_pack(word: u32, lane: u32, code: u32) -> u32 { return word | (code << (lane * ${p}_BITS)); }
${opts.rank1 ? `
// Rank-1 normalization: element (i, j) of a matrix is scaled by min(absmax of row i, absmax of column j),
// each stored through ${p}_scale.
fn ${p}_rank1_scale(row_max: f32, col_max: f32) -> f32 { return min(row_max, col_max); }
` : ''}`;
}

// ---- floating-point formats: f32, f16, bf16, FP8 ----------------------------------------------------------
//
// Integer code, mirroring minifloat.ts line for line. f16 and bf16 pack two per word with optional
// stochastic rounding; FP8 has a block scale.
//
// Generated API, for a format named P:
//   unscaled (f32, f16, bf16):
//     fn P_encode(x: f32) -> u32                 round to nearest even
//     fn P_encode_sr(x: f32, rand: u32) -> u32   stochastic: add rand's low dropped bits, truncate
//     fn P_decode(word: u32, lane: u32) -> f32
//     fn P_pack(word: u32, lane: u32, code: u32) -> u32
//   block-scaled FP8: the same five functions as the table formats (above), plus
//     fn P_from_f32(x: f32) -> u32, fn P_to_f32(code: u32) -> f32   the plain (unscaled) conversions.

/**
 * Correctly rounded a / b for positive normal a, b with a normal quotient. WGSL's `/` is only accurate to
 * 2.5 ulp, and block scales must match the CPU's f32 division bit for bit: restoring long division on the
 * 24-bit significands, 25 quotient bits (24 + guard), the remainder as sticky bit, round to nearest even.
 */
export const DIV_RN_WGSL = `fn optc_div_rn(a: f32, b: f32) -> f32 {
  let ua = bitcast<u32>(a);
  let ub = bitcast<u32>(b);
  var ma = (ua & 0x7fffffu) | 0x800000u;
  let mb = (ub & 0x7fffffu) | 0x800000u;
  var e = i32(ua >> 23u) - i32(ub >> 23u) + 127;
  if (ma < mb) { ma = ma << 1u; e = e - 1; } // now 1 <= ma / mb < 2
  var q = 0u;
  var r = ma;
  for (var i = 0u; i < 25u; i = i + 1u) {
    q = q << 1u;
    if (r >= mb) { r = r - mb; q = q | 1u; }
    r = r << 1u;
  }
  var m = q >> 1u;
  if ((q & 1u) == 1u && (r != 0u || (m & 1u) == 1u)) { m = m + 1u; }
  if (m == 0x1000000u) { m = m >> 1u; e = e + 1; } // rounded up to 2.0
  return bitcast<f32>((u32(e) << 23u) | (m & 0x7fffffu));
}
`;

/** `P_round(x, rand, sr)`: f32 → the format's bits, the body of encodeMini. */
function miniRoundWgsl(p: string, s: MiniSpec): string {
  const M = s.manBits;
  const signShift = s.expBits + s.manBits;
  const overflow = s.infCode ?? s.maxCode;
  return `fn ${p}_round(x: f32, rand: u32, sr: bool) -> u32 {
  let bits = bitcast<u32>(x);
  let sign = (bits >> 31u) << ${signShift}u;
  let a = bits & 0x7fffffffu;
  if (a > 0x7f800000u) { return sign | ${wgslU32(s.nanCode)}; }
  let e = a >> 23u;
  var mag = 0u;
  if (e + ${s.bias}u >= 128u) {
    // Normal result: round the magnitude at bit ${23 - M} (a mantissa carry bumps the exponent), rebias.
    let inc = select(${wgslU32((1 << (22 - M)) - 1)} + ((a >> ${23 - M}u) & 1u), rand & ${wgslU32((1 << (23 - M)) - 1)}, sr);
    mag = ((a + inc) >> ${23 - M}u) - ${wgslU32((127 - s.bias) << M)};
  } else {
    // Subnormal result: the significand in units of the smallest subnormal, 2^${1 - s.bias - M}.
    let m = select((a & 0x7fffffu) | 0x800000u, a & 0x7fffffu, e == 0u);
    let sh = ${151 - s.bias - M}u - max(e, 1u);
    if (sh <= select(24u, 31u, sr)) {
      let inc = select(((1u << (sh - 1u)) - 1u) + ((m >> sh) & 1u), rand & ((1u << sh) - 1u), sr);
      mag = (m + inc) >> sh;
    }
  }
  if (mag > ${wgslU32(s.maxCode)}) { mag = ${wgslU32(overflow)}; } // ${s.infCode === undefined ? 'saturate' : 'IEEE overflow to Inf'}
  return sign | mag;
}`;
}

/** `P_to_f32(code)`: the format's bits → f32, exactly. */
function miniDecodeWgsl(p: string, s: MiniSpec): string {
  const M = s.manBits;
  const signShift = s.expBits + s.manBits;
  const magMask = (1 << signShift) - 1;
  const eMax = (1 << s.expBits) - 1;
  // IEEE-like formats (f16, E5M2) reserve the top exponent for Inf and NaN, which widen to f32's;
  // E4M3 has no Inf and a single NaN magnitude, S.1111.111.
  const ieee = s.isInf(eMax << M);
  const special = ieee
    ? `if (e == ${eMax}u) { return bitcast<f32>(sign | 0x7f800000u | (m << ${23 - M}u)); }`
    : `if (mag == ${wgslU32(magMask)}) { return bitcast<f32>(sign | 0x7fc00000u); }`;
  return `fn ${p}_to_f32(code: u32) -> f32 {
  let sign = ((code >> ${signShift}u) & 1u) << 31u;
  let mag = code & ${wgslU32(magMask)};
  let e = mag >> ${M}u;
  let m = mag & ${wgslU32((1 << M) - 1)};
  ${special}
  if (e == 0u) { return bitcast<f32>(sign | bitcast<u32>(f32(m) * ${wgslF32(2 ** (1 - s.bias - M))})); }
  return bitcast<f32>(sign | ((e + ${127 - s.bias}u) << 23u) | (m << ${23 - M}u));
}`;
}

function packFn(p: string, bits: number): string {
  return `fn ${p}_pack(word: u32, lane: u32, code: u32) -> u32 { return word | (code << (lane * ${bits}u)); }`;
}

/** FP8 with one f32 scale per block: scale = absmax / fmax, element code = fp8(x * (fmax / absmax)). */
export function fp8FormatWgsl(p: string, s: MiniSpec): string {
  const fmax = wgslF32(maxFinite(s));
  return `// ---- ${p}: FP8 (${s.expBits} exponent, ${s.manBits} mantissa bits), 4 per u32 word, one f32 scale per block ----
const ${p}_BITS = 8u;
const ${p}_LANES = 4u;
const ${p}_MAX = ${fmax};
${miniRoundWgsl(p, s)}
${miniDecodeWgsl(p, s)}
fn ${p}_from_f32(x: f32) -> u32 { return ${p}_round(x, 0u, false); }
fn ${p}_scale(absmax: f32) -> f32 {
  if (absmax < ${wgslF32(MIN_SCALE)}) { return 0.0; }
  return optc_div_rn(absmax, ${p}_MAX);
}
fn ${p}_encoder(absmax: f32) -> f32 {
  if (absmax < ${wgslF32(MIN_SCALE)}) { return 0.0; }
  return optc_div_rn(${p}_MAX, absmax);
}
// The absmax element may land one rounding step above MAX after the product; encoding saturates it.
fn ${p}_encode(x: f32, enc: f32) -> u32 { return ${p}_round(x * enc, 0u, false); }
fn ${p}_decode(word: u32, lane: u32, scale: f32) -> f32 { return ${p}_to_f32((word >> (lane * 8u)) & 0xffu) * scale; }
${packFn(p, 8)}
`;
}

/** IEEE f16, two per word. */
export function f16FormatWgsl(p: string, s: MiniSpec): string {
  return `// ---- ${p}: IEEE binary16, 2 per u32 word (element 2k in the low half) ----
const ${p}_BITS = 16u;
const ${p}_LANES = 2u;
${miniRoundWgsl(p, s)}
${miniDecodeWgsl(p, s)}
fn ${p}_encode(x: f32) -> u32 { return ${p}_round(x, 0u, false); }
fn ${p}_encode_sr(x: f32, rand: u32) -> u32 { return ${p}_round(x, rand, true); }
fn ${p}_decode(word: u32, lane: u32) -> f32 { return ${p}_to_f32((word >> (lane * 16u)) & 0xffffu); }
${packFn(p, 16)}
`;
}

/** bf16 = the top half of an f32, two per word. */
export function bf16FormatWgsl(p: string): string {
  return `// ---- ${p}: bfloat16 (the top 16 bits of an f32), 2 per u32 word (element 2k in the low half) ----
const ${p}_BITS = 16u;
const ${p}_LANES = 2u;
fn ${p}_encode(x: f32) -> u32 {
  let b = bitcast<u32>(x);
  if ((b & 0x7fffffffu) > 0x7f800000u) { return (b >> 16u) | 0x40u; } // quiet NaN, sign kept
  return (b + 0x7fffu + ((b >> 16u) & 1u)) >> 16u; // a carry into the exponent is the next value (or Inf)
}
fn ${p}_encode_sr(x: f32, rand: u32) -> u32 {
  let b = bitcast<u32>(x);
  if ((b & 0x7fffffffu) > 0x7f800000u) { return (b >> 16u) | 0x40u; }
  return (b + (rand & 0xffffu)) >> 16u;
}
fn ${p}_decode(word: u32, lane: u32) -> f32 { return bitcast<f32>(((word >> (lane * 16u)) & 0xffffu) << 16u); }
${packFn(p, 16)}
`;
}

/** f32 itself, with the same function names so a kernel can treat every format alike. */
export function f32FormatWgsl(p: string): string {
  return `// ---- ${p}: plain f32, one per word ----
const ${p}_BITS = 32u;
const ${p}_LANES = 1u;
fn ${p}_encode(x: f32) -> u32 { return bitcast<u32>(x); }
fn ${p}_encode_sr(x: f32, rand: u32) -> u32 { return bitcast<u32>(x); }
fn ${p}_decode(word: u32, lane: u32) -> f32 { return bitcast<f32>(word); }
fn ${p}_pack(word: u32, lane: u32, code: u32) -> u32 { return code; }
`;
}
