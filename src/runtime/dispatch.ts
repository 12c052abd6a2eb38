// One step's dispatches of a fused (elementwise) module, planned once when the optimizer or entry point is
// built: which chunks hold work, their uniform dims, each kernel's grid. A step then writes each chunk's
// uniform (through the manifest's layout, into a reused buffer) and records the planned passes, with no
// per-step planning or allocation — on a device where a small step takes a fraction of a millisecond, host
// work is a visible part of it (docs/performance.md, "Host work per step").
import { gridFor, kernelsOf, spillGrid, type KernelModule } from '../codegen-wgsl/index.js';
import { uniformWriter } from '../host/index.js';
import type { Chunk } from './layout.js';

/** What a fused dispatch needs of a chunk: its pieces, the vector width it runs at, its uniform buffer. */
export interface FusedChunk { chunk: Chunk; width: 1 | 4; uniform: GPUBuffer }

interface Run { ci: number; kernel: number; width: 1 | 4; x: number; y: number }

export class FusedDispatch {
  /** Kernel-major: every chunk's dispatch of one kernel before any of the next. */
  private readonly runs: Run[] = [];
  private readonly writers: { group: number; uniform: GPUBuffer; write: ReturnType<typeof uniformWriter> }[] = [];

  /**
   * `scaleGroups(state, wg)`: workgroups of a `scalesOf` kernel (rank-1 maxima finalization), which runs once
   * per step with chunk 0's bindings rather than once per chunk.
   */
  constructor(private readonly device: GPUDevice, module: KernelModule, chunks: FusedChunk[],
    scaleGroups?: (state: string, wg: number) => number) {
    const maxX = device.limits.maxComputeWorkgroupsPerDimension;
    const live = chunks.flatMap((c, ci) => {
      const len = c.chunk.pieces.reduce((s, p) => Math.max(s, p.chunkOffset + p.length), 0);
      const items = Math.ceil(len / c.width);
      if (items > 0) this.writers.push({ group: c.chunk.group, uniform: c.uniform, write: uniformWriter(module.uniforms, { n: items, len }) });
      return items === 0 ? [] : [{ ci, c, items }];
    });
    // None in a matrix module, whose stages run elsewhere; a `scalesOf` kernel runs once, on the first live chunk.
    for (let k = 0; k < kernelsOf(module).length; k++) {
      for (const { ci, c, items } of live) {
        const spec = module.variants[c.width]![k]!;
        const [x, y] = spec.scalesOf ? spillGrid(scaleGroups!(spec.scalesOf, spec.workgroupSize), maxX) : gridFor(spec, items, maxX);
        if (x > 0) this.runs.push({ ci, kernel: k, width: c.width, x, y });
        if (spec.scalesOf) break;
      }
    }
  }

  /**
   * Records one step (PhasedRunner's signature, so a caller holds either): every live chunk's uniform for
   * step `t` (`hostVals[g]`: group g's host values), then the planned dispatches; `groups(ci)` are chunk ci's
   * bind groups, `pipes(width)` the pipelines.
   */
  encode(pass: GPUComputePassEncoder, _chunks: unknown, hostVals: readonly (readonly number[])[], t: number,
    groups: (ci: number) => GPUBindGroup[], pipes: (width: 1 | 4) => GPUComputePipeline[]): void {
    for (const w of this.writers) this.device.queue.writeBuffer(w.uniform, 0, w.write(hostVals[w.group]!, t));
    for (const r of this.runs) {
      pass.setPipeline(pipes(r.width)[r.kernel]!);
      pass.setBindGroup(0, groups(r.ci)[r.kernel]!);
      pass.dispatchWorkgroups(r.x, r.y);
    }
  }
}
