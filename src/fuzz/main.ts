// `npm run fuzz -- [--count N] [--seconds S] [--seed X] [--jobs J] [--deadline MS] [--out DIR]`
//
// Front-end fuzzing: grammar-made valid and near-valid programs and byte-level mutants of the examples
// (src/fuzz/frontend.ts), each checked in a child process under a watchdog. Prints the totals, every crash
// and hang (with the seed and index that replay it), and the slowest inputs; writes them to DIR/frontend.json
// and each failing input to DIR/. Exit code 1 when anything crashed or hung.
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ChildJob, ChildReport } from './child.js';
import { fuzzInput } from './frontend.js';

export interface FuzzOptions { count: number; seconds: number; seed: number; jobs: number; deadlineMs: number; examplesDir: string; onProgress?: (done: number) => void }

export interface FuzzSummary {
  seed: number; inputs: number; seconds: number;
  outcomes: Record<string, number>; byKind: Record<string, number>;
  crashes: ChildReport[]; hangs: { i: number; kind: string; bytes: number }[];
  slowest: ChildReport[];
  /** Largest per-input time (CPU and wall) among inputs up to 64 KiB. */
  maxCpuMs: number; maxWallMs: number; maxBytes: number;
  /** Percentiles of CPU time per input, ms. */
  p50CpuMs: number; p99CpuMs: number;
}

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

