// Parameters stored as f16/bf16, and stochastic rounding (SR) of f16/bf16 stores (docs/formats.md,
// "Stochastic rounding in the step"):
//
//   (a) The interpreter's SR against an independent float64 reference of "add the low random bits, then
//       truncate": for a stored value x between two neighbours lo < hi of the format, the result is hi
//       exactly when (rand mod 2^d) + (x - lo) / (hi - lo) * 2^d >= 2^d, with d the dropped bits (16 for
//       bf16, 13 for normal f16), and rand = srBits(t, tensor, index, target).
//   (b) SR is unbiased: the mean of 2^16 roundings of one value between two bf16 neighbours lands within
//       4 standard errors of the value (round-to-nearest misses it by hundreds), and deterministic: the
//       same step gives the same bits, another step or target other bits.
//   (c) Dawn = interpreter bit for bit for a program with an f16 parameter (nearest) and f16/bf16 states
//       with SR, on several tensors packed into shared chunks (odd sizes, a 1-element tensor), 12 steps;
//       adamw_bf16 itself (bf16 p with SR) is in test/compressed.test.ts with the other compressed examples.
//   (d) Caller-owned buffers: a bf16 parameter's buffer must be the packed size (a typed error naming the
//       tensor otherwise); a packed one updates in place, bit for bit as the interpreter.
//   (e) Checkpoints store a bf16 parameter as safetensors BF16 and restore its bits exactly.
//   (f) Trajectory: AdamW with lr = 1e-3 from p near 1 (where the bf16 ulp is 2^-7, so every step is
//       below half an ulp): bf16 with nearest-even rounding never moves p (loss stays at L0), bf16 with SR
//       tracks f32 AdamW: loss within 10% and mean |p - p_f32| below 3 ulps at every 50th of 400 steps,
//       while f32 travels 0.4 and its loss falls 14x (measured: within 7%, 1.0e-2 to 1.8e-2).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../src/index.js';
import { FORMATS } from '../src/formats/index.js';
import {
  Builder, hashProgram, interpretStep, srBits, storedParam, toSource,
} from '../src/ir/index.js';
import { parseProgram } from '../src/parser/index.js';
import { createOptimizer, decodeCheckpoint, getDevice, releaseGpu, ShapeError } from '../src/runtime/index.js';
import { gradientSequence, numel, randomTensor } from './helpers/data.js';
import { InterpRun, expectSameBits } from './helpers/packed.js';
import { Rng, seedOf } from './helpers/prng.js';

const source = (name: string) => readFileSync(new URL(`../examples/${name}.opt`, import.meta.url), 'utf8');


/** `p = p + g` stored as `fmt`: the stored value is exactly one rounding of the f32 sum. */
const addProgram = (fmt: string) => parseProgram(`optimizer add {\n  param p: ${fmt};\n  update { p = p + g; }\n}\n`).program!;

/** Float64 reference of SR: neighbours from the exponent, up iff low bits + dropped fraction carry. */
function srReference(x: number, rand: number, kind: 'bf16' | 'f16'): number {
  const man = kind === 'bf16' ? 7 : 10;
  const dropped = 23 - man;
  const a = Math.abs(x);
  const ulp = 2 ** (Math.floor(Math.log2(a)) - man);
  const lo = Math.floor(a / ulp) * ulp;
  const frac = (a - lo) / ulp; // exact: a and lo are f32 within one binade
  const up = (rand % 2 ** dropped) + frac * 2 ** dropped >= 2 ** dropped;
  return Math.sign(x) * (up ? lo + ulp : lo);
}

