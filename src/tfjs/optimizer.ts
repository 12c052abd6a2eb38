// A compiled optimizer as a TF.js optimizer: `model.compile({ optimizer })`, `model.fit`, `minimize`.
//
// How the data stays on the GPU (TF.js's WebGPU backend, on its own GPUDevice):
// - At `bind`, each variable is given a GPUBuffer of ours (exactly 4 * size bytes, as TF.js needs for a
//   zero-copy tensor), filled by a GPU copy of its value, wrapped with `zeroCopy` and adopted through
//   `variable.assign` — the variable now reads and writes our buffer, and no other tensor shares it.
// - The runtime packs all variables into one parameter buffer per chunk, so each kernel is one dispatch per
//   step for the whole model. Per step: TF.js's recorded work (the backward pass) is submitted first; the
//   runtime copies the gradients' buffers into its packed input and dispatches its kernels; then the packed
//   parameters are copied back into the variables' buffers, and TF.js's CPU caches of them are dropped.
//   Every copy is GPU to GPU; the host reads nothing.
// - A variable someone re-assigns (`model.setWeights`, loading weights) is adopted again on the next step,
//   its new value copied in on the GPU.
// - Matrix programs (Muon, Shampoo, GaLore: docs/matrix.md) take the same path: `compile()` schedules their
//   matrix stages and `createOptimizer` binds them per tensor shape, the biases to the fallback rule.
import * as tf from '@tensorflow/tfjs-core';
import { compile, type Compiled } from '../compile.js';
import type { KernelModule } from '../codegen-wgsl/index.js';
import { overrideHypers } from '../diag.js';
import { createOptimizer, type Optimizer } from '../runtime/optimizer.js';
import { copyParams } from '../runtime/param-copy.js';
import { MissingTensorError, OptcRuntimeError, UnknownTensorError, UnsupportedError } from '../runtime/errors.js';
import { bufferOf, flushTfjs, invalidateCpuCopy, webgpuBackend, type WebGpuBackend } from './backend.js';
import { fromNamedTensors, readWeights, toNamedTensors, writeWeights, type HostWeight, type NamedTensor } from './weights.js';

/** A tf.Variable, or a tfjs-layers LayerVariable (`model.trainableWeights`), whose `read()` is one. */
export type VariableLike = tf.Variable | { read(): tf.Tensor };

export interface TfjsOptimizerOptions {
  /** Shown in diagnostics (`file:line:col`) and kept in the saved config. */
  file?: string;
  /** Hyperparameter values (the source's defaults otherwise). */
  hypers?: Record<string, number>;
  /** Values for the source's `const` declarations. */
  consts?: Record<string, number>;
  /**
   * Hyperparameters as functions of the step t about to run (1, 2, …): evaluated on the host before each step
   * and passed to the kernels as hyperparameter values, so a schedule never recompiles.
   */
  schedules?: Record<string, (t: number) => number>;
}

/** The optimizer was used before `bind` gave it its variables. */
export class UnboundOptimizerError extends OptcRuntimeError {}

interface Home { v: tf.Variable; buffer: GPUBuffer; dataId: object }

/** What the saved config holds; stored base64-encoded (see getConfig). */
interface SavedConfig { source: string; file?: string; hypers: Record<string, number>; consts?: Record<string, number> }

export class OptcOptimizer extends tf.Optimizer {
  static className = 'OptcOptimizer';
  readonly compiled: Compiled;
  private hyperValues: Record<string, number>;
  private runtime?: Optimizer;
  private backendRef?: WebGpuBackend;
  private homes: Home[] = [];
  /** Weights `setWeights` received before `bind`; applied by `bind`. */
  private pending?: HostWeight[];
  private disposedFlag = false;

