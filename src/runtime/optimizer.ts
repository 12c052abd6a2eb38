// Binds a compiled KernelModule to named parameter tensors on a device and runs steps. "Compile" and
// "bind" are separate on purpose: the same module binds to buffers this runtime allocates (packed into
// arena chunks, one dispatch per kernel per chunk) or to GPUBuffers a caller owns (one chunk per tensor).
import { HyperError, overrideHypers } from '../diag.js';
import { evalHost, stateInitValues, uniformBytes } from '../host/index.js';
import { phasedAlign, phasedSplit, PHASED_KINDS, PhasedRunner } from './phased.js';
import { EntryRunner } from './entries.js';
import { codecOf, gridFor, kernelsOf, LANE_GROUP, spillGrid, stateBytes, type KernelModule, type StateCodec } from '../codegen-wgsl/index.js';
import { decodeAs, encodeAs, FORMATS, scaleCountAs } from '../formats/index.js';
import { Rank1Runner } from './rank1.js';
import type { Packed } from '../formats/blockwise.js';
import { createComputePipeline, readBuffer } from './device.js';
import { AllocationGuard, checkDevice, checkUsage, probeBuffers, submitChecked, watchDevice, type CallerBuffer } from './guards.js';
import { BufferError, DisposedError, MissingScalarError, MissingTensorError, OptcRuntimeError, ShapeError, UnknownStateError, UnknownTensorError, UnsupportedError } from './errors.js';
import { loadCheckpoint, saveCheckpoint, type Checkpoint, type CheckpointTensor, type WriteOps } from '../checkpoint/index.js';
import { planLayout, type Chunk, type Piece } from './layout.js';

/** Version of how this runtime lays out state in checkpoints (bump when the packing changes). */
export const STATE_LAYOUT_VERSION = 1;

export interface TensorSpec {
  shape: number[];
  /** Initial values (row-major). The runtime allocates the storage. */
  data?: Float32Array;
  /** A caller-owned buffer (STORAGE | COPY_SRC | COPY_DST) holding the parameter; updated in place. */
  buffer?: GPUBuffer;
}

export type TensorData = Float32Array | GPUBuffer;

export interface ParamGroup { params: string[]; hypers: Record<string, number> }

export interface OptimizerOptions {
  /** Hyperparameter values for every tensor not in a group. */
  hypers?: Record<string, number>;
  /** Per-group overrides (torch param groups, optax `masked`): e.g. no weight decay on biases. */
  groups?: ParamGroup[];
  /** Use vec4 kernels where buffers allow (default true). */
  vectorize?: boolean;
  /** Pack runtime-allocated tensors into shared chunks (default true). */
  pack?: boolean;
  /** Cap on one storage binding, below the device's limit (to test splitting, or to leave headroom). */
  maxBindingBytes?: number;
}

export interface MemoryReport { paramBytes: number; stateBytes: number }

export interface StepReport {
  /** The step number this call ran as (unchanged from the previous step when skipped). */
  t: number;
  /** The non-finite guard found NaN/inf in an input: nothing changed anywhere. */
  skipped: boolean;
}

/** A state tensor's storage in one chunk: f32 values, or code words plus per-block scales. */
interface StateStore { buf: GPUBuffer; scales?: GPUBuffer; codec?: StateCodec }

interface ChunkBuffers {
  chunk: Chunk;
  width: 1 | 4;
  param: { buffer: GPUBuffer; offset: number; owned: boolean };
  inputs: Map<string, GPUBuffer>;
  states: Map<string, StateStore>;
  /** Real elements per 64-element group (compressed states only). */
  lanes?: GPUBuffer;
  /** Per 64-element group: tensor id, in-tensor index of its first element (stochastic rounding only). */
  origins?: GPUBuffer;
  temps: Map<string, GPUBuffer>;
  uniform: GPUBuffer;
  bindGroups: Map<string, GPUBindGroup[]>;
}

const STORAGE_RW = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
const pipelineCache = new WeakMap<GPUDevice, Map<string, Promise<GPUComputePipeline[]>>>();

