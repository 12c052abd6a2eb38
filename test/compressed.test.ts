// The compressed-state examples (issue 4): 8-bit, 4-bit, FP8 and bf16 states fused into the step.
//
//   (a) Dawn = interpreter, bit for bit, on codes, scales and parameters, after 1 and STEPS steps, for every
//       example on shapes [7] (one partial block), [33, 35] (1155: 4.5 blocks of 256, 9.02 of 128) and
//       [4099] (odd, with one block of all-zero gradients, so a zero scale, and outliers that set other
//       blocks' absmax), and for several tensors packed into shared chunks with a parameter group, also
//       split over bindings. Both run the same quantizer on the same f32 values (docs/formats.md), so
//       nothing short of equality is right.
//   (b) The interpreter against a float64 reference of the *f32* optimizer (test/ref), teacher-forced: at
//       every step the reference starts from the interpreter's decoded state and parameter. Then
//       - p must agree as in test/optimizers.test.ts (REF_TOL): p is computed from the new, unquantized
//         states in f32 (as bitsandbytes does), so only f32 rounding separates the two;
//       - each decoded new state must lie within the format's largest half code gap times its block's
//         absmax of the reference (plus REF_TOL for the f32 arithmetic before encoding): one nearest-code
//         quantization per step and nothing else. That the quantizer itself meets its per-element bound is
//         tested in formats.test.ts; this checks that the examples feed it the f32 optimizer's values.
//       A trajectory-level comparison, where quantization errors compound, is compressed-quality.test.ts.
//   (c) Device memory on a 1M-parameter tensor, from `opt.memory()`.
//   (d) Checkpoints: save -> load into a fresh optimizer restores codes, scales and params bit for bit, and
//       continuing from the restored copy equals the uninterrupted run bit for bit.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, type Compiled, type CompileOptions } from '../src/index.js';
import { FORMATS } from '../src/formats/index.js';
import { hashProgram, resolveHypers, type StepResult } from '../src/ir/index.js';
import { createOptimizer, getDevice, releaseGpu, type Optimizer, type OptimizerOptions } from '../src/runtime/index.js';
import { assertClose, maxAbs } from './helpers/compare.js';
import { gradientSequence, numel, randomTensor } from './helpers/data.js';
import { InterpRun, expectSameBits } from './helpers/packed.js';
import { expectWithinQuantization } from './helpers/backend-quant.js';
import { Rng, seedOf } from './helpers/prng.js';
import { ademamix } from './ref/ademamix.js';
import { REFS, type Hypers, type RefOptimizer } from './ref/index.js';

const STEPS = 20;
const AT = [1, STEPS];
const SHAPES: number[][] = [[7], [33, 35], [4099]];
const REF_TOL = { rtol: 1e-5, atolFrac: 1e-5 };

interface Example {
  name: string;
  ref: RefOptimizer;
  /** Hyperparameters of the tests: lr large enough that p moves visibly in STEPS steps, decay switched on. */
  hypers: Hypers;
  /** Its f32 original in examples/, whose update rule it must keep. */
  f32?: string;
}

const EXAMPLES: Example[] = [
  { name: 'adamw8bit', ref: REFS.adamw!, f32: 'adamw', hypers: { lr: 0.01, weight_decay: 0.1 } },
  { name: 'adam8bit', ref: REFS.adam!, f32: 'adam', hypers: { lr: 0.01, weight_decay: 0.01 } },
  { name: 'lion8bit', ref: REFS.lion!, f32: 'lion', hypers: { lr: 0.001, weight_decay: 0.1 } },
  { name: 'sgd8bit', ref: REFS.sgd!, f32: 'sgd', hypers: { lr: 0.01, nesterov: 1, dampening: 0.1, weight_decay: 0.01 } },
  // Warm-ups shorter than the run, so both schedules and their end are exercised.
  { name: 'ademamix8bit', ref: ademamix, f32: 'ademamix', hypers: { lr: 0.01, T_alpha: 8, T_beta3: 12 } },
  { name: 'adamw4bit', ref: REFS.adamw!, f32: 'adamw', hypers: { lr: 0.01, weight_decay: 0.1 } },
  { name: 'adamwfp8', ref: REFS.adamw!, f32: 'adamw', hypers: { lr: 0.01, weight_decay: 0.1 } },
  { name: 'adamw_bf16', ref: REFS.adamw!, f32: 'adamw', hypers: { lr: 0.01, weight_decay: 0.1 } },
];

