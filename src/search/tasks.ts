// Proxy tasks. Each is a small training problem whose gradient is computed in this process, on the same
// device (the CPU) and in the same lane layout as the candidate's update (fitness.ts), so one sweep of the
// candidate's program updates every task and every learning rate at once. Everything is deterministic:
// data order and noise depend on the step only, never on Math.random.
import { hashNormal, hashUnit } from './rng.js';
import { mnistSplit, type Dataset } from './mnist.js';

export interface Task {
  name: string;
  /** Sizes of the parameter tensors, in order (per-tensor reductions fold each one). */
  tensors: number[];
  /** Initial parameters. */
  init(): Float32Array;
  /** The training gradient at `x` for step t (1-based) into `g`. */
  grad(x: Float32Array, g: Float32Array, t: number): void;
  /** The loss that is scored (held out for the classifiers). */
  loss(x: Float32Array): number;
  /** The same gradient as data for the WebGPU scorer's kernels (gpu/task-kernels.ts); absent: CPU only. */
  gpu?: (steps: number) => GpuTask;
}

/** What a WGSL gradient kernel needs of a task, f32 (rounded from the float64 the CPU path uses). */
export type GpuTask =
  /** g = h (x - c) + noise[t - 1][i] (noise: steps x n, absent without gradient noise). */
  | { kind: 'quadratic'; h: Float32Array; c: Float32Array; noise?: Float32Array }
  /** Rosenbrock valleys with minima (c, c^2), one c per pair. */
  | { kind: 'rosenbrock'; c: Float32Array }
  /**
   * A softmax classifier, without (logreg) or with one tanh hidden layer of `hidden` units (mlp):
   * rows[(t - 1) * batch + k] is the k-th training row of step t.
   */
  | { kind: 'logreg' | 'mlp'; x: Float32Array; y: Uint32Array; features: number; hidden: number; classes: number; batch: number; rows: Uint32Array };

/**
 * f(x) = 1/2 sum h_i (x_i - c_i)^2, h log-spaced over `cond` (1 ... 1/cond), the minimum c random (a rule
 * that sets p to a constant must not land on it); optional gradient noise of std `noise`.
 */
export function quadratic(name: string, n: number, cond: number, noise = 0, seed = 1): Task {
  const h = Float64Array.from({ length: n }, (_, i) => cond ** (-i / (n - 1)));
  const c = Float64Array.from({ length: n }, (_, i) => hashNormal(seed + 7, i));
  return {
    name, tensors: [n],
    init: () => Float32Array.from({ length: n }, (_, i) => c[i]! + hashNormal(seed, i)),
    grad(x, g, t) {
      for (let i = 0; i < n; i++) g[i] = h[i]! * (x[i]! - c[i]!) + (noise ? noise * hashNormal(seed + 1000, i, t) : 0);
    },
    loss(x) { let s = 0; for (let i = 0; i < n; i++) { const d = x[i]! - c[i]!; s += 0.5 * h[i]! * d * d; } return s; },
    gpu: (steps) => ({
      kind: 'quadratic', h: Float32Array.from(h), c: Float32Array.from(c),
      noise: noise ? Float32Array.from({ length: steps * n }, (_, k) => noise * hashNormal(seed + 1000, k % n, Math.floor(k / n) + 1)) : undefined,
    }),
  };
}

/**
 * `pairs` independent 2-D Rosenbrock valleys (c - a)^2 + 100 (b - a^2)^2, averaged, with the minimum
 * (c, c^2) at a random c in [0.5, 1.5] per pair; each starts near (-1.2 c, 1).
 */
export function rosenbrock(name: string, pairs: number, seed = 2): Task {
  const c = Float64Array.from({ length: pairs }, (_, k) => 0.5 + hashUnit(seed + 7, k));
  return {
    name, tensors: [2 * pairs],
    init: () => Float32Array.from({ length: 2 * pairs }, (_, i) => (i % 2 ? 1 : -1.2 * c[i >> 1]!) + 0.1 * hashNormal(seed, i)),
    grad(x, g) {
      for (let k = 0; k < pairs; k++) {
        const a = x[2 * k]!, b = x[2 * k + 1]!;
        g[2 * k] = (-2 * (c[k]! - a) - 400 * a * (b - a * a)) / pairs;
        g[2 * k + 1] = 200 * (b - a * a) / pairs;
      }
    },
    loss(x) {
      let s = 0;
      for (let k = 0; k < pairs; k++) { const a = x[2 * k]!, b = x[2 * k + 1]!; s += (c[k]! - a) ** 2 + 100 * (b - a * a) ** 2; }
      return s / pairs;
    },
    gpu: () => ({ kind: 'rosenbrock', c: Float32Array.from(c) }),
  };
}

