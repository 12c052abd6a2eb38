// Named entry points (`update perturb { ... }`): kernels compiled on their own that run, on request,
// over the optimizer's own parameter and state buffers. They read t as the step about to run (so MeZO's
// three perturbations and its update draw the same random numbers) and never advance it. Bindings resolve
// as a step's do (bindings.ts); each entry point keeps its own uniforms.
import type { KernelModule } from '../codegen-wgsl/index.js';
import { evalHost } from '../host/index.js';
import { createBindGroups } from './bindings.js';
import { getOrCreate } from './buffers.js';
import { pipelines, type ChunkBuffers } from './chunks.js';
import { Dispatcher, type DispatchChunk } from './dispatch.js';
import { MissingScalarError, UnsupportedError } from './errors.js';
import { PHASED_KINDS, PhasedRunner } from './phased.js';
import type { Rank1Runner } from './rank1.js';

/** An entry point bound to the chunks: what records a call, and what releases its own buffers. */
interface Prepared { encode(pass: GPUComputePassEncoder, hostVals: number[][], t: number): void; dispose(): void }

/** What an entry point may bind of a chunk: its uniform, parameter and per-element states (rank-1 scales too), and phased tables. */
const ENTRY_KINDS: ReadonlySet<string> = new Set(['uniform', 'param', 'state', 'scales', 'lanes', 'origins', 'r1scales', 'r1table', ...PHASED_KINDS]);

export class EntryRunner {
  private readonly prepared = new Map<string, Promise<Prepared>>();

  constructor(private readonly device: GPUDevice, private readonly entries: Record<string, KernelModule>,
    private readonly shapes: Map<string, number[]>, private readonly groupOf: (name: string) => number,
    private readonly chunks: ChunkBuffers[], private readonly rank1?: Rank1Runner) {}

  /** Records the entry point's dispatches for one call into `enc`. */
  async encode(name: string, enc: GPUCommandEncoder, groupHypers: Record<string, number>[], t: number,
    scalars: Record<string, number>, stepStates: Record<string, number>[]): Promise<void> {
    const m = this.entries[name];
    if (!m) throw new UnsupportedError(`no entry point '${name}'; the optimizer declares: ${Object.keys(this.entries).join(', ') || '(none)'}`);
    for (const k of m.host.scalars ?? []) {
      if (typeof scalars[k] !== 'number') throw new MissingScalarError(k, `missing scalar input '${k}' for entry point '${name}'`);
    }
    const p = await getOrCreate(this.prepared, name, () => this.prepare(m, groupHypers.length));
    const vals = groupHypers.map((h, g) => evalHost(m.host, h, t, { scalars, states: stepStates[g] }));
    const pass = enc.beginComputePass();
    p.encode(pass, vals, t);
    pass.end();
  }

  dispose(): void {
    for (const prep of this.prepared.values()) void prep.then((p) => p.dispose(), () => undefined);
  }

  /** The width chunk `c` runs entry `m` at: 4 only where the chunk and the module both have vec4. */
  private width(m: KernelModule, c: ChunkBuffers): 1 | 4 { return c.width === 4 && m.variants[4] ? 4 : m.variants[1] ? 1 : 4; }

  private async prepare(m: KernelModule, groupCount: number): Promise<Prepared> {
    // The program's declared inputs are listed on every entry module; only a kernel that binds one needs it
    // (the front end refuses an entry point that reads one: E0316).
    const bound = [...(m.variants[1] ?? []), ...(m.variants[4] ?? [])].flatMap((k) => k.bindings);
    if (bound.some((b) => b.kind === 'input')) throw new UnsupportedError(`entry point '${m.name}' reads a per-element input; entry points run without gradients or inputs`);
    if (m.phased?.smallStates.length) throw new UnsupportedError(`entry point '${m.name}' has tensor, row or column state, which entry points cannot share yet`);
    const other = bound.find((b) => !ENTRY_KINDS.has(b.kind));
    if (other) throw new UnsupportedError(`entry point binds '${other.kind}' buffers, which entry points cannot use`);
    const pipes = await pipelines(this.device, m, this.chunks.map((c) => ({ width: this.width(m, c) })));
    // The chunks as this entry point runs them: its own width and uniform buffer.
    const own: DispatchChunk[] = this.chunks.map((c, ci) => ({
      chunk: c.chunk, width: this.width(m, c), uniform: this.device.createBuffer({ size: m.uniforms.size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label: `${m.name}.chunk${ci}.u` }),
    }));
    const phased = m.phased ? new PhasedRunner(this.device, m, this.shapes, this.groupOf, own, Array.from({ length: groupCount }, () => ({}))) : undefined;
    const ctx = { device: this.device, module: m, chunks: this.chunks, pipes, phased, rank1: this.rank1, own };
    const groups = this.chunks.map((_, ci) => createBindGroups(ctx, ci, new Map()));
    // An entry point that writes a rank-1 state runs its maxima sweep and scale copy as a step does (rank1.ts).
    const run = new Dispatcher(this.device, m, own, pipes, phased, this.rank1);
    return {
      encode: (pass, hostVals, t) => run.encode(pass, hostVals, t, groups),
      dispose: () => { for (const c of own) c.uniform.destroy(); phased?.dispose(); },
    };
  }
}
