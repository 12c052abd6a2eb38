// The case table. Each group times the cases it compares *interleaved* in one loop (see timing.ts), so its
// ratios — fraction of the copy roofline, speed-up over TF.js, fused over unfused — come from samples taken
// side by side. Absolute milliseconds on a 2-core software GPU drift by ±30 % between runs; the ratios much less.

import { countDispatches, type SharedDevice } from './device.js';
import { adamLoop } from './cpu-loop.js';
import { crossCheck } from './crosscheck.js';
import { KI, MI, paramsAndGrad, sizeLabel } from './data.js';
import { compileFile, createOptcCase, loadOptc, type OptcApi, type OptcModule } from './optc.js';
import { measureCompileLatency } from './compile-latency.js';
import { pendingCases } from './pending.js';
import { createCopyKernel } from './roofline.js';
import { createHandAdamW } from './handwritten.js';
import { createTfjsCase, TFJS_OPTIMIZERS } from './tfjs.js';
import { pairedRatio, timeInterleaved, type Step, type Timing } from './timing.js';

export interface CaseResult {
  /** `<who>/<what>`: copy/…, tfjs-webgpu/…, optc/…, cpu-loop/…, compile/…, pipeline/… */
  name: string;
  group: string;
  /** Parameters per step (elements). */
  n?: number;
  /** Median ms per step (or per compile), each step waited on. */
  ms?: number;
  min?: number;
  max?: number;
  /** Bytes a fused step must move per parameter (f32: 4 × (buffers read + buffers written)). */
  bytesPerParam?: number;
  /** n × bytesPerParam / ms: the bandwidth the step achieves if it moved only the bytes it must. */
  gbPerS?: number;
  /** copy-kernel ms / this ms, same bytes, same group: 1.0 = as fast as copying the data. Like every ratio
   *  here, the median over interleaved rounds of the per-round ratio (timing.ts `pairedRatio`). */
  rooflineFraction?: number;
  /** TF.js WebGPU ms / this ms, same rule, same group: > 1 = faster than TF.js. */
  vsTfjs?: number;
  /** Hand-written AdamW ms / this ms, same group (bench/handwritten.ts): 1.0 = as fast as the hand kernel. */
  vsHand?: number;
  /** Unfused ms / this ms, same .opt, same group: the speed-up fusion gives. */
  vsUnfused?: number;
  dispatchesPerStep?: number;
  submitsPerStep?: number;
  /** Why the case has no numbers (not fake ones). */
  skipped?: string;
  note?: string;
  [extra: string]: unknown;
}

export interface SuiteOptions {
  quick: boolean;
  /** Elements for the peer and fusion groups (default 4,194,304). */
  n: number;
  warmup: number;
  iters: number;
  /** Groups to run; all when empty. */
  only: string[];
  /** AdamW sizes for the `sizes` group (default 64K, 1M, 4M, 16M; quick: 64K, 1M). */
  sizes?: number[];
  /** Only the named TF.js optimizers in `peers` (default all; quick: adam). */
  peers?: string[];
  log: (line: string) => void;
}

export const GROUPS = ['peers', 'fusion', 'sizes', 'compile', 'pending'] as const;

export async function runSuite(shared: SharedDevice, opts: SuiteOptions): Promise<CaseResult[]> {
  const optcOrWhy = await loadOptc();
  const optc = typeof optcOrWhy === 'string' ? undefined : optcOrWhy;
  const why = typeof optcOrWhy === 'string' ? optcOrWhy : '';
  const want = (g: string) => opts.only.length === 0 || opts.only.includes(g);
  const out: CaseResult[] = [];
  const push = (r: CaseResult) => {
    out.push(r);
    opts.log(`  ${r.name}${r.n ? ` @${sizeLabel(r.n)}` : ''}: ${r.skipped ? `skipped (${r.skipped})` : `${r.ms?.toFixed(2)} ms`}`);
  };
  if (want('peers')) await peers(shared, optc, why, opts, push);
  if (want('fusion')) await fusion(shared, optc, why, opts, push);
  if (want('sizes')) await sizes(shared, optc, why, opts, push);
  if (want('compile')) {
    opts.log('compile latency');
    if (optc) for (const r of await measureCompileLatency(shared.device, optc, opts)) push(r);
    else push({ name: 'compile/source-to-wgsl', group: 'compile', skipped: why });
  }
  if (want('pending')) for (const r of await pendingCases(shared, optc, opts)) push(r);
  return out;
}

const mbps = (n: number, bytes: number, ms: number) => (n * bytes) / ms / 1e6;

function fill(t: Timing, n: number, bytes: number): Pick<CaseResult, 'ms' | 'min' | 'max' | 'gbPerS' | 'n' | 'bytesPerParam'> {
  return { n, ms: t.ms, min: t.min, max: t.max, bytesPerParam: bytes, gbPerS: mbps(n, bytes, t.ms) };
}