  constructor(readonly source: string, private readonly options: TfjsOptimizerOptions = {}) {
    super();
    this.compiled = compile(source, { ...(options.file ? { file: options.file } : {}), ...(options.consts ? { consts: options.consts } : {}) });
    const m = this.compiled.module;
    if (m.guard) throw new UnsupportedError(`optimizer '${m.name}' has a non-finite guard, whose skip flag is read back each step; the TF.js adapter takes optimizers without one`);
    if (m.param) throw new UnsupportedError(`optimizer '${m.name}' stores parameters as ${m.param.kind}; TF.js variables are float32`);
    if (m.entries || (m.host.scalars ?? []).length) throw new UnsupportedError(`optimizer '${m.name}' needs per-step inputs or entry points beyond gradients; TF.js's applyGradients passes gradients only`);
    const defaults = Object.fromEntries(m.hypers.map((h) => [h.name, h.default]));
    this.hyperValues = withHypers(m, defaults, options.hypers ?? {});
    for (const h of Object.keys(options.schedules ?? {})) withHypers(m, defaults, { [h]: 0 });
  }

  /** The optimizer's name in its `.opt` source. */
  get name(): string { return this.compiled.module.name; }

  /** The variables this optimizer updates, in bound order. */
  get variables(): tf.Variable[] { return this.homes.map((h) => h.v); }

  /** Current hyperparameter values. */
  get hypers(): Record<string, number> { return { ...this.hyperValues }; }

  /** Sets a hyperparameter from the next step on (a learning-rate schedule, say); never recompiles. */
  setHyper(name: string, value: number): void {
    this.hyperValues = withHypers(this.compiled.module, this.hyperValues, { [name]: value });
    this.runtime?.setHyper(name, value);
  }

  /** Steps taken (the step count t the kernels saw last). */
  get step(): number { return this.runtime?.stepCount ?? 0; }

  /** Kernel dispatches per step for all bound variables together. */
  get dispatchesPerStep(): number { return this.bound().dispatchesPerStep; }

  /** Bytes of optimizer state on the device, and the number of parameters it serves. */
  memory(): { stateBytes: number; params: number } {
    return { stateBytes: this.bound().memory().stateBytes, params: this.homes.reduce((s, h) => s + h.v.size, 0) };
  }

  /**
   * Gives the optimizer its variables (every one must then receive a gradient at each step): allocates state,
   * packs the parameters, builds the pipelines, adopts each variable's storage. Call it once, after the
   * model is built and before training; a model loaded with its optimizer needs it too
   * (`await (model.optimizer as OptcOptimizer).bind(model.trainableWeights)`).
   */
  async bind(variables: readonly VariableLike[]): Promise<this> {
    if (this.disposedFlag) throw new OptcRuntimeError(`optimizer '${this.name}' was disposed`);
    if (this.runtime) throw new OptcRuntimeError(`optimizer '${this.name}' is already bound to ${this.homes.length} variables`);
    const b = webgpuBackend();
    const vars = variables.map((x) => ('read' in x && typeof x.read === 'function' ? x.read() : x) as tf.Variable);
    const seen = new Set<string>();
    for (const v of vars) {
      if (typeof v.assign !== 'function') throw new UnsupportedError(`'${v.name ?? v}' is not a variable (tf.Variable or a layer's weight)`);
      if (seen.has(v.name)) throw new UnknownTensorError(v.name, `variable '${v.name}' is listed twice`);
      if (v.dtype !== 'float32') throw new UnsupportedError(`variable '${v.name}' is ${v.dtype}; optc updates float32 variables`);
      if (v.size === 0) throw new UnsupportedError(`variable '${v.name}' has no elements`);
      seen.add(v.name);
    }
    const runtime = await createOptimizer(b.device, this.compiled.module,
      Object.fromEntries(vars.map((v) => [v.name, { shape: [...v.shape] }])), { hypers: this.hyperValues });
    this.backendRef = b;
    this.runtime = runtime;
    this.homes = vars.map((v) => this.adopt(v));
    const enc = b.device.createCommandEncoder({ label: `optc ${this.name} bind` });
    copyParams(runtime, enc, Object.fromEntries(this.homes.map((h) => [h.v.name, h.buffer])), 'in');
    b.device.queue.submit([enc.finish()]);
    if (this.pending) {
      await writeWeights(runtime, this.names(), this.pending);
      runtime.stepCount = this.iterations;
      this.pending = undefined;
    }
    return this;
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const runtime = this.bound();
    const b = this.backendRef!;
    const grads = gatherGradients(b, this.name, this.homes, variableGradients, (h) => { if (h.v.dataId !== h.dataId) this.readopt(h); });
    // The gradients are results of work TF.js has recorded but maybe not submitted.
    flushTfjs(b);
    const t = runtime.stepCount + 1;
    for (const [h, f] of Object.entries(this.options.schedules ?? {})) this.setHyper(h, f(t));
    void runtime.step(grads);
    const enc = b.device.createCommandEncoder({ label: `optc ${this.name} params out` });
    copyParams(runtime, enc, Object.fromEntries(this.homes.map((h) => [h.v.name, h.buffer])), 'out');
    b.device.queue.submit([enc.finish()]);
    for (const h of this.homes) invalidateCpuCopy(b, h.dataId);
    this.incrementIterations();
  }

