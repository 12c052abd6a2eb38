// Differential tests for the optimizers of issue 3 (reductions, per-tensor/row/column state, schedules,
// extra inputs): Dawn vs the IR interpreter vs a float64 reference written from each paper (test/ref), over
// STEPS steps, on four tensors stepped together in one chunk: a non-square matrix whose sides are not
// multiples of the workgroup size (33 x 70), a 1-D tensor, a rank-3 tensor and a one-element tensor.
//
//   (a) GPU vs interpreter. The interpreter folds reductions in float64 and rounds once; the GPU folds f32
//       values in a fixed tree (per 256-element tile, then per tensor). For sums of squares (one sign) the
//       tree is within ~log2(n) ulp of the exact sum, and a norm enters the step as a factor, so p moves by
//       a few ulp of its step per step: measured worst 2e-7 relative (LAMB, LARS, Adafactor), 0 for the
//       global-norm clip. GPU_TOL is the one of test/optimizers.test.ts.
//   (b) interpreter vs float64 reference: REF_TOL of test/optimizers.test.ts; a wrong formula (a norm of
//       the wrong tensor, a mean over the wrong axis, a schedule off by one step) is off by 1e-3 or more.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, type Compiled } from '../src/index.js';
import { createOptimizer, getDevice, releaseGpu } from '../src/runtime/index.js';
import { assertSnaps, keepAwayFromZero, multiData, runGpu, runInterp, runRef, type DataSpec, type MultiData, type Tol } from './helpers/multi.js';
import { perTensor, type MultiRef } from './ref/multi.js';
import { sophia } from './ref/sophia.js';
import { adan } from './ref/adan.js';
import { schedule_free_adamw } from './ref/schedule_free_adamw.js';
import { cautious_adamw, cautious_lion } from './ref/cautious.js';
import { grams, signum } from './ref/grams.js';
import { ademamix } from './ref/ademamix.js';
import { lamb } from './ref/lamb.js';
import { lars } from './ref/lars.js';
import { adafactor } from './ref/adafactor.js';
import { adamw_clip_cosine } from './ref/adamw_clip_cosine.js';
import type { Hypers } from './ref/types.js';

const STEPS = 24;
const AT = [1, 12, STEPS];
const SHAPES: Record<string, number[]> = { w: [33, 70], b: [70], e: [3, 4, 5], s: [1] };

const GPU_TOL: Tol = { rtol: 2e-6, atolFrac: 1e-6 };
const REF_TOL: Tol = { rtol: 1e-5, atolFrac: 1e-5 };

interface Case {
  ref: MultiRef;
  configs: { hypers: Hypers; gradScale?: number }[];
  /** Elem stages (passes over the parameters) and dispatches per step for the four tensors in one chunk. */
  elemPhases: number;
  dispatches: number;
  data?: Omit<DataSpec, 'steps' | 'gradScale'>;
  /** Adjusts the generated data for a configuration (sign-taking updates: see keepAwayFromZero). */
  adjust?: (d: MultiData, h: Hypers) => void;
  scalars?: (t: number) => Record<string, number>;
}

/** Keeps `beta m + (1 - beta) g` (the value whose sign decides) away from 0; m then follows `mbeta`. */
const emaSign = (beta: string, mbeta = beta) => (d: MultiData, h: Hypers) => {
  const b = h[beta]!, mb = h[mbeta]!;
  keepAwayFromZero(d, (m, g) => b * m + (1 - b) * g, (m, g) => mb * m + (1 - mb) * g, 1 - b);
};

