// 4-bit AdamW with a rank-1 normalized second moment (examples/adamw4bit_rank1.opt; docs/formats.md):
//
//   (a) the CPU quantizer against a reference written from the paper's definition (thu-ml/low-bit-optimizers:
//       `get_sm3_statistics` + `_compute_sm3_scale_tensor` for rank >= 2, blocks of 128 for rank 0 and 1),
//       with explicit multi-indices and float64 division instead of strides and products;
//   (b) Dawn = interpreter, bit for bit, on codes, scales and parameters, for matrices, vectors, a scalar-like
//       [1] and a rank-3 tensor packed into one chunk with a parameter group, split over small bindings,
//       and with the non-finite guard skipping a step; with the serial (default) and the workgroup kernel;
//   (c) state bytes measured on a large matrix; (d) checkpoints restore the state bit for bit.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../src/index.js';
import { FORMATS } from '../src/formats/index.js';
import { createOptimizer, getDevice, releaseGpu, type OptimizerOptions } from '../src/runtime/index.js';
import { gradientSequence, numel, randomTensor } from './helpers/data.js';
import { InterpRun, expectSameBits } from './helpers/packed.js';
import { Rng, seedOf } from './helpers/prng.js';

const source = (name: string) => readFileSync(new URL(`../examples/${name}.opt`, import.meta.url), 'utf8');
const c = compile(source('adamw4bit_rank1'), { file: 'examples/adamw4bit_rank1.opt' });
const HYPERS = { lr: 0.01, weight_decay: 0.1 };
const STEPS = 12;
// g has more axes than the kernel's cursor holds (rank1.ts: the dividing path); h has strides 3 and 2.
const SHAPES: Record<string, number[]> = { a: [33, 70], b: [128, 64], c: [70], d: [1], e: [3, 4, 5], f: [5, 1, 9], g: [2, 3, 1, 2, 5], h: [7, 2, 3] };

// ---- (a) the definition ---------------------------------------------------------------------------------

/** Multi-index of flat element e in a row-major tensor. */
function unravel(e: number, shape: number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) { idx[k] = e % shape[k]!; e = Math.floor(e / shape[k]!); }
  return idx;
}

/** The paper's scales: per axis k, max |x| over all elements whose k-th index is i (flush below 2^-90). */
function paperScales(x: Float32Array, shape: number[]): number[][] {
  const flush = (m: number) => (m < 2 ** -90 ? 0 : m);
  if (shape.length < 2) {
    const out: number[] = [];
    for (let b = 0; b < x.length; b += 128) out.push(flush(Math.max(0, ...Array.from(x.subarray(b, b + 128), Math.abs))));
    return [out];
  }
  return shape.map((dim, k) => Array.from({ length: dim }, (_, i) => {
    let m = 0;
    for (let e = 0; e < x.length; e++) if (unravel(e, shape)[k] === i) m = Math.max(m, Math.abs(x[e]!));
    return flush(m);
  }));
}

describe('rank-1 quantizer = the paper\'s definition', () => {
  const table = Array.from(FORMATS.q4u.table!);
  for (const shape of [[33, 70], [7, 1], [1, 9], [3, 4, 5], [2, 3, 2, 5], [70], [1], [300]]) {
    it(`[${shape.join(', ')}]`, () => {
      const n = numel(shape);
      const rng = new Rng(seedOf(`rank1-def|${shape.join(',')}`));
      // Second-moment-like data: non-negative, spread over decades, with a row and a column of outliers.
      const x = Float32Array.from({ length: n }, (_, e) => {
        const idx = unravel(e, shape);
        return Math.abs(rng.normal()) * 10 ** (rng.range(-3, 0)) * (idx[0] === 1 ? 100 : 1) * (idx[idx.length - 1] === 2 ? 1e-4 : 1);
      });
      if (n > 10) x[3] = 0;
      const pk = FORMATS.q4u.encode(x, { rank1: { shape } });
      const want = paperScales(x, shape);
      expect(Array.from(pk.scales)).toEqual(want.flat());
      expect(FORMATS.q4u.bytes(n, { rank1: { shape } })).toBe(4 * Math.ceil(n / 8) + 4 * want.flat().length);
      const y = FORMATS.q4u.decode(pk, n, { rank1: { shape } });
      for (let e = 0; e < n; e++) {
        const idx = unravel(e, shape);
        const s = shape.length < 2 ? want[0]![Math.floor(e / 128)]! : Math.min(...idx.map((i, k) => want[k]![i]!));
        const code = (pk.words[e >> 3]! >>> ((e & 7) * 4)) & 15;
        if (s === 0) { expect(code, `element ${e}`).toBe(0); continue; }
        // Nearest level of x / s (the paper divides; optc compares products: equal away from midpoints).
        const r = x[e]! / s;
        const dist = table.map((t) => Math.abs(t - r));
        const best = dist.indexOf(Math.min(...dist));
        const sorted = [...dist].sort((a, b) => a - b);
        if (sorted[1]! - sorted[0]! > 1e-6) expect(code, `element ${e}: x / s = ${r}`).toBe(best);
        expect(y[e]).toBe(Math.fround(table[code]! * s));
      }
    });
  }
});

