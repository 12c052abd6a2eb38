// Binds a compiled KernelModule to named parameter tensors on a device and runs steps. "Compile" and
// "bind" are separate on purpose: the same module binds to buffers this runtime allocates (packed into
// arena chunks, one dispatch per kernel per chunk) or to GPUBuffers a caller owns (one chunk per tensor).
// Jobs live in their own files: allocation (chunks.ts), tensor I/O (tensor-io.ts), checkpoint mapping
// (checkpoint-map.ts), binding resolution (bindings.ts), dispatch (dispatch.ts); this file checks and submits steps.
import { HyperError, overrideHypers } from '../diag.js';
import { evalHost } from '../host/index.js';
import { codecOf, kernelsOf, type KernelModule } from '../codegen-wgsl/index.js';
import { bindGroups, inputBinding, type BindCtx } from './bindings.js';
import { CheckpointIO } from './checkpoint-map.js';
import { allocate, destroyChunk, isElemState, numel, type Allocation, type ChunkBuffers, type MemoryReport, type OptimizerOptions, type StepReport, type TensorData, type TensorSpec } from './chunks.js';
import { readBuffer } from './device.js';
import { Dispatcher } from './dispatch.js';
import type { EntryRunner } from './entries.js';
import { AllocationGuard, checkDevice, checkUsage, probeBuffers, submitChecked, watchDevice, type CallerBuffer } from './guards.js';
import { DisposedError, MissingScalarError, MissingTensorError, OptcRuntimeError, ShapeError, UnknownTensorError, UnsupportedError } from './errors.js';
import type { SideStates } from './tensor-io.js';

/** How errors name a per-element input of a tensor. */
const inputLabel = (input: string, tensor: string) => (input === 'g' ? `gradient of '${tensor}'` : `input '${input}' of '${tensor}'`);

/** The guard's flag, lowered before each step. */
const ZERO_WORD = new Uint32Array([0]);

export type { TensorSpec, TensorData, ParamGroup, OptimizerOptions, MemoryReport, StepReport } from './chunks.js';

/**
 * Binds a compiled optimizer (`compile(...)`'s result or its `module`) to named parameter tensors on
 * `device`: allocates state, packs tensors into chunks, builds the pipelines. See docs/api.md.
 */
export async function createOptimizer(device: GPUDevice, compiled: KernelModule | { module: KernelModule }, params: Record<string, TensorSpec>,
  options: OptimizerOptions = {}): Promise<Optimizer> {
  const module = 'module' in compiled ? compiled.module : compiled;
  checkDevice(device, () => `before creating optimizer '${module.name}'`);
  // Matrix stages (and fallback rules) bind per tensor shape: matrix-optimizer.ts, loaded on demand
  // because it extends this file's Optimizer.
  if (module.matrix) return (await import('./matrix-optimizer.js')).createMatrixOptimizer(device, module, params, options);
  // Caller-owned parameter buffers: usage now, their device by a probe (guards.ts).
  const callers: CallerBuffer[] = Object.entries(params).filter(([, sp]) => sp.buffer).map(([tensor, sp]) => ({ tensor, label: `parameter '${tensor}'`, buffer: sp.buffer! }));
  for (const b of callers) checkUsage(b, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, 'STORAGE | COPY_SRC | COPY_DST');
  const bad = await probeBuffers(device, callers);
  if (bad) throw bad;
  const alloc = new AllocationGuard(device);
  const bufs: ChunkBuffers[] = [];
  const ownerOf = (label: string) => {
    const m = /^chunk(\d+)\.(\w+)/.exec(label);
    const cb = m ? bufs[Number(m[1])] : undefined;
    if (!cb) return undefined;
    const tensors = cb.chunk.pieces.map((pc) => pc.tensor);
    return { tensor: tensors[0]!, what: `${m![2] === 'p' ? 'the parameter storage' : `state '${m![2]}'`} of ${tensors.map((t) => `'${t}'`).join(', ')} (${label})` };
  };
  return alloc.run(async () => {
    const a = await allocate(device, module, params, options, bufs, alloc);
    const opt = new Optimizer(device, module, bufs, a);
    const states = module.states.filter(isElemState);
    alloc.begin();
    for (const name of a.shapes.keys()) writeInitial(opt, name, params[name]!, states, a.groupInits[a.groupOf.get(name) ?? 0]!);
    alloc.end();
    return opt;
  }, () => bufs.forEach(destroyChunk), ownerOf, Object.keys(params)[0] ?? module.name);
}

