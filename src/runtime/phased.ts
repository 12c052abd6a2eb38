// The runtime side of phased modules (src/codegen-wgsl/phased.ts): the tables that tell kernels where each
// tensor lives, the buffers reductions and small states live in, and one step's dispatches in plan order.
//
// Layout. Tensors are packed into chunks as usual. Elem kernels run one workgroup per tile, and tiles are
// numbered per piece (a tensor, or the part of one in this chunk), so a workgroup never sees two tensors and
// a tensor's partial sums are contiguous and in the same order however tensors are packed; a tensor split
// over chunks is cut at a tile multiple for the same reason. Per chunk, a segment table has one record per
// piece (see SEG in phased-manifest.ts); one global tensor table (TEN)
// serves the tensor and global stages. Row and column values of all tensors are concatenated (rowBase,
// colBase), as are the partials of each reduction (one per tile, per row block, per column block).
//
// Dispatch order is stage-major: every chunk's elem kernel of a stage, then its tensor stage (one
// workgroup per tensor), then its global stage, then the next stage. WebGPU orders dispatches in a pass,
// so each stage sees the previous one's writes.
import { SEG, SEG_STRIDE, TEN, TENSOR_HEADER, TENSOR_STRIDE, type BindingSpec, type KernelModule, type PhasedInfo } from '../codegen-wgsl/index.js';
import { storageBuffer, uploadBuffer } from './buffers.js';
import { readBuffer } from './device.js';
import type { PhasedPlan } from './dispatch.js';
import { ShapeError, UnsupportedError } from './errors.js';
import type { Chunk } from './layout.js';

/** Tensors start at multiples of 4 elements (a vec4): tiles are numbered per piece, so no more is needed. */
export function phasedAlign(_info: PhasedInfo): number { return 4; }

/** A tensor split over chunks is cut at multiples of a vec4 tile, so its tiles (and sums) do not move. */
export function phasedSplit(info: PhasedInfo): number { return info.workgroupSize * 4 * info.elemsPerInvocation; }

export const PHASED_KINDS: ReadonlySet<string> = new Set(['segments', 'tensors', 'gscalars', 'partials', 'result', 'totals', 'small', 'oldsmall']);

interface TensorInfo { name: string; shape: number[]; group: number; rows: number; cols: number; rowBase: number; colBase: number }

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

export class PhasedRunner implements PhasedPlan {
  readonly info: PhasedInfo;
  private readonly tensors: TensorInfo[];
  private readonly index = new Map<string, number>();
  private readonly segments: GPUBuffer[] = [];
  /** Per chunk: pieces, elem-kernel workgroups (tiles), row-sum and column-sum items. */
  readonly counts: { nseg: number; ntiles: number; nrow: number; ncol: number }[] = [];
  private readonly ten: GPUBuffer;
  private readonly gs: GPUBuffer;
  /** The group scalar table as the host writes it each step (reused: writeBuffer copies it at once). */
  private readonly gsData: Float32Array<ArrayBuffer>;
  /** Buffers by `${kind}:${name}`. */
  private readonly buffers = new Map<string, GPUBuffer>();
  private readonly totalRows: number;
  private readonly totalCols: number;

