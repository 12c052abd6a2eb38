// The playground's Run: least-squares regression trained by the edited optimizer. The optimizer's step runs
// on the page's WebGPU device with the compiled kernels; the same trajectory runs on the IR interpreter (the
// compiler's oracle), each path computing its gradient from its own parameters. The loss of the GPU path
// is plotted live and the largest |GPU - interpreter| over the parameters is shown after every step.
import { createOptimizer, ir, type Compiled } from '../../src/browser.js';

/** X (n × d, last column 1 for the bias) · W (d × k) ≈ Y. */
export interface Problem { n: number; d: number; k: number; x: Float64Array; y: Float64Array; w0: Float32Array }

/** Deterministic normals (mulberry32 + Box-Muller): the same problem on every page load. */
function normals(seed: number, count: number): Float64Array {
  let a = seed >>> 0;
  const u = () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296; };
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

export function makeProblem(n = 256, features = 32, k = 8): Problem {
  const d = features + 1;
  const z = normals(7, n * features + d * k + n * k + d * k);
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) { for (let j = 0; j < features; j++) x[i * d + j] = z[i * features + j]!; x[i * d + features] = 1; }
  const wTrue = z.subarray(n * features, n * features + d * k);
  const noise = z.subarray(n * features + d * k, n * features + d * k + n * k);
  const y = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[i * d + j]! * wTrue[j * k + c]!;
    y[i * k + c] = s + 0.1 * noise[i * k + c]!;
  }
  const w0 = Float32Array.from(z.subarray(n * features + d * k + n * k), (v) => 0.1 * v);
  return { n, d, k, x, y, w0 };
}

/** Loss 0.5·mean((XW − Y)²) and its gradient (float64 math, an f32 gradient as the optimizer takes). */
export function lossAndGrad(p: Problem, w: Float32Array): { loss: number; grad: Float32Array } {
  const { n, d, k, x, y } = p;
  const r = new Float64Array(n * k);
  let loss = 0;
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) {
    let s = -y[i * k + c]!;
    for (let j = 0; j < d; j++) s += x[i * d + j]! * w[j * k + c]!;
    r[i * k + c] = s;
    loss += s * s;
  }
  const grad = new Float32Array(d * k);
  for (let j = 0; j < d; j++) for (let c = 0; c < k; c++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i * d + j]! * r[i * k + c]!;
    grad[j * k + c] = s / (n * k);
  }
  return { loss: (0.5 * loss) / (n * k), grad };
}

export interface StepInfo { t: number; loss: number; interpLoss: number; maxDiff: number; ms: number }

/** A compiled program Run can train: elementwise kernels or matrix stages, both from compile(). */
export type Runnable = { kind: 'kernels' | 'matrix'; c: Compiled };

/** Why Run cannot train this program, or undefined when it can. */
export function cannotRun(r: Runnable): string | undefined {
  const extra = r.c.program.inputs.map((i) => i.name).filter((i) => i !== 'g');
  if (extra.length) return `Run feeds only the gradient g; this optimizer also reads ${extra.join(', ')}`;
  if (r.c.module.host.scalars?.length) return `Run feeds no per-step scalars; this optimizer needs ${r.c.module.host.scalars.join(', ')}`;
  return undefined;
}

/** The GPU side of a run, whichever runtime steps it. */
interface Stepper { step(g: Float32Array): Promise<void>; read(): Promise<Float32Array>; dispose(): void }

async function stepper(device: GPUDevice, r: Runnable, shape: number[], w0: Float32Array, hypers: Record<string, number>): Promise<Stepper> {
  const o = await createOptimizer(device, r.c.module, { w: { shape, data: Float32Array.from(w0) } }, { hypers });
  return { step: async (g) => { await o.step({ w: g }); }, read: () => o.readParam('w'), dispose: () => o.dispose() };
}

export async function train(device: GPUDevice, r: Runnable, steps: number, hypers: Record<string, number>,
  onStep: (s: StepInfo) => void | Promise<void>, problem = makeProblem()): Promise<StepInfo[]> {
  const shape = [problem.d, problem.k];
  const opt = await stepper(device, r, shape, problem.w0, hypers);
  const program = r.c.program;
  let tio: ir.TensorIO = { name: 'w', index: 0, shape, param: Float32Array.from(problem.w0), inputs: {}, states: ir.initStates(program, problem.w0.length, hypers, shape) };
  const out: StepInfo[] = [];
  try {
    let w = await opt.read();
    for (let t = 1; t <= steps; t++) {
      const t0 = performance.now();
      const gpu = lossAndGrad(problem, w);
      await opt.step(gpu.grad);
      w = await opt.read();
      const ms = performance.now() - t0;
      const cpu = lossAndGrad(problem, tio.param);
      const [r] = ir.interpretTensors(program, { t, hypers, tensors: [{ ...tio, inputs: { g: cpu.grad } }] });
      tio = { ...tio, param: r!.param, states: r!.states, ...(r!.packed ? { packed: r!.packed } : {}), ...(r!.stepStates ? { stepStates: r!.stepStates } : {}) };
      let maxDiff = 0;
      for (let i = 0; i < w.length; i++) maxDiff = Math.max(maxDiff, Math.abs(w[i]! - tio.param[i]!));
      const info = { t, loss: gpu.loss, interpLoss: cpu.loss, maxDiff, ms };
      out.push(info);
      await onStep(info);
    }
    return out;
  } finally {
    opt.dispose();
  }
}
