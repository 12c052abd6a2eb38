// Library functions of the language beyond the core ops: reductions, learning-rate schedules, random
// numbers and a few scalar helpers. Each one expands into IR ops through the Builder, so the IR (and
// every pass and backend) only ever sees `reduce`, `rand` and elementwise ops; `toSource` prints the
// expansion, which re-parses to the same program.
//
// Reductions fold a value over each parameter tensor (or row, column, or every tensor of the step):
//
//   sum(x) mean(x) max(x) min(x) absmax(x) norm(x) rms(x) dot(a, b)        one value per tensor
//   row_sum(x) row_mean(x) row_max(x)  col_sum(x) col_mean(x) col_max(x)   one per row / column
//   global_sum(x) global_norm(x) global_max(x)                              one for the whole step
//
// Rows and columns are those of the tensor viewed as [rows = prod(shape[:-1]), cols = shape[-1]]. The
// mean of a per-row value (`mean(r)` for a row state) averages over the rows.
//
// Schedules are multipliers of the learning rate, functions of the step t (1 at the first step):
//
//   linear_warmup(t, w)             min(1, t / w); 1 when w <= 0
//   cosine_decay(t, total, floor)   floor + (1 - floor) (1 + cos(pi min(t, total) / total)) / 2
//   warmup_cosine(t, w, total, floor)  linear warmup over w steps, then cosine from 1 to floor at `total`
//   wsd(t, w, stable, decay, floor)    warmup-stable-decay: warmup, flat for `stable` steps, linear to floor
//   inv_sqrt(t, w)                  t / w during warm-up, then sqrt(w / t); 1 / sqrt(t) when w <= 0
import type { Builder, Value } from '../ir/builder.js';
import type { Dim, ReduceFn, ReduceOver, Space } from '../ir/types.js';

export interface LibraryFn {
  /** How it is called, for messages. */
  signature: string;
  arity: number;
  /** What the arguments must be: a reduction's argument must vary over what it folds. */
  kind: 'reduce' | 'schedule' | 'rand' | 'scalar';
  over?: ReduceOver;
  lower: (b: Builder, args: Value[]) => Value;
}

const reduceFn = (fn: ReduceFn, over: ReduceOver, sig: string, pre?: (b: Builder, x: Value) => Value, post?: (b: Builder, r: Value, x: Value) => Value): LibraryFn => ({
  signature: sig, arity: 1, kind: 'reduce', over,
  lower: (b, [x]) => {
    const arg = pre ? pre(b, x!) : x!;
    const r = b.reduce(fn, over, arg);
    return post ? post(b, r, x!) : r;
  },
});

/** A matrix side as a value: rows, cols, their min or max, or the fixed number. */
export function sideValue(b: Builder, d: Dim): Value {
  switch (d) {
    case 'rows': return b.dim('rows');
    case 'cols': return b.dim('cols');
    case 'short': return b.min(b.dim('rows'), b.dim('cols'));
    case 'long': return b.max(b.dim('rows'), b.dim('cols'));
    default: return b.const(d);
  }
}

/** How many values `x` holds per tensor along what `over` folds, for means: numel, rows or cols. */
function countOf(b: Builder, x: Value, over: ReduceOver): Value {
  if (over === 'row') return b.dim('cols');
  if (over === 'col') return b.dim('rows');
  const s: Space = b.spaceOf(x);
  // A matrix of another shape (rows × rows, rank × cols): its own number of entries.
  if (s === 'mat') { const [r, c] = b.shapeOf(x)!; return b.mul(sideValue(b, r), sideValue(b, c)); }
  return s === 'row' ? b.dim('rows') : s === 'col' ? b.dim('cols') : b.dim('numel');
}

const sq = (b: Builder, x: Value) => b.mul(x, x);

