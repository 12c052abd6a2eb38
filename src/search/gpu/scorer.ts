// The WebGPU scorer (`optc search --device webgpu`): candidates' update rules compiled by optc's
// compile() into WGSL kernels and run by optc's runtime (createOptimizer), with the proxy tasks' gradients
// computed by WGSL kernels on the same device (task-kernels.ts), never leaving it during training.
//
// Layout: each candidate is one Optimizer whose parameter tensors are every task's tensors once per grid
// step size, one parameter group per step size (its lr, scheduled per step with setHyper). The runtime
// packs a group's tensors into one chunk, so one dispatch per kernel updates every task of a grid point,
// and per-tensor reductions (`sum(x * x) / numel`) fold each task's tensor on its own, as on the CPU.
// Per step, the gradient dispatches of every lane of every candidate in the batch go in one compute pass
// and one submit; then each candidate's step() (the runtime's public API submits per call). After the
// last step the trained parameters of the whole batch come back in one read, and the held-out losses are
// computed on the host by the same code as the CPU scorer's (fitness.ts `fitnessOf`).
//
// Tasks A and B run here (B's MLP has its own kernel), each suite uploaded once, B when first asked for;
// C requests, and any candidate that optc or the device cannot compile, are scored by the CPU evaluator
// (the latter counted in `cpuFallbacks`).
import { compile, createOptimizer, getDevice, releaseGpu, type Optimizer } from '../../index.js';
import type { Program } from '../../ir/index.js';
import { fitnessOf, LR_GRID, lrScale, type Fitness } from '../fitness.js';
import { scoreRequest, type ScoreRequest, type Scorer } from '../scorer.js';
import { suite as makeSuite, type Suite } from '../tasks.js';
import { DirectCandidate, laneLayout, runsDirect } from './direct.js';
import { GpuSuite, type CandidateLanes } from './lanes.js';

const LR = 'lr';
/** Parameter tensor name of grid point l, task k, tensor j. */
const tensorName = (l: number, k: number, j: number) => `l${l}.t${k}.${j}`;

interface Live { opt: Optimizer; lanes: CandidateLanes; hasLr: boolean; failed?: unknown }
type Candidate = { direct: DirectCandidate } | { runtime: Live } | undefined;

/** How the last `scoreOnDevice` call ran its candidates (tests check both paths are exercised). */
export const lastRun = { direct: 0, runtime: 0, failed: 0 };

/**
 * Scores `programs` on `s` together on `device`. Returns one Fitness per program, or `undefined` for a
 * program that optc or the device could not compile (the caller scores it on the CPU).
 */
export async function scoreOnDevice(device: GPUDevice, gs: GpuSuite, programs: readonly Program[], grid: readonly number[] = LR_GRID): Promise<(Fitness | undefined)[]> {
  const s = gs.suite;
  const x0 = s.tasks.map((t) => t.init());
  const cands: Candidate[] = [];
  // Set up together: the device may build the candidates' pipelines concurrently.
  cands.push(...await Promise.all(programs.map((p) => setUp(device, gs, p, x0, grid).catch(() => undefined))));
  Object.assign(lastRun, { direct: 0, runtime: 0, failed: 0 });
  for (const c of cands) lastRun[!c ? 'failed' : 'direct' in c ? 'direct' : 'runtime']++;
  const direct = cands.flatMap((c) => (c && 'direct' in c ? [c.direct] : []));
  const runtime = cands.flatMap((c) => (c && 'runtime' in c ? [c.runtime] : []));
  try {
    for (let t = 1; t <= s.steps; t++) {
      device.queue.writeBuffer(gs.step, 0, new Uint32Array([t, 0, 0, 0]));
      for (const c of direct) c.prepare(t, s.steps);
      // One pass, one submit: every runtime candidate's gradients, then each direct candidate's gradients
      // and updates (dispatches in a pass see the storage writes of the ones before).
      const enc = device.createCommandEncoder({ label: `search step ${t}` });
      const pass = enc.beginComputePass();
      for (const d of [...runtime.flatMap((c) => c.lanes.dispatches), ...direct.flatMap((c) => c.dispatches)]) {
        pass.setPipeline(d.pipeline);
        pass.setBindGroup(0, d.group);
        pass.dispatchWorkgroups(d.workgroups);
      }
      pass.end();
      device.queue.submit([enc.finish()]);
      const f = lrScale(t, s.steps);
      for (const c of runtime) {
        if (c.hasLr) grid.forEach((lr, l) => c.opt.setHyper(LR, lr * f, l + 1));
        // Without the non-finite guard step() resolves at once; a device error surfaces on the read below.
        c.opt.step(c.lanes.grads).catch((e: unknown) => { c.failed ??= e; });
      }
    }
    const trained = await readBack(device, cands, s, grid.length);
    return cands.map((c, i) => (c && !('runtime' in c && c.runtime.failed) ? fitnessOf(s, grid, x0, (l, k) => trained[i]![l]![k]!) : undefined));
  } finally {
    for (const c of runtime) { c.lanes.dispose(); c.opt.dispose(); }
    for (const c of direct) c.dispose();
  }
}

