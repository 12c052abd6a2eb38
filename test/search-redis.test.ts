// The search on a worker pool: a real redis-server, two `optc worker` processes and a search; one worker
// is SIGKILLed in the middle of a job. Every candidate must still be scored, exactly one score recorded per
// candidate, and the scores (and so the whole trajectory) must equal an in-process run's.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, initSearch, runSearch, type SearchConfig, type SearchState } from '../src/search/evolution.js';
import { RedisScorer } from '../src/search/queue.js';
import { LocalScorer, scoreRequest } from '../src/search/scorer.js';
import { DEFAULT_SPACE } from '../src/search/space.js';
import { example } from './helpers/search-programs.js';

process.env.OPTC_SEARCH_SUITE = 'tiny';
const MAIN = new URL('../src/cli/main.ts', import.meta.url).pathname;

function redisServerPath(): string {
  try { return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim(); } catch { return ''; }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const port = (s.address() as { port: number }).port; s.close(() => resolve(port)); });
  });
}

const started: ChildProcess[] = [];
afterAll(() => { for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); });

function worker(url: string): { proc: ChildProcess; log: () => string } {
  let log = '';
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN, 'worker', '--queue', url], {
    env: { ...process.env, OPTC_SEARCH_SUITE: 'tiny', OPTC_QUEUE_LOCK_MS: '2000', OPTC_QUEUE_STALLED_MS: '1000', OPTC_WORKER_JOB_DELAY_MS: '400', OPTC_WORKER_LOG: '1' },
  });
  proc.stderr!.on('data', (d) => { log += String(d); });
  started.push(proc);
  return { proc, log: () => log };
}

const config: SearchConfig = { ...DEFAULT_CONFIG, seed: 5, space: DEFAULT_SPACE, population: 16, batch: 8, maxCandidates: 32, timeSeconds: Infinity };
/** Scores as stored in Redis (JSON: a NaN loss reads back as null). */
const json = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const trajectory = (s: SearchState) => s.individuals.map((i) => [i.id, i.parent, i.mutation, i.key, i.a, i.b ?? null]);

describe('optc worker on Redis', () => {
  it('survives a worker killed mid-job: each candidate scored once, scores equal in-process ones', async () => {
    const server = redisServerPath();
    if (!server) throw new Error('redis-server is not installed: run `bash scripts/setup.sh` (it installs Debian\'s redis-server)');
    const port = await freePort();
    const redis = spawn(server, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    started.push(redis);
    const url = `redis://127.0.0.1:${port}/t${process.pid}`;
    const w1 = worker(url), w2 = worker(url);
    for (let k = 0; k < 100 && !(w1.log().includes('scoring jobs') && w2.log().includes('scoring jobs')); k++) await new Promise((r) => setTimeout(r, 200));

    const scorer = await RedisScorer.connect(url);
    let killedMidJob = false;
    const warm = example('sgd', { momentum: 0.9 });
    const s = await initSearch(config, warm, 'sgd', scorer);
    await runSearch(s, scorer, {
      onRound: async (st) => {
        if (st.stats.rounds !== 1) return;
        // Kill worker 1 as soon as it starts a job of the next round.
        const before = (w1.log().match(/start /g) ?? []).length;
        void (async () => {
          for (let k = 0; k < 400 && (w1.log().match(/start /g) ?? []).length === before; k++) await new Promise((r) => setTimeout(r, 25));
          const lines = w1.log().trim().split('\n');
          killedMidJob = lines[lines.length - 1]!.startsWith('start ');
          w1.proc.kill('SIGKILL');
        })();
      },
    });
    const { computed, written } = await scorer.counts();
    await scorer.close();
    w2.proc.kill('SIGTERM');

    expect(w1.proc.signalCode ?? (await new Promise((r) => w1.proc.once('exit', (_c, sig) => r(sig))))).toBe('SIGKILL');
    expect(killedMidJob).toBe(true);
    // Exactly one recorded score per candidate scored, and every cache entry came from a worker.
    const keys = Object.keys(s.cache);
    expect(keys.length).toBeGreaterThan(10);
    for (const k of keys) expect(written[k], k).toBe('1');
    expect(Object.keys(written).sort()).toEqual(keys.sort());
    // The killed job was computed again elsewhere at most once more; nothing else twice.
    const twice = Object.values(computed).filter((v) => v !== '1');
    expect(twice.length).toBeLessThanOrEqual(1);
    // Scores equal the in-process ones, and so does the whole trajectory.
    // (The score of a key is that of the first candidate with it: later ones with the same behavioural hash
    // share it by design. Candidates that failed the NaN hurdle were never scored.)
    let compared = 0;
    const firsts = new Map<string, number>();
    for (const ind of s.individuals) if (!firsts.has(ind.key)) firsts.set(ind.key, ind.id);
    for (const [key, id] of firsts) {
      const p = s.programs[id], c = s.cache[`A:${key}`];
      if (p && c) { expect(c).toEqual(json(scoreRequest({ suite: 'A', program: p }))); compared++; }
    }
    expect(compared).toBeGreaterThan(5);
    const local = new LocalScorer();
    const ref = await runSearch(await initSearch(config, warm, 'sgd', local), local);
    expect(trajectory(s)).toEqual(trajectory(ref));
    expect(s.cache).toEqual(json(ref.cache));
    redis.kill('SIGTERM');
  }, 300_000);
});
