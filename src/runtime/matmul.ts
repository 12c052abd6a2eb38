// Runs a standalone matrix-multiply kernel (src/codegen-wgsl/matmul.ts) on a device: its pipeline, a bind
// group over caller-owned buffers, and the dispatch. The schedule's matrix stages will dispatch the same
// kernels through the one dispatcher (docs/matrix.md, phase 2); until then the kernel test and bench use this.
import { createComputePipeline } from './device.js';

/** What this file needs of a kernel (structurally: the runtime never imports codegen internals). */
export interface MatmulKernelSpec {
  wgsl: string;
  entryPoint: string;
  grid: [number, number, number];
  options: { m: number; k: number; n: number };
}

export interface MatmulRunner {
  /** Records C = A B into `pass` (buffers: A m × k, B k × n, C m × n, f32 row-major). */
  encode(pass: GPUComputePassEncoder): void;
  /** Encodes, submits and waits `times` products. */
  run(times?: number): Promise<void>;
}

export async function createMatmul(device: GPUDevice, kernel: MatmulKernelSpec, buffers: { a: GPUBuffer; b: GPUBuffer; c: GPUBuffer }): Promise<MatmulRunner> {
  const { m, k, n } = kernel.options;
  const pipeline = await createComputePipeline(device, kernel.wgsl, kernel.entryPoint, `matmul ${m}x${k}x${n}`);
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [buffers.a, buffers.b, buffers.c].map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  const encode = (pass: GPUComputePassEncoder) => {
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(...kernel.grid);
  };
  return {
    encode,
    async run(times = 1) {
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      for (let i = 0; i < times; i++) encode(pass);
      pass.end();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
    },
  };
}
