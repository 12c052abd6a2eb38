// Candidates whose compiled module is one or more plain elementwise kernels (no reductions, no per-step
// states, no temporaries: most of the space) run without the runtime's Optimizer: the scorer owns their
// buffers and dispatches optc's own kernels (compile()'s WGSL, bindings and uniform layout) itself, so the
// updates of every such candidate join the step's gradient dispatches in one compute pass and one submit.
//
// Layout per candidate: G lanes side by side (one per grid step size), each lane the suite's tensors
// packed at 64-element (256-byte) boundaries, in a parameter buffer, a gradient buffer and one buffer per
// state. The update kernel runs once per lane over the whole lane (the padding between tensors is updated
// too and never read); its uniforms (n, len, lr and the host values of this step, computed by optc's host
// program in float64 as the runtime does) sit in one 256-byte slot per lane of one uniform buffer that is
// rewritten before each step's submit.
import { evalHost, stateInitValues, uniformSize, uniformWriter } from '../../host/index.js';
import type { KernelModule, KernelSpec } from '../../codegen-wgsl/index.js';
import { lrScale } from '../fitness.js';
import type { Suite } from '../tasks.js';
import type { Dispatch, GpuSuite, Region } from './lanes.js';

const LR = 'lr';
const ALIGN = 64;
const SLOT = 256;
const roundUp = (x: number, m: number) => Math.ceil(x / m) * m;

/** Whether `m` runs here: fused elementwise kernels over f32 parameter and states, nothing per step on the host. */
export function runsDirect(m: KernelModule): boolean {
  const kernels = m.variants[1];
  return !!kernels && uniformSize(m.uniforms.size) <= SLOT && !m.phased && !m.guard && !m.param && !m.entries && m.temps.length === 0 && m.inputs.length === 1
    && !m.host.stepStateUpdates?.length && !m.host.scalars?.length && m.states.every((s) => s.format.kind === 'f32' && !s.space)
    && kernels.every((k) => !k.scalesOf && (k.itemsPerInvocation ?? 1) === 1 && k.bindings.every((b) => ['uniform', 'param', 'input', 'state'].includes(b.kind)));
}

/** Where each task's tensors start within a lane (elements), and the lane's size. */
export function laneLayout(s: Suite): { at: number[][]; size: number } {
  let o = 0;
  const at = s.tasks.map((t) => t.tensors.map((n) => { const x = o; o += roundUp(n, ALIGN); return x; }));
  return { at, size: o };
}

export class DirectCandidate {
  private readonly bufs: GPUBuffer[] = [];
  readonly param: GPUBuffer;
  private readonly uniform: GPUBuffer;
  private readonly slots: ArrayBuffer;
  private readonly write: (hostVals: readonly number[], t: number) => ArrayBuffer;
  readonly dispatches: Dispatch[] = [];
  private gradDispose: () => void = () => {};