async function setUp(device: GPUDevice, gs: GpuSuite, p: Program, x0: Float32Array[], grid: readonly number[]): Promise<Candidate> {
  const compiled = compile(p);
  if (runsDirect(compiled.module)) return { direct: await DirectCandidate.create(gs, compiled.module, grid, x0) };
  const s = gs.suite;
  const params: Record<string, { shape: number[]; data: Float32Array }> = {};
  const groups = grid.map((lr, l) => {
    const names: string[] = [];
    s.tasks.forEach((task, k) => {
      let o = 0;
      task.tensors.forEach((size, j) => {
        const name = tensorName(l, k, j);
        params[name] = { shape: [size], data: x0[k]!.slice(o, o + size) };
        names.push(name);
        o += size;
      });
    });
    return { params: names, hypers: { [LR]: lr } };
  });
  const hasLr = compiled.module.hypers.some((h) => h.name === LR);
  // State initial values come from group 0's hyperparameters: the first grid point's, as on the CPU.
  const opt = await createOptimizer(device, compiled, params, hasLr ? { hypers: { [LR]: grid[0]! }, groups } : { groups: groups.map((g) => ({ ...g, hypers: {} })) });
  try {
    const lanes = gs.runtimeLanes(opt, grid.length, (l, k) => s.tasks[k]!.tensors.map((_, j) => tensorName(l, k, j)));
    return { runtime: { opt, lanes, hasLr } };
  } catch (e) { opt.dispose(); throw e; }
}

/** Every candidate's trained parameters [candidate][grid point][task], in one copy and one read. */
async function readBack(device: GPUDevice, cands: Candidate[], s: Suite, G: number): Promise<(Float32Array[][] | undefined)[]> {
  const sizes = s.tasks.map((t) => t.tensors.reduce((x, y) => x + y, 0));
  const per = sizes.reduce((a, b) => a + b, 0) * G;
  const { at, size: lane } = laneLayout(s);
  // Each candidate's slot in the staging buffer: the runtime's tensors packed, or a direct candidate's lanes.
  const slot = cands.map((c) => (!c ? 0 : 'direct' in c ? lane * G : per));
  const staging = device.createBuffer({ size: Math.max(16, slot.reduce((a, b) => a + b, 0) * 4), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: 'search.readback' });
  const enc = device.createCommandEncoder({ label: 'search read-back' });
  const where: number[] = [];
  let base = 0;
  cands.forEach((c, i) => {
    where.push(base);
    if (c && 'direct' in c) enc.copyBufferToBuffer(c.direct.param, 0, staging, base * 4, lane * G * 4);
    else if (c) {
      let o = base;
      for (let l = 0; l < G; l++) s.tasks.forEach((task, k) => task.tensors.forEach((n, j) => {
        for (const r of c.runtime.opt.paramRegions(tensorName(l, k, j))) enc.copyBufferToBuffer(r.buffer, r.byteOffset, staging, (o + r.tensorByteOffset / 4) * 4, r.bytes);
        o += n;
      }));
    }
    base += slot[i]!;
  });
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const all = new Float32Array(staging.getMappedRange().slice(0));
  staging.unmap();
  staging.destroy();
  return cands.map((c, i) => {
    if (!c) return undefined;
    let o = where[i]!;
    return Array.from({ length: G }, (_, l) => s.tasks.map((task, k) => {
      if ('direct' in c) {
        // A task's tensors sit at 64-element boundaries in a lane: gather them into one vector.
        const x = new Float32Array(sizes[k]!);
        let q = 0;
        task.tensors.forEach((n, j) => { x.set(all.subarray(where[i]! + l * lane + at[k]![j]!, where[i]! + l * lane + at[k]![j]! + n), q); q += n; });
        return x;
      }
      const x = all.subarray(o, o + sizes[k]!);
      o += sizes[k]!;
      return x;
    }));
  });
}

/** Suites scored on the device (C, at 5x B's size, stays on the CPU: untested here). */
const ON_DEVICE = ['A', 'B'] as const;
type DeviceSuite = (typeof ON_DEVICE)[number];

/** A Scorer on a WebGPU device: tasks A and B on the device in batches, C (and fallbacks) on the CPU. */
export class WebGpuScorer implements Scorer {
  readonly scored = { A: 0, B: 0, C: 0 };
  /** Candidates optc or the device could not compile, scored on the CPU instead. */
  cpuFallbacks = 0;
  private readonly suites = new Map<DeviceSuite, Promise<GpuSuite>>();
  private constructor(readonly device: GPUDevice, a: GpuSuite) { this.suites.set('A', Promise.resolve(a)); }

  /** Opens the device (failing with how to get one: `bash scripts/setup.sh`) and uploads task A. */
  static async create(): Promise<WebGpuScorer> {
    const device = await getDevice();
    return new WebGpuScorer(device, await GpuSuite.create(device, makeSuite('A')));
  }

  /** Suite `name` on the device, uploaded on first use. */
  private suite(name: DeviceSuite): Promise<GpuSuite> {
    if (!this.suites.has(name)) this.suites.set(name, GpuSuite.create(this.device, makeSuite(name)));
    return this.suites.get(name)!;
  }

  async score(reqs: readonly ScoreRequest[]): Promise<Map<string, Fitness>> {
    const out = new Map<string, Fitness>();
    for (const name of ON_DEVICE) {
      const on = [...new Map(reqs.filter((r) => r.suite === name).map((r) => [r.key, r])).values()];
      if (!on.length) continue;
      const fits = await scoreOnDevice(this.device, await this.suite(name), on.map((r) => r.program));
      on.forEach((r, i) => {
        let f = fits[i];
        if (!f) { this.cpuFallbacks++; f = scoreRequest(r); }
        out.set(r.key, f);
        this.scored[name]++;
      });
    }
    for (const r of reqs) {
      if (out.has(r.key)) continue;
      out.set(r.key, scoreRequest(r));
      this.scored[r.suite]++;
    }
    return out;
  }

  async close(): Promise<void> {
    for (const g of this.suites.values()) (await g.catch(() => undefined))?.dispose();
    this.device.destroy();
    releaseGpu();
  }
}
