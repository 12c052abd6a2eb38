// A seeded generator for the fuzzers: the same seed gives the same inputs on every machine, so a failure is
// replayed from the seed and index the report prints.

/** splitmix32: 32 random bits per call from a 32-bit state. */
export class FuzzRng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }

  u32(): number {
    this.s = (this.s + 0x9e3779b9) >>> 0;
    let z = this.s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number { return this.u32() / 4294967296; }

  /** An integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number { return lo + Math.floor(this.uniform() * (hi - lo + 1)); }

  /** True with probability `p`. */
  chance(p: number): boolean { return this.uniform() < p; }

  pick<T>(xs: readonly T[]): T { return xs[Math.floor(this.uniform() * xs.length)]!; }

  /** A child stream for input `i` of a run, so inputs can be replayed one at a time. */
  static forInput(seed: number, i: number): FuzzRng {
    const r = new FuzzRng((seed ^ Math.imul(i + 1, 0x27d4eb2d)) >>> 0);
    r.u32();
    return r;
  }
}