const source = (name: string) => readFileSync(new URL(`../examples/${name}.opt`, import.meta.url), 'utf8');
const compiled = new Map<string, Compiled>();
const compiledOf = (name: string, options: CompileOptions = {}): Compiled => {
  const key = `${name}:${JSON.stringify(options)}`;
  let c = compiled.get(key);
  if (!c) compiled.set(key, (c = compile(source(name), { file: `examples/${name}.opt`, ...options })));
  return c;
};

/** Random parameters and gradients; for n > 1024, elements 512..767 (a whole block) get zero gradients. */
function caseData(name: string, n: number): { p0: Float32Array; grads: Float32Array[] } {
  const rng = new Rng(seedOf(`compressed|${name}|${n}`));
  const p0 = randomTensor(rng, n);
  const grads = gradientSequence(rng, n, STEPS);
  for (const g of grads) {
    if (n > 1024) g.fill(0, 512, 768);
    // Outliers: one element in ~97 is 30x larger, so most blocks' absmax is one element.
    for (let i = 5; i < n; i += 97) g[i]! *= 30;
  }
  return { p0, grads };
}

const compressedStates = (c: Compiled) => c.program.states.filter((s) => s.format.kind !== 'f32');

async function expectDeviceEqualsInterp(label: string, c: Compiled, opt: Optimizer, tensor: string, want: StepResult): Promise<void> {
  expectSameBits(`${label} p`, await opt.readParam(tensor), want.param);
  for (const s of compressedStates(c)) {
    const pk = await opt.readStatePacked(s.name, tensor);
    expectSameBits(`${label} ${s.name} codes`, pk.words, want.packed![s.name]!.words);
    expectSameBits(`${label} ${s.name} scales`, pk.scales, want.packed![s.name]!.scales);
  }
}

let device: GPUDevice;
beforeAll(async () => { device = await getDevice(); });
afterAll(() => { device?.destroy(); releaseGpu(); });

describe('compressed-state examples', () => {
  it('keep the update rule, hyperparameters and state names of their f32 originals', () => {
    for (const ex of EXAMPLES) {
      const c = compiledOf(ex.name);
      expect(compressedStates(c).length, ex.name).toBe(c.program.states.length);
      expect(c.program.states.map((s) => s.name).sort(), ex.name).toEqual(Object.keys(ex.ref.initState(1, ex.ref.defaults)).sort());
      if (!ex.f32) continue;
      // With every format removed, the program is its f32 original's (sgd8bit: but for momentum's default).
      const stripped = source(ex.name).replace(/(state \w+): [a-z0-9]+/g, '$1').replace(/\n\s*param p: [^;]*;/, '').replace('hyper momentum = 0.9;', 'hyper momentum = 0;');
      expect(hashProgram(compile(stripped).program), ex.name).toBe(hashProgram(compile(source(ex.f32)).program));
    }
  });
});

for (const ex of EXAMPLES) {
  describe(ex.name, () => {
    for (const shape of SHAPES) {
      it(`[${shape.join(', ')}]: Dawn = interpreter, bit for bit (codes, scales, params; ${STEPS} steps)`, async () => {
        const c = compiledOf(ex.name);
        const n = numel(shape);
        const { p0, grads } = caseData(ex.name, n);
        const interp = new InterpRun(c.program, p0, ex.hypers);
        const opt = await createOptimizer(device, c.module, { w: { shape, data: p0 } }, { hypers: ex.hypers });
        try {
          for (let k = 0; k < STEPS; k++) {
            opt.step({ w: grads[k]! });
            const want = interp.step(grads[k]!);
            if (AT.includes(k + 1)) await expectDeviceEqualsInterp(`t=${k + 1}`, c, opt, 'w', want);
          }
        } finally {
          opt.dispose();
        }
      });

      it(`[${shape.join(', ')}]: interpreter = f32 optimizer + one quantization per step (float64 reference, teacher-forced)`, () => {
        const c = compiledOf(ex.name);
        const n = numel(shape);
        const { p0, grads } = caseData(ex.name, n);
        const h = resolveHypers(c.program, ex.hypers);
        const interp = new InterpRun(c.program, p0, ex.hypers);
        for (let k = 0; k < STEPS; k++) {
          const before = interp.cur;
          const p = Float64Array.from(before.param);
          const st = Object.fromEntries(Object.entries(before.states).map(([s, a]) => [s, Float64Array.from(a)]));
          ex.ref.refStep(st, p, Float64Array.from(grads[k]!), k + 1, h);
          const got = interp.step(grads[k]!);
          const label = `t=${k + 1}`;
          // A bf16 parameter is one more rounding per step: within one ulp (2^-7 of the value) under SR.
          if (c.program.param) expectWithinQuantization(`${label} p`, { kind: c.program.param.kind }, got.param, p, 2);
          else assertClose(`${label} p`, got.param, p, { rtol: REF_TOL.rtol, atol: REF_TOL.atolFrac * maxAbs(p) });
          for (const s of c.program.states) expectWithinQuantization(`${label} ${s.name}`, s.format, got.states[s.name]!, st[s.name]!);
        }
      });
    }
  });
}

