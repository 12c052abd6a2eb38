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

/** 53-bit string hash (cyrb53), as 14 hex digits. Not cryptographic; collisions are ~2^-26 at 2^13 programs. */
export function hashString(s: string, seed = 0): string {
  let h1 = 0xdeadbeef ^ seed, h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}

/**
 * Structural hash of a pruned candidate: what affects its meaning (the fields `canonicalJSON` keys on, for
 * the shapes of program the search space has), nothing else; labels and spans do not count.
 */
export function structuralHash(p: Program): string {
  let s = '';
  for (const h of p.hypers) s += `${h.name}=${h.default};`;
  for (const st of p.states) s += `${st.name}:${st.init};`;
  for (const i of p.insts) s += `${i.op}${i.args.join(',')}${i.value === undefined ? '' : `#${Object.is(i.value, -0) ? '-0' : i.value}`}${i.name ?? ''}${i.over ?? ''};`;
  for (const st of p.stores) s += `${st.target}<${st.value};`;
  return hashString(s);
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
  let s = '';
  for (let i = 0; i < words.length; i++) s += words[i]!.toString(36) + ',';
  return { hash: hashString(s), nonFinite };
}
