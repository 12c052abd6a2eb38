// Compressed state and f16/bf16 parameters in optimizers with reductions and row/column state (issue 14):
// examples/lamb8bit.opt, lars8bit.opt, adamw8bit_clip.opt (global-norm clipping) and adafactor_bf16.opt.
//
//   (a) Dawn = interpreter, bit for bit, on parameters, codes, scales and small states after several steps,
//       for several tensors packed into shared chunks (a matrix, a vector, a rank-3 tensor, one element, an
//       odd length over several tiles) with a parameter group; also at width 1, split over small bindings,
//       and with the non-finite guard. The interpreter folds reductions in the kernels' f32 order
//       (src/ir/reduce-order.ts); everything else is the same f32 arithmetic and the same quantizer, so
//       nothing short of equality is right.
//       Rank-1 q4u (LAMB's v) likewise, through the maxima sweep, the store sweep and the scale copy.
//       Named update blocks (an elementwise one and one with random numbers, which runs in stages) share
//       the bf16 parameter with stochastic rounding and the 8-bit state, bit for bit too.
//   (b) The interpreter (float64 reductions) against an independent float64 reference of the f32
//       optimizer (test/ref), teacher-forced as in test/compressed.test.ts: each step starts the reference
//       from the interpreter's decoded state and parameter; p must agree to REF_TOL (8-bit examples: p is
//       computed from the new, unquantized moments) or within one bf16 rounding (stochastic: an ulp), and
//       each decoded state within one quantization of the reference's (f32 states: REF_TOL).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, type Compiled, type CompileOptions } from '../src/index.js';
import { hashProgram, resolveHypers } from '../src/ir/index.js';
import { createOptimizer, getDevice, releaseGpu, type OptimizerOptions } from '../src/runtime/index.js';
import { deviceOrder, expectDeviceEquals, TensorsRun, widthOf } from './helpers/backend-phased.js';
import { expectWithinQuantization } from './helpers/backend-quant.js';
import { assertClose, maxAbs } from './helpers/compare.js';
import { multiData } from './helpers/multi.js';
import { adafactor } from './ref/adafactor.js';
import { adamw_clip } from './ref/adamw_clip.js';
import { lamb } from './ref/lamb.js';
import { lars } from './ref/lars.js';
import type { MultiRef, RefTensor } from './ref/multi.js';

const STEPS = 10;
const AT = [1, 4, STEPS];
const REF_TOL = { rtol: 1e-5, atolFrac: 1e-5 };
// `big` spans several tiles (8,192 elements at width 4) and, split over 32 KiB bindings, several chunks.
const SHAPES: Record<string, number[]> = { w: [33, 70], b: [70], e: [3, 4, 5], s: [1], big: [20001] };

interface Example { name: string; ref: MultiRef; hypers: Record<string, number>; f32?: string }
const EXAMPLES: Example[] = [
  { name: 'lamb8bit', ref: lamb, f32: 'lamb', hypers: { lr: 0.01, weight_decay: 0.1 } },
  { name: 'lars8bit', ref: lars, f32: 'lars', hypers: { lr: 0.1, weight_decay: 0.001 } },
  { name: 'adamw8bit_clip', ref: adamw_clip, hypers: { lr: 0.01, weight_decay: 0.1, max_norm: 1 } },
  { name: 'adafactor_bf16', ref: adafactor, f32: 'adafactor', hypers: { lr: 0.01 } },
];

const source = (name: string) => readFileSync(new URL(`../examples/${name}.opt`, import.meta.url), 'utf8');
const cache = new Map<string, Compiled>();
const compiledOf = (name: string, options: CompileOptions = {}): Compiled => {
  const key = `${name}:${JSON.stringify(options)}`;
  if (!cache.has(key)) cache.set(key, compile(source(name), { file: `examples/${name}.opt`, ...options }));
  return cache.get(key)!;
};

let device: GPUDevice;
beforeAll(async () => { device = await getDevice(); });
afterAll(() => { device?.destroy(); releaseGpu(); });

