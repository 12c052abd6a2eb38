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
import { HyperError, overrideHypers } from '../diag.js';
import { evalHost, stateInitValues, uniformBytes } from '../host/index.js';
import { codecOf, isMatrix, NotAMatrixError, shapeSize, type KernelModule } from '../codegen-wgsl/index.js';
import { writeF32 } from './buffers.js';
import { readBuffer } from './device.js';
import { numel, type MemoryReport, type OptimizerOptions, type StepReport, type TensorData, type TensorSpec } from './chunks.js';
import { MissingScalarError, MissingTensorError, OptcRuntimeError, ShapeError, UnknownStateError, UnknownTensorError } from './errors.js';
import type { Packed } from '../formats/index.js';
import { MatrixStages, type MatrixSpec, type MatrixTensor } from './matrix-stages.js';
import { anyNonFinite } from './matrix-guard.js';
import { loadCheckpoint, saveCheckpoint, type CheckpointTensor, type WriteOps } from '../checkpoint/index.js';
import { STATE_LAYOUT_VERSION } from './checkpoint-map.js';
import { createOptimizer, Optimizer } from './optimizer.js';

export async function createMatrixOptimizer(device: GPUDevice, module: KernelModule, params: Record<string, TensorSpec>,
  options: OptimizerOptions = {}): Promise<MatrixOptimizer> {
  const fb = module.fallback;
  const prefix = fb ? `${fb.name}.` : undefined;
  const split = (h: Record<string, number> = {}) => {
    const main: Record<string, number> = {}, theirs: Record<string, number> = {};
    for (const [k, v] of Object.entries(h)) { if (prefix && k.startsWith(prefix)) theirs[k.slice(prefix.length)] = v; else main[k] = v; }
    return { main, theirs };
  };
  const base = overrideHypers(module, Object.fromEntries(module.hypers.map((h) => [h.name, h.default])), split(options.hypers).main);
  // Parameter groups: group g + 1 of the matrices reads its own step values; the fallback's tensors get
  // the groups that name them, with the `NAME.h` overrides.
  const groups = options.groups ?? [];
  const groupOf = new Map<string, number>();
  groups.forEach((g, gi) => {
    for (const n of g.params) {
      if (!(n in params)) throw new UnknownTensorError(n, `parameter group ${gi} names unknown parameter '${n}'`);
      if (groupOf.has(n)) throw new ShapeError(n, `parameter '${n}' is in two parameter groups`);
      groupOf.set(n, gi + 1);
    }
  });
  const groupHypers = [base, ...groups.map((g) => overrideHypers(module, base, split(g.hypers).main))];
  const inits = groupHypers.map((h) => stateInitValues(module.host, h));
  const shapes = new Map<string, number[]>();
  const matrices: MatrixSpec[] = [];
  const others: Record<string, TensorSpec> = {};
  Object.entries(params).forEach(([name, spec], index) => {
    if (!Array.isArray(spec.shape) || spec.shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new ShapeError(name, `parameter '${name}': shape must be a list of non-negative integers, got ${JSON.stringify(spec.shape)}`);
    }
    const n = numel(spec.shape);
    if (spec.data && spec.data.length !== n) throw new ShapeError(name, `parameter '${name}': data has ${spec.data.length} elements, shape ${JSON.stringify(spec.shape)} has ${n}`);
    shapes.set(name, [...spec.shape]);
    if (isMatrix(spec.shape)) matrices.push({ name, index, group: groupOf.get(name) ?? 0, spec });
    else if (fb) others[name] = spec;
    else throw new NotAMatrixError(name, spec.shape, module.name);
  });
  const stages = new MatrixStages(device, module, matrices, inits);
  try {
    // Every variant is built now, so that a step never waits for a pipeline (TF.js's applyGradients is synchronous).
    await stages.prepareAll();
    const fbGroups = groups.map((g) => ({ params: g.params.filter((n) => n in others), hypers: split(g.hypers).theirs }));
    const fallback = Object.keys(others).length && fb ? await createOptimizer(device, fb.module, others, {
      ...options, hypers: split(options.hypers).theirs, groups: fbGroups.filter((g) => g.params.length),
    }) : undefined;
    // Group g + 1 of this optimizer is group fbGroupOf[g + 1] of the fallback's (groups naming none of its tensors are dropped there).
    const fbGroupOf = [0];
    let k = 0;
    for (const g of fbGroups) fbGroupOf.push(g.params.length ? ++k : -1);
    return new MatrixOptimizer(device, module, shapes, groupHypers, inits, stages, fallback, fbGroupOf);
  } catch (e) {
    stages.dispose();
    throw e;
  }
}

