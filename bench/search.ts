// `npm run bench:search -- [--candidates N] [--scored N] [--scored-b N] [--search N] [--workers K] [--json FILE]`
//
// Throughput of `optc search` on this machine (docs/search.md, "Throughput"):
//   1. proposal: mutation + validation (the IR verifier) + fingerprints (structural hash, behavioural probe)
//      per second on one core, without the structural memo (every candidate probed) and with it (as the
//      search runs); the baseline beside it is the same probe run through `interpretStep`, the IR
//      interpreter, instead of the lane evaluator.
//   2. scoring: distinct candidates fully scored on task A per second, in this process (one core) and, when
//      redis-server is installed, with K `optc worker` processes on a local Redis (the whole machine); on
//      a WebGPU device, on A and (--scored-b N candidates, default 8, vs the CPU evaluator) on task B.
//   3. cache hit rate of an evolution run after warm-up (the second half of its candidates).
//   4. early-stopping hurdles: the same evolution run without and with them, candidates per CPU second.
// Rates are given per second of wall time and per second of this process's CPU time: on a loaded machine
// the second is what one core does; `uptime`'s load is printed with them.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { initStates, interpretStep, type Program } from '../src/ir/index.js';
import { DEFAULT_CONFIG, initSearch, runSearch } from '../src/search/evolution.js';
import { behaviour, Hasher, structuralHash } from '../src/search/fingerprint.js';
import { mutateOnce } from '../src/search/mutate.js';
import { Rng } from '../src/search/rng.js';
import { LocalScorer, scoreRequest } from '../src/search/scorer.js';
import { DEFAULT_SPACE, loadWarmStart } from '../src/search/space.js';
import { invalidReason } from '../src/search/validate.js';
import { readFileSync } from 'node:fs';

const { values } = parseArgs({ options: {
  candidates: { type: 'string' }, scored: { type: 'string' }, search: { type: 'string' }, workers: { type: 'string' }, json: { type: 'string' },
  'scored-b': { type: 'string' },
} });
const N = Number(values.candidates ?? 20000), SCORED = Number(values.scored ?? 120), SEARCH = Number(values.search ?? 800);
const WORKERS = Number(values.workers ?? cpus().length);
const SCORED_B = Number(values['scored-b'] ?? 8);
const root = new URL('../', import.meta.url).pathname;
const warm = (f: string, h: Record<string, number> = {}) => loadWarmStart(readFileSync(root + f, 'utf8'), f, h);
const sgdm = warm('examples/sgd.opt', { momentum: 0.9 }), adamw = warm('examples/adamw.opt');

