// The interpreter's matrix ops and its demand-driven evaluation (used by interp-tensors.ts).
//
// Accumulation contract (docs/matrix.md, "Numerics"). `matmul` computes each entry of C = A B as
//
//   C[i][j] = fround( sum over k = 0, 1, ..., K-1 of A[i][k] * B[k][j] )
//
// with the sum in float64, added in increasing k, and rounded to f32 once. Each product of two f32 values
// is exact in float64 (24 + 24 significant bits fit in 53), so the only error before the final rounding is
// float64 addition's: |C - C_exact| <= u32 |C_exact| + K u64 sum |A[i][k] B[k][j]| (u32 = 2^-24,
// u64 = 2^-53). This is how the interpreter's reductions accumulate too (float64, rounded once). A GPU
// kernel accumulating in f32 in any order is within gamma_K = K u32 / (1 - K u32) of sum |A[i][k] B[k][j]|
// of the exact value, so kernel and interpreter agree within (gamma_K + u32) sum |A[i][k] B[k][j]| +
// u32 |C| per entry: that is the tolerance a matmul kernel is tested against (test/matmul-kernel.test.ts).
// transpose, orient and eye are exact.
import { randValue, streamKey } from './rng.js';
import { shapeSize, type View } from './matrix.js';
import type { Inst, MatShape, Program } from './types.js';

/** C = A B for row-major A (n × k) and B (k × m): float64 sums in increasing k, one rounding per entry. */
export function matmulF32(a: Float32Array, b: Float32Array, n: number, k: number, m: number): Float32Array {
  const c = new Float32Array(n * m);
  const acc = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    acc.fill(0);
    for (let q = 0; q < k; q++) {
      const aiq = a[i * k + q]!;
      if (aiq === 0 && Number.isFinite(aiq)) {
        // 0 * b is ±0 for finite b and adds nothing; skipping it is exact unless b holds inf or NaN.
        let finite = true;
        for (let j = 0; j < m; j++) if (!Number.isFinite(b[q * m + j]!)) { finite = false; break; }
        if (finite) continue;
      }
      const row = q * m;
      for (let j = 0; j < m; j++) acc[j] += aiq * b[row + j]!;
    }
    for (let j = 0; j < m; j++) c[i * m + j] = acc[j]!;
  }
  return c;
}

/** Aᵀ for row-major A (r × c). */
export function transposeF32(a: Float32Array, r: number, c: number): Float32Array {
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = a[i * c + j]!;
  return out;
}

/** The shape of a matrix-valued instruction (elem values are [rows, cols]). */
const shapeOf = (inst: Pick<Inst, 'space' | 'shape'>): MatShape => (inst.space === 'mat' ? inst.shape! : ['rows', 'cols']);

/**
 * Evaluates a matrix op (`matmul`, `transpose`, `orient`, `eye`, `rand` of a matrix) for one tensor.
 * `arg(i)` is the value of argument i (always a matrix), `index` the tensor's id for `rand`.
 */
export function evalMatrixOp(p: Program, inst: Inst, view: View, arg: (i: number) => Float32Array, step: (id: number) => number, index: number): Float32Array {
  const [r, c] = shapeSize(shapeOf(inst), view);
  switch (inst.op) {
    case 'eye': {
      const out = new Float32Array(r * c);
      for (let i = 0; i < r; i++) out[i * c + i] = 1;
      return out;
    }
    case 'rand': {
      const stream = streamKey(step(inst.args[0]!));
      const out = new Float32Array(r * c);
      for (let i = 0; i < out.length; i++) out[i] = randValue(inst.name!, stream, index, i);
      return out;
    }
    case 'matmul': {
      const [n, k] = shapeSize(shapeOf(p.insts[inst.args[0]!]!), view);
      return matmulF32(arg(0), arg(1), n, k, c);
    }
    case 'transpose': {
      const [ar, ac] = shapeSize(shapeOf(p.insts[inst.args[0]!]!), view);
      return transposeF32(arg(0), ar, ac);
    }
    case 'orient': {
      const [ar, ac] = shapeSize(shapeOf(p.insts[inst.args[0]!]!), view);
      return view.rows > view.cols ? transposeF32(arg(0), ar, ac) : Float32Array.from(arg(0));
    }
    default: throw new Error(`evalMatrixOp: '${inst.op}' is not a matrix op`);
  }
}

/**
 * Which instructions each tensor's step needs, given the step values (`known[k][id]` for step-space ids,
 * bools as 0/1). A `select` whose condition is a step value needs only the branch it takes: an `every k`
 * refresh (an orthogonal basis, a matrix root) is computed only at the steps it runs, as the GPU schedule
 * will decide on the host. A global reduction needed by one tensor is needed by all (it folds them all).
 */
export function liveInsts(p: Program, known: readonly (readonly (number | undefined)[])[]): Uint8Array[] {
  const n = p.insts.length;
  const live = known.map(() => new Uint8Array(n));
  for (const l of live) for (const s of p.stores) l[s.value] = 1;
  for (let id = n - 1; id >= 0; id--) {
    const inst = p.insts[id]!;
    if (inst.op === 'reduce' && inst.over === 'global' && live.some((l) => l[id])) for (const l of live) l[id] = 1;
    live.forEach((l, k) => {
      if (!l[id]) return;
      const [cond, a, b] = inst.args;
      if (inst.op === 'select' && p.insts[cond!]!.space === 'step') {
        l[cond!] = 1;
        l[known[k]![cond!] ? a! : b!] = 1;
        return;
      }
      for (const x of inst.args) l[x] = 1;
    });
  }
  return live;
}