function pipelines(device: GPUDevice, module: KernelModule, width: 1 | 4): Promise<GPUComputePipeline[]> {
  let cache = pipelineCache.get(device);
  if (!cache) pipelineCache.set(device, (cache = new Map()));
  const key = `${module.key}:${width}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = Promise.all(module.variants[width]!.map((k) => createComputePipeline(device, k.wgsl, k.entryPoint, `${module.name}.${k.name}.w${width}`)));
    hit.catch(() => cache!.delete(key));
    cache.set(key, hit);
  }
  return hit;
}

const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** A state with one value per parameter element (the others live per tensor/row/column or on the host). */
const isElemState = (s: { space?: string }) => (s.space ?? 'elem') === 'elem';

/** writeBuffer for any Float32Array view (its buffer may be shared). */
function writeF32(device: GPUDevice, buf: GPUBuffer, byteOffset: number, data: Float32Array, from = 0, length = data.length): void {
  if (length > 0) device.queue.writeBuffer(buf, byteOffset, data.buffer as ArrayBuffer, data.byteOffset + from * 4, length * 4);
}


/**
 * Binds a compiled optimizer (`compile(...)`'s result or its `module`) to named parameter tensors on
 * `device`: allocates state, packs tensors into chunks, builds the pipelines. See docs/api.md.
 */
export async function createOptimizer(device: GPUDevice, compiled: KernelModule | { module: KernelModule }, params: Record<string, TensorSpec>,
  options: OptimizerOptions = {}): Promise<Optimizer> {
  const module = 'module' in compiled ? compiled.module : compiled;
  checkDevice(device, `before creating optimizer '${module.name}'`);
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
  return alloc.run(() => buildOptimizer(device, module, params, options, bufs, alloc), () => bufs.forEach(destroyChunk), ownerOf, Object.keys(params)[0] ?? module.name);
}

async function buildOptimizer(device: GPUDevice, module: KernelModule, params: Record<string, TensorSpec>, options: OptimizerOptions,
  bufs: ChunkBuffers[], alloc: AllocationGuard): Promise<Optimizer> {
  const maxStorage = device.limits.maxStorageBuffersPerShaderStage;
  for (const k of [...(module.variants[1] ?? []), ...(module.variants[4] ?? [])]) {
    // Every binding but the uniform is a storage buffer (a tensor stage of a phased module has no uniform).
    const storage = k.bindings.filter((b) => b.kind !== 'uniform').length;
    if (storage > maxStorage) throw new UnsupportedError(`kernel '${k.name}' of '${module.name}' needs ${storage} storage buffers; this device allows ${maxStorage}`);
  }
  const defaults = Object.fromEntries(module.hypers.map((h) => [h.name, h.default]));
  const groupHypers = [overrideHypers(module, defaults, options.hypers ?? {})];
  const groupOf = new Map<string, number>();
  for (const [gi, g] of (options.groups ?? []).entries()) {
    groupHypers.push(overrideHypers(module, groupHypers[0]!, g.hypers));
    for (const name of g.params) {
      if (!(name in params)) throw new UnknownTensorError(name, `parameter group ${gi} names unknown parameter '${name}'`);
      if (groupOf.has(name)) throw new ShapeError(name, `parameter '${name}' is in two parameter groups`);
      groupOf.set(name, gi + 1);
    }
  }

  // An f16/bf16 parameter is stored as packed u32 words, two elements per word, like a 16-bit state.
  const paramCodec = module.param ? codecOf(module.param) : undefined;
  const shapes = new Map<string, number[]>();
  for (const [name, spec] of Object.entries(params)) {
    if (!Array.isArray(spec.shape) || spec.shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new ShapeError(name, `parameter '${name}': shape must be a list of non-negative integers, got ${JSON.stringify(spec.shape)}`);
    }
    const n = numel(spec.shape);
    if (spec.buffer && paramCodec) checkPackedParam(name, spec.buffer, n, paramCodec);
    else if (spec.buffer && spec.buffer.size < n * 4) throw new ShapeError(name, `parameter '${name}': buffer holds ${spec.buffer.size} bytes, shape ${JSON.stringify(spec.shape)} needs ${n * 4}`);
    if (spec.data && spec.data.length !== n) throw new ShapeError(name, `parameter '${name}': data has ${spec.data.length} elements, shape ${JSON.stringify(spec.shape)} has ${n}`);
    shapes.set(name, [...spec.shape]);
  }

  // Caller-owned buffers cannot be packed: they get a chunk (or several, past one binding) of their own.
  // Tensors start at block boundaries of every compressed state, so blocks are per tensor.
  const codecs = new Map(module.states.map((st) => [st.name, codecOf(st.format)] as const));
  const maxBlock = Math.max(0, ...[...codecs.values()].map((c) => c?.block ?? 0));
  const compressed = [...codecs.values()].some((c) => c) || !!paramCodec;
  // Phased modules (reductions, per-tensor values): tensors start on workgroup tiles, so no tile spans two.
  const align = Math.max(4, device.limits.minStorageBufferOffsetAlignment / 4, compressed ? LANE_GROUP : 0, maxBlock,
    ...[module, ...Object.values(module.entries ?? {})].map((m) => (m.phased ? phasedAlign(m.phased) : 0)));
  const splitAlign = Math.max(1, ...[module, ...Object.values(module.entries ?? {})].map((m) => (m.phased ? phasedSplit(m.phased) : 1)));
  const maxElements = Math.floor(Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize, options.maxBindingBytes ?? Infinity) / 4);
  const entries = [...shapes].map(([name, shape]) => ({ name, n: numel(shape), group: groupOf.get(name) ?? 0 }));
  const owned = entries.filter((t) => !params[t.name]!.buffer);
  const chunks = [
    ...planLayout(owned, { maxElements, align, separate: options.pack === false, splitAlign }),
    ...planLayout(entries.filter((t) => params[t.name]!.buffer), { maxElements, align, separate: true, splitAlign }),
  ];

  const inits = stateInitValues(module.host, groupHypers[0]!);
  alloc.begin();
  for (const [ci, chunk] of chunks.entries()) {
    const bytes = chunk.n * 4;
    const caller = params[chunk.pieces[0]!.tensor]!.buffer;
    const pbytes = paramBytesPer(paramCodec);
    let param: ChunkBuffers['param'];
    if (caller) {
      if (paramCodec && chunk.pieces[0]!.tensorOffset > 0) {
        throw new UnsupportedError(`parameter '${chunk.pieces[0]!.tensor}' is stored as ${module.param!.kind} in a caller's buffer larger than one storage binding; split it into several tensors`);
      }
      param = { buffer: caller, offset: chunk.pieces[0]!.tensorOffset * 4, owned: false };
    } else {
      const size = paramCodec ? Math.max(16, Math.ceil(stateBytes(paramCodec, chunk.n).codes / 16) * 16) : bytes;
      param = { buffer: device.createBuffer({ size, usage: STORAGE_RW(), label: `chunk${ci}.p` }), offset: 0, owned: true };
      for (const pc of chunk.pieces) {
        const data = params[pc.tensor]!.data;
        if (!data) continue;
        if (!paramCodec) { writeF32(device, param.buffer, pc.chunkOffset * 4, data, pc.tensorOffset, pc.length); continue; }
        // An f32 upload is stored rounded to nearest even; pieces start at 64-element groups, so on a word.
        const { words } = encodeAs(module.param!, data.subarray(pc.tensorOffset, pc.tensorOffset + pc.length));
        if (words.length) device.queue.writeBuffer(param.buffer, pc.chunkOffset * pbytes, words.buffer as ArrayBuffer, words.byteOffset, words.byteLength);
      }
    }
    const padded = Math.ceil(chunk.pieces.reduce((s, p) => s + p.length, 0) / 4) * 4 * pbytes;
    const fits4 = param.buffer.size - param.offset >= padded;
    const width: 1 | 4 = module.variants[4] && fits4 && (options.vectorize !== false || !module.variants[1]) ? 4 : 1;
    if (!module.variants[width]) {
      throw new UnsupportedError(`parameter '${chunk.pieces[0]!.tensor}': '${module.name}' keeps compressed state, whose kernels read whole groups of 4 elements; its buffer must be padded to a multiple of 16 bytes`);
    }
    const stateInit = stateInitValues(module.host, groupHypers[chunk.group]!);
    const states = new Map(module.states.filter(isElemState).map((s) => {
      const codec = codecs.get(s.name);
      const size = stateBytes(codec, chunk.n);
      const buf = device.createBuffer({ size: Math.max(16, Math.ceil(size.codes / 16) * 16), usage: STORAGE_RW(), label: `chunk${ci}.${s.name}` });
      const v = stateInit[s.name] ?? inits[s.name]!;
      const store: StateStore = { buf };
      if (codec) {
        // The initial codes and scales: the chunk's fill encoded, as the interpreter encodes its fill, with
        // code 0 in lanes that hold no element (the CPU quantizer's padding, which the kernel also writes).
        const packed = encodeAs(s.format, new Float32Array(chunk.n).fill(v));
        clearPaddingLanes(packed.words, chunk, codec.info.bitsPerElement);
        device.queue.writeBuffer(buf, 0, packed.words.buffer as ArrayBuffer, packed.words.byteOffset, packed.words.byteLength);
        store.codec = codec;
        if (codec.block) {
          store.scales = device.createBuffer({ size: Math.max(16, Math.ceil(size.scales / 16) * 16), usage: STORAGE_RW(), label: `chunk${ci}.${s.name}.scales` });
          writeF32(device, store.scales, 0, packed.scales);
        }
      } else if (v !== 0) writeF32(device, buf, 0, new Float32Array(chunk.n).fill(v));
      return [s.name, store];
    }));
    let lanes: GPUBuffer | undefined;
    if (compressed) {
      const counts = new Uint32Array(Math.ceil(chunk.n / LANE_GROUP));
      for (const pc of chunk.pieces) {
        for (let e = 0; e < pc.length; e += LANE_GROUP) counts[(pc.chunkOffset + e) / LANE_GROUP] = Math.min(LANE_GROUP, pc.length - e);
      }
      lanes = device.createBuffer({ size: Math.max(16, Math.ceil(counts.byteLength / 16) * 16), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST, label: `chunk${ci}.lanes` });
      device.queue.writeBuffer(lanes, 0, counts);
    }
    const origins = module.uniforms.fields.some((f) => f.source.from === 'srKey') ? originTable(device, chunk, [...shapes.keys()], ci) : undefined;
    const temps = new Map(module.temps.map((t) => [t, device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE, label: `chunk${ci}.${t}` })]));
    const uniform = device.createBuffer({ size: module.uniforms.size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label: `chunk${ci}.u` });
    bufs.push({ chunk, width, param, inputs: new Map(), states, ...(lanes ? { lanes } : {}), ...(origins ? { origins } : {}), temps, uniform, bindGroups: new Map() });
  }
  alloc.end();
  const pipes = new Map<1 | 4, GPUComputePipeline[]>();
  for (const w of new Set(bufs.map((b) => b.width))) pipes.set(w, await pipelines(device, module, w));
  alloc.begin();
  const flag = module.guard ? device.createBuffer({ size: 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, label: 'skip' }) : undefined;
  const groupInits = groupHypers.map((h) => stateInitValues(module.host, h));
  const phased = module.phased ? new PhasedRunner(device, module, shapes, (n) => groupOf.get(n) ?? 0, bufs, groupInits) : undefined;
  const entryRunner = module.entries ? new EntryRunner(device, module.entries, shapes, (n) => groupOf.get(n) ?? 0, bufs) : undefined;
  const rank1 = [...codecs.values()].some((c) => c?.rank1) ? new Rank1Runner(device, module, shapes, bufs) : undefined;
  const opt = new Optimizer(device, module, shapes, bufs, pipes, groupHypers, flag, { phased, groupInits, entries: entryRunner, rank1 });
  // Rank-1 scales depend on each tensor's shape: encode every tensor's fill on its own.
  for (const s of module.states.filter((st) => rank1?.has(st.name))) {
    for (const [name, shape] of shapes) {
      opt.writeStatePacked(s.name, name, encodeAs(s.format, new Float32Array(numel(shape)).fill(groupInits[groupOf.get(name) ?? 0]![s.name]!), shape));
    }
  }
  alloc.end();
  return opt;
}

