// The search as a process: a seed fixes the trajectory, an interrupted run resumes into the same one, and
// winners are written as `.opt` files that `optc check` accepts and that parse back to the same program.
// Tiny proxy suites (OPTC_SEARCH_SUITE=tiny) keep it fast; the full ones are exercised by bench/search.ts.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { hashProgram } from '../src/ir/index.js';
import { parseProgram } from '../src/parser/index.js';
import { bestWinner, DEFAULT_CONFIG, initSearch, runSearch, type SearchConfig, type SearchState } from '../src/search/evolution.js';
import { behaviour } from '../src/search/fingerprint.js';
import { LocalScorer } from '../src/search/scorer.js';
import { DEFAULT_SPACE } from '../src/search/space.js';
import { loadState, saveState } from '../src/search/state.js';
import { winnerSource } from '../src/search/winners.js';
import { example } from './helpers/search-programs.js';

process.env.OPTC_SEARCH_SUITE = 'tiny';
const MAIN = new URL('../src/cli/main.ts', import.meta.url).pathname;
const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'optc-search-'));

const config = (over: Partial<SearchConfig> = {}): SearchConfig => ({
  ...DEFAULT_CONFIG, seed: 3, space: DEFAULT_SPACE, population: 16, batch: 8, maxCandidates: 40, timeSeconds: Infinity, ...over,
});
const trajectory = (s: SearchState) => s.individuals.map((i) => [i.id, i.parent, i.mutation, i.key, i.a, i.b ?? null]);

async function run(over: Partial<SearchConfig> = {}): Promise<SearchState> {
  const scorer = new LocalScorer();
  const s = await initSearch(config(over), example('sgd', { momentum: 0.9 }), 'sgd', scorer);
  return runSearch(s, scorer);
}

