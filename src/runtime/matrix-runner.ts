// Runs a matrix program (Muon, Shampoo, GaLore) on a device: the stages of its plan
// (src/ir/matrix-plan.ts) for every matrix tensor, and its fallback rule for the other tensors through the
// ordinary runtime (src/runtime/optimizer.ts). Interim home of the matrix stages: once the back end has one
// schedule with one dispatcher, the plan's stages become stages of that schedule and this file goes
// (docs/matrix.md, "On the GPU").
//
// Per step: the host evaluates the step values (src/codegen-wgsl/host.ts, the interpreter's numerics),
// decides the step conditions (which variant of the plan runs: an `every k` refresh or not), writes them
// into one small buffer, and records every stage of every matrix tensor into one command buffer. Buffers:
// the parameter, its inputs and states (a `matrix(rows, rows)` state is rows × rows f32) per tensor, and
// temporaries from a pool shared by all tensors (tensors run one after another, so a temporary is reused
// once its last reader has run).
import { evalHost } from '../host/index.js';
import { stageKernel, type HostProgram, type KernelModule, type StageKernel } from '../codegen-wgsl/index.js';
import { overrideHypers } from '../diag.js';
import { isMatrix, NotAMatrixError, shapeSize, splitHypers, type View } from '../ir/matrix.js';
import type { MatrixPlan, MatrixStage } from '../ir/matrix-plan.js';
import { streamKey } from '../ir/rng.js';
import type { HyperDecl, Program } from '../ir/types.js';
import { createComputePipeline, readBuffer } from './device.js';
import { MissingTensorError, OptcRuntimeError, ShapeError, UnsupportedError } from './errors.js';
import { createOptimizer, type Optimizer } from './optimizer.js';
import { copyParams as copyFallbackParams } from './param-copy.js';

/** What `compileMatrix` (src/compile-matrix.ts) gives the runtime. */
export interface MatrixModule {
  name: string;
  hypers: HyperDecl[];
  plan: MatrixPlan;
  /** Step values: `uniforms` lists plan.steps then plan.streams. */
  host: HostProgram;
  /** The fallback rule, compiled by the ordinary back end, with its name (its hypers are `NAME.h`). */
  fallback?: { name: string; module: KernelModule };
}

interface Prepared { kernels: StageKernel[]; pipelines: GPUComputePipeline[]; groups: GPUBindGroup[]; resolve: (key: string) => GPUBuffer }
interface MatTensor {
  name: string;
  index: number;
  shape: number[];
  view: View;
  leaves: Map<string, GPUBuffer>;
  scal: GPUBuffer;
  prepared: Map<number, Prepared>;
}

const USAGE = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
const bytesOf = (n: number) => Math.max(16, Math.ceil((4 * n) / 16) * 16);

export class MatrixRunner {
  private t = 0;
  private readonly pipelineCache = new Map<string, Promise<GPUComputePipeline>>();
  private readonly pool = new Map<number, GPUBuffer[]>();
  private readonly stepsBuf: GPUBuffer;
  /** Dispatches of the last step (matrix stages and copies, plus the fallback's). */
  dispatchesPerStep = 0;

  private constructor(
    private readonly device: GPUDevice, readonly module: MatrixModule, private readonly tensors: MatTensor[],
    private readonly hypers: Record<string, number>, private readonly fallback: Optimizer | undefined,
    private readonly fallbackShapes: Record<string, number[]>,
  ) {
    const p = module.plan;
    this.stepsBuf = device.createBuffer({ size: bytesOf(p.steps.length + p.streams.length), usage: USAGE(), label: 'matrix steps' });
  }

