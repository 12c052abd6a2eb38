// optc train (small data: 256 training digits, a narrow MLP, one epoch; the real numbers are in docs/training.md):
//   - the split is fixed and class-balanced, each epoch's order a permutation, the shifts move digits by one
//     pixel at most and lose no ink;
//   - the same seed gives the same losses and accuracy, bit for bit; another seed gives others;
//   - the command prints a summary and ends with `test accuracy: N.N% (NAME)`; its HTML report opens in headless
//     Chromium with every plot drawn from data and no console errors (a screenshot is saved);
//   - bad arguments are errors that say what was expected.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTfjsOnDawn, type TfjsOnDawn } from '../src/tfjs/index.js';
import { batchImages, epochOrder, loadMnist, optimizerEntries, parseTrainArgs, trainOne, TrainUsageError, type MnistSplit } from '../src/train/index.js';
import { launchChromium, watchedPage } from './helpers/browser.js';

const PIXELS = 784;
let dawn: TfjsOnDawn;
let data: MnistSplit;
beforeAll(async () => { dawn = await openTfjsOnDawn(); data = loadMnist(); });
afterAll(() => dawn?.close());

const small = (d: MnistSplit, n: number): MnistSplit => ({
  train: { x: d.train.x.subarray(0, n * PIXELS), labels: d.train.labels.subarray(0, n), n },
  test: { x: d.test.x.subarray(0, 500 * PIXELS), labels: d.test.labels.subarray(0, 500), n: 500 },
});