/** Releases a chunk's buffers (a caller's parameter buffer stays the caller's). */
function destroyChunk(cb: ChunkBuffers): void {
  if (cb.param.owned) cb.param.buffer.destroy();
  for (const st of cb.states.values()) { st.buf.destroy(); st.scales?.destroy(); }
  cb.lanes?.destroy();
  cb.origins?.destroy();
  for (const buf of [...cb.inputs.values(), ...cb.temps.values(), cb.uniform]) buf.destroy();
}

/** Zeroes the code lanes of elements outside every piece of the chunk (`bits` per element, packed in u32 words). */
function clearPaddingLanes(words: Uint32Array, chunk: Chunk, bits: number): void {
  const perWord = 32 / bits;
  const live = new Uint8Array(words.length * perWord);
  for (const pc of chunk.pieces) live.fill(1, pc.chunkOffset, pc.chunkOffset + pc.length);
  const mask = bits === 32 ? 0xffffffff : (1 << bits) - 1;
  for (let e = 0; e < live.length; e++) {
    if (!live[e]) words[Math.floor(e / perWord)]! &= ~(mask << (bits * (e % perWord)));
  }
}

/** Bytes per parameter element on the device: 4 for f32, 2 for f16/bf16. */
const paramBytesPer = (c: StateCodec | undefined) => (c ? c.info.bitsPerElement / 8 : 4);

/**
 * A caller's buffer for an f16/bf16 parameter holds the packed words the kernel reads: whole groups of 4
 * elements, 8 bytes each, padded to at most 16 bytes. An f32-sized buffer is refused rather than misread.
 */
function checkPackedParam(name: string, buffer: GPUBuffer, n: number, c: StateCodec): void {
  const want = Math.ceil(n / 4) * 8;
  if (buffer.size < want || buffer.size > Math.max(16, Math.ceil(want / 16) * 16)) {
    throw new ShapeError(name, `parameter '${name}' is stored as ${c.info.name} (two elements per u32 word): its buffer must hold ${want} bytes (8 per group of 4 elements, up to 16-byte padding), got ${buffer.size}`);
  }
}

/** Per 64-element group of a chunk: the tensor's id (its position in `tensors`) and the group's first in-tensor index. */
function originTable(device: GPUDevice, chunk: Chunk, tensors: string[], ci: number): GPUBuffer {
  const table = new Uint32Array(2 * Math.ceil(chunk.n / LANE_GROUP));
  for (const pc of chunk.pieces) {
    const id = tensors.indexOf(pc.tensor);
    for (let e = 0; e < pc.length; e += LANE_GROUP) table.set([id, pc.tensorOffset + e], (2 * (pc.chunkOffset + e)) / LANE_GROUP);
  }
  const buf = device.createBuffer({ size: Math.max(16, Math.ceil(table.byteLength / 16) * 16), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST, label: `chunk${ci}.origins` });
  device.queue.writeBuffer(buf, 0, table);
  return buf;
}

export class Optimizer {
  /** Steps taken so far; the next step runs with t = stepCount + 1. */
  stepCount = 0;
  private disposed = false;
  private pendingGuard = false;
  private readonly pieces = new Map<string, { cb: ChunkBuffers; piece: Piece }[]>();
  private readonly phased?: PhasedRunner;
  private readonly entries?: EntryRunner;
  private readonly rank1?: Rank1Runner;
  private stepStates: Record<string, number>[];
  private readonly unwatch: () => void;

  constructor(readonly device: GPUDevice, readonly module: KernelModule, private readonly shapes: Map<string, number[]>,
    private readonly chunks: ChunkBuffers[], private readonly pipes: Map<1 | 4, GPUComputePipeline[]>,
    private groupHypers: Record<string, number>[], private readonly flag?: GPUBuffer,
    extra: { phased?: PhasedRunner; groupInits?: Record<string, number>[]; entries?: EntryRunner; rank1?: Rank1Runner } = {}) {
    this.phased = extra.phased;
    this.entries = extra.entries;
    this.rank1 = extra.rank1;
    this.unwatch = watchDevice(device, this, (o) => o.describe());
    // Step states (`state s: step`) live here, per parameter group, in float64.
    const stepNames = module.states.filter((s) => s.space === 'step').map((s) => s.name);
    this.stepStates = groupHypers.map((_, g) => Object.fromEntries(stepNames.map((n) => [n, extra.groupInits?.[g]?.[n] ?? 0])));
    for (const name of shapes.keys()) this.pieces.set(name, []);
    for (const cb of chunks) for (const piece of cb.chunk.pieces) this.pieces.get(piece.tensor)!.push({ cb, piece });
  }

