// Runs a standalone matrix-multiply kernel (src/codegen-wgsl/matmul.ts) on a device, bound to caller-owned
// buffers as the matrix stages bind theirs (matrix-stages.ts); the kernel test and bench use it.
import { bindKernel, dispatch } from './matrix-stages.js';

/** What this file needs of a kernel (structurally: the runtime never imports codegen internals). */
export interface MatmulKernelSpec {
  wgsl: string;
  entryPoint: string;
  grid: [number, number, number];
  bindings: { binding: number; name: 'a' | 'b' | 'c'; access: 'read' | 'read_write' }[];
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
  const bindings = kernel.bindings.map((b) => ({ binding: b.binding, buffer: b.name, access: b.access }));
  const bound = await bindKernel(device, { ...kernel, bindings, label: `matmul ${m}x${k}x${n}` }, (key) => ({ buffer: buffers[key as 'a' | 'b' | 'c'] }));
  return {
    encode: (pass) => dispatch(pass, bound),
    async run(times = 1) {
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      for (let i = 0; i < times; i++) dispatch(pass, bound);
      pass.end();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
    },
  };
}
