// Runs a standalone matrix-multiply kernel (src/codegen-wgsl/matmul.ts) on a device, bound to caller-owned
// buffers as the matrix stages bind theirs (matrix-stages.ts); the kernel test and bench use it.
import type { StageKernel } from '../codegen-wgsl/index.js';
import { bindKernel, recordPass, type Bound } from './matrix-stages.js';

/**
 * A matmul kernel bound to `buffers`: a function that encodes, submits and waits `times` products C = A B
 * (A m × k, B k × n, C m × n, f32 row-major).
 */
export async function createMatmul(device: GPUDevice, kernel: StageKernel, buffers: { a: GPUBuffer; b: GPUBuffer; c: GPUBuffer }):
  Promise<(times?: number) => Promise<void>> {
  const bound = await bindKernel(device, kernel, (key) => ({ buffer: buffers[key as 'a' | 'b' | 'c'] }));
  return async (times = 1) => {
    const enc = device.createCommandEncoder();
    recordPass(enc, kernel.name, Array<Bound>(times).fill(bound));
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
  };
}
