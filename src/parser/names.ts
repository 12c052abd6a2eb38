// The language's built-in vocabulary (values, functions, storage formats) and "did you mean" suggestions.
// Kept in one table so the checker, the docs and `toSource` agree on what exists.
import { FORMAT_NAMES } from '../formats/index.js';
import { LIBRARY, MATRIX_FUNCTIONS } from './library.js';

/** Names every program can read without declaring them. */
export const BUILTIN_VALUES: Record<string, string> = {
  p: 'the parameter',
  g: 'the gradient',
  t: 'the step count, 1 at the first step',
  inf: 'the constant infinity',
  nan: 'the constant NaN',
  numel: 'the number of elements of the parameter tensor',
  nrows: 'the rows of the parameter tensor viewed as [rows, cols] (all dimensions but the last)',
  ncols: 'the columns of the parameter tensor viewed as [rows, cols] (its last dimension)',
};

export interface FunctionInfo {
  arity: number;
  /** How it is called, for messages: `clamp(x, lo, hi)`. */
  signature: string;
}

const fn = (signature: string): FunctionInfo => ({ arity: signature.split(',').length, signature });

/** Functions callable in expressions; each maps to a Builder method of the same name. */
export const FUNCTIONS: Record<string, FunctionInfo> = {
  sqrt: fn('sqrt(x)'), rsqrt: fn('rsqrt(x)'), abs: fn('abs(x)'), sign: fn('sign(x)'), exp: fn('exp(x)'),
  log: fn('log(x)'), square: fn('square(x)'),
  min: fn('min(a, b)'), max: fn('max(a, b)'), pow: fn('pow(x, y)'),
  clamp: fn('clamp(x, lo, hi)'), lerp: fn('lerp(a, b, w)'), select: fn('select(cond, a, b)'),
  // Reductions, schedules, random numbers and scalar helpers (library.ts).
  ...Object.fromEntries(Object.entries(LIBRARY).map(([k, f]) => [k, { arity: f.arity, signature: f.signature }])),
  // Matrix products, transposes, identities (docs/matrix.md).
  ...MATRIX_FUNCTIONS,
};

/** State storage format names (`state m: q8 = 0;`): the registry's, defined in docs/formats.md. */
export const KNOWN_FORMATS: readonly string[] = FORMAT_NAMES;

/**
 * Optimal string alignment distance (Levenshtein plus adjacent transpositions), so `lr` is one edit from
 * `rl` — the typos people make in short names.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const m = a.length, n = b.length;
  let prev2: number[] = [];
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur.push(d);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[n]!;
}

/**
 * The closest candidate within a third of the name's length (at least one edit), or a case-insensitive
 * match; ties go to the earlier candidate, so callers list the likeliest names first.
 */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    if (c === name) continue;
    const d = c.toLowerCase() === name.toLowerCase() ? 0.5 : editDistance(name, c);
    if (d <= limit && d < bestD) { best = c; bestD = d; }
  }
  return best;
}

/** `did you mean 'x'?`, or undefined when nothing is close. */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const c = closest(name, candidates);
  return c === undefined ? undefined : `did you mean '${c}'?`;
}
