// The runtime side of rank-1 q4u states (src/codegen-wgsl/rank1.ts): per state one scale buffer for all
// tensors, `[stored scales | new maxima]` (u32 words, f32 bits), and per chunk a table that tells each
// element where its tensor's scales are. The codes stay in the chunk's state buffer like any compressed
// state's. A tensor's scales are contiguous (formats' `rank1Layout`: one run per axis, or its blocks for
// rank 0 and 1), in the order `FORMATS.q4u.encode(x, {rank1: {shape}})` returns them, so a tensor split
// over chunks shares them and checkpoints save them as one array.
import { codecOf, R1_AXIS, R1_HEADER, R1_PIECE, type BindingSpec, type KernelModule } from '../codegen-wgsl/index.js';
import { rank1Layout } from '../formats/index.js';
import { storageBuffer, uploadBuffer, writeF32 } from './buffers.js';
import { readF32 } from './device.js';
import type { Chunk } from './layout.js';


interface Rank1State {
  /** Scale slots of every tensor together. */
  slots: number;
  /** First slot and slot count of each tensor. */
  ranges: Map<string, [number, number]>;
  scales: GPUBuffer;
  /** One table per chunk. */
  tables: GPUBuffer[];
}

export class Rank1Runner {
  private readonly states = new Map<string, Rank1State>();

  constructor(private readonly device: GPUDevice, module: KernelModule, shapes: Map<string, number[]>, chunks: { chunk: Chunk }[]) {
    for (const s of module.states) {
      const codec = codecOf(s.format);
      if (!codec?.rank1) continue;
      const block = codec.rank1.block;
      const ranges = new Map<string, [number, number]>();
      const axes = new Map<string, ReturnType<typeof rank1Layout>>();
      let slots = 0;
      for (const [name, shape] of shapes) {
        const ax = rank1Layout(shape, block);
        const count = ax.reduce((a, x) => a + x.dim, 0);
        axes.set(name, ax.map((x) => ({ ...x, base: x.base + slots })));
        ranges.set(name, [slots, count]);
        slots += count;
      }
      const scales = storageBuffer(device, 8 * slots, `${s.name}.rank1`);
      const tables = chunks.map(({ chunk }, ci) => {
        const pieces = chunk.pieces.filter((pc) => pc.length > 0);
        const words: number[] = [pieces.length, slots, 0, 0];
        let axisWord = R1_HEADER + R1_PIECE * pieces.length;
        for (const pc of pieces) {
          const n = axes.get(pc.tensor)!.length;
          words.push(pc.chunkOffset, pc.tensorOffset, axisWord, n);
          axisWord += R1_AXIS * n;
        }
        for (const pc of pieces) for (const x of axes.get(pc.tensor)!) words.push(x.dim, x.stride, x.base);
        return uploadBuffer(device, Uint32Array.from(words), `chunk${ci}.${s.name}.rank1table`);
      });
      this.states.set(s.name, { slots, ranges, scales, tables });
    }
  }

  has(state: string): boolean { return this.states.has(state); }

  /** The buffer a rank-1 binding resolves to in chunk `ci`. */
  resource(ci: number, bd: BindingSpec): GPUBuffer {
    const st = this.states.get(bd.name)!;
    return bd.kind === 'r1table' ? st.tables[ci]! : st.scales;
  }

  /** Workgroups of a `scalesOf` kernel of workgroup size `wg` (0: nothing to do). */
  finalizeGroups(state: string, wg: number): number { return Math.ceil(this.states.get(state)!.slots / wg); }

  /** The stored scales of one tensor. */
  readScales(state: string, tensor: string): Promise<Float32Array> {
    const st = this.states.get(state)!;
    const [start, count] = st.ranges.get(tensor)!;
    return readF32(this.device, st.scales, start, count);
  }

  scaleCount(state: string, tensor: string): number { return this.states.get(state)!.ranges.get(tensor)![1]; }

  writeScales(state: string, tensor: string, scales: Float32Array): void {
    const st = this.states.get(state)!;
    const [start, count] = st.ranges.get(tensor)!;
    writeF32(this.device, st.scales, start * 4, scales, 0, count);
  }

  /** Device bytes of the scale buffers (both halves: the new maxima are state the step needs too). */
  stateBytes(): number { return [...this.states.values()].reduce((b, st) => b + st.scales.size, 0); }

  dispose(): void {
    for (const st of this.states.values()) for (const b of [st.scales, ...st.tables]) b.destroy();
  }
}
