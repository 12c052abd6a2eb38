// The bound one quantization per step may cost: a decoded compressed state (or an f16/bf16 parameter)
// against a float64 reference of the f32 optimizer, teacher-forced (test/compressed.test.ts,
// test/phased-formats.test.ts).
import { FORMATS, type FormatName } from '../../src/formats/index.js';
import { maxAbs } from './compare.js';

const REF_TOL = { rtol: 1e-5, atolFrac: 1e-5 };

/**
 * Largest |decode(encode(x)) - x| / (block absmax) for the format: half the widest gap between neighbouring
 * codes, or the distance from 0 (resp. -1) to the nearest code where the table stops short of it (q4u has
 * no zero: anything below 1/16 of the scale encodes as 1/16). FP8: half the spacing at the top binade,
 * over fmax. bf16 (unscaled): half an ulp, at most 2^-8 of the element itself.
 */
export function halfGap(f: { kind: FormatName }): number {
  const info = FORMATS[f.kind];
  if (info.table) {
    const t = Array.from(info.table);
    let gap = 0;
    for (let k = 0; k + 1 < t.length; k++) gap = Math.max(gap, (t[k + 1]! - t[k]!) / 2);
    return Math.max(gap, t[0]! - (info.signed ? -1 : 0), 1 - t[t.length - 1]!);
  }
  if (f.kind === 'fp8e4m3') return 16 / 448; // codes 256..448 step 32
  if (f.kind === 'fp8e5m2') return 4096 / 57344; // codes 32768..57344 step 8192
  if (f.kind === 'bf16') return 2 ** -8; // 8 significant bits: half an ulp is at most 2^-8 of the value
  throw new Error(`no bound for ${f.kind}`);
}

/** `gaps`: how many half gaps one rounding may cost (2 for stochastic rounding: up to a whole ulp). */
export function expectWithinQuantization(label: string, f: { kind: FormatName; block?: number }, got: Float32Array, want: Float64Array, gaps = 1): void {
  const block = f.block ?? FORMATS[f.kind].blockSize ?? 1;
  const q = halfGap(f) * gaps;
  const scale = maxAbs(want);
  let worst = 0, at = -1;
  for (let b = 0; b < got.length; b += block) {
    const end = Math.min(got.length, b + block);
    const absmax = maxAbs(want.subarray(b, end));
    for (let i = b; i < end; i++) {
      // Unscaled bf16 rounds each element on its own: its bound is relative to the element.
      const bound = q * (f.kind === 'bf16' ? Math.abs(want[i]!) : absmax) * (1 + REF_TOL.rtol) + REF_TOL.rtol * Math.abs(want[i]!) + REF_TOL.atolFrac * scale * 1e-3;
      const r = Math.abs(got[i]! - want[i]!) / bound;
      if (!(r <= worst)) { worst = r; at = i; }
    }
  }
  if (!(worst <= 1)) throw new Error(`${label}: element ${at} is ${got[at]}, the f32 optimizer gives ${want[at]}: ${worst.toFixed(2)}x the bound of one ${f.kind} quantization`);
}
