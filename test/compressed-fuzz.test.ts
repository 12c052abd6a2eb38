// Randomized differential test of the compressed-state kernels: seeded random elementwise programs whose
// states (and parameter) are stored in random formats — block-scaled 8/4-bit and FP8 with their default or
// a smaller block, f16/bf16 with nearest or stochastic rounding, q4u with rank-1 scales, bf16/f16
// parameters — compiled with random codegen options (serial or workgroup absmax kernel, the guard,
// fusion off), run on Dawn over several tensors packed into shared chunks (sometimes split over small
// bindings), must equal the interpreter bit for bit: parameters, codes and scales, after every step.
//
// The programs use only +, -, *, sqrt of |x|, min, max, abs, comparisons and select, and clamp what they
// store, so no NaN or infinity arises: NaN through max() is implementation-defined in WGSL. Division is
// left out on purpose: WGSL allows it 2.5 ulp, and lavapipe's compiler rewrites `c * (a / b)` inside some
// loops (measured: in the serial-block kernel, not in the workgroup one), so a quantized value one ulp
// away would make "bit for bit" a property of the driver, not of optc. Transcendentals likewise.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, type CompileOptions } from '../src/index.js';
import { Builder, type Program, type StateFormat, type Value } from '../src/ir/index.js';
import { createOptimizer, getDevice, releaseGpu } from '../src/runtime/index.js';
import { numel } from './helpers/data.js';
import { expectSameBits, InterpRun } from './helpers/packed.js';
import { Rng, seedOf } from './helpers/prng.js';

const PROGRAMS = Number(process.env.OPTC_FUZZ_PROGRAMS ?? 36);
const STEPS = 3;
const STATE_FORMATS: StateFormat[] = [
  { kind: 'f32' }, { kind: 'q8' }, { kind: 'q8u' }, { kind: 'q8', block: 64 }, { kind: 'q4' }, { kind: 'q4u' },
  { kind: 'q4', block: 32 }, { kind: 'fp8e4m3' }, { kind: 'fp8e5m2', block: 128 }, { kind: 'f16' }, { kind: 'bf16' },
  { kind: 'bf16', rounding: 'stochastic' }, { kind: 'f16', rounding: 'stochastic' }, { kind: 'q4u', rank1: true },
];
const PARAM_FORMATS: StateFormat[] = [{ kind: 'f32' }, { kind: 'f32' }, { kind: 'bf16' }, { kind: 'bf16', rounding: 'stochastic' }, { kind: 'f16' }];
const SHAPES: number[][] = [[1], [7], [33, 35], [130], [4, 5, 6], [64, 3], [2, 129]];

interface Case { program: Program; options: CompileOptions; shapes: number[][]; split: boolean; hypers: Record<string, number> }

