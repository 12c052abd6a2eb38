// Compressed per-element states in matrix programs (codegen-wgsl/matrix-states.ts): Muon with its momentum
// buffer stored as q8, q4, bf16 or fp8, on Dawn through compile() + createOptimizer against the
// interpreter. The buffer is computed elementwise (a lerp of the decoded buffer and g), so its codes and
// scales agree bit for bit after every step; p goes through Newton–Schulz's f32 products, so it agrees
// within the tolerance of test/matrix-gpu.test.ts. Memory: the buffer's codes and scales, not 4 bytes a value.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, compileIR } from '../src/compile.js';
import { initStates, interpretTensors, type TensorIO } from '../src/ir/index.js';
import { getDevice, releaseGpu } from '../src/runtime/dawn.js';
import { createOptimizer, type TensorData } from '../src/runtime/optimizer.js';
import { CheckpointError, loadCheckpoint, saveCheckpoint } from '../src/checkpoint/index.js';
import type { MatrixOptimizer } from '../src/runtime/matrix-optimizer.js';
import type { Optimizer } from '../src/runtime/optimizer.js';
import { codecOf, matrixStateKernels } from '../src/codegen-wgsl/index.js';
import { bindKernel, recordPass } from '../src/runtime/matrix-stages.js';
import { readBuffer } from '../src/runtime/device.js';
import { decodeAs, encodeAs } from '../src/formats/index.js';
import type { StateFormat } from '../src/ir/types.js';
import { numel, randomTensor } from './helpers/data.js';
import { Rng } from './helpers/prng.js';

let device: GPUDevice;
beforeAll(async () => { device = await getDevice(); }); // a missing adapter fails here, saying how to get one
afterAll(() => { device?.destroy(); releaseGpu(); });

const muonWith = (format: string) => readFileSync('examples/muon.opt', 'utf8').replace('state momentum_buffer = 0;', `state momentum_buffer: ${format} = 0;`);

/**
 * `steps` steps of `source` (ns_steps 3) on Dawn and on the interpreter from the same start and gradients,
 * on two matrices (one tall) and an AdamW vector; `each(t, tensors)` checks after every step.
 */
async function bothWays(source: string, seed: number, steps: number, each: (t: number, tensors: TensorIO[], opt: Optimizer) => Promise<void> = async () => {}) {
  const program = compileIR(source, { consts: { ns_steps: 3 } }).program;
  const shapes: Record<string, number[]> = { w1: [24, 16], w2: [10, 30], b: [16] };
  const hypers = { lr: 0.02, 'adamw.lr': 0.01 };
  const rng = new Rng(seed);
  const params = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, { shape: s, data: randomTensor(rng, numel(s), { scale: 0.5 }) }]));
  const opt = await createOptimizer(device, compile(source, { consts: { ns_steps: 3 } }).module, params, { hypers });
  let tensors: TensorIO[] = Object.entries(params).map(([name, p], index) => ({
    name, index, shape: p.shape, param: p.data, inputs: {}, states: initStates(program, p.data.length, hypers, p.shape),
  }));
  for (let t = 1; t <= steps; t++) {
    const g = Object.fromEntries(Object.entries(params).map(([k, p]) => [k, randomTensor(rng, p.data.length)]));
    await opt.step(g);
    tensors = tensors.map((x) => ({ ...x, inputs: { g: g[x.name!]! } }));
    const out = interpretTensors(program, { t, hypers, tensors });
    tensors = tensors.map((x, i) => ({ ...x, param: out[i]!.param, states: out[i]!.states, ...(out[i]!.packed ? { packed: out[i]!.packed } : {}) }));
    await each(t, tensors, opt);
  }
  return { opt, tensors, params, program };
}

describe('Muon with a compressed momentum buffer: Dawn = the interpreter', () => {
  // bf16 rounded stochastically: the encoder draws the interpreter's random bits (tensor id, index, t).
  for (const format of ['q8', 'q4', 'bf16', 'fp8e4m3', 'bf16(rounding = stochastic)']) {
    it(format, async () => {
      const source = muonWith(format);
      expect(source).toContain(`momentum_buffer: ${format}`);
      const { opt, tensors, params } = await bothWays(source, 3, 4, async (t, tensors, opt) => {
        for (const x of tensors.slice(0, 2)) {
          const got = await opt.readStatePacked('momentum_buffer', x.name!);
          const want = x.packed!.momentum_buffer!;
          expect(Array.from(got.words), `${x.name} codes, step ${t}`).toEqual(Array.from(want.words));
          expect(Array.from(got.scales), `${x.name} scales, step ${t}`).toEqual(Array.from(want.scales));
          expect(Array.from(await opt.readState('momentum_buffer', x.name!))).toEqual(Array.from(x.states.momentum_buffer!));
        }
      });
      for (const x of tensors) {
        const a = await opt.readParam(x.name!), p0 = params[x.name!]!.data;
        let diff = 0, change = 0;
        for (let j = 0; j < a.length; j++) { diff = Math.max(diff, Math.abs(a[j]! - x.param[j]!)); change = Math.max(change, Math.abs(x.param[j]! - p0[j]!)); }
        expect(diff / change, x.name).toBeLessThan(1e-4);
      }
      // The matrices' buffers as codes (+ scales) and the vector's two f32 moments (padded arena chunks).
      const bits = format === 'q4' ? 4 : format.startsWith('bf16') ? 16 : 8;
      const codes = (n: number) => Math.max(16, Math.ceil((n * bits) / 8 / 16) * 16);
      const { stateBytes } = opt.memory();
      expect(stateBytes).toBeLessThan(4 * (24 * 16 + 10 * 30) + 2 * 4 * 64);
      expect(stateBytes).toBeGreaterThanOrEqual(codes(24 * 16) + codes(10 * 30) + 2 * 4 * 16);
      opt.dispose();
    }, 120_000);
  }

  it('rank-1 scales are refused with the reason (E0331)', () => {
    expect(() => compile(muonWith('q4u(rank1 = 1)'))).toThrow(/E0331.*rank-1 scales.*need the maxima of every row and column first/);
  });
});

