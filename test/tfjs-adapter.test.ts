// optc/tfjs: a compiled optimizer inside TF.js (tfjs-layers `model.fit`, `applyGradients`) on TF.js's own
// WebGPU device (Dawn on lavapipe here).
//   - TF.js's Adam restated in .opt (bench/opt/tfjs-adam.opt) trains a model as tf.train.adam trains its twin:
//     same data, same order, weights within 1e-5 relative after 24 fit steps; meanwhile the host reads back
//     nothing larger than the loss scalar, the tensor count stays flat, and each step is one dispatch per
//     kernel for the whole model (TF.js's Adam: about 14 per variable).
//   - A learning-rate schedule reaches the kernel as a hyperparameter value (the same schedule applied to
//     tf.train.adam gives the same weights) and compiles nothing.
//   - 8-bit and 4-bit AdamW through the adapter = the IR interpreter, bit for bit, on parameters, codes, scales.
//   - model.save({ includeOptimizer: true }) + tf.loadLayersModel restore the optimizer (compressed state
//     included) so that training continues bit for bit as if uninterrupted.
//   - a variable re-assigned between steps is adopted again (tensors sharing its old data keep it);
//   - dispose destroys every buffer the optimizer created and leaves the variables readable.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../src/index.js';
import { createTfjsOptimizer, OptcOptimizer, openTfjsOnDawn, UnboundOptimizerError, webgpuBackend, type TfjsOnDawn } from '../src/tfjs/index.js';
import { UnknownTensorError } from '../src/runtime/errors.js';
import { InterpRun, expectSameBits } from './helpers/packed.js';
import { Rng } from './helpers/prng.js';
import { relDiff, watchGpu } from './helpers/tfjs-gpu.js';

const TFJS_ADAM = readFileSync('bench/opt/tfjs-adam.opt', 'utf8');
const example = (name: string) => readFileSync(`examples/${name}.opt`, 'utf8');

let dawn: TfjsOnDawn;
beforeAll(async () => { dawn = await openTfjsOnDawn(); });
afterAll(() => dawn?.close());

/** A small MLP with seeded initial weights: two calls give identical twins. */
function mlp(inputs = 20, hidden = 16, classes = 3): tfl.Sequential {
  const m = tfl.sequential();
  m.add(tfl.layers.dense({ inputShape: [inputs], units: hidden, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }));
  m.add(tfl.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }));
  return m;
}

function dataset(n = 64, inputs = 20, classes = 3): { x: tf.Tensor; y: tf.Tensor } {
  const rng = new Rng(12345);
  const x = tf.tensor2d(Float32Array.from({ length: n * inputs }, () => rng.range(-1, 1)), [n, inputs]);
  const labels = tf.tensor1d(Int32Array.from({ length: n }, () => Math.floor(rng.uniform() * classes)), 'int32');
  const y = tf.cast(tf.oneHot(labels, classes), 'float32');
  labels.dispose();
  return { x, y };
}

/** Rows [from, to) of a 2-D tensor. */
const rows = (t: tf.Tensor, from: number, to = t.shape[0]!) => tf.slice(t, [from, 0], [to - from, -1]);

async function weightsOf(m: tfl.LayersModel): Promise<Float32Array[]> {
  return Promise.all(m.getWeights().map(async (w) => (await w.data()) as Float32Array));
}

/** Counts dispatches per applyGradients call, by wrapping the optimizer's method. */
function countPerStep(opt: tf.Optimizer): { perStep: number[]; tensorDelta: number[] } {
  const rec = { perStep: [] as number[], tensorDelta: [] as number[] };
  const apply = opt.applyGradients.bind(opt);
  opt.applyGradients = (g) => {
    const proto = (globalThis as unknown as { GPUComputePassEncoder: { prototype: { dispatchWorkgroups: (...a: unknown[]) => void } } }).GPUComputePassEncoder.prototype;
    const orig = proto.dispatchWorkgroups;
    let n = 0;
    proto.dispatchWorkgroups = function (this: unknown, ...a: unknown[]) { n++; return orig.apply(this, a); };
    const before = tf.memory().numTensors;
    try { apply(g); } finally { proto.dispatchWorkgroups = orig; }
    rec.perStep.push(n);
    rec.tensorDelta.push(tf.memory().numTensors - before);
  };
  return rec;
}

