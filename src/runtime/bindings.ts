// Binding resolution: which buffer (and range) each binding of a kernel gets in a chunk, by the binding's
// kind — one table, one entry per kind the manifest can name.
import type { BindingKind, BindingSpec, KernelModule } from '../codegen-wgsl/index.js';
import { getOrCreate, STORAGE_RW, writeF32 } from './buffers.js';
import type { ChunkBuffers, TensorData } from './chunks.js';
import type { DispatchChunk } from './dispatch.js';
import { BufferError } from './errors.js';
import type { PhasedRunner } from './phased.js';
import type { Rank1Runner } from './rank1.js';

/** What binding resolution needs of an optimizer. */
export interface BindCtx {
  device: GPUDevice;
  module: KernelModule;
  chunks: ChunkBuffers[];
  pipes: Map<1 | 4, GPUComputePipeline[]>;
  phased?: PhasedRunner;
  rank1?: Rank1Runner;
  flag?: GPUBuffer;
  /** The chunks as this module runs them, where not as the step does (entry points: own width and uniform). */
  own?: DispatchChunk[];
}

/** A binding's buffer and offset; `elems`: it covers the chunk's elements, not its whole buffer. */
export interface Range { buffer: GPUBuffer; offset: number; elems?: boolean }
type Resolve = (ctx: BindCtx, cb: ChunkBuffers, ci: number, bd: BindingSpec, inputs: Map<string, Range>) => Range;

const whole = (buffer: GPUBuffer): Range => ({ buffer, offset: 0 });
const phasedTable: Resolve = (ctx, _cb, ci, bd) => whole(ctx.phased!.resource(ci, bd));
const rank1Table: Resolve = (ctx, _cb, ci, bd) => whole(ctx.rank1!.resource(ci, bd));

/**
 * Per kind, the buffer a binding resolves to in chunk ci. The parameter, inputs, f32 states and temporaries
 * cover the chunk's elements; code words, scales and tables are bound whole (their length is not the count).
 */
const RESOLVE: Record<BindingKind, Resolve> = {
  uniform: (ctx, cb, ci) => whole((ctx.own?.[ci] ?? cb).uniform),
  param: (ctx, cb) => ({ buffer: cb.param.buffer, offset: cb.param.offset, elems: !ctx.module.param }),
  input: (_ctx, _cb, _ci, bd, inputs) => ({ ...inputs.get(bd.name)!, elems: true }),
  state: (_ctx, cb, _ci, bd) => ({ ...whole(cb.states.get(bd.name)!.buf), elems: !cb.states.get(bd.name)!.codec }),
  temp: (_ctx, cb, _ci, bd) => ({ ...whole(cb.temps.get(bd.name)!), elems: true }),
  flag: (ctx) => whole(ctx.flag!),
  scales: (_ctx, cb, _ci, bd) => whole(cb.states.get(bd.name)!.scales!),
  lanes: (_ctx, cb) => whole(cb.lanes!),
  origins: (_ctx, cb) => whole(cb.origins!),
  segments: phasedTable, tensors: phasedTable, gscalars: phasedTable, partials: phasedTable, result: phasedTable,
  totals: phasedTable, small: phasedTable, oldsmall: phasedTable,
  r1scales: rank1Table, r1table: rank1Table,
  matrix: () => { throw new Error('matrix stage kernels are bound by matrix-stages.ts, not per chunk'); },
};

/** A binding covers the chunk's elements (rounded up to whole vec4s), never past its buffer. */
function bindSize(cb: ChunkBuffers, r: Range): number {
  const want = Math.ceil(cb.chunk.n / 4) * 16;
  const room = Math.floor((r.buffer.size - r.offset) / 4) * 4;
  return Math.min(want, room);
}

/** The bind groups (one per kernel) of chunk `cb` with these input buffers; cached per input set. */
export function bindGroups(ctx: BindCtx, cb: ChunkBuffers, inputs: Range[], inputNames: string[] = ctx.module.inputs): GPUBindGroup[] {
  const key = inputs.length === 1 ? `${bufferId(inputs[0]!.buffer)}@${inputs[0]!.offset}` : inputs.map((b) => `${bufferId(b.buffer)}@${b.offset}`).join(',');
  return getOrCreate(cb.bindGroups, key, () => {
    if (cb.bindGroups.size > 64) cb.bindGroups.clear(); // callers cycling through many gradient buffers
    return createBindGroups(ctx, ctx.chunks.indexOf(cb), new Map(inputNames.map((name, i) => [name, inputs[i]!])));
  });
}

/** The bind groups (one per kernel of `ctx.module`) of chunk `ci`, every binding resolved by its kind. */
export function createBindGroups(ctx: BindCtx, ci: number, inputs: Map<string, Range>): GPUBindGroup[] {
  const cb = ctx.chunks[ci]!;
  const width = (ctx.own?.[ci] ?? cb).width;
  const pipes = ctx.pipes.get(width)!;
  return ctx.module.variants[width]!.map((k, ki) => ctx.device.createBindGroup({
    layout: pipes[ki]!.getBindGroupLayout(0),
    entries: k.bindings.map((bd) => {
      const r = RESOLVE[bd.kind](ctx, cb, ci, bd, inputs);
      return { binding: bd.binding, resource: { buffer: r.buffer, offset: r.offset, ...(r.elems ? { size: bindSize(cb, r) } : {}) } };
    }),
  }));
}

/**
 * The buffer a kernel reads an input from in this chunk: a caller's GPUBuffer directly when the chunk
 * holds one piece of one tensor, else the chunk's own buffer, filled by writeBuffer or a copy.
 */
export function inputBinding(device: GPUDevice, cb: ChunkBuffers, input: string, per: Record<string, TensorData>, enc: GPUCommandEncoder): Range {
  const only = cb.chunk.pieces.length === 1 ? cb.chunk.pieces[0]! : undefined;
  const src = only ? per[only.tensor] : undefined;
  if (only && src && !(src instanceof Float32Array) && src.usage & GPUBufferUsage.STORAGE) {
    const offset = only.tensorOffset * 4;
    const need = cb.width === 4 ? Math.ceil(only.length / 4) * 16 : only.length * 4;
    if (src.size - offset >= need) return { buffer: src, offset };
  }
  const own = getOrCreate(cb.inputs, input, () => device.createBuffer({ size: cb.chunk.n * 4, usage: STORAGE_RW(), label: input }));
  for (const pc of cb.chunk.pieces) {
    const s = per[pc.tensor]!;
    if (s instanceof Float32Array) writeF32(device, own, pc.chunkOffset * 4, s, pc.tensorOffset, pc.length);
    else if (pc.length > 0 && !(s.usage & GPUBufferUsage.COPY_SRC)) throw new BufferError(pc.tensor, `${input === 'g' ? 'gradient' : `input '${input}'`} of '${pc.tensor}' shares a chunk with other tensors, so it is copied: its GPUBuffer needs usage COPY_SRC`);
    else if (pc.length > 0) enc.copyBufferToBuffer(s, pc.tensorOffset * 4, own, pc.chunkOffset * 4, Math.ceil(pc.length) * 4);
  }
  return { buffer: own, offset: 0 };
}

const ids = new WeakMap<GPUBuffer, number>();
let nextId = 0;
const bufferId = (b: GPUBuffer): number => getOrCreate(ids, b, () => nextId++);