function timed<T>(f: () => T): { value: T; wall: number; cpu: number } {
  const c0 = process.cpuUsage(), t0 = performance.now();
  const value = f();
  const c = process.cpuUsage(c0);
  return { value, wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

/** The probe through the IR interpreter (the baseline of the lane evaluator's probe). */
function interpreterProbe(p: Program): string {
  let param: Float32Array = Float32Array.from({ length: 16 }, (_, i) => Math.sin(i));
  let states = initStates(p, 16, { lr: 0.0123 });
  const h = new Hasher();
  for (let t = 1; t <= 3; t++) {
    const r = interpretStep(p, { t, param, inputs: { g: Float32Array.from({ length: 16 }, (_, i) => Math.cos(i + t)) }, states, hypers: { lr: 0.0123 } });
    param = r.param; states = r.states;
    for (const x of param) h.num(x);
  }
  return h.digest();
}

/** Proposes `n` valid candidates from an evolving pool, as the search does, fingerprinting each. */
function propose(n: number, o: { memo: boolean; probe: (p: Program) => unknown }) {
  const rng = new Rng(7);
  const pool: Program[] = [sgdm, adamw];
  const memo = new Map<string, unknown>();
  let valid = 0, rejected = 0;
  while (valid < n) {
    const m = mutateOnce(rng.pick(pool), rng, DEFAULT_SPACE);
    if (!m || invalidReason(m.program, DEFAULT_SPACE)) { rejected++; continue; }
    const s = structuralHash(m.program);
    if (!o.memo || !memo.has(s)) memo.set(s, o.probe(m.program));
    valid++;
    if (pool.length < 64) pool.push(m.program); else pool[rng.int(pool.length)] = m.program;
  }
  return { valid, rejected, distinct: memo.size };
}

const log = (s: string) => console.log(s);
const load = () => loadavg()[0]!.toFixed(1);
const results: Record<string, unknown> = { cpus: cpus().length };
log(`bench:search on ${cpus().length} cores, load ${load()}`);

// 1. Proposal throughput.
propose(2000, { memo: false, probe: behaviour }); // warm-up (JIT)
const cold = timed(() => propose(N, { memo: false, probe: behaviour }));
const memo = timed(() => propose(N, { memo: true, probe: behaviour }));
const interp = timed(() => propose(Math.round(N / 4), { memo: false, probe: interpreterProbe }));
const rate = (t: { wall: number; cpu: number }, n: number) => ({ wall: n / t.wall, cpu: n / t.cpu });
const rCold = rate(cold, N), rMemo = rate(memo, N), rInterp = rate(interp, Math.round(N / 4));
results.proposal = { candidates: N, rejectedPerValid: cold.value.rejected / N, cold: rCold, memo: rMemo, interpreterProbe: rInterp };
log(`1. mutation + validation + hashing, one core (${N} valid candidates, ${(cold.value.rejected / N * 100).toFixed(1)}% of mutants rejected and redone):`);
log(`   every candidate probed: ${rCold.cpu.toFixed(0)}/s per CPU second (${rCold.wall.toFixed(0)}/s wall)`);
log(`   with the structural memo: ${rMemo.cpu.toFixed(0)}/s per CPU second (${rMemo.wall.toFixed(0)}/s wall; ${memo.value.distinct} distinct programs)`);
log(`   baseline, probe through interpretStep: ${rInterp.cpu.toFixed(0)}/s per CPU second -> lane probe ${(rCold.cpu / rInterp.cpu).toFixed(2)}x; target 10,000/s: ${(rCold.cpu / 10000).toFixed(2)}x`);

// 2. Scoring on task A: distinct valid, finite candidates.
const distinct: Program[] = [];
{
  const rng = new Rng(11);
  const seen = new Set<string>();
  const pool: Program[] = [sgdm, adamw];
  while (distinct.length < SCORED) {
    const m = mutateOnce(rng.pick(pool), rng, DEFAULT_SPACE);
    if (!m || invalidReason(m.program, DEFAULT_SPACE)) continue;
    const b = behaviour(m.program);
    if (b.nonFinite || seen.has(b.hash)) continue;
    seen.add(b.hash);
    distinct.push(m.program);
    pool.push(m.program);
  }
}
scoreRequest({ suite: 'A', program: distinct[0]! }); // loads MNIST
const one = timed(() => { for (const p of distinct) scoreRequest({ suite: 'A', program: p }); });
const rOne = rate(one, SCORED);
results.scoringA = { candidates: SCORED, oneProcess: rOne };
log(`2. distinct candidates fully scored on task A (8 step sizes x 4 tasks x 60 steps each, one sweep per step):`);
log(`   one process: ${rOne.cpu.toFixed(1)}/s per CPU second (${rOne.wall.toFixed(1)}/s wall), load ${load()}`);

// The same candidates on the WebGPU scorer (src/search/gpu), in batches of the search's round size: optc
// compiles each to WGSL and the tasks' gradients run as WGSL kernels on the device. On this machine the
// device is Dawn on lavapipe, a CPU (its threads count in this process's CPU time).
async function webgpu(): Promise<void> {
  let scorer: import('../src/search/gpu/scorer.js').WebGpuScorer;
  try {
    const { WebGpuScorer } = await import('../src/search/gpu/scorer.js');
    scorer = await WebGpuScorer.create();
  } catch (e) { log(`   WebGPU: no device (${(e as Error).message.split('.')[0]}; bash scripts/setup.sh), skipped`); return; }
  const { adapterDescription } = await import('../src/index.js');
  const B = DEFAULT_CONFIG.batch;
  await scorer.score(distinct.slice(0, B).map((p, i) => ({ key: `A:warm${i}`, suite: 'A', program: p })));
  const c0 = process.cpuUsage(), t0 = performance.now();
  for (let i = 0; i < SCORED; i += B) await scorer.score(distinct.slice(i, i + B).map((p, k) => ({ key: `A:c${i + k}`, suite: 'A', program: p })));
  const c = process.cpuUsage(c0), wall = (performance.now() - t0) / 1000, cpu = (c.user + c.system) / 1e6;
  const device = adapterDescription(scorer.device);
  results.scoringA = { ...(results.scoringA as object), webgpu: { device, batch: B, wall: SCORED / wall, cpu: SCORED / cpu, cpuFallbacks: scorer.cpuFallbacks } };
  log(`   WebGPU (${device}), batches of ${B}: ${(SCORED / wall).toFixed(1)}/s wall (${(SCORED / cpu).toFixed(1)}/s per CPU second, all threads), load ${load()}; ${(SCORED / wall / rOne.wall).toFixed(2)}x the CPU evaluator's wall rate; ${scorer.cpuFallbacks} fell back to the CPU`);
  // Task B (14x A, its MLP's gradients in WGSL): the same SCORED_B candidates on the CPU evaluator and in
  // one device batch, after one candidate that uploads B and builds its pipelines.
  if (SCORED_B > 0) {
    const onB = distinct.slice(1, 1 + SCORED_B);
    const cpuB = timed(() => { for (const p of onB) scoreRequest({ suite: 'B', program: p }); });
    await scorer.score([{ key: 'B:warm', suite: 'B', program: distinct[0]! }]);
    const fb = scorer.cpuFallbacks, c1 = process.cpuUsage(), t1 = performance.now();
    await scorer.score(onB.map((p, k) => ({ key: `B:c${k}`, suite: 'B', program: p })));
    const cB = process.cpuUsage(c1), wallB = (performance.now() - t1) / 1000;
    const rB = { cpuEvaluator: rate(cpuB, onB.length), webgpu: { wall: onB.length / wallB, cpu: onB.length / ((cB.user + cB.system) / 1e6) } };
    results.scoringB = { candidates: onB.length, device, ...rB };
    log(`   task B, ${onB.length} candidates: CPU evaluator ${rB.cpuEvaluator.wall.toFixed(2)}/s wall (${rB.cpuEvaluator.cpu.toFixed(2)}/s per CPU second); WebGPU ${rB.webgpu.wall.toFixed(2)}/s wall (${rB.webgpu.cpu.toFixed(2)}/s per CPU second, all threads): ${(rB.webgpu.wall / rB.cpuEvaluator.wall).toFixed(2)}x; ${scorer.cpuFallbacks - fb} fell back to the CPU; load ${load()}`);
  }
  await scorer.close();
}
await webgpu();

async function freePort(): Promise<number> {
  return new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); }); });
}

