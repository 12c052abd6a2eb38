// Allocation: validates the tensors a caller binds, packs them into chunks (src/runtime/layout.ts), and
// creates each chunk's buffers (parameter, states with their codes and scales, inputs, temporaries, the
// lanes/origins tables of compressed and stochastically rounded states, the uniform), the pipelines, and
// the runners of phased, rank-1 and entry-point modules.
import { overrideHypers } from '../diag.js';
import { stateInitValues } from '../host/index.js';
import { codecOf, kernelsOf, LANE_GROUP, stateBytes, type KernelModule, type StateCodec } from '../codegen-wgsl/index.js';
import { storageBuffer, uploadBuffer } from './buffers.js';
import { createComputePipeline } from './device.js';
import { EntryRunner } from './entries.js';
import { ShapeError, UnknownTensorError, UnsupportedError } from './errors.js';
import type { AllocationGuard } from './guards.js';
import { planLayout, type Chunk, type Piece } from './layout.js';
import { checkModuleLimits } from './limits.js';
import { phasedSplit, PhasedRunner } from './phased.js';
import { Rank1Runner } from './rank1.js';

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
export interface StateStore { buf: GPUBuffer; scales?: GPUBuffer; codec?: StateCodec }

export interface ChunkBuffers {
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

/** The module's pipelines at each vector width the chunks run at (device.ts builds each once per device). */
export async function pipelines(device: GPUDevice, module: KernelModule, chunks: readonly { width: 1 | 4 }[]): Promise<Map<1 | 4, GPUComputePipeline[]>> {
  const pipes = new Map<1 | 4, GPUComputePipeline[]>();
  for (const width of new Set(chunks.map((c) => c.width))) {
    const kernels = module.variants[width]!;
    pipes.set(width, await Promise.all(kernels.map((k) => createComputePipeline(device, k.wgsl, k.entryPoint, `${module.name}.${k.name}.w${width}`, k.bindings))));
  }
  return pipes;
}

export const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** A state with one value per parameter element (the others live per tensor/row/column or on the host). */
export const isElemState = (s: { space?: string }) => (s.space ?? 'elem') === 'elem';

/** Each grouped parameter's group (g + 1 for `groups[g]`; absent: none), every name checked against `params`. */
export function groupsOf(params: Record<string, TensorSpec>, groups: ParamGroup[] = []): Map<string, number> {
  const groupOf = new Map<string, number>();
  groups.forEach((g, gi) => {
    for (const name of g.params) {
      if (!(name in params)) throw new UnknownTensorError(name, `parameter group ${gi} names unknown parameter '${name}'`);
      if (groupOf.has(name)) throw new ShapeError(name, `parameter '${name}' is in two parameter groups`);
      groupOf.set(name, gi + 1);
    }
  });
  return groupOf;
}

/** A parameter's shape and initial data, checked; returns its element count. */
export function checkSpec(name: string, spec: TensorSpec): number {
  if (!Array.isArray(spec.shape) || spec.shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ShapeError(name, `parameter '${name}': shape must be a list of non-negative integers, got ${JSON.stringify(spec.shape)}`);
  }
  const n = numel(spec.shape);
  if (spec.data && spec.data.length !== n) throw new ShapeError(name, `parameter '${name}': data has ${spec.data.length} elements, shape ${JSON.stringify(spec.shape)} has ${n}`);
  return n;
}

/** Everything an Optimizer holds on the device, allocated and initialized. */
export interface Allocation {
  shapes: Map<string, number[]>;
  groupOf: Map<string, number>;
  groupHypers: Record<string, number>[];
  groupInits: Record<string, number>[];
  pipes: Map<1 | 4, GPUComputePipeline[]>;
  flag?: GPUBuffer;
  phased?: PhasedRunner;
  entries?: EntryRunner;
  rank1?: Rank1Runner;
}

/**
 * Validates the tensors, packs them into chunks (`bufs`, filled here so a failure can release them), and
 * creates every buffer, pipeline and stage runner the module needs. Buffer creation runs under `alloc`.
 */
export async function allocate(device: GPUDevice, module: KernelModule, params: Record<string, TensorSpec>, options: OptimizerOptions,
  bufs: ChunkBuffers[], alloc: AllocationGuard): Promise<Allocation> {
  checkModuleLimits(device, module);
  const defaults = Object.fromEntries(module.hypers.map((h) => [h.name, h.default]));
  const groupHypers = [overrideHypers(module, defaults, options.hypers ?? {})];
  for (const g of options.groups ?? []) groupHypers.push(overrideHypers(module, groupHypers[0]!, g.hypers));
  const groupOf = groupsOf(params, options.groups);

  // An f16/bf16 parameter is stored as packed u32 words, two elements per word, like a 16-bit state.
  const paramCodec = module.param ? codecOf(module.param) : undefined;
  const shapes = new Map<string, number[]>();
  for (const [name, spec] of Object.entries(params)) {
    const n = checkSpec(name, spec);
    if (spec.buffer && paramCodec) checkPackedParam(name, spec.buffer, n, paramCodec);
    else if (spec.buffer && spec.buffer.size < n * 4) throw new ShapeError(name, `parameter '${name}': buffer holds ${spec.buffer.size} bytes, shape ${JSON.stringify(spec.shape)} needs ${n * 4}`);
    shapes.set(name, [...spec.shape]);
  }

  // Caller-owned buffers cannot be packed: they get a chunk (or several, past one binding) of their own.
  // Tensors start at block boundaries of every compressed state, so blocks are per tensor.
  const codecs = new Map(module.states.map((st) => [st.name, codecOf(st.format)] as const));
  const maxBlock = Math.max(0, ...[...codecs.values()].map((c) => c?.block ?? 0));
  const compressed = [...codecs.values()].some((c) => c) || !!paramCodec;
  // Tensors start at vec4s (phased modules number tiles per piece, so a workgroup never sees two tensors).
  const align = Math.max(4, device.limits.minStorageBufferOffsetAlignment / 4, compressed ? LANE_GROUP : 0, maxBlock);
  const splitAlign = Math.max(1, ...[module, ...Object.values(module.entries ?? {})].map((m) => (m.phased ? phasedSplit(m.phased) : 1)));
  const maxElements = Math.floor(Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize, options.maxBindingBytes ?? Infinity) / 4);
  const entries = [...shapes].map(([name, shape]) => ({ name, n: numel(shape), group: groupOf.get(name) ?? 0 }));
  const owned = entries.filter((t) => !params[t.name]!.buffer);
  const chunks = [
    ...planLayout(owned, { maxElements, align, separate: options.pack === false, splitAlign }),
    ...planLayout(entries.filter((t) => params[t.name]!.buffer), { maxElements, align, separate: true, splitAlign }),
  ];