  /** `iter`, then the state tensors (see weights.ts): what `model.save({ includeOptimizer: true })` stores. */
  override async getWeights(): Promise<NamedTensor[]> {
    const runtime = this.bound();
    this.iterations_ = runtime.stepCount;
    return [await this.saveIterations(), ...toNamedTensors(await readWeights(runtime, this.names()))];
  }

  /** Restores what getWeights saved; before `bind`, kept until `bind`. */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await fromNamedTensors(await this.extractIterations(weightValues));
    if (this.runtime) {
      await writeWeights(this.runtime, this.names(), rest);
      this.runtime.stepCount = this.iterations_;
    } else {
      this.pending = rest;
    }
  }

  /**
   * The saved config: the source and the hyperparameters. tfjs-layers camel-cases every key and every string
   * of a loaded optimizer config (`weight_decay` becomes `weightDecay`, in the source too), so it travels as
   * one base64 string, which has no underscores.
   */
  getConfig(): tf.serialization.ConfigDict {
    const saved: SavedConfig = { source: this.source, hypers: this.hyperValues, ...(this.options.file ? { file: this.options.file } : {}), ...(this.options.consts ? { consts: this.options.consts } : {}) };
    return { optc: toBase64(JSON.stringify(saved)) };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    const saved = JSON.parse(fromBase64(String(config.optc))) as SavedConfig;
    const Ctor = cls as unknown as new (source: string, options: TfjsOptimizerOptions) => T;
    return new Ctor(saved.source, { hypers: saved.hypers, ...(saved.file ? { file: saved.file } : {}), ...(saved.consts ? { consts: saved.consts } : {}) });
  }

  /**
   * Frees the state and our variable buffers. Variables still alive keep their values: each is moved back to
   * a TF.js-owned copy first.
   */
  override dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    this.runtime?.dispose();
    for (const h of this.homes) this.release(h);
    this.homes = [];
    super.dispose();
  }

  private names(): string[] { return this.homes.map((h) => h.v.name); }

  private bound(): Optimizer {
    if (this.disposedFlag) throw new OptcRuntimeError(`optimizer '${this.name}' was disposed`);
    if (!this.runtime) throw new UnboundOptimizerError(`optimizer '${this.name}' has no variables yet: \`await optimizer.bind(model.trainableWeights)\` before training`);
    return this.runtime;
  }

  /** A buffer of ours for `v`, filled from its current value on the GPU and adopted by `v.assign`. */
  private adopt(v: tf.Variable, reuse?: GPUBuffer): Home {
    const b = this.backendRef!;
    const bytes = v.size * 4;
    const src = bufferOf(b, v, `variable '${v.name}'`);
    flushTfjs(b);
    const buffer = reuse ?? b.device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, label: `optc ${v.name}` });
    const enc = b.device.createCommandEncoder({ label: `optc adopt ${v.name}` });
    enc.copyBufferToBuffer(src, 0, buffer, 0, bytes);
    b.device.queue.submit([enc.finish()]);
    const wrapped = tf.tensor({ buffer, zeroCopy: true }, v.shape, 'float32');
    v.assign(wrapped);
    wrapped.dispose();
    return { v, buffer, dataId: v.dataId };
  }

  /** `v` was re-assigned since the last step: adopt its new value and load it into the packed parameters. */
  private readopt(h: Home): void {
    const b = this.backendRef!;
    flushTfjs(b); // TF.js frees data whose last reader is still unsubmitted only when it submits
    // Our old buffer may still back tensors that share the old value (a clone); they keep a TF.js copy.
    const stillShared = b.tensorMap.has(h.dataId);
    if (stillShared) this.release(h);
    const fresh = this.adopt(h.v, stillShared ? undefined : h.buffer);
    h.buffer = fresh.buffer;
    h.dataId = fresh.dataId;
    const enc = b.device.createCommandEncoder({ label: `optc reload ${h.v.name}` });
    copyParams(this.runtime!, enc, { [h.v.name]: h.buffer }, 'in');
    b.device.queue.submit([enc.finish()]);
  }

  /** Hands `h`'s data back to TF.js (a pooled copy under the same dataId) and destroys our buffer. */
  private release(h: Home): void {
    const b = this.backendRef!;
    flushTfjs(b);
    const d = b.tensorMap.get(h.dataId);
    if (d && d.resource === h.buffer) {
      d.resource = b.copyBuffer(h.buffer);
      d.external = false;
    }
    h.buffer.destroy();
  }
}