export const LIBRARY: Record<string, LibraryFn> = {
  sum: reduceFn('sum', 'tensor', 'sum(x)'),
  mean: reduceFn('sum', 'tensor', 'mean(x)', undefined, (b, r, x) => b.div(r, countOf(b, x, 'tensor'))),
  absmax: reduceFn('max', 'tensor', 'absmax(x)', (b, x) => b.abs(x)),
  norm: reduceFn('sum', 'tensor', 'norm(x)', sq, (b, r) => b.sqrt(r)),
  rms: reduceFn('sum', 'tensor', 'rms(x)', sq, (b, r, x) => b.sqrt(b.div(r, countOf(b, x, 'tensor')))),
  dot: { signature: 'dot(a, b)', arity: 2, kind: 'reduce', over: 'tensor', lower: (b, [x, y]) => b.reduce('sum', 'tensor', b.mul(x!, y!)) },
  row_sum: reduceFn('sum', 'row', 'row_sum(x)'),
  row_mean: reduceFn('sum', 'row', 'row_mean(x)', undefined, (b, r, x) => b.div(r, countOf(b, x, 'row'))),
  row_max: reduceFn('max', 'row', 'row_max(x)'),
  row_min: reduceFn('min', 'row', 'row_min(x)'),
  col_sum: reduceFn('sum', 'col', 'col_sum(x)'),
  col_mean: reduceFn('sum', 'col', 'col_mean(x)', undefined, (b, r, x) => b.div(r, countOf(b, x, 'col'))),
  col_max: reduceFn('max', 'col', 'col_max(x)'),
  col_min: reduceFn('min', 'col', 'col_min(x)'),
  global_sum: reduceFn('sum', 'global', 'global_sum(x)'),
  global_norm: reduceFn('sum', 'global', 'global_norm(x)', sq, (b, r) => b.sqrt(r)),
  global_max: reduceFn('max', 'global', 'global_max(x)'),
  global_min: reduceFn('min', 'global', 'global_min(x)'),

  // Schedules: step-space expressions of t (and hyperparameters).
  linear_warmup: {
    signature: 'linear_warmup(t, warmup)', arity: 2, kind: 'schedule',
    lower: (b, [t, w]) => b.select(b.gt(w!, 0), b.min(1, b.div(t!, w!)), 1),
  },
  cosine_decay: {
    signature: 'cosine_decay(t, total, floor)', arity: 3, kind: 'schedule',
    lower: (b, [t, total, floor]) => cosine(b, b.min(t!, total!), total!, floor!),
  },
  warmup_cosine: {
    signature: 'warmup_cosine(t, warmup, total, floor)', arity: 4, kind: 'schedule',
    lower: (b, [t, w, total, floor]) => {
      // After warm-up, progress runs from 0 at t = warmup to 1 at t = total.
      const span = b.max(b.sub(total!, w!), 1);
      const after = cosine(b, b.min(b.max(b.sub(t!, w!), 0), span), span, floor!);
      return b.select(b.lt(t!, w!), b.div(t!, w!), after);
    },
  },
  wsd: {
    signature: 'wsd(t, warmup, stable, decay, floor)', arity: 5, kind: 'schedule',
    lower: (b, [t, w, stable, decay, floor]) => {
      const start = b.add(w!, stable!);
      const frac = b.min(b.div(b.max(b.sub(t!, start), 0), b.max(decay!, 1)), 1);
      const down = b.sub(1, b.mul(b.sub(1, floor!), frac));
      return b.select(b.lt(t!, w!), b.div(t!, w!), down);
    },
  },
  inv_sqrt: {
    signature: 'inv_sqrt(t, warmup)', arity: 2, kind: 'schedule',
    // Linear warm-up to 1 at t = warmup, then sqrt(warmup / t); with warmup <= 0, 1 / sqrt(t).
    lower: (b, [t, w]) => b.select(b.gt(w!, 0), b.select(b.lt(t!, w!), b.div(t!, w!), b.sqrt(b.div(w!, t!))), b.rsqrt(t!)),
  },

  // Counter-based random numbers, one per element, from a stream (a step value read as an unsigned
  // integer, e.g. `seed + t`): the same stream gives the same numbers on every call (src/ir/rng.ts).
  randn: { signature: 'randn(stream)', arity: 1, kind: 'rand', lower: (b, [s]) => b.rand('normal', s!) },
  randu: { signature: 'randu(stream)', arity: 1, kind: 'rand', lower: (b, [s]) => b.rand('uniform', s!) },
  rademacher: { signature: 'rademacher(stream)', arity: 1, kind: 'rand', lower: (b, [s]) => b.rand('rademacher', s!) },

  // Scalar helpers.
  floor: { signature: 'floor(x)', arity: 1, kind: 'scalar', lower: (b, [x]) => b.floor(x!) },
  cos: { signature: 'cos(x)', arity: 1, kind: 'scalar', lower: (b, [x]) => b.cos(x!) },
  sin: { signature: 'sin(x)', arity: 1, kind: 'scalar', lower: (b, [x]) => b.sin(x!) },
  // mod(a, n) = a - n floor(a / n), Python's sign convention (the result has the sign of n).
  mod: { signature: 'mod(a, n)', arity: 2, kind: 'scalar', lower: (b, [a, n]) => b.sub(a!, b.mul(n!, b.floor(b.div(a!, n!)))) },
};

/** floor + (1 - floor) (1 + cos(pi x / total)) / 2. */
function cosine(b: Builder, x: Value, total: Value, floor: Value): Value {
  const c = b.cos(b.mul(Math.PI, b.div(x, b.max(total, 1))));
  return b.add(floor, b.mul(b.sub(1, floor), b.mul(0.5, b.add(1, c))));
}

/**
 * Matrix functions (docs/matrix.md), lowered by lower-matrix.ts, which checks shapes: `a @ b` is
 * `matmul(a, b)`; `identity(side)` takes a side (`rows`, `cols`, `short`, `long`, a number or a const).
 */
export const MATRIX_FUNCTIONS: Record<string, { arity: number; signature: string }> = {
  matmul: { arity: 2, signature: 'matmul(a, b)' },
  transpose: { arity: 1, signature: 'transpose(x)' },
  orient: { arity: 1, signature: 'orient(x)' },
  identity: { arity: 1, signature: 'identity(side)' },
  trace: { arity: 1, signature: 'trace(a)' },
};

/** Random numbers also come as a matrix of given sides: `randn(stream, long, rank)`. */
export const RAND_MATRIX: Record<string, 'normal' | 'uniform' | 'rademacher'> = { randn: 'normal', randu: 'uniform', rademacher: 'rademacher' };

/** One-argument forms of the elementwise `max`/`min`: the reduction over the tensor. */
export const REDUCING_OVERLOADS: Record<string, LibraryFn> = {
  max: reduceFn('max', 'tensor', 'max(x)'),
  min: reduceFn('min', 'tensor', 'min(x)'),
};

/** `every k { ... }`: the condition `mod(t - 1, k) == 0`, true at steps 1, k + 1, 2k + 1, ... */
export function everyCondition(b: Builder, k: Value): Value {
  const t1 = b.sub(b.step(), 1);
  return b.eq(LIBRARY.mod!.lower(b, [t1, k]), 0);
}
