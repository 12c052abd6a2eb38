// Seeded, platform-independent random numbers for tests: the same seed gives the same data everywhere,
// so a failing case can be replayed from the seed printed in its name.

import { FuzzRng } from '../../src/fuzz/rng.js';

/** splitmix32 (Vigna's splitmix adapted to 32-bit state): the fuzzers' generator, with test conveniences. */
export class Rng extends FuzzRng {
  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number { return lo + (hi - lo) * this.uniform(); }

  /** Standard normal (Box–Muller; one value per call, the pair's second half is dropped for simplicity). */
  normal(): number {
    const u1 = 1 - this.uniform(); // (0, 1]: log(u1) is finite
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** A child generator whose stream does not overlap this one's in practice. */
  fork(salt: number): Rng { return new Rng((this.u32() ^ Math.imul(salt + 1, 0x27d4eb2d)) >>> 0); }
}

/** A stable 32-bit seed from a string (FNV-1a), e.g. from a test case's name. */
export function seedOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
