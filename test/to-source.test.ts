// toSource: IR -> `.opt` source that parses back to the same program.
//
// Two strengths of "the same", both checked:
//  - exact: `hashProgram` of the reparse equals the original's. Holds whenever the program is in the order
//    the parser lowers in (declarations first, then the update in any order the Builder allows, with no
//    duplicated constant or leaf) — every parsed program, every Builder program that declares first, and
//    every program toSource itself printed.
//  - canonical: for programs no source can spell exactly (instructions in a random topological order,
//    duplicated constants), `canonical` below must agree and the interpreter must give bit-identical results.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  Builder, hashProgram, initStates, interpretStep, toSource, verify, LEAF_OPS, type Op, type Program, type Value,
} from '../src/ir/index.js';
import { parseProgram } from '../src/parser/index.js';
import { Rng } from './helpers/prng.js';

function reparse(p: Program): Program {
  const src = toSource(p);
  const { program, diagnostics } = parseProgram(src);
  expect(diagnostics.filter((d) => d.severity === 'error'), src).toEqual([]);
  verify(program!, 'reparse');
  return program!;
}

/**
 * Structural identity that ignores instruction order, duplicated leaves and sharing. Every value gets a
 * Merkle hash of its op, constant/name and its operands' hashes (hash-consing), so two values get the same
 * hash exactly when they compute the same expression. Two programs are canonically equal when their
 * declarations agree, each store and each state's initial value has the same hash, and the sets of
 * computed (non-leaf) expressions agree — dead ones included, so the printer may neither drop nor invent
 * a computation. Leaves are left out of that set: an unread leaf means nothing.
 */
function canonical(p: Program): string {
  const h = (s: string): string => {
    let a = 0x811c9dc5, b = 0x9e3779b9;
    for (let i = 0; i < s.length; i++) {
      a = Math.imul(a ^ s.charCodeAt(i), 0x01000193) >>> 0;
      b = Math.imul(b ^ s.charCodeAt(i), 0x85ebca6b) >>> 0;
    }
    return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
  };
  const keys: string[] = [];
  const computed = new Set<string>();
  p.insts.forEach((i, id) => {
    const self = i.op === 'const' ? `const ${Object.is(i.value, -0) ? '-0' : String(i.value)}` : `${i.op} ${i.name ?? ''}`;
    keys[id] = h(`${self}(${i.args.map((a) => keys[a]).join(',')})`);
    if (!LEAF_OPS.has(i.op)) computed.add(keys[id]!);
  });
  return JSON.stringify({
    name: p.name,
    hypers: p.hypers.map((x) => [x.name, String(x.default)]),
    inputs: p.inputs.map((x) => x.name),
    states: p.states.map((s) => [s.name, s.format, keys[s.init]]),
    stores: p.stores.map((s) => [s.target, keys[s.value]]),
    computed: [...computed].sort(),
  });
}

/** One step of the interpreter on seeded data; results as bit patterns so NaN and -0 compare exactly. */
function runBits(p: Program, seed: number): string {
  const rng = new Rng(seed);
  const n = 7;
  const vec = () => Float32Array.from({ length: n }, () => rng.normal() * 2);
  const inputs: Record<string, Float32Array> = {};
  for (const i of p.inputs) inputs[i.name] = vec();
  const states = initStates(p, n);
  for (const s of Object.keys(states)) states[s] = vec();
  const r = interpretStep(p, { t: 3, param: vec(), inputs, states });
  const bits = (a: Float32Array) => Array.from(new Uint32Array(Float32Array.from(a).buffer)).join(',');
  return [bits(r.param), ...p.states.map((s) => `${s.name}:${bits(r.states[s.name]!)}`)].join(' ');
}

const CONSTS = [0, 1, 2, 0.5, -0.5, -1, 1e-8, 0.9, -0, Infinity, -Infinity, NaN, 3.25, 1e21];
const UNARY: Op[] = ['neg', 'sqrt', 'rsqrt', 'abs', 'sign', 'exp', 'log'];
const BINARY: Op[] = ['add', 'sub', 'mul', 'div', 'pow', 'min', 'max'];
const CMP: Op[] = ['lt', 'le', 'gt', 'ge', 'eq', 'ne'];