describe('stochastic rounding in the interpreter', () => {
  it('matches a float64 "add the low random bits, then truncate" reference (bf16 and f16, several steps and tensors)', () => {
    const values = [1 + 0.3 * 2 ** -7, -3.14159, 0.1, 1234.5678, -2.5e-3, 7.0000005, 1e-3 + 1e-7, 65.432];
    for (const kind of ['bf16', 'f16'] as const) {
      const prog = addProgram(`${kind}(rounding = stochastic)`);
      for (const [t, tensor] of [[1, 0], [2, 0], [7, 3]] as const) {
        const p0 = new Float32Array(values.length);
        const g = Float32Array.from(values);
        const got = interpretStep(prog, { t, param: p0, inputs: { g }, states: {}, tensorIndex: tensor }).param;
        for (let i = 0; i < values.length; i++) {
          const want = srReference(g[i]!, srBits(t, tensor, i, 'p'), kind);
          expect(got[i], `${kind} t=${t} tensor=${tensor} x=${g[i]}`).toBe(want);
        }
      }
    }
  });

  it('is unbiased: the mean of 2^16 roundings is within 4 standard errors of the value; nearest-even is not', () => {
    const n = 1 << 16;
    const ulp = 2 ** -7;
    const frac = 0.3;
    const x = Math.fround(1 + frac * ulp);
    const run = (fmt: string, t: number) => interpretStep(addProgram(fmt), { t, param: new Float32Array(n), inputs: { g: new Float32Array(n).fill(x) }, states: {} }).param;
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    const se = (ulp * Math.sqrt(frac * (1 - frac))) / Math.sqrt(n);
    for (const t of [1, 2, 3]) {
      const sr = run('bf16(rounding = stochastic)', t);
      expect(new Set(sr).size).toBe(2); // only the two neighbours
      expect(Math.abs(mean(sr) - x) / se, `t=${t}`).toBeLessThan(4);
    }
    // The test can fail: round-to-nearest stores 1 everywhere, 0.3 ulp below x, ~290 standard errors.
    expect(Math.abs(mean(run('bf16', 1)) - x) / se).toBeGreaterThan(100);
  });

  it('is deterministic: the same step gives the same bits; another step, tensor or target other bits', () => {
    const n = 4096;
    const g = randomTensor(new Rng(3), n);
    const prog = addProgram('bf16(rounding = stochastic)');
    const step = (t: number, tensorIndex = 0) => interpretStep(prog, { t, param: new Float32Array(n), inputs: { g }, states: {}, tensorIndex }).param;
    expectSameBits('t=5 twice', step(5), step(5));
    const differ = (a: Float32Array, b: Float32Array) => a.filter((v, i) => v !== b[i]).length;
    expect(differ(step(5), step(6))).toBeGreaterThan(n / 10);
    expect(differ(step(5, 0), step(5, 1))).toBeGreaterThan(n / 10);
    let same = 0;
    for (let i = 0; i < n; i++) if (srBits(5, 0, i, 'p') === srBits(5, 0, i, 'm')) same++;
    expect(same).toBe(0);
  });

  it('Builder.paramFormat builds the program the parser builds, and toSource prints it back', () => {
    const parsed = parseProgram(source('adamw_bf16')).program!;
    expect(parsed.param).toEqual({ kind: 'bf16', rounding: 'stochastic' });
    const b = new Builder('add').paramFormat({ kind: 'bf16', rounding: 'stochastic' });
    b.store('p', b.op('add', b.param(), b.grad()));
    const built = b.finish();
    expect(hashProgram(built)).toBe(hashProgram(addProgram('bf16(rounding = stochastic)')));
    expect(hashProgram(built)).not.toBe(hashProgram(addProgram('bf16')));
    expect(hashProgram(addProgram('bf16'))).not.toBe(hashProgram(addProgram('f32')));
    expect(toSource(built)).toContain('param p: bf16(rounding = stochastic);');
    expect(hashProgram(parseProgram(toSource(built)).program!)).toBe(hashProgram(built));
  });
});

// ---- on the device -------------------------------------------------------------------------------------

