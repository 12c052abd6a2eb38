// Scoring on a worker pool: candidate evaluations go on a BullMQ queue in Redis and any number of
// `optc worker` processes (on any machines that reach the Redis server) take them. The fitness cache lives
// in Redis too, so workers and searches share it. BullMQ holds a lock on each active job; a worker that
// dies mid-job stops renewing it and the job returns to the queue for another worker (at-least-once), and
// the first score written for a key is the one kept (HSETNX), so a candidate has exactly one score.
//
// Keys, under the prefix of the URL's path (`redis://HOST:PORT/PREFIX`, default `optc`), with V the
// fitness version (FITNESS_VERSION: scores of an earlier fitness definition are never read back):
//   PREFIX:fit:vV       hash  suite:key -> Fitness JSON, the cache
//   PREFIX:computed:vV  hash  suite:key -> how many times a worker computed it (1 unless a worker died mid-job)
//   PREFIX:written:vV   hash  suite:key -> how many scores were recorded (always 1: the test checks it)
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { FITNESS_VERSION, type Fitness } from './fitness.js';
import { scoreRequestAsync, type ScoreRequest, type Scorer } from './scorer.js';

const QUEUE = 'optc-search';

export interface QueueTarget { host: string; port: number; prefix: string }

export function parseQueueUrl(url: string): QueueTarget {
  let u: URL;
  try { u = new URL(url); } catch { throw new Error(`--queue expects redis://HOST:PORT[/PREFIX], got '${url}'`); }
  if (u.protocol !== 'redis:') throw new Error(`--queue expects redis://HOST:PORT[/PREFIX], got '${url}'`);
  return { host: u.hostname || '127.0.0.1', port: Number(u.port || 6379), prefix: u.pathname.replace(/^\//, '') || 'optc' };
}

/** BullMQ's lock timing: how soon a dead worker's job is handed to another (tests shorten it). */
export interface LockTiming { lockDuration: number; stalledInterval: number }
/**
 * Test knobs: OPTC_WORKER_JOB_DELAY_MS holds each job that long before scoring (so a test's SIGKILL lands
 * mid-job), OPTC_WORKER_LOG=1 prints `start KEY` / `done KEY` per job on stderr.
 */
const JOB_DELAY_MS = Number(process.env.OPTC_WORKER_JOB_DELAY_MS ?? 0);
const JOB_LOG = process.env.OPTC_WORKER_LOG === '1';

export const LOCK_TIMING: LockTiming = {
  lockDuration: Number(process.env.OPTC_QUEUE_LOCK_MS ?? 15_000),
  stalledInterval: Number(process.env.OPTC_QUEUE_STALLED_MS ?? 5_000),
};

const RECORD = `if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then redis.call('HINCRBY', KEYS[2], ARGV[1], 1) return 1 end return 0`;

/** A job id BullMQ accepts (no ':'). */
const jobId = (key: string) => `${key.replace(':', '-')}-v${FITNESS_VERSION}`;
/** A Redis hash of this fitness version. */
const hashKey = (prefix: string, what: 'fit' | 'computed' | 'written') => `${prefix}:${what}:v${FITNESS_VERSION}`;

export class RedisScorer implements Scorer {
  private constructor(private readonly t: QueueTarget, private readonly redis: Redis, private readonly queue: Queue) {}

  static async connect(url: string): Promise<RedisScorer> {
    const t = parseQueueUrl(url);
    const redis = new Redis({ host: t.host, port: t.port, maxRetriesPerRequest: null });
    const queue = new Queue(QUEUE, { connection: { host: t.host, port: t.port, maxRetriesPerRequest: null }, prefix: t.prefix });
    await redis.ping();
    return new RedisScorer(t, redis, queue);
  }

  async score(reqs: readonly ScoreRequest[]): Promise<Map<string, Fitness>> {
    const out = new Map<string, Fitness>();
    const keys = [...new Set(reqs.map((r) => r.key))];
    if (!keys.length) return out;
    const fit = hashKey(this.t.prefix, 'fit');
    const read = async (ks: string[]) => {
      const vals = await this.redis.hmget(fit, ...ks);
      ks.forEach((k, i) => { if (vals[i]) out.set(k, JSON.parse(vals[i]!) as Fitness); });
    };
    await read(keys);
    const missing = reqs.filter((r, i) => !out.has(r.key) && reqs.findIndex((x) => x.key === r.key) === i);
    if (missing.length) {
      await this.queue.addBulk(missing.map((r) => ({
        name: 'score', data: r,
        opts: { jobId: jobId(r.key), removeOnComplete: true, removeOnFail: 1000, attempts: 5, backoff: { type: 'fixed', delay: 200 } },
      })));
    }
    // Results arrive in the cache; poll it (cheap: one HMGET of what is still missing).
    for (let wait = 20; out.size < keys.length; wait = Math.min(200, wait * 1.5)) {
      await new Promise((r) => setTimeout(r, wait));
      await read(keys.filter((k) => !out.has(k)));
    }
    return out;
  }

  /** How many times each key was computed and recorded (the Redis test reads these). */
  async counts(): Promise<{ computed: Record<string, string>; written: Record<string, string> }> {
    return { computed: await this.redis.hgetall(hashKey(this.t.prefix, 'computed')), written: await this.redis.hgetall(hashKey(this.t.prefix, 'written')) };
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.redis.disconnect();
  }
}

/** `optc worker`: takes jobs until SIGINT/SIGTERM; each job is one candidate on one suite. */
export async function runWorker(url: string, o: { concurrency: number; timing?: LockTiming }): Promise<void> {
  const t = parseQueueUrl(url);
  const redis = new Redis({ host: t.host, port: t.port, maxRetriesPerRequest: null });
  const timing = o.timing ?? LOCK_TIMING;
  const worker = new Worker(QUEUE, async (job: Job<ScoreRequest>) => {
    const r = job.data;
    const fit = hashKey(t.prefix, 'fit');
    // Another worker may have finished it already (this job was retried after a lost lock).
    if (await redis.hexists(fit, r.key)) return;
    if (JOB_LOG) console.error(`start ${r.key}`);
    if (JOB_DELAY_MS) await new Promise((res) => setTimeout(res, JOB_DELAY_MS));
    const f = await scoreRequestAsync(r);
    await redis.hincrby(hashKey(t.prefix, 'computed'), r.key, 1);
    // The first score written wins; `written` counts recordings (atomically with it), exactly one per key.
    await redis.eval(RECORD, 2, fit, hashKey(t.prefix, 'written'), r.key, JSON.stringify(f));
    if (JOB_LOG) console.error(`done ${r.key}`);
  }, {
    connection: { host: t.host, port: t.port, maxRetriesPerRequest: null }, prefix: t.prefix, concurrency: o.concurrency,
    lockDuration: timing.lockDuration, stalledInterval: timing.stalledInterval, maxStalledCount: 10,
  });
  worker.on('error', (e) => console.error(`optc worker: ${e.message}`));
  console.error(`optc worker: scoring jobs from ${url} (pid ${process.pid})`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await worker.close();
  redis.disconnect();
}