async function workers(): Promise<void> {
  let server = '';
  try { server = execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim(); } catch { /* not installed */ }
  if (!server) { log('   workers: redis-server not installed (bash scripts/setup.sh), skipped'); return; }
  if (WORKERS < 1) return;
  const port = await freePort();
  const procs: ChildProcess[] = [spawn(server, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })];
  const url = `redis://127.0.0.1:${port}/bench`;
  try {
    await new Promise((r) => setTimeout(r, 300));
    const { RedisScorer } = await import('../src/search/queue.js');
    const scorer = await RedisScorer.connect(url);
    let ready = 0;
    for (let k = 0; k < WORKERS; k++) {
      const w = spawn(process.execPath, ['--import', 'tsx', `${root}src/cli/main.ts`, 'worker', '--queue', url], { stdio: ['ignore', 'ignore', 'pipe'] });
      w.stderr!.on('data', (d) => { if (String(d).includes('scoring jobs')) ready++; });
      procs.push(w);
    }
    while (ready < WORKERS) await new Promise((r) => setTimeout(r, 100));
    // Warm each worker (MNIST load, JIT) on candidates that are not measured.
    await scorer.score(distinct.slice(0, WORKERS).map((p, i) => ({ key: `A:warm${i}`, suite: 'A', program: p })));
    const t0 = performance.now();
    await scorer.score(distinct.map((p, i) => ({ key: `A:c${i}`, suite: 'A', program: p })));
    const wall = (performance.now() - t0) / 1000;
    await scorer.close();
    results.scoringA = { ...(results.scoringA as object), workers: WORKERS, workersPerSecond: SCORED / wall };
    log(`   ${WORKERS} optc workers on Redis: ${(SCORED / wall).toFixed(1)}/s wall (the whole machine), load ${load()}; target 20/s: ${(SCORED / wall / 20).toFixed(2)}x`);
  } finally {
    for (const p of procs.reverse()) p.kill('SIGTERM');
  }
}
await workers();

