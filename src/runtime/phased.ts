// The runtime side of phased modules (src/codegen-wgsl/phased.ts): the tables that tell kernels where each
// tensor lives and the buffers reductions and small states live in; dispatch.ts runs the stage plan.
//
// Layout. Tensors are packed into chunks as usual. Elem kernels run one workgroup per tile, and tiles are
// numbered per piece (a tensor, or the part of one in this chunk), so a workgroup never sees two tensors and
// a tensor's partial sums are contiguous and in the same order however tensors are packed; a tensor split
// over chunks is cut at a tile multiple for the same reason. Per chunk, a segment table has one record per
// piece (see SEG in codegen-wgsl/manifest.ts); one global tensor table (TEN)
// serves the tensor and global stages. Row and column values of all tensors are concatenated (rowBase,
// colBase), as are the partials of each reduction (one per tile, per row block, per column block).
import { SEG, SEG_STRIDE, TEN, TENSOR_HEADER, TENSOR_STRIDE, type BindingSpec, type KernelModule, type PhasedInfo } from '../codegen-wgsl/index.js';
import { storageBuffer, uploadBuffer, writeF32 } from './buffers.js';
import { readF32 } from './device.js';
import { ShapeError, UnsupportedError } from './errors.js';
import type { Chunk } from './layout.js';

/** A tensor split over chunks is cut at multiples of a vec4 tile, so its tiles (and sums) do not move. */
export function phasedSplit(info: PhasedInfo): number { return info.workgroupSize * 4 * info.elemsPerInvocation; }

export const PHASED_KINDS: ReadonlySet<string> = new Set(['segments', 'tensors', 'gscalars', 'partials', 'result', 'totals', 'small', 'oldsmall']);

/**
 * A tensor as the tables see it: its [rows, cols] view, where its row and column values start, its row and
 * column blocks and where their partials start, and its tiles' partials (the fields of a TEN record).
 */
interface TensorInfo extends Record<keyof typeof TEN, number> { name: string; shape: number[] }

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

export class PhasedRunner {
  readonly info: PhasedInfo;
  private readonly tensors: TensorInfo[];
  private readonly index = new Map<string, number>();
  /** Per chunk: pieces, elem-kernel workgroups (tiles), row-sum and column-sum items. */
  readonly counts: { nseg: number; ntiles: number; nrow: number; ncol: number }[] = [];
  /** The group scalar table as the host writes it each step (reused: writeBuffer copies it at once). */
  private readonly gsData: Float32Array<ArrayBuffer>;
  /** The group scalar table's buffer (also in `buffers`), written every step. */
  private readonly gs: GPUBuffer;
  /** Every buffer a phased binding resolves to, by `${kind}:${name}` (the segment tables by `segments:${chunk}`). */
  private readonly buffers = new Map<string, GPUBuffer>();

  constructor(private readonly device: GPUDevice, private readonly module: KernelModule, shapes: Map<string, number[]>,
    groupOf: (name: string) => number, chunks: { chunk: Chunk; width: 1 | 4 }[], groupInits: Record<string, number>[]) {
    this.info = module.phased!;
    const wg = this.info.workgroupSize;
    const { rowBlock, colBlock } = this.info;
    let rowBase = 0, colBase = 0, rowParts = 0, colParts = 0;
    this.tensors = [...shapes].map(([name, shape], k) => {
      this.index.set(name, k);
      // The [rows, cols] view: rows = prod(shape[:-1]), cols = shape[-1]; a scalar is [1, 1].
      const rows = shape.length ? shape.slice(0, -1).reduce((a, b) => a * b, 1) : 1;
      const cols = shape.length ? shape[shape.length - 1]! : 1;
      const t = { name, shape, group: groupOf(name), rows, cols, rowBase, colBase, rowBlocks: ceilDiv(cols, rowBlock), colBlocks: ceilDiv(rows, colBlock),
        rowPartStart: rowParts, colPartStart: colParts, partStart: -1, partCount: 0 };
      rowBase += rows;
      colBase += cols;
      rowParts += rows * t.rowBlocks;
      colParts += cols * t.colBlocks;
      return t;
    });
    if (this.tensors.length > device.limits.maxComputeWorkgroupsPerDimension) {
      throw new UnsupportedError(`'${module.name}' runs one workgroup per tensor; ${this.tensors.length} tensors exceed ${device.limits.maxComputeWorkgroupsPerDimension}`);
    }

    // Global partial indices: tiles in chunk order (a split tensor's pieces are in consecutive chunks).
    let tiles = 0;
    chunks.forEach((c, ci) => {
      const tileElems = wg * c.width * this.info.elemsPerInvocation;
      let chunkTiles = 0, rowItems = 0, colItems = 0;
      const rec = new Uint32Array(Math.max(1, c.chunk.pieces.length) * SEG_STRIDE);
      c.chunk.pieces.forEach((pc, k) => {
        const ti = this.index.get(pc.tensor)!;
        const t = this.tensors[ti]!;
        if (this.info.rowsCols && pc.length !== t.rows * t.cols) {
          throw new UnsupportedError(`parameter '${pc.tensor}' is split over several storage bindings; '${module.name}' has row or column values, which need each tensor in one binding`);
        }
        if (pc.chunkOffset % 4) throw new Error(`phased runtime: piece of '${pc.tensor}' at ${pc.chunkOffset} is not vec4-aligned`);
        const tileCount = ceilDiv(pc.length, tileElems);
        if (t.partStart === -1) t.partStart = tiles;
        t.partCount += tileCount;
        writeRecord(rec, k * SEG_STRIDE, SEG, {
          chunkOffset: pc.chunkOffset, length: pc.length, tensor: ti, tensorOffset: pc.tensorOffset, tileStart: chunkTiles, tileCount, partBase: tiles,
          rows: t.rows, cols: t.cols, rowBase: t.rowBase, colBase: t.colBase, rowItemStart: rowItems, rowBlocks: t.rowBlocks, rowPartBase: t.rowPartStart,
          colItemStart: colItems, colPartBase: t.colPartStart,
        });
        chunkTiles += tileCount;
        tiles += tileCount;
        if (this.info.rowsCols) { rowItems += t.rows * t.rowBlocks; colItems += t.cols * t.colBlocks; }
      });
      this.buffers.set(`segments:${ci}`, uploadBuffer(device, rec, `chunk${ci}.seg`));
      this.counts.push({ nseg: c.chunk.pieces.length, ntiles: chunkTiles, nrow: rowItems, ncol: colItems });
    });

    const table = new Uint32Array(TENSOR_HEADER + TENSOR_STRIDE * this.tensors.length);
    table[0] = this.tensors.length;
    table[1] = module.host.uniforms.length;
    this.tensors.forEach((t, k) => writeRecord(table, TENSOR_HEADER + k * TENSOR_STRIDE, TEN, { ...t, partStart: Math.max(0, t.partStart) }));
    this.buffers.set('tensors:ten', uploadBuffer(device, table, 'tensors'));
    this.gs = this.alloc('gscalars', 'gs', module.host.uniforms.length * groupInits.length);
    this.gsData = new Float32Array(Math.max(4, module.host.uniforms.length * groupInits.length));

    const T = this.tensors.length;
    for (const r of this.info.reductions) {
      const slots = r.over === 'row' ? rowBase : r.over === 'col' ? colBase : r.over === 'global' ? 1 : T;
      this.alloc('result', r.name, slots);
      if (r.over === 'global') this.alloc('totals', r.name, T);
      if (r.fromElem) this.alloc('partials', r.name, r.over === 'row' ? rowParts : r.over === 'col' ? colParts : tiles);
    }
    for (const s of this.info.smallStates) {
      const n = s.space === 'row' ? rowBase : s.space === 'col' ? colBase : T;
      const buf = this.alloc('small', s.name, n);
      const init = new Float32Array(n);
      for (const t of this.tensors) {
        const [off, len] = this.range(s.space, t);
        init.fill(groupInits[t.group]![s.name] ?? 0, off, off + len);
      }
      if (n) device.queue.writeBuffer(buf, 0, init);
      if (s.keepOld) this.alloc('oldsmall', s.name, n);
    }
  }