export const CASES: Record<string, Case> = {
  lamb: { ref: lamb, configs: [{ hypers: {} }, { hypers: { lr: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-4, weight_decay: 0.1 } }], elemPhases: 2, dispatches: 3 },
  lars: { ref: lars, configs: [{ hypers: {} }, { hypers: { lr: 0.5, momentum: 0.5, weight_decay: 0.01, eta: 0.02 } }], elemPhases: 2, dispatches: 3 },
  adafactor: {
    ref: adafactor,
    configs: [
      { hypers: {} },
      { hypers: { relative_step: 1, scale_parameter: 0, weight_decay: 0.01, clip_threshold: 0.5 } },
      { hypers: { relative_step: 1, warmup_init: 1, decay_rate: -0.5 }, gradScale: 1e-3 },
    ],
    // Row sums, column sums and |p|^2; per-tensor finish (r, c, mean r: two kernels, to fit in 8 storage
    // buffers); |u|^2; finish; the update.
    elemPhases: 3, dispatches: 8,
  },
  adamw_clip_cosine: {
    ref: adamw_clip_cosine,
    configs: [
      { hypers: { warmup: 5, total: 20 } },
      // max_norm large: no clipping; then heavy clipping with gradients ~3.
      { hypers: { warmup: 0, total: 30, max_norm: 1000, min_ratio: 0 } },
      { hypers: { lr: 0.01, warmup: 10, total: 15, max_norm: 0.5, weight_decay: 0.1 }, gradScale: 3 },
    ],
    // One extra pass over the parameters for the global norm (plus a per-tensor and a global fold).
    elemPhases: 2, dispatches: 4,
  },
  sophia: {
    ref: sophia,
    configs: [
      { hypers: { k: 3 } },
      // A small rho*bs: most of the ratios clip at 1.
      { hypers: { lr: 0.01, rho: 0.001, bs: 1, k: 5, weight_decay: 0.01 } },
    ],
    // The Hessian estimate: squares, like the Gauss-Newton-Bartlett estimate.
    data: { inputs: { h: (rng, n) => Float32Array.from({ length: n }, () => { const x = rng.normal(); return x * x; }) } },
    adjust: (d, h) => emaSign('beta1')(d, { beta1: h.beta1 ?? 0.965 }),
    elemPhases: 1, dispatches: 1,
  },
  adan: {
    ref: adan,
    configs: [{ hypers: {} }, { hypers: { lr: 0.01, weight_decay: 0.05 } }, { hypers: { lr: 0.01, weight_decay: 0.05, no_prox: 1, beta2: 0.5 } }],
    elemPhases: 1, dispatches: 1,
  },
  schedule_free_adamw: {
    ref: schedule_free_adamw,
    configs: [{ hypers: {} }, { hypers: { lr: 0.01, warmup_steps: 8, weight_decay: 0.01, r: 1, beta1: 0.95 } }],
    elemPhases: 1, dispatches: 1,
  },
  cautious_adamw: {
    ref: cautious_adamw,
    configs: [{ hypers: {} }, { hypers: { lr: 0.01, beta1: 0.8, weight_decay: 0.1 } }],
    adjust: (d, h) => emaSign('beta1')(d, { beta1: h.beta1 ?? 0.9 }),
    // sum(mask) per tensor: one extra pass.
    elemPhases: 2, dispatches: 3,
  },
  cautious_lion: {
    ref: cautious_lion,
    configs: [{ hypers: {} }, { hypers: { lr: 0.001, beta1: 0.95, beta2: 0.98, weight_decay: 0.1 } }],
    adjust: (d, h) => emaSign('beta1', 'beta2')(d, { beta1: h.beta1 ?? 0.9, beta2: h.beta2 ?? 0.99 }),
    elemPhases: 2, dispatches: 3,
  },
  grams: { ref: grams, configs: [{ hypers: {} }, { hypers: { lr: 0.01, beta1: 0.8, eps: 1e-6, weight_decay: 0.1 } }], elemPhases: 1, dispatches: 1 },
  signum: {
    ref: signum,
    configs: [{ hypers: {} }, { hypers: { lr: 0.001, momentum: 0.5, weight_decay: 0.1 } }],
    adjust: (d, h) => emaSign('momentum')(d, { momentum: h.momentum ?? 0.9 }),
    elemPhases: 1, dispatches: 1,
  },
  ademamix: {
    ref: perTensor(ademamix),
    configs: [{ hypers: {} }, { hypers: { lr: 0.01, alpha: 2, T_alpha: 10, T_beta3: 12, weight_decay: 0 } }],
    elemPhases: 1, dispatches: 1,
  },
};


let device: GPUDevice;
beforeAll(async () => { device = await getDevice(); });
afterAll(() => { device?.destroy(); releaseGpu(); });

for (const [name, c] of Object.entries(CASES)) {
  describe(name, () => {
    let compiled: Compiled;
    beforeAll(() => {
      const file = `examples/${name}.opt`;
      compiled = compile(readFileSync(new URL(`../${file}`, import.meta.url), 'utf8'), { file });
    });

    it('declares the reference\'s hyperparameters and states; the plan has the expected phases', async () => {
      expect(Object.fromEntries(compiled.input.hypers.map((h) => [h.name, h.default]))).toEqual(c.ref.defaults);
      expect(compiled.program.states.map((s) => s.name).sort()).toEqual(Object.keys(c.ref.initState([3, 4], c.ref.defaults)).filter((s) => !s.startsWith('_')).sort());
      expect(compiled.module.phased?.elemPhases ?? 1).toBe(c.elemPhases);
      const opt = await createOptimizer(device, compiled.module, Object.fromEntries(Object.entries(SHAPES).map(([n, shape]) => [n, { shape }])));
      expect(opt.dispatchesPerStep).toBe(c.dispatches);
      opt.dispose();
    });

    for (const config of c.configs) {
      const label = (Object.keys(config.hypers).length ? JSON.stringify(config.hypers) : 'defaults') + (config.gradScale ? `, gradients ~${config.gradScale}` : '');
      describe(label, () => {
        let data: MultiData;
        beforeAll(() => {
          data = multiData(`${name}|${label}`, SHAPES, { steps: STEPS, gradScale: config.gradScale, ...c.data });
          c.adjust?.(data, config.hypers);
        });
        const run = { hypers: config.hypers, at: AT, ...(c.scalars ? { scalars: c.scalars } : {}) };

        it('interpreter ≈ float64 reference', () => {
          const got = runInterp(compiled.program, data, run);
          const want = runRef(c.ref, data, run);
          for (const t of AT) assertSnaps(`t=${t}`, data.names, got.get(t)!, want.get(t)!, REF_TOL);
        });

        it('GPU = interpreter (vec4 and scalar kernels)', async () => {
          const want = runInterp(compiled.program, data, run);
          for (const vectorize of [true, false]) {
            const got = await runGpu(device, compiled.module, data, { ...run, options: { vectorize } });
            for (const t of AT) assertSnaps(`${vectorize ? 'vec4' : 'scalar'} t=${t}`, data.names, got.get(t)!, want.get(t)!, GPU_TOL);
          }
        });
      });
    }
  });
}
