// The proxy tasks on a WebGPU device: their data uploaded once per suite, their gradient pipelines, and,
// per candidate, the bind groups that connect its parameters (in the optimizer runtime's packed buffers,
// or in the scorer's own lane buffers: direct.ts) to its gradient buffers. A "lane" is one task of one candidate at one grid step size.
import type { Optimizer } from '../../index.js';
import type { GpuTask, Suite } from '../tasks.js';
import { LOGREG_MAX, LOGREG_MAX_CLASSES, LOGREG_WGSL, MLP_MAX_HIDDEN, MLP_MAX_LOGITS, MLP_WGSL, QUADRATIC_WGSL, ROSENBROCK_WGSL } from './task-kernels.js';

const STORAGE = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
const GRAD = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC;

/** One task of the suite on the device: its kernel, its static bindings (data, uniform), its workgroups. */
interface DeviceTask {
  spec: GpuTask;
  pipeline: GPUComputePipeline;
  /** Buffers bound after the parameter and gradient bindings, in binding order (uniform last). */
  data: GPUBuffer[];
  workgroups: number;
}

export class GpuSuite {
  /** t of the step being encoded (the `Step` uniform every kernel reads). */
  readonly step: GPUBuffer;
  private constructor(readonly device: GPUDevice, readonly suite: Suite, readonly tasks: DeviceTask[], private readonly owned: GPUBuffer[]) {
    this.step = owned[0]!;
  }