// ---- (b) Dawn = interpreter ------------------------------------------------------------------------------

function caseData(name: string, n: number) {
  const rng = new Rng(seedOf(`rank1|${name}|${n}`));
  const p0 = randomTensor(rng, n);
  const grads = gradientSequence(rng, n, STEPS);
  // Outliers: one element in ~41 is 30x larger, so most rows' and columns' maxima are one element.
  for (const g of grads) for (let i = 5; i < n; i += 41) g[i]! *= 30;
  return { p0, grads };
}

let device: GPUDevice;
beforeAll(async () => { device = await getDevice(); });
afterAll(() => { device?.destroy(); releaseGpu(); });

describe('adamw4bit_rank1: Dawn = interpreter, bit for bit', () => {
  for (const [what, options] of [
    ['packed in one chunk, with a parameter group', {}],
    ['split over 8 KiB bindings', { maxBindingBytes: 8192 }],
    ['with the non-finite guard skipping step 5', { guard: true }],
    ['workgroup-absmax kernel (blockAbsmax: workgroup)', { blockAbsmax: 'workgroup' }],
  ] as [string, OptimizerOptions & { guard?: boolean; blockAbsmax?: 'workgroup' }][]) {
    it(`${what}: codes, scales and params after 1 and ${STEPS} steps`, async () => {
      const cc = options.guard || options.blockAbsmax ? compile(source('adamw4bit_rank1'), { guard: !!options.guard, ...(options.blockAbsmax ? { blockAbsmax: options.blockAbsmax } : {}) }) : c;
      const group = { ...HYPERS, lr: HYPERS.lr * 2 };
      const data = Object.fromEntries(Object.entries(SHAPES).map(([k, s]) => [k, caseData(k, numel(s))]));
      const interps = Object.fromEntries(Object.entries(SHAPES).map(([k, s]) => [k, new InterpRun(c.program, data[k]!.p0, k === 'b' ? group : HYPERS, { shape: s })]));
      const opt = await createOptimizer(device, cc.module,
        Object.fromEntries(Object.entries(SHAPES).map(([k, shape]) => [k, { shape, data: data[k]!.p0 }])),
        { hypers: HYPERS, groups: [{ params: ['b'], hypers: { lr: group.lr } }], maxBindingBytes: options.maxBindingBytes });
      try {
        if (options.maxBindingBytes) expect(opt.dispatchesPerStep).toBeGreaterThan(8);
        for (let k = 0; k < STEPS; k++) {
          const skip = options.guard && k === 4;
          const grads = Object.fromEntries(Object.keys(SHAPES).map((name) => {
            const g = Float32Array.from(data[name]!.grads[k]!);
            if (skip && name === 'e') g[7] = NaN;
            return [name, g];
          }));
          const r = await opt.step(grads);
          expect(r.skipped).toBe(!!skip);
          if (skip) continue;
          for (const name of Object.keys(SHAPES)) interps[name]!.step(data[name]!.grads[k]!);
          if (k !== 0 && k !== STEPS - 1) continue;
          for (const name of Object.keys(SHAPES)) {
            const want = interps[name]!.cur;
            const label = `${name} [${SHAPES[name]!.join(', ')}] t=${k + 1}`;
            expectSameBits(`${label} p`, await opt.readParam(name), want.param);
            for (const s of ['m', 'v']) {
              const pk = await opt.readStatePacked(s, name);
              expectSameBits(`${label} ${s} codes`, pk.words, want.packed![s]!.words);
              expectSameBits(`${label} ${s} scales`, pk.scales, want.packed![s]!.scales);
            }
            expectSameBits(`${label} v decoded`, await opt.readState('v', name), want.states.v!);
          }
        }
        // v of a matrix holds rows + cols scales, of a vector one per 128 elements.
        expect((await opt.readStatePacked('v', 'a')).scales.length).toBe(33 + 70);
        expect((await opt.readStatePacked('v', 'e')).scales.length).toBe(3 + 4 + 5);
        expect((await opt.readStatePacked('v', 'c')).scales.length).toBe(1);
        expect((await opt.readStatePacked('v', 'g')).scales.length).toBe(2 + 3 + 1 + 2 + 5);
      } finally {
        opt.dispose();
      }
    });
  }
});

