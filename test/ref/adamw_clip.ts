// AdamW (Loshchilov & Hutter 2019, as torch.optim.AdamW) on gradients clipped as
// torch.nn.utils.clip_grad_norm_(params, max_norm) clips them before optimizer.step():
//   total = sqrt(sum over every tensor of sum g^2);  g = g * min(1, max_norm / (total + 1e-6))
//   p = p (1 - lr wd);  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   p = p - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
// The f32 optimizer that examples/adamw8bit_clip.opt stores in 8 bits: adamw_clip_cosine's reference with a
// schedule that is 1 at every step (no warm-up, a floor of 1).
import { adamw_clip_cosine } from './adamw_clip_cosine.js';
import type { MultiRef } from './multi.js';

export const adamw_clip: MultiRef = {
  name: 'adamw_clip',
  defaults: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.01, max_norm: 1 },
  initState: (shape, h) => adamw_clip_cosine.initState(shape, h),
  step(tensors, t) {
    adamw_clip_cosine.step(tensors.map((x) => ({ ...x, h: { ...x.h, warmup: 0, total: 1, min_ratio: 1 } })), t);
  },
};
