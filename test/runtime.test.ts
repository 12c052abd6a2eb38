// The runtime against the interpreter, on programs built with the IR builder (independent of the parser).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emitModule } from '../src/codegen-wgsl/index.js';
import { compile } from '../src/compile.js';
import { Builder, initStates, interpretStep, type Program, type StepResult } from '../src/ir/index.js';
import { runPipeline } from '../src/passes/index.js';
import { createOptimizer, getDevice, MissingTensorError, ShapeError, UnknownTensorError, UnknownStateError, HyperError, DisposedError } from '../src/runtime/index.js';

let device: GPUDevice;
beforeAll(async () => { device = await getDevice(); });
afterAll(() => device?.destroy());

/** Adam plus a select/pow/comparison tail, so every op family reaches the GPU. */
function program(): Program {
  const b = new Builder('mix');
  const lr = b.hyper('lr', 0.01), b1 = b.hyper('beta1', 0.9), b2 = b.hyper('beta2', 0.999), eps = b.hyper('eps', 1e-8);
  const m = b.state('m'), v = b.state('v', { init: b.hyper('v0', 0.5) }), g = b.grad(), t = b.step();
  const m2 = b.label(b.lerp(g, m, b1), 'm');
  const v2 = b.label(b.add(b.mul(b2, v), b.mul(b.sub(1, b2), b.square(g))), 'v');
  const upd = b.div(b.div(m2, b.sub(1, b.pow(b1, t))), b.add(b.sqrt(b.div(v2, b.sub(1, b.pow(b2, t)))), eps));
  const tail = b.select(b.and(b.gt(g, -0.5), b.not(b.eq(t, 3))), b.pow(g, 3), b.min(b.abs(g), b.exp(b.neg(b.abs(g)))));
  b.store('m', m2); b.store('v', v2);
  b.store('p', b.add(b.sub(b.param(), b.mul(lr, upd)), b.mul(1e-3, b.add(tail, b.log(b.add(1, b.abs(g)))))));
  return b.finish();
}

const rand = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i * 12.9898 + seed * 78.233) * 1.7));

async function runBoth(p: Program, fuse: boolean, vectorize: boolean, n: number, steps: number) {
  const sched = runPipeline(p, { fuse, vectorize, verify: true }).program;
  const mod = emitModule(sched);
  const p0 = rand(n, 0);
  const opt = await createOptimizer(device, mod, { w: { shape: [n], data: p0 } });
  let ref: StepResult = { param: p0, states: initStates(sched, n) };
  for (let t = 1; t <= steps; t++) {
    const g = rand(n, t);
    opt.step({ w: g });
    ref = interpretStep(sched, { t, param: ref.param, inputs: { g }, states: ref.states });
  }
  const got = await opt.read();
  opt.dispose();
  return { got, ref, dispatches: opt.dispatchesPerStep };
}

/** Largest |a-b| / max(|b|, 1e-30) over finite elements; non-finite elements must match exactly. */
function worstRel(a: Float32Array, b: Float32Array): number {
  let w = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(b[i]!)) { if (!Object.is(a[i], b[i])) return Infinity; continue; }
    w = Math.max(w, Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), 1e-30));
  }
  return w;
}

describe('kernels vs interpreter', () => {
  // lavapipe evaluates sqrt/div/exp/log within a few ulp of the correctly rounded f32 the interpreter
  // computes; 20 steps of a contracting update keep that under 1e-5 relative.
  for (const fuse of [true, false]) for (const vectorize of [true, false]) for (const n of [1, 7, 1155, 4099]) {
    it(`fuse=${fuse} vec4=${vectorize} n=${n}`, async () => {
      const { got, ref, dispatches } = await runBoth(program(), fuse, vectorize, n, 20);
      expect(worstRel(got.params.w!, ref.param)).toBeLessThan(1e-5);
      expect(worstRel(got.state.m!.w!, ref.states.m!)).toBeLessThan(1e-5);
      expect(worstRel(got.state.v!.w!, ref.states.v!)).toBeLessThan(1e-5);
      if (fuse) expect(dispatches).toBe(1); else expect(dispatches).toBeGreaterThan(10);
    });
  }
});