describe('single-process search', () => {
  it('is reproducible: the same seed gives the same trajectory, another seed another one', async () => {
    const a = await run(), b = await run(), c = await run({ seed: 4 });
    expect(a.stats.candidates).toBe(40);
    expect(trajectory(b)).toEqual(trajectory(a));
    expect(b.population).toEqual(a.population);
    expect(b.rng).toEqual(a.rng);
    expect(trajectory(c)).not.toEqual(trajectory(a));
    // The cache did its job: fewer unique scores than candidates.
    expect(a.stats.scoredA).toBeLessThan(a.stats.candidates);
  }, 60_000);

  it('resumes from a saved state into the same run', async () => {
    const whole = await run();
    const first = await run({ maxCandidates: 16 });
    const file = join(dir, 'state.json');
    saveState(file, first);
    const resumed = loadState(file);
    resumed.config.maxCandidates = 40;
    const scorer = new LocalScorer();
    await runSearch(resumed, scorer);
    expect(trajectory(resumed)).toEqual(trajectory(whole));
    expect(resumed.population).toEqual(whole.population);
    expect(resumed.winners).toEqual(whole.winners);
  }, 60_000);

  it('with an early-stopping hurdle: reproducible, stops some candidates, resumes into the same run', async () => {
    const a = await run({ maxCandidates: 96, hurdle: 0.5 }), b = await run({ maxCandidates: 96, hurdle: 0.5 });
    expect(trajectory(b)).toEqual(trajectory(a));
    expect(a.stats.stopped).toBeGreaterThan(0);
    const stopped = Object.values(a.cache).filter((f) => f.stopped);
    expect(stopped.length).toBe(a.stats.stopped);
    for (const f of stopped) expect(f.fitness).toBe(f.early);
    const first = await run({ maxCandidates: 48, hurdle: 0.5 });
    const file = join(dir, 'hurdle-state.json');
    saveState(file, first);
    const resumed = loadState(file);
    resumed.config.maxCandidates = 96;
    await runSearch(resumed, new LocalScorer());
    expect(trajectory(resumed)).toEqual(trajectory(a));
  }, 60_000);

  it('with a third funnel stage: winners beat the warm start on C, and the run is reproducible', async () => {
    const a = await run({ maxCandidates: 96, funnel: 3 }), b = await run({ maxCandidates: 96, funnel: 3 });
    expect(trajectory(b)).toEqual(trajectory(a));
    const warm = a.individuals[0]!;
    expect(warm.c).toBeDefined();
    expect(a.stats.scoredC).toBeGreaterThan(1);
    for (const id of a.winners) {
      const w = a.individuals[id]!;
      expect(w.b!).toBeGreaterThan(warm.b!);
      expect(w.c!).toBeGreaterThan(warm.c!);
    }
    for (const id of a.disagreements) {
      const d = a.individuals[id]!;
      expect(d.b! <= warm.b! || d.c! <= warm.c!).toBe(true);
    }
    const best = bestWinner(a);
    for (const id of a.winners) expect(a.individuals[id]!.c!).toBeLessThanOrEqual(best.c!);
  }, 60_000);

  it('refuses to resume a state scored with another fitness version', async () => {
    const s = await run({ maxCandidates: 8 });
    const file = join(dir, 'old-state.json');
    saveState(file, { ...s, fitnessVersion: 1 });
    expect(() => loadState(file)).toThrow(/fitness version 1.*start a new search/);
  }, 60_000);

  it('writes winners that parse back to the same program and compute what the candidate computed', async () => {
    const s = await run({ maxCandidates: 64 });
    const ids = [...s.winners, ...s.population.slice(-4)];
    for (const id of ids) {
      const ind = s.individuals[id]!;
      if (!s.programs[id]) continue;
      const w = winnerSource(s, ind, `w${id}`);
      const back = parseProgram(w.source);
      expect(back.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(hashProgram(back.program!)).toBe(hashProgram(w.program));
      expect(behaviour(back.program!).hash).toBe(ind.key);
      expect(w.source).toContain('Lineage');
    }
  }, 60_000);
});

describe('optc search', () => {
  it('writes winners optc check accepts, names the best on its last line, and resumes after an interrupt', async () => {
    const out = join(dir, 'cli');
    const env = { ...process.env, OPTC_SEARCH_SUITE: 'tiny' };
    const args = ['--import', 'tsx', MAIN, 'search', '--from', 'examples/sgd.opt', '--hyper', 'momentum=0.9', '--seed', '2', '--out', out, '--no-progress'];
    // Interrupted (SIGINT once it has started), then resumed to 80 candidates...
    const child = execFile(process.execPath, [...args, '--candidates', '80', '--batch', '4'], { env });
    const done = new Promise<number>((r) => child.on('exit', (code) => r(code ?? -1)));
    let stderr = '';
    child.stderr!.on('data', (d) => { stderr += String(d); });
    // Interrupt once the search loop runs (its first checkpoint exists).
    for (let k = 0; k < 600 && !existsSync(join(out, 'state.json')); k++) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    expect(await done).toBe(0);
    const stopped = loadState(join(out, 'state.json')).stats.candidates;
    const resumed = await exec(process.execPath, [...args.filter((a) => a !== '--from' && a !== 'examples/sgd.opt'), '--resume'], { env });
    // ... equals a run straight to 80.
    const straight = await exec(process.execPath, [...args.map((a) => (a === out ? `${out}2` : a)), '--candidates', '80', '--batch', '4'], { env });
    expect(trajectory(loadState(join(out, 'state.json')))).toEqual(trajectory(loadState(join(`${out}2`, 'state.json'))));
    // The interrupt landed mid-run (the state is written before the first round, so it cannot miss).
    expect(stopped).toBeLessThan(80);
    expect(stderr).toContain('optc search --resume');
    const last = straight.stdout.trim().split('\n').pop()!;
    expect(last).toMatch(/^best: .*best\.opt/);
    expect(resumed.stdout.trim().split('\n').pop()).toBe(last.replace(`${out}2`, out));
    const files = [join(out, 'best.opt'), ...readdirSync(join(out, 'winners')).map((f) => join(out, 'winners', f))];
    for (const f of files) {
      const r = await exec(process.execPath, ['--import', 'tsx', MAIN, 'check', f]);
      expect(r.stdout).toContain('ok');
    }
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('Lineage');
  }, 400_000);
});