function randomCase(index: number): Case {
  const rng = new Rng(seedOf(`compressed-fuzz|${index}`));
  const rnd = () => rng.uniform();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const b = new Builder(`fuzz${index}`);
  const lr = b.hyper('lr', 0.05);
  const beta = b.hyper('beta', 0.9);
  const formats = { m: pick(STATE_FORMATS), v: pick(STATE_FORMATS), w: pick(STATE_FORMATS) };
  b.paramFormat(pick(PARAM_FORMATS));
  const p = b.param(), g = b.grad();
  const states = Object.fromEntries(Object.entries(formats).map(([name, format]) =>
    [name, b.state(name, { format, init: rnd() < 0.5 ? 0 : 0.25 })])) as Record<string, Value>;
  const f32: Value[] = [p, g, ...Object.values(states)];
  const operand = (): Value | number => (rnd() < 0.2 ? pick([0.5, 2, -1, 0.1, 3]) : f32[Math.max(0, f32.length - 1 - Math.floor(rnd() * rnd() * f32.length))]!);
  const nOps = 2 + Math.floor(rnd() * 10);
  for (let i = 0; i < nOps; i++) {
    const r = rnd();
    const x = operand(), y = operand();
    if (r < 0.2) f32.push(b.op('add', x, y));
    else if (r < 0.35) f32.push(b.op('sub', x, y));
    else if (r < 0.5) f32.push(b.op('mul', x, rnd() < 0.5 ? beta : y));
    else if (r < 0.6) f32.push(b.op('mul', x, 0.5));
    else if (r < 0.7) f32.push(b.op('sqrt', b.op('abs', x)));
    else if (r < 0.8) f32.push(b.op(pick(['min', 'max'] as const), x, y));
    else if (r < 0.9) f32.push(b.select(b.op(pick(['lt', 'ge'] as const), x, y), x, y));
    else f32.push(b.op('neg', x));
  }
  const late = () => f32[Math.max(0, f32.length - 1 - Math.floor(rnd() * 4))]!;
  // Keep magnitudes bounded over the steps: each stored value is a convex mix of the old one and a new one
  // clamped to [-1, 1].
  const clamp = (x: Value) => b.op('min', b.op('max', x, -1), 1);
  const mix = (old: Value, x: Value) => b.op('add', b.op('mul', beta, old), b.op('mul', b.op('sub', 1, beta), clamp(x)));
  for (const name of Object.keys(states)) if (rnd() < 0.8) b.store(name, mix(states[name]!, late()));
  b.store('p', b.op('sub', p, b.op('mul', lr, clamp(late()))));
  const program = b.finish();
  const options: CompileOptions = {
    blockAbsmax: rnd() < 0.6 ? 'serial' : 'workgroup',
    guard: rnd() < 0.25,
    fuse: rnd() < 0.8,
  };
  const shapes = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(SHAPES));
  return { program, options, shapes, split: rnd() < 0.25, hypers: { lr: 0.05 + rnd() * 0.1, beta: 0.5 + rnd() * 0.45 } };
}

let device: GPUDevice;
beforeAll(async () => { device = await getDevice(); });
afterAll(() => { device?.destroy(); releaseGpu(); });

describe(`${PROGRAMS} random programs over random storage formats: Dawn = interpreter, bit for bit`, () => {
  for (let index = 0; index < PROGRAMS; index++) {
    const k = randomCase(index);
    const what = `#${index}: p ${k.program.param?.kind ?? 'f32'}, ${k.program.states.map((s) => `${s.name} ${JSON.stringify(s.format)}`).join(', ')}; ${JSON.stringify(k.options)}; ${k.shapes.map((s) => `[${s}]`).join(' ')}${k.split ? ', split' : ''}`;
    it(what, async () => {
      const c = compile(k.program, k.options);
      const rng = new Rng(seedOf(`compressed-fuzz-data|${index}`));
      const names = k.shapes.map((_, t) => `t${t}`);
      const data = k.shapes.map((s) => ({
        p0: Float32Array.from({ length: numel(s) }, () => rng.normal()),
        grads: Array.from({ length: STEPS }, () => Float32Array.from({ length: numel(s) }, () => rng.normal())),
      }));
      const runs = k.shapes.map((s, t) => new InterpRun(c.program, data[t]!.p0, k.hypers, { tensor: t, shape: s }));
      const opt = await createOptimizer(device, c.module, Object.fromEntries(names.map((n, t) => [n, { shape: k.shapes[t]!, data: data[t]!.p0 }])),
        { hypers: k.hypers, ...(k.split ? { maxBindingBytes: 8192 } : {}) });
      try {
        for (let s = 0; s < STEPS; s++) {
          expect(await opt.step(Object.fromEntries(names.map((n, t) => [n, data[t]!.grads[s]!])))).toMatchObject({ skipped: false });
          runs.forEach((r, t) => r.step(data[t]!.grads[s]!));
          for (const [t, n] of names.entries()) {
            const want = runs[t]!.cur;
            expectSameBits(`${n} p, step ${s + 1}`, await opt.readParam(n), want.param);
            for (const st of c.program.states) {
              if (st.format.kind === 'f32') {
                expectSameBits(`${n} ${st.name}, step ${s + 1}`, await opt.readState(st.name, n), want.states[st.name]!);
                continue;
              }
              const pk = await opt.readStatePacked(st.name, n);
              expectSameBits(`${n} ${st.name} codes, step ${s + 1}`, pk.words, want.packed![st.name]!.words);
              expectSameBits(`${n} ${st.name} scales, step ${s + 1}`, pk.scales, want.packed![st.name]!.scales);
            }
          }
        }
      } finally {
        opt.dispose();
      }
    });
  }
});
