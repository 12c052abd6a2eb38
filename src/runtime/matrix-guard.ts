// The non-finite guard of a matrix program (docs/formats.md, "Non-finite guard"): before a guarded step,
// every gradient and input of every tensor (the fallback's too) is checked, host arrays on the host and GPU
// buffers by a kernel that raises a flag, so a NaN or an infinity anywhere skips the whole step.
import { matrixGuardKernel } from '../codegen-wgsl/index.js';
import { storageBuffer } from './buffers.js';
import type { TensorData } from './chunks.js';
import { readBuffer } from './device.js';
import { bindKernel, recordPass } from './matrix-stages.js';

/** Whether any value of `data` is NaN or ±inf. */
export async function anyNonFinite(device: GPUDevice, label: string, data: { data: TensorData; n: number }[]): Promise<boolean> {
  if (data.some(({ data: d, n }) => d instanceof Float32Array && d.subarray(0, n).some((v) => !Number.isFinite(v)))) return true;
  const gpu = data.filter((d): d is { data: GPUBuffer; n: number } => !(d.data instanceof Float32Array));
  if (!gpu.length) return false;
  const flag = storageBuffer(device, 4, `${label} guard`);
  try {
    const checks = await Promise.all(gpu.map(({ data: b, n }) => bindKernel(device, matrixGuardKernel(n), (key) => ({ buffer: key === '#flag' ? flag : b }))));
    const enc = device.createCommandEncoder({ label: `${label} guard` });
    recordPass(enc, `${label} guard`, checks);
    device.queue.submit([enc.finish()]);
    return new Uint32Array(await readBuffer(device, flag, 4))[0] !== 0;
  } finally {
    flag.destroy();
  }
}
