// `npm run bench -- [--quick] [--json FILE] [--only peers,fusion,sizes,compile,pending] [--n N] [--iters K] [--sizes 1M,4M]`
//
// Opens one Dawn device shared with TF.js, runs the case table (bench/suite.ts), prints a table, and writes
// results.json when asked. `--quick` is the ≤ 60 s subset: Adam only against TF.js, sizes up to 1M, fewer
// compile repetitions, no 124M-parameter case.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSharedDevice, type SharedDevice } from './device.js';
import { formatSkipped, formatTable, type Results } from './report.js';
import { GROUPS, runSuite, type SuiteOptions } from './suite.js';
import { repoRoot } from './optc.js';

export interface CliOptions extends SuiteOptions {
  json?: string;
}

export function parseArgs(argv: string[]): CliOptions {
  const o: CliOptions = { quick: false, n: 4 * 1024 * 1024, warmup: 2, iters: 15, only: [], log: (s) => console.error(s) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--json') o.json = next();
    else if (a === '--n') o.n = Number(next());
    else if (a === '--iters') o.iters = Number(next());
    else if (a === '--warmup') o.warmup = Number(next());
    else if (a === '--only') o.only = next().split(',').filter(Boolean);
    else if (a === '--sizes') o.sizes = next().split(',').filter(Boolean).map(parseSize);
    else throw new Error(`unknown option '${a}'; expected --quick, --json FILE, --only ${GROUPS.join(',')}, --n N, --iters K, --warmup K, --sizes 64K,1M,...`);
  }
  for (const g of o.only) if (!(GROUPS as readonly string[]).includes(g)) throw new Error(`unknown group '${g}'; groups: ${GROUPS.join(', ')}`);
  if (!Number.isInteger(o.n) || o.n <= 0 || o.n % 4 !== 0) throw new Error(`--n must be a positive multiple of 4, got ${o.n}`);
  if (!(o.iters >= 1)) throw new Error(`--iters must be ≥ 1`);
  return o;
}

/** "64K", "4M" or a plain count: the `sizes` group's tensor sizes (multiples of 4). */
function parseSize(s: string): number {
  const m = /^(\d+)([KM]?)$/i.exec(s);
  const n = m ? Number(m[1]) * (m[2]!.toUpperCase() === 'M' ? 1 << 20 : m[2] ? 1 << 10 : 1) : NaN;
  if (!Number.isInteger(n) || n <= 0 || n % 4 !== 0) throw new Error(`--sizes: '${s}' is not a positive multiple of 4 (e.g. 64K, 1M, 4194304)`);
  return n;
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    // A copy without .git (bench/gpu/run.sh on a GPU machine): the commit bench/gpu/pack.sh recorded.
    return existsSync(join(repoRoot, '.gpu/commit')) ? `${readFileSync(join(repoRoot, '.gpu/commit'), 'utf8').trim()} (.gpu)` : 'unknown';
  }
}

/** Runs the suite on `device` when given (left open), else on a device it opens and closes. */
export async function runBench(opts: CliOptions, device?: SharedDevice): Promise<Results> {
  const shared = device ?? (await openSharedDevice());
  try {
    opts.log(`device: ${shared.description}`);
    const cases = await runSuite(shared, opts);
    return {
      device: shared.description,
      date: new Date().toISOString(),
      node: process.version,
      commit: gitCommit(),
      quick: opts.quick,
      method: { warmup: opts.warmup, iters: opts.iters, statistic: 'median', waitedPerStep: true, interleaved: true },
      limits: shared.limits,
      cases,
    };
  } finally {
    if (!device) shared.close();
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  const results = await runBench(opts);
  console.log(`\n${results.device} — node ${results.node}, commit ${results.commit}${results.quick ? ', --quick' : ''}\n`);
  console.log(formatTable(results.cases.filter((r) => !r.skipped)));
  const skipped = formatSkipped(results.cases);
  if (skipped) console.log(`\nskipped:\n${skipped}`);
  console.log(`\n(${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  if (opts.json) {
    writeFileSync(opts.json, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`wrote ${opts.json}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.stack ?? e.message : e);
    process.exit(1);
  });
}