/** AdamW-like with an f16 parameter (nearest) and SR into f16 and bf16 states. */
const MIXED = `optimizer mixed {
  hyper lr = 0.01;
  hyper beta1 = 0.9;
  hyper beta2 = 0.999;
  state m: f16(rounding = stochastic) = 0;
  state v: bf16(rounding = stochastic) = 0;
  param p: f16;
  update {
    m = beta1 * m + (1 - beta1) * g;
    v = beta2 * v + (1 - beta2) * g * g;
    p = p - lr * (m / (1 - beta1 ^ t)) / (sqrt(v / (1 - beta2 ^ t)) + 1e-6);
  }
}
`;

/** Block-scaled 8-bit states with a bf16 SR parameter: the serial-block kernel (and, optionally, the workgroup one). */
const MIXED8 = MIXED.replace('optimizer mixed', 'optimizer mixed8').replace('state m: f16(rounding = stochastic) = 0;', 'state m: q8 = 0;')
  .replace('state v: bf16(rounding = stochastic) = 0;', 'state v: q8u(block = 128) = 0;').replace('param p: f16;', 'param p: bf16(rounding = stochastic);');

let device: GPUDevice;
beforeAll(async () => { device = await getDevice(); });
afterAll(() => { device?.destroy(); releaseGpu(); });

