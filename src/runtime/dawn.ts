// The Node-only part of the runtime: a headless Dawn device from the `webgpu` package. The browser build
// (src/browser.ts) never imports this file; it takes its device from navigator.gpu instead.
import { create, globals } from 'webgpu';
import { requestDeviceFrom, type DeviceOptions } from './device.js';

/** GPUBufferUsage & co., read as globals by code written for browsers (and by our own); idempotent. */
function installGlobals() {
  for (const [k, v] of Object.entries(globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
}

export const INSTALL_HINT =
  'No WebGPU adapter was found. optc runs on Dawn (the `webgpu` npm package), which needs a Vulkan driver. ' +
  'On a machine without a GPU, install Mesa\'s lavapipe: run `bash scripts/setup.sh` (on Debian 12 it installs ' +
  'mesa-vulkan-drivers and libvulkan1 from bookworm-backports; the stock Mesa 22 is too old for Dawn).';

let gpu: GPU | undefined;

export type { DeviceOptions };

/** A headless Dawn device with the largest storage limits the adapter offers. */
export async function getDevice(opts: DeviceOptions = {}): Promise<GPUDevice> {
  installGlobals();
  gpu ??= create([]);
  return requestDeviceFrom(gpu, opts, INSTALL_HINT);
}

/** Lets Node exit: a live `GPU` object keeps the process running. */
export function releaseGpu(): void { gpu = undefined; }
