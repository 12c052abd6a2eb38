// The WebGPU scorer (src/search/gpu) against the CPU lane evaluator: candidates compiled by optc into
// WGSL, the proxy tasks' gradients in WGSL kernels on the same device, several candidates per step
// submit (both paths: optc's kernels dispatched by the scorer, and the runtime's Optimizer), on task A
// and on task B (its MLP's forward and backward pass in WGSL too). Gradients are f32 there and float64-then-rounded on the CPU, so trajectories differ by a few
// ulps: every task score must agree within TOL (decades of loss reduction; measured differences are
// below 1e-6). Needs a WebGPU adapter: without one getDevice() fails saying `bash scripts/setup.sh`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Program } from '../src/ir/index.js';
import { getDevice, releaseGpu } from '../src/index.js';
import { FLOOR, scoreProgram, type Fitness } from '../src/search/fitness.js';
import { GpuSuite } from '../src/search/gpu/lanes.js';
import { lastRun, scoreOnDevice, WebGpuScorer } from '../src/search/gpu/scorer.js';
import { loadWarmStart } from '../src/search/space.js';
import { suite, type Suite } from '../src/search/tasks.js';
import { example, mutants } from './helpers/search-programs.js';

const TOL = 1e-3;
const A = suite('A');
const B = suite('B');
let device: GPUDevice;
let gs: GpuSuite;

beforeAll(async () => {
  device = await getDevice();
  gs = await GpuSuite.create(device, A);
}, 60_000);
afterAll(() => { gs?.dispose(); device?.destroy(); releaseGpu(); });

/** CPU scores on B (0.5-2.5 s each here), shared by the tests that compare with them. */
const cpuB = new Map<Program, Fitness>();
const onCpu = (p: Program, s: Suite) => {
  if (s !== B) return scoreProgram(p, s);
  if (!cpuB.has(p)) cpuB.set(p, scoreProgram(p, B));
  return cpuB.get(p)!;
};

function expectClose(programs: Program[], gpu: Awaited<ReturnType<typeof scoreOnDevice>>, label: string, s: Suite = A): void {
  programs.forEach((p, i) => {
    const cpu = onCpu(p, s);
    const g = gpu[i];
    expect(g, `${label} #${i} was not scored on the device`).toBeDefined();
    cpu.tasks.forEach((t, k) => {
      expect(Math.abs(t.score - g!.tasks[k]!.score), `${label} #${i} on ${t.task}: CPU ${t.score}, WebGPU ${g!.tasks[k]!.score}`).toBeLessThanOrEqual(TOL);
      expect(g!.tasks[k]!.lr).toBe(t.lr);
    });
  });
}

describe('WebGPU scoring on task A', () => {
  it('hand-written SGD, SGD-momentum, AdamW, Lion and signum score as on the CPU, in one batch', async () => {
    const ps = [example('sgd'), example('sgd', { momentum: 0.9 }), example('adamw'), example('lion'), example('signum')];
    const fits = await scoreOnDevice(device, gs, ps);
    // Elementwise rules: the scorer dispatches optc's kernels itself, one submit per step for all five.
    expect(lastRun).toEqual({ direct: 5, runtime: 0, failed: 0 });
    expectClose(ps, fits, 'hand-written');
  }, 120_000);

  it('mutants (per-tensor reductions, clipping, states added) score as on the CPU', async () => {
    const all = mutants(example('adamw'), 400, 11).filter((m) => m.valid).map((m) => m.program);
    const reduces = (p: Program) => p.insts.some((i) => i.op === 'reduce');
    const ps = [...all.filter(reduces).slice(0, 3), ...all.filter((p) => !reduces(p)).slice(0, 6)];
    expect(ps.filter(reduces)).toHaveLength(3);
    const fits = await scoreOnDevice(device, gs, ps);
    // Reductions run through the runtime's Optimizer (its phased kernels), the rest directly.
    expect(lastRun.runtime).toBeGreaterThanOrEqual(3);
    expect(lastRun.direct).toBeGreaterThan(0);
    expect(lastRun.failed).toBe(0);
    expectClose(ps, fits, 'mutant');
  }, 120_000);

  it('a rule that produces NaN gets the worst fitness there too', async () => {
    const nan = loadWarmStart('optimizer x { hyper lr = 0.1; update { p = p - lr * log(g); } }', 'x.opt');
    const [f] = await scoreOnDevice(device, gs, [nan]);
    expect(f!.fitness).toBe(FLOOR);
  }, 60_000);

});

// Task B on the device: 14x A's parameters, the MLP (196 -> 32 tanh -> 10, batches of 64) in WGSL.
// Two rules and the Scorer's B path keep this under 30 s on lavapipe.
const sgdM = example('sgd', { momentum: 0.9 });
describe('WebGPU scoring on task B', () => {
  it('SGD-momentum and AdamW score on B (MLP included) as on the CPU', async () => {
    const gb = await GpuSuite.create(device, B);
    try {
      const ps = [sgdM, example('adamw')];
      const fits = await scoreOnDevice(device, gb, ps);
      expect(lastRun).toEqual({ direct: 2, runtime: 0, failed: 0 });
      expectClose(ps, fits, 'on B', B);
    } finally { gb.dispose(); }
  }, 120_000);

  it('the Scorer scores A and B on the device, each key once', async () => {
    const scorer = await WebGpuScorer.create();
    try {
      const sgd = example('sgd');
      const out = await scorer.score([
        { key: 'A:x', suite: 'A', program: sgd }, { key: 'A:x', suite: 'A', program: sgd }, { key: 'B:y', suite: 'B', program: sgdM },
      ]);
      expect(out.size).toBe(2);
      expect(Math.abs(out.get('A:x')!.fitness - scoreProgram(sgd, A).fitness)).toBeLessThanOrEqual(TOL);
      expect(Math.abs(out.get('B:y')!.fitness - onCpu(sgdM, B).fitness)).toBeLessThanOrEqual(TOL);
      expect(lastRun).toEqual({ direct: 1, runtime: 0, failed: 0 }); // the B batch ran on the device
      expect(scorer.scored).toEqual({ A: 1, B: 1, C: 0 });
      expect(scorer.cpuFallbacks).toBe(0);
    } finally { await scorer.close(); }
  }, 60_000);
});
