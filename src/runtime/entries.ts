// Named entry points (`update perturb { ... }`): kernels compiled on their own that run, on request,
// over the optimizer's own parameter and state buffers. They read t as the step about to run (so MeZO's
// three perturbations and its update draw the same random numbers) and never advance it.
import { evalHost, uniformBytes } from '../host/index.js';
import { gridFor, type BindingSpec, type KernelModule } from '../codegen-wgsl/index.js';
import { createComputePipeline } from './device.js';
import { MissingScalarError, UnsupportedError } from './errors.js';
import type { Chunk } from './layout.js';
import { PHASED_KINDS, PhasedRunner } from './phased.js';

/**
 * What an entry point may bind of a chunk: its parameter, its per-element state buffers (codes and scales
 * of compressed ones) and the lanes/origins tables of compressed and stochastically rounded stores.
 */
export interface EntryChunk {
  chunk: Chunk;
  width: 1 | 4;
  param: { buffer: GPUBuffer; offset: number };
  states: Map<string, { buf: GPUBuffer; scales?: GPUBuffer }>;
  lanes?: GPUBuffer;
  origins?: GPUBuffer;
}

interface Prepared {
  module: KernelModule;
  /** Width each chunk runs this module at (4 only where the chunk and the module both have vec4). */
  widths: (1 | 4)[];
  pipes: Map<1 | 4, GPUComputePipeline[]>;
  uniforms: GPUBuffer[];
  groups: GPUBindGroup[][];
  phased?: PhasedRunner;
}

export class EntryRunner {
  private readonly prepared = new Map<string, Promise<Prepared>>();

  constructor(private readonly device: GPUDevice, private readonly entries: Record<string, KernelModule>,
    private readonly shapes: Map<string, number[]>, private readonly groupOf: (name: string) => number,
    private readonly chunks: EntryChunk[]) {}

  get names(): string[] { return Object.keys(this.entries); }

  /** Records the entry point's dispatches for one call into `enc`. */
  async encode(name: string, enc: GPUCommandEncoder, groupHypers: Record<string, number>[], t: number,
    scalars: Record<string, number>, stepStates: Record<string, number>[]): Promise<void> {
    const m = this.entries[name];
    if (!m) throw new UnsupportedError(`no entry point '${name}'; the optimizer declares: ${this.names.join(', ') || '(none)'}`);
    for (const k of m.host.scalars ?? []) {
      if (typeof scalars[k] !== 'number') throw new MissingScalarError(k, `missing scalar input '${k}' for entry point '${name}'`);
    }
    let prep = this.prepared.get(name);
    if (!prep) { prep = this.prepare(m); this.prepared.set(name, prep); }
    const p = await prep;
    const vals = groupHypers.map((h, g) => evalHost(m.host, h, t, { scalars, states: stepStates[g] }));
    const pass = enc.beginComputePass();
    if (p.phased) {
      const phasedChunks = this.chunks.map((c, ci) => ({ chunk: c.chunk, width: p.widths[ci]!, uniform: p.uniforms[ci]! }));
      p.phased.encode(pass, phasedChunks, vals, t, (ci) => p.groups[ci]!, (w) => p.pipes.get(w)!);
    } else {
      this.chunks.forEach((c, ci) => {
        const len = c.chunk.pieces.reduce((s, pc) => Math.max(s, pc.chunkOffset + pc.length), 0);
        const w = p.widths[ci]!;
        const items = Math.ceil(len / w);
        if (items === 0) return;
        this.device.queue.writeBuffer(p.uniforms[ci]!, 0, uniformBytes(m.uniforms, vals[c.chunk.group]!, { n: items, len }, t));
        p.pipes.get(w)!.forEach((pipe, k) => {
          pass.setPipeline(pipe);
          pass.setBindGroup(0, p.groups[ci]![k]!);
          pass.dispatchWorkgroups(...gridFor(m.variants[w]![k]!, items, this.device.limits.maxComputeWorkgroupsPerDimension));
        });
      });
    }
    pass.end();
  }

  dispose(): void {
    for (const prep of this.prepared.values()) {
      void prep.then((p) => { for (const u of p.uniforms) u.destroy(); p.phased?.dispose(); }, () => undefined);
    }
  }

  private async prepare(m: KernelModule): Promise<Prepared> {
    if (m.inputs.some((i) => i !== 'g') || (m.variants[1] ?? m.variants[4] ?? []).some((k) => k.bindings.some((b) => b.kind === 'input'))) {
      throw new UnsupportedError(`entry point '${m.name}' reads a per-element input; entry points run without gradients or inputs`);
    }
    if (m.phased?.smallStates.length) throw new UnsupportedError(`entry point '${m.name}' has tensor, row or column state, which entry points cannot share yet`);
    const widths = this.chunks.map((c) => (c.width === 4 && m.variants[4] ? 4 : m.variants[1] ? 1 : 4) as 1 | 4);
    const pipes = new Map<1 | 4, GPUComputePipeline[]>();
    for (const w of new Set(widths)) {
      pipes.set(w, await Promise.all(m.variants[w]!.map((k) => createComputePipeline(this.device, k.wgsl, k.entryPoint, `${m.name}.${k.name}.w${w}`, k.bindings))));
    }
    const uniforms = this.chunks.map((_, ci) => this.device.createBuffer({ size: m.uniforms.size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label: `${m.name}.chunk${ci}.u` }));
    const phased = m.phased ? new PhasedRunner(this.device, m, this.shapes, this.groupOf, this.chunks.map((c, ci) => ({ chunk: c.chunk, width: widths[ci]!, uniform: uniforms[ci]! })), []) : undefined;
    const groups = this.chunks.map((c, ci) => m.variants[widths[ci]!]!.map((k, ki) => this.device.createBindGroup({
      layout: pipes.get(widths[ci]!)![ki]!.getBindGroupLayout(0),
      entries: k.bindings.map((bd) => ({ binding: bd.binding, resource: this.resource(c, ci, bd, uniforms[ci]!, phased) })),
    })));
    return { module: m, widths, pipes, uniforms, groups, ...(phased ? { phased } : {}) };
  }

  private resource(c: EntryChunk, ci: number, bd: BindingSpec, uniform: GPUBuffer, phased?: PhasedRunner): GPUBufferBinding {
    if (bd.kind === 'uniform') return { buffer: uniform };
    if (PHASED_KINDS.has(bd.kind)) return { buffer: phased!.resource(ci, bd) };
    const size = (buf: GPUBuffer, offset: number) => Math.min(Math.ceil(c.chunk.n / 4) * 16, Math.floor((buf.size - offset) / 4) * 4);
    if (bd.kind === 'param') return { buffer: c.param.buffer, offset: c.param.offset, size: size(c.param.buffer, c.param.offset) };
    if (bd.kind === 'state' || bd.kind === 'scales') {
      const st = c.states.get(bd.name);
      if (!st) throw new UnsupportedError(`entry point binds unknown state '${bd.name}'`);
      return bd.kind === 'state' ? { buffer: st.buf, offset: 0, size: size(st.buf, 0) } : { buffer: st.scales! };
    }
    if (bd.kind === 'lanes' && c.lanes) return { buffer: c.lanes };
    if (bd.kind === 'origins' && c.origins) return { buffer: c.origins };
    throw new UnsupportedError(`entry point binds '${bd.kind}' buffers, which entry points cannot use`);
  }
}