describe('the codec kernels alone, at sizes that end inside a vec4, a word and a block', () => {
  it('encode = the CPU quantizer (codes and scales, bit for bit); decode = its values', async () => {
    const rng = new Rng(5);
    for (const f of [{ kind: 'q8' }, { kind: 'q4', block: 8 }, { kind: 'q4' }, { kind: 'bf16' }, { kind: 'f16' }, { kind: 'fp8e4m3' }] as StateFormat[]) {
      for (const n of [5, 67]) {
        const x = randomTensor(rng, n);
        const want = encodeAs(f, x);
        const bufs: Record<string, GPUBuffer> = {
          's': upload(new Float32Array(Math.ceil(n / 4) * 4).fill(NaN).map((v, i) => (i < n ? x[i]! : v))),
          'codes:s': upload(new Uint32Array(want.words.length + 4)), 'scales:s': upload(new Float32Array(want.scales.length + 4)),
        };
        const ks = matrixStateKernels('s', codecOf(f)!, n, 's');
        for (const k of [ks.encode, ks.decode]) {
          const b = await bindKernel(device, k, (key) => ({ buffer: bufs[key]! }));
          const enc = device.createCommandEncoder();
          recordPass(enc, k.name, [b]);
          device.queue.submit([enc.finish()]);
        }
        const words = new Uint32Array(await readBuffer(device, bufs['codes:s']!, 4 * want.words.length));
        expect(Array.from(words), `${f.kind} n=${n} codes`).toEqual(Array.from(want.words));
        const scales = new Float32Array(await readBuffer(device, bufs['scales:s']!, 4 * want.scales.length));
        expect(Array.from(scales), `${f.kind} n=${n} scales`).toEqual(Array.from(want.scales));
        expect(Array.from(new Float32Array(await readBuffer(device, bufs.s!, 4 * n))), `${f.kind} n=${n} decoded`).toEqual(Array.from(decodeAs(f, want, n)));
        for (const b of Object.values(bufs)) b.destroy();
      }
    }
  });
});

function upload(data: Float32Array | Uint32Array): GPUBuffer {
  const b = device.createBuffer({ size: Math.max(16, data.byteLength), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(b, 0, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
  return b;
}

describe('checkpoint files of a matrix program', () => {
  it('save, then load into a fresh optimizer: every tensor, state (q8 codes, AdamW moments), step and hyper, and the next step agrees bit for bit', async () => {
    const source = muonWith('q8');
    const module = compile(source, { consts: { ns_steps: 2 } }).module;
    const rng = new Rng(9);
    const shapes: Record<string, number[]> = { w: [12, 8], b: [8] };
    const params = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, { shape: s, data: randomTensor(rng, numel(s), { scale: 0.5 }) }]));
    const grad = () => Object.fromEntries(Object.entries(params).map(([k, p]) => [k, randomTensor(rng, p.data.length)]));
    const a = await createOptimizer(device, module, params, { hypers: { lr: 0.02, 'adamw.lr': 0.005 } });
    for (let t = 0; t < 3; t++) await a.step(grad());
    const file = join(mkdtempSync(join(tmpdir(), 'optc-mck-')), 'muon.safetensors');
    await a.save(file);
    const b = await createOptimizer(device, module, Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, { shape: s }])));
    await b.load(file);
    expect(b.stepCount).toBe(3);
    expect(b.hypers.lr).toBe(0.02);
    expect((b as MatrixOptimizer).fallback!.hypers.lr).toBe(0.005);
    const [ra, rb] = [await a.read(), await b.read()];
    expect(rb).toEqual(ra);
    expect(Array.from((await b.readStatePacked('momentum_buffer', 'w')).words)).toEqual(Array.from((await a.readStatePacked('momentum_buffer', 'w')).words));
    const g = grad();
    await a.step(g);
    await b.step(g);
    expect(await b.read()).toEqual(await a.read());
    // Another program's file is refused whole.
    const other = await createOptimizer(device, compile(muonWith('q4'), { consts: { ns_steps: 2 } }).module, Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, { shape: s }])));
    await expect(other.load(file)).rejects.toBeInstanceOf(CheckpointError);
    for (const o of [a, b, other]) o.dispose();
  }, 120_000);
});

