// A matrix program's module bound to tensors (docs/matrix.md, "On the GPU"): what `createOptimizer` returns
// for a module with matrix stages. The same Optimizer API — step, read/write by tensor name, hypers, memory,
// param regions for framework adapters — over two kinds of tensor: the matrices (two dimensions), which
// run the module's matrix stages (matrix-stages.ts), and every other tensor, which runs the module's
// fallback rule through an ordinary Optimizer of the fallback's own module (hypers `NAME.h`). A module
// with matrix stages and no fallback refuses a tensor that is not a matrix (NotAMatrixError).
//
// Per step: the host program gives the step values; they decide the variant (an `every k` refresh or not)
// and are written into the stages' step buffer through the module's uniform layout; gradients and inputs
// are copied into each matrix's leaves; every stage of every matrix is recorded into one command buffer;
// then the fallback's step runs.
import { overrideHypers } from '../diag.js';
import { evalHost, stateInitValues, uniformBytes } from '../host/index.js';
import { isMatrix, NotAMatrixError, splitHypers, type KernelModule } from '../codegen-wgsl/index.js';
import { writeF32 } from './buffers.js';
import { checkSpec, groupsOf, numel, type MemoryReport, type OptimizerOptions, type StepReport, type TensorData, type TensorSpec } from './chunks.js';
import { MatrixStages, type MatrixSpec } from './matrix-stages.js';
import { anyNonFinite } from './matrix-guard.js';
import { createOptimizer, Optimizer, writeInitial } from './optimizer.js';
import type { TensorIO } from './tensor-io.js';

export async function createMatrixOptimizer(device: GPUDevice, module: KernelModule, params: Record<string, TensorSpec>,
  options: OptimizerOptions = {}): Promise<MatrixOptimizer> {
  const fb = module.fallback;
  const split = (h?: Record<string, number>) => splitHypers(module, h);
  const base = overrideHypers(module, Object.fromEntries(module.hypers.map((h) => [h.name, h.default])), split(options.hypers).main);
  // Parameter groups: group g + 1 of the matrices reads its own step values; the fallback's tensors get
  // the groups that name them, with the `NAME.h` overrides.
  const groups = options.groups ?? [];
  const groupOf = groupsOf(params, groups);
  const groupHypers = [base, ...groups.map((g) => overrideHypers(module, base, split(g.hypers).main))];
  const inits = groupHypers.map((h) => stateInitValues(module.host, h));
  const shapes = new Map<string, number[]>();
  const matrices: MatrixSpec[] = [];
  const others: Record<string, TensorSpec> = {};
  Object.entries(params).forEach(([name, spec], index) => {
    checkSpec(name, spec);
    shapes.set(name, [...spec.shape]);
    if (isMatrix(spec.shape)) matrices.push({ name, index, group: groupOf.get(name) ?? 0, spec });
    else if (fb) others[name] = spec;
    else throw new NotAMatrixError(name, spec.shape, module.name);
  });
  const stages = new MatrixStages(device, module, matrices);
  let fallback: Optimizer | undefined;
  try {
    // Every variant is built now, so that a step never waits for a pipeline (TF.js's applyGradients is synchronous).
    await stages.prepareAll();
    // The fallback gets every group, those naming none of its tensors too: group g is group g of both optimizers.
    fallback = Object.keys(others).length && fb ? await createOptimizer(device, fb.module, others, {
      ...options, hypers: split(options.hypers).fallback,
      groups: groups.map((g) => ({ params: g.params.filter((n) => n in others), hypers: split(g.hypers).fallback })),
    }) : undefined;
    const opt = new MatrixOptimizer(device, module, shapes, groupHypers, inits, stages, fallback);
    // A matrix state's fill is at its own shape.
    const states = module.states.filter((x) => x.space !== 'step');
    for (const { name, group, spec } of matrices) writeInitial(opt, name, spec, states, inits[group]!);
    return opt;
  } catch (e) {
    // Whatever was built before the failure (writeInitial runs after the fallback exists) is freed.
    fallback?.dispose();
    stages.dispose();
    throw e;
  }
}

export class MatrixOptimizer extends Optimizer {
  private lastDispatches = 0;

  constructor(device: GPUDevice, module: KernelModule, shapes: Map<string, number[]>, groupHypers: Record<string, number>[],
    groupInits: Record<string, number>[], readonly stages: MatrixStages, readonly fallback: Optimizer | undefined) {
    super(device, module, stages.tensors.map((t) => t.io), { shapes, groupHypers, groupInits, pipes: new Map(), side: stages });
  }

  /** Dispatches (and buffer copies) of the last step: matrix stages, plus the fallback's. */
  override get dispatchesPerStep(): number { return this.lastDispatches; }

  override memory(): MemoryReport & { tempBytes: number } {
    const [own, m, f] = [super.memory(), this.stages.memory(), this.fallback?.memory() ?? { paramBytes: 0, stateBytes: 0 }];
    return { paramBytes: own.paramBytes + f.paramBytes, stateBytes: own.stateBytes + m.stateBytes + f.stateBytes, tempBytes: m.tempBytes };
  }