  /**
   * Allocates every tensor's buffers (`data` absent: zeros, e.g. to be filled by `copyParams`) and, with
   * `prepare`, builds every variant's pipelines now, so that `stepSync` can run any step.
   */
  static async create(device: GPUDevice, module: MatrixModule, params: Record<string, { shape: number[]; data?: Float32Array }>,
    options: { hypers?: Record<string, number>; prepare?: boolean } = {}): Promise<MatrixRunner> {
    const split = splitHypers(module.fallback ? { fallback: { name: module.fallback.name } as Program } : {}, options.hypers ?? {});
    const hypers = overrideHypers(module, Object.fromEntries(module.hypers.map((h) => [h.name, h.default])), split.main);
    const init = evalHost(module.host, hypers, 1);
    const plan = module.plan;
    const tensors: MatTensor[] = [];
    const others: Record<string, { shape: number[]; data?: Float32Array }> = {};
    Object.entries(params).forEach(([name, spec], index) => {
      const n = spec.shape.reduce((a, b) => a * b, 1);
      if (spec.data && spec.data.length !== n) throw new ShapeError(name, `parameter '${name}' has ${spec.data.length} values; shape [${spec.shape.join(', ')}] has ${n}`);
      if (!isMatrix(spec.shape)) {
        if (!module.fallback) throw new NotAMatrixError(name, spec.shape, module.name);
        others[name] = spec;
        return;
      }
      const view = { rows: spec.shape[0]!, cols: spec.shape[1]! };
      const leaves = new Map<string, GPUBuffer>();
      for (const leaf of plan.leaves) {
        const [r, c] = shapeSize(leaf.shape, view);
        const buf = device.createBuffer({ size: bytesOf(r * c), usage: USAGE(), label: `${name} ${leaf.key}` });
        if (leaf.key === 'p' && spec.data) device.queue.writeBuffer(buf, 0, spec.data.buffer as ArrayBuffer, spec.data.byteOffset, spec.data.byteLength);
        if (leaf.key.startsWith('st:')) {
          const s = module.host.stateInits.find((x) => `st:${x.state}` === leaf.key)!;
          const v = init[s.value]!;
          if (v !== 0) device.queue.writeBuffer(buf, 0, new Float32Array(r * c).fill(v));
        }
        leaves.set(leaf.key, buf);
      }
      const scalarSlots = Math.max(1, ...plan.variants.map((v) => v.scalarSlots));
      const scal = device.createBuffer({ size: bytesOf(scalarSlots), usage: USAGE(), label: `${name} scalars` });
      tensors.push({ name, index, shape: spec.shape, view, leaves, scal, prepared: new Map() });
    });
    const fallback = Object.keys(others).length && module.fallback
      ? await createOptimizer(device, module.fallback.module, others, { hypers: split.fallback })
      : undefined;
    const run = new MatrixRunner(device, module, tensors, hypers, fallback, Object.fromEntries(Object.entries(others).map(([n, x]) => [n, x.shape])));
    if (options.prepare) await Promise.all(tensors.flatMap((t) => plan.variants.map((_, bits) => run.prepare(t, bits))));
    return run;
  }

  /** Steps taken. */
  get stepCount(): number { return this.t; }

  /** The runtime stepping the tensors that are not matrices (the fallback rule), if any. */
  get fallbackOptimizer(): Optimizer | undefined { return this.fallback; }

  /**
   * Records copies between caller buffers (4 × size bytes, row-major) and the parameters: `in` loads them,
   * `out` stores the parameters into them. Matrices and fallback tensors alike.
   */
  copyParams(enc: GPUCommandEncoder, buffers: Record<string, GPUBuffer>, direction: 'in' | 'out'): void {
    const rest: Record<string, GPUBuffer> = {};
    for (const [name, buffer] of Object.entries(buffers)) {
      const t = this.tensors.find((x) => x.name === name);
      if (!t) { rest[name] = buffer; continue; }
      const p = t.leaves.get('p')!, bytes = 4 * t.view.rows * t.view.cols;
      if (direction === 'in') enc.copyBufferToBuffer(buffer, 0, p, 0, bytes); else enc.copyBufferToBuffer(p, 0, buffer, 0, bytes);
    }
    if (Object.keys(rest).length) {
      if (!this.fallback) throw new MissingTensorError(Object.keys(rest)[0]!, `no parameter '${Object.keys(rest)[0]}'`);
      copyFallbackParams(this.fallback, enc, rest, direction);
    }
  }

  private pipeline(k: StageKernel): Promise<GPUComputePipeline> {
    let p = this.pipelineCache.get(k.wgsl);
    if (!p) this.pipelineCache.set(k.wgsl, (p = createComputePipeline(this.device, k.wgsl, k.entryPoint, k.label)));
    return p;
  }