/** Runs the fuzzer with `jobs` children over interleaved indices until `count` inputs or `seconds` pass. */
export async function runFuzz(o: FuzzOptions): Promise<FuzzSummary> {
  const t0 = Date.now();
  const deadlineAt = t0 + o.seconds * 1000;
  const reports: ChildReport[] = [];
  const hangs: FuzzSummary['hangs'] = [];
  const examples = readdirSync(o.examplesDir).filter((f) => f.endsWith('.opt')).sort().map((f) => readFileSync(join(o.examplesDir, f), 'utf8'));
  const lane = (k: number) => new Promise<void>((resolve) => {
    // Each lane checks indices k, k + jobs, …; a hang restarts it just after the input that hung.
    const start = (from: number) => {
      if (from >= o.count || Date.now() >= deadlineAt) { resolve(); return; }
      const job: ChildJob = { seed: o.seed, from, to: o.count, stride: o.jobs, examplesDir: o.examplesDir };
      const child = fork(CHILD, [JSON.stringify(job)], { execArgv: ['--import', 'tsx', '--stack-size=984'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
      let next = from;
      let timer: NodeJS.Timeout;
      let stderr = '';
      child.stderr!.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
      const arm = () => {
        clearTimeout(timer);
        // The first input also pays for loading the compiler.
        timer = setTimeout(() => { hung = true; child.kill('SIGKILL'); }, next === from ? o.deadlineMs + 15_000 : o.deadlineMs);
      };
      let hung = false;
      arm();
      child.on('message', (r: ChildReport) => {
        reports.push(r);
        o.onProgress?.(reports.length);
        next = r.i + o.jobs;
        if (Date.now() >= deadlineAt) { clearTimeout(timer); child.kill('SIGKILL'); return; }
        arm();
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        if (hung) {
          const { kind, source } = fuzzInput(o.seed, next, examples);
          hangs.push({ i: next, kind, bytes: Buffer.byteLength(source) });
          start(next + o.jobs);
        } else if (code !== 0 && code !== null && next < o.count) {
          // The child died without a report (out of memory, a native crash): that input is a crash.
          const { kind, source } = fuzzInput(o.seed, next, examples);
          reports.push({ i: next, kind, bytes: Buffer.byteLength(source), wallMs: 0, cpuMs: 0, totalCpuMs: 0, outcome: 'crash', error: `worker exited with code ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` });
          start(next + o.jobs);
        } else resolve();
      });
    };
    start(k);
  });
  await Promise.all(Array.from({ length: o.jobs }, (_, k) => lane(k)));
  const small = reports.filter((r) => r.bytes <= 65_536);
  const cpu = small.map((r) => r.cpuMs).sort((a, b) => a - b);
  const count = (f: (r: ChildReport) => string) => reports.reduce<Record<string, number>>((m, r) => { m[f(r)] = (m[f(r)] ?? 0) + 1; return m; }, {});
  return {
    seed: o.seed, inputs: reports.length + hangs.length, seconds: (Date.now() - t0) / 1000,
    outcomes: count((r) => r.outcome), byKind: count((r) => r.kind),
    crashes: reports.filter((r) => r.outcome === 'crash'), hangs,
    slowest: [...reports].sort((a, b) => b.cpuMs - a.cpuMs).slice(0, 10),
    maxCpuMs: cpu[cpu.length - 1] ?? 0, maxWallMs: Math.max(0, ...small.map((r) => r.wallMs)), maxBytes: Math.max(0, ...reports.map((r) => r.bytes)),
    p50CpuMs: cpu[Math.floor(cpu.length * 0.5)] ?? 0, p99CpuMs: cpu[Math.floor(cpu.length * 0.99)] ?? 0,
  };
}

async function cli(): Promise<number> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '3600' }, seed: { type: 'string', default: '1' },
      jobs: { type: 'string', default: '1' }, deadline: { type: 'string', default: '5000' }, out: { type: 'string', default: 'fuzz-out' },
    },
  });
  const o: FuzzOptions = {
    count: Number(values.count), seconds: Number(values.seconds), seed: Number(values.seed), jobs: Number(values.jobs),
    deadlineMs: Number(values.deadline), examplesDir: fileURLToPath(new URL('../../examples', import.meta.url)),
    onProgress: (n) => { if (n % 1000 === 0) process.stderr.write(`fuzz: ${n} inputs\n`); },
  };
  const s = await runFuzz(o);
  mkdirSync(values.out!, { recursive: true });
  writeFileSync(join(values.out!, 'frontend.json'), `${JSON.stringify(s, null, 2)}\n`);
  const examples = readdirSync(o.examplesDir).filter((f) => f.endsWith('.opt')).sort().map((f) => readFileSync(join(o.examplesDir, f), 'utf8'));
  for (const x of [...s.crashes, ...s.hangs]) writeFileSync(join(values.out!, `input-${s.seed}-${x.i}.opt`), fuzzInput(s.seed, x.i, examples).source);
  console.log(`fuzz: seed ${s.seed}, ${s.inputs} inputs in ${s.seconds.toFixed(0)} s: ${JSON.stringify(s.outcomes)}, ${s.hangs.length} hangs`);
  console.log(`  kinds ${JSON.stringify(s.byKind)}; largest input ${s.maxBytes} bytes`);
  console.log(`  compiler CPU time per input (<= 64 KiB): median ${s.p50CpuMs.toFixed(1)} ms, p99 ${s.p99CpuMs.toFixed(1)} ms, max ${s.maxCpuMs.toFixed(1)} ms (max wall ${s.maxWallMs.toFixed(1)} ms on this shared machine)`);
  console.log('  slowest:');
  for (const r of s.slowest) console.log(`    #${r.i} ${r.kind} ${r.bytes} B: compiler ${r.cpuMs.toFixed(1)} ms CPU, ${r.wallMs.toFixed(1)} ms wall (with interpreter run: ${r.totalCpuMs.toFixed(1)} ms CPU), ${r.outcome}`);
  for (const c of s.crashes) console.log(`  CRASH #${c.i} (${c.kind}): ${c.error}`);
  for (const h of s.hangs) console.log(`  HANG #${h.i} (${h.kind}, ${h.bytes} B)`);
  console.log(`  replay one input: fuzzInput(${s.seed}, INDEX, examples) in src/fuzz/frontend.ts; failing inputs saved in ${values.out}/`);
  return s.crashes.length || s.hangs.length ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) cli().then((c) => { process.exitCode = c; });