describe('runtime misuse is a typed error naming the tensor', () => {
  const mod = () => emitModule(runPipeline(program()).program);
  it('rejects bad gradients', async () => {
    const opt = await createOptimizer(device, mod(), { w: { shape: [2, 3], data: new Float32Array(6) }, b: { shape: [3] } });
    expect(() => opt.step({ w: new Float32Array(6) })).toThrow(MissingTensorError);
    expect(() => opt.step({ w: new Float32Array(6) })).toThrow(/missing gradient of 'b'/);
    expect(() => opt.step({ w: new Float32Array(5), b: new Float32Array(3) })).toThrow(ShapeError);
    expect(() => opt.step({ w: new Float32Array(5), b: new Float32Array(3) })).toThrow(/gradient of 'w' has 5 elements, the parameter has 6/);
    expect(() => opt.step({ w: new Float32Array(6), b: new Float32Array(3), c: new Float32Array(1) })).toThrow(UnknownTensorError);
    expect(opt.stepCount).toBe(0);
    await expect(opt.readState('nope', 'w')).rejects.toThrow(UnknownStateError);
    await expect(opt.readState('m', 'nope')).rejects.toThrow(UnknownTensorError);
    expect(() => opt.stateShape('m', 'nope')).toThrow(UnknownTensorError);
    expect(() => opt.setHyper('lr2', 1)).toThrow(HyperError);
    opt.dispose();
    expect(() => opt.step({ w: new Float32Array(6), b: new Float32Array(3) })).toThrow(DisposedError);
  });
  it('refuses an unknown tensor for a small (per-row) state of a phased program', async () => {
    const { module } = compile('optimizer rs { hyper lr = 0.01; state r: row = 0; update { r = row_max(g); p = p - lr * r * g; } }');
    const opt = await createOptimizer(device, module, { w: { shape: [2, 3] } });
    expect(opt.stateShape('r', 'w')).toEqual([2]);
    expect(() => opt.stateShape('r', 'nope')).toThrow(UnknownTensorError);
    await expect(opt.readState('r', 'nope')).rejects.toThrow(UnknownTensorError);
    opt.dispose();
  });
  it('rejects bad shapes, data and hypers at creation', async () => {
    await expect(createOptimizer(device, mod(), { w: { shape: [2, 3], data: new Float32Array(5) } })).rejects.toThrow(/parameter 'w': data has 5 elements/);
    await expect(createOptimizer(device, mod(), { w: { shape: [2, -1] } })).rejects.toThrow(ShapeError);
    await expect(createOptimizer(device, mod(), { w: { shape: [2] } }, { hypers: { learning_rate: 1 } })).rejects.toThrow(/unknown hyperparameter 'learning_rate'.*declares: lr, beta1, beta2, eps, v0/);
  });
  it('initializes state from hyperparameters and honours setHyper', async () => {
    const opt = await createOptimizer(device, mod(), { w: { shape: [5], data: new Float32Array(5) } }, { hypers: { v0: 0.25 } });
    expect(Array.from(await opt.readState('v', 'w'))).toEqual([0.25, 0.25, 0.25, 0.25, 0.25]);
    opt.setHyper('lr', 0);
    const g = Float32Array.from([1, 2, 3, 4, 5]);
    opt.step({ w: g });
    // With lr = 0 the parameter moves only by the 1e-3 tail term, computed identically by the interpreter.
    const sched = runPipeline(program()).program;
    const ref = interpretStep(sched, { hypers: { lr: 0, v0: 0.25 }, t: 1, param: new Float32Array(5), inputs: { g }, states: initStates(sched, 5, { v0: 0.25 }) });
    expect(worstRel(await opt.readParam('w'), ref.param)).toBeLessThan(1e-6);
    opt.dispose();
  });
  it('updates a caller-owned buffer in place, scalar kernels when it is not padded', async () => {
    const n = 7;
    const buffer = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    const p0 = rand(n, 0);
    device.queue.writeBuffer(buffer, 0, p0);
    const sched = runPipeline(program()).program;
    const opt = await createOptimizer(device, emitModule(sched), { w: { shape: [n], buffer } });
    const g = rand(n, 1);
    const gbuf = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(gbuf, 0, g);
    opt.step({ w: gbuf });
    const ref = interpretStep(sched, { t: 1, param: p0, inputs: { g }, states: initStates(sched, n) });
    expect(worstRel(await opt.readParam('w'), ref.param)).toBeLessThan(1e-6);
    opt.dispose();
    buffer.destroy(); gbuf.destroy();
  });
});