describe('several tensors in shared chunks', () => {
  const SHAPES_MULTI: Record<string, number[]> = { a: [7], b: [33, 35], c: [4099], d: [1], e: [2, 128], f: [300] };
  for (const ex of EXAMPLES) {
    for (const [what, options, codegen] of [
      ['packed, with a parameter group', {}, {}],
      ['split over 8 KiB bindings', { maxBindingBytes: 8192 }, {}],
      // The default kernel walks whole blocks serially; the workgroup kernel reduces them with barriers.
      ['packed, workgroup-absmax kernel', {}, { blockAbsmax: 'workgroup' }],
      ['packed, non-finite guard (a NaN step in the middle is skipped)', {}, { guard: true }],
    ] as [string, OptimizerOptions, CompileOptions][]) {
      it(`${ex.name}: ${what}: Dawn = interpreter per tensor, bit for bit`, async () => {
        const c = compiledOf(ex.name, codegen);
        const group = { ...ex.hypers, lr: ex.hypers.lr! * 2 };
        const data = Object.fromEntries(Object.entries(SHAPES_MULTI).map(([k, s]) => [k, caseData(`${ex.name}.${k}`, numel(s))]));
        const interps = Object.fromEntries(Object.entries(data).map(([k, d], id) => [k, new InterpRun(c.program, d.p0, k === 'b' ? group : ex.hypers, { tensor: id })]));
        const opt = await createOptimizer(device, c.module,
          Object.fromEntries(Object.entries(SHAPES_MULTI).map(([k, shape]) => [k, { shape, data: data[k]!.p0 }])),
          { hypers: ex.hypers, groups: [{ params: ['b'], hypers: { lr: group.lr } }], ...options });
        try {
          if (options.maxBindingBytes) expect(opt.dispatchesPerStep).toBeGreaterThan(2);
          const want: Record<string, StepResult> = {};
          for (let k = 0; k < STEPS; k++) {
            if (codegen.guard && k === 3) {
              const bad = Object.fromEntries(Object.keys(SHAPES_MULTI).map((name) => [name, data[name]!.grads[k]!.map((x, i) => (i === 5 ? NaN : x))]));
              expect(await opt.step(bad)).toMatchObject({ skipped: true });
            }
            const stepped = opt.step(Object.fromEntries(Object.keys(SHAPES_MULTI).map((name) => [name, data[name]!.grads[k]!])));
            if (codegen.guard) expect(await stepped).toMatchObject({ skipped: false });
            for (const name of Object.keys(SHAPES_MULTI)) want[name] = interps[name]!.step(data[name]!.grads[k]!);
          }
          for (const name of Object.keys(SHAPES_MULTI)) await expectDeviceEqualsInterp(`${name} t=${STEPS}`, c, opt, name, want[name]!);
        } finally {
          opt.dispose();
        }
      });
    }
  }
});

