// Runs a standalone matrix-multiply kernel (src/codegen-wgsl/matmul.ts) on a device, bound to caller-owned
// buffers as the matrix stages bind theirs (matrix-stages.ts); the kernel test and bench use it.
import type { StageKernel } from '../codegen-wgsl/index.js';
import { bindKernel, recordPass, type Bound } from './matrix-stages.js';

export interface MatmulRunner {
  /** Encodes, submits and waits `times` products C = A B (A m × k, B k × n, C m × n, f32 row-major). */
  run(times?: number): Promise<void>;
}

export async function createMatmul(device: GPUDevice, kernel: StageKernel, buffers: { a: GPUBuffer; b: GPUBuffer; c: GPUBuffer }): Promise<MatmulRunner> {
  const bound = await bindKernel(device, kernel, (key) => ({ buffer: buffers[key as 'a' | 'b' | 'c'] }));
  return {
    async run(times = 1) {
      const enc = device.createCommandEncoder();
      recordPass(enc, kernel.name, Array<Bound>(times).fill(bound));
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
    },
  };
}