/** TF.js WebGPU vs ours (TF.js's own rules) vs the copy roofline; the JS loop joins the Adam round. */
async function peers(shared: SharedDevice, optc: OptcApi | undefined, why: string, opts: SuiteOptions, push: (r: CaseResult) => void) {
  const n = opts.n;
  const { init, grad } = paramsAndGrad(n);
  const names = opts.peers ?? (opts.quick ? ['adam'] : TFJS_OPTIMIZERS.map((s) => s.name));
  const specs = TFJS_OPTIMIZERS.filter((s) => names.includes(s.name));
  for (const spec of specs) {
    opts.log(`peers: ${spec.name} @${sizeLabel(n)}`);
    const bytes = 4 * (spec.reads + spec.writes);
    const copy = createCopyKernel(shared.device, n, spec.reads, spec.writes);
    const tfjs = createTfjsCase(shared, spec, init, grad);
    const ours = optc
      ? await createOptcCase(optc, shared.device, compileFile(optc, `bench/opt/tfjs-${spec.name}.opt`), init, grad, spec.hypers)
      : undefined;
    const steps: Record<string, Step> = {
      copy: () => copy.step(),
      tfjs: () => tfjs.step(),
    };
    if (ours) steps.ours = () => ours.step();
    let cpuState: { p: Float32Array; m: Float32Array; v: Float32Array; t: number } | undefined;
    if (spec.name === 'adam') {
      cpuState = { p: init.slice(), m: new Float32Array(n), v: new Float32Array(n), t: 0 };
      steps.cpu = () => adamLoop(cpuState!.p, grad, cpuState!, spec.hypers.lr, spec.hypers.beta1, spec.hypers.beta2, spec.hypers.eps);
    }
    // Count on the second step: the first also fills the state tensors (TF.js creates them lazily).
    await tfjs.step();
    await ours?.step();
    const tfCount = await countDispatches(() => tfjs.step());
    const ourCount = ours ? await countDispatches(() => ours.step()) : undefined;
    const t = await timeInterleaved(steps, opts);
    copy.destroy();
    tfjs.dispose();
    ours?.dispose();
    const c = t.copy!;
    push({ name: `copy/${spec.name}`, group: 'peers', ...fill(c, n, bytes), rooflineFraction: 1, dispatchesPerStep: 1, note: `copy kernel: ${spec.reads} reads + ${spec.writes} writes per element` });
    const tf = t.tfjs!;
    push({
      name: `tfjs-webgpu/${spec.name}`, group: 'peers', ...fill(tf, n, bytes), rooflineFraction: pairedRatio(c, tf), vsTfjs: 1,
      dispatchesPerStep: tfCount.dispatches, submitsPerStep: tfCount.submits,
    });
    if (ours) {
      const o = t.ours!;
      const check = await crossCheck(shared, optc!, spec);
      push({
        name: `optc/tfjs-${spec.name}`, group: 'peers', ...fill(o, n, bytes), rooflineFraction: pairedRatio(c, o), vsTfjs: pairedRatio(tf, o),
        dispatchesPerStep: ourCount!.dispatches, submitsPerStep: ourCount!.submits,
        maxRelDiffVsTfjs: check.maxRelDiff, note: `bench/opt/tfjs-${spec.name}.opt; after ${check.steps} steps of varying gradients, max rel. diff vs TF.js ${check.maxRelDiff.toExponential(1)}`,
      });
    } else {
      push({ name: `optc/tfjs-${spec.name}`, group: 'peers', n, skipped: why });
    }
    if (t.cpu) {
      push({
        name: 'cpu-loop/adam', group: 'peers', ...fill(t.cpu, n, bytes), rooflineFraction: pairedRatio(c, t.cpu), vsTfjs: pairedRatio(tf, t.cpu),
        note: 'plain Float32Array loop in JS, one thread, TF.js Adam rule',
      });
    }
  }
}

