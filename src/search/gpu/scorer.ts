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
// Task B's classifier (an MLP) has no WGSL kernel yet: B requests, and any candidate that optc or the
// device cannot compile, are scored by the CPU evaluator (counted in `cpuFallbacks`).
import { compile, createOptimizer, getDevice, releaseGpu, type Optimizer } from '../../index.js';
import type { Program } from '../../ir/index.js';
import { fitnessOf, LR_GRID, lrScale, type Fitness } from '../fitness.js';
import { scoreRequest, type ScoreRequest, type Scorer } from '../scorer.js';
import { suite as makeSuite, type Suite } from '../tasks.js';
import { GpuSuite, type CandidateLanes } from './lanes.js';

const LR = 'lr';
/** Parameter tensor name of grid point l, task k, tensor j. */
const tensorName = (l: number, k: number, j: number) => `l${l}.t${k}.${j}`;

interface Live { opt: Optimizer; lanes: CandidateLanes; hasLr: boolean; failed?: unknown }

/**
 * Scores `programs` on `s` together on `device`. Returns one Fitness per program, or `undefined` for a
 * program that optc or the device could not compile (the caller scores it on the CPU).
 */
export async function scoreOnDevice(device: GPUDevice, gs: GpuSuite, programs: readonly Program[], grid: readonly number[] = LR_GRID): Promise<(Fitness | undefined)[]> {
  const s = gs.suite;
  const x0 = s.tasks.map((t) => t.init());
  const live: (Live | undefined)[] = [];
  for (const p of programs) live.push(await setUp(device, gs, p, x0, grid).catch(() => undefined));
  try {
    for (let t = 1; t <= s.steps; t++) {
      device.queue.writeBuffer(gs.step, 0, new Uint32Array([t, 0, 0, 0]));
      const enc = device.createCommandEncoder({ label: `search gradients, step ${t}` });
      const pass = enc.beginComputePass();
      for (const c of live) {
        if (!c) continue;
        for (const d of c.lanes.dispatches) {
          pass.setPipeline(d.pipeline);
          pass.setBindGroup(0, d.group);
          pass.dispatchWorkgroups(d.workgroups);
        }
      }
      pass.end();
      device.queue.submit([enc.finish()]);
      const f = lrScale(t, s.steps);
      for (const c of live) {
        if (!c) continue;
        if (c.hasLr) grid.forEach((lr, l) => c.opt.setHyper(LR, lr * f, l + 1));
        // Without the non-finite guard step() resolves at once; a device error surfaces on the read below.
        c.opt.step(c.lanes.grads).catch((e: unknown) => { c.failed ??= e; });
      }
    }
    const trained = await readBack(device, live, s, grid.length);
    return live.map((c, i) => (c && !c.failed ? fitnessOf(s, grid, x0, (l, k) => trained[i]![l]![k]!) : undefined));
  } finally {
    for (const c of live) { c?.lanes.dispose(); c?.opt.dispose(); }
  }
}

async function setUp(device: GPUDevice, gs: GpuSuite, p: Program, x0: Float32Array[], grid: readonly number[]): Promise<Live> {
  const compiled = compile(p);
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
    const lanes = gs.lanes(opt, grid.length, (l, k) => s.tasks[k]!.tensors.map((_, j) => tensorName(l, k, j)));
    return { opt, lanes, hasLr };
  } catch (e) { opt.dispose(); throw e; }
}

/** Every live candidate's trained parameters [candidate][grid point][task], in one copy and one read. */
async function readBack(device: GPUDevice, live: (Live | undefined)[], s: Suite, G: number): Promise<(Float32Array[][] | undefined)[]> {
  const per = s.tasks.reduce((a, t) => a + t.tensors.reduce((x, y) => x + y, 0), 0) * G;
  const count = live.filter(Boolean).length;
  const staging = device.createBuffer({ size: Math.max(16, per * count * 4), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: 'search.readback' });
  const enc = device.createCommandEncoder({ label: 'search read-back' });
  let at = 0;
  const where: number[] = [];
  for (const c of live) {
    where.push(at);
    if (!c) continue;
    for (let l = 0; l < G; l++) s.tasks.forEach((task, k) => task.tensors.forEach((size, j) => {
      for (const r of c.opt.paramRegions(tensorName(l, k, j))) enc.copyBufferToBuffer(r.buffer, r.byteOffset, staging, (at + r.tensorByteOffset / 4) * 4, r.bytes);
      at += size;
    }));
  }
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const all = new Float32Array(staging.getMappedRange().slice(0));
  staging.unmap();
  staging.destroy();
  return live.map((c, i) => {
    if (!c) return undefined;
    let o = where[i]!;
    return Array.from({ length: G }, () => s.tasks.map((task) => {
      const n = task.tensors.reduce((x, y) => x + y, 0);
      const x = all.subarray(o, o + n);
      o += n;
      return x;
    }));
  });
}

/** A Scorer on a WebGPU device: task A on the device in batches, task B (and fallbacks) on the CPU. */
export class WebGpuScorer implements Scorer {
  readonly scored = { A: 0, B: 0 };
  /** Candidates optc or the device could not compile, scored on the CPU instead. */
  cpuFallbacks = 0;
  private constructor(readonly device: GPUDevice, private readonly a: GpuSuite) {}

  /** Opens the device (failing with how to get one: `bash scripts/setup.sh`) and uploads task A. */
  static async create(): Promise<WebGpuScorer> {
    const device = await getDevice();
    return new WebGpuScorer(device, await GpuSuite.create(device, makeSuite('A')));
  }

  async score(reqs: readonly ScoreRequest[]): Promise<Map<string, Fitness>> {
    const out = new Map<string, Fitness>();
    const onA = [...new Map(reqs.filter((r) => r.suite === 'A').map((r) => [r.key, r])).values()];
    const fits = await scoreOnDevice(this.device, this.a, onA.map((r) => r.program));
    onA.forEach((r, i) => {
      let f = fits[i];
      if (!f) { this.cpuFallbacks++; f = scoreRequest(r); }
      out.set(r.key, f);
      this.scored.A++;
    });
    for (const r of reqs) {
      if (r.suite === 'A' || out.has(r.key)) continue;
      out.set(r.key, scoreRequest(r));
      this.scored.B++;
    }
    return out;
  }

  async close(): Promise<void> {
    this.a.dispose();
    this.device.destroy();
    releaseGpu();
  }
}