tf.serialization.registerClass(OptcOptimizer);

/**
 * Compiles `source` and binds it to `variables` (e.g. `model.trainableWeights`) on TF.js's WebGPU device.
 * The result goes to `model.compile({ optimizer })` or `optimizer.minimize(f)`.
 */
export async function createTfjsOptimizer(source: string, variables: readonly VariableLike[], options: TfjsOptimizerOptions = {}): Promise<OptcOptimizer> {
  return new OptcOptimizer(source, options).bind(variables);
}

/** Matrix programs need nothing else: the names of the interim matrix adapter, kept. */
export const OptcMatrixOptimizer = OptcOptimizer;
export const createTfjsMatrixOptimizer = createTfjsOptimizer;

/**
 * The gradients' GPU buffers by variable name, for every bound variable (`homes`): a gradient for a variable
 * not bound is an UnknownTensorError, a bound variable without one a MissingTensorError. `each` runs per
 * bound variable first (re-adopting one that was re-assigned).
 */
export function gatherGradients<H extends { v: tf.Variable }>(b: WebGpuBackend, optimizer: string, homes: readonly H[],
  variableGradients: tf.NamedTensorMap | NamedTensor[], each?: (h: H) => void): Record<string, GPUBuffer> {
  const list = Array.isArray(variableGradients) ? variableGradients : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
  const byName = new Map(list.map((g) => [g.name, g.tensor]));
  for (const name of byName.keys()) {
    if (!homes.some((h) => h.v.name === name)) throw new UnknownTensorError(name, `gradient for variable '${name}', which optimizer '${optimizer}' was not bound to; bound: ${homes.map((h) => h.v.name).join(', ')}`);
  }
  const grads: Record<string, GPUBuffer> = {};
  for (const h of homes) {
    const g = byName.get(h.v.name);
    if (!g) throw new MissingTensorError(h.v.name, `no gradient for variable '${h.v.name}': every bound variable needs one each step (bind only the ones you train)`);
    each?.(h);
    grads[h.v.name] = bufferOf(b, g, `gradient of '${h.v.name}'`);
  }
  return grads;
}

/** Hyperparameter overrides checked against the module, `NAME.h` against its fallback rule's. */
function withHypers(m: KernelModule, base: Record<string, number>, over: Record<string, number>): Record<string, number> {
  const fb = m.fallback;
  const mine: Record<string, number> = {}, theirs: Record<string, number> = {};
  for (const [k, v] of Object.entries(over)) {
    if (fb && k.startsWith(`${fb.name}.`)) {
      overrideHypers(fb.module, Object.fromEntries(fb.module.hypers.map((h) => [h.name, h.default])), { [k.slice(fb.name.length + 1)]: v });
      theirs[k] = v;
    } else mine[k] = v;
  }
  return { ...overrideHypers(m, base, mine), ...theirs };
}

function toBase64(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

function fromBase64(s: string): string {
  return new TextDecoder().decode(Uint8Array.from(atob(s), (c) => c.charCodeAt(0)));
}