  /** Kernels, pipelines, temporaries and bind groups of one variant for one tensor (made on first use). */
  private async prepare(t: MatTensor, bits: number): Promise<Prepared> {
    const hit = t.prepared.get(bits);
    if (hit) return hit;
    const variant = this.module.plan.variants[bits]!;
    const target = { view: t.view, tensor: t.index };
    const stages = variant.stages;
    const kernels = stages.map((s) => (s.kind === 'copy' ? undefined : stageKernel(this.module.plan, variant, s, target)));
    const limit = this.device.limits.maxStorageBuffersPerShaderStage;
    for (const k of kernels) if (k && k.bindings.length > limit) throw new UnsupportedError(`kernel '${k.label}' of '${this.module.name}' needs ${k.bindings.length} storage buffers; this device allows ${limit}`);
    const pipelines = await Promise.all(kernels.map((k) => (k ? this.pipeline(k) : undefined)));
    const temps = this.assignTemps(t, bits);
    const resolve = (key: string): GPUBuffer => {
      if (key === '#steps') return this.stepsBuf;
      if (key === '#scal') return t.scal;
      const b = t.leaves.get(key) ?? temps.get(key);
      if (!b) throw new Error(`matrix runner: no buffer '${key}' for '${t.name}'`);
      return b;
    };
    const maxBinding = this.device.limits.maxStorageBufferBindingSize;
    for (const k of kernels) {
      for (const b of k?.bindings ?? []) {
        const size = resolve(b.buffer).size;
        if (size > maxBinding) throw new UnsupportedError(`tensor '${t.name}' [${t.shape.join(', ')}]: kernel '${k!.label}' binds ${size} bytes (${b.buffer}); this device binds at most ${maxBinding} (split the tensor, or give it to the fallback rule)`);
      }
    }
    const groups = kernels.map((k, i) => (k ? this.device.createBindGroup({
      layout: pipelines[i]!.getBindGroupLayout(0),
      entries: k.bindings.map((b) => ({ binding: b.binding, resource: { buffer: resolve(b.buffer) } })),
    }) : undefined));
    // Copy stages have no kernel: their entries stay empty and are never read.
    const prep: Prepared = {
      kernels: kernels as StageKernel[], pipelines: pipelines as GPUComputePipeline[], groups: groups as GPUBindGroup[], resolve,
    };
    t.prepared.set(bits, prep);
    return prep;
  }

  /** Temporaries from the shared pool: a buffer is reused once the last stage reading it has run. */
  private assignTemps(t: MatTensor, bits: number): Map<string, GPUBuffer> {
    const variant = this.module.plan.variants[bits]!;
    const out = new Map<string, GPUBuffer>();
    const busy = new Map<number, Set<number>>();
    const held: { bytes: number; slot: number; last: number }[] = [];
    variant.stages.forEach((_, k) => {
      for (const tmp of variant.temps.filter((x) => x.first === k)) {
        const [r, c] = shapeSize(tmp.shape, t.view);
        const bytes = bytesOf(r * c);
        const used = busy.get(bytes) ?? busy.set(bytes, new Set()).get(bytes)!;
        let slot = 0;
        while (used.has(slot)) slot++;
        used.add(slot);
        const list = this.pool.get(bytes) ?? this.pool.set(bytes, []).get(bytes)!;
        while (list.length <= slot) list.push(this.device.createBuffer({ size: bytes, usage: USAGE(), label: `matrix temp ${bytes}B #${list.length}` }));
        out.set(tmp.key, list[slot]!);
        held.push({ bytes, slot, last: tmp.last });
      }
      for (let i = held.length - 1; i >= 0; i--) if (held[i]!.last <= k) { busy.get(held[i]!.bytes)!.delete(held[i]!.slot); held.splice(i, 1); }
    });
    return out;
  }

  /** One step: `grads` (and extra inputs) per tensor name. Resolves when the step is recorded and submitted. */
  async step(grads: Record<string, Float32Array | GPUBuffer>, inputs: Record<string, Record<string, Float32Array>> = {}): Promise<void> {
    const bits = this.variantOf(this.t + 1);
    await Promise.all(this.tensors.map((t) => this.prepare(t, bits)));
    this.stepSync(grads, inputs);
  }

  /** The plan variant step t runs (bit k: step condition k holds). */
  private variantOf(t: number): number {
    const { plan, host } = this.module;
    const vals = evalHost(host, this.hypers, t);
    return plan.conds.reduce((b, c, k) => (vals[host.uniforms[plan.steps.indexOf(c)]!] ? b | (1 << k) : b), 0);
  }

