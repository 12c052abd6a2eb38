// torch.optim.Muon (PyTorch 2.9), from its documented algorithm and `_zeropower_via_newtonschulz`, in
// float64 (torch runs the Newton-Schulz iteration in bf16; the reference keeps the algorithm, not the
// rounding). For a 2-D parameter of shape [A, B]:
//   B_t = lerp(B_{t-1}, g, 1 - momentum);  u = nesterov ? lerp(g, B_t, momentum) : B_t
//   X = u (transposed if A > B) / max(||u||_F, eps);  ns_steps times: G = X Xᵀ, X = a X + (b G + c G G) X
//   p = p (1 - lr weight_decay) - lr sqrt(max(1, A / B)) X (transposed back)
// Parameters that are not matrices are stepped by ./adamw.ts (torch.optim.AdamW), as the example's fallback.
import { axpby, frobenius, mat, mul, orient, transpose, type Mat } from './linalg.js';
import type { Hypers } from './types.js';

export const defaults = { lr: 1e-3, weight_decay: 0.1, momentum: 0.95, nesterov: 1, eps: 1e-7, ns_a: 3.4445, ns_b: -4.775, ns_c: 2.0315, ns_steps: 5 };

export function initState(n: number): { momentum_buffer: Float64Array } { return { momentum_buffer: new Float64Array(n) }; }

const lerp = (a: number, b: number, w: number) => a + w * (b - a);

/** The orthogonalized update for a rows × cols matrix u (row-major). */
export function newtonSchulz(u: Mat, h: typeof defaults): Mat {
  let x = orient(u, u.r, u.c);
  const norm = Math.max(frobenius(x), h.eps);
  x = mat(x.r, x.c, x.a.map((v) => v / norm));
  for (let k = 0; k < h.ns_steps; k++) {
    const gram = mul(x, transpose(x));
    const update = axpby(h.ns_b, gram, h.ns_c, mul(gram, gram));
    x = axpby(h.ns_a, x, 1, mul(update, x));
  }
  return orient(x, u.r, u.c);
}

export function refStep(state: { momentum_buffer: Float64Array }, p: Float64Array, g: Float64Array, shape: [number, number], hyp: Hypers): void {
  const h = { ...defaults, ...hyp } as typeof defaults;
  const [rows, cols] = shape;
  const buf = state.momentum_buffer;
  for (let i = 0; i < p.length; i++) buf[i] = lerp(buf[i]!, g[i]!, 1 - h.momentum);
  const u = mat(rows, cols, h.nesterov ? g.map((x, i) => lerp(x, buf[i]!, h.momentum)) : buf);
  const o = newtonSchulz(u, h);
  const adjusted = h.lr * Math.sqrt(Math.max(1, rows / cols));
  for (let i = 0; i < p.length; i++) p[i] = p[i]! * (1 - h.lr * h.weight_decay) - adjusted * o.a[i]!;
}
