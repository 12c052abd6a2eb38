// Warm starts and mutant streams shared by the search tests.
import { readFileSync } from 'node:fs';
import type { Program } from '../../src/ir/index.js';
import { DEFAULT_SPACE, loadWarmStart } from '../../src/search/space.js';
import { mutateOnce } from '../../src/search/mutate.js';
import { invalidReason } from '../../src/search/validate.js';
import { Rng } from '../../src/search/rng.js';

const root = new URL('../../', import.meta.url).pathname;

export function example(name: string, hypers: Record<string, number> = {}): Program {
  const file = `examples/${name}.opt`;
  return loadWarmStart(readFileSync(root + file, 'utf8'), file, hypers);
}

/** `n` mutants from a small evolving pool (so later ones are several mutations deep), valid or not. */
export function mutants(start: Program, n: number, seed: number): { program: Program; valid: boolean; mutation: string }[] {
  const rng = new Rng(seed);
  const pool = [start];
  const out: { program: Program; valid: boolean; mutation: string }[] = [];
  while (out.length < n) {
    const m = mutateOnce(rng.pick(pool), rng, DEFAULT_SPACE);
    if (!m) continue;
    const valid = !invalidReason(m.program, DEFAULT_SPACE);
    out.push({ ...m, valid });
    if (valid) { if (pool.length < 40) pool.push(m.program); else pool[rng.int(pool.length)] = m.program; }
  }
  return out;
}
