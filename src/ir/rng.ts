// Counter-based random numbers: a pure function of (stream, tensor, element, draw), with no state to carry
// between steps or to store. MeZO regenerates its perturbation z from the same stream on every call instead
// of keeping it (z costs no memory), and the numbers do not depend on how tensors are packed into chunks,
// on the vector width or on the workgroup size: the element index is the index within its tensor.
//
// The hash is three rounds of murmur3's 32-bit finalizer (`fmix32`), keyed by the stream, the tensor id and
// the element index. Only 32-bit wrapping multiplies, xors and shifts: `Math.imul` here and u32 arithmetic
// in WGSL (`RNG_WGSL`) give the same bits. Turning bits into numbers:
//   uniform     ((h >> 9) + 0.5) * 2^-23   in (0, 1), exact in f32 (a 23-bit integer plus one half)
//   rademacher  +1 or -1 from the top bit (exact)
//   normal      Box–Muller on two uniforms: -sqrt(-2 ln u1) * cos(2π (u2 - 1/2)) (= sqrt(-2 ln u1) cos(2π u2),
//               with the angle in (-π, π) where WGSL's cos is accurate), each op rounded to f32 as the
//               kernel rounds it; WGSL's log/cos may differ from correctly rounded by a few ulp, so normals
//               agree with the interpreter to ulps rather than bits.
// Stochastic rounding of a store into an f16/bf16 tensor (`srBits`) draws raw bits from `rngU32` /
// `optc_rng_u32` with its own draw numbers, so it never repeats a `rand` draw of the same stream.

const M1 = 0x85ebca6b, M2 = 0xc2b2ae35;
const K_STREAM = 0x9e3779b9, K_TENSOR = 0x7feb352d, K_DRAW = 0x68e31da4;

/** murmur3's 32-bit finalizer: a bijection on u32 with full avalanche. */
export function fmix32(h0: number): number {
  let h = h0 >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, M1) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, M2) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** 32 random bits for draw `draw` (0 or 1) of element `index` of tensor `tensor` in stream `stream`. */
export function rngU32(stream: number, tensor: number, index: number, draw = 0): number {
  let h = fmix32((stream ^ K_STREAM) >>> 0);
  h = fmix32((h ^ Math.imul(tensor + 1, K_TENSOR) ^ Math.imul(draw + 1, K_DRAW)) >>> 0);
  return fmix32((h + index) >>> 0);
}

/**
 * The draw number of stochastic rounding into store target `target` ('p' or a state's name):
 * 2 + fnv1a32(target) mod (2^32 - 2). Draws 0 and 1 belong to `rand`; keying by the name (not a position)
 * keeps the bits of a state when passes drop another one.
 */
export function srDraw(target: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < target.length; i++) h = Math.imul(h ^ target.charCodeAt(i), 0x01000193) >>> 0;
  return 2 + (h % 0xfffffffe);
}

/**
 * The u32 that stochastically rounds element `index` (within its tensor) of tensor `tensor` when step `t`
 * stores into `target`: `rngU32(t, tensor, index, srDraw(target))`. A new stream every step, independent
 * bits for p and each state, and nothing that depends on how tensors are packed into chunks.
 */
export function srBits(t: number, tensor: number, index: number, target: string): number {
  return rngU32(streamKey(t), tensor, index, srDraw(target));
}

const f = Math.fround;
const TWO_PI_F32 = f(2 * Math.PI);

/** Uniform in (0, 1) from 32 bits: exact in f32. */
export function bitsToUniform(h: number): number { return ((h >>> 9) + 0.5) * 2 ** -23; }

/** The stream operand as the kernel reads it: a step value converted to u32 (truncated, clamped, NaN -> 0). */
export function streamKey(x: number): number {
  if (!(x > 0)) return 0;
  return x >= 4294967295 ? 4294967295 : Math.trunc(x) >>> 0;
}

/** One f32 number of the distribution `dist`, exactly as the WGSL twin computes it (up to its log/cos). */
export function randValue(dist: string, stream: number, tensor: number, index: number): number {
  const h = rngU32(stream, tensor, index, 0);
  switch (dist) {
    case 'uniform': return bitsToUniform(h);
    case 'rademacher': return h >>> 31 ? 1 : -1;
    case 'normal': {
      const u1 = bitsToUniform(h), u2 = bitsToUniform(rngU32(stream, tensor, index, 1));
      // cos(2 pi u2) = -cos(2 pi (u2 - 1/2)): the argument stays in (-pi, pi), where WGSL's cos is accurate.
      const r = f(Math.sqrt(f(-2 * f(Math.log(u1)))));
      return f(-r * f(Math.cos(f(TWO_PI_F32 * (u2 - 0.5)))));
    }
    default: throw new Error(`randValue: unknown distribution '${dist}'`);
  }
}

/**
 * The WGSL twin: `optc_rng_u32(stream, tensor, index, draw)` and one function per distribution taking
 * (stream, tensor, index). `-2.0 * log(u1)` is exact in f32 times 2, so only log, sqrt and cos round.
 */
export const RNG_WGSL = `fn optc_fmix32(h0: u32) -> u32 {
  var h = h0;
  h = h ^ (h >> 16u);
  h = h * 0x${M1.toString(16)}u;
  h = h ^ (h >> 13u);
  h = h * 0x${M2.toString(16)}u;
  h = h ^ (h >> 16u);
  return h;
}
fn optc_rng_u32(stream: u32, tensor: u32, index: u32, draw: u32) -> u32 {
  var h = optc_fmix32(stream ^ 0x${K_STREAM.toString(16)}u);
  h = optc_fmix32(h ^ ((tensor + 1u) * 0x${K_TENSOR.toString(16)}u) ^ ((draw + 1u) * 0x${K_DRAW.toString(16)}u));
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
  return -r * cos(${TWO_PI_F32} * (u2 - 0.5));
}
`;
