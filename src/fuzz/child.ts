// The fuzz worker: a child process that checks inputs `from, from + stride, …` and reports each one to the
// parent, which kills it when one takes longer than the deadline (a hang) and starts a new one after it.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkInput, fuzzInput } from './frontend.js';

export interface ChildJob { seed: number; from: number; to: number; stride: number; examplesDir: string }
/** Times are the compiler's (CPU: user + system of the worker); `totalCpuMs` adds printing and the interpreter run. */
export interface ChildReport { i: number; kind: string; bytes: number; wallMs: number; cpuMs: number; totalCpuMs: number; outcome: string; error?: string }

const job = JSON.parse(process.argv[2]!) as ChildJob;
const examples = readdirSync(job.examplesDir).filter((f) => f.endsWith('.opt')).sort().map((f) => readFileSync(join(job.examplesDir, f), 'utf8'));
// A test hook: pretend input N hangs, to show the watchdog works.
const hangAt = process.env.OPTC_FUZZ_HANG_AT === undefined ? -1 : Number(process.env.OPTC_FUZZ_HANG_AT);

for (let i = job.from; i < job.to; i += job.stride) {
  const { kind, source } = fuzzInput(job.seed, i, examples);
  const c0 = process.cpuUsage();
  if (i === hangAt) for (;;) { /* spin until killed */ }
  const r = checkInput(source, job.seed ^ i);
  const c = process.cpuUsage(c0);
  const report: ChildReport = {
    i, kind, bytes: Buffer.byteLength(source), wallMs: r.compileWallMs, cpuMs: r.compileCpuMs, totalCpuMs: (c.user + c.system) / 1000,
    outcome: r.outcome, ...(r.error ? { error: r.error } : {}),
  };
  process.send!(report);
}
process.disconnect?.();