export class MatrixOptimizer extends Optimizer {
  private lastDispatches = 0;
  private guarding = false;

  constructor(device: GPUDevice, module: KernelModule, shapes: Map<string, number[]>, groupHypers: Record<string, number>[],
    groupInits: Record<string, number>[], readonly stages: MatrixStages, readonly fallback: Optimizer | undefined, private readonly fbGroupOf: number[]) {
    super(device, module, stages.tensors.map((t) => t.io), { shapes, groupHypers, groupInits, pipes: new Map() });
  }

  /** Dispatches (and buffer copies) of the last step: matrix stages, plus the fallback's. */
  override get dispatchesPerStep(): number { return this.lastDispatches; }

  override memory(): MemoryReport & { tempBytes: number } {
    const m = this.stages.memory();
    const f = this.fallback?.memory() ?? { paramBytes: 0, stateBytes: 0 };
    return { paramBytes: m.paramBytes + f.paramBytes, stateBytes: m.stateBytes + f.stateBytes, tempBytes: m.tempBytes };
  }

  override setHyper(name: string, value: number, group?: number): void {
    const fb = this.module.fallback;
    if (fb && name.startsWith(`${fb.name}.`)) {
      if (!this.fallback) { overrideHypers(fb.module, {}, { [name.slice(fb.name.length + 1)]: value }); return; }
      const g = group === undefined ? undefined : this.fbGroupOf[group];
      if (g === undefined && group !== undefined) throw new HyperError(name, `no parameter group ${group} (there are ${this.groupHypers.length - 1})`);
      if (g !== -1) this.fallback.setHyper(name.slice(fb.name.length + 1), value, g);
      return;
    }
    super.setHyper(name, value, group);
  }

