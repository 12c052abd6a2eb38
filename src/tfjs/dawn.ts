// TF.js's WebGPU backend on Dawn in Node (the `webgpu` npm package), for `optc train` and the tests.
// In a browser TF.js opens its own device and the adapter simply uses it; here we open the device ourselves:
// TF.js's factory asks for the adapter's maxima of the limits it uses, but not for
// `maxStorageBuffersPerShaderStage`, which stays at WebGPU's default of 8, and compressed-state kernels bind
// more than that. So we ask for the same limits plus ours and hand the device to `new WebGPUBackend(device)`,
// the constructor TF.js's factory calls. The backend keeps the name 'webgpu' (its kernels are registered
// under that name). Its constructor refuses to run without `navigator.gpu`, so one is installed, and removed by
// `close()`: a live `GPU` object keeps Node from exiting.
import * as tf from '@tensorflow/tfjs-core';
import { create, globals } from 'webgpu';
import { INSTALL_HINT } from '../runtime/dawn.js';
import { NoAdapterError } from '../runtime/errors.js';

export interface TfjsOnDawn {
  device: GPUDevice;
  /** e.g. "mesa software llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)". */
  description: string;
  /** Destroys the device and lets Node exit (a live `GPU` object keeps it running). */
  close(): void;
}

const LIMITS = [
  'maxStorageBufferBindingSize', 'maxBufferSize', 'maxStorageBuffersPerShaderStage', 'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension', 'maxComputeWorkgroupSizeX', 'maxComputeInvocationsPerWorkgroup',
] as const;

let open: Promise<TfjsOnDawn> | undefined;

/** Makes TF.js's WebGPU backend on a Dawn device the active backend (once per process). */
export function openTfjsOnDawn(): Promise<TfjsOnDawn> {
  open ??= start().catch((e: unknown) => { open = undefined; throw e; });
  return open;
}

async function start(): Promise<TfjsOnDawn> {
  for (const [k, v] of Object.entries(globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  const gpu = create([]);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: 'node' }, configurable: true, writable: true });
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
  if (!adapter) throw new NoAdapterError(INSTALL_HINT);
  const requiredLimits: Record<string, number> = {};
  for (const name of LIMITS) requiredLimits[name] = (adapter.limits as unknown as Record<string, number>)[name]!;
  const requiredFeatures = (['timestamp-query', 'shader-f16'] as const).filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  const info = adapter.info;
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu') as unknown as {
    WebGPUBackend: new (device: GPUDevice, info?: GPUAdapterInfo) => tf.KernelBackend;
  };
  // TF.js forwards small ops whose inputs are on the CPU to the CPU backend, which must then be registered.
  await import('@tensorflow/tfjs-backend-cpu');
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(device, info), 3);
  if (!(await tf.setBackend('webgpu'))) throw new NoAdapterError('TF.js could not initialize its WebGPU backend on the Dawn device');
  await tf.ready();
  return {
    device,
    description: [info.vendor, info.architecture, info.description].filter(Boolean).join(' ').trim() || 'unknown adapter',
    close() {
      if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
      device.destroy();
      Object.defineProperty(globalThis, 'navigator', { value: undefined, configurable: true, writable: true });
      open = undefined;
    },
  };
}