/**
 * A softmax classifier of pooled MNIST digits with `hidden` tanh units (0: logistic regression), trained
 * on minibatches of `batch` in a fixed order and scored by cross-entropy on held-out digits.
 */
export function mnistClassifier(name: string, o: { side: 7 | 14; hidden: number; train: number; test: number; batch: number; seed?: number }): Task {
  const { train, test } = mnistSplit(o.side, o.train, o.test);
  const f = train.features, H = o.hidden, C = 10;
  const tensors = H ? [f * H, H, H * C, C] : [f * C, C];
  const seed = o.seed ?? 3;
  // A fixed permutation of the training rows, so consecutive batches mix classes.
  const order = Uint32Array.from({ length: train.n }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(hashUnit(seed, i) * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const hid = new Float64Array(H), z = new Float64Array(C), dh = new Float64Array(H);
  /** Logits of row r of `d` into z (hidden activations into hid). */
  const forward = (x: Float32Array, d: Dataset, r: number) => {
    const xr = r * f;
    if (H) {
      for (let j = 0; j < H; j++) hid[j] = x[f * H + j]!;
      for (let i = 0; i < f; i++) { const v = d.x[xr + i]!; if (v === 0) continue; const w = i * H; for (let j = 0; j < H; j++) hid[j] += v * x[w + j]!; }
      for (let j = 0; j < H; j++) hid[j] = Math.tanh(hid[j]!);
      const w2 = f * H + H, b2 = w2 + H * C;
      for (let c = 0; c < C; c++) z[c] = x[b2 + c]!;
      for (let j = 0; j < H; j++) { const v = hid[j]!; for (let c = 0; c < C; c++) z[c] += v * x[w2 + j * C + c]!; }
    } else {
      for (let c = 0; c < C; c++) z[c] = x[f * C + c]!;
      for (let i = 0; i < f; i++) { const v = d.x[xr + i]!; if (v === 0) continue; const w = i * C; for (let c = 0; c < C; c++) z[c] += v * x[w + c]!; }
    }
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, z[c]!);
    let s = 0;
    for (let c = 0; c < C; c++) { z[c] = Math.exp(z[c]! - m); s += z[c]!; }
    for (let c = 0; c < C; c++) z[c] = z[c]! / s; // probabilities
    return s;
  };
  return {
    name, tensors,
    init: () => {
      const n = tensors.reduce((a, b) => a + b, 0);
      const x = new Float32Array(n);
      if (H) { // tanh layers: N(0, 1/fan_in) weights, zero biases
        for (let i = 0; i < f * H; i++) x[i] = hashNormal(seed, i) / Math.sqrt(f);
        const w2 = f * H + H;
        for (let i = 0; i < H * C; i++) x[w2 + i] = hashNormal(seed + 1, i) / Math.sqrt(H);
      }
      return x;
    },
    grad(x, g, t) {
      g.fill(0);
      const B = o.batch;
      const w2 = f * H + H, b2 = w2 + H * C;
      for (let k = 0; k < B; k++) {
        const r = order[((t - 1) * B + k) % train.n]!;
        forward(x, train, r);
        z[train.y[r]!] -= 1; // dL/dlogits = softmax - onehot
        const xr = r * f;
        if (H) {
          for (let c = 0; c < C; c++) g[b2 + c] += z[c]! / B;
          for (let j = 0; j < H; j++) {
            let s = 0;
            for (let c = 0; c < C; c++) { g[w2 + j * C + c] += hid[j]! * z[c]! / B; s += x[w2 + j * C + c]! * z[c]!; }
            dh[j] = s * (1 - hid[j]! * hid[j]!) / B;
            g[f * H + j] += dh[j]!;
          }
          for (let i = 0; i < f; i++) { const v = train.x[xr + i]!; if (v === 0) continue; const w = i * H; for (let j = 0; j < H; j++) g[w + j] += v * dh[j]!; }
        } else {
          for (let c = 0; c < C; c++) g[f * C + c] += z[c]! / B;
          for (let i = 0; i < f; i++) { const v = train.x[xr + i]!; if (v === 0) continue; const w = i * C; for (let c = 0; c < C; c++) g[w + c] += v * z[c]! / B; }
        }
      }
    },
    loss(x) {
      let s = 0;
      for (let r = 0; r < test.n; r++) { forward(x, test, r); s -= Math.log(Math.max(z[test.y[r]!]!, 1e-30)); }
      return s / test.n;
    },
    gpu: (steps) => ({
      kind: H ? 'mlp' : 'logreg', x: train.x, y: Uint32Array.from(train.y), features: f, hidden: H, classes: C, batch: o.batch,
      rows: Uint32Array.from({ length: steps * o.batch }, (_, k) => order[k % train.n]!),
    }),
  };
}

export type SuiteName = 'A' | 'B' | 'C';

export interface Suite {
  name: SuiteName;
  tasks: Task[];
  steps: number;
}

/**
 * Task A, the proxy every candidate is scored on, and task B, >= 10x larger (parameters and work), on
 * which candidates that beat the warm start on A are re-scored before they count as winners.
 */
export function suite(name: SuiteName, size: 'full' | 'tiny' = process.env.OPTC_SEARCH_SUITE === 'tiny' ? 'tiny' : 'full'): Suite {
  if (size === 'tiny') return tinySuite(name);
  if (name === 'A') {
    return {
      name, steps: 60, tasks: [
        quadratic('quadratic', 64, 1e3),
        rosenbrock('rosenbrock', 16),
        quadratic('noisy-quadratic', 64, 1e2, 0.1, 5),
        mnistClassifier('mnist-logreg', { side: 7, hidden: 0, train: 100, test: 50, batch: 32 }),
      ],
    };
  }
  if (name === 'C') {
    // The third funnel stage (--funnel 3): 16x B's quadratics and valleys, B's MLP on twice the batch, and
    // twice the steps (a longer horizon): 5.2x B's parameters, 10.4x its parameters x steps.
    return {
      name, steps: 120, tasks: [
        quadratic('quadratic', 16384, 1e5, 0, 31),
        rosenbrock('rosenbrock', 4096, 32),
        quadratic('noisy-quadratic', 16384, 1e4, 0.1, 35),
        mnistClassifier('mnist-mlp', { side: 14, hidden: 32, train: 700, test: 150, batch: 128, seed: 33 }),
      ],
    };
  }
  return {
    name, steps: 60, tasks: [
      quadratic('quadratic', 1024, 1e4, 0, 11),
      rosenbrock('rosenbrock', 256, 12),
      quadratic('noisy-quadratic', 1024, 1e3, 0.1, 15),
      mnistClassifier('mnist-mlp', { side: 14, hidden: 32, train: 400, test: 100, batch: 64, seed: 13 }),
    ],
  };
}

/**
 * Small versions of both suites for tests of the search machinery (OPTC_SEARCH_SUITE=tiny, inherited by
 * workers a test starts): same kinds of task, a fraction of the work. Not a proxy worth searching on.
 */
function tinySuite(name: SuiteName): Suite {
  const k = name === 'A' ? 1 : name === 'B' ? 4 : 16;
  return {
    name, steps: name === 'C' ? 40 : 20, tasks: [
      quadratic('quadratic', 16 * k, 1e3, 0, 21),
      rosenbrock('rosenbrock', 4 * k, 22),
      quadratic('noisy-quadratic', 16 * k, 1e2, 0.1, 25),
      name === 'A'
        ? mnistClassifier('mnist-logreg', { side: 7, hidden: 0, train: 20, test: 10, batch: 16 })
        : mnistClassifier('mnist-mlp', { side: 7, hidden: 16, train: 40, test: 20, batch: 16, seed: 23 }),
    ],
  };
}