  const groupInits = groupHypers.map((h) => stateInitValues(module.host, h));
  // Stochastic rounding and phased store sweeps read each 64-element group's tensor id and in-tensor index.
  const needsOrigins = [module, ...Object.values(module.entries ?? {})].some((m) => kernelsOf(m).some((k) => k.bindings.some((b) => b.kind === 'origins')));
  const tensors = [...shapes.keys()];
  alloc.begin();
  for (const [ci, chunk] of chunks.entries()) {
    const bytes = chunk.n * 4;
    const first = chunk.pieces[0]!;
    const caller = params[first.tensor]!.buffer;
    if (caller && paramCodec && first.tensorOffset > 0) {
      throw new UnsupportedError(`parameter '${first.tensor}' is stored as ${module.param!.kind} in a caller's buffer larger than one storage binding; split it into several tensors`);
    }
    const param: ChunkBuffers['param'] = caller ? { buffer: caller, offset: first.tensorOffset * 4, owned: false }
      : { buffer: storageBuffer(device, paramCodec ? stateBytes(paramCodec, chunk.n).codes : bytes, `chunk${ci}.p`), offset: 0, owned: true };
    const padded = Math.ceil(chunk.pieces.reduce((s, p) => s + p.length, 0) / 4) * 4 * (paramCodec ? paramCodec.info.bitsPerElement / 8 : 4);
    const fits4 = param.buffer.size - param.offset >= padded;
    const width: 1 | 4 = module.variants[4] && fits4 && (options.vectorize !== false || !module.variants[1]) ? 4 : 1;
    if (!module.variants[width]) {
      throw new UnsupportedError(`parameter '${first.tensor}': '${module.name}' keeps compressed state, whose kernels read whole groups of 4 elements; its buffer must be padded to a multiple of 16 bytes`);
    }
    // Initial values are written through tensor I/O once the optimizer exists (optimizer.ts).
    const states = new Map(module.states.filter(isElemState).map((s) => {
      const codec = codecs.get(s.name);
      const size = stateBytes(codec, chunk.n);
      const store: StateStore = { buf: storageBuffer(device, size.codes, `chunk${ci}.${s.name}`), ...(codec ? { codec } : {}) };
      if (codec?.block) store.scales = storageBuffer(device, size.scales, `chunk${ci}.${s.name}.scales`);
      return [s.name, store];
    }));
    const lanes = compressed ? groupTable(device, chunk, `chunk${ci}.lanes`, 1, (pc, e) => [Math.min(LANE_GROUP, pc.length - e)]) : undefined;
    const origins = needsOrigins ? groupTable(device, chunk, `chunk${ci}.origins`, 2, (pc, e) => [tensors.indexOf(pc.tensor), pc.tensorOffset + e]) : undefined;
    const temps = new Map(module.temps.map((t) => [t, device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE, label: `chunk${ci}.${t}` })]));
    const uniform = device.createBuffer({ size: module.uniforms.size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label: `chunk${ci}.u` });
    bufs.push({ chunk, width, param, inputs: new Map(), states, ...(lanes ? { lanes } : {}), ...(origins ? { origins } : {}), temps, uniform, bindGroups: new Map() });
  }
  alloc.end();
  const pipes = await pipelines(device, module, bufs);
  alloc.begin();
  const flag = module.guard ? device.createBuffer({ size: 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, label: 'skip' }) : undefined;
  const phased = module.phased ? new PhasedRunner(device, module, shapes, (n) => groupOf.get(n) ?? 0, bufs, groupInits) : undefined;
  const rank1 = [...codecs.values()].some((c) => c?.rank1) ? new Rank1Runner(device, module, shapes, bufs) : undefined;
  const entryRunner = module.entries ? new EntryRunner(device, module.entries, shapes, (n) => groupOf.get(n) ?? 0, bufs, rank1) : undefined;
  alloc.end();
  return { shapes, groupOf, groupHypers, groupInits, pipes, ...(flag ? { flag } : {}), ...(phased ? { phased } : {}), ...(entryRunner ? { entries: entryRunner } : {}), ...(rank1 ? { rank1 } : {}) };
}

/** Releases a chunk's buffers (a caller's parameter buffer stays the caller's). */
export function destroyChunk(cb: ChunkBuffers): void {
  if (cb.param.owned) cb.param.buffer.destroy();
  for (const st of cb.states.values()) { st.buf.destroy(); st.scales?.destroy(); }
  for (const buf of [...cb.inputs.values(), ...cb.temps.values(), cb.uniform, cb.lanes, cb.origins]) buf?.destroy();
}

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

/**
 * A table with one record of `words` u32 per 64-element group of a chunk, `record(piece, e)` giving the
 * group at element e of a piece: the real elements of each group (compressed states), or the tensor's id (its
 * position in the parameter list) and the group's first in-tensor index (stochastic rounding).
 */
function groupTable(device: GPUDevice, chunk: Chunk, label: string, words: number, record: (pc: Piece, e: number) => number[]): GPUBuffer {
  const table = new Uint32Array(words * Math.ceil(chunk.n / LANE_GROUP));
  for (const pc of chunk.pieces) {
    for (let e = 0; e < pc.length; e += LANE_GROUP) table.set(record(pc, e), (words * (pc.chunkOffset + e)) / LANE_GROUP);
  }
  return uploadBuffer(device, table, label, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST);
}