describe('optc/tfjs', () => {
  it("TF.js's Adam in .opt trains a tfjs-layers model as tf.train.adam does, on the GPU only", async () => {
    const { x, y } = dataset();
    const a = mlp(), b = mlp();
    const opt = await createTfjsOptimizer(TFJS_ADAM, a.trainableWeights, { hypers: { lr: 1e-3 } });
    expect(opt).toBeInstanceOf(tf.Optimizer);
    a.compile({ optimizer: opt, loss: 'categoricalCrossentropy' });
    const adam = tf.train.adam(1e-3);
    b.compile({ optimizer: adam, loss: 'categoricalCrossentropy' });
    const oursPerStep = countPerStep(opt), theirsPerStep = countPerStep(adam);
    let counts: number[][] = [];
    const fitOpts = {
      epochs: 3, batchSize: 8, shuffle: false, verbose: 0 as const,
      callbacks: { onEpochBegin: async () => { counts.push([]); }, onBatchEnd: async () => { counts.at(-1)!.push(tf.memory().numTensors); } },
    };
    // A first step compiles TF.js's own pipelines (and reads nothing large either); watch the rest.
    await a.fit(rows(x, 0, 8), rows(y, 0, 8), { ...fitOpts, epochs: 1 });
    await b.fit(rows(x, 0, 8), rows(y, 0, 8), { ...fitOpts, epochs: 1 });
    counts = [];
    const { activity } = await watchGpu(() => a.fit(x, y, fitOpts));
    const oursCounts = counts;
    await b.fit(x, y, fitOpts);

    const steps = oursPerStep.perStep.length;
    expect(steps).toBe(25);
    // The loss of each batch is the only read-back: one f32.
    expect(activity.readBytes.length).toBeGreaterThanOrEqual(24);
    expect(Math.max(...activity.readBytes)).toBe(4);
    // Our applyGradients leaves the tensor count as it found it; within an epoch it stays flat (tfjs-layers
    // keeps one tensor per epoch of its own, with TF.js's Adam as well).
    expect(new Set(oursPerStep.tensorDelta)).toEqual(new Set([0]));
    for (const epoch of oursCounts) expect(new Set(epoch).size, `tensor counts per batch: ${epoch.join(',')}`).toBe(1);
    expect(opt.dispatchesPerStep).toBe(compile(TFJS_ADAM).module.variants[4]!.length);
    expect(new Set(oursPerStep.perStep)).toEqual(new Set([opt.dispatchesPerStep]));
    const theirs = theirsPerStep.perStep.at(-1)!;
    console.log(`dispatches per step, 4 variables: optc ${opt.dispatchesPerStep}, tf.train.adam ${theirs} (${theirs / 4} per variable)`);
    expect(theirs).toBeGreaterThan(4 * opt.dispatchesPerStep);

    const wa = await weightsOf(a), wb = await weightsOf(b);
    const rel = wa.map((w, i) => relDiff(w, wb[i]!));
    console.log(`max |optc - tf.train.adam| / max |w| per weight after ${steps} steps: ${rel.map((r) => r.toExponential(1)).join(', ')}`);
    for (const r of rel) expect(r).toBeLessThan(1e-5);
    // The weights moved: the comparison is not between two untouched copies.
    const w0 = await weightsOf(mlp());
    expect(relDiff(wa[0]!, w0[0]!)).toBeGreaterThan(1e-3);
    opt.dispose(); adam.dispose(); a.dispose(); b.dispose(); x.dispose(); y.dispose();
  });

  it('a learning-rate schedule reaches the kernels as a hyperparameter and compiles nothing', async () => {
    const { x, y } = dataset(32);
    const a = mlp(), b = mlp();
    const lrAt = (t: number) => (t <= 2 ? 1e-3 : 3e-4);
    const opt = await createTfjsOptimizer(TFJS_ADAM, a.trainableWeights, { schedules: { lr: lrAt } });
    a.compile({ optimizer: opt, loss: 'categoricalCrossentropy' });
    const adam = tf.train.adam(lrAt(1));
    b.compile({ optimizer: adam, loss: 'categoricalCrossentropy' });
    const fitOpts = { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 as const };
    const { activity } = await watchGpu(() => a.fit(x, y, fitOpts));
    await b.fit(x, y, { ...fitOpts, callbacks: { onBatchEnd: async (batch: number) => { (adam as unknown as { learningRate: number }).learningRate = lrAt(batch + 2); } } });
    expect(opt.hypers.lr).toBeCloseTo(3e-4, 12);
    expect(activity.shaders.filter((l) => l.startsWith('tfjs_adam'))).toEqual([]);
    const wa = await weightsOf(a), wb = await weightsOf(b);
    for (const [i, w] of wa.entries()) expect(relDiff(w, wb[i]!)).toBeLessThan(1e-5);
    opt.dispose(); adam.dispose(); a.dispose(); b.dispose(); x.dispose(); y.dispose();
  });

  for (const name of ['adamw8bit', 'adamw4bit']) {
    it(`${name} through the adapter = the interpreter, bit for bit (parameters, codes, scales)`, async () => {
      const rng = new Rng(99);
      const shapes = [[33, 35], [35], [7]];
      const init = shapes.map((s) => Float32Array.from({ length: s.reduce((p, q) => p * q, 1) }, () => rng.range(-1, 1)));
      const vars = shapes.map((s, i) => tf.variable(tf.tensor(init[i]!, s), true, `${name}_w${i}`));
      const hypers = { lr: 0.01, weight_decay: 0.1 };
      const opt = await createTfjsOptimizer(example(name), vars, { hypers });
      const program = compile(example(name)).program;
      const runs = init.map((p0) => new InterpRun(program, p0, hypers));
      for (let step = 0; step < 5; step++) {
        const grads = init.map((p) => Float32Array.from(p, () => rng.normal() * (rng.uniform() < 0.02 ? 30 : 1)));
        const named = vars.map((v, i) => ({ name: v.name, tensor: tf.tensor(grads[i]!, v.shape) }));
        opt.applyGradients(named);
        tf.dispose(named.map((g) => g.tensor));
        runs.forEach((r, i) => r.step(grads[i]!));
      }
      const weights = await opt.getWeights();
      const byName = new Map(weights.map((w) => [w.name, w.tensor]));
      for (const [i, v] of vars.entries()) {
        expectSameBits(`${v.name} param`, (await v.data()) as Float32Array, runs[i]!.cur.param);
        for (const s of ['m', 'v']) {
          const want = runs[i]!.cur.packed![s]!;
          expectSameBits(`${v.name} ${s} codes`, new Uint32Array(((await byName.get(`${v.name}/${s}/codes`)!.data()) as Int32Array).buffer), want.words);
          expectSameBits(`${v.name} ${s} scales`, (await byName.get(`${v.name}/${s}/scales`)!.data()) as Float32Array, want.scales);
        }
      }
      const { stateBytes, params } = opt.memory();
      console.log(`${name}: ${(stateBytes / params).toFixed(2)} state bytes/param over ${params} params (small tensors padded to blocks)`);
      tf.dispose(weights.map((w) => w.tensor));
      opt.dispose(); tf.dispose(vars);
    });
  }

  it('model.save({ includeOptimizer }) and tf.loadLayersModel restore the optimizer; training continues bit for bit', async () => {
    const { x, y } = dataset(48);
    const a = mlp();
    const opt = await createTfjsOptimizer(example('adamw8bit'), a.trainableWeights, { file: 'adamw8bit.opt', hypers: { lr: 3e-3 } });
    a.compile({ optimizer: opt, loss: 'categoricalCrossentropy' });
    const fitOpts = { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 as const };
    await a.fit(rows(x, 0, 24), rows(y, 0, 24), fitOpts);
    let saved: tf.io.ModelArtifacts | undefined;
    await a.save(tf.io.withSaveHandler(async (art) => { saved = art; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }), { includeOptimizer: true });
    const b = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    expect(b.optimizer).toBeInstanceOf(OptcOptimizer);
    const ob = b.optimizer as OptcOptimizer;
    expect(ob.hypers.lr).toBeCloseTo(3e-3, 12);
    expect(ob.hypers.weight_decay).toBe(0.01);
    // Until bind, it has no variables to update.
    expect(() => ob.applyGradients([])).toThrow(UnboundOptimizerError);
    await ob.bind(b.trainableWeights);
    expect(ob.step).toBe(3);
    await a.fit(rows(x, 24), rows(y, 24), fitOpts);
    await b.fit(rows(x, 24), rows(y, 24), fitOpts);
    const wa = await weightsOf(a), wb = await weightsOf(b);
    wa.forEach((w, i) => expectSameBits(`weight ${i}`, wb[i]!, w));
    const sa = await opt.getWeights(), sb = await ob.getWeights();
    expect(sb.map((w) => w.name.replace(/^[^/]*\/[^/]*\//, ''))).toEqual(sa.map((w) => w.name.replace(/^[^/]*\/[^/]*\//, '')));
    for (const [i, w] of sa.entries()) expect(Array.from(await sb[i]!.tensor.data())).toEqual(Array.from(await w.tensor.data()));
    tf.dispose([...sa, ...sb].map((w) => w.tensor));
    opt.dispose(); ob.dispose(); a.dispose(); b.dispose(); x.dispose(); y.dispose();
  });

  it('a variable re-assigned between steps (setWeights, loading) is adopted again, its new value loaded on the GPU', async () => {
    const v = tf.variable(tf.tensor1d([1, 2, 3, 4]), true, 'reassigned');
    const opt = await createTfjsOptimizer(example('sgd'), [v], { hypers: { lr: 0.5 } });
    const g = tf.tensor1d([1, 1, 1, 1]);
    opt.applyGradients({ reassigned: g });
    expect(Array.from(await v.data())).toEqual([0.5, 1.5, 2.5, 3.5]);
    // A clone shares the variable's data: it must keep the old values when the optimizer lets that data go.
    const clone = tf.clone(v);
    v.assign(tf.tensor1d([10, 20, 30, 40]));
    opt.applyGradients({ reassigned: g });
    expect(Array.from(await v.data())).toEqual([9.5, 19.5, 29.5, 39.5]);
    expect(Array.from(await clone.data())).toEqual([0.5, 1.5, 2.5, 3.5]);
    opt.applyGradients({ reassigned: g });
    expect(Array.from(await v.data())).toEqual([9, 19, 29, 39]);
    expect(Array.from(await clone.data())).toEqual([0.5, 1.5, 2.5, 3.5]);
    // optimizer.minimize: the gradient of sum(v^2) / 2 is v, so one step of lr 0.5 halves it.
    opt.minimize(() => tf.div(tf.sum(tf.mul(v, v)), 2) as tf.Scalar, false, [v]);
    expect(Array.from(await v.data())).toEqual([4.5, 9.5, 14.5, 19.5]);
    opt.dispose(); tf.dispose([g, v, clone]);
  });

  it('misuse is a typed error naming the variable; dispose destroys every buffer it made and keeps the variables', async () => {
    const v = tf.variable(tf.tensor1d([1, 2, 3, 4, 5]), true, 'lonely');
    // Its value moves to a TF.js buffer now, so that the buffers made below are all the optimizer's.
    webgpuBackend().uploadToGPU(v.dataId);
    const proto = (globalThis as unknown as { GPUDevice: { prototype: { createBuffer: (d: GPUBufferDescriptor) => GPUBuffer } } }).GPUDevice.prototype;
    const create = proto.createBuffer;
    const made: GPUBuffer[] = [];
    proto.createBuffer = function (this: GPUDevice, d: GPUBufferDescriptor) { const buf = create.call(this, d); made.push(buf); return buf; };
    let opt: OptcOptimizer;
    try { opt = await createTfjsOptimizer(example('adamw'), [v]); } finally { proto.createBuffer = create; }
    const g = tf.tensor1d([1, 1, 1, 1, 1]);
    expect(() => opt.applyGradients({ other: g })).toThrow(UnknownTensorError);
    expect(() => opt.applyGradients({ other: g })).toThrow(/'other'/);
    opt.applyGradients({ lonely: g });
    const after = Array.from(await v.data());
    const destroyed = new Set<GPUBuffer>();
    const bproto = (globalThis as unknown as { GPUBuffer: { prototype: { destroy: () => void } } }).GPUBuffer.prototype;
    const destroy = bproto.destroy;
    bproto.destroy = function (this: GPUBuffer) { destroyed.add(this); return destroy.call(this); };
    try { opt.dispose(); } finally { bproto.destroy = destroy; }
    expect(made.length).toBeGreaterThan(2);
    expect(made.filter((b) => !destroyed.has(b)).map((b) => b.label)).toEqual([]);
    expect(Array.from(await v.data())).toEqual(after);
    expect(after[0]).not.toBe(1);
    g.dispose(); v.dispose();
  });
});