  get tensorCount(): number { return this.tensors.length; }

  /** Group g's host uniforms at record g of the group scalar table (`groupInits` has one entry per group). */
  writeGroupScalars(hostVals: readonly (readonly number[])[]): void {
    const ids = this.module.host.uniforms;
    hostVals.forEach((vals, g) => ids.forEach((id, k) => { this.gsData[g * ids.length + k] = vals[id]!; }));
    this.device.queue.writeBuffer(this.gs, 0, this.gsData);
  }

  /** Bytes of small states (and their old copies) on the device. */
  stateBytes(): number {
    return [...this.buffers].reduce((b, [k, buf]) => b + (k.startsWith('small:') || k.startsWith('oldsmall:') ? buf.size : 0), 0);
  }

  /** The buffer a phased binding resolves to (per chunk for the segment table). */
  resource(chunkIndex: number, bd: BindingSpec): GPUBuffer {
    const b = this.buffers.get(`${bd.kind}:${bd.kind === 'segments' ? chunkIndex : bd.name}`);
    if (!b) throw new Error(`phased runtime: no buffer for binding ${bd.kind} '${bd.name}'`);
    return b;
  }

  holds(state: string): boolean { return this.info.smallStates.some((s) => s.name === state); }

  /** A small state of one tensor: one value (tensor), one per row or one per column. */
  readState(state: string, tensor: string): Promise<Float32Array> {
    const { buffer, off, len } = this.slot(state, tensor);
    return readF32(this.device, buffer, off, len);
  }

  writeState(state: string, tensor: string, data: Float32Array): void {
    const { buffer, off, len, space } = this.slot(state, tensor);
    if (data.length !== len) throw new ShapeError(tensor, `state '${state}' of '${tensor}' holds ${len} values (one per ${space}), got ${data.length}`);
    writeF32(this.device, buffer, off * 4, data, 0, len);
  }

  /** The shape a small state has for a tensor: [1], [rows] or [cols]. */
  stateShape(state: string, tensor: string): number[] { return [this.slot(state, tensor).len]; }

  dispose(): void {
    for (const b of this.buffers.values()) b.destroy();
  }

  /** Where one tensor's values of a small state are: its buffer, first slot and slot count, and its space. */
  private slot(state: string, tensor: string) {
    const { space } = this.info.smallStates.find((x) => x.name === state)!;
    const [off, len] = this.range(space, this.tensors[this.index.get(tensor)!]!);
    return { buffer: this.buffers.get(`small:${state}`)!, off, len, space };
  }

  private range(space: 'tensor' | 'row' | 'col', t: TensorInfo): [number, number] {
    return space === 'row' ? [t.rowBase, t.rows] : space === 'col' ? [t.colBase, t.cols] : [this.index.get(t.name)!, 1];
  }

  private alloc(kind: string, name: string, slots: number): GPUBuffer {
    const buf = storageBuffer(this.device, slots * 4, `${kind}.${name}`);
    this.buffers.set(`${kind}:${name}`, buf);
    return buf;
  }
}

/** Writes `values` into the record at word `at` of `table`, each field at its word in `fields`. */
function writeRecord<K extends string>(table: Uint32Array, at: number, fields: Readonly<Record<K, number>>, values: NoInfer<Readonly<Record<K, number>>>): void {
  for (const f in fields) table[at + fields[f]] = values[f];
}