  /** Uploads the suite's data and builds its pipelines; throws naming the task that has no WGSL kernel. */
  static async create(device: GPUDevice, suite: Suite): Promise<GpuSuite> {
    const owned: GPUBuffer[] = [device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label: 'search.step' })];
    const upload = (data: ArrayBufferView & { length: number }, label: string) => {
      const b = device.createBuffer({ size: Math.max(16, Math.ceil(data.byteLength / 16) * 16), usage: STORAGE(), label });
      device.queue.writeBuffer(b, 0, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
      owned.push(b);
      return b;
    };
    const uniform = (words: number[], label: string) => {
      const b = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label });
      device.queue.writeBuffer(b, 0, new Uint32Array(words));
      owned.push(b);
      return b;
    };
    const pipes = new Map<string, Promise<GPUComputePipeline>>();
    const pipe = (kind: string, wgsl: string) => {
      if (!pipes.has(kind)) pipes.set(kind, pipeline(device, wgsl, `search.${kind}`));
      return pipes.get(kind)!;
    };
    const tasks: DeviceTask[] = [];
    for (const task of suite.tasks) {
      if (!task.gpu) throw new Error(`task '${task.name}' of suite ${suite.name} has no WGSL gradient kernel; score it on the CPU`);
      const spec = task.gpu(suite.steps);
      const n = task.tensors.reduce((a, b) => a + b, 0);
      if (spec.kind === 'quadratic') {
        const noise = spec.noise ?? new Float32Array(4);
        tasks.push({ spec, pipeline: await pipe('quadratic', QUADRATIC_WGSL), workgroups: Math.ceil(n / 64),
          data: [upload(spec.h, `${task.name}.h`), upload(spec.c, `${task.name}.c`), upload(noise, `${task.name}.noise`), uniform([n, spec.noise ? 1 : 0, 0, 0], task.name)] });
      } else if (spec.kind === 'rosenbrock') {
        tasks.push({ spec, pipeline: await pipe('rosenbrock', ROSENBROCK_WGSL), workgroups: Math.ceil(spec.c.length / 64),
          data: [upload(spec.c, `${task.name}.c`), uniform([spec.c.length, 0, 0, 0], task.name)] });
      } else {
        const mlp = spec.kind === 'mlp';
        const [logits, hidden] = mlp ? [MLP_MAX_LOGITS, MLP_MAX_HIDDEN] : [LOGREG_MAX, 0];
        if (spec.batch * spec.classes > logits || spec.batch * spec.hidden > hidden || spec.classes > LOGREG_MAX_CLASSES) {
          throw new Error(`task '${task.name}': a batch of ${spec.batch} x (${spec.hidden} hidden, ${spec.classes} classes) exceeds the kernel's workgroup memory (${hidden}, ${logits}; at most ${LOGREG_MAX_CLASSES} classes)`);
        }
        // The uniform's offsets of the tensors after W (from W) depend on the runtime's layout: written per lane.
        tasks.push({ spec, pipeline: await pipe(spec.kind, mlp ? MLP_WGSL : LOGREG_WGSL), workgroups: 1,
          data: [upload(spec.x, `${task.name}.x`), upload(spec.y, `${task.name}.y`), upload(spec.rows, `${task.name}.rows`)] });
      }
    }
    return new GpuSuite(device, suite, tasks, owned);
  }

  /**
   * The gradient dispatches of one candidate: `regions(l, k)` gives, for grid point l and task k, where
   * each of the task's parameter tensors lives and where its gradient goes (one region per tensor; the
   * parameter regions in one buffer, in order, each at a 256-byte-aligned offset).
   */
  dispatches(grid: number, regions: (l: number, k: number) => { params: Region[]; grads: Region[] }): { dispatches: Dispatch[]; dispose(): void } {
    const { device } = this;
    const owned: GPUBuffer[] = [];
    const dispatches: Dispatch[] = [];
    for (let l = 0; l < grid; l++) {
      this.tasks.forEach((task, k) => {
        const { params, grads } = regions(l, k);
        const first = params[0]!, last = params[params.length - 1]!;
        if (params.some((r) => r.buffer !== first.buffer)) throw new Error(`search: the parameters of task ${k} are in different buffers`);
        const extra: GPUBuffer[] = [...task.data];
        if (task.spec.kind === 'logreg' || task.spec.kind === 'mlp') {
          const { features, hidden, classes, batch } = task.spec;
          const at = params.map((r) => (r.offset - first.offset) / 4);
          const words = task.spec.kind === 'logreg' ? [features, classes, batch, at[1]!] : [features, hidden, classes, batch, at[1]!, at[2]!, at[3]!, 0];
          const u = device.createBuffer({ size: words.length * 4, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label: `${task.spec.kind}.u` });
          device.queue.writeBuffer(u, 0, new Uint32Array(words));
          owned.push(u);
          extra.push(u);
        }
        const entries: GPUBindGroupEntry[] = [
          { binding: 0, resource: { buffer: first.buffer, offset: first.offset, size: last.offset + last.size - first.offset } },
          ...grads.map((r, j) => ({ binding: 1 + j, resource: { buffer: r.buffer, offset: r.offset, size: r.size } })),
        ];
        for (const b of extra) entries.push({ binding: entries.length, resource: { buffer: b } });
        entries.push({ binding: entries.length, resource: { buffer: this.step } });
        dispatches.push({ pipeline: task.pipeline, group: device.createBindGroup({ layout: task.pipeline.getBindGroupLayout(0), entries }), workgroups: task.workgroups });
      });
    }
    return { dispatches, dispose: () => owned.forEach((b) => b.destroy()) };
  }

  /** `dispatches` for a candidate run by the runtime's Optimizer, with a gradient buffer per tensor. */
  runtimeLanes(opt: Optimizer, grid: number, names: (l: number, k: number) => string[]): CandidateLanes {
    const grads: Record<string, GPUBuffer> = {};
    const owned: GPUBuffer[] = [];
    const d = this.dispatches(grid, (l, k) => {
      const tensors = names(l, k);
      const params = tensors.map((name): Region => {
        const r = opt.paramRegions(name);
        if (r.length !== 1) throw new Error(`search: parameter '${name}' is split over ${r.length} chunks`);
        return { buffer: r[0]!.buffer, offset: r[0]!.byteOffset, size: r[0]!.bytes };
      });
      return {
        params,
        grads: tensors.map((name, j): Region => {
          const b = this.device.createBuffer({ size: Math.max(16, params[j]!.size), usage: GRAD(), label: `grad ${name}` });
          grads[name] = b;
          owned.push(b);
          return { buffer: b, offset: 0, size: params[j]!.size };
        }),
      };
    });
    return { grads, dispatches: d.dispatches, dispose: () => { d.dispose(); owned.forEach((b) => b.destroy()); } };
  }

  dispose(): void { this.owned.forEach((b) => b.destroy()); }
}

/** A byte range of a buffer (offsets 256-byte aligned, as storage bindings need). */
export interface Region { buffer: GPUBuffer; offset: number; size: number }
export interface Dispatch { pipeline: GPUComputePipeline; group: GPUBindGroup; workgroups: number }

export interface CandidateLanes {
  /** What the optimizer's step() takes: one gradient buffer per parameter tensor. */
  grads: Record<string, GPUBuffer>;
  /** Every lane's gradient dispatch (encoded together, before the optimizer steps). */
  dispatches: Dispatch[];
  dispose(): void;
}

/** A compute pipeline from WGSL, its compilation errors raised with the source. */
export async function pipeline(device: GPUDevice, code: string, label: string): Promise<GPUComputePipeline> {
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ code, label });
  const info = await module.getCompilationInfo();
  const p = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' }, label }).catch((e: Error) => e);
  const err = await device.popErrorScope();
  const msgs = info.messages.filter((m) => m.type === 'error').map((m) => `${m.lineNum}:${m.linePos} ${m.message}`);
  if (p instanceof Error || err || msgs.length) throw new Error(`search: WGSL of '${label}' does not compile: ${msgs.join('; ') || err?.message || (p as Error).message}`);
  return p;
}
