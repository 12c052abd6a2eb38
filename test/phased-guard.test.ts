// The non-finite guard in phased programs (reductions, per-tensor/row/column state): a step whose gradient
// holds a NaN or an infinity changes nothing anywhere — parameters, elem states, small states, the step
// count — and the steps around it give, bit for bit, what an unguarded optimizer gives without that step
// (which test/structured*.test.ts check against the interpreter).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../src/index.js';
import { createOptimizer, getDevice, releaseGpu, type Optimizer } from '../src/runtime/index.js';
import { Rng, seedOf } from './helpers/prng.js';

let device: GPUDevice;
beforeAll(async () => { device = await getDevice(); });
afterAll(() => { device?.destroy(); releaseGpu(); });

const SHAPES: Record<string, number[]> = { w: [33, 70], b: [70], s: [1] };
const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);
const ROW_STATE = `optimizer k { hyper lr = 0.1; state r: row = 0; state c: tensor = 0; update {
  let old = r;
  r = r + row_sum(g * g);
  c = c + 1;
  p = p - lr * g * (old + 1) / (r + c);
} }`;

function data(label: string, steps: number) {
  const rng = new Rng(seedOf(`phased-guard|${label}`));
  const vec = (n: number) => Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);
  const p0 = Object.fromEntries(Object.entries(SHAPES).map(([k, s]) => [k, vec(numel(s))]));
  const grads = Array.from({ length: steps }, () => Object.fromEntries(Object.entries(SHAPES).map(([k, s]) => [k, vec(numel(s))])));
  return { p0, grads };
}

async function snapshot(opt: Optimizer) {
  const r = await opt.read();
  return JSON.stringify([r.params, r.state], (_k, v) => (v instanceof Float32Array ? Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length)) : v));
}

const SOURCES: Record<string, string> = {
  lamb: readFileSync(new URL('../examples/lamb.opt', import.meta.url), 'utf8'),
  'adamw with global-norm clipping': readFileSync(new URL('../examples/adamw_clip_cosine.opt', import.meta.url), 'utf8'),
  adafactor: readFileSync(new URL('../examples/adafactor.opt', import.meta.url), 'utf8'),
  'row and tensor state': ROW_STATE,
};

describe('the non-finite guard in phased programs', () => {
  for (const [label, src] of Object.entries(SOURCES)) {
    for (const bad of [NaN, Infinity]) {
      it(`${label}: a step with ${bad} in one gradient is skipped whole; the others = the unguarded run`, async () => {
        const { p0, grads } = data(label, 5);
        const guarded = compile(src, { guard: true });
        const plain = compile(src);
        expect(guarded.module.phased).toBeDefined();
        const params = () => Object.fromEntries(Object.entries(SHAPES).map(([k, shape]) => [k, { shape, data: p0[k]!.slice() }]));
        const g = await createOptimizer(device, guarded.module, params());
        const u = await createOptimizer(device, plain.module, params());
        for (const [k, grad] of grads.entries()) {
          if (k === 2) {
            const before = await snapshot(g);
            const poisoned = { ...grad, b: grad.b!.slice() };
            poisoned.b![17] = bad;
            expect(await g.step(poisoned)).toEqual({ t: 2, skipped: true });
            expect(await snapshot(g)).toBe(before);
            expect(g.stepCount).toBe(2);
          }
          expect(await g.step(grad)).toMatchObject({ skipped: false });
          await u.step(grad);
          expect(await snapshot(g)).toBe(await snapshot(u));
        }
        g.dispose();
        u.dispose();
      }, 240_000);
    }
  }
});
