// The non-finite guard of a matrix program (docs/formats.md, "Non-finite guard"): before a guarded step,
// every gradient and input of every tensor (the fallback's too) is checked, host arrays on the host and GPU
// buffers by a kernel that raises a flag, so a NaN or an infinity anywhere skips the whole step.
import { matrixGuardKernel, type StageKernel } from '../codegen-wgsl/index.js';
import { createComputePipeline, readBuffer } from './device.js';
import type { TensorData } from './chunks.js';

export class NonFiniteCheck {
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();

  constructor(private readonly device: GPUDevice, private readonly label: string) {}

  /** Whether any value of `data` is NaN or ±inf. */
  async any(data: { data: TensorData; n: number }[]): Promise<boolean> {
    if (data.some(({ data: d, n }) => d instanceof Float32Array && d.subarray(0, n).some((v) => !Number.isFinite(v)))) return true;
    const gpu = data.filter((d): d is { data: GPUBuffer; n: number } => !(d.data instanceof Float32Array));
    if (!gpu.length) return false;
    const flag = this.device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, label: `${this.label} guard` });
    try {
      const enc = this.device.createCommandEncoder({ label: `${this.label} guard` });
      const pass = enc.beginComputePass();
      for (const { data: b, n } of gpu) {
        const k = matrixGuardKernel(n);
        const pipeline = await this.pipeline(k);
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: b } }, { binding: 1, resource: { buffer: flag } }] }));
        pass.dispatchWorkgroups(...k.grid);
      }
      pass.end();
      this.device.queue.submit([enc.finish()]);
      return new Uint32Array(await readBuffer(this.device, flag, 4))[0] !== 0;
    } finally {
      flag.destroy();
    }
  }

  private pipeline(k: StageKernel): Promise<GPUComputePipeline> {
    let p = this.pipelines.get(k.wgsl);
    if (!p) this.pipelines.set(k.wgsl, (p = createComputePipeline(this.device, k.wgsl, k.entryPoint, k.label, k.bindings.map((b) => ({ binding: b.binding, kind: 'storage', access: b.access })))));
    return p;
  }
}
