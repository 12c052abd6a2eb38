// Allocation: validates the tensors a caller binds, packs them into chunks (src/runtime/layout.ts), and
// creates each chunk's buffers (parameter, states with their codes and scales, inputs, temporaries, the
// lanes/origins tables of compressed and stochastically rounded states, the uniform), the pipelines, and
// the runners of phased, rank-1 and entry-point modules.
import { overrideHypers } from '../diag.js';
import { stateInitValues } from '../host/index.js';
import { codecOf, kernelsOf, LANE_GROUP, stateBytes, type KernelModule, type StateCodec } from '../codegen-wgsl/index.js';
import { encodeAs } from '../formats/index.js';
import { storageBuffer, uploadBuffer, writeF32 } from './buffers.js';
import { createComputePipeline } from './device.js';
import { EntryRunner } from './entries.js';
import { ShapeError, UnknownTensorError, UnsupportedError } from './errors.js';
import type { AllocationGuard } from './guards.js';
import { planLayout, type Chunk } from './layout.js';
import { checkModuleLimits } from './limits.js';
import { phasedAlign, phasedSplit, PhasedRunner } from './phased.js';
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

const pipelineCache = new WeakMap<GPUDevice, Map<string, Promise<GPUComputePipeline[]>>>();

export function pipelines(device: GPUDevice, module: KernelModule, width: 1 | 4): Promise<GPUComputePipeline[]> {
  let cache = pipelineCache.get(device);
  if (!cache) pipelineCache.set(device, (cache = new Map()));
  const key = `${module.key}:${width}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = Promise.all(module.variants[width]!.map((k) => createComputePipeline(device, k.wgsl, k.entryPoint, `${module.name}.${k.name}.w${width}`, k.bindings)));
    hit.catch(() => cache!.delete(key));
    cache.set(key, hit);
  }
  return hit;
}

export const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** A state with one value per parameter element (the others live per tensor/row/column or on the host). */
const isElemState = (s: { space?: string }) => (s.space ?? 'elem') === 'elem';



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
  // Stochastic rounding and phased store sweeps read each 64-element group's tensor id and in-tensor index.
  const needsOrigins = [module, ...Object.values(module.entries ?? {})].some((m) => kernelsOf(m).some((k) => k.bindings.some((b) => b.kind === 'origins')));
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
      param = { buffer: storageBuffer(device, paramCodec ? stateBytes(paramCodec, chunk.n).codes : bytes, `chunk${ci}.p`), offset: 0, owned: true };
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
      const buf = storageBuffer(device, size.codes, `chunk${ci}.${s.name}`);
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
          store.scales = storageBuffer(device, size.scales, `chunk${ci}.${s.name}.scales`);
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
      lanes = uploadBuffer(device, counts, `chunk${ci}.lanes`, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST);
    }
    const origins = needsOrigins ? originTable(device, chunk, [...shapes.keys()], ci) : undefined;
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
  alloc.end();
  return { shapes, groupOf, groupHypers, groupInits, pipes, ...(flag ? { flag } : {}), ...(phased ? { phased } : {}), ...(entryRunner ? { entries: entryRunner } : {}), ...(rank1 ? { rank1 } : {}) };
}

/** Releases a chunk's buffers (a caller's parameter buffer stays the caller's). */
export function destroyChunk(cb: ChunkBuffers): void {
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
  return uploadBuffer(device, table, `chunk${ci}.origins`, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST);
}

