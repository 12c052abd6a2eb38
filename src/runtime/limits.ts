// The device's resource limits checked against a module before anything is allocated or compiled, so a
// program past a limit gets an UnsupportedError naming its kernel and the limit, never a Dawn validation
// error at run time (issue 16). Checked: storage buffers per kernel, the uniform buffer's size, workgroup
// memory and workgroup size; for the main module and every named entry point.
import { kernelsOf, type KernelModule, type KernelSpec } from '../codegen-wgsl/index.js';
import { UnsupportedError } from './errors.js';

type Limits = Pick<GPUSupportedLimits, 'maxStorageBuffersPerShaderStage' | 'maxUniformBufferBindingSize' | 'maxComputeWorkgroupStorageSize'
  | 'maxComputeInvocationsPerWorkgroup' | 'maxComputeWorkgroupSizeX'>;

const SCALAR_BYTES: Record<string, number> = { f32: 4, u32: 4, i32: 4, f16: 2, 'atomic<u32>': 4, 'atomic<i32>': 4 };

/** Bytes of a WGSL type as the code generator writes workgroup variables (scalars, vectors, arrays of them). */
function typeBytes(type: string): number | undefined {
  const t = type.replace(/\s+/g, '');
  if (t in SCALAR_BYTES) return SCALAR_BYTES[t];
  const vec = /^vec([234])<(\w+)>$/.exec(t);
  if (vec) return (vec[1] === '3' ? 4 : Number(vec[1])) * (SCALAR_BYTES[vec[2]!] ?? 4);
  const arr = /^array<(.+),(\d+)u?>$/.exec(t);
  if (arr) { const e = typeBytes(arr[1]!); return e === undefined ? undefined : e * Number(arr[2]); }
  return undefined;
}

/**
 * Workgroup memory a kernel declares, as WebGPU counts it (each variable rounded up to 16 bytes). Read from
 * its `var<workgroup>` declarations: the manifest does not carry it, and the generators write them in one form.
 */
export function workgroupBytes(wgsl: string): number {
  let total = 0;
  for (const m of wgsl.matchAll(/var<workgroup>\s*\w+\s*:\s*([^;]+);/g)) {
    const b = typeBytes(m[1]!);
    total += Math.ceil((b ?? Infinity) / 16) * 16;
  }
  return total;
}

/** The first limit `kernel` of `module` exceeds on `limits`, as a sentence; undefined when it fits. */
export function kernelOverLimit(module: Pick<KernelModule, 'name' | 'uniforms'>, k: KernelSpec, limits: Limits, entry?: string): string | undefined {
  const where = `kernel '${k.name}' of ${entry === undefined ? '' : `entry point '${entry}' of `}'${module.name}'`;
  // Every binding but the uniform is a storage buffer (a tensor stage of a phased module has no uniform).
  const storage = k.bindings.filter((b) => b.kind !== 'uniform').length;
  if (storage > limits.maxStorageBuffersPerShaderStage) return `${where} needs ${storage} storage buffers; this device allows ${limits.maxStorageBuffersPerShaderStage}`;
  if (k.bindings.some((b) => b.kind === 'uniform') && module.uniforms.size > limits.maxUniformBufferBindingSize) {
    return `${where} needs a ${module.uniforms.size}-byte uniform buffer (${module.uniforms.fields.length} step values and dimensions); this device allows ${limits.maxUniformBufferBindingSize} bytes`;
  }
  const shared = workgroupBytes(k.wgsl);
  if (shared > limits.maxComputeWorkgroupStorageSize) return `${where} needs ${shared} bytes of workgroup memory; this device allows ${limits.maxComputeWorkgroupStorageSize}`;
  const wg = Math.min(limits.maxComputeInvocationsPerWorkgroup, limits.maxComputeWorkgroupSizeX);
  if (k.workgroupSize > wg) return `${where} has workgroups of ${k.workgroupSize} invocations; this device allows ${wg} (compile with a smaller workgroupSize)`;
  return undefined;
}

/** Throws UnsupportedError for the first kernel of `module` or of its entry points past a device limit. */
export function checkModuleLimits(device: GPUDevice, module: KernelModule): void {
  const modules: [KernelModule, string | undefined][] = [[module, undefined], ...Object.entries(module.entries ?? {}).map(([e, m]) => [m, e] as [KernelModule, string])];
  for (const [m, entry] of modules) {
    for (const k of new Set([...(m.variants[1] ?? []), ...(m.variants[4] ?? []), ...kernelsOf(m)])) {
      const over = kernelOverLimit(m, k, device.limits, entry);
      if (over) throw new UnsupportedError(over);
    }
  }
}