/**
 * Initial values go in as a restore writes them, per tensor: the caller's data (rounded to nearest even for an
 * f16/bf16 parameter), each of `states`' fill at its shape (a compressed one encoded as the interpreter encodes
 * it, rank-1 scales by the tensor's shape). Lanes past a tensor keep the buffer's zeros, the kernels' padding.
 */
export function writeInitial(opt: Optimizer, name: string, spec: TensorSpec, states: KernelModule['states'],
  inits: Record<string, number>): void {
  if (spec.data && !spec.buffer) opt.writeParam(name, spec.data);
  for (const s of states) {
    const v = inits[s.name] ?? 0;
    if (v !== 0 || codecOf(s.format)) opt.writeState(s.name, name, new Float32Array(numel(opt.stateShape(s.name, name))).fill(v));
  }
}

export class Optimizer extends CheckpointIO {
  private disposed = false;
  /** A guarded step is in flight (its flag not yet read back). */
  protected pendingGuard = false;
  private readonly entries?: EntryRunner;
  private readonly unwatch: () => void;
  /** The module's pipelines and buffers as binding resolution sees them (flag: the guard's skip flag). */
  private readonly binds: BindCtx;
  /** Inputs some kernel reads, in the module's order ('g' first when read). */
  private readonly readInputs: string[];
  /** Parameter buffers the caller owns: every step that writes them is checked (guards.ts). */
  private readonly ownedByCallers: CallerBuffer[];
  /** One step's dispatches, planned (none in a matrix module, which dispatches its own stages). */
  private readonly dispatch?: Dispatcher;
  /** Per input and tensor, what the last step passed and the caller buffer it checked. */
  private readonly lastSources: { src?: TensorData; caller?: CallerBuffer }[] = [];
  private lastGroups?: GPUBindGroup[][];

  constructor(device: GPUDevice, module: KernelModule, chunks: ChunkBuffers[],
    a: Pick<Allocation, 'shapes' | 'groupHypers' | 'pipes'> & Partial<Allocation> & { side?: SideStates }) {
    super(device, module, a.shapes, chunks, a.groupHypers, a.side ?? a.phased, a.rank1, a.groupInits);
    this.entries = a.entries;
    this.binds = { device, module, chunks, pipes: a.pipes, phased: a.phased, rank1: a.rank1, flag: a.flag };
    const read = new Set(kernelsOf(module).flatMap((k) => k.bindings.filter((b) => b.kind === 'input').map((b) => b.name)));
    this.readInputs = module.inputs.filter((input) => read.has(input));
    this.ownedByCallers = chunks.filter((cb) => !cb.param.owned).map((cb) => ({ tensor: cb.chunk.pieces[0]!.tensor, label: `parameter '${cb.chunk.pieces[0]!.tensor}'`, buffer: cb.param.buffer }));
    if (!module.matrix) this.dispatch = new Dispatcher(device, module, chunks, a.pipes, a.phased, a.rank1);
    this.unwatch = watchDevice(device, this, (o) => o.describe());
  }

  /** Hyperparameter values of group 0 (tensors in no group). */
  get hypers(): Record<string, number> { return { ...this.groupHypers[0]! }; }

  /** Compute passes dispatched per step (the guard's check included), as planned (dispatch.ts). */
  get dispatchesPerStep(): number { return this.dispatch?.count ?? 0; }

  /** Bytes allocated on the device for parameters (this runtime's own) and optimizer state. */
  memory(): MemoryReport {
    let paramBytes = 0, stateBytes = 0;
    for (const cb of this.chunks) {
      if (cb.param.owned) paramBytes += cb.param.buffer.size;
      for (const s of cb.states.values()) stateBytes += s.buf.size + (s.scales?.size ?? 0);
    }
    stateBytes += (this.binds.phased?.stateBytes() ?? 0) + (this.rank1?.stateBytes() ?? 0);
    return { paramBytes, stateBytes };
  }