describe('the examples keep the update rule, hyperparameters and states of their f32 originals', () => {
  for (const ex of EXAMPLES) {
    it(ex.name, () => {
      const c = compiledOf(ex.name);
      expect(Object.fromEntries(c.input.hypers.map((h) => [h.name, h.default]))).toEqual(ex.ref.defaults);
      expect(c.program.states.map((s) => s.name).sort()).toEqual(Object.keys(ex.ref.initState([4, 3], ex.ref.defaults)).sort());
      // Phased: the norms (or row/column sums) are a sweep of their own before the update.
      expect(c.module.phased, ex.name).toBeDefined();
      if (!ex.f32) return;
      const stripped = source(ex.name).replace(/(state \w+): (?!row\b|col\b|tensor\b|step\b)[a-z0-9]+/g, '$1').replace(/\n\s*(\/\/\/[^\n]*\n\s*)?param p: [^;]*;/, '');
      expect(hashProgram(compile(stripped).program)).toBe(hashProgram(compile(source(ex.f32)).program));
    });
  }
});

const VARIANTS: [string, OptimizerOptions, CompileOptions, string[]][] = [
  ['packed, with a parameter group', {}, {}, EXAMPLES.map((e) => e.name)],
  ['scalar kernels', { vectorize: false }, {}, ['lamb8bit', 'adamw8bit_clip']],
  // Tensors are split at tile multiples, so a split tensor's sums keep their order. Row and column values
  // need each tensor in one binding (Adafactor).
  ['split over 32 KiB bindings', { maxBindingBytes: 32768 }, {}, ['lamb8bit', 'lars8bit', 'adamw8bit_clip']],
  ['non-finite guard (a NaN step is skipped)', {}, { guard: true }, ['lamb8bit', 'adafactor_bf16']],
];

for (const ex of EXAMPLES) {
  describe(ex.name, () => {
    for (const [what, options, codegen, which] of VARIANTS) {
      if (!which.includes(ex.name)) continue;
      it(`${what}: Dawn = interpreter, bit for bit (p, codes, scales, small states; ${STEPS} steps)`, async () => {
        const c = compiledOf(ex.name, codegen);
        const data = multiData(`phased-formats|${ex.name}`, SHAPES, { steps: STEPS });
        const group = { ...ex.hypers, lr: ex.hypers.lr! * 2 };
        const hypersOf = (k: number) => (data.names[k] === 'b' ? group : ex.hypers);
        const run = new TensorsRun(c.program, data.shapes, data.p0, deviceOrder(c.module, widthOf(c.module, options.vectorize !== false)), hypersOf);
        const opt = await createOptimizer(device, c.module, Object.fromEntries(data.names.map((n, k) => [n, { shape: data.shapes[k]!, data: data.p0[k]! }])),
          { hypers: ex.hypers, groups: [{ params: ['b'], hypers: { lr: group.lr } }], ...options });
        try {
          if (options.maxBindingBytes) expect(opt.dispatchesPerStep).toBeGreaterThan(c.module.phased!.dispatches.length);
          for (let k = 0; k < STEPS; k++) {
            const grads = data.grads[k]!;
            if (codegen.guard && k === 2) {
              const bad = Object.fromEntries(data.names.map((n, j) => [n, grads[j]!.map((x, i) => (j === 1 && i === 3 ? NaN : x))]));
              expect(await opt.step(bad)).toMatchObject({ skipped: true });
            }
            await opt.step(Object.fromEntries(data.names.map((n, j) => [n, grads[j]!])));
            const want = run.step(k + 1, grads);
            if (AT.includes(k + 1)) await expectDeviceEquals(`t=${k + 1}`, c.program, opt, data.names, want);
          }
        } finally {
          opt.dispose();
        }
      });
    }

    it('interpreter = f32 optimizer + one quantization per step (float64 reference, teacher-forced)', () => {
      const c = compiledOf(ex.name);
      const data = multiData(`phased-formats|ref|${ex.name}`, SHAPES, { steps: STEPS });
      const h = resolveHypers(c.program, ex.hypers);
      const run = new TensorsRun(c.program, data.shapes, data.p0, undefined, () => ex.hypers);
      for (let k = 0; k < STEPS; k++) {
        // The reference starts from what the interpreter holds (decoded), and takes the same gradients.
        const ref: RefTensor[] = run.tensors.map((x, j) => ({
          shape: data.shapes[j]!, p: Float64Array.from(x.param), g: Float64Array.from(data.grads[k]![j]!), h: { ...ex.ref.defaults, ...h }, index: j,
          state: Object.fromEntries(Object.entries(x.states).map(([s, a]) => [s, Float64Array.from(a)])),
        }));
        ex.ref.step(ref, k + 1);
        const got = run.step(k + 1, data.grads[k]!);
        data.names.forEach((name, j) => {
          const label = `t=${k + 1} ${name}`;
          if (c.program.param) expectWithinQuantization(`${label} p`, { kind: c.program.param.kind }, got[j]!.param, ref[j]!.p, 2);
          else assertClose(`${label} p`, got[j]!.param, ref[j]!.p, { rtol: REF_TOL.rtol, atol: REF_TOL.atolFrac * maxAbs(ref[j]!.p) });
          for (const s of c.program.states) {
            const want = ref[j]!.state[s.name]!;
            if (s.format.kind !== 'f32') expectWithinQuantization(`${label} ${s.name}`, s.format, got[j]!.states[s.name]!, want);
            else assertClose(`${label} ${s.name}`, got[j]!.states[s.name]!, want, { rtol: REF_TOL.rtol, atol: REF_TOL.atolFrac * maxAbs(want) });
          }
        });
      }
    });
  });
}

