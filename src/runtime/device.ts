// Dawn's and the browser's async entry points shared by the runtime: device limits, pipelines, readback.
// Where the device comes from lives apart: Node's Dawn in dawn.ts, the browser's navigator.gpu in ../browser.ts,
// so that this file (and everything that imports it) runs in both.
import { getOrCreate } from './buffers.js';
import { NoAdapterError, WgslCompileError } from './errors.js';
import { readBackError } from './guards.js';

/** Requests a device with the largest storage limits the adapter offers (WebGPU's defaults are smaller). */
export async function requestDeviceFrom(gpu: GPU, opts: DeviceOptions = {}, hint = 'No WebGPU adapter was found.'): Promise<GPUDevice> {
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
  } catch (e) {
    throw new NoAdapterError(`${hint} (requestAdapter failed: ${(e as Error).message})`);
  }
  if (!adapter) throw new NoAdapterError(hint);
  const limits = adapter.limits;
  return adapter.requestDevice({ requiredLimits: Object.fromEntries(RAISED_LIMITS.map((k) => [k, limits[k]])) });
}

/** The limits a device is requested with at the adapter's maximum. */
const RAISED_LIMITS = ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupsPerDimension'] as const;

export interface DeviceOptions { powerPreference?: GPUPowerPreference }

export function adapterDescription(device: GPUDevice): string {
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  return info ? `${info.vendor} ${info.architecture} ${info.description}`.trim() : 'unknown adapter';
}

/** A binding as a pipeline layout needs it (the manifest's BindingSpec is one). */
export interface LayoutBinding { binding: number; kind: string; access: 'read' | 'read_write' }

const pipelines = new WeakMap<GPUDevice, Map<string, Promise<GPUComputePipeline>>>();

/**
 * Compiles WGSL into a compute pipeline, once per device, layout kind (explicit or inferred), entry point and
 * WGSL text (a failed compile is forgotten, so a retry compiles again); compile errors become a
 * WgslCompileError with the failing line. With `bindings`, its bind group layout is built from them (the manifest's binding specs)
 * rather than inferred from the WGSL, so a binding the code does not touch still has its slot.
 */
export function createComputePipeline(device: GPUDevice, wgsl: string, entryPoint: string, label: string,
  bindings?: readonly LayoutBinding[]): Promise<GPUComputePipeline> {
  const cache = getOrCreate(pipelines, device, () => new Map());
  // The layout is the WGSL's bindings either way, but an inferred ('auto') one omits those the code never touches.
  const key = `${bindings ? 'explicit' : 'auto'} ${entryPoint}\n${wgsl}`;
  return getOrCreate(cache, key, () => {
    const p = compilePipeline(device, wgsl, entryPoint, label, bindings);
    p.catch(() => cache.delete(key));
    return p;
  });
}

async function compilePipeline(device: GPUDevice, wgsl: string, entryPoint: string, label: string,
  bindings?: readonly LayoutBinding[]): Promise<GPUComputePipeline> {
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ code: wgsl, label });
  const entries = bindings?.map((b): GPUBindGroupLayoutEntry => ({ binding: b.binding, visibility: GPUShaderStage.COMPUTE,
    buffer: { type: b.kind === 'uniform' ? 'uniform' : b.access === 'read' ? 'read-only-storage' : 'storage' } }));
  const layout = entries ? device.createPipelineLayout({ label, bindGroupLayouts: [device.createBindGroupLayout({ label, entries })] })
    : 'auto';
  const errors = (await module.getCompilationInfo()).messages.filter((m) => m.type === 'error');
  const pipeline = errors.length ? undefined : await device.createComputePipelineAsync({ layout, compute: { module, entryPoint }, label })
    .catch((e: Error) => { throw new WgslCompileError(`pipeline '${label}' failed: ${e.message}\n${wgsl}`, wgsl); });
  const scopeErr = await device.popErrorScope();
  if (errors.length || scopeErr || !pipeline) {
    const first = errors[0];
    const where = first ? `line ${first.lineNum}: ${wgsl.split('\n')[first.lineNum - 1] ?? ''}\n` : '';
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

/** `count` f32 values of `buffer` from element `start`, read back (no read for none). */
export async function readF32(device: GPUDevice, buffer: GPUBuffer, start: number, count: number): Promise<Float32Array> {
  return count ? new Float32Array(await readBuffer(device, buffer, count * 4, start * 4)) : new Float32Array(0);
}