  /** Changes a hyperparameter from the next step on (for one group, or every group); never recompiles. */
  setHyper(name: string, value: number, group?: number): void {
    const targets = group === undefined ? this.groupHypers.map((_, i) => i) : [group];
    for (const g of targets) {
      if (!this.groupHypers[g]) throw new HyperError(name, `no parameter group ${g} (there are ${this.groupHypers.length - 1})`);
      this.groupHypers[g] = overrideHypers(this.module, this.groupHypers[g]!, { [name]: value });
    }
  }

  /**
   * Runs one step. `grads` maps every parameter to its gradient; `inputs` gives extra per-element inputs
   * by input name, then parameter name. Misuse throws before anything is queued. The work is submitted
   * before this returns; without the guard the promise resolves at once (`await sync()` waits for the
   * device), with it once the guard's flag is read back, and the step count advances only if the step was
   * not skipped.
   */
  step(grads: Record<string, TensorData>, inputs: Record<string, Record<string, TensorData>> = {},
    scalars: Record<string, number> = {}): Promise<StepReport> {
    const host = this.module.host;
    this.checkStepArgs(grads, inputs, scalars, host.declaredScalars ?? [], this.module.inputs);
    // Only the inputs some kernel reads are required (a zeroth-order method never reads g). A step that
    // touches a caller's GPUBuffer is checked by the device (guards.ts); if refused, none of it ran.
    const callers = this.ownedByCallers.slice();
    let slot = 0;
    const sources = this.readInputs.map((input) => {
      const per = input === 'g' ? grads : inputs[input] ?? {};
      for (const name of this.shapes.keys()) {
        // A GPUBuffer's size and usage never change: one the last step passed here needs no new checks, and
        // while every input is such a buffer, bound where it is (no copy into the chunk), no new bind groups.
        const last = this.lastSources[slot++] ??= { src: undefined };
        if (per[name] === last.src && last.caller) { callers.push(last.caller); continue; }
        this.lastGroups = undefined;
        const src = this.tensorInput(per, input, name);
        last.src = src;
        last.caller = src instanceof Float32Array ? undefined : { tensor: name, label: inputLabel(input, name), buffer: src };
        if (!last.caller) continue;
        checkUsage(last.caller, 0, 'STORAGE or COPY_SRC');
        callers.push(last.caller);
      }
      return per;
    });
    const t = this.stepCount + 1;
    const hostVals = this.groupHypers.map((h, g) => evalHost(host, h, t, { scalars, states: this.stepStates[g] }));
    if (this.binds.flag) this.device.queue.writeBuffer(this.binds.flag, 0, ZERO_WORD);
    const refused = submitChecked(this.device, callers, () => `step ${t} of '${this.module.name}'`, () => {
      const enc = this.device.createCommandEncoder({ label: this.module.name });
      let direct = true;
      const groups = this.lastGroups ?? this.chunks.map((cb) => bindGroups(this.binds, cb, sources.map((per, i) => {
        const r = inputBinding(this.device, cb, this.readInputs[i]!, per, enc);
        direct &&= r.buffer !== cb.inputs.get(this.readInputs[i]!);
        return r;
      }), this.readInputs));
      this.lastGroups = direct ? groups : undefined;
      const pass = enc.beginComputePass();
      this.dispatch!.encode(pass, hostVals, t, groups);
      pass.end();
      this.device.queue.submit([enc.finish()]);
    });
    // Step states advance with the step (and not at all when the guard skips it); a refused step is undone.
    const before = this.stepStates;
    if (!this.binds.flag) {
      this.advance(t, hostVals);
      const report = { t, skipped: false };
      return refused ? refused.then((e) => (e ? this.undo(e, t, before) : report)) : Promise.resolve(report);
    }
    this.pendingGuard = true;
    return Promise.all([refused, readBuffer(this.device, this.binds.flag, 4)]).then(([e, bytes]) => {
      if (e) this.undo(e, t, before);
      const skipped = new Uint32Array(bytes)[0] !== 0;
      if (!skipped) this.advance(t, hostVals);
      return { t: skipped ? t - 1 : t, skipped };
    }).finally(() => { this.pendingGuard = false; });
  }

  /** Counts step t and sets its step states (new objects: the old ones stay as a refused step left them). */
  private advance(t: number, hostVals: number[][]): void {
    this.stepCount = t;
    const ups = this.module.host.stepStateUpdates;
    if (ups) this.stepStates = hostVals.map((vals, g) => ({ ...this.stepStates[g], ...Object.fromEntries(ups.map((u) => [u.state, vals[u.value]!])) }));
  }

