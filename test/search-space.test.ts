// The search space: warm starts normalize into it, mutants that pass validation are programs the compiler
// takes, and the lane evaluator the search scores with computes what the IR interpreter computes.
import { describe, expect, it } from 'vitest';
import { compile } from '../src/compile.js';
import { initStates, interpretStep, toSource, verify } from '../src/ir/index.js';
import { behaviour, structuralHash } from '../src/search/fingerprint.js';
import { LaneProgram } from '../src/search/lanes.js';
import { DEFAULT_SPACE, loadWarmStart, SpaceError } from '../src/search/space.js';
import { example, mutants } from './helpers/search-programs.js';

describe('warm starts', () => {
  it('inline every hyperparameter but lr and fold what they decide', () => {
    const p = example('sgd', { momentum: 0.9 });
    expect(p.hypers.map((h) => h.name)).toEqual(['lr']);
    const src = toSource(p);
    expect(src).not.toContain('nesterov');
    expect(src).toContain('0.9');
    expect(p.states.map((s) => s.name)).toEqual(['buf']);
  });

  it('reject programs outside the space, naming why', () => {
    expect(() => example('adafactor')).toThrow(SpaceError);
    expect(() => example('adafactor')).toThrow(/row/);
    expect(() => loadWarmStart('optimizer x { hyper eta = 1; update { p = p - eta * g; } }', 'x.opt')).toThrow(/no hyperparameter 'lr'/);
    expect(() => example('sgd', { momentm: 0.9 })).toThrow(/--hyper momentm: no such hyperparameter/);
  });
});

describe('mutations', () => {
  const all = [...mutants(example('adamw'), 1500, 1), ...mutants(example('sgd', { momentum: 0.9 }), 1500, 2)];
  const valid = all.filter((m) => m.valid);

  it('mostly produce valid programs, and every valid one passes the verifier', () => {
    expect(valid.length / all.length).toBeGreaterThan(0.8);
    for (const m of valid) expect(() => verify(m.program, m.mutation)).not.toThrow();
  });

  it('accepted mutants compile to WGSL and print to source that parses back', () => {
    for (const m of valid.filter((_, i) => i % 25 === 0)) {
      expect(() => compile(m.program)).not.toThrow();
      expect(() => compile(toSource(m.program))).not.toThrow();
    }
  });

  it('cover every kind of mutation', () => {
    const kinds = new Set(valid.map((m) => m.mutation.split(' ')[0]));
    expect([...kinds].sort()).toEqual(['argument', 'constant', 'delete', 'function', 'insert', 'state']);
  });

  it('the lane evaluator equals the IR interpreter bit for bit (scalar lr)', () => {
    const n = 12;
    let compared = 0;
    for (const m of valid.filter((_, i) => i % 7 === 0)) {
      const p = m.program;
      const lanes = new LaneProgram(p, n);
      type S = { param: Float32Array; states: Record<string, Float32Array> };
      let a: S = { param: Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1)), states: lanes.initStates(0.01) };
      let b: S = { param: a.param, states: initStates(p, n, { lr: 0.01 }) };
      for (let t = 1; t <= 3; t++) {
        const g = Float32Array.from({ length: n }, (_, i) => Math.cos(3 * i + t) * (i % 4 ? 1 : 30));
        a = lanes.step({ t, param: a.param, g, states: a.states, lr: 0.01 });
        b = interpretStep(p, { t, param: b.param, inputs: { g }, states: b.states, hypers: { lr: 0.01 } });
        expect(Array.from(a.param), `${toSource(p)} at t=${t}`).toEqual(Array.from(b.param));
      }
      compared++;
    }
    expect(compared).toBeGreaterThan(200);
  });

  it('fingerprints: equal programs hash equal, reassociation meets, different rules differ', () => {
    const p = example('adamw');
    expect(behaviour(p).hash).toBe(behaviour(example('adamw')).hash);
    expect(structuralHash(p)).toBe(structuralHash(example('adamw')));
    expect(behaviour(p).hash).not.toBe(behaviour(example('lion')).hash);
    // Lion with the momentum update written as beta2 * m + (1 - beta2) * g instead of lerp: same rule.
    const lerp = loadWarmStart('optimizer a { hyper lr = 0.1; state m = 0; update { p = p - lr * sign(lerp(m, g, 0.1)); m = lerp(m, g, 0.01); } }', 'a.opt');
    const ema = loadWarmStart('optimizer b { hyper lr = 0.1; state m = 0; update { p = p - lr * sign(0.9 * m + 0.1 * g); m = 0.99 * m + 0.01 * g; } }', 'b.opt');
    expect(structuralHash(lerp)).not.toBe(structuralHash(ema));
    expect(behaviour(lerp).hash).toBe(behaviour(ema).hash);
    expect(behaviour(loadWarmStart('optimizer c { hyper lr = 0.1; update { p = p - lr * sqrt(g); } }', 'c.opt')).nonFinite).toBe(true);
    // A rule and its negation differ in every sign bit and nothing else.
    const pos = loadWarmStart('optimizer d { hyper lr = 0.1; update { p = lr * g; } }', 'd.opt');
    const neg = loadWarmStart('optimizer e { hyper lr = 0.1; update { p = 0 - lr * g; } }', 'e.opt');
    expect(behaviour(pos).hash).not.toBe(behaviour(neg).hash);
    void DEFAULT_SPACE;
  });
});