// 3. Cache hit rate after warm-up.
{
  const scorer = new LocalScorer();
  const s = await initSearch({ ...DEFAULT_CONFIG, seed: 1, space: DEFAULT_SPACE, maxCandidates: SEARCH, timeSeconds: Infinity }, sgdm, 'sgd (momentum 0.9)', scorer);
  let hitsAtHalf = 0, candAtHalf = 0;
  await runSearch(s, scorer, { onRound: (st) => { if (st.stats.candidates <= SEARCH / 2) { hitsAtHalf = st.stats.hits; candAtHalf = st.stats.candidates; } } });
  const after = (s.stats.hits - hitsAtHalf) / (s.stats.candidates - candAtHalf);
  results.cache = { candidates: s.stats.candidates, hitRate: s.stats.hits / s.stats.candidates, hitRateAfterWarmup: after, hurdle: s.stats.hurdle / s.stats.candidates };
  log(`3. cache: evolution from SGD-momentum, ${s.stats.candidates} candidates: hit rate ${(100 * s.stats.hits / s.stats.candidates).toFixed(1)}% overall, ${(100 * after).toFixed(1)}% over the second half; ${(100 * s.stats.hurdle / s.stats.candidates).toFixed(1)}% failed the NaN hurdle (never scored)`);
}
// 4. Early-stopping hurdles: the same evolution (seed, candidates) without and with a hurdle at the
// median and the lower quartile of earlier candidates' fitness after a third of the steps.
{
  const runs: Record<string, unknown> = {};
  for (const q of [undefined, 0.5, 0.25]) {
    const scorer = new LocalScorer();
    const c0 = process.cpuUsage(), t0 = performance.now();
    const s = await initSearch({ ...DEFAULT_CONFIG, seed: 2, space: DEFAULT_SPACE, maxCandidates: SEARCH, timeSeconds: Infinity, hurdle: q }, sgdm, 'sgd (momentum 0.9)', scorer);
    await runSearch(s, scorer);
    const c = process.cpuUsage(c0), cpu = (c.user + c.system) / 1e6, wall = (performance.now() - t0) / 1000;
    const bestA = Math.max(...s.individuals.map((i) => i.a));
    const bestB = Math.max(s.individuals[0]!.b!, ...s.winners.map((id) => s.individuals[id]!.b!));
    const name = q === undefined ? 'off' : `q${q}`;
    runs[name] = { candidates: s.stats.candidates, scoredA: s.stats.scoredA, stopped: s.stats.stopped ?? 0, cpu, wall, bestA, bestB };
    log(`4. hurdle ${q === undefined ? 'off' : `at quantile ${q}`}: ${s.stats.candidates} candidates (${s.stats.scoredA} scored on A, ${s.stats.stopped ?? 0} stopped) in ${cpu.toFixed(1)} CPU s -> ${(s.stats.candidates / cpu).toFixed(1)} candidates and ${(s.stats.scoredA / cpu).toFixed(1)} unique A scores per CPU second (${(s.stats.candidates / wall).toFixed(1)}/s wall); best A ${bestA.toFixed(3)}, best B ${bestB.toFixed(3)}`);
  }
  results.hurdles = runs;
}
if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 2));
process.exit(0);
