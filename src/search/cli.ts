// `optc search` and `optc worker`: argument parsing, progress bar, output files. The search itself is in
// evolution.ts; scoring in scorer.ts (in-process) or queue.ts (BullMQ on Redis).
import { mkdirSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import type { Program } from '../ir/index.js';
import { parseProgram } from '../parser/index.js';
import { bestWinner, DEFAULT_CONFIG, initSearch, runSearch, type Individual, type SearchConfig, type SearchState, type Strategy } from './evolution.js';
import { mutateOnce } from './mutate.js';
import { Rng } from './rng.js';
import { LocalScorer, type Scorer } from './scorer.js';
import { DEFAULT_SPACE, loadWarmStart, normalizeProgram } from './space.js';
import { loadState, saveState } from './state.js';
import { invalidReason } from './validate.js';
import { winnerSource, type WrittenWinner } from './winners.js';

export { SEARCH_USAGE, SearchUsageError } from './usage.js';
import { SearchUsageError } from './usage.js';

const num = (name: string, v: string | undefined, dflt: number): number => {
  if (v === undefined) return dflt;
  const x = Number(v);
  if (!Number.isFinite(x) || x < 0) throw new SearchUsageError(`--${name} expects a non-negative number, got '${v}'`);
  return x;
};

function hyperOverrides(vs: string[] | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of vs ?? []) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(v);
    if (!m || !Number.isFinite(Number(m[2]))) throw new SearchUsageError(`--hyper expects NAME=NUMBER, got '${v}'`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** `--from random`: plain SGD with a few random mutations (seeded), as a start with no prior. */
function randomStart(seed: number): Program {
  const p = parseProgram('optimizer random { hyper lr = 0.01; update { p = p - lr * g; } }').program!;
  let prog = normalizeProgram(p);
  const rng = new Rng(seed ^ 0x5eed);
  for (let k = 0; k < 6; k++) {
    const m = mutateOnce(prog, rng, DEFAULT_SPACE);
    if (m && !invalidReason(m.program, DEFAULT_SPACE)) prog = m.program;
  }
  return prog;
}

async function makeScorer(queue: string | undefined, device = 'cpu'): Promise<Scorer> {
  if (device !== 'cpu' && device !== 'webgpu') throw new SearchUsageError(`unknown --device '${device}' (cpu, webgpu)`);
  if (queue && device !== 'cpu') throw new SearchUsageError('--device webgpu scores in this process; with --queue the workers score (on the CPU)');
  if (device === 'webgpu') {
    // Dawn is loaded only when asked for.
    const { WebGpuScorer } = await import('./gpu/scorer.js');
    return WebGpuScorer.create();
  }
  if (!queue) return new LocalScorer();
  const { RedisScorer } = await import('./queue.js');
  return RedisScorer.connect(queue);
}

export async function searchCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv, allowPositionals: false,
    options: {
      from: { type: 'string' }, hyper: { type: 'string', multiple: true }, seed: { type: 'string' }, out: { type: 'string' },
      time: { type: 'string' }, candidates: { type: 'string' }, strategy: { type: 'string' }, population: { type: 'string' },
      batch: { type: 'string' }, 'max-states': { type: 'string' }, resume: { type: 'boolean' }, queue: { type: 'string' }, device: { type: 'string' }, hurdle: { type: 'string' }, funnel: { type: 'string' },
      'no-progress': { type: 'boolean' },
    },
  });
  const out = values.out ?? 'search-out';
  const stateFile = join(out, 'state.json');
  mkdirSync(out, { recursive: true });
  const scorer = await makeScorer(values.queue, values.device);
  let state: SearchState;
  try {
    if (values.resume) {
      if (!existsSync(stateFile)) throw new SearchUsageError(`--resume: no ${stateFile}`);
      state = loadState(stateFile);
      // A resumed run may be given a larger budget; everything else comes from the state.
      if (values.time !== undefined) state.config.timeSeconds = num('time', values.time, 0);
      if (values.candidates !== undefined) state.config.maxCandidates = num('candidates', values.candidates, 0);
    } else {
      if (!values.from) throw new SearchUsageError('optc search needs --from FILE.opt (or --from random)');
      const strategy = (values.strategy ?? 'evolution') as Strategy;
      if (!['evolution', 'random', 'constants'].includes(strategy)) throw new SearchUsageError(`unknown --strategy '${strategy}' (evolution, random, constants)`);
      const seed = num('seed', values.seed, 1);
      const config: SearchConfig = {
        ...DEFAULT_CONFIG, seed, strategy,
        population: num('population', values.population, DEFAULT_CONFIG.population),
        batch: Math.max(1, num('batch', values.batch, DEFAULT_CONFIG.batch)),
        timeSeconds: num('time', values.time, DEFAULT_CONFIG.timeSeconds),
        maxCandidates: values.candidates === undefined ? Infinity : num('candidates', values.candidates, 0),
        space: { ...DEFAULT_SPACE, maxStates: num('max-states', values['max-states'], DEFAULT_SPACE.maxStates) },
      };
      if (values.funnel !== undefined) {
        if (values.funnel !== '2' && values.funnel !== '3') throw new SearchUsageError(`--funnel expects 2 (A, B) or 3 (A, B, C), got '${values.funnel}'`);
        config.funnel = Number(values.funnel) as 2 | 3;
      }
      if (values.hurdle !== undefined) {
        const q = num('hurdle', values.hurdle, 0);
        if (!(q > 0 && q < 1)) throw new SearchUsageError(`--hurdle expects a quantile between 0 and 1 (e.g. 0.25), got '${values.hurdle}'`);
        config.hurdle = q;
      }
      const hypers = hyperOverrides(values.hyper);
      const warm = values.from === 'random' ? randomStart(seed) : loadWarmStart(readText(values.from), values.from, hypers);
      const from = `${values.from}${Object.keys(hypers).length ? ` (${Object.entries(hypers).map(([k, v]) => `${k}=${v}`).join(', ')})` : ''}`;
      state = await initSearch(config, warm, from, scorer);
    }
    await searchLoop(state, scorer, stateFile, !values['no-progress']);
  } finally {
    await scorer.close();
  }
  const files = await writeResults(state, out);
  const best = bestWinner(state);
  const warm = state.individuals[0]!;
  const stopped = state.config.hurdle === undefined ? '' : `, ${state.stats.stopped ?? 0} of them stopped at the hurdle`;
  console.log(`${state.stats.candidates} candidates, ${state.stats.scoredA} scored on A${stopped} (hit rate ${(100 * state.stats.hits / Math.max(1, state.stats.candidates)).toFixed(1)}%), ${state.stats.scoredB} on B, ${state.winners.length} winners, ${state.disagreements.length} A/B disagreements; report: ${join(out, 'report.html')}`);
  const cs = (i: typeof best) => (warm.c === undefined ? '' : `, C ${i.c!.toFixed(3)}`);
  const vs = warm.c === undefined ? '' : `, C ${best.c!.toFixed(3)} vs ${warm.c.toFixed(3)}`;
  console.log(best.id === 0
    ? `best: ${files.best} (the warm start: no candidate beat it on task ${warm.c === undefined ? 'B' : 'C'}; A ${warm.a.toFixed(3)}, B ${warm.b!.toFixed(3)}${cs(warm)})`
    : `best: ${files.best} (A ${best.a.toFixed(3)} vs ${warm.a.toFixed(3)}, B ${best.b!.toFixed(3)} vs ${warm.b!.toFixed(3)}${vs} for the warm start)`);
  return 0;
}

