// A matrix optimizer (Muon, Shampoo, GaLore: docs/matrix.md) as a TF.js optimizer, on TF.js's WebGPU device.
// Like OptcOptimizer (optimizer.ts) the data stays on the GPU: each variable adopts a buffer of ours; per
// step TF.js's recorded work is flushed, the gradients' buffers are copied into the matrix runner (and the
// fallback rule's runtime for vectors), its stages run, and the parameters are copied back into the
// variables' buffers. Narrower than OptcOptimizer: no re-assigned variables, schedules or saved state yet.
import * as tf from '@tensorflow/tfjs-core';
import { compileMatrix, type CompiledMatrix } from '../compile-matrix.js';
import { overrideHypers } from '../diag.js';
import { MissingTensorError, OptcRuntimeError, UnsupportedError } from '../runtime/errors.js';
import { MatrixRunner } from '../runtime/matrix-runner.js';
import { bufferOf, flushTfjs, invalidateCpuCopy, webgpuBackend, type WebGpuBackend } from './backend.js';
import type { TfjsOptimizerOptions, VariableLike } from './optimizer.js';
import type { NamedTensor } from './weights.js';

interface Home { v: tf.Variable; buffer: GPUBuffer }

export class OptcMatrixOptimizer extends tf.Optimizer {
  static className = 'OptcMatrixOptimizer';
  readonly compiled: CompiledMatrix;
  private readonly hyperValues: Record<string, number>;
  private runner?: MatrixRunner;
  private backendRef?: WebGpuBackend;
  private homes: Home[] = [];

  constructor(readonly source: string, options: Pick<TfjsOptimizerOptions, 'file' | 'hypers' | 'consts'> = {}) {
    super();
    this.compiled = compileMatrix(source, { ...(options.file ? { file: options.file } : {}), ...(options.consts ? { consts: options.consts } : {}) });
    const m = this.compiled.module;
    const main = Object.fromEntries(Object.entries(options.hypers ?? {}).filter(([k]) => !m.fallback || !k.startsWith(`${m.fallback.name}.`)));
    overrideHypers(m, Object.fromEntries(m.hypers.map((h) => [h.name, h.default])), main);
    this.hyperValues = { ...Object.fromEntries(m.hypers.map((h) => [h.name, h.default])), ...(options.hypers ?? {}) };
  }

  get name(): string { return this.compiled.module.name; }
  get hypers(): Record<string, number> { return { ...this.hyperValues }; }
  get dispatchesPerStep(): number { return this.bound().dispatchesPerStep; }
  memory(): { stateBytes: number; params: number } {
    return { stateBytes: this.bound().memory().stateBytes, params: this.homes.reduce((s, h) => s + h.v.size, 0) };
  }

  /** Gives the optimizer its variables: allocates state, builds every pipeline, adopts each variable's storage. */
  async bind(variables: readonly VariableLike[]): Promise<this> {
    if (this.runner) throw new OptcRuntimeError(`optimizer '${this.name}' is already bound`);
    const b = webgpuBackend();
    const vars = variables.map((x) => ('read' in x && typeof x.read === 'function' ? x.read() : x) as tf.Variable);
    for (const v of vars) if (v.dtype !== 'float32') throw new UnsupportedError(`variable '${v.name}' is ${v.dtype}; optc updates float32 variables`);
    this.runner = await MatrixRunner.create(b.device, this.compiled.module,
      Object.fromEntries(vars.map((v) => [v.name, { shape: [...v.shape] }])), { hypers: this.hyperValues, prepare: true });
    this.backendRef = b;
    this.homes = vars.map((v) => {
      const bytes = v.size * 4;
      const src = bufferOf(b, v, `variable '${v.name}'`);
      flushTfjs(b);
      const buffer = b.device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, label: `optc ${v.name}` });
      const enc = b.device.createCommandEncoder();
      enc.copyBufferToBuffer(src, 0, buffer, 0, bytes);
      b.device.queue.submit([enc.finish()]);
      const wrapped = tf.tensor({ buffer, zeroCopy: true }, v.shape, 'float32');
      v.assign(wrapped);
      wrapped.dispose();
      return { v, buffer };
    });
    const enc = b.device.createCommandEncoder();
    this.runner.copyParams(enc, Object.fromEntries(this.homes.map((h) => [h.v.name, h.buffer])), 'in');
    b.device.queue.submit([enc.finish()]);
    return this;
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const runner = this.bound();
    const b = this.backendRef!;
    const list = Array.isArray(variableGradients) ? variableGradients : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    const byName = new Map(list.map((g) => [g.name, g.tensor]));
    const grads: Record<string, GPUBuffer> = {};
    for (const h of this.homes) {
      const g = byName.get(h.v.name);
      if (!g) throw new MissingTensorError(h.v.name, `no gradient for variable '${h.v.name}': every bound variable needs one each step`);
      grads[h.v.name] = bufferOf(b, g, `gradient of '${h.v.name}'`);
    }
    flushTfjs(b);
    runner.stepSync(grads);
    const enc = b.device.createCommandEncoder();
    runner.copyParams(enc, Object.fromEntries(this.homes.map((h) => [h.v.name, h.buffer])), 'out');
    b.device.queue.submit([enc.finish()]);
    for (const h of this.homes) invalidateCpuCopy(b, h.v.dataId);
    this.incrementIterations();
  }

  getConfig(): tf.serialization.ConfigDict { return { name: this.name }; }

  override dispose(): void {
    this.runner?.dispose();
    this.runner = undefined;
    // Variables keep their values: each gets a TF.js-owned copy of our buffer before it goes.
    const b = this.backendRef;
    if (b) {
      flushTfjs(b);
      for (const h of this.homes) {
        const d = b.tensorMap.get(h.v.dataId);
        if (d && d.resource === h.buffer) { d.resource = b.copyBuffer(h.buffer); d.external = false; }
        h.buffer.destroy();
      }
    }
    this.homes = [];
    super.dispose();
  }

  private bound(): MatrixRunner {
    if (!this.runner) throw new OptcRuntimeError(`optimizer '${this.name}' has no variables yet: \`await optimizer.bind(model.trainableWeights)\` before training`);
    return this.runner;
  }
}

tf.serialization.registerClass(OptcMatrixOptimizer);

/** `compileMatrix(source)` bound to `variables` on TF.js's WebGPU device, for `model.compile({ optimizer })`. */
export async function createTfjsMatrixOptimizer(source: string, variables: readonly VariableLike[], options: Pick<TfjsOptimizerOptions, 'file' | 'hypers' | 'consts'> = {}): Promise<OptcMatrixOptimizer> {
  return new OptcMatrixOptimizer(source, options).bind(variables);
}