describe('device memory, 1M parameters', () => {
  const N = 1_000_000;
  const LIMITS: Record<string, number> = { adamw8bit: 2.1, adamw4bit: 1.1, adamwfp8: 2.1 };
  const measured: Record<string, number> = {};
  const measuredParam: Record<string, number> = {};
  afterAll(() => {
    console.log(`state bytes per parameter (opt.memory(), ${N} parameters):\n${Object.entries(measured).map(([k, v]) => `  ${k.padEnd(13)} ${v.toFixed(4)}`).join('\n')}`);
    console.log(`parameter bytes per parameter where not f32:\n${Object.entries(measuredParam).map(([k, v]) => `  ${k.padEnd(13)} ${v.toFixed(4)}`).join('\n')}`);
  });

  for (const name of ['adamw', ...EXAMPLES.map((e) => e.name)]) {
    it(`${name}: state bytes from memory() = the formats' bytes(n)${LIMITS[name] ? `, ≤ ${LIMITS[name]} per parameter` : ''}`, async () => {
      const c = compiledOf(name);
      const p0 = new Float32Array(N).fill(0.5);
      const opt = await createOptimizer(device, c.module, { w: { shape: [N], data: p0 } });
      try {
        opt.step({ w: new Float32Array(N).fill(1e-3) });
        await opt.sync();
        const mem = opt.memory();
        // What the formats define for one tensor of N elements. The runtime starts tensors on whole blocks
        // (and 64-element lane groups), so it may hold up to one alignment unit more, and rounds each
        // buffer (codes, scales) up to 16 bytes.
        const opts = (s: (typeof c.program.states)[number]) => (s.format.block ? { blockSize: s.format.block } : {});
        const exact = c.program.states.reduce((sum, s) => sum + FORMATS[s.format.kind].bytes(N, opts(s)), 0);
        const align = Math.max(64, ...c.program.states.map((s) => s.format.block ?? FORMATS[s.format.kind].blockSize ?? 0));
        const slack = c.program.states.reduce((sum, s) => sum + FORMATS[s.format.kind].bytes(align, opts(s)) + 32, 0);
        expect(mem.stateBytes).toBeGreaterThanOrEqual(exact);
        expect(mem.stateBytes - exact).toBeLessThanOrEqual(slack);
        // Parameters: 4 bytes each, or 2 for a bf16 parameter (docs/formats.md).
        const pb = c.program.param ? FORMATS[c.program.param.kind].bitsPerElement / 8 : 4;
        expect(mem.paramBytes - N * pb).toBeGreaterThanOrEqual(0);
        expect(mem.paramBytes - N * pb).toBeLessThanOrEqual(align * pb + 16);
        if (c.program.param) measuredParam[name] = mem.paramBytes / N;
        measured[name] = mem.stateBytes / N;
        if (LIMITS[name]) expect(measured[name]).toBeLessThanOrEqual(LIMITS[name]!);
        // It really ran at this size: the first step moved p by about lr (sign of the gradient); with
        // stochastic rounding of a bf16 p, on average over the last 1000 elements.
        const p = await opt.readParam('w');
        expect(p.subarray(N - 1000).reduce((s, x) => s + x, 0) / 1000).toBeLessThan(0.5);
      } finally {
        opt.dispose();
      }
    });
  }
});

describe('checkpoints of compressed state', () => {
  const dir = mkdtempSync(join(tmpdir(), 'optc-compressed-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const SHAPES_CK: Record<string, number[]> = { a: [7], b: [33, 35], c: [4099] };

  for (const ex of EXAMPLES.filter((e) => ['adamw8bit', 'ademamix8bit', 'adamw4bit', 'adamwfp8', 'adamw_bf16', 'sgd8bit'].includes(e.name))) {
    it(`${ex.name}: save -> load restores codes and scales bit for bit; continuing = the uninterrupted run`, async () => {
      const c = compiledOf(ex.name);
      const data = Object.fromEntries(Object.entries(SHAPES_CK).map(([k, s]) => [k, caseData(`ck.${ex.name}.${k}`, numel(s))]));
      const specs = (zero: boolean) => Object.fromEntries(Object.entries(SHAPES_CK).map(([k, shape]) =>
        [k, { shape, data: zero ? new Float32Array(numel(shape)) : data[k]!.p0 }]));
      const grads = (k: number) => Object.fromEntries(Object.keys(SHAPES_CK).map((name) => [name, data[name]!.grads[k]!]));
      const a = await createOptimizer(device, c.module, specs(false), { hypers: ex.hypers });
      const b = await createOptimizer(device, c.module, specs(true), { hypers: ex.hypers });
      const file = join(dir, `${ex.name}.safetensors`);
      try {
        for (let k = 0; k < STEPS / 2; k++) a.step(grads(k));
        await a.save(file);
        await b.load(file);
        expect(b.stepCount).toBe(a.stepCount);
        const compare = async (label: string) => {
          for (const name of Object.keys(SHAPES_CK)) {
            expectSameBits(`${label} ${name} p`, await b.readParam(name), await a.readParam(name));
            for (const s of c.program.states) {
              const [pa, pb] = [await a.readStatePacked(s.name, name), await b.readStatePacked(s.name, name)];
              expectSameBits(`${label} ${name} ${s.name} codes`, pb.words, pa.words);
              expectSameBits(`${label} ${name} ${s.name} scales`, pb.scales, pa.scales);
            }
          }
        };
        await compare('restored');
        for (let k = STEPS / 2; k < STEPS; k++) { a.step(grads(k)); b.step(grads(k)); }
        await compare(`t=${STEPS}`);
        // The file holds codes and scales, not f32 state: smaller than the f32 state it replaces.
        const n = Object.values(SHAPES_CK).reduce((s, sh) => s + numel(sh), 0);
        expect(statSync(file).size).toBeLessThan(n * 4 * (1 + c.program.states.length));
      } finally {
        a.dispose(); b.dispose();
      }
    });
  }
});
