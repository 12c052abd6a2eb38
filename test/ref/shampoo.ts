// Shampoo, Algorithm 1 of Gupta, Koren & Singer (ICML 2018) for a matrix G, in float64, with the inverse
// fourth roots taken exactly (Jacobi eigendecomposition) every `update_freq` steps and reused in between:
//   L = eps I + sum G Gᵀ,  R = eps I + sum Gᵀ G;  p = p - lr L^(-1/4) G R^(-1/4)
// The stored sums start at 0 and eps I is added when rooting, which is the same L and R.
// Vectors: diagonal AdaGrad, acc = eps + sum g², p = p - lr g / sqrt(acc) (the example's fallback).
import { axpby, eye, mat, mul, symFunction, transpose, type Mat } from './linalg.js';
import type { Hypers } from './types.js';

export const defaults = { lr: 0.01, eps: 1e-4, update_freq: 10 };

export interface ShampooState { L: Mat; R: Mat; Lroot: Mat; Rroot: Mat }

export function initState(rows: number, cols: number): ShampooState {
  return { L: mat(rows, rows), R: mat(cols, cols), Lroot: mat(rows, rows), Rroot: mat(cols, cols) };
}

export const invFourthRoot = (A: Mat): Mat => symFunction(A, (x) => x ** -0.25);

export function refStep(s: ShampooState, p: Float64Array, g: Float64Array, shape: [number, number], t: number, hyp: Hypers): void {
  const h = { ...defaults, ...hyp };
  const G = mat(shape[0], shape[1], g);
  s.L = axpby(1, s.L, 1, mul(G, transpose(G)));
  s.R = axpby(1, s.R, 1, mul(transpose(G), G));
  if ((t - 1) % h.update_freq === 0) {
    s.Lroot = invFourthRoot(axpby(1, s.L, h.eps, eye(shape[0])));
    s.Rroot = invFourthRoot(axpby(1, s.R, h.eps, eye(shape[1])));
  }
  const u = mul(mul(s.Lroot, G), s.Rroot);
  for (let i = 0; i < p.length; i++) p[i] = p[i]! - h.lr * u.a[i]!;
}

export function refStepVector(acc: Float64Array, p: Float64Array, g: Float64Array, hyp: Hypers): void {
  const h = { ...defaults, ...hyp };
  for (let i = 0; i < p.length; i++) {
    acc[i] = acc[i]! + g[i]! * g[i]!;
    p[i] = p[i]! - h.lr * g[i]! / Math.sqrt(acc[i]!);
  }
}