  get tensors(): string[] { return [...this.shapes.keys()]; }
  /** Hyperparameter values of group 0 (tensors in no group). */
  get hypers(): Record<string, number> { return { ...this.groupHypers[0]! }; }

  /** Compute passes dispatched per step: kernels (the guard's check included) × chunks. */
  get dispatchesPerStep(): number {
    if (this.phased) return this.phased.dispatchesPerStep(this.chunks.length);
    const once = kernelsOf(this.module).filter((k) => k.scalesOf);
    return (kernelsOf(this.module).length - once.length) * this.chunks.length + once.length;
  }

  /** Bytes allocated on the device for parameters (this runtime's own) and optimizer state. */
  memory(): MemoryReport {
    let paramBytes = 0, stateBytes = 0;
    for (const cb of this.chunks) {
      if (cb.param.owned) paramBytes += cb.param.buffer.size;
      for (const s of cb.states.values()) stateBytes += s.buf.size + (s.scales?.size ?? 0);
    }
    stateBytes += (this.phased?.stateBytes() ?? 0) + (this.rank1?.stateBytes() ?? 0);
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
   * before this returns; without the guard the
   * promise resolves at once (`await sync()` waits for the device), with it the promise resolves once the
   * guard's flag is read back, and the step count advances only if the step was not skipped.
   */
  step(grads: Record<string, TensorData>, inputs: Record<string, Record<string, TensorData>> = {},
    scalars: Record<string, number> = {}): Promise<StepReport> {
    this.live();
    const declared = this.module.host.declaredScalars ?? [];
    for (const k of Object.keys(scalars)) if (!declared.includes(k)) throw new MissingScalarError(k, `unknown scalar input '${k}' for optimizer '${this.module.name}'; it declares: ${declared.join(', ') || '(none)'}`);
    for (const k of this.module.host.scalars ?? []) {
      if (typeof scalars[k] !== 'number') throw new MissingScalarError(k, `missing scalar input '${k}': pass it as step(grads, inputs, { ${k}: ... })`);
    }
    if (this.pendingGuard) throw new OptcRuntimeError(`optimizer '${this.module.name}' runs with the non-finite guard: await each step() before the next`);
    for (const k of Object.keys(grads)) if (!this.shapes.has(k)) throw new UnknownTensorError(k, `gradient for unknown parameter '${k}'; parameters: ${this.tensors.join(', ')}`);
    for (const k of Object.keys(inputs)) if (!this.module.inputs.includes(k) || k === 'g') throw new UnknownTensorError(k, `unknown input '${k}' for optimizer '${this.module.name}'; it declares: ${this.module.inputs.slice(1).join(', ') || '(none)'}`);
    // Only the inputs some kernel reads are required (a zeroth-order method never reads g).
    const read = new Set(kernelsOf(this.module).flatMap((k) => k.bindings.filter((b) => b.kind === 'input').map((b) => b.name)));
    const sources = this.module.inputs.filter((input) => read.has(input)).map((input) => {
      const per = input === 'g' ? grads : inputs[input] ?? {};
      for (const [name, shape] of this.shapes) {
        const src = per[name];
        const label = input === 'g' ? `gradient of '${name}'` : `input '${input}' of '${name}'`;
        if (!src) throw new MissingTensorError(name, `missing ${label}`);
        const n = numel(shape);
        if (src instanceof Float32Array ? src.length !== n : src.size < n * 4) {
          throw new ShapeError(name, `${label} has ${src instanceof Float32Array ? `${src.length} elements` : `${src.size} bytes`}, the parameter has ${n} elements (shape ${JSON.stringify(shape)})`);
        }
      }
      return { input, per };
    });
    const t = this.stepCount + 1;
    const hostVals = this.groupHypers.map((h, g) => evalHost(this.module.host, h, t, { scalars, states: this.stepStates[g] }));
    if (this.flag) this.device.queue.writeBuffer(this.flag, 0, new Uint32Array([0]));
    // A step that touches a caller's GPUBuffer is checked by the device (guards.ts); if refused, none of it ran.
    const callers = sources.flatMap(({ input, per }) => [...this.shapes.keys()].flatMap((name) => {
      const buffer = per[name];
      return buffer instanceof Float32Array || !buffer ? [] : [{ tensor: name, label: input === 'g' ? `gradient of '${name}'` : `input '${input}' of '${name}'`, buffer }];
    }));
    for (const b of callers) checkUsage(b, 0, 'STORAGE or COPY_SRC');
    for (const cb of this.chunks) if (!cb.param.owned) callers.push({ tensor: cb.chunk.pieces[0]!.tensor, label: `parameter '${cb.chunk.pieces[0]!.tensor}'`, buffer: cb.param.buffer });
    const refused = submitChecked(this.device, callers, `step ${t} of '${this.module.name}'`, () => {
      const enc = this.device.createCommandEncoder({ label: `${this.module.name} step ${t}` });
      const bound = this.chunks.map((cb) => sources.map(({ input, per }) => this.inputBinding(cb, input, per, enc)));
      const pass = enc.beginComputePass();
      if (this.phased) {
          this.phased.encode(pass, this.chunks, hostVals, t, (ci) => this.bindGroups(this.chunks[ci]!, bound[ci]!, sources.map((s) => s.input)), (w) => this.pipes.get(w)!);
      } else {
        const live = this.chunks.flatMap((cb, ci) => {
          const len = cb.chunk.pieces.reduce((s, p) => Math.max(s, p.chunkOffset + p.length), 0);
          const items = Math.ceil(len / cb.width);
          if (items === 0) return [];
          this.device.queue.writeBuffer(cb.uniform, 0, uniformBytes(this.module.uniforms, hostVals[cb.chunk.group]!, { n: items, len }, t));
          return [{ cb, items, groups: this.bindGroups(cb, bound[ci]!, sources.map((s) => s.input)) }];
        });
        // Kernel-major: the guard checks every chunk before any update, and rank-1 maxima (and the scales
        // the main kernel decodes with) span chunks; `scalesOf` kernels run once, with chunk 0's bindings.
        kernelsOf(this.module).forEach((spec, k) => {
          const maxX = this.device.limits.maxComputeWorkgroupsPerDimension;
          const runs = spec.scalesOf ? live.slice(0, 1).map((c) => ({ ...c, grid: spillGrid(this.rank1!.finalizeGroups(spec.scalesOf!, spec.workgroupSize), maxX) }))
            : live.map((c) => ({ ...c, grid: gridFor(this.module.variants[c.cb.width]![k]!, c.items, maxX) }));
          for (const { cb, groups, grid: [x, y] } of runs) {
            if (x === 0) continue;
            pass.setPipeline(this.pipes.get(cb.width)![k]!);
            pass.setBindGroup(0, groups[k]!);
            pass.dispatchWorkgroups(x, y);
          }
        });
      }
      pass.end();
      this.device.queue.submit([enc.finish()]);
    });
    // Step states advance with the step (and not at all when the guard skips it).
    const advance = () => {
      for (const [g, vals] of hostVals.entries()) for (const u of this.module.host.stepStateUpdates ?? []) this.stepStates[g]![u.state] = vals[u.value]!;
    };
    if (!this.flag) {
      const before = this.stepStates.map((g) => ({ ...g }));
      this.stepCount = t;
      advance();
      const report = { t, skipped: false };
      return refused ? refused.then((e) => { if (e) { this.undoStep(t, before); throw e; } return report; }) : Promise.resolve(report);
    }
    this.pendingGuard = true;
    return Promise.all([refused, readBuffer(this.device, this.flag, 4)]).then(([e, bytes]) => {
      if (e) { this.undoStep(t, this.stepStates); throw e; }
      const skipped = new Uint32Array(bytes)[0] !== 0;
      if (!skipped) { this.stepCount = t; advance(); }
      return { t: skipped ? t - 1 : t, skipped };
    }).finally(() => { this.pendingGuard = false; });
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

  /** Resolves when every submitted step has finished on the device. */
  async sync(): Promise<void> { await this.device.queue.onSubmittedWorkDone(); }

  /** A parameter's values as f32 (decoded from f16/bf16 when the optimizer stores it so). */
  async readParam(name: string): Promise<Float32Array> {
    if (!this.module.param) return this.gather(name, (cb) => ({ buffer: cb.param.buffer, offset: cb.param.offset }));
    return decodeAs(this.module.param, { words: await this.readParamPacked(name), scales: new Float32Array(0) }, numel(this.shapes.get(name)!));
  }

  /**
   * An f16/bf16 parameter as stored: u32 words, two elements each (element 2k in the low half), laid out
   * as one tensor. Checkpoints save these bits.
   */
  async readParamPacked(name: string): Promise<Uint32Array> {
    return this.gatherWords(name, this.packedParamBits(), (cb) => ({ buffer: cb.param.buffer, offset: cb.param.offset }));
  }

  /** Overwrites an f16/bf16 parameter with stored words (checkpoint restore). */
  writeParamPacked(name: string, words: Uint32Array): void {
    const bits = this.packedParamBits();
    const n = numel(this.shapes.get(name)!);
    if (words.length !== Math.ceil((n * bits) / 32)) throw new ShapeError(name, `parameter '${name}': got ${words.length} words, expected ${Math.ceil((n * bits) / 32)}`);
    this.scatterWords(name, bits, words, (cb) => ({ buffer: cb.param.buffer, offset: cb.param.offset }));
  }

  private packedParamBits(): number {
    this.live();
    if (!this.module.param) throw new UnsupportedError(`optimizer '${this.module.name}' stores its parameters as f32; use readParam/writeParam`);
    return FORMATS[this.module.param.kind].bitsPerElement;
  }

  /** A state tensor's values (decoded, for a compressed state). */
  async readState(state: string, name: string): Promise<Float32Array> {
    this.stateCheck(state);
    if (this.phased?.isSmall(state)) { this.piecesOf(name); return this.phased.readSmall(state, name); }
    if (this.isStepState(state)) return Float32Array.of(this.stepState(state, this.groupOfTensor(name)));
    const format = this.module.states.find((s) => s.name === state)!.format;
    if (!codecOf(format)) return this.gather(name, (cb) => ({ buffer: cb.states.get(state)!.buf, offset: 0 }));
    const pk = await this.readStatePacked(state, name);
    const shape = this.shapes.get(name)!;
    return decodeAs(format, pk, numel(shape), shape);
  }

  /**
   * A compressed state tensor as stored: its code words and per-block scales, laid out as the CPU
   * quantizer lays out one tensor (the kernel and the interpreter agree on these bit for bit).
   */
  async readStatePacked(state: string, name: string): Promise<Packed> {
    this.stateCheck(state);
    const codec = codecOf(this.module.states.find((s) => s.name === state)!.format);
    if (!codec) throw new UnsupportedError(`state '${state}' is stored as f32; read it with readState`);
    const n = numel(this.shapes.get(name)!);
    const bits = codec.info.bitsPerElement;
    const words = await this.gatherWords(name, bits, (cb) => ({ buffer: cb.states.get(state)!.buf, offset: 0 }));
    // Rank-1 scales are per tensor, not per chunk (rank1.ts).
    const scales = this.rank1?.has(state) ? await this.rank1.readScales(state, name) : new Float32Array(codec.block ? Math.ceil(n / codec.block) : 0);
    if (codec.block) {
      for (const { cb, piece } of this.piecesOf(name)) {
        if (piece.length === 0) continue;
        const b0 = piece.chunkOffset / codec.block, bn = Math.ceil(piece.length / codec.block);
        scales.set(new Float32Array(await readBuffer(this.device, cb.states.get(state)!.scales!, bn * 4, b0 * 4)), piece.tensorOffset / codec.block);
      }
    }
    return { words, scales };
  }

  /** Overwrites a compressed state tensor with codes and scales (checkpoint restore). */
  writeStatePacked(state: string, name: string, pk: Packed): void {
    this.stateCheck(state);
    const codec = codecOf(this.module.states.find((s) => s.name === state)!.format);
    if (!codec) throw new UnsupportedError(`state '${state}' is stored as f32; write it with writeState`);
    const n = numel(this.shapes.get(name)!);
    const bits = codec.info.bitsPerElement;
    const nScales = this.rank1?.has(state) ? this.rank1.scaleCount(state, name) : codec.block ? Math.ceil(n / codec.block) : 0;
    if (pk.words.length !== Math.ceil((n * bits) / 32) || pk.scales.length !== nScales) {
      throw new ShapeError(name, `state '${state}' of '${name}': got ${pk.words.length} words and ${pk.scales.length} scales, expected ${Math.ceil((n * bits) / 32)} and ${nScales}`);
    }
    this.scatterWords(name, bits, pk.words, (cb) => ({ buffer: cb.states.get(state)!.buf, offset: 0 }));
    if (codec.block) {
      for (const { cb, piece } of this.piecesOf(name)) {
        if (piece.length === 0) continue;
        const b0 = piece.tensorOffset / codec.block, bn = Math.ceil(piece.length / codec.block);
        writeF32(this.device, cb.states.get(state)!.scales!, (piece.chunkOffset / codec.block) * 4, pk.scales, b0, bn);
      }
    }
    if (this.rank1?.has(state)) this.rank1.writeScales(state, name, pk.scales);
  }

  /**
   * A step state's value (`state s: step`, kept on the host in float64) for a parameter group (0: the
   * tensors in no group).
   */
  stepState(state: string, group = 0): number {
    this.stateCheck(state);
    if (!this.isStepState(state)) throw new UnknownStateError(state, `state '${state}' is not a step state`);
    const v = this.stepStates[group]?.[state];
    if (v === undefined) throw new HyperError(state, `no parameter group ${group} (there are ${this.groupHypers.length - 1})`);
    return v;
  }

  /** Overwrites a step state for a parameter group (checkpoint restore, tests). */
  setStepState(state: string, value: number, group = 0): void {
    this.stepState(state, group);
    this.stepStates[group]![state] = value;
  }

  private isStepState(state: string): boolean { return this.module.states.some((s) => s.name === state && s.space === 'step'); }

  private groupOfTensor(name: string): number { return this.piecesOf(name)[0]?.cb.chunk.group ?? 0; }

  /** Every state tensor, read back (decoded): state name -> parameter name -> values. */
  async state(): Promise<Record<string, Record<string, Float32Array>>> {
    return (await this.read()).state;
  }

  /** Every parameter and state tensor, read back. */
  async read(): Promise<{ params: Record<string, Float32Array>; state: Record<string, Record<string, Float32Array>> }> {
    const params: Record<string, Float32Array> = {};
    const state: Record<string, Record<string, Float32Array>> = {};
    for (const name of this.tensors) params[name] = await this.readParam(name);
    for (const s of this.module.states) {
      state[s.name] = {};
      for (const name of this.tensors) state[s.name]![name] = await this.readState(s.name, name);
    }
    return { params, state };
  }

  /** Overwrites a state tensor (checkpoint restore, tests). */
  writeState(state: string, name: string, data: Float32Array): void {
    this.stateCheck(state);
    if (this.phased?.isSmall(state)) { this.piecesOf(name); this.phased.writeSmall(state, name, data); return; }
    if (this.isStepState(state)) throw new UnsupportedError(`state '${state}' is a step state, one float64 per parameter group: set it with setStepState`);
    const format = this.module.states.find((s) => s.name === state)!.format;
    if (codecOf(format)) {
      const n = numel(this.shapes.get(name)!);
      if (data.length !== n) throw new ShapeError(name, `state '${state}' of '${name}': got ${data.length} elements, expected ${n}`);
      this.writeStatePacked(state, name, encodeAs(format, data, this.shapes.get(name)!));
      return;
    }
    this.scatter(name, data, `state '${state}' of '${name}'`, (cb) => ({ buffer: cb.states.get(state)!.buf, offset: 0 }));
  }

  /** Overwrites a parameter tensor (an f16/bf16 one is stored rounded to nearest even). */
  writeParam(name: string, data: Float32Array): void {
    if (this.module.param) {
      this.piecesOf(name);
      const n = numel(this.shapes.get(name)!);
      if (data.length !== n) throw new ShapeError(name, `parameter '${name}': got ${data.length} elements, expected ${n}`);
      this.writeParamPacked(name, encodeAs(this.module.param, data).words);
      return;
    }
    this.scatter(name, data, `parameter '${name}'`, (cb) => ({ buffer: cb.param.buffer, offset: cb.param.offset }));
  }

  /**
   * Saves optimizer state, step count, hyperparameters (group 0) and, by default, the parameters, as a
   * safetensors file written atomically. Tensors: `state/<state>/<param>`, `param/<param>`.
   */
  async save(file: string, options: { params?: boolean; ops?: WriteOps } = {}): Promise<void> {
    await this.sync();
    const tensors: Record<string, CheckpointTensor> = {};
    for (const name of this.tensors) {
      const shape = this.shapes.get(name)!;
      if (options.params !== false) tensors[`param/${name}`] = await this.paramTensor(name, shape);
      for (const s of this.module.states) {
        if (s.space === 'step') continue;
        if (this.phased?.isSmall(s.name)) {
          tensors[`state/${s.name}/${name}`] = { dtype: 'F32', shape: this.phased.smallShape(s.name, name), data: await this.readState(s.name, name) };
          continue;
        }
        if (s.format.kind === 'f32') {
          tensors[`state/${s.name}/${name}`] = { dtype: 'F32', shape, data: await this.readState(s.name, name) };
          continue;
        }
        // Compressed state is saved as stored, so a restore is bit-exact (decode then encode is not always).
        const pk = await this.readStatePacked(s.name, name);
        tensors[`state/${s.name}/${name}/codes`] = { dtype: 'U32', shape: [pk.words.length], data: pk.words };
        if (pk.scales.length) tensors[`state/${s.name}/${name}/scales`] = { dtype: 'F32', shape: [pk.scales.length], data: pk.scales };
      }
    }
    // Step states: the float64 bits as two u32 words, per parameter group.
    for (const [g, states] of this.stepStates.entries()) {
      for (const [s, v] of Object.entries(states)) tensors[`stepstate/${s}/${g}`] = { dtype: 'U32', shape: [2], data: new Uint32Array(new Float64Array([v]).buffer) };
    }
    await saveCheckpoint(file, this.checkpointHeader(tensors), options.ops ? { ops: options.ops } : {});
  }

  /**
   * Restores what `save` wrote. The file is fully validated first (optimizer, program hash, layout version,
   * every tensor's dtype and shape, checksums); a file that fails leaves this optimizer untouched.
   */
  async load(file: string): Promise<void> {
    this.live();
    const want: Record<string, { dtype: 'F32' | 'U32'; shape: number[] }> = {};
    for (const name of this.tensors) {
      const shape = this.shapes.get(name)!;
      for (const s of this.module.states) {
        if (s.space === 'step') continue;
        if (this.phased?.isSmall(s.name)) { want[`state/${s.name}/${name}`] = { dtype: 'F32', shape: this.phased.smallShape(s.name, name) }; continue; }
        const codec = codecOf(s.format);
        if (!codec) { want[`state/${s.name}/${name}`] = { dtype: 'F32', shape }; continue; }
        const n = numel(shape);
        want[`state/${s.name}/${name}/codes`] = { dtype: 'U32', shape: [Math.ceil((n * codec.info.bitsPerElement) / 32)] };
        const scales = scaleCountAs(s.format, shape);
        if (scales) want[`state/${s.name}/${name}/scales`] = { dtype: 'F32', shape: [scales] };
      }
    }
    for (const [g, states] of this.stepStates.entries()) for (const s of Object.keys(states)) want[`stepstate/${s}/${g}`] = { dtype: 'U32', shape: [2] };
    const ck = await loadCheckpoint(file, {
      optimizer: this.module.name, programHash: this.module.programHash, formatVersion: STATE_LAYOUT_VERSION,
      hypers: this.module.hypers.map((h) => h.name), tensors: want, allowExtraTensors: true,
    });
    const params = this.tensors.filter((n) => ck.tensors[`param/${n}`]);
    const pdtype = this.module.param ? PARAM_DTYPE[this.module.param.kind]! : 'F32';
    for (const n of params) {
      const t = ck.tensors[`param/${n}`]!;
      const shape = this.shapes.get(n)!;
      if (t.dtype !== pdtype || t.shape.join() !== shape.join()) throw new ShapeError(n, `checkpoint parameter '${n}' is ${t.dtype}${JSON.stringify(t.shape)}, expected ${pdtype}${JSON.stringify(shape)}`);
    }
    const hypers = overrideHypers(this.module, this.groupHypers[0]!, ck.hypers);
    // Validated: from here on nothing can fail, so the state is replaced whole.
    for (const n of params) {
      const data = ck.tensors[`param/${n}`]!.data;
      if (data instanceof Uint16Array) this.writeParamPacked(n, packHalfBits(data));
      else this.writeParam(n, data as Float32Array);
    }
    for (const name of this.tensors) {
      for (const s of this.module.states) {
        if (s.space === 'step') continue;
        const key = `state/${s.name}/${name}`;
        if (s.format.kind === 'f32') this.writeState(s.name, name, ck.tensors[key]!.data as Float32Array);
        else this.writeStatePacked(s.name, name, { words: ck.tensors[`${key}/codes`]!.data as Uint32Array, scales: (ck.tensors[`${key}/scales`]?.data as Float32Array | undefined) ?? new Float32Array(0) });
      }
    }
    for (const [g, states] of this.stepStates.entries()) {
      for (const s of Object.keys(states)) states[s] = new Float64Array(new Uint32Array(ck.tensors[`stepstate/${s}/${g}`]!.data as Uint32Array).buffer)[0]!;
    }
    this.groupHypers[0] = hypers;
    this.stepCount = ck.step;
  }

  /** `param/<name>`: F32, or the stored 16-bit patterns as safetensors F16/BF16 (bit-exact, half the bytes). */
  private async paramTensor(name: string, shape: number[]): Promise<CheckpointTensor> {
    if (!this.module.param) return { dtype: 'F32', shape, data: await this.readParam(name) };
    const words = await this.readParamPacked(name);
    return { dtype: PARAM_DTYPE[this.module.param.kind]!, shape, data: new Uint16Array(words.buffer, words.byteOffset, numel(shape)) };
  }

  private checkpointHeader(tensors: Record<string, CheckpointTensor>): Checkpoint {
    return {
      optimizer: this.module.name, programHash: this.module.programHash, formatVersion: STATE_LAYOUT_VERSION,
      step: this.stepCount, hypers: { ...this.groupHypers[0]! }, tensors,
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.chunks.forEach(destroyChunk);
    this.unwatch();
    this.flag?.destroy();
    this.phased?.dispose();
    this.entries?.dispose();
    this.rank1?.dispose();
  }

  /**
   * Where a parameter's f32 values live on the device: one region per piece (a tensor larger than one
   * binding spans chunks). Framework adapters copy these on the GPU (param-copy.ts); nothing is read back.
   */
  paramRegions(name: string): { buffer: GPUBuffer; byteOffset: number; tensorByteOffset: number; bytes: number }[] {
    if (this.module.param) throw new UnsupportedError(`optimizer '${this.module.name}' stores its parameters as ${this.module.param.kind}, not f32`);
    return this.piecesOf(name).filter(({ piece }) => piece.length > 0).map(({ cb, piece }) => ({
      buffer: cb.param.buffer, byteOffset: cb.param.offset + piece.chunkOffset * 4, tensorByteOffset: piece.tensorOffset * 4, bytes: piece.length * 4,
    }));
  }

  /** After a step the device refused: forget its bind groups (they may be the invalid ones) and its count. */
  private undoStep(t: number, stepStates: Record<string, number>[]): void {
    for (const cb of this.chunks) cb.bindGroups.clear();
    if (this.stepCount === t) { this.stepCount = t - 1; this.stepStates = stepStates; }
  }

  private live() {
    if (this.disposed) throw new DisposedError(`optimizer '${this.module.name}' was disposed`);
    checkDevice(this.device, `under optimizer '${this.module.name}'`);
  }

  /** What a lost device takes with it, for DeviceLostError. */
  private describe(): string {
    const states = this.module.states.map((st) => st.name);
    return `optimizer '${this.module.name}' at step ${this.stepCount} (parameters ${this.tensors.map((t) => `'${t}'`).join(', ')}${states.length ? `; states ${states.join(', ')}` : ''})`;
  }

  private stateCheck(state: string) {
    this.live();
    if (!this.module.states.some((s) => s.name === state)) {
      throw new UnknownStateError(state, `optimizer '${this.module.name}' has no state '${state}'; it declares: ${this.module.states.map((s) => s.name).join(', ') || '(none)'}`);
    }
  }

  private piecesOf(name: string) {
    this.live();
    const ps = this.pieces.get(name);
    if (!ps) throw new UnknownTensorError(name, `unknown parameter '${name}'; parameters: ${this.tensors.join(', ')}`);
    return ps;
  }

  private async gather(name: string, where: (cb: ChunkBuffers) => { buffer: GPUBuffer; offset: number }): Promise<Float32Array> {
    const ps = this.piecesOf(name);
    const out = new Float32Array(numel(this.shapes.get(name)!));
    for (const { cb, piece } of ps) {
      if (piece.length === 0) continue;
      const { buffer, offset } = where(cb);
      out.set(new Float32Array(await readBuffer(this.device, buffer, piece.length * 4, offset + piece.chunkOffset * 4)), piece.tensorOffset);
    }
    return out;
  }

  /**
   * A packed tensor (`bits` per element, u32 words) as one tensor's words. Pieces start at 64-element
   * groups, so each starts on a word of the chunk's buffer and of the tensor.
   */
  private async gatherWords(name: string, bits: number, where: (cb: ChunkBuffers) => { buffer: GPUBuffer; offset: number }): Promise<Uint32Array> {
    const words = new Uint32Array(Math.ceil((numel(this.shapes.get(name)!) * bits) / 32));
    for (const { cb, piece } of this.piecesOf(name)) {
      if (piece.length === 0) continue;
      const { buffer, offset } = where(cb);
      const wn = Math.ceil((piece.length * bits) / 32);
      words.set(new Uint32Array(await readBuffer(this.device, buffer, wn * 4, offset + (piece.chunkOffset * bits) / 8)), (piece.tensorOffset * bits) / 32);
    }
    return words;
  }

  /** Writes one tensor's packed words into its pieces (the inverse of gatherWords). */
  private scatterWords(name: string, bits: number, words: Uint32Array, where: (cb: ChunkBuffers) => { buffer: GPUBuffer; offset: number }): void {
    for (const { cb, piece } of this.piecesOf(name)) {
      if (piece.length === 0) continue;
      const { buffer, offset } = where(cb);
      const w0 = (piece.tensorOffset * bits) / 32, wn = Math.ceil((piece.length * bits) / 32);
      this.device.queue.writeBuffer(buffer, offset + (piece.chunkOffset * bits) / 8, words.buffer as ArrayBuffer, words.byteOffset + w0 * 4, wn * 4);
    }
  }

  private scatter(name: string, data: Float32Array, label: string, where: (cb: ChunkBuffers) => { buffer: GPUBuffer; offset: number }): void {
    const ps = this.piecesOf(name);
    const n = numel(this.shapes.get(name)!);
    if (data.length !== n) throw new ShapeError(name, `${label}: got ${data.length} elements, expected ${n}`);
    for (const { cb, piece } of ps) {
      const { buffer, offset } = where(cb);
      writeF32(this.device, buffer, offset + piece.chunkOffset * 4, data, piece.tensorOffset, piece.length);
    }
  }

  /**
   * The buffer a kernel reads an input from in this chunk: a caller's GPUBuffer directly when the chunk
   * holds one piece of one tensor, else the chunk's own buffer, filled by writeBuffer or a copy.
   */
  private inputBinding(cb: ChunkBuffers, input: string, per: Record<string, TensorData>, enc: GPUCommandEncoder): { buffer: GPUBuffer; offset: number } {
    const only = cb.chunk.pieces.length === 1 ? cb.chunk.pieces[0]! : undefined;
    const src = only ? per[only.tensor] : undefined;
    if (only && src && !(src instanceof Float32Array) && src.usage & GPUBufferUsage.STORAGE) {
      const offset = only.tensorOffset * 4;
      const need = cb.width === 4 ? Math.ceil(only.length / 4) * 16 : only.length * 4;
      if (src.size - offset >= need) return { buffer: src, offset };
    }
    let own = cb.inputs.get(input);
    if (!own) {
      own = this.device.createBuffer({ size: cb.chunk.n * 4, usage: STORAGE_RW(), label: `${input}` });
      cb.inputs.set(input, own);
    }
    for (const pc of cb.chunk.pieces) {
      const s = per[pc.tensor]!;
      if (s instanceof Float32Array) writeF32(this.device, own, pc.chunkOffset * 4, s, pc.tensorOffset, pc.length);
      else if (pc.length > 0 && !(s.usage & GPUBufferUsage.COPY_SRC)) throw new BufferError(pc.tensor, `${input === 'g' ? 'gradient' : `input '${input}'`} of '${pc.tensor}' shares a chunk with other tensors, so it is copied: its GPUBuffer needs usage COPY_SRC`);
      else if (pc.length > 0) enc.copyBufferToBuffer(s, pc.tensorOffset * 4, own, pc.chunkOffset * 4, Math.ceil(pc.length) * 4);
    }
    return { buffer: own, offset: 0 };
  }

  private bindGroups(cb: ChunkBuffers, inputs: { buffer: GPUBuffer; offset: number }[], inputNames: string[] = this.module.inputs): GPUBindGroup[] {
    const key = inputs.map((b) => `${bufferId(b.buffer)}@${b.offset}`).join(',');
    let groups = cb.bindGroups.get(key);
    if (groups) return groups;
    const specs = this.module.variants[cb.width]!;
    const pipes = this.pipes.get(cb.width)!;
    const byInput = new Map(inputNames.map((name, i) => [name, inputs[i]!]));
    const ci = this.chunks.indexOf(cb);
    groups = specs.map((k, ki) => this.device.createBindGroup({
      layout: pipes[ki]!.getBindGroupLayout(0),
      entries: k.bindings.map((bd) => {
        const r = PHASED_KINDS.has(bd.kind) ? { buffer: this.phased!.resource(ci, bd), offset: 0 }
          : bd.kind === 'r1scales' || bd.kind === 'r1table' ? { buffer: this.rank1!.resource(ci, bd), offset: 0 }
          : bd.kind === 'uniform' ? { buffer: cb.uniform, offset: 0 }
          : bd.kind === 'param' ? { buffer: cb.param.buffer, offset: cb.param.offset }
          : bd.kind === 'input' ? byInput.get(bd.name)!
          : bd.kind === 'flag' ? { buffer: this.flag!, offset: 0 }
          : bd.kind === 'lanes' ? { buffer: cb.lanes!, offset: 0 }
          : bd.kind === 'origins' ? { buffer: cb.origins!, offset: 0 }
          : bd.kind === 'scales' ? { buffer: cb.states.get(bd.name)!.scales!, offset: 0 }
          : { buffer: bd.kind === 'state' ? cb.states.get(bd.name)!.buf : cb.temps.get(bd.name)!, offset: 0 };
        // Code words, scales and tables are bound whole: their length is not the chunk's element count.
        const whole = bd.kind === 'uniform' || bd.kind === 'flag' || bd.kind === 'lanes' || bd.kind === 'origins' || bd.kind === 'scales'
          || bd.kind === 'r1scales' || bd.kind === 'r1table' || PHASED_KINDS.has(bd.kind)
          || (bd.kind === 'state' && !!cb.states.get(bd.name)!.codec) || (bd.kind === 'param' && !!this.module.param);
        return { binding: bd.binding, resource: { buffer: r.buffer, offset: r.offset, ...(whole ? {} : { size: this.bindSize(cb, r) }) } };
      }),
    }));
    if (cb.bindGroups.size > 64) cb.bindGroups.clear(); // callers cycling through many gradient buffers
    cb.bindGroups.set(key, groups);
    return groups;
  }

  /** A binding covers the chunk's elements (rounded up to whole vec4s), never past its buffer. */
  private bindSize(cb: ChunkBuffers, r: { buffer: GPUBuffer; offset: number }): number {
    const want = Math.ceil(cb.chunk.n / 4) * 16;
    const room = Math.floor((r.buffer.size - r.offset) / 4) * 4;
    return Math.min(want, room);
  }

}

/** safetensors dtype of a stored parameter format. */
const PARAM_DTYPE: Partial<Record<string, 'F16' | 'BF16'>> = { f16: 'F16', bf16: 'BF16' };

/** 16-bit patterns (one per element) -> u32 words, element 2k in the low half. */
function packHalfBits(h: Uint16Array): Uint32Array {
  const words = new Uint32Array(Math.ceil(h.length / 2));
  for (let i = 0; i < h.length; i++) words[i >> 1]! |= h[i]! << (16 * (i & 1));
  return words;
}

const ids = new WeakMap<GPUBuffer, number>();
let nextId = 0;
function bufferId(b: GPUBuffer): number {
  let id = ids.get(b);
  if (id === undefined) ids.set(b, (id = nextId++));
  return id;
}