/** The same AdamW compiled fused (one kernel) and unfused (one kernel per IR op); full runs add scalar and 64-wide workgroups. */
async function fusion(shared: SharedDevice, optc: OptcApi | undefined, why: string, opts: SuiteOptions, push: (r: CaseResult) => void) {
  const n = opts.n;
  opts.log(`fusion: adamw @${sizeLabel(n)}`);
  if (!optc) {
    push({ name: 'optc/adamw-fused', group: 'fusion', n, skipped: why });
    return;
  }
  const { init, grad } = paramsAndGrad(n);
  const variants: Record<string, OptcModule> = {
    fused: compileFile(optc, 'examples/adamw.opt'),
    unfused: compileFile(optc, 'examples/adamw.opt', { fuse: false }),
  };
  if (!opts.quick) {
    variants.scalar = compileFile(optc, 'examples/adamw.opt', { vectorize: false });
    variants.wg64 = compileFile(optc, 'examples/adamw.opt', { workgroupSize: 64 });
  }
  const copy = createCopyKernel(shared.device, n, 4, 3);
  const cases = Object.fromEntries(
    await Promise.all(Object.entries(variants).map(async ([k, m]) => [k, await createOptcCase(optc, shared.device, m, init, grad, {})] as const)),
  );
  const counts: Record<string, { dispatches: number; submits: number }> = {};
  for (const [k, c] of Object.entries(cases)) {
    await c.step();
    counts[k] = await countDispatches(() => c.step());
  }
  const steps: Record<string, Step> = {
    copy: () => copy.step(),
  };
  for (const [k, c] of Object.entries(cases)) steps[k] = () => c.step();
  const t = await timeInterleaved(steps, opts);
  copy.destroy();
  for (const c of Object.values(cases)) c.dispose();
  const c = t.copy!;
  push({ name: 'copy/adamw', group: 'fusion', ...fill(c, n, 28), rooflineFraction: 1, dispatchesPerStep: 1 });
  for (const k of Object.keys(variants)) {
    const o = t[k]!;
    push({
      name: `optc/adamw-${k}`, group: 'fusion', ...fill(o, n, 28), rooflineFraction: pairedRatio(c, o), vsUnfused: pairedRatio(t.unfused!, o),
      dispatchesPerStep: counts[k]!.dispatches, submitsPerStep: counts[k]!.submits,
      note: {
        unfused: 'fuse: false — one kernel per IR op, temporaries in memory',
        scalar: 'vectorize: false — one element per invocation',
        wg64: 'workgroupSize: 64 (default 256)',
      }[k] ?? 'fuse + vec4 (defaults)',
    });
  }
}

/** AdamW (fused, defaults) at growing sizes, each against the copy roofline at the same size. */
async function sizes(shared: SharedDevice, optc: OptcApi | undefined, why: string, opts: SuiteOptions, push: (r: CaseResult) => void) {
  const list = opts.sizes ?? (opts.quick ? [64 * KI, MI] : [64 * KI, MI, 4 * MI, 16 * MI]);
  for (const n of list) {
    opts.log(`sizes: adamw @${sizeLabel(n)}`);
    if (!optc) {
      push({ name: 'optc/adamw', group: 'sizes', n, skipped: why });
      continue;
    }
    const { init, grad } = paramsAndGrad(n);
    const copy = createCopyKernel(shared.device, n, 4, 3);
    const ours = await createOptcCase(optc, shared.device, compileFile(optc, 'examples/adamw.opt'), init, grad, {});
    // Full runs also time 64-wide workgroups (the default before 256): at 16M they need 65,536 workgroups, one
    // more than a grid dimension allows, and the grid turns 2-D (see docs/performance.md, "Profile").
    const narrow = opts.quick ? undefined : await createOptcCase(optc, shared.device, compileFile(optc, 'examples/adamw.opt', { workgroupSize: 64 }), init, grad, {});
    // Small sizes take well under a millisecond: more samples for the same confidence.
    const iters = n <= MI ? Math.max(opts.iters, 50) : opts.iters;
    // The hand-written kernel reads the same gradient buffer; it and `ours` take the same number of steps.
    const hand = await createHandAdamW(shared.device, init, ours.grad);
    const steps: Record<string, Step> = {
      copy: () => copy.step(),
      ours: () => ours.step(),
      hand: () => hand.step(),
    };
    if (narrow) steps.narrow = () => narrow.step();
    const t = await timeInterleaved(steps, { warmup: opts.warmup, iters });
    const [a, b] = [await ours.opt.readParam('w'), await hand.readParam()];
    const same = Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    copy.destroy();
    hand.destroy();
    ours.dispose();
    narrow?.dispose();
    push({ name: 'copy/adamw', group: 'sizes', ...fill(t.copy!, n, 28), rooflineFraction: 1 });
    push({ name: 'hand/adamw', group: 'sizes', ...fill(t.hand!, n, 28), rooflineFraction: pairedRatio(t.copy!, t.hand!), vsHand: 1,
      note: `bench/handwritten.ts; parameters after ${opts.warmup + iters + 1} steps ${same ? 'bit-identical to' : 'DIFFER from'} optc's` });
    push({ name: 'optc/adamw', group: 'sizes', ...fill(t.ours!, n, 28), rooflineFraction: pairedRatio(t.copy!, t.ours!), vsHand: pairedRatio(t.hand!, t.ours!) });
    if (t.narrow) push({ name: 'optc/adamw-wg64', group: 'sizes', ...fill(t.narrow, n, 28), rooflineFraction: pairedRatio(t.copy!, t.narrow), note: 'workgroupSize: 64' });
  }
}