  override step(grads: Record<string, TensorData>, inputs: Record<string, Record<string, TensorData>> = {},
    scalars: Record<string, number> = {}): Promise<StepReport> {
    this.live();
    const host = this.module.host;
    const declared = new Set([...(host.declaredScalars ?? []), ...(this.module.fallback?.module.host.declaredScalars ?? [])]);
    for (const k of Object.keys(scalars)) if (!declared.has(k)) throw new MissingScalarError(k, `unknown scalar input '${k}' for optimizer '${this.module.name}'; it declares: ${[...declared].join(', ') || '(none)'}`);
    for (const k of host.scalars ?? []) if (typeof scalars[k] !== 'number') throw new MissingScalarError(k, `missing scalar input '${k}': pass it as step(grads, inputs, { ${k}: ... })`);
    for (const k of Object.keys(grads)) if (!this.shapes.has(k)) throw new UnknownTensorError(k, `gradient for unknown parameter '${k}'; parameters: ${this.tensors.join(', ')}`);
    const sources: { dst: GPUBuffer; data: TensorData; n: number }[] = [];
    for (const t of this.stages.tensors) {
      for (const input of this.module.inputs) {
        if (!t.leaves.has(`in:${input}`)) continue;
        const data = input === 'g' ? grads[t.name] : inputs[input]?.[t.name];
        const label = input === 'g' ? `gradient of '${t.name}'` : `input '${input}' of '${t.name}'`;
        if (!data) throw new MissingTensorError(t.name, `missing ${label}`);
        const n = numel(t.shape);
        if (data instanceof Float32Array ? data.length !== n : data.size < 4 * n) {
          throw new ShapeError(t.name, `${label} has ${data instanceof Float32Array ? `${data.length} elements` : `${data.size} bytes`}, the parameter has ${n} elements (shape ${JSON.stringify(t.shape)})`);
        }
        sources.push({ dst: t.leaves.get(`in:${input}`)!, data, n });
      }
    }
    if (this.module.guard) {
      if (this.guarding) throw new OptcRuntimeError(`optimizer '${this.module.name}' runs with the non-finite guard: await each step() before the next`);
      // Every tensor's gradient and inputs, the fallback's too: a non-finite value anywhere skips the whole step.
      const all = [...sources, ...this.tensors.filter((n) => !this.stages.tensors.some((m) => m.name === n))
        .flatMap((n) => [grads[n], ...Object.values(inputs).map((per) => per[n])].flatMap((data) => (data ? [{ data, n: numel(this.shapes.get(n)!) }] : [])))];
      this.guarding = true;
      return anyNonFinite(this.device, this.module.name, all).then((bad) => (bad ? { t: this.stepCount, skipped: true } : this.launch(sources, grads, inputs, scalars)))
        .finally(() => { this.guarding = false; });
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
    let done: Promise<StepReport> | undefined;
    if (this.fallback) {
      const names = this.fallback.tensors;
      const fbInputs = Object.fromEntries(Object.entries(inputs).map(([k, per]) => [k, Object.fromEntries(names.filter((n) => per[n]).map((n) => [n, per[n]!]))]));
      const fbDeclared = new Set(this.fallback.module.host.declaredScalars ?? []);
      this.fallback.stepCount = this.stepCount;
      done = this.fallback.step(Object.fromEntries(names.filter((n) => grads[n]).map((n) => [n, grads[n]!])),
        Object.fromEntries(Object.entries(fbInputs).filter(([k]) => this.fallback!.module.inputs.includes(k))),
        Object.fromEntries(Object.entries(scalars).filter(([k]) => fbDeclared.has(k))));
      dispatches += this.fallback.dispatchesPerStep;
    }
    this.stepCount = t;
    vals.forEach((v, g) => { for (const u of host.stepStateUpdates ?? []) this.stepStates[g]![u.state] = v[u.value]!; });
    this.lastDispatches = dispatches;
    const report = { t, skipped: false };
    return done ? done.then(() => report) : Promise.resolve(report);
  }

  // A matrix's parameter and per-element states go through the runtime's tensor I/O (its one-piece chunk);
  // any other tensor's through the fallback's optimizer.
  override readParam(name: string): Promise<Float32Array> {
    return this.matrix(name) ? super.readParam(name) : this.fallbackFor(name).readParam(name);
  }

  override writeParam(name: string, data: Float32Array): void {
    if (this.matrix(name)) super.writeParam(name, data); else this.fallbackFor(name).writeParam(name, data);
  }

  override readParamPacked(name: string): Promise<Uint32Array> {
    return this.matrix(name) ? super.readParamPacked(name) : this.fallbackFor(name).readParamPacked(name);
  }

  override writeParamPacked(name: string, words: Uint32Array): void {
    if (this.matrix(name)) super.writeParamPacked(name, words); else this.fallbackFor(name).writeParamPacked(name, words);
  }

  override readStatePacked(state: string, name: string): Promise<Packed> {
    return this.matrix(name) ? super.readStatePacked(state, name) : this.fallbackFor(name).readStatePacked(state, name);
  }

  override writeStatePacked(state: string, name: string, pk: Packed): void {
    if (this.matrix(name)) super.writeStatePacked(state, name, pk); else this.fallbackFor(name).writeStatePacked(state, name, pk);
  }

  override paramRegions(name: string): { buffer: GPUBuffer; byteOffset: number; tensorByteOffset: number; bytes: number }[] {
    return this.matrix(name) ? super.paramRegions(name) : this.fallbackFor(name).paramRegions(name);
  }

  /** A state of one tensor; a matrix state has its own shape (`stateShape`), row-major. */
  override async readState(state: string, name: string): Promise<Float32Array> {
    const t = this.matrix(name);
    if (!t) return this.fallbackFor(name).readState(state, name);
    const own = this.matrixState(t, state);
    return own ? new Float32Array(await readBuffer(this.device, own.buffer, 4 * own.n)) : super.readState(state, name);
  }

  override writeState(state: string, name: string, data: Float32Array): void {
    const t = this.matrix(name);
    if (!t) { this.fallbackFor(name).writeState(state, name, data); return; }
    const own = this.matrixState(t, state);
    if (!own) { super.writeState(state, name, data); return; }
    if (data.length !== own.n) throw new ShapeError(name, `state '${state}' of '${name}': got ${data.length} elements, expected ${own.n}`);
    writeF32(this.device, own.buffer, 0, data);
  }

  /** A state of `t` with a shape of its own (`matrix(rows, rows)` …), which its chunk does not hold. */
  private matrixState(t: MatrixTensor, state: string): { buffer: GPUBuffer; n: number } | undefined {
    this.stateCheck(state);
    return t.io.states.has(state) || this.isStepState(state) ? undefined : this.stages.leaf(t, `st:${state}`);
  }

  /** The states a tensor holds: the program's for a matrix, the fallback rule's for any other tensor. */
  override statesOf(name: string): KernelModule['states'] {
    if (this.matrix(name)) return this.module.states;
    return this.fallbackFor(name).module.states;
  }

  /** The shape of a state of one tensor: the parameter's, or a matrix state's own ([short, rank] …). */
  stateShape(state: string, name: string): number[] {
    const t = this.matrix(name);
    if (!t) return this.shapes.get(name)!;
    const leaf = this.module.matrix!.schedule.leaves.find((l) => l.key === `st:${state}`);
    if (!leaf) throw new UnknownStateError(state, `optimizer '${this.module.name}' has no matrix state '${state}'`);
    return leaf.shape[0] === 'rows' && leaf.shape[1] === 'cols' ? t.shape : shapeSize(leaf.shape, t.view);
  }

  override async read(): Promise<{ params: Record<string, Float32Array>; state: Record<string, Record<string, Float32Array>> }> {
    const params: Record<string, Float32Array> = {};
    const state: Record<string, Record<string, Float32Array>> = {};
    for (const name of this.tensors) {
      params[name] = await this.readParam(name);
      for (const s of this.statesOf(name)) (state[s.name] ??= {})[name] = await this.readState(s.name, name);
    }
    return { params, state };
  }

  /**
   * A checkpoint file (docs/checkpoints.md) of every tensor's parameter and the states it holds: a matrix
   * state at its own shape, a compressed state as stored (codes and scales), the fallback's states for its
   * tensors; hyperparameters include the fallback's as `NAME.h`.
   */
  override async save(file: string, options: { params?: boolean; ops?: WriteOps } = {}): Promise<void> {
    await this.sync();
    const tensors = await this.snapshot(options.params !== false);
    await saveCheckpoint(file, { ...this.checkpointHeader(tensors), hypers: this.allHypers() }, options.ops ? { ops: options.ops } : {});
  }

  /** Restores what `save` wrote, validated whole first (a file that fails leaves the optimizer untouched). */
  override async load(file: string): Promise<void> {
    this.live();
    const now = await this.snapshot(false);
    const want = Object.fromEntries(Object.entries(now).map(([k, t]) => [k, { dtype: t.dtype as 'F32' | 'U32', shape: t.shape }]));
    const ck = await loadCheckpoint(file, {
      optimizer: this.module.name, programHash: this.module.programHash, formatVersion: STATE_LAYOUT_VERSION,
      hypers: Object.keys(this.allHypers()), tensors: want, allowExtraTensors: true,
    });
    for (const n of this.tensors) {
      const t = ck.tensors[`param/${n}`];
      if (t && (t.dtype !== 'F32' || t.shape.join() !== this.shapes.get(n)!.join())) throw new ShapeError(n, `checkpoint parameter '${n}' is ${t.dtype}${JSON.stringify(t.shape)}, expected F32${JSON.stringify(this.shapes.get(n))}`);
    }
    const fb = this.module.fallback;
    const main = Object.fromEntries(Object.entries(ck.hypers).filter(([k]) => !fb || !k.startsWith(`${fb.name}.`)));
    const hypers = overrideHypers(this.module, this.groupHypers[0]!, main);
    // Validated: from here on nothing can fail.
    for (const n of this.tensors) {
      const p = ck.tensors[`param/${n}`];
      if (p) this.writeParam(n, p.data as Float32Array);
      for (const s of this.statesOf(n)) {
        if (s.space === 'step') continue;
        const key = `state/${s.name}/${n}`;
        if (!ck.tensors[`${key}/codes`]) { this.writeState(s.name, n, ck.tensors[key]!.data as Float32Array); continue; }
        this.writeStatePacked(s.name, n, { words: ck.tensors[`${key}/codes`]!.data as Uint32Array, scales: (ck.tensors[`${key}/scales`]?.data as Float32Array | undefined) ?? new Float32Array(0) });
      }
    }
    for (const [g, states] of this.stepStates.entries()) {
      for (const st of Object.keys(states)) states[st] = new Float64Array(new Uint32Array(ck.tensors[`stepstate/${st}/${g}`]!.data as Uint32Array).buffer)[0]!;
    }
    this.groupHypers[0] = hypers;
    if (fb && this.fallback) for (const [k, v] of Object.entries(ck.hypers)) if (k.startsWith(`${fb.name}.`)) this.fallback.setHyper(k.slice(fb.name.length + 1), v);
    this.stepCount = ck.step;
  }

  /** The hyperparameters of group 0, the fallback's as `NAME.h`. */
  private allHypers(): Record<string, number> {
    const fb = this.module.fallback;
    const theirs = this.fallback ? Object.fromEntries(Object.entries(this.fallback.hypers).map(([k, v]) => [`${fb!.name}.${k}`, v])) : {};
    return { ...this.groupHypers[0]!, ...theirs };
  }

  /** Every checkpoint tensor as it is now (parameters only with `params`). */
  private async snapshot(params: boolean): Promise<Record<string, CheckpointTensor>> {
    const out: Record<string, CheckpointTensor> = {};
    for (const name of this.tensors) {
      const shape = this.shapes.get(name)!;
      if (params) out[`param/${name}`] = { dtype: 'F32', shape, data: await this.readParam(name) };
      for (const s of this.statesOf(name)) {
        if (s.space === 'step') continue;
        const key = `state/${s.name}/${name}`;
        if (codecOf(s.format)) {
          const pk = await this.readStatePacked(s.name, name);
          out[`${key}/codes`] = { dtype: 'U32', shape: [pk.words.length], data: pk.words };
          if (pk.scales.length) out[`${key}/scales`] = { dtype: 'F32', shape: [pk.scales.length], data: pk.scales };
          continue;
        }
        const data = await this.readState(s.name, name);
        const own = this.matrix(name) ? this.stateShape(s.name, name) : shape;
        out[key] = { dtype: 'F32', shape: own.reduce((a, b) => a * b, 1) === data.length ? own : [data.length], data };
      }
    }
    for (const [g, states] of this.stepStates.entries()) {
      for (const [st, v] of Object.entries(states)) out[`stepstate/${st}/${g}`] = { dtype: 'U32', shape: [2], data: new Uint32Array(new Float64Array([v]).buffer) };
    }
    return out;
  }

  override dispose(): void {
    super.dispose();
    this.stages.dispose();
    this.fallback?.dispose();
  }

  private matrix(name: string): MatrixTensor | undefined {
    this.live();
    if (!this.shapes.has(name)) throw new UnknownTensorError(name, `unknown parameter '${name}'; parameters: ${this.tensors.join(', ')}`);
    return this.stages.tensors.find((t) => t.name === name);
  }

  private fallbackFor(name: string): Optimizer {
    if (!this.fallback) throw new UnknownTensorError(name, `unknown parameter '${name}'; parameters: ${this.tensors.join(', ')}`);
    return this.fallback;
  }
}
