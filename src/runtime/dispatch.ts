// One step's dispatches of any module (fused or phased), planned once when the optimizer or entry point is
// built: each chunk's uniform dims, each dispatch's grid. A step then writes each chunk's uniform (through
// the manifest's layout, into a reused buffer) and records the planned passes, with no per-step planning
// or allocation — on a device where a small step takes a fraction of a millisecond, host work is a visible
// part of it (docs/performance.md, "Host work per step").
//
// A fused module's kernels are read as a dispatch list of their own: each kernel once per chunk (`items`),
// a rank-1 scale copy once per step (`scales`). A phased module's list is its stage plan (phased.ts), whose
// order is stage-major; either way every chunk's dispatch of one entry comes before any of the next.
import { gridFor, kernelsOf, spillGrid, type KernelModule, type PhasedDispatch } from '../codegen-wgsl/index.js';
import { uniformWriter } from '../host/index.js';
import type { Chunk } from './layout.js';
import type { PhasedRunner } from './phased.js';
import type { Rank1Runner } from './rank1.js';

/** What a dispatch needs of a chunk: its pieces, the vector width it runs at, its uniform buffer. */
export interface DispatchChunk { chunk: Chunk; width: 1 | 4; uniform: GPUBuffer }

interface Run { ci: number; kernel: number; pipeline: GPUComputePipeline; x: number; y: number }

export class Dispatcher {
  private readonly runs: Run[] = [];
  private readonly writers: { group: number; uniform: GPUBuffer; write: ReturnType<typeof uniformWriter> }[];

  /** `pipes`: pipelines by width; the grids read a phased module's per-chunk counts and a rank-1 scale copy's workgroups. */
  constructor(private readonly device: GPUDevice, module: KernelModule, chunks: DispatchChunk[], pipes: ReadonlyMap<1 | 4, GPUComputePipeline[]>,
    private readonly phased?: Pick<PhasedRunner, 'counts' | 'tensorCount' | 'writeGroupScalars'>, rank1?: Pick<Rank1Runner, 'finalizeGroups'>) {
    const maxX = device.limits.maxComputeWorkgroupsPerDimension;
    const items = chunks.map((c) => {
      const len = c.chunk.pieces.reduce((s, p) => Math.max(s, p.chunkOffset + p.length), 0);
      return { len, n: Math.ceil(len / c.width) };
    });
    this.writers = chunks.map((c, ci) => ({ group: c.chunk.group, uniform: c.uniform, write: uniformWriter(module.uniforms, { ...items[ci]!, ...phased?.counts[ci] }) }));
    const list: readonly PhasedDispatch[] = module.phased?.dispatches
      ?? kernelsOf(module).map((k, kernel) => ({ kernel, grid: k.scalesOf ? 'scales' : 'items', stage: 0 }));
    // Once-per-step dispatches bind chunk 0's tables (phased), or the first chunk that holds elements (fused).
    const once = phased ? 0 : items.findIndex((it) => it.n > 0);
    const push = (ci: number, kernel: number, [x, y]: [number, number]) => { if (x > 0) this.runs.push({ ci, kernel, pipeline: pipes.get(chunks[ci]!.width)![kernel]!, x, y }); };
    for (const d of list) {
      if (d.grid === 'scales' || d.grid === 'tensors' || d.grid === 'one') {
        if (once < 0) continue;
        const spec = module.variants[chunks[once]!.width]![d.kernel]!;
        // A scale copy covers its slots (spilling into y); a tensor stage runs one workgroup per tensor in x.
        push(once, d.kernel, d.grid === 'scales' ? spillGrid(rank1?.finalizeGroups(spec.scalesOf!, spec.workgroupSize) ?? 0, maxX)
          : [d.grid === 'one' ? 1 : phased!.tensorCount, 1]);
        continue;
      }
      chunks.forEach((c, ci) => {
        const spec = module.variants[c.width]![d.kernel]!;
        if (d.grid === 'items') return push(ci, d.kernel, gridFor(spec, items[ci]!.n, maxX));
        // Elem kernels: one workgroup per tile; row and column sums: one invocation per item; the store
        // sweep: one invocation per `elemsPerInvocation` elements.
        const cnt = phased!.counts[ci]!;
        const wg = module.phased!.workgroupSize;
        push(ci, d.kernel, spillGrid(d.grid === 'elems' ? cnt.ntiles
          : d.grid === 'blocks' ? Math.ceil(Math.ceil(items[ci]!.len / d.elemsPerInvocation!) / d.workgroupSize!)
            : Math.ceil((d.grid === 'rows' ? cnt.nrow : cnt.ncol) / wg), maxX));
      });
    }
  }

  /** Compute passes per step. */
  get count(): number { return this.runs.length; }

  /**
   * Records one step: every chunk's uniform for step `t` (`hostVals[g]`: group g's host values), a phased
   * module's group scalars, then the planned dispatches; `groups[ci]` are chunk ci's bind groups.
   */
  encode(pass: GPUComputePassEncoder, hostVals: readonly (readonly number[])[], t: number, groups: readonly GPUBindGroup[][]): void {
    for (const w of this.writers) this.device.queue.writeBuffer(w.uniform, 0, w.write(hostVals[w.group]!, t));
    this.phased?.writeGroupScalars(hostVals);
    for (const r of this.runs) {
      pass.setPipeline(r.pipeline);
      pass.setBindGroup(0, groups[r.ci]![r.kernel]!);
      pass.dispatchWorkgroups(r.x, r.y);
    }
  }
}