describe('named update blocks over a bf16 parameter (stochastic rounding) and an 8-bit state', () => {
  const src = `optimizer entries8 {
  hyper lr = 0.01;
  param p: bf16(rounding = stochastic);
  state m: q8 = 0;
  update {
    m = 0.9 * m + 0.1 * g;
    p = p - lr * m / (norm(m) + 0.000001);
  }
  update shrink { m = 0.5 * m; p = 0.999 * p; }
  update jitter { p = p + 0.001 * rademacher(t + 3); }
}`;

  it('steps and entry calls interleaved: Dawn = interpreter, bit for bit', async () => {
    const c = compile(src, { file: 'entries8.opt' });
    expect(c.module.entries?.jitter?.phased, 'a random stream runs in stages').toBeDefined();
    const data = multiData('phased-formats|entries', { w: [33, 70], b: [70], s: [1] }, { steps: 4 });
    // The program as written holds the entry points (their stores name its values); the passes rewrite bit-exactly.
    const run = new TensorsRun(c.input, data.shapes, data.p0, deviceOrder(c.module, widthOf(c.module)));
    const opt = await createOptimizer(device, c.module, Object.fromEntries(data.names.map((n, k) => [n, { shape: data.shapes[k]!, data: data.p0[k]! }])));
    try {
      for (let k = 0; k < 4; k++) {
        const grads = data.grads[k]!;
        await opt.step(Object.fromEntries(data.names.map((n, j) => [n, grads[j]!])));
        await expectDeviceEquals(`t=${k + 1}`, c.program, opt, data.names, run.step(k + 1, grads));
        for (const entry of ['shrink', 'jitter']) {
          await opt.run(entry);
          await expectDeviceEquals(`${entry} before t=${k + 2}`, c.program, opt, data.names, run.step(k + 2, grads, entry));
        }
      }
    } finally {
      opt.dispose();
    }
  });
});

describe('rank-1 q4u in a phased program: LAMB with m as q4 and v as q4u(rank1 = 1)', () => {
  const src = source('lamb8bit').replace('optimizer lamb8bit', 'optimizer lamb4bit_rank1')
    .replace('state m: q8 = 0;', 'state m: q4 = 0;').replace('state v: q8u = 0;', 'state v: q4u(rank1 = 1) = 0;');
  for (const [what, options] of [['packed', {}], ['split over 32 KiB bindings', { maxBindingBytes: 32768 }]] as [string, OptimizerOptions][]) {
    it(`${what}: Dawn = interpreter, bit for bit (the maxima sweep, the store sweep, the scale copy)`, async () => {
      const c = compile(src, { file: 'lamb4bit_rank1.opt' });
      expect(c.module.phased!.dispatches.map((d) => d.grid)).toEqual(['elems', 'tensors', 'blocks', 'blocks', 'scales']);
      const data = multiData('phased-formats|rank1', SHAPES, { steps: 6 });
      const run = new TensorsRun(c.program, data.shapes, data.p0, deviceOrder(c.module, widthOf(c.module)), () => ({ lr: 0.01 }));
      const opt = await createOptimizer(device, c.module, Object.fromEntries(data.names.map((n, k) => [n, { shape: data.shapes[k]!, data: data.p0[k]! }])),
        { hypers: { lr: 0.01 }, ...options });
      try {
        for (let k = 0; k < 6; k++) {
          await opt.step(Object.fromEntries(data.names.map((n, j) => [n, data.grads[k]![j]!])));
          await expectDeviceEquals(`t=${k + 1}`, c.program, opt, data.names, run.step(k + 1, data.grads[k]!));
        }
      } finally {
        opt.dispose();
      }
    });
  }
});