  /** After step t was refused: forget the bind groups (they may be the invalid ones), the count and states. */
  private undo(e: OptcRuntimeError, t: number, before: Record<string, number>[]): never {
    for (const cb of this.chunks) cb.bindGroups.clear();
    this.lastSources.length = 0;
    this.lastGroups = undefined;
    if (this.stepCount === t) { this.stepCount = t - 1; this.stepStates = before; }
    throw e;
  }

  /**
   * What every step checks before anything is queued: scalars by the names `declared` (the module's required
   * ones present), no step in flight under the guard, gradients of known parameters, inputs the module takes.
   */
  protected checkStepArgs(grads: Record<string, TensorData>, inputs: Record<string, unknown>, scalars: Record<string, number>,
    declared: readonly string[], inputNames: readonly string[]): void {
    this.live();
    for (const k in scalars) if (!declared.includes(k)) throw new MissingScalarError(k, `unknown scalar input '${k}' for optimizer '${this.module.name}'; it declares: ${declared.join(', ') || '(none)'}`);
    for (const k of this.module.host.scalars ?? []) {
      if (typeof scalars[k] !== 'number') throw new MissingScalarError(k, `missing scalar input '${k}': pass it as step(grads, inputs, { ${k}: ... })`);
    }
    if (this.pendingGuard) throw new OptcRuntimeError(`optimizer '${this.module.name}' runs with the non-finite guard: await each step() before the next`);
    for (const k in grads) if (!this.shapes.has(k)) throw new UnknownTensorError(k, `gradient for unknown parameter '${k}'; parameters: ${this.tensors.join(', ')}`);
    for (const k in inputs) {
      const named = inputNames.filter((i) => i !== 'g');
      if (!named.includes(k)) throw new UnknownTensorError(k, `unknown input '${k}' for optimizer '${this.module.name}'; it declares: ${named.join(', ') || '(none)'}`);
    }
  }

  /** `per[name]`, input `input` of tensor `name`: present and as long as the tensor, or a typed error naming it. */
  protected tensorInput(per: Record<string, TensorData>, input: string, name: string): TensorData {
    const src = per[name];
    if (!src) throw new MissingTensorError(name, `missing ${inputLabel(input, name)}`);
    const shape = this.shapes.get(name)!;
    const n = numel(shape);
    if (src instanceof Float32Array ? src.length !== n : src.size < n * 4) {
      throw new ShapeError(name, `${inputLabel(input, name)} has ${src instanceof Float32Array ? `${src.length} elements` : `${src.size} bytes`}, the parameter has ${n} elements (shape ${JSON.stringify(shape)})`);
    }
    return src;
  }

  /**
   * Runs a named entry point (`update NAME { ... }`) once, with this step's host scalars: it reads t as the
   * next step's count and changes no step count. MeZO calls `run('perturb', { scale: 1 })` and so on
   * between its forward passes.
   */
  async run(name: string, scalars: Record<string, number> = {}): Promise<void> {
    this.live();
    if (this.pendingGuard) throw new OptcRuntimeError(`optimizer '${this.module.name}' runs with the non-finite guard: await each step() before run()`);
    if (!this.entries) throw new UnsupportedError(`optimizer '${this.module.name}' has no entry points (\`update NAME { ... }\` blocks)`);
    const enc = this.device.createCommandEncoder({ label: `${this.module.name} ${name}` });
    await this.entries.encode(name, enc, this.groupHypers, this.stepCount + 1, scalars, this.stepStates);
    this.device.queue.submit([enc.finish()]);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.chunks.forEach(destroyChunk);
    this.unwatch();
    this.binds.flag?.destroy();
    for (const runner of [this.binds.phased, this.entries, this.rank1]) runner?.dispose();
  }

  protected live(): void {
    if (this.disposed) throw new DisposedError(`optimizer '${this.module.name}' was disposed`);
    checkDevice(this.device, () => `under optimizer '${this.module.name}'`);
  }

  /** What a lost device takes with it, for DeviceLostError. */
  private describe(): string {
    const states = this.module.states.map((st) => st.name);
    return `optimizer '${this.module.name}' at step ${this.stepCount} (parameters ${this.tensors.map((t) => `'${t}'`).join(', ')}${states.length ? `; states ${states.join(', ')}` : ''})`;
  }
}
