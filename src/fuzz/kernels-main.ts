// `npm run fuzz:kernels -- [--count N] [--seconds S] [--seed X] [--out DIR]`: random programs on Dawn
// against the interpreter (src/fuzz/kernels.ts). Prints the outcome counts (refusals per code), every
// validation error, disagreement and crash with the index that replays it, and the rate; writes
// DIR/kernels.json and the failing programs. Exit code 1 on any validation error, disagreement or crash.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getDevice, releaseGpu } from '../runtime/index.js';
import { EXACT_SLACK, fuzzKernel, kernelSource, KERNEL_TOLERANCE, type KernelResult } from './kernels.js';

export interface KernelSummary {
  seed: number; programs: number; seconds: number; perSecond: number;
  outcomes: Record<string, number>; refusedByCode: Record<string, number>; invalidByCode: Record<string, number>;
  exactAgree: number; toleranceAgree: number; exactNear: number; features: Record<string, number>;
  failures: KernelResult[]; unsupported: Record<string, number>;
  /** Exact programs that agreed within EXACT_SLACK only. */
  near: KernelResult[];
}

/**
 * Programs run on one device before it is replaced. The runtime caches pipelines per device, and a
 * pipeline holds lavapipe's compiled code: one device over thousands of distinct programs grew by ~2 MB a
 * program (1.8 GB after 900) and slowed down.
 */
const PROGRAMS_PER_DEVICE = 100;

export async function runKernelFuzz(o: {
  count: number; seconds: number; seed: number; from?: number;
  onResult?: (r: KernelResult, n: number) => void;
  /** Called with the summary so far every PROGRAMS_PER_DEVICE programs (a long run keeps its counts if stopped). */
  onProgress?: (s: KernelSummary) => void;
}): Promise<KernelSummary> {
  const t0 = Date.now();
  let device = await getDevice();
  const results: KernelResult[] = [];
  for (let i = o.from ?? 0; i < (o.from ?? 0) + o.count && Date.now() - t0 < o.seconds * 1000; i++) {
    const r = await fuzzKernel(device, o.seed, i);
    results.push(r);
    o.onResult?.(r, results.length);
    // A validation error or a crash may have lost the device: continue on a fresh one.
    const lost = r.outcome === 'validation' || r.outcome === 'crash' || r.outcome === 'timeout';
    if (lost || results.length % PROGRAMS_PER_DEVICE === 0) { device.destroy(); device = await getDevice(); }
    if (results.length % PROGRAMS_PER_DEVICE === 0) o.onProgress?.(summarize(o.seed, results, t0));
  }
  device.destroy();
  releaseGpu();
  return summarize(o.seed, results, t0);
}

function summarize(seed: number, results: KernelResult[], t0: number): KernelSummary {
  const count = (f: (r: KernelResult) => string | undefined, rs = results) => rs.reduce<Record<string, number>>((m, r) => { const k = f(r); if (k) m[k] = (m[k] ?? 0) + 1; return m; }, {});
  const seconds = (Date.now() - t0) / 1000;
  return {
    seed, programs: results.length, seconds, perSecond: results.length / seconds,
    outcomes: count((r) => r.outcome), refusedByCode: count((r) => (r.outcome === 'refused' ? r.code : undefined)),
    invalidByCode: count((r) => (r.outcome === 'invalid' ? r.code : undefined)),
    exactAgree: results.filter((r) => r.outcome === 'agree' && r.exact && !r.near).length,
    exactNear: results.filter((r) => r.outcome === 'agree' && r.near).length,
    toleranceAgree: results.filter((r) => r.outcome === 'agree' && !r.exact).length,
    features: results.filter((r) => r.outcome === 'agree').flatMap((r) => r.features).reduce<Record<string, number>>((m, f) => { m[f] = (m[f] ?? 0) + 1; return m; }, {}),
    failures: results.filter((r) => ['disagree', 'validation', 'crash', 'timeout'].includes(r.outcome)),
    near: results.filter((r) => r.near),
    unsupported: count((r) => (r.outcome === 'unsupported' ? r.detail?.replace(/'[^']*'/g, "'…'").replace(/\d+/g, 'N') : undefined)),
  };
}

async function cli(): Promise<number> {
  const { values } = parseArgs({ options: {
    count: { type: 'string', default: '200' }, seconds: { type: 'string', default: '3600' }, seed: { type: 'string', default: '1' },
    from: { type: 'string', default: '0' }, out: { type: 'string', default: 'fuzz-out' },
  } });
  const seed = Number(values.seed);
  mkdirSync(values.out!, { recursive: true });
  const save = (s: KernelSummary) => writeFileSync(join(values.out!, `kernels-${seed}-${values.from}.json`), `${JSON.stringify(s, null, 2)}\n`);
  const s = await runKernelFuzz({ count: Number(values.count), seconds: Number(values.seconds), seed, from: Number(values.from),
    onResult: (r, n) => {
      if (['disagree', 'validation', 'crash', 'timeout'].includes(r.outcome)) process.stderr.write(`fuzz:kernels #${r.i} ${r.outcome}: ${r.detail ?? ''}\n`);
      if (n % 25 === 0) process.stderr.write(`fuzz:kernels: ${n} programs\n`);
    },
    onProgress: save });
  save(s);
  for (const f of s.failures) writeFileSync(join(values.out!, `kernel-${seed}-${f.i}.opt`), kernelSource(seed, f.i));
  console.log(`fuzz:kernels: seed ${seed}, ${s.programs} programs in ${s.seconds.toFixed(0)} s (${s.perSecond.toFixed(2)}/s): ${JSON.stringify(s.outcomes)}`);
  console.log(`  agree: ${s.exactAgree} bit for bit (exact programs), ${s.exactNear} exact programs within |d| <= ${EXACT_SLACK.rtol} (1 + |x|) (the driver's algebra), ${s.toleranceAgree} within |d| <= ${KERNEL_TOLERANCE.rtol} (1 + |x|)`);
  for (const r of s.near) console.log(`  near #${r.i}: ${r.near}`);
  console.log(`  refused by the WGSL back end, per code: ${JSON.stringify(s.refusedByCode)}; generator made invalid programs: ${JSON.stringify(s.invalidByCode)}`);
  console.log(`  features among agreeing programs: ${JSON.stringify(s.features)}`);
  for (const [what, n] of Object.entries(s.unsupported)) console.log(`  refused at run time (${n}): ${what}`);
  for (const f of s.failures) console.log(`  ${f.outcome.toUpperCase()} #${f.i}: ${f.detail ?? ''}`);
  return s.failures.length ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) cli().then((c) => { process.exitCode = c; });
