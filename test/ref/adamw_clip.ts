// AdamW (Loshchilov & Hutter 2019, as torch.optim.AdamW) on gradients clipped as
// torch.nn.utils.clip_grad_norm_(params, max_norm) clips them before optimizer.step():
//   total = sqrt(sum over every tensor of sum g^2);  g = g * min(1, max_norm / (total + 1e-6))
//   p = p (1 - lr wd);  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   p = p - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
// The f32 optimizer that examples/adamw8bit_clip.opt stores in 8 bits.
import { zerosLike, type MultiRef } from './multi.js';

export const adamw_clip: MultiRef = {
  name: 'adamw_clip',
  defaults: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.01, max_norm: 1 },
  initState: (shape) => zerosLike(shape.reduce((a, b) => a * b, 1), ['m', 'v']),
  step(tensors, t) {
    let sq = 0;
    for (const { g } of tensors) for (let i = 0; i < g.length; i++) sq += g[i]! * g[i]!;
    const total = Math.sqrt(sq);
    for (const { p, g, state, h } of tensors) {
      const { m, v } = state as { m: Float64Array; v: Float64Array };
      const coef = Math.min(1, h.max_norm! / (total + 1e-6));
      for (let i = 0; i < p.length; i++) {
        const gi = g[i]! * coef;
        m[i] = h.beta1! * m[i]! + (1 - h.beta1!) * gi;
        v[i] = h.beta2! * v[i]! + (1 - h.beta2!) * gi * gi;
        const decayed = p[i]! * (1 - h.lr! * h.weight_decay!);
        p[i] = decayed - (h.lr! * (m[i]! / (1 - h.beta1! ** t))) / (Math.sqrt(v[i]! / (1 - h.beta2! ** t)) + h.eps!);
      }
    }
  },
};