/** A random valid program built with the Builder, declarations first (so it round-trips exactly). */
function randomProgram(rng: Rng): Program {
  const r = (n: number) => Math.floor(rng.uniform() * n);
  const pick = <T>(xs: T[]): T => xs[r(xs.length)]!;
  const b = new Builder('rand', rng.uniform() < 0.5 ? 'A random program.\n  with two lines' : undefined);
  const hypers = Array.from({ length: 1 + r(3) }, (_, i) => b.hyper(`h${i}`, pick([0.1, -2, 0, 1e-3, Infinity, -0]), i === 0 ? 'rate' : undefined));
  const inputs = rng.uniform() < 0.4 ? [b.input('hess')] : [];
  // Constants are made eagerly so the initial values come out in post-order (the only order a declaration,
  // which has no `let`, can spell); `b.sub(1, tree)` would make the 1 after the tree.
  const stepExpr = (depth: number): Value => {
    if (depth === 0 || rng.uniform() < 0.4) return rng.uniform() < 0.5 ? pick(hypers) : b.const(pick(CONSTS));
    return rng.uniform() < 0.3 ? b.op(pick(UNARY), stepExpr(depth - 1)) : b.op(pick(BINARY), stepExpr(depth - 1), stepExpr(depth - 1));
  };
  const states = Array.from({ length: 1 + r(3) }, (_, i) => b.state(`s${i}`, { init: stepExpr(2), doc: i === 1 ? 'second' : undefined }));
  const nums: Value[] = [...hypers, ...states, ...inputs];
  const bools: Value[] = [];
  const x = (): Value => (rng.uniform() < 0.3
    ? pick([() => b.grad(), () => b.param(), () => b.step(), () => b.const(pick(CONSTS))])()
    : pick(nums));
  for (let k = 5 + r(30); k > 0; k--) {
    const kind = r(12);
    let v: Value;
    if (kind < 4) v = b.op(pick(BINARY), x(), x());
    else if (kind < 6) v = b.op(pick(UNARY), x());
    else if (kind < 7) { bools.push(b.op(pick(CMP), x(), x())); continue; }
    else if (kind < 8 && bools.length) { bools.push(rng.uniform() < 0.3 ? b.not(pick(bools)) : b.op(pick(['and', 'or'] as Op[]), pick(bools), pick(bools))); continue; }
    else if (kind < 10 && bools.length) v = b.select(pick(bools), x(), x());
    else v = pick([() => b.lerp(x(), x(), x()), () => b.clamp(x(), x(), x()), () => b.square(x())])();
    if (rng.uniform() < 0.2) b.label(v, pick(['m2', 'step', 'x', 'v', 'g2', 'h0', 'bad name']));
    nums.push(v);
  }
  states.forEach((_, i) => { if (rng.uniform() < 0.8) b.store(`s${i}`, pick(nums)); });
  if (rng.uniform() < 0.9) b.store('p', pick(nums));
  return b.finish();
}

/** The same program in a random topological order, with some constants duplicated: valid IR no source spells. */
function scramble(p: Program, rng: Rng): Program {
  const users: number[][] = p.insts.map(() => []);
  const waiting = p.insts.map((i, id) => {
    const args = [...new Set(i.args)];
    for (const a of args) users[a]!.push(id);
    return args.length;
  });
  const ready = p.insts.flatMap((_, id) => (waiting[id] === 0 ? [id] : []));
  const insts: Program['insts'] = [];
  const newId: number[] = [];
  while (ready.length) {
    const id = ready.splice(Math.floor(rng.uniform() * ready.length), 1)[0]!;
    const inst = p.insts[id]!;
    const args = inst.args.map((a) => {
      if (p.insts[a]!.op !== 'const' || rng.uniform() > 0.3) return newId[a]!;
      insts.push({ ...p.insts[a]!, args: [] }); // a second copy of the constant, just for this use
      return insts.length - 1;
    });
    insts.push({ ...inst, args });
    newId[id] = insts.length - 1;
    for (const u of users[id]!) if (--waiting[u]! === 0) ready.push(u);
  }
  return {
    ...p,
    insts,
    states: p.states.map((s) => ({ ...s, init: newId[s.init]! })),
    stores: p.stores.map((s) => ({ ...s, value: newId[s.value]! })),
  };
}