  override setHyper(name: string, value: number, group?: number): void {
    const fb = this.module.fallback;
    if (!fb || !name.startsWith(`${fb.name}.`)) return super.setHyper(name, value, group);
    const h = name.slice(fb.name.length + 1);
    // With no tensor of its own the fallback has no optimizer: the name and value are only checked.
    if (this.fallback) this.fallback.setHyper(h, value, group);
    else overrideHypers(fb.module, {}, { [h]: value });
  }

  override step(grads: Record<string, TensorData>, inputs: Record<string, Record<string, TensorData>> = {},
    scalars: Record<string, number> = {}): Promise<StepReport> {
    const fb = this.module.fallback?.module;
    const declared = [...(this.module.host.declaredScalars ?? []), ...(fb?.host.declaredScalars ?? [])];
    this.checkStepArgs(grads, inputs, scalars, declared, [...this.module.inputs, ...(fb?.inputs ?? [])]);
    const sources = this.stages.tensors.flatMap((t) => this.module.inputs.filter((input) => t.leaves.has(`in:${input}`)).map((input) => {
      const data = this.tensorInput(input === 'g' ? grads : inputs[input] ?? {}, input, t.name);
      return { dst: t.leaves.get(`in:${input}`)!, data, n: numel(t.shape) };
    }));
    if (this.module.guard) {
      // Every tensor's gradient and inputs, the fallback's too: a non-finite value anywhere skips the whole step.
      const all = [...sources, ...this.tensors.filter((n) => !this.stages.tensors.some((m) => m.name === n))
        .flatMap((n) => [grads[n], ...Object.values(inputs).map((per) => per[n])].flatMap((data) => (data ? [{ data, n: numel(this.shapes.get(n)!) }] : [])))];
      this.pendingGuard = true;
      return anyNonFinite(this.device, this.module.name, all).then((bad) => (bad ? { t: this.stepCount, skipped: true } : this.launch(sources, grads, inputs, scalars)))
        .finally(() => { this.pendingGuard = false; });
    }
    return this.launch(sources, grads, inputs, scalars);
  }

  /** The step itself, once the inputs are checked. */
  private launch(sources: { dst: GPUBuffer; data: TensorData; n: number }[], grads: Record<string, TensorData>,
    inputs: Record<string, Record<string, TensorData>>, scalars: Record<string, number>): Promise<StepReport> {
    const host = this.module.host;
    const t = this.stepCount + 1;
    const vals = this.groupHypers.map((h, g) => evalHost(host, h, t, { scalars, states: this.stepStates[g] }));
    const variants = vals.map((v) => this.stages.variantOf(v));
    vals.forEach((v, g) => { if (this.stages.steps[g]) this.device.queue.writeBuffer(this.stages.steps[g]!, 0, uniformBytes(this.module.uniforms, v, {}, t)); });
    const enc = this.device.createCommandEncoder({ label: `${this.module.name} step ${t}` });
    for (const s of sources) {
      if (s.data instanceof Float32Array) writeF32(this.device, s.dst, 0, s.data);
      else enc.copyBufferToBuffer(s.data, 0, s.dst, 0, 4 * s.n);
    }
    let dispatches = this.stages.encode(enc, (x) => variants[x.group]!);
    this.device.queue.submit([enc.finish()]);
    let done: Promise<unknown> = Promise.resolve();
    const fb = this.fallback;
    if (fb) {
      // The fallback's own tensors, inputs and scalars.
      const own = (per: Record<string, TensorData>) => Object.fromEntries(fb.tensors.filter((n) => per[n]).map((n) => [n, per[n]!]));
      const declared = fb.module.host.declaredScalars ?? [];
      fb.stepCount = this.stepCount;
      done = fb.step(own(grads), Object.fromEntries(fb.module.inputs.filter((k) => inputs[k]).map((k) => [k, own(inputs[k]!)])),
        Object.fromEntries(Object.entries(scalars).filter(([k]) => declared.includes(k))));
      dispatches += fb.dispatchesPerStep;
    }
    this.stepCount = t;
    vals.forEach((v, g) => { for (const u of host.stepStateUpdates ?? []) this.stepStates[g]![u.state] = v[u.value]!; });
    this.lastDispatches = dispatches;
    return done.then(() => ({ t, skipped: false }));
  }

  /**
   * A matrix's parameter and states go through this optimizer's tensor I/O (its one-piece chunk, its own-shape
   * states in the stages); any other tensor, which has no piece here, through the fallback's optimizer.
   */
  protected override ioOf(name: string): TensorIO { return this.piecesOf(name).length ? this : this.fallback!; }

  /** Checkpoints hold group 0's hyperparameters, the fallback's as `NAME.h`. */
  protected override checkpointHypers(): Record<string, number> {
    const fb = this.module.fallback;
    const theirs = this.fallback ? Object.fromEntries(Object.entries(this.fallback.hypers).map(([k, v]) => [`${fb!.name}.${k}`, v])) : {};
    return { ...this.groupHypers[0]!, ...theirs };
  }

  protected override restoreHypers(h: Record<string, number>): () => void {
    const split = splitHypers(this.module, h);
    const commit = super.restoreHypers(split.main);
    return () => {
      commit();
      for (const [k, v] of Object.entries(split.fallback)) this.fallback?.setHyper(k, v);
    };
  }

  override dispose(): void {
    super.dispose();
    this.stages.dispose();
    this.fallback?.dispose();
  }
}