describe('many tensors per dispatch', () => {
  const shapes: Record<string, number[]> = { w1: [33, 35], b1: [35], w2: [35, 10], b2: [10], emb: [300, 7], s: [1] };
  const make = (seed: number) => Object.fromEntries(Object.entries(shapes).map(([k, s], i) => [k, rand(s.reduce((a, b) => a * b, 1), seed * 10 + i)]));

  async function trajectory(opts: Parameters<typeof createOptimizer>[3]) {
    const mod = emitModule(runPipeline(program()).program);
    const init = make(0);
    const opt = await createOptimizer(device, mod, Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, { shape: s, data: init[k]! }])), opts);
    for (let t = 1; t <= 5; t++) opt.step(make(t));
    const out = await opt.read();
    const d = opt.dispatchesPerStep;
    opt.dispose();
    return { out, d };
  }

  it('packed, separate and split layouts give bit-identical results', async () => {
    const packed = await trajectory({});
    const separate = await trajectory({ pack: false });
    const split = await trajectory({ maxBindingBytes: 1024 });
    expect(packed.d).toBe(1);
    expect(separate.d).toBe(6);
    expect(split.d).toBeGreaterThan(6);
    for (const other of [separate, split]) {
      for (const k of Object.keys(shapes)) {
        expect(Buffer.from(other.out.params[k]!.buffer).equals(Buffer.from(packed.out.params[k]!.buffer))).toBe(true);
        expect(Buffer.from(other.out.state.v![k]!.buffer).equals(Buffer.from(packed.out.state.v![k]!.buffer))).toBe(true);
      }
    }
  });

  it('parameter groups run with their own hyperparameters', async () => {
    const sched = runPipeline(program()).program;
    const mod = emitModule(sched);
    const init = make(0);
    const opt = await createOptimizer(device, mod, Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, { shape: s, data: init[k]! }])),
      { hypers: { lr: 0.02 }, groups: [{ params: ['b1', 'b2'], hypers: { lr: 0.5, v0: 2 } }] });
    const g = make(1);
    opt.step(g);
    for (const k of ['w1', 'b1']) {
      const hypers: Record<string, number> = k === 'b1' ? { lr: 0.5, v0: 2 } : { lr: 0.02 };
      const n = init[k]!.length;
      const ref = interpretStep(sched, { hypers, t: 1, param: init[k]!, inputs: { g: g[k]! }, states: initStates(sched, n, hypers) });
      expect(worstRel(await opt.readParam(k), ref.param)).toBeLessThan(1e-6);
    }
    expect(opt.dispatchesPerStep).toBe(2);
    expect(() => opt.setHyper('lr', 1, 5)).toThrow(HyperError);
    opt.dispose();
    await expect(createOptimizer(device, mod, { w: { shape: [2] } }, { groups: [{ params: ['x'], hypers: {} }] })).rejects.toThrow(UnknownTensorError);
  });
});

describe('non-finite guard', () => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    it(`a ${bad} in one element of one tensor changes nothing anywhere; the next finite step proceeds`, async () => {
      const sched = runPipeline(program()).program;
      const mod = emitModule(sched, { guard: true });
      const shapes: Record<string, number[]> = { a: [5, 7], b: [9] };
      const init = { a: rand(35, 1), b: rand(9, 2) };
      const opt = await createOptimizer(device, mod, { a: { shape: shapes.a!, data: init.a }, b: { shape: shapes.b!, data: init.b } });
      const g1 = { a: rand(35, 3), b: rand(9, 4) };
      expect(await opt.step(g1)).toEqual({ t: 1, skipped: false });
      const before = await opt.read();
      const g2 = { a: rand(35, 5), b: rand(9, 6) };
      g2.b[8] = bad;
      expect(await opt.step(g2)).toEqual({ t: 1, skipped: true });
      const after = await opt.read();
      for (const k of ['a', 'b']) {
        expect(Buffer.from(after.params[k]!.buffer).equals(Buffer.from(before.params[k]!.buffer))).toBe(true);
        for (const s of ['m', 'v']) expect(Buffer.from(after.state[s]![k]!.buffer).equals(Buffer.from(before.state[s]![k]!.buffer))).toBe(true);
      }
      // The next finite step runs as t = 2, exactly as if the bad step had never been offered.
      const g3 = { a: rand(35, 7), b: rand(9, 8) };
      expect(await opt.step(g3)).toEqual({ t: 2, skipped: false });
      let ref = { param: init.b, states: initStates(sched, 9) } as StepResult;
      ref = interpretStep(sched, { t: 1, param: ref.param, inputs: { g: g1.b }, states: ref.states });
      ref = interpretStep(sched, { t: 2, param: ref.param, inputs: { g: g3.b }, states: ref.states });
      expect(worstRel(await opt.readParam('b'), ref.param)).toBeLessThan(1e-6);
      expect(opt.dispatchesPerStep).toBe(2);
      opt.dispose();
    });
  }
});