describe('toSource', () => {
  it('prints a program readably: lets for shared, labelled and stored values, then the assignments', () => {
    const b = new Builder('sgdm', 'SGD with momentum.');
    const lr = b.hyper('lr', 0.1, 'learning rate');
    const mu = b.hyper('momentum', 0.9);
    const buf = b.state('buf', { init: 0, doc: 'momentum buffer' });
    const nb = b.label(b.add(b.mul(mu, buf), b.grad()), 'nb');
    b.store('buf', nb);
    b.store('p', b.sub(b.param(), b.mul(lr, nb)));
    const prog = b.finish();
    expect(toSource(prog)).toMatchInlineSnapshot(`
      "/// SGD with momentum.
      optimizer sgdm {
        /// learning rate
        hyper lr = 0.1;
        hyper momentum = 0.9;
        /// momentum buffer
        state buf: f32 = 0;
        update {
          let nb = momentum * buf + g;
          let v9 = p - lr * nb;
          buf = nb;
          p = v9;
        }
      }
      "
    `);
    expect(hashProgram(reparse(prog))).toBe(hashProgram(prog));
  });

  it('round-trips every example exactly', () => {
    for (const f of readdirSync('examples').filter((x) => x.endsWith('.opt'))) {
      const p = parseProgram(readFileSync(`examples/${f}`, 'utf8'), f).program!;
      const back = reparse(p);
      expect(hashProgram(back), f).toBe(hashProgram(p));
      expect(back.hypers.map((h) => h.doc), f).toEqual(p.hypers.map((h) => h.doc));
      expect(back.doc, f).toBe(p.doc);
    }
  });

  it('round-trips operators, conditions, negative and special constants exactly', () => {
    const src = `optimizer tricky {
      hyper lr = -1e-3; hyper flag = 0; hyper cap = inf; hyper z = -0;
      input h;
      state m: f32 = -0.5 * lr;
      state n = nan;
      update {
        let c = g > 0 && !(h <= 0) || flag != 0;
        let d = c ? -(0.5) : (flag == 1 ? -0.5 : -inf);
        let e = (-0.5) ^ t + 2 ^ -t - -(-0.5) - -0 + -(g * h) - -g ^ 2;
        let f = select(m >= n, min(g, cap), max(-g, -cap)) / (1 - (1 - lr)) / (lr * (m * n));
        m = lerp(m, g, 0.1) + clamp(d, -1, 1) + e;
        n = square(f) + abs(sign(rsqrt(exp(log(sqrt(n))))));
        p = p - lr * (m + n) * (t == 1 ? 1 : 0.5) + z;
      }
    }`;
    const { program, diagnostics } = parseProgram(src);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const back = reparse(program!);
    expect(hashProgram(back)).toBe(hashProgram(program!));
    expect(toSource(back)).toBe(toSource(program!));
    expect(toSource(program!)).toMatchInlineSnapshot(`
      "optimizer tricky {
        hyper lr = -0.001;
        hyper flag = 0;
        hyper cap = inf;
        hyper z = -0;
        input h;
        state m: f32 = -0.5 * lr;
        state n: f32 = nan;
        update {
          let c = g > 0 && !(h <= 0) || flag != 0;
          let d = c ? -(0.5) : (flag == 1 ? -0.5 : -inf);
          let e = (-0.5) ^ t + 2 ^ -t - -(-0.5) - -0 + -(g * h) - -g ^ 2;
          let f = (m >= n ? min(g, cap) : max(-g, -cap)) / (1 - (1 - lr)) / (lr * (m * n));
          let v61 = m + 0.1 * (g - m) + min(max(d, -1), 1) + e;
          let v69 = f * f + abs(sign(rsqrt(exp(log(sqrt(n))))));
          let v77 = p - lr * (v61 + v69) * (t == 1 ? 1 : 0.5) + z;
          m = v61;
          n = v69;
          p = v77;
        }
      }
      "
    `);
  });

  it('round-trips state formats, with and without a block size', () => {
    const src = 'optimizer q { hyper lr = 0.1; state m: q8(block = 128) = 0; state v: bf16 = 0; state w = 1; ' +
      'update { m = lerp(m, g, 0.1); v = lerp(v, g * g, 0.01); w = w; p = p - lr * m / (sqrt(v) + 1e-8); } }';
    const p = parseProgram(src).program!;
    expect(p.states.map((s) => s.format)).toEqual([{ kind: 'q8', block: 128 }, { kind: 'bf16' }, { kind: 'f32' }]);
    expect(toSource(p)).toContain('state m: q8(block = 128) = 0;');
    expect(toSource(p)).toContain('state v: bf16 = 0;');
    expect(hashProgram(reparse(p))).toBe(hashProgram(p));
  });

  it('round-trips random Builder programs exactly, and they compute the same', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 150; i++) {
      const p = randomProgram(rng);
      verify(p, `random #${i}`);
      const back = reparse(p);
      expect(hashProgram(back), toSource(p)).toBe(hashProgram(p));
      expect(runBits(back, i)).toBe(runBits(p, i));
    }
  });

  it('prints scrambled programs to an equivalent program, and is a fixed point from then on', () => {
    const rng = new Rng(11);
    for (let i = 0; i < 150; i++) {
      const p = scramble(randomProgram(rng), rng);
      verify(p, `scrambled #${i}`);
      const once = reparse(p);
      expect(canonical(once), toSource(p)).toBe(canonical(p));
      expect(runBits(once, i)).toBe(runBits(p, i));
      const twice = reparse(once);
      expect(hashProgram(twice)).toBe(hashProgram(once));
      // The text settles one round later: a `let` of a bare leaf carries no label, so its name comes from
      // the instruction number, which the first reparse renumbers.
      expect(toSource(reparse(twice))).toBe(toSource(twice));
    }
  });

  it('readable printing: every example and scrambled random programs read back as the same computation, and the text is a fixed point', () => {
    const readable = (p: Program): Program => {
      const src = toSource(p, { readable: true });
      const { program, diagnostics } = parseProgram(src);
      expect(diagnostics.filter((d) => d.severity === 'error'), src).toEqual([]);
      verify(program!, 'readable reparse');
      expect(toSource(program!, { readable: true }), src).toBe(src);
      return program!;
    };
    // Readable text drops values nothing stores (exact text keeps them): compare what the stores compute.
    const stores = (p: Program) => { const { computed: _, ...rest } = JSON.parse(canonical(p)); return JSON.stringify(rest); };
    for (const f of readdirSync('examples').filter((x) => x.endsWith('.opt'))) {
      const p = parseProgram(readFileSync(`examples/${f}`, 'utf8'), f).program!;
      if (p.fallback || p.entries) continue; // nested rules and entry blocks print as in exact mode
      expect(stores(readable(p)), f).toBe(stores(p));
    }
    const rng = new Rng(13);
    for (let i = 0; i < 150; i++) {
      const p = scramble(randomProgram(rng), rng);
      const back = readable(p);
      expect(stores(back), toSource(p, { readable: true })).toBe(stores(p));
      expect(runBits(back, i)).toBe(runBits(p, i));
    }
  });

  it('readable printing inlines every value used once and names a shared stored value after its target', () => {
    const src = `optimizer m { hyper lr = 0.01; hyper beta = 0.9; state m: f32 = 0;
      update { let a = beta * m; let b = (1 - beta) * g; let v1 = a + b; m = v1; let d = sign(v1); p = p - lr * d; } }`;
    const p = parseProgram(src).program!;
    for (const i of p.insts) delete i.label;
    expect(toSource(p, { readable: true })).toMatchInlineSnapshot(`
      "optimizer m {
        hyper lr = 0.01;
        hyper beta = 0.9;
        state m: f32 = 0;
        update {
          let m_new = beta * m + (1 - beta) * g;
          m = m_new;
          p = p - lr * sign(m_new);
        }
      }
      "
    `);
  });

  it('prints the instruction order it must reproduce with lets where inlining would reorder', () => {
    // `2 * s` reads the `a + g` assigned to s by the statement before: inlining it as `2 * (a + g)` would
    // emit the constant 2 before the addition, so the printer binds the addition first.
    const src = 'optimizer o { hyper a = 1; state s = 0; update { s = a + g; let v = 2 * s; s = v; p = p - v; } }';
    const p = parseProgram(src).program!;
    expect(toSource(p)).toMatchInlineSnapshot(`
      "optimizer o {
        hyper a = 1;
        state s: f32 = 0;
        update {
          let v4 = a + g;
          let v = 2 * v4;
          let v8 = p - v;
          s = v;
          p = v8;
        }
      }
      "
    `);
    expect(hashProgram(reparse(p))).toBe(hashProgram(p));
  });
});
