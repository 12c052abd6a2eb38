// A small fixed-seed fuzz run inside `npm test` (the large runs and their numbers: docs/robustness.md):
// every input compiles or yields diagnostics; the worker harness reports a hang when an input outlives the
// deadline and carries on after it; random programs agree between Dawn and the interpreter.
import { readFileSync, readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { checkInput, fuzzInput } from '../src/fuzz/frontend.js';
import { generateProgram, nearValid } from '../src/fuzz/grammar.js';
import { runFuzz } from '../src/fuzz/main.js';
import { mutate } from '../src/fuzz/mutate.js';
import { FuzzRng } from '../src/fuzz/rng.js';
import { runKernelFuzz } from '../src/fuzz/kernels-main.js';

const examples = readdirSync('examples').filter((f) => f.endsWith('.opt')).sort().map((f) => readFileSync(`examples/${f}`, 'utf8'));

describe('front-end fuzzing (seed 2026, in process)', () => {
  it('200 inputs: each compiles or yields diagnostics, none crashes', () => {
    const outcomes: Record<string, number> = {};
    const crashes: string[] = [];
    for (let i = 0; i < 200; i++) {
      const { kind, source } = fuzzInput(2026, i, examples);
      const r = checkInput(source, i);
      outcomes[`${kind}:${r.outcome}`] = (outcomes[`${kind}:${r.outcome}`] ?? 0) + 1;
      if (r.outcome === 'crash') crashes.push(`#${i} ${kind}: ${r.error}`);
    }
    expect(crashes).toEqual([]);
    // The generator's valid programs mostly compile, and the mutants mostly do not: both paths are exercised.
    expect(outcomes['valid:compiled']).toBeGreaterThan(25);
    expect(outcomes['mutated-example:diagnostics']).toBeGreaterThan(60);
  });

  it('inputs are replayable from seed and index, and stay within 64 KiB of UTF-16', () => {
    expect(fuzzInput(7, 123, examples)).toEqual(fuzzInput(7, 123, examples));
    const rng = new FuzzRng(5);
    for (let i = 0; i < 50; i++) expect(mutate(rng, examples[i % examples.length]!).length).toBeLessThanOrEqual(65_536);
    const g = generateProgram(new FuzzRng(9), 'x');
    expect(nearValid(new FuzzRng(1), g.source)).not.toBe(g.source);
  });
});

describe('the fuzz harness', () => {
  afterEach(() => { delete process.env.OPTC_FUZZ_HANG_AT; });

  it('kills a worker whose input outlives the deadline, reports a hang, and goes on after it', async () => {
    process.env.OPTC_FUZZ_HANG_AT = '4';
    const s = await runFuzz({ count: 12, seconds: 100, seed: 3, jobs: 1, deadlineMs: 2000, examplesDir: 'examples' });
    expect(s.hangs.map((h) => h.i)).toEqual([4]);
    expect(s.inputs).toBe(12);
    expect(s.crashes).toEqual([]);
    expect(s.slowest.length).toBeGreaterThan(0);
  }, 120_000);
});

describe('kernel fuzzing (seed 2026, on Dawn)', () => {
  it('random programs: no validation error, Dawn agrees with the interpreter', async () => {
    const s = await runKernelFuzz({ count: 8, seconds: 40, seed: 2026 });
    expect(s.failures.map((f) => `#${f.i} ${f.outcome}: ${f.detail}`)).toEqual([]);
    expect(s.outcomes.agree).toBeGreaterThan(0);
  }, 120_000);
});
