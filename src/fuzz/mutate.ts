// Byte-level mutation of real programs (the shipped examples): what a half-edited file, a bad paste or a
// corrupted download looks like to the compiler. Each mutation keeps most of the file intact, so the parser
// gets deep into real structure before it meets the damage.
import type { FuzzRng } from './rng.js';

/** Characters from many scripts and planes: letters, symbols, combining marks, surrogate pairs, controls. */
const ALPHABETS: readonly (readonly [number, number])[] = [
  [0x20, 0x7e], [0x00, 0x1f], [0xa0, 0x24f], [0x300, 0x36f], [0x370, 0x3ff], [0x400, 0x4ff], [0x590, 0x6ff],
  [0x900, 0x97f], [0x2000, 0x206f], [0x2190, 0x22ff], [0x3040, 0x30ff], [0x4e00, 0x9fff], [0xac00, 0xd7a3],
  [0xfe00, 0xfe0f], [0xfff0, 0xffff], [0x1f300, 0x1f64f], [0x10000, 0x1007f],
];

/** A run of `n` random code points (never a lone surrogate: the files are valid UTF-16 text). */
export function unicodeRun(rng: FuzzRng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const [lo, hi] = rng.pick(ALPHABETS);
    s += String.fromCodePoint(rng.int(lo, hi));
  }
  return s;
}

/** Code points of the language itself, so an inserted run can also be near-valid syntax. */
const SYNTAX = ['(', ')', '{', '}', ';', '=', '+', '-', '*', '/', '^', '?', ':', ',', '@', '<', '>', '!', '&&', '||',
  'let ', 'update ', 'state ', 'hyper ', 'if ', 'else ', 'every ', 'repeat ', 'var ', 'const ', 'fallback ', 'p', 'g', 't', '1e9', '0.5',
  '///', '//', '/*', '*/', '\n'];

export type Mutation = 'unicode' | 'syntax' | 'shuffle' | 'duplicate' | 'delete' | 'swap';
export const MUTATIONS: readonly Mutation[] = ['unicode', 'syntax', 'shuffle', 'duplicate', 'delete', 'swap'];

function applyOne(rng: FuzzRng, src: string, m: Mutation, maxLen: number): string {
  const at = rng.int(0, src.length);
  switch (m) {
    case 'unicode':
      return src.slice(0, at) + unicodeRun(rng, rng.chance(0.2) ? rng.int(50, 2000) : rng.int(1, 40)) + src.slice(at);
    case 'syntax': {
      let s = '';
      for (let i = rng.int(1, 12); i > 0; i--) s += rng.pick(SYNTAX);
      return src.slice(0, at) + s + src.slice(at);
    }
    case 'shuffle': {
      const lines = src.split('\n');
      const lo = rng.int(0, lines.length - 1), hi = Math.min(lines.length, lo + rng.int(2, 40));
      const part = lines.slice(lo, hi);
      for (let i = part.length - 1; i > 0; i--) { const j = rng.int(0, i); [part[i], part[j]] = [part[j]!, part[i]!]; }
      return [...lines.slice(0, lo), ...part, ...lines.slice(hi)].join('\n');
    }
    case 'duplicate': {
      // Spans copied many times over grow a file towards `maxLen`: the input that exposes quadratic paths.
      const len = rng.int(1, Math.min(src.length, 2000));
      const from = rng.int(0, Math.max(0, src.length - len));
      const piece = src.slice(from, from + len);
      const times = rng.chance(0.3) ? rng.int(2, Math.max(2, Math.floor((maxLen - src.length) / Math.max(1, len)))) : 1;
      return src.slice(0, at) + piece.repeat(Math.max(1, Math.min(times, 4000))) + src.slice(at);
    }
    case 'delete': {
      const len = rng.int(1, Math.min(200, Math.max(1, src.length - at)));
      return src.slice(0, at) + src.slice(at + len);
    }
    case 'swap': {
      const a = rng.int(0, src.length), b = rng.int(0, src.length);
      const [lo, hi] = a < b ? [a, b] : [b, a];
      const len = Math.min(rng.int(1, 80), src.length - hi);
      if (len <= 0 || lo + len > hi) return src;
      return src.slice(0, lo) + src.slice(hi, hi + len) + src.slice(lo + len, hi) + src.slice(lo, lo + len) + src.slice(hi + len);
    }
  }
}

/** One to eight mutations of `src`, the result cut to `maxLen` UTF-16 units (default 64 KiB). */
export function mutate(rng: FuzzRng, src: string, maxLen = 65_536): string {
  let out = src;
  for (let n = rng.int(1, 8); n > 0; n--) out = applyOne(rng, out, rng.pick(MUTATIONS), maxLen);
  if (out.length > maxLen) {
    out = out.slice(0, maxLen);
    // Never leave half a surrogate pair at the cut.
    const last = out.charCodeAt(out.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) out = out.slice(0, -1);
  }
  return out;
}
