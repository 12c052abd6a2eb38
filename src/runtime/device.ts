// The only file that touches Dawn's async entry points: adapter, device, pipelines, readback.
import { create, globals } from 'webgpu';
import { NoAdapterError, WgslCompileError } from './errors.js';
import { readBackError } from './guards.js';

let installed = false;
function installGlobals() {
  if (installed) return;
  // GPUBufferUsage & co. are read as globals by code written for browsers (and by our own).
  for (const [k, v] of Object.entries(globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  installed = true;
}

export const INSTALL_HINT =
  'No WebGPU adapter was found. optc runs on Dawn (the `webgpu` npm package), which needs a Vulkan driver. ' +
  'On a machine without a GPU, install Mesa\'s lavapipe: run `bash scripts/setup.sh` (on Debian 12 it installs ' +
  'mesa-vulkan-drivers and libvulkan1 from bookworm-backports; the stock Mesa 22 is too old for Dawn).';

let gpu: GPU | undefined;

export interface DeviceOptions { powerPreference?: GPUPowerPreference }

/** A headless Dawn device with the largest storage limits the adapter offers. */
export async function getDevice(opts: DeviceOptions = {}): Promise<GPUDevice> {
  installGlobals();
  gpu ??= create([]);
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
  } catch (e) {
    throw new NoAdapterError(`${INSTALL_HINT} (requestAdapter failed: ${(e as Error).message})`);
  }
  if (!adapter) throw new NoAdapterError(INSTALL_HINT);
  const l = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    },
  });
  return device;
}

/** Lets Node exit: a live `GPU` object keeps the process running. */
export function releaseGpu(): void { gpu = undefined; }

export function adapterDescription(device: GPUDevice): string {
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  return info ? `${info.vendor} ${info.architecture} ${info.description}`.trim() : 'unknown adapter';
}

/** Compiles WGSL into a compute pipeline; compile errors become a WgslCompileError with the failing line. */
export async function createComputePipeline(device: GPUDevice, wgsl: string, entryPoint: string, label: string): Promise<GPUComputePipeline> {
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ code: wgsl, label });
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  const pipeline = errors.length ? undefined : await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint }, label })
    .catch((e: Error) => { throw new WgslCompileError(`pipeline '${label}' failed: ${e.message}\n${wgsl}`, wgsl); });
  const scopeErr = await device.popErrorScope();
  if (errors.length || scopeErr || !pipeline) {
    const first = errors[0];
    const lines = wgsl.split('\n');
    const where = first ? `line ${first.lineNum}: ${lines[first.lineNum - 1] ?? ''}\n` : '';
    const msg = errors.map((m) => `${m.lineNum}:${m.linePos}: ${m.message}`).join('\n') || scopeErr?.message || 'unknown error';
    throw new WgslCompileError(`internal compiler error: WGSL for '${label}' does not compile:\n${msg}\n${where}${wgsl}`, wgsl, first?.lineNum);
  }
  return pipeline;
}

/** Copies `size` bytes of `buffer` from `offset` back to the host. */
export async function readBuffer(device: GPUDevice, buffer: GPUBuffer, size: number, offset = 0): Promise<ArrayBuffer> {
  const staging = device.createBuffer({ size: Math.ceil(size / 4) * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(buffer, offset, staging, 0, staging.size);
  device.queue.submit([enc.finish()]);
  try {
    await staging.mapAsync(GPUMapMode.READ);
  } catch (cause) {
    staging.destroy();
    throw await readBackError(device, buffer.label || 'a buffer', cause); // a lost device: DeviceLostError
  }
  const out = staging.getMappedRange().slice(0, size);
  staging.unmap();
  staging.destroy();
  return out;
}
