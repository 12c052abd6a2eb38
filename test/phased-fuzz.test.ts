// Randomized differential test of the phased kernels with every storage format (issue 14): seeded random
// programs mixing reductions (sum, max, min over tensors, rows, columns and all tensors; norms and RMS),
// row, column and tensor state, uniform random numbers, compressed states in every block-scaled, FP8 and
// 16-bit format (nearest or stochastic rounding), rank-1 q4u (in programs without row or column values,
// which run at width 4) and f16/bf16 parameters, compiled with or without the
// non-finite guard, run on Dawn over several tensors packed into shared chunks at width 4 or 1: parameter,
// codes, scales and small states equal the interpreter's bit for bit after every step. The interpreter
// folds reductions in the kernels' f32 order (src/ir/reduce-order.ts); test/compressed-fuzz.test.ts is the
// elementwise twin.
//
// As there, the programs use +, -, *, sqrt of |x|, min, max, abs, comparisons and select and clamp what
// they store, so no NaN or infinity arises; means divide by the element count (a division by an integer
// below 2^24, exact where the quotient is, correctly rounded on lavapipe otherwise).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, type CompileOptions } from '../src/index.js';
import { Builder, type Program, type ReduceFn, type ReduceOver, type StateFormat, type Value } from '../src/ir/index.js';
import { createOptimizer, getDevice, releaseGpu } from '../src/runtime/index.js';
import { deviceOrder, expectDeviceEquals, TensorsRun, widthOf } from './helpers/backend-phased.js';
import { numel } from './helpers/data.js';
import { Rng, seedOf } from './helpers/prng.js';

const PROGRAMS = Number(process.env.OPTC_FUZZ_PROGRAMS ?? 20);
const STEPS = 3;
const STATE_FORMATS: StateFormat[] = [
  { kind: 'f32' }, { kind: 'q8' }, { kind: 'q8u' }, { kind: 'q8', block: 64 }, { kind: 'q4' }, { kind: 'q4u' },
  { kind: 'q4', block: 32 }, { kind: 'fp8e4m3' }, { kind: 'fp8e5m2', block: 128 }, { kind: 'f16' }, { kind: 'bf16' },
  { kind: 'bf16', rounding: 'stochastic' }, { kind: 'f16', rounding: 'stochastic' }, { kind: 'q8', block: 1024 },
];
const M_FORMATS: StateFormat[] = [...STATE_FORMATS, { kind: 'q4u', rank1: true }];
const PARAM_FORMATS: StateFormat[] = [{ kind: 'f32' }, { kind: 'bf16' }, { kind: 'bf16', rounding: 'stochastic' }, { kind: 'f16' }];
const SHAPES: number[][] = [[1], [7], [33, 35], [130], [4, 5, 6], [64, 3], [2, 129], [9000]];

interface Case { program: Program; options: CompileOptions; shapes: number[][]; vectorize: boolean; hypers: Record<string, number>; features: string[] }