describe('checkpoints', () => {
  const shapes: Record<string, number[]> = { 'enc/w': [13, 7], b: [5] };
  const grads = (t: number) => ({ 'enc/w': rand(91, 100 + t), b: rand(5, 200 + t) });
  const fresh = async (mod = emitModule(runPipeline(program()).program)) =>
    createOptimizer(device, mod, { 'enc/w': { shape: shapes['enc/w']!, data: rand(91, 1) }, b: { shape: shapes.b!, data: rand(5, 2) } }, { hypers: { lr: 0.03 } });
  const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

  it('save -> load -> continue is bit-identical to an uninterrupted run', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/optc-ckpt-`);
    const straight = await fresh();
    for (let t = 1; t <= 6; t++) await straight.step(grads(t));
    const a = await fresh();
    for (let t = 1; t <= 3; t++) await a.step(grads(t));
    await a.save(`${dir}/opt.safetensors`);
    a.dispose();
    const b = await fresh();
    b.setHyper('lr', 99); // overwritten by the checkpoint's value
    await b.load(`${dir}/opt.safetensors`);
    expect(b.stepCount).toBe(3);
    expect(b.hypers.lr).toBe(0.03);
    for (let t = 4; t <= 6; t++) await b.step(grads(t));
    const x = await straight.read(), y = await b.read();
    for (const k of Object.keys(shapes)) {
      expect(bytes(y.params[k]!).equals(bytes(x.params[k]!))).toBe(true);
      expect(bytes(y.state.m![k]!).equals(bytes(x.state.m![k]!))).toBe(true);
    }
    straight.dispose(); b.dispose();
  });

  it('a truncated, corrupted or foreign checkpoint is rejected and the state is untouched', async () => {
    const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { CheckpointError } = await import('../src/runtime/index.js');
    const dir = mkdtempSync(`${tmpdir()}/optc-ckpt-`);
    const a = await fresh();
    await a.step(grads(1));
    await a.save(`${dir}/good.safetensors`);
    const good = readFileSync(`${dir}/good.safetensors`);
    writeFileSync(`${dir}/trunc.safetensors`, good.subarray(0, good.length - 10));
    const flipped = Buffer.from(good); flipped[12] ^= 0x20; writeFileSync(`${dir}/flip.safetensors`, flipped);
    const flippedData = Buffer.from(good); flippedData[good.length - 3] ^= 0x01; writeFileSync(`${dir}/flipdata.safetensors`, flippedData);
    // Another optimizer (same shapes, different program) writes a checkpoint this one must refuse.
    const b2 = new Builder('other');
    b2.state('m'); b2.state('v');
    b2.store('p', b2.sub(b2.param(), b2.mul(b2.hyper('lr', 0.1), b2.grad())));
    const other = await fresh(emitModule(runPipeline(b2.finish()).program));
    await other.save(`${dir}/other.safetensors`);
    other.dispose();

    const target = await fresh();
    for (let t = 1; t <= 2; t++) await target.step(grads(t + 10));
    const before = await target.read();
    for (const f of ['trunc', 'flip', 'flipdata', 'other']) {
      await expect(target.load(`${dir}/${f}.safetensors`)).rejects.toThrow(CheckpointError);
    }
    expect(target.stepCount).toBe(2);
    const after = await target.read();
    for (const k of Object.keys(shapes)) {
      expect(bytes(after.params[k]!).equals(bytes(before.params[k]!))).toBe(true);
      expect(bytes(after.state.v![k]!).equals(bytes(before.state.v![k]!))).toBe(true);
    }
    a.dispose(); target.dispose();
  });
});

describe('API conveniences', () => {
  it('createOptimizer takes compile()\'s result as well as its module; state() reads every state tensor', async () => {
    const { compile } = await import('../src/compile.js');
    const c = compile(program());
    const opt = await createOptimizer(device, c, { w: { shape: [3], data: Float32Array.from([1, 2, 3]) } });
    await opt.step({ w: Float32Array.from([1, 1, 1]) });
    const st = await opt.state();
    expect(Object.keys(st)).toEqual(['m', 'v']);
    expect(Array.from(st.m!.w!)).toEqual(Array.from(await opt.readState('m', 'w')));
    opt.dispose();
  });
});
