/// <reference types="@webgpu/types" preserve="true" />
// optc in a web page: the compiler, the interpreter and the runtime on the page's WebGPU (navigator.gpu).
// Built by scripts/build.mjs into dist/browser.js; docs/browser.md shows its use. Node's file system is not
// here: Optimizer.save/load (files) throw, encodeCheckpoint/decodeCheckpoint (bytes) work.
import { requestDeviceFrom, type DeviceOptions } from './runtime/device.js';
import { NoAdapterError } from './runtime/errors.js';

export * from './portable.js';

export const BROWSER_HINT = 'No WebGPU adapter was found: this browser has no navigator.gpu or it returned no adapter. '
  + 'WebGPU needs a recent Chrome/Edge (or Firefox/Safari with WebGPU enabled) and a page served over https or localhost.';

/** A device from the page's navigator.gpu with the largest storage limits the adapter offers. */
export async function getDevice(opts: DeviceOptions = {}): Promise<GPUDevice> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) throw new NoAdapterError(BROWSER_HINT);
  return requestDeviceFrom(gpu, opts, BROWSER_HINT);
}
