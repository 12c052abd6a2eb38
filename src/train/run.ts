// One training run of `optc train`: a tfjs-layers MLP on the MNIST split, on TF.js's WebGPU backend, with a
// compiled optimizer (through optc/tfjs) or tf.train.adam doing the updates. Every run of a comparison starts
// from the same initial weights and sees the same batches in the same order with the same shifts.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createTfjsOptimizer } from '../tfjs/index.js';
import { compileIR } from '../compile.js';
import { batchImages, batchLabels, CLASSES, epochOrder, PIXELS, type MnistSplit } from './data.js';

export interface TrainConfig {
  epochs: number;
  batch: number;
  seed: number;
  /** Widths of the hidden layers (ReLU). */
  hidden: number[];
  /** 1-pixel random shifts of the training images. */
  shift: boolean;
}

/** A compiled optimizer (its `.opt` source), or TF.js's own Adam, the baseline. */
export type OptimizerEntry =
  | { kind: 'optc'; label: string; file: string; source: string; hypers: Record<string, number> }
  | { kind: 'tfjs-adam'; label: string; lr: number };

export interface RunResult {
  label: string;
  /** The optimizer's source file (none for tf.train.adam). */
  file?: string;
  hypers: Record<string, number>;
  /** Training loss of every step (the batch's mean cross-entropy). */
  losses: number[];
  /** Test accuracy (0..1) and test loss after each epoch. */
  testAccuracy: number[];
  testLoss: number[];
  /** Mean training loss of the last epoch. */
  trainLoss: number;
  params: number;
  /** Bytes of optimizer state on the device. */
  stateBytes: number;
  /** Wall time per training step (forward, backward, update, loss read-back), median over the run. */
  msPerStep: number;
  /** Optimizer dispatches per step (optc only). */
  dispatchesPerStep?: number;
}

export interface Progress {
  epochStart?(epoch: number, steps: number): void;
  step?(step: number, loss: number): void;
  epochEnd?(epoch: number, accuracy: number, testLoss: number): void;
}

/** The MLP, its weights drawn from `seed` (tfjs-layers' seeded Glorot initializer; biases zero). */
export function buildModel(hidden: number[], seed: number): tfl.Sequential {
  const m = tfl.sequential();
  [...hidden, CLASSES].forEach((units, i) => m.add(tfl.layers.dense({
    units, activation: i === hidden.length ? 'softmax' : 'relu',
    kernelInitializer: tfl.initializers.glorotUniform({ seed: seed * 16 + i }),
    ...(i === 0 ? { inputShape: [PIXELS] } : {}),
  })));
  return m;
}

/** Accuracy and mean cross-entropy on `test`, computed on the GPU: two numbers come back. */
async function evaluate(model: tfl.LayersModel, x: tf.Tensor, labels: tf.Tensor, oneHot: tf.Tensor): Promise<[number, number]> {
  const both = tf.tidy(() => {
    const p = model.predict(x) as tf.Tensor;
    const acc = tf.mean(tf.cast(tf.equal(tf.argMax(p, 1), labels), 'float32'));
    const loss = tf.mean(tfl.metrics.categoricalCrossentropy(oneHot, p));
    return tf.stack([acc, loss]);
  });
  const [acc, loss] = await both.data();
  both.dispose();
  return [acc!, loss!];
}

export async function trainOne(entry: OptimizerEntry, data: MnistSplit, cfg: TrainConfig, progress: Progress = {}): Promise<RunResult> {
  const model = buildModel(cfg.hidden, cfg.seed);
  // Matrix programs (Muon, Shampoo, GaLore) too: compile() schedules their matrix stages (docs/matrix.md).
  const optc = entry.kind === 'optc' ? await createTfjsOptimizer(entry.source, model.trainableWeights, { file: entry.file, hypers: entry.hypers }) : undefined;
  const opt: tf.Optimizer = optc ?? tf.train.adam((entry as { lr: number }).lr);
  model.compile({ optimizer: opt, loss: 'categoricalCrossentropy' });
  const testX = tf.tensor2d(data.test.x, [data.test.n, PIXELS]);
  const testLabels = tf.tensor1d(data.test.labels, 'int32');
  const testOneHot = tf.tensor2d(batchLabels(data.test, Int32Array.from({ length: data.test.n }, (_, i) => i), 0, data.test.n), [data.test.n, CLASSES]);
  const losses: number[] = [], testAccuracy: number[] = [], testLoss: number[] = [], times: number[] = [];
  const steps = Math.floor(data.train.n / cfg.batch); // the last partial batch is dropped: every step has `batch` images
  try {
    for (let epoch = 0; epoch < cfg.epochs; epoch++) {
      const order = epochOrder(data.train.n, cfg.seed, epoch);
      progress.epochStart?.(epoch, steps);
      for (let s = 0; s < steps; s++) {
        const t0 = performance.now();
        const [from, to] = [s * cfg.batch, (s + 1) * cfg.batch];
        const xb = tf.tensor2d(batchImages(data.train, order, from, to, { seed: cfg.seed, epoch, shift: cfg.shift }), [cfg.batch, PIXELS]);
        const yb = tf.tensor2d(batchLabels(data.train, order, from, to), [cfg.batch, CLASSES]);
        const loss = await model.trainOnBatch(xb, yb) as number;
        tf.dispose([xb, yb]);
        times.push(performance.now() - t0);
        losses.push(loss);
        progress.step?.(s + 1, loss);
      }
      const [acc, tl] = await evaluate(model, testX, testLabels, testOneHot);
      testAccuracy.push(acc);
      testLoss.push(tl);
      progress.epochEnd?.(epoch, acc, tl);
    }
    const last = losses.slice(-steps);
    return {
      label: entry.label,
      ...(optc && entry.kind === 'optc' ? { file: entry.file, dispatchesPerStep: optc.dispatchesPerStep } : {}),
      hypers: optc ? optc.hypers : { lr: (entry as { lr: number }).lr },
      losses, testAccuracy, testLoss,
      trainLoss: last.reduce((a, b) => a + b, 0) / Math.max(1, last.length),
      params: model.countParams(),
      stateBytes: optc ? optc.memory().stateBytes : await tfjsStateBytes(opt),
      msPerStep: median(times),
    };
  } finally {
    opt.dispose();
    model.dispose();
    tf.dispose([testX, testLabels, testOneHot]);
  }
}

/** Bytes of a TF.js optimizer's state: its weights (Adam: the two moments; 4 bytes per f32). */
async function tfjsStateBytes(opt: tf.Optimizer): Promise<number> {
  const ws = await opt.getWeights();
  let bytes = 0;
  for (const w of ws) {
    // TF.js returns its state variables themselves, and a fresh `iter` scalar (the only one to dispose).
    if (w.name === 'iter') w.tensor.dispose();
    else bytes += w.tensor.size * 4;
  }
  return bytes;
}

function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

