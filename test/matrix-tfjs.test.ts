// A matrix optimizer as a TF.js optimizer: the same OptcOptimizer as every other program (src/tfjs/optimizer.ts),
// the path `optc train` takes for Muon: variables adopt our buffers, gradients are copied on the GPU into the
// matrix stages' leaves (and the fallback's packed input), and the updated parameters copied back. Checked against the interpreter fed the very same gradients (read back from TF.js):
// a matrix (tall: Muon's Newton-Schulz runs transposed) and a bias (the AdamW fallback), 4 steps.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients'; // tf.variableGrads of matMul, sum, square
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../src/compile.js';
import { initStates, interpretTensors, type TensorIO } from '../src/ir/index.js';
import { createTfjsOptimizer, openTfjsOnDawn, type TfjsOnDawn } from '../src/tfjs/index.js';
import { randomTensor } from './helpers/data.js';
import { Rng } from './helpers/prng.js';

let dawn: TfjsOnDawn;
beforeAll(async () => { dawn = await openTfjsOnDawn(); }); // a missing adapter fails here, saying how to get one
afterAll(() => dawn?.close());

describe('Muon as a TF.js optimizer', () => {
  it('updates a tall matrix and a bias as the interpreter does, from the same gradients', async () => {
    const source = readFileSync('examples/muon.opt', 'utf8');
    const hypers = { lr: 0.02, 'adamw.lr': 0.01 };
    const rng = new Rng(11);
    const w0 = randomTensor(rng, 12 * 8, { scale: 0.5 }), b0 = randomTensor(rng, 8, { scale: 0.5 });
    const x = tf.tensor2d(randomTensor(rng, 5 * 12), [5, 12]), y = tf.tensor2d(randomTensor(rng, 5 * 8), [5, 8]);
    const W = tf.variable(tf.tensor2d(w0, [12, 8]), true, 'W'), B = tf.variable(tf.tensor1d(b0), true, 'B');
    // A schedule: lr halves every step (the interpreter gets the same value per step).
    const lrAt = (t: number) => 0.02 / 2 ** (t - 1);
    const opt = await createTfjsOptimizer(source, [W, B], { hypers, schedules: { lr: lrAt } });
    const program = compileIR(source).program;
    let tensors: TensorIO[] = [
      { name: 'W', index: 0, shape: [12, 8], param: w0, inputs: {}, states: initStates(program, 96, hypers, [12, 8]) },
      { name: 'B', index: 1, shape: [8], param: b0, inputs: {}, states: initStates(program.fallback!, 8, {}, [8]) },
    ];
    for (let t = 1; t <= 4; t++) {
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(tf.sub(tf.add(tf.matMul(x, W), B), y))) as tf.Scalar, [W, B]);
      const g = { W: await grads.W!.data() as Float32Array, B: await grads.B!.data() as Float32Array };
      opt.applyGradients(grads);
      tf.dispose(Object.values(grads));
      tensors = tensors.map((io) => ({ ...io, inputs: { g: g[io.name as 'W' | 'B'] } }));
      const out = interpretTensors(program, { t, hypers: { ...hypers, lr: lrAt(t) }, tensors });
      tensors = tensors.map((io, i) => ({ ...io, param: out[i]!.param, states: out[i]!.states }));
    }
    const got = { W: await W.data() as Float32Array, B: await B.data() as Float32Array };
    for (const [k, io] of tensors.entries()) {
      const a = got[io.name as 'W' | 'B'], p0 = k === 0 ? w0 : b0;
      let diff = 0, change = 0;
      for (let i = 0; i < a.length; i++) { diff = Math.max(diff, Math.abs(a[i]! - io.param[i]!)); change = Math.max(change, Math.abs(io.param[i]! - p0[i]!)); }
      expect(change, io.name).toBeGreaterThan(1e-3);
      // f32 products in another order than the interpreter's float64 sums: measured ~1e-6 of the update.
      expect(diff / change, io.name).toBeLessThan(1e-4);
    }
    expect(opt.memory().stateBytes).toBeGreaterThanOrEqual(4 * 96 + 2 * 4 * 8); // Muon's buffer, AdamW's moments
    // Saved state (model.save({ includeOptimizer: true })): W holds Muon's buffer, B AdamW's moments.
    const saved = await opt.getWeights();
    expect(saved.map((w) => w.name)).toEqual(['iter', 'W/momentum_buffer', 'B/exp_avg', 'B/exp_avg_sq']);
    const values = await Promise.all(saved.map(async (w) => Array.from(await w.tensor.data())));
    expect(values[1]).toEqual(Array.from(tensors[0]!.states.momentum_buffer!));
    expect(values[2]).toEqual(Array.from(tensors[1]!.states.exp_avg!));
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(tf.sub(tf.add(tf.matMul(x, W), B), y))) as tf.Scalar, [W, B]);
    opt.applyGradients(grads);
    tf.dispose(Object.values(grads));
    expect(Array.from(await (await opt.getWeights())[1]!.tensor.data())).not.toEqual(values[1]);
    await opt.setWeights(saved);
    const back = await opt.getWeights();
    expect(opt.step).toBe(4);
    for (const [k, w] of back.entries()) expect(Array.from(await w.tensor.data()), w.name).toEqual(values[k]);
    tf.dispose([...saved, ...back].map((w) => w.tensor));
    opt.dispose();
    tf.dispose([W, B, x, y]);
  }, 120_000);
});