  private constructor(readonly device: GPUDevice, readonly module: KernelModule, readonly lane: number, readonly grid: readonly number[], x0: Float32Array[], at: number[][], s: Suite) {
    const G = grid.length, bytes = G * lane * 4;
    const make = (label: string) => { const b = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, label }); this.bufs.push(b); return b; };
    this.param = make('search.p');
    const host = new Float32Array(G * lane);
    for (let l = 0; l < G; l++) s.tasks.forEach((t, k) => { let o = 0; t.tensors.forEach((n, j) => { host.set(x0[k]!.subarray(o, o + n), l * lane + at[k]![j]!); o += n; }); });
    device.queue.writeBuffer(this.param, 0, host);
    this.grad = make('search.g');
    // State initial values are the first grid point's, as on the CPU and in the runtime (group 0).
    const inits = stateInitValues(module.host, { [LR]: grid[0]! });
    for (const st of module.states) {
      const b = make(`search.${st.name}`);
      this.states.set(st.name, b);
      if (inits[st.name]) device.queue.writeBuffer(b, 0, new Float32Array(G * lane).fill(inits[st.name]!));
    }
    this.uniform = device.createBuffer({ size: G * SLOT, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label: 'search.u' });
    this.bufs.push(this.uniform);
    this.slots = new ArrayBuffer(G * SLOT);
    this.write = uniformWriter(module.uniforms, { n: lane, len: lane });
  }

  readonly grad: GPUBuffer;
  private readonly states = new Map<string, GPUBuffer>();

  /** Buffers, pipelines and bind groups for `module` on `gs`'s suite; throws when the device refuses a kernel. */
  static async create(gs: GpuSuite, module: KernelModule, grid: readonly number[], x0: Float32Array[]): Promise<DirectCandidate> {
    const { at, size } = laneLayout(gs.suite);
    const c = new DirectCandidate(gs.device, module, size, grid, x0, at, gs.suite);
    try {
      const pipes = await Promise.all(module.variants[1]!.map((k) => kernelPipeline(gs.device, k)));
      const g = gs.dispatches(grid.length, (l, k) => {
        const region = (buffer: GPUBuffer) => gs.suite.tasks[k]!.tensors.map((n, j): Region => ({ buffer, offset: (l * size + at[k]![j]!) * 4, size: n * 4 }));
        return { params: region(c.param), grads: region(c.grad) };
      });
      c.gradDispose = g.dispose;
      c.dispatches.push(...g.dispatches);
      const groups = Math.ceil(size / module.variants[1]![0]!.workgroupSize);
      for (let l = 0; l < grid.length; l++) {
        module.variants[1]!.forEach((k, ki) => {
          const lane = (buffer: GPUBuffer) => ({ buffer, offset: l * size * 4, size: size * 4 });
          const entries = k.bindings.map((b): GPUBindGroupEntry => ({
            binding: b.binding,
            resource: b.kind === 'uniform' ? { buffer: c.uniform, offset: l * SLOT, size: uniformSize(module.uniforms.size) }
              : lane(b.kind === 'param' ? c.param : b.kind === 'input' ? c.grad : c.states.get(b.name)!),
          }));
          c.dispatches.push({ pipeline: pipes[ki]!, group: gs.device.createBindGroup({ layout: pipes[ki]!.getBindGroupLayout(0), entries }), workgroups: groups });
        });
      }
      return c;
    } catch (e) { c.dispose(); throw e; }
  }

  /** Writes this step's uniforms (every lane's lr on the schedule); the step's submit reads them. */
  prepare(t: number, steps: number): void {
    const f = lrScale(t, steps);
    const bytes = new Uint8Array(this.slots);
    this.grid.forEach((lr, l) => bytes.set(new Uint8Array(this.write(evalHost(this.module.host, { [LR]: lr * f }, t), t)), l * SLOT));
    this.device.queue.writeBuffer(this.uniform, 0, this.slots);
  }

  /** Where task k's tensor j of grid point l is in `param` (elements). */
  offset(l: number, k: number, j: number, at: number[][]): number { return l * this.lane + at[k]![j]!; }

  dispose(): void { this.gradDispose(); this.bufs.forEach((b) => b.destroy()); }
}

const pipelines = new WeakMap<GPUDevice, Map<string, Promise<GPUComputePipeline>>>();

/** A pipeline for one of optc's kernels, with the layout its bindings declare; cached by WGSL. */
function kernelPipeline(device: GPUDevice, k: KernelSpec): Promise<GPUComputePipeline> {
  let cache = pipelines.get(device);
  if (!cache) pipelines.set(device, (cache = new Map()));
  const key = `${k.entryPoint}\n${k.wgsl}`;
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      device.pushErrorScope('validation');
      const layout = device.createPipelineLayout({
        bindGroupLayouts: [device.createBindGroupLayout({
          entries: k.bindings.map((b) => ({
            binding: b.binding, visibility: GPUShaderStage.COMPUTE,
            buffer: { type: b.kind === 'uniform' ? 'uniform' as const : b.access === 'read' ? 'read-only-storage' as const : 'storage' as const },
          })),
        })],
      });
      const pipe = await device.createComputePipelineAsync({ layout, compute: { module: device.createShaderModule({ code: k.wgsl }), entryPoint: k.entryPoint } }).catch((e: Error) => e);
      const err = await device.popErrorScope();
      if (pipe instanceof Error || err) throw new Error(`search: kernel '${k.name}' does not run here: ${err?.message ?? (pipe as Error).message}`);
      return pipe;
    })();
    p.catch(() => cache!.delete(key));
    if (cache.size > 512) cache.clear();
    cache.set(key, p);
  }
  return p;
}
