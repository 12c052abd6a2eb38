// Winners read as a person would write them: simplify() folds identities that hold for finite inputs and
// prints single-use values inline, but only when the program still computes what the candidate computed
// (same behavioural hash); otherwise the exact simplification is kept.
import { describe, expect, it } from 'vitest';
import { toSource, type Program } from '../src/ir/index.js';
import { parseProgram } from '../src/parser/index.js';
import { behaviour } from '../src/search/fingerprint.js';
import { simplify } from '../src/search/winners.js';

const parse = (src: string): Program => parseProgram(src).program!;
const readable = (p: Program) => toSource(p, { readable: true });

describe('search winners', () => {
  it('drops `+ 0`, `* 1` and the lets of bare leaves a mutated program carries', () => {
    // The shape of a raw winner: leaves bound by mutation-made lets, an added zero, a multiplied one.
    const raw = parse(`optimizer found_1 { hyper lr = 0.001; update {
      let v1 = 0; let v2 = g; let v3 = p;
      let gg = v2 / (sqrt(v2 * v2 / numel) + 1e-8) + v1;
      p = v3 - lr * gg * 1; } }`);
    const out = simplify(raw, 'found_1');
    expect(behaviour(out).hash).toBe(behaviour(raw).hash);
    expect(readable(out)).toBe(`optimizer found_1 {
  hyper lr = 0.001;
  update {
    p = p - lr * (g / (sqrt(g * g / numel) + 1e-8));
  }
}
`);
  });

  it('keeps `0 * x` when x is not finite on the probe inputs (folding it would change what it computes)', () => {
    // 1 / (g - g) is inf, and 0 * inf is NaN: the candidate's parameter becomes NaN, the folded one would not.
    const raw = parse('optimizer o { hyper lr = 0.1; update { p = p - lr * g + 0 * (1 / (g - g)); } }');
    const out = simplify(raw, 'o');
    expect(behaviour(out).hash).toBe(behaviour(raw).hash);
    expect(readable(out)).toContain('0 * (1 / (g - g))');
  });

  it('names a shared value stored into a state after its target', () => {
    const raw = parse(`optimizer m { hyper lr = 0.01; hyper beta = 0.9; state m: f32 = 0;
      update { let v1 = beta; let x = g * 0; m = v1 * m + (1 - v1) * g + x; p = p - lr * sign(m); } }`);
    const text = readable(simplify(raw, 'm'));
    expect(text).toContain('let m_new = beta * m + (1 - beta) * g;');
    expect(text).toContain('p = p - lr * sign(m_new);');
  });
});
