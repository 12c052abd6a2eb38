// Deduplication by what a program computes (AutoML-Zero's functional equivalence, Lion's cache): a
// behavioural hash of the parameter trajectory the IR interpreter produces on fixed random inputs, with
// mantissas truncated so that reassociated arithmetic (`(a + b) + c` vs `a + (b + c)`) still meets, and a
// structural hash of the program after dead-code removal, which finds exact duplicates without running.
import type { Program } from '../ir/index.js';
import { LaneProgram } from './lanes.js';
import { hashNormal } from './rng.js';

/** Elements per probe tensor, steps and the learning rate of the probe (irrational-looking on purpose). */
const N = 16, STEPS = 3, PROBE_LR = 0.0123;
/** Mantissa bits kept: 23 - 13 = 10, about three significant digits. */
const DROP_BITS = 13;

// Probe inputs, fixed for the whole process: p0 and g_t with mixed signs and scales (2 seeds' worth).
const P0 = Float32Array.from({ length: N }, (_, i) => hashNormal(1, i) * (i < N / 2 ? 1 : 0.01));
const G = Array.from({ length: STEPS }, (_, t) => Float32Array.from({ length: N }, (_, i) => hashNormal(2 + t, i) * (i % 3 === 0 ? 10 : 1)));

/** An incremental 53-bit hash of numbers and strings (cyrb53's mixing), without building a string. */
export class Hasher {
  private h1 = 0xdeadbeef;
  private h2 = 0x41c6ce57;
  private static readonly f64 = new Float64Array(1);
  private static readonly u32 = new Uint32Array(Hasher.f64.buffer);
  int(x: number): this {
    // The shifts matter: products alone carry a change of the top bit only into the top bit, so words that
    // differ in sign only (p and -p) would cancel out in pairs.
    const a = Math.imul(this.h1 ^ x, 2654435761), b = Math.imul(this.h2 ^ x, 1597334677);
    this.h1 = a ^ (a >>> 15);
    this.h2 = b ^ (b >>> 13);
    return this;
  }
  /** A float64 by its bits (so -0 and 0 differ, and every NaN is one NaN). */
  num(x: number): this {
    Hasher.f64[0] = Number.isNaN(x) ? NaN : x;
    return this.int(Hasher.u32[0]!).int(Hasher.u32[1]!);
  }
  str(s: string): this {
    for (let i = 0; i < s.length; i++) this.int(s.charCodeAt(i));
    return this.int(0x1f);
  }
  digest(): string {
    let h1 = this.h1, h2 = this.h2;
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
  }
}

const OP_CODES = new Map<string, number>();
const opCode = (op: string) => { let c = OP_CODES.get(op); if (c === undefined) OP_CODES.set(op, (c = OP_CODES.size + 1)); return c; };

/**
 * Structural hash of a pruned candidate: what affects its meaning (the fields `canonicalJSON` keys on, for
 * the shapes of program the search space has), nothing else; labels and spans do not count.
 */
export function structuralHash(p: Program): string {
  const h = new Hasher();
  for (const x of p.hypers) h.str(x.name).num(x.default);
  for (const st of p.states) h.str(st.name).int(st.init);
  h.int(-1);
  for (const i of p.insts) {
    h.int(opCode(i.op)).int(i.args.length);
    for (const a of i.args) h.int(a);
    if (i.value !== undefined) h.num(i.value);
    if (i.name !== undefined) h.str(i.name);
    if (i.over !== undefined) h.str(i.over);
  }
  h.int(-2);
  for (const st of p.stores) h.str(st.target).int(st.value);
  return h.digest();
}

export interface Behaviour {
  hash: string;
  /** The probe produced NaN or an infinity: the program fails the hurdle and is never scored. */
  nonFinite: boolean;
}

/**
 * The behavioural hash: p after each probe step, mantissas truncated. The probe runs on LaneProgram with a
 * scalar lr, which computes what the IR interpreter computes bit for bit (test/search-lanes.test.ts).
 */
export function behaviour(p: Program): Behaviour {
  const lanes = new LaneProgram(p, N);
  let param: Float32Array = P0;
  let states = lanes.initStates(PROBE_LR);
  const words = new Uint32Array(N * STEPS);
  const view = new Float32Array(words.buffer);
  let nonFinite = false;
  for (let t = 1; t <= STEPS; t++) {
    const r = lanes.step({ t, param, g: G[t - 1]!, states, lr: PROBE_LR });
    param = r.param;
    states = r.states;
    view.set(param, (t - 1) * N);
  }
  for (let i = 0; i < words.length; i++) {
    if (!Number.isFinite(view[i]!)) { nonFinite = true; words[i] = 0x7fc00000; }
    else words[i] = words[i]! & ~((1 << DROP_BITS) - 1);
  }
  const h = new Hasher();
  for (let i = 0; i < words.length; i++) h.int(words[i]!);
  return { hash: h.digest(), nonFinite };
}