describe('an f16/bf16 parameter in a matrix program', () => {
  it('Muon with bf16 matrices (rounded stochastically) and a q8 buffer: codes equal the interpreter\'s, p within one bf16 step, the vector f32', async () => {
    const source = muonWith('q8').replace('state momentum_buffer: q8 = 0;', 'state momentum_buffer: q8 = 0;\n  param p: bf16(rounding = stochastic);');
    const { opt, tensors, program } = await bothWays(source, 4, 3);
    expect(program.param?.kind).toBe('bf16');
    for (const x of tensors.slice(0, 2)) {
      expect(Array.from((await opt.readStatePacked('momentum_buffer', x.name!)).words)).toEqual(Array.from(x.packed!.momentum_buffer!.words));
      const got = await opt.readParam(x.name!);
      let same = 0;
      for (let j = 0; j < got.length; j++) {
        if (got[j] === x.param[j]) { same++; continue; }
        // Newton–Schulz's f32 products differ from the interpreter's float64 sums by ~1e-7 of the update,
        // which can move a bf16 rounding by one step (2^-8 relative) and no more.
        expect(Math.abs(got[j]! - x.param[j]!), `${x.name}[${j}]`).toBeLessThanOrEqual(Math.abs(x.param[j]!) * 2 ** -7);
      }
      expect(same / got.length, x.name).toBeGreaterThan(0.95);
      // Stored as bf16: every value has 8 significant bits.
      expect(got.every((v) => (new Uint32Array(Float32Array.of(v).buffer)[0]! & 0xffff) === 0)).toBe(true);
    }
    expect(Array.from(await opt.readParam('b'))).toEqual(Array.from(tensors[2]!.param));
    // Two bytes per matrix parameter (padded to 16 bytes), four for the vector.
    expect(opt.memory().paramBytes).toBeLessThan(4 * (24 * 16 + 10 * 30) / 2 + 64 + 4 * 64);
    // A checkpoint keeps the matrices' stored bits (BF16) and the vector's f32; a file that saved a matrix
    // decoded (F32, as matrix programs once did) loads to the same state.
    const file = join(mkdtempSync(join(tmpdir(), 'optc-mbf-')), 'muon.safetensors');
    await opt.save(file);
    const ck = await loadCheckpoint(file);
    expect([ck.tensors['param/w1']!.dtype, ck.tensors['param/b']!.dtype]).toEqual(['BF16', 'F32']);
    await saveCheckpoint(file, { ...ck, tensors: { ...ck.tensors, 'param/w1': { dtype: 'F32', shape: [24, 16], data: await opt.readParam('w1') } } });
    const fresh = await createOptimizer(device, opt.module, { w1: { shape: [24, 16] }, w2: { shape: [10, 30] }, b: { shape: [16] } });
    await fresh.load(file);
    expect(await fresh.read()).toEqual(await opt.read());
    expect(Array.from(await fresh.readParamPacked('w1'))).toEqual(Array.from(await opt.readParamPacked('w1')));
    fresh.dispose();
    opt.dispose();
  }, 120_000);
});

describe('the non-finite guard in a matrix program', () => {
  it('a NaN or inf in any gradient (a matrix\'s, a GPU buffer\'s, the fallback vector\'s) skips the whole step; a clean step runs', async () => {
    const module = compile(readFileSync('examples/muon.opt', 'utf8'), { consts: { ns_steps: 2 }, guard: true }).module;
    expect(module.guard).toBe(true);
    expect(module.fallback!.module.guard).toBe(false); // the matrix program's guard checks the vector too
    const rng = new Rng(2);
    const shapes: Record<string, number[]> = { w: [12, 8], b: [8] };
    const opt = await createOptimizer(device, module, Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, { shape: s, data: randomTensor(rng, numel(s)) }])));
    const clean = () => ({ w: randomTensor(rng, 96), b: randomTensor(rng, 8) });
    expect(await opt.step(clean())).toEqual({ t: 1, skipped: false });
    const before = await opt.read();
    const upload = (x: Float32Array) => {
      const buf = device.createBuffer({ size: x.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      device.queue.writeBuffer(buf, 0, x.buffer as ArrayBuffer, x.byteOffset, x.byteLength);
      return buf;
    };
    const bad: Record<string, TensorData>[] = [];
    { const g = clean(); g.w[17] = NaN; bad.push(g); }
    { const g = clean(); g.b[3] = Infinity; bad.push(g); }
    { const g = clean(); g.w[95] = -Infinity; bad.push({ w: upload(g.w), b: g.b }); }
    for (const g of bad) {
      expect(await opt.step(g)).toEqual({ t: 1, skipped: true });
      expect(await opt.read()).toEqual(before);
    }
    const g = clean();
    expect(await opt.step({ w: upload(g.w), b: g.b })).toEqual({ t: 2, skipped: false });
    expect(Array.from(await opt.readParam('w'))).not.toEqual(Array.from(before.params.w!));
    opt.dispose();
  }, 120_000);
});
