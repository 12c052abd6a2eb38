// Spies for the TF.js adapter tests: what the GPU is asked to do while a function runs. They wrap Dawn's
// prototypes (`mapAsync`, `dispatchWorkgroups`, `createShaderModule`) for the duration and restore them.
type Proto = Record<string, (...a: unknown[]) => unknown>;

function protoOf(name: string): Proto {
  const ctor = (globalThis as unknown as Record<string, { prototype: Proto } | undefined>)[name];
  if (!ctor) throw new Error(`${name} is not a global: open the device (openTfjsOnDawn) first`);
  return ctor.prototype;
}

export interface GpuActivity {
  /** Size in bytes of every buffer mapped for reading (a GPU -> CPU read-back). */
  readBytes: number[];
  dispatches: number;
  /** Labels of shader modules created. */
  shaders: string[];
}

/** Runs `fn` and records the read-backs, dispatches and shader compilations anyone issues meanwhile. */
export async function watchGpu<T>(fn: () => Promise<T> | T): Promise<{ result: T; activity: GpuActivity }> {
  const buffer = protoOf('GPUBuffer'), pass = protoOf('GPUComputePassEncoder'), device = protoOf('GPUDevice');
  const orig = { mapAsync: buffer.mapAsync!, dispatch: pass.dispatchWorkgroups!, shader: device.createShaderModule! };
  const activity: GpuActivity = { readBytes: [], dispatches: 0, shaders: [] };
  buffer.mapAsync = function (this: GPUBuffer, ...a: unknown[]) {
    if ((a[0] as number) & GPUMapMode.READ) activity.readBytes.push(typeof a[2] === 'number' ? a[2] : this.size - ((a[1] as number | undefined) ?? 0));
    return orig.mapAsync.apply(this, a);
  };
  pass.dispatchWorkgroups = function (this: unknown, ...a: unknown[]) { activity.dispatches++; return orig.dispatch.apply(this, a); };
  device.createShaderModule = function (this: unknown, ...a: unknown[]) {
    activity.shaders.push((a[0] as GPUShaderModuleDescriptor).label ?? '');
    return orig.shader.apply(this, a);
  };
  try {
    return { result: await fn(), activity };
  } finally {
    buffer.mapAsync = orig.mapAsync;
    pass.dispatchWorkgroups = orig.dispatch;
    device.createShaderModule = orig.shader;
  }
}

/** max |a - b| / max |b| over one tensor: the relative agreement of two trained weights. */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, m = 0;
  for (let i = 0; i < b.length; i++) { d = Math.max(d, Math.abs(a[i]! - b[i]!)); m = Math.max(m, Math.abs(b[i]!)); }
  return m === 0 ? d : d / m;
}