function readText(file: string): string {
  try { return readFileSync(file, 'utf8'); } catch (e) { throw new SearchUsageError(`cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
}

async function searchLoop(state: SearchState, scorer: Scorer, stateFile: string, progress: boolean): Promise<void> {
  let stop = false;
  const onSig = () => { stop = true; };
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  const byTime = !Number.isFinite(state.config.maxCandidates);
  const bar = new cliProgress.SingleBar({
    format: `search |{bar}| {value}/{total} ${byTime ? 's' : 'candidates'} | {rate} cand/s | hit {hit}% | best A {best} | winners {winners}`,
    stream: process.stderr, noTTYOutput: progress, notTTYSchedule: 10_000, hideCursor: true,
  }, cliProgress.Presets.shades_classic);
  const t0 = performance.now(), c0 = state.stats.candidates;
  const payload = (s: SearchState) => ({
    rate: ((s.stats.candidates - c0) / Math.max(1e-3, (performance.now() - t0) / 1000)).toFixed(1),
    hit: (100 * s.stats.hits / Math.max(1, s.stats.candidates)).toFixed(1),
    best: s.curve[s.curve.length - 1]![1].toFixed(3),
    winners: s.winners.length,
  });
  const value = (s: SearchState) => (byTime ? Math.round(s.stats.elapsedMs / 1000) : s.stats.candidates);
  if (progress) bar.start(byTime ? state.config.timeSeconds : state.config.maxCandidates, value(state), payload(state));
  // Resumable from here on (the handlers above are installed first, so an interrupt now is clean).
  saveState(stateFile, state);
  let saved = performance.now();
  try {
    await runSearch(state, scorer, {
      stop: () => stop,
      onRound: (s) => {
        if (progress) bar.update(value(s), payload(s));
        if (performance.now() - saved > 2000) { saveState(stateFile, s); saved = performance.now(); }
      },
    });
  } finally {
    if (progress) bar.stop();
    saveState(stateFile, state);
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
  }
  if (stop) console.error(`interrupted after ${state.stats.candidates} candidates; continue with: optc search --resume --out ${stateFile.replace(/\/state\.json$/, '')}`);
}

/** Winners (best B first, at most 5) into DIR/winners, DIR/best.opt, DIR/report.html. */
async function writeResults(s: SearchState, out: string): Promise<{ best: string }> {
  const last = (i: Individual) => (s.config.funnel === 3 ? i.c! : i.b!);
  const ranked = [...s.winners].map((id) => s.individuals[id]!).sort((a, b) => last(b) - last(a) || a.id - b.id).slice(0, 5);
  mkdirSync(join(out, 'winners'), { recursive: true });
  const written: WrittenWinner[] = [];
  const files: string[] = [];
  ranked.forEach((ind, k) => {
    const w = winnerSource(s, ind, `found_${k + 1}`);
    const f = join(out, 'winners', `${String(k + 1).padStart(2, '0')}-${ind.key.slice(0, 8)}.opt`);
    writeFileSync(f, w.source);
    written.push(w);
    files.push(f);
  });
  const best = bestWinner(s);
  const bestFile = join(out, 'best.opt');
  writeFileSync(bestFile, (best.id === 0 ? winnerSource(s, best, 'warm_start') : written[0]!).source);
  // Vega is loaded only when a report is written.
  const { searchReport } = await import('./report.js');
  writeFileSync(join(out, 'report.html'), await searchReport(s, written, files));
  writeFileSync(join(out, 'summary.json'), JSON.stringify({
    from: s.from, config: { ...s.config, maxCandidates: Number.isFinite(s.config.maxCandidates) ? s.config.maxCandidates : null },
    stats: s.stats, warm: { a: s.individuals[0]!.a, b: s.individuals[0]!.b, c: s.individuals[0]!.c },
    best: { id: best.id, a: best.a, b: best.b, c: best.c, file: bestFile }, winners: ranked.map((i, k) => ({ id: i.id, a: i.a, b: i.b, c: i.c, file: files[k] })),
    disagreements: s.disagreements.map((id) => ({ id, a: s.individuals[id]!.a, b: s.individuals[id]!.b, c: s.individuals[id]!.c })),
  }, null, 2));
  return { best: bestFile };
}

export async function workerCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, allowPositionals: false, options: { queue: { type: 'string' }, concurrency: { type: 'string' } } });
  if (!values.queue) throw new SearchUsageError('optc worker needs --queue redis://HOST:PORT');
  const { runWorker } = await import('./queue.js');
  await runWorker(values.queue, { concurrency: num('concurrency', values.concurrency, 1) });
  return 0;
}