function randomCase(index: number): Case {
  const rng = new Rng(seedOf(`phased-fuzz|${index}`));
  const rnd = () => rng.uniform();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const features = new Set<string>();
  const b = new Builder(`pfuzz${index}`);
  const lr = b.hyper('lr', 0.05);
  const beta = b.hyper('beta', 0.9);
  const pf = pick(PARAM_FORMATS);
  b.paramFormat(pf);
  const p = b.param(), g = b.grad();
  // m's format cycles through every format (so any 15 programs in a row cover them); v's is random.
  const mFormat = M_FORMATS[index % M_FORMATS.length]!;
  const flat = rnd() < 0.15;
  const formats = { m: mFormat, v: pick(STATE_FORMATS) };
  const elemStates = Object.fromEntries(Object.entries(formats).map(([name, format]) => [name, b.state(name, { format, init: rnd() < 0.5 ? 0 : 0.25 })]));
  // Small states: one per row, per column, per tensor, each present or not.
  const small = (flat ? ['tensor'] as const : ['row', 'col', 'tensor'] as const).filter(() => rnd() < 0.4).map((space) => ({ space, v: b.state(`s_${space}`, { space, init: 0.5 }) }));
  const elems: Value[] = [p, g, ...Object.values(elemStates)];
  const others: Value[] = small.map((s) => s.v);
  const clamp = (x: Value) => b.op('min', b.op('max', x, -1), 1);
  const operand = (): Value | number => (rnd() < 0.15 ? pick([0.5, 2, -1, 0.1, 3])
    : rnd() < 0.2 && others.length ? pick(others) : elems[Math.max(0, elems.length - 1 - Math.floor(rnd() * rnd() * elems.length))]!);
  const elemOperand = () => elems[Math.max(0, elems.length - 1 - Math.floor(rnd() * rnd() * elems.length))]!;
  const reduced = (fn: ReduceFn, over: ReduceOver, x: Value): Value => { features.add(`${fn}:${over}`); return b.reduce(fn, over, x); };
  const nOps = 3 + Math.floor(rnd() * 10);
  for (let i = 0; i < nOps; i++) {
    const r = rnd();
    const x = operand(), y = operand();
    const push = (v: Value) => (b.spaceOf(v) === 'elem' ? elems : others).push(v);
    if (r < 0.12) push(b.op('add', x, y));
    else if (r < 0.22) push(b.op('sub', x, y));
    else if (r < 0.32) push(b.op('mul', x, rnd() < 0.5 ? beta : y));
    else if (r < 0.38) push(b.op('sqrt', b.op('abs', x)));
    else if (r < 0.46) push(b.op(pick(['min', 'max'] as const), x, y));
    else if (r < 0.52) push(b.select(b.op(pick(['lt', 'ge'] as const), x, y), x, y));
    else if (r < 0.56) { push(b.rand('uniform', b.op('add', b.step(), 7))); features.add('rand'); }
    else {
      // A reduction of an elem value, brought back into [-1, 1] and used per element.
      const e = elemOperand();
      const kind = rnd();
      let red: Value;
      if (kind < 0.25) red = b.sqrt(reduced('sum', pick(['tensor', 'global'] as const), b.mul(e, e))); // a norm
      else if (kind < 0.4) red = b.sqrt(b.div(reduced('sum', 'tensor', b.mul(e, e)), b.dim('numel'))); // an RMS
      else if (kind < 0.6 && !flat) red = b.div(reduced('sum', pick(['row', 'col'] as const), e), b.dim(pick(['rows', 'cols'] as const))); // a row/column mean
      else red = reduced(pick(['sum', 'max', 'min'] as const), pick(flat ? ['tensor', 'global'] as const : ['tensor', 'row', 'col', 'global'] as const), e);
      const c = clamp(b.mul(red, 0.25));
      others.push(c);
      elems.push(b.mul(e, c));
    }
  }
  const late = () => elems[Math.max(0, elems.length - 1 - Math.floor(rnd() * 4))]!;
  const mix = (old: Value, x: Value) => b.op('add', b.op('mul', beta, old), b.op('mul', b.op('sub', 1, beta), clamp(x)));
  for (const [name, s] of Object.entries(elemStates)) if (rnd() < 0.85) b.store(name, mix(s, late()));
  for (const s of small) {
    // A small state takes a value of its own space: a mean of an elem value over its rows/columns/tensor.
    const e = late();
    const over: ReduceOver = s.space;
    b.store(`s_${s.space}`, mix(s.v, b.mul(reduced('sum', over, e), 0.01)));
    features.add(`state:${s.space}`);
  }
  // p's step is scaled by a clamped norm of g, so every program has a reduction (and runs in stages).
  const scale = clamp(b.mul(b.sqrt(reduced('sum', 'tensor', b.mul(g, g))), 0.1));
  b.store('p', b.op('sub', p, b.op('mul', lr, clamp(b.mul(late(), scale)))));
  for (const f of [...Object.values(formats), pf]) if (f.kind !== 'f32') features.add(`${f.kind}${f.rounding ? '-sr' : ''}${f.rank1 ? '-rank1' : ''}`);
  const options: CompileOptions = { guard: rnd() < 0.3 };
  if (options.guard) features.add('guard');
  const shapes = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(SHAPES));
  return { program: b.finish(), options, shapes, vectorize: rnd() < 0.7, hypers: { lr: 0.05 + rnd() * 0.1, beta: 0.5 + rnd() * 0.45 }, features: [...features].sort() };
}

let device: GPUDevice;
beforeAll(async () => { device = await getDevice(); });
afterAll(() => { device?.destroy(); releaseGpu(); });

describe(`${PROGRAMS} random phased programs over random storage formats: Dawn = interpreter, bit for bit after every step`, () => {
  const seen = new Set<string>();
  let ran = 0;
  afterAll(() => {
    // The generator reaches every format, every reduction and every kind of small state (checked when the
    // default number of programs ran; a filtered run checks only what it ran).
    if (ran < 20) return;
    for (const want of ['q8', 'q4', 'q4u-rank1', 'fp8e4m3', 'bf16-sr', 'f16-sr', 'bf16', 'f16', 'sum:global', 'sum:row', 'sum:col', 'max:tensor', 'state:row', 'state:col', 'state:tensor', 'rand', 'guard']) {
      expect(seen.has(want), `no generated program has ${want}`).toBe(true);
    }
  });
  for (let index = 0; index < PROGRAMS; index++) {
    const k = randomCase(index);
    const what = `#${index}: ${k.features.join(' ')}; ${k.shapes.map((s) => `[${s}]`).join(' ')}${k.vectorize ? '' : ', width 1'}`;
    it(what, async () => {
      for (const f of k.features) seen.add(f);
      ran++;
      const c = compile(k.program, k.options);
      expect(c.module.phased).toBeDefined();
      const rng = new Rng(seedOf(`phased-fuzz-data|${index}`));
      const names = k.shapes.map((_, t) => `t${t}`);
      const p0 = k.shapes.map((s) => Float32Array.from({ length: numel(s) }, () => rng.normal()));
      const grads = Array.from({ length: STEPS }, () => k.shapes.map((s) => Float32Array.from({ length: numel(s) }, () => rng.normal())));
      const run = new TensorsRun(c.program, k.shapes, p0, deviceOrder(c.module, widthOf(c.module, k.vectorize)), () => k.hypers);
      const opt = await createOptimizer(device, c.module, Object.fromEntries(names.map((n, t) => [n, { shape: k.shapes[t]!, data: p0[t]! }])),
        { hypers: k.hypers, vectorize: k.vectorize });
      try {
        for (let s = 0; s < STEPS; s++) {
          expect(await opt.step(Object.fromEntries(names.map((n, t) => [n, grads[s]![t]!])))).toMatchObject({ skipped: false });
          await expectDeviceEquals(`step ${s + 1}`, c.program, opt, names, run.step(s + 1, grads[s]!));
        }
      } finally {
        opt.dispose();
      }
    }, 240_000); // rank-1 programs compile several large pipelines: minutes on a loaded 2-core machine
  }
});
