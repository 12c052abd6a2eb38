// GaLore AdamW (Zhao et al., ICML 2024; the paper's Algorithm 2 and its code's AdamW), in float64, with the
// projection the example documents: every `update_proj_gap` steps, P = polar((G Gᵀ)^power_iters G Ω), the
// orthonormal polar factor taken exactly (Jacobi eigendecomposition of YᵀY), where G is the gradient
// oriented wide (transposed when rows > cols) and Ω the long × rank Gaussian sketch, which the caller
// supplies (the test draws it from the same counter RNG the program uses: it is an input, like g). Then
//   R = Pᵀ G;  m = beta1 m + (1 - beta1) R;  v = beta2 v + (1 - beta2) R²
//   p = p - lr sqrt(1 - beta2^t) / (1 - beta1^t) scale orient(P m / (sqrt(v) + eps));  p = p - lr wd p
import { frobenius, mat, mul, orient, polar, scale, transpose, type Mat } from './linalg.js';
import type { Hypers } from './types.js';

export const defaults = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-6, weight_decay: 0, update_proj_gap: 200, scale: 0.25, power_iters: 1 };

export interface GaloreState { proj: Mat; exp_avg: Mat; exp_avg_sq: Mat }

export function initState(rows: number, cols: number, rank: number): GaloreState {
  const short = Math.min(rows, cols), long = Math.max(rows, cols);
  return { proj: mat(short, rank), exp_avg: mat(rank, long), exp_avg_sq: mat(rank, long) };
}

/** The projection the example computes, exactly: polar factor of the power-iterated sketch. */
export function projection(G: Mat, sketch: Mat, powerIters: number): Mat {
  let y = mul(G, sketch);
  for (let k = 0; k < powerIters; k++) {
    y = mul(G, mul(transpose(G), y));
    y = scale(1 / frobenius(y), y);
  }
  return polar(y);
}

export function refStep(s: GaloreState, p: Float64Array, g: Float64Array, shape: [number, number], t: number, hyp: Hypers,
  sketch: () => Mat): void {
  const h = { ...defaults, ...hyp };
  const [rows, cols] = shape;
  const G = orient(mat(rows, cols, g), rows, cols);
  if ((t - 1) % h.update_proj_gap === 0) s.proj = projection(G, sketch(), h.power_iters);
  const R = mul(transpose(s.proj), G);
  const m = s.exp_avg.a, v = s.exp_avg_sq.a;
  for (let i = 0; i < m.length; i++) {
    m[i] = h.beta1 * m[i]! + (1 - h.beta1) * R.a[i]!;
    v[i] = h.beta2 * v[i]! + (1 - h.beta2) * R.a[i]! * R.a[i]!;
  }
  const n = mat(R.r, R.c, m.map((x, i) => x / (Math.sqrt(v[i]!) + h.eps)));
  const stepSize = h.lr * Math.sqrt(1 - h.beta2 ** t) / (1 - h.beta1 ** t);
  const u = orient(mul(s.proj, n), rows, cols);
  for (let i = 0; i < p.length; i++) {
    p[i] = p[i]! - stepSize * h.scale * u.a[i]!;
    p[i] = p[i]! - h.lr * h.weight_decay * p[i]!;
  }
}