describe('f16/bf16 parameters and SR states on Dawn', () => {
  const SHAPES: Record<string, number[]> = { a: [7], b: [33, 35], c: [1], d: [4099], e: [2, 65] };
  const STEPS = 12;

  for (const [what, options, src, codegen] of [
    ['packed into shared chunks', {}, MIXED, {}],
    ['split over 8 KiB bindings', { maxBindingBytes: 8192 }, MIXED, {}],
    ['q8/q8u states, bf16 SR parameter, serial-block kernel', {}, MIXED8, {}],
    ['q8/q8u states, bf16 SR parameter, workgroup kernel', {}, MIXED8, { blockAbsmax: 'workgroup' }],
  ] as const) {
    it(`${what}: Dawn = interpreter bit for bit (p, m, v; ${STEPS} steps)`, async () => {
      const c = compile(src, codegen);
      const names = Object.keys(SHAPES);
      const rng = new Rng(seedOf(`bf16-params|${what}`));
      const data = names.map((k) => ({ p0: randomTensor(rng, numel(SHAPES[k]!)), grads: gradientSequence(rng, numel(SHAPES[k]!), STEPS) }));
      const runs = names.map((_, id) => new InterpRun(c.program, data[id]!.p0, {}, { tensor: id }));
      const opt = await createOptimizer(device, c.module, Object.fromEntries(names.map((k, id) => [k, { shape: SHAPES[k]!, data: data[id]!.p0 }])), options);
      try {
        for (let s = 0; s < STEPS; s++) {
          opt.step(Object.fromEntries(names.map((k, id) => [k, data[id]!.grads[s]!])));
          runs.forEach((r, id) => r.step(data[id]!.grads[s]!));
        }
        for (const [id, k] of names.entries()) {
          const want = runs[id]!.cur;
          expectSameBits(`${k} p`, await opt.readParam(k), want.param);
          for (const s of ['m', 'v']) {
            const pk = await opt.readStatePacked(s, k);
            expect(Array.from(pk.words), `${k} ${s}`).toEqual(Array.from(want.packed![s]!.words));
            expect(Array.from(pk.scales), `${k} ${s} scales`).toEqual(Array.from(want.packed![s]!.scales));
          }
        }
        if (src !== MIXED) return;
        // SR moved states off their nearest-even values somewhere (the rounding really is stochastic).
        const rne = new InterpRun(compile(MIXED.replace(/\(rounding = stochastic\)/g, '')).program, data[3]!.p0, {}, { tensor: 3 });
        for (let s = 0; s < STEPS; s++) rne.step(data[3]!.grads[s]!);
        expect(rne.cur.states.m!.filter((x, i) => x !== runs[3]!.cur.states.m![i]).length).toBeGreaterThan(100);
        // Two bytes per parameter element (plus alignment padding of each tensor to 64 elements).
        const n = names.reduce((s, k) => s + numel(SHAPES[k]!), 0);
        if (!('maxBindingBytes' in options)) expect(opt.memory().paramBytes).toBeLessThanOrEqual(2 * (n + 64 * names.length));
      } finally {
        opt.dispose();
      }
    });
  }

  it('a caller-owned bf16 parameter buffer must be the packed size; a packed one is updated in place', async () => {
    const c = compile(source('adamw_bf16'));
    const shape = [33, 35];
    const n = numel(shape);
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const f32Sized = device.createBuffer({ size: n * 4, usage });
    await expect(createOptimizer(device, c.module, { w: { shape, buffer: f32Sized } })).rejects.toThrow(ShapeError);
    await expect(createOptimizer(device, c.module, { w: { shape, buffer: f32Sized } })).rejects.toThrow(/parameter 'w' is stored as bf16.*must hold 2312 bytes \(8 per group of 4 elements/);
    f32Sized.destroy();

    const rng = new Rng(11);
    const p0 = randomTensor(rng, n);
    const grads = gradientSequence(rng, n, 5);
    const packed = FORMATS.bf16.encode(p0).words;
    const buf = device.createBuffer({ size: Math.ceil(packed.byteLength / 16) * 16, usage });
    device.queue.writeBuffer(buf, 0, packed.buffer as ArrayBuffer, packed.byteOffset, packed.byteLength);
    const run = new InterpRun(c.program, p0);
    const opt = await createOptimizer(device, c.module, { w: { shape, buffer: buf } });
    try {
      for (const g of grads) { opt.step({ w: g }); run.step(g); }
      expectSameBits('caller-owned p', await opt.readParam('w'), run.cur.param);
      expect(opt.memory().paramBytes).toBe(0); // the caller's buffer is not the runtime's
    } finally {
      opt.dispose();
      buf.destroy();
    }
  });

  it('checkpoints store a bf16 parameter as BF16 and restore its bits exactly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'optc-bf16p-'));
    const c = compile(source('adamw_bf16'));
    const shapes: Record<string, number[]> = { a: [7], b: [33, 35] };
    const rng = new Rng(5);
    const p0 = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, randomTensor(rng, numel(s))]));
    const grads = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, gradientSequence(rng, numel(s), 8)]));
    const step = (k: number) => Object.fromEntries(Object.keys(shapes).map((name) => [name, grads[name]![k]!]));
    const a = await createOptimizer(device, c.module, Object.fromEntries(Object.entries(shapes).map(([k, shape]) => [k, { shape, data: p0[k]! }])));
    const b = await createOptimizer(device, c.module, Object.fromEntries(Object.entries(shapes).map(([k, shape]) => [k, { shape }])));
    try {
      for (let k = 0; k < 4; k++) a.step(step(k));
      const file = join(dir, 'ck.safetensors');
      await a.save(file);
      const ck = decodeCheckpoint(readFileSync(file));
      expect(ck.tensors['param/b']!.dtype).toBe('BF16');
      expect(ck.tensors['param/b']!.shape).toEqual([33, 35]);
      await b.load(file);
      for (const name of Object.keys(shapes)) {
        expect(Array.from(await b.readParamPacked(name)), name).toEqual(Array.from(await a.readParamPacked(name)));
        // The file's 16-bit patterns are the stored ones: decoding them gives readParam's values.
        const h = ck.tensors[`param/${name}`]!.data as Uint16Array;
        expectSameBits(`${name} BF16 in the file`, Float32Array.from(h, (x) => new Float32Array(new Uint32Array([x << 16]).buffer)[0]!), await a.readParam(name));
      }
      // Continuing from the restored copy is the uninterrupted run (same t, so the same SR bits).
      for (let k = 4; k < 8; k++) { a.step(step(k)); b.step(step(k)); }
      for (const name of Object.keys(shapes)) expectSameBits(`${name} t=8`, await b.readParam(name), await a.readParam(name));
    } finally {
      a.dispose(); b.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('trajectory: bf16 parameters with and without stochastic rounding', () => {
  // f(w) = ½ Σ c_i (w_i − w*_i)², c log-uniform over [0.1, 10], w0 ≈ 1, w* ≈ 0.6: Adam's step is about
  // lr = 1e-3, a quarter of the bf16 spacing near 1 (2^-7 ≈ 7.8e-3), so below half an ulp.
  const N = 1024, STEPS = 400;
  const rng = new Rng(2024);
  const c = Float64Array.from({ length: N }, () => 10 ** (2 * rng.uniform() - 1));
  const w0 = Float32Array.from({ length: N }, () => 1 + 0.01 * rng.normal());
  const target = Float64Array.from({ length: N }, () => 0.6 + 0.02 * rng.normal());
  const hypers = { lr: 1e-3, weight_decay: 0 };

  async function trajectory(src: string): Promise<Float32Array[]> {
    const opt = await createOptimizer(device, compile(src).module, { w: { shape: [N], data: w0 } }, { hypers });
    const out: Float32Array[] = [];
    try {
      let w = await opt.readParam('w');
      for (let s = 1; s <= STEPS; s++) {
        opt.step({ w: Float32Array.from(w, (x, i) => c[i]! * (x - target[i]!)) });
        w = await opt.readParam('w');
        if (s % 50 === 0) out.push(w);
      }
    } finally {
      opt.dispose();
    }
    return out;
  }
  const meanDist = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + Math.abs(x - b[i]!), 0) / a.length;
  const loss = (w: Float32Array) => w.reduce((s, x, i) => s + 0.5 * c[i]! * (x - target[i]!) ** 2, 0);

  it(`SR tracks f32 AdamW (loss within 10%, mean |Δp| < 3 bf16 ulps, every 50 of ${STEPS} steps); nearest-even stalls`, async () => {
    const f32 = await trajectory(source('adamw'));
    const sr = await trajectory(source('adamw_bf16'));
    const rne = await trajectory(source('adamw_bf16').replace('(rounding = stochastic)', ''));
    const ulp = 2 ** -7; // bf16 spacing on [1, 2); on [0.5, 1) it is half that
    const rows = f32.map((w, k) => ({ step: 50 * (k + 1), f32: loss(w), sr: loss(sr[k]!), rne: loss(rne[k]!), dSr: meanDist(sr[k]!, w), dRne: meanDist(rne[k]!, w) }));
    console.log(`loss (L0 = ${loss(w0).toExponential(3)}) and mean |p - p_f32|:\n${rows.map((r) =>
      `  t=${r.step}: f32 ${r.f32.toExponential(3)}  bf16+SR ${r.sr.toExponential(3)} (${r.dSr.toExponential(2)})  bf16 RNE ${r.rne.toExponential(3)} (${r.dRne.toExponential(2)})`).join('\n')}`);
    // SR's errors have mean zero but add up like a random walk that Adam's sign-like steps barely correct
    // while far from w*: a few ulps of distance, against the 0.4 that f32 travels.
    for (const r of rows) {
      expect(r.dSr, `t=${r.step}`).toBeLessThan(3 * ulp);
      expect(Math.abs(r.sr - r.f32) / r.f32, `t=${r.step}`).toBeLessThan(0.1);
    }
    // Nearest-even: every update rounds back to where p was; p never moves.
    expectSameBits('RNE p after all steps', rne[rne.length - 1]!, storedParam(compile(source('adamw_bf16')).program, w0));
    const last = rows[rows.length - 1]!;
    expect(last.dRne).toBeGreaterThan(0.25);
    expect(last.sr).toBeLessThan(0.1 * loss(w0));
    expect(last.rne).toBeGreaterThan(0.9 * loss(w0));
  });
});