// ---- (c) memory, (d) checkpoints ----------------------------------------------------------------------

describe('a rank-1 state the step reads but never writes', () => {
  // Found by test/compressed-fuzz.test.ts: the per-step scale copy ran for it too and replaced its scales
  // with the (empty) new maxima, zeroing every value. Only states the step writes get the copy now.
  it('keeps its initial codes and scales across steps, as the interpreter does', async () => {
    const cc = compile('optimizer frozen {\n  hyper lr = 0.1;\n  state v: q4u(rank1 = 1) = 0.25;\n  update {\n    p = p - lr * v * g;\n  }\n}\n');
    const shape = [33, 70];
    const rng = new Rng(seedOf('rank1-frozen'));
    const p0 = randomTensor(rng, numel(shape));
    const grads = gradientSequence(rng, numel(shape), 3);
    const run = new InterpRun(cc.program, p0, { lr: 0.1 }, { shape });
    const opt = await createOptimizer(device, cc.module, { w: { shape, data: p0 } });
    try {
      for (const g of grads) { await opt.step({ w: g }); run.step(g); }
      const pk = await opt.readStatePacked('v', 'w');
      expectSameBits('v scales', pk.scales, run.cur.packed!.v!.scales);
      expectSameBits('v codes', pk.words, run.cur.packed!.v!.words);
      expectSameBits('p', await opt.readParam('w'), run.cur.param);
    } finally {
      opt.dispose();
    }
  });
});

describe('adamw4bit_rank1: device memory on a 2048 x 512 matrix', () => {
  it('state bytes = the formats\' bytes, ≤ 1.1 per parameter', async () => {
    const shape = [2048, 512], n = numel(shape);
    const opt = await createOptimizer(device, c.module, { w: { shape, data: new Float32Array(n).fill(0.5) } });
    try {
      opt.step({ w: new Float32Array(n).fill(1e-3) });
      await opt.sync();
      const mem = opt.memory();
      // m: codes + one scale per 128; v: codes + rows + cols scales, and as many words for the new maxima.
      const exact = FORMATS.q4.bytes(n) + FORMATS.q4u.bytes(n, { rank1: { shape } }) + 4 * (2048 + 512);
      expect(mem.stateBytes).toBe(exact);
      console.log(`adamw4bit_rank1 [2048, 512]: ${(mem.stateBytes / n).toFixed(4)} state bytes per parameter`);
      expect(mem.stateBytes / n).toBeLessThanOrEqual(1.1);
      expect((await opt.readParam('w'))[n - 1]).toBeLessThan(0.5);
    } finally {
      opt.dispose();
    }
  });
});

describe('adamw4bit_rank1: checkpoints', () => {
  const dir = mkdtempSync(join(tmpdir(), 'optc-rank1-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('save -> load restores codes and rank-1 scales bit for bit; continuing = the uninterrupted run', async () => {
    const data = Object.fromEntries(Object.entries(SHAPES).map(([k, s]) => [k, caseData(`ck.${k}`, numel(s))]));
    const specs = (zero: boolean) => Object.fromEntries(Object.entries(SHAPES).map(([k, shape]) => [k, { shape, data: zero ? new Float32Array(numel(shape)) : data[k]!.p0 }]));
    const grads = (k: number) => Object.fromEntries(Object.keys(SHAPES).map((name) => [name, data[name]!.grads[k]!]));
    const a = await createOptimizer(device, c.module, specs(false), { hypers: HYPERS });
    const b = await createOptimizer(device, c.module, specs(true), { hypers: HYPERS, maxBindingBytes: 8192 });
    const file = join(dir, 'rank1.safetensors');
    try {
      for (let k = 0; k < STEPS / 2; k++) a.step(grads(k));
      await a.save(file);
      await b.load(file);
      const compare = async (label: string) => {
        for (const name of Object.keys(SHAPES)) {
          expectSameBits(`${label} ${name} p`, await b.readParam(name), await a.readParam(name));
          for (const s of ['m', 'v']) {
            const [pa, pb] = [await a.readStatePacked(s, name), await b.readStatePacked(s, name)];
            expectSameBits(`${label} ${name} ${s} codes`, pb.words, pa.words);
            expectSameBits(`${label} ${name} ${s} scales`, pb.scales, pa.scales);
          }
        }
      };
      await compare('restored');
      for (let k = STEPS / 2; k < STEPS; k++) { a.step(grads(k)); b.step(grads(k)); }
      await compare(`t=${STEPS}`);
    } finally {
      a.dispose(); b.dispose();
    }
  });
});