  constructor(private readonly device: GPUDevice, private readonly module: KernelModule, shapes: Map<string, number[]>,
    groupOf: (name: string) => number, chunks: { chunk: Chunk; width: 1 | 4 }[], groupInits: Record<string, number>[]) {
    this.info = module.phased!;
    const wg = this.info.workgroupSize;
    let rowBase = 0, colBase = 0;
    this.tensors = [...shapes].map(([name, shape], k) => {
      this.index.set(name, k);
      // The [rows, cols] view: rows = prod(shape[:-1]), cols = shape[-1]; a scalar is [1, 1].
      const rows = shape.length ? shape.slice(0, -1).reduce((a, b) => a * b, 1) : 1;
      const cols = shape.length ? shape[shape.length - 1]! : 1;
      const t = { name, shape, group: groupOf(name), rows, cols, rowBase, colBase };
      rowBase += t.rows;
      colBase += t.cols;
      return t;
    });
    this.totalRows = rowBase;
    this.totalCols = colBase;
    if (this.tensors.length > device.limits.maxComputeWorkgroupsPerDimension) {
      throw new UnsupportedError(`'${module.name}' runs one workgroup per tensor; ${this.tensors.length} tensors exceed ${device.limits.maxComputeWorkgroupsPerDimension}`);
    }

    // Global partial indices: tiles in chunk order (a split tensor's pieces are in consecutive chunks).
    const partStart = new Array<number>(this.tensors.length).fill(-1);
    const partCount = new Array<number>(this.tensors.length).fill(0);
    const rowBlocks = (t: TensorInfo) => ceilDiv(t.cols, this.info.rowBlock);
    const colBlocks = (t: TensorInfo) => ceilDiv(t.rows, this.info.colBlock);
    const rowPartStart: number[] = [], colPartStart: number[] = [];
    let rp = 0, cp = 0;
    for (const t of this.tensors) { rowPartStart.push(rp); colPartStart.push(cp); rp += t.rows * rowBlocks(t); cp += t.cols * colBlocks(t); }
    let tiles = 0;
    chunks.forEach((c, ci) => {
      const tileElems = wg * c.width * this.info.elemsPerInvocation;
      let chunkTiles = 0;
      const rec = new Uint32Array(Math.max(1, c.chunk.pieces.length) * SEG_STRIDE);
      let rowItems = 0, colItems = 0;
      c.chunk.pieces.forEach((pc, k) => {
        const ti = this.index.get(pc.tensor)!;
        const t = this.tensors[ti]!;
        if (this.info.rowsCols && pc.length !== t.rows * t.cols) {
          throw new UnsupportedError(`parameter '${pc.tensor}' is split over several storage bindings; '${module.name}' has row or column values, which need each tensor in one binding`);
        }
        if (pc.chunkOffset % 4) throw new Error(`phased runtime: piece of '${pc.tensor}' at ${pc.chunkOffset} is not vec4-aligned`);
        const tileCount = ceilDiv(pc.length, tileElems);
        if (partStart[ti] === -1) partStart[ti] = tiles;
        partCount[ti] += tileCount;
        const r = rec.subarray(k * SEG_STRIDE, (k + 1) * SEG_STRIDE);
        r[SEG.chunkOffset] = pc.chunkOffset; r[SEG.length] = pc.length; r[SEG.tensor] = ti; r[SEG.tensorOffset] = pc.tensorOffset;
        r[SEG.tileStart] = chunkTiles; r[SEG.tileCount] = tileCount; r[SEG.partBase] = tiles;
        chunkTiles += tileCount;
        r[SEG.rows] = t.rows; r[SEG.cols] = t.cols; r[SEG.rowBase] = t.rowBase; r[SEG.colBase] = t.colBase;
        r[SEG.rowItemStart] = rowItems; r[SEG.rowBlocks] = rowBlocks(t); r[SEG.rowPartBase] = rowPartStart[ti]!;
        r[SEG.colItemStart] = colItems; r[SEG.colPartBase] = colPartStart[ti]!;
        tiles += tileCount;
        if (this.info.rowsCols) { rowItems += t.rows * rowBlocks(t); colItems += t.cols * colBlocks(t); }
      });
      this.segments.push(uploadBuffer(device, rec, `chunk${ci}.seg`));
      this.counts.push({ nseg: c.chunk.pieces.length, ntiles: chunkTiles, nrow: rowItems, ncol: colItems });
    });

    const table = new Uint32Array(TENSOR_HEADER + TENSOR_STRIDE * this.tensors.length);
    table[0] = this.tensors.length;
    table[1] = module.host.uniforms.length;
    this.tensors.forEach((t, k) => {
      const r = table.subarray(TENSOR_HEADER + k * TENSOR_STRIDE);
      r[TEN.group] = t.group; r[TEN.partStart] = Math.max(0, partStart[k]!); r[TEN.partCount] = partCount[k]!;
      r[TEN.rows] = t.rows; r[TEN.cols] = t.cols; r[TEN.rowBase] = t.rowBase; r[TEN.colBase] = t.colBase;
      r[TEN.rowPartStart] = rowPartStart[k]!; r[TEN.colPartStart] = colPartStart[k]!;
      r[TEN.rowBlocks] = rowBlocks(t); r[TEN.colBlocks] = colBlocks(t);
    });
    this.ten = uploadBuffer(device, table, 'tensors');
    this.gs = storageBuffer(device, 4 * module.host.uniforms.length * groupInits.length, 'group scalars');
    this.gsData = new Float32Array(Math.max(4, module.host.uniforms.length * groupInits.length));

    const T = this.tensors.length;
    for (const r of this.info.reductions) {
      const slots = r.over === 'row' ? this.totalRows : r.over === 'col' ? this.totalCols : r.over === 'global' ? 1 : T;
      this.alloc('result', r.name, slots);
      if (r.over === 'global') this.alloc('totals', r.name, T);
      if (r.fromElem) this.alloc('partials', r.name, r.over === 'row' ? rp : r.over === 'col' ? cp : tiles);
    }
    for (const s of this.info.smallStates) {
      const n = this.smallLength(s.space);
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
    let b = 0;
    for (const [k, buf] of this.buffers) if (k.startsWith('small:') || k.startsWith('oldsmall:')) b += buf.size;
    return b;
  }

  /** The buffer a phased binding resolves to (per chunk for the segment table). */
  resource(chunkIndex: number, bd: BindingSpec): GPUBuffer {
    if (bd.kind === 'segments') return this.segments[chunkIndex]!;
    if (bd.kind === 'tensors') return this.ten;
    if (bd.kind === 'gscalars') return this.gs;
    const b = this.buffers.get(`${bd.kind}:${bd.name}`);
    if (!b) throw new Error(`phased runtime: no buffer for binding ${bd.kind} '${bd.name}'`);
    return b;
  }

  isSmall(state: string): boolean { return this.info.smallStates.some((s) => s.name === state); }

  /** A small state of one tensor: one value (tensor), one per row or one per column. */
  async readSmall(state: string, tensor: string): Promise<Float32Array> {
    const s = this.info.smallStates.find((x) => x.name === state)!;
    const [off, len] = this.range(s.space, this.tensor(tensor));
    if (len === 0) return new Float32Array(0);
    return new Float32Array(await readBuffer(this.device, this.buffers.get(`small:${state}`)!, len * 4, off * 4));
  }

  writeSmall(state: string, tensor: string, data: Float32Array): void {
    const s = this.info.smallStates.find((x) => x.name === state)!;
    const [off, len] = this.range(s.space, this.tensor(tensor));
    if (data.length !== len) throw new ShapeError(tensor, `state '${state}' of '${tensor}' holds ${len} values (one per ${s.space}), got ${data.length}`);
    if (len) this.device.queue.writeBuffer(this.buffers.get(`small:${state}`)!, off * 4, data.buffer as ArrayBuffer, data.byteOffset, len * 4);
  }

  /** The shape a small state has for a tensor: [1], [rows] or [cols]. */
  smallShape(state: string, tensor: string): number[] {
    const s = this.info.smallStates.find((x) => x.name === state)!;
    return [this.range(s.space, this.tensor(tensor))[1]];
  }

  dispose(): void {
    for (const b of [...this.segments, this.ten, this.gs, ...this.buffers.values()]) b.destroy();
  }

  private tensor(name: string): TensorInfo { return this.tensors[this.index.get(name)!]!; }

  private smallLength(space: 'tensor' | 'row' | 'col'): number {
    return space === 'row' ? this.totalRows : space === 'col' ? this.totalCols : this.tensors.length;
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