  /**
   * One step, recorded and submitted now: every variant it may run must be prepared (`create` with
   * `prepare`, or an earlier `step` of the same variant). Gradients may be GPU buffers (4 × size bytes).
   */
  stepSync(grads: Record<string, Float32Array | GPUBuffer>, inputs: Record<string, Record<string, Float32Array>> = {}): void {
    const { plan, host } = this.module;
    for (const t of this.tensors) if (!grads[t.name]) throw new MissingTensorError(t.name, `missing the gradient of '${t.name}'`);
    const vals = evalHost(host, this.hypers, this.t + 1);
    const slots = new ArrayBuffer(bytesOf(plan.steps.length + plan.streams.length));
    const f32 = new Float32Array(slots), u32 = new Uint32Array(slots);
    plan.steps.forEach((_, k) => { f32[k] = vals[host.uniforms[k]!]!; });
    plan.streams.forEach((_, k) => { u32[plan.steps.length + k] = streamKey(vals[host.uniforms[plan.steps.length + k]!]!); });
    const bits = plan.conds.reduce((b, c, k) => (vals[host.uniforms[plan.steps.indexOf(c)]!] ? b | (1 << k) : b), 0);
    const prepared = this.tensors.map((t) => {
      const p = t.prepared.get(bits);
      if (!p) throw new OptcRuntimeError(`optimizer '${this.module.name}': variant ${bits} of the plan is not prepared for '${t.name}' (create the runner with { prepare: true }, or use step())`);
      return p;
    });
    this.t += 1;
    this.device.queue.writeBuffer(this.stepsBuf, 0, slots);
    const enc = this.device.createCommandEncoder({ label: `optc ${this.module.name} step ${this.t}` });
    for (const t of this.tensors) {
      const write = (key: string, data: Float32Array) => this.device.queue.writeBuffer(t.leaves.get(key)!, 0, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
      const g = grads[t.name]!;
      if (g instanceof Float32Array) write('in:g', g); else enc.copyBufferToBuffer(g, 0, t.leaves.get('in:g')!, 0, 4 * t.view.rows * t.view.cols);
      for (const [inp, per] of Object.entries(inputs)) {
        if (!t.leaves.has(`in:${inp}`)) continue;
        if (!per[t.name]) throw new MissingTensorError(t.name, `missing input '${inp}' of '${t.name}'`);
        write(`in:${inp}`, per[t.name]!);
      }
    }
    const stages = plan.variants[bits]!.stages;
    let dispatches = 0;
    this.tensors.forEach((t, i) => {
      const prep = prepared[i]!;
      const pass = enc.beginComputePass();
      stages.forEach((s, k) => {
        if (s.kind === 'copy') return;
        pass.setPipeline(prep.pipelines[k]!);
        pass.setBindGroup(0, prep.groups[k]!);
        pass.dispatchWorkgroups(...prep.kernels[k]!.grid);
        dispatches++;
      });
      pass.end();
      for (const s of stages) {
        if (s.kind !== 'copy') continue;
        const [r, c] = shapeSize(s.shape, t.view);
        enc.copyBufferToBuffer(prep.resolve(s.from), 0, prep.resolve(s.to), 0, 4 * r * c);
        dispatches++;
      }
    });
    this.device.queue.submit([enc.finish()]);
    if (this.fallback) {
      this.fallback.step(Object.fromEntries(Object.keys(this.fallbackShapes).map((n) => [n, grads[n]!])));
      dispatches += this.fallback.dispatchesPerStep;
    }
    this.dispatchesPerStep = dispatches;
  }

  /** Waits for the submitted work (timing). */
  async sync(): Promise<void> { await this.device.queue.onSubmittedWorkDone(); }

  /** Parameters and states, read back; a matrix state keyed by its tensor has its own shape. */
  async read(): Promise<{ params: Record<string, Float32Array>; state: Record<string, Record<string, { shape: number[]; data: Float32Array }>> }> {
    const params: Record<string, Float32Array> = {};
    const state: Record<string, Record<string, { shape: number[]; data: Float32Array }>> = {};
    for (const t of this.tensors) {
      for (const leaf of this.module.plan.leaves) {
        if (leaf.key.startsWith('in:')) continue;
        const [r, c] = shapeSize(leaf.shape, t.view);
        const data = new Float32Array(await readBuffer(this.device, t.leaves.get(leaf.key)!, 4 * r * c));
        if (leaf.key === 'p') params[t.name] = data;
        else (state[leaf.key.slice(3)] ??= {})[t.name] = { shape: leaf.shape[0] === 'rows' && leaf.shape[1] === 'cols' ? t.shape : [r, c], data };
      }
    }
    if (this.fallback) {
      const fb = await this.fallback.read();
      Object.assign(params, fb.params);
      for (const [s, per] of Object.entries(fb.state)) {
        for (const [n, data] of Object.entries(per)) (state[s] ??= {})[n] = { shape: this.fallbackShapes[n]!, data };
      }
    }
    return { params, state };
  }

  /** Bytes the device holds: parameters, states (matrix states at their own shapes), temporaries. */
  memory(): { paramBytes: number; stateBytes: number; tempBytes: number } {
    let paramBytes = 0, stateBytes = 0;
    for (const t of this.tensors) {
      for (const leaf of this.module.plan.leaves) {
        const [r, c] = shapeSize(leaf.shape, t.view);
        if (leaf.key === 'p') paramBytes += 4 * r * c; else if (leaf.key.startsWith('st:')) stateBytes += 4 * r * c;
      }
    }
    if (this.fallback) { const m = this.fallback.memory(); paramBytes += m.paramBytes; stateBytes += m.stateBytes; }
    let tempBytes = 0;
    for (const [bytes, list] of this.pool) tempBytes += bytes * list.length;
    return { paramBytes, stateBytes, tempBytes };
  }

  dispose(): void {
    for (const t of this.tensors) { for (const b of t.leaves.values()) b.destroy(); t.scal.destroy(); }
    for (const list of this.pool.values()) for (const b of list) b.destroy();
    this.stepsBuf.destroy();
    this.fallback?.dispose();
  }
}

export type { MatrixStage };