describe('optc train: data', () => {
  it('a fixed split: 200 test digits per class, the other 8,000 train; the same every time', () => {
    expect([data.train.n, data.test.n]).toEqual([8000, 2000]);
    const count = (labels: Int32Array) => { const c = new Array(10).fill(0); for (const l of labels) c[l]++; return c; };
    expect(count(data.test.labels)).toEqual(new Array(10).fill(200));
    // The package holds 863 to 1,127 digits per class.
    expect(count(data.train.labels)).toEqual([801, 927, 791, 832, 780, 663, 814, 870, 744, 778]);
    const again = loadMnist();
    expect(again.test.labels).toEqual(data.test.labels);
    expect(again.train.x.subarray(0, 5 * PIXELS)).toEqual(data.train.x.subarray(0, 5 * PIXELS));
    // A prefix of the training set is nearly balanced too (--train-size).
    const prefix = new Array(10).fill(0);
    for (const l of data.train.labels.subarray(0, 500)) prefix[l]++;
    expect(Math.min(...prefix)).toBeGreaterThan(30);
  });

  it('epoch orders are seeded permutations; shifts move a digit by at most one pixel and keep its ink', () => {
    const o = epochOrder(1000, 7, 0);
    expect([...o].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(epochOrder(1000, 7, 0)).toEqual(o);
    expect(epochOrder(1000, 7, 1)).not.toEqual(o);
    expect(epochOrder(1000, 8, 0)).not.toEqual(o);
    const plain = batchImages(data.train, o, 0, 64, { seed: 7, epoch: 0, shift: false });
    const shifted = batchImages(data.train, o, 0, 64, { seed: 7, epoch: 0, shift: true });
    let moved = 0;
    for (let b = 0; b < 64; b++) {
      const p = plain.subarray(b * PIXELS, (b + 1) * PIXELS), s = shifted.subarray(b * PIXELS, (b + 1) * PIXELS);
      // MNIST digits sit in the middle 20x20 pixels, so a one-pixel shift loses no ink.
      expect(s.reduce((a, v) => a + v, 0)).toBeCloseTo(p.reduce((a, v) => a + v, 0), 3);
      const offsets = [-29, -28, -27, -1, 0, 1, 27, 28, 29].filter((k) => p.every((v, i) => (s[i + k] ?? 0) === v || i + k < 0 || i + k >= PIXELS));
      expect(offsets.length, `image ${b}`).toBeGreaterThan(0);
      if (!offsets.includes(0)) moved++;
    }
    expect(moved).toBeGreaterThan(40); // 8 of 9 offsets move it
  });
});

describe('optc train: runs', () => {
  const cfg = { epochs: 1, batch: 32, seed: 3, hidden: [32], shift: true };
  const adamw = { kind: 'optc' as const, label: 'adamw', file: 'examples/adamw.opt', source: readFileSync('examples/adamw.opt', 'utf8'), hypers: { lr: 3e-3 } };

  it('the same seed gives the same losses and accuracy, bit for bit; another seed does not', async () => {
    const d = small(data, 256);
    const a = await trainOne(adamw, d, cfg);
    const b = await trainOne(adamw, d, cfg);
    const c = await trainOne(adamw, d, { ...cfg, seed: 4 });
    expect(a.losses.length).toBe(8);
    expect(b.losses).toEqual(a.losses);
    expect(b.testAccuracy).toEqual(a.testAccuracy);
    expect(c.losses).not.toEqual(a.losses);
    expect(a.losses.at(-1)!).toBeLessThan(a.losses[0]!);
    expect(a.stateBytes / a.params).toBeGreaterThanOrEqual(8);
  });

  it('the command prints a summary and its accuracy last; the HTML report renders every plot with data in Chromium', async () => {
    const out = mkdtempSync(join(tmpdir(), 'optc-train-'));
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'train', 'examples/adamw.opt', 'examples/lion.opt',
      '--out', out, '--epochs', '2', '--train-size', '128', '--hidden', '32', '--hyper', 'lr=3e-3', '--hyper', 'lion.lr=3e-4'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^test accuracy: \d+\.\d% \(adamw\)$/);
    expect(lines.at(-2)).toBe(`report: ${join(out, 'index.html')}`);
    expect(lines[0]).toMatch(/^optimizer +test accuracy/);
    expect(lines.slice(1, 4).map((l) => l.split(/\s+/)[0])).toEqual(['adamw', 'lion', 'tfjs-adam']);
    expect(r.stderr).toMatch(/lion +epoch 2\/2: test accuracy/);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { results: { label: string; hypers: Record<string, number> }[] };
    expect(results.results.map((x) => [x.label, x.hypers.lr])).toEqual([['adamw', 3e-3], ['lion', 3e-4], ['tfjs-adam', 3e-3]]);

    const browser = await launchChromium();
    try {
      const { page, errors } = await watchedPage(browser);
      await page.setViewport({ width: 1100, height: 900 });
      await page.goto(`file://${join(out, 'index.html')}`);
      const plots = await page.$$eval('figure.plot svg', (svgs) => svgs.map((s) => ({
        width: s.getBoundingClientRect().width,
        lines: s.querySelectorAll('path[aria-roledescription="line mark"]').length,
        bars: s.querySelectorAll('path[aria-roledescription="bar"]').length,
        text: s.textContent ?? '',
      })));
      expect(plots.length).toBe(3);
      for (const p of plots) expect(p.width).toBeGreaterThan(300);
      expect(plots[0]!.lines).toBe(3); // loss vs step, one line per optimizer
      expect(plots[1]!.lines).toBe(3); // accuracy vs epoch
      expect(plots[2]!.bars).toBe(3); // state bytes per optimizer
      for (const p of plots) for (const name of ['adamw', 'lion', 'tfjs-adam']) expect(p.text).toContain(name);
      expect(errors).toEqual([]);
      const shot = join(out, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(existsSync(shot) && statSync(shot).size).toBeGreaterThan(10_000);
      console.log(`report screenshot: ${shot}`);
    } finally {
      await browser.close();
    }
  });

  it('bad arguments say what was expected', () => {
    const entries = (argv: string[]) => optimizerEntries(parseTrainArgs(argv));
    expect(() => parseTrainArgs(['examples/adamw.opt'])).toThrow(/needs --out DIR/);
    expect(() => parseTrainArgs(['--out', 'x'])).toThrow(/at least one FILE\.opt/);
    expect(() => parseTrainArgs(['examples/adamw.opt', '--out', 'x', '--epochs', 'two'])).toThrow(/--epochs expects an integer/);
    expect(() => parseTrainArgs(['examples/adamw.opt', '--out', 'x', '--hyper', 'lr'])).toThrow(TrainUsageError);
    expect(() => entries(['examples/adamw.opt', '--out', 'x', '--hyper', 'momentum=0.9'])).toThrow(/no optimizer of this run declares 'momentum'/);
    expect(() => entries(['examples/adamw.opt', '--out', 'x', '--hyper', 'adamw.rho=0.9'])).toThrow(/'adamw' has no hyperparameter 'rho'/);
    const e = entries(['examples/adamw.opt', 'examples/adamw.opt', '--out', 'x', '--hyper', 'weight_decay=0.1', '--no-baseline']);
    expect(e.map((x) => x.label)).toEqual(['adamw', 'adamw-2']);
    expect(e.map((x) => (x.kind === 'optc' ? x.hypers : {}))).toEqual([{ weight_decay: 0.1 }, { weight_decay: 0.1 }]);
  });
});
