// Our side of the benchmark, through the public API only: `compile` (src/index.ts) and `createOptimizer`
// (src/runtime). Loaded lazily so the peer baselines still run while the compiler is being built; when it
// is missing, the cases that need it are reported as skipped with the reason, never given made-up numbers.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Compile options the benchmark varies (src/compile.ts `CompileOptions`). */
export interface CodegenChoices {
  fuse?: boolean;
  vectorize?: boolean;
  workgroupSize?: number;
}

/** The subset of the compiler's API the benchmark uses. */
export interface OptcApi {
  compile(source: string, options: { file?: string } & CodegenChoices): {
    module?: OptcModule;
    diagnostics: { code?: string; message: string; severity?: string }[];
  };
  createOptimizer(
    device: GPUDevice,
    module: OptcModule,
    params: Record<string, { shape: number[]; data?: Float32Array; buffer?: GPUBuffer }>,
    options?: { hypers?: Record<string, number>; vectorize?: boolean },
  ): Promise<OptcOptimizer>;
}

/** What the benchmark reads from a compiled module (src/codegen-wgsl/manifest.ts `KernelModule`). */
export interface OptcModule {
  name: string;
  variants: { 1: { name: string; wgsl: string; entryPoint: string }[]; 4?: { name: string; wgsl: string; entryPoint: string }[] };
}

export interface OptcOptimizer {
  step(grads: Record<string, Float32Array | GPUBuffer>): void | Promise<void>;
  readParam(name: string): Promise<Float32Array>;
  readonly dispatchesPerStep?: number;
  /** Bytes of device memory held for parameters and state. */
  memory?(): { paramBytes: number; stateBytes: number };
  dispose(): void;
}

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

let api: Promise<OptcApi | string> | undefined;

/**
 * The compiler's API. A compiler that fails to load is an error, never a skipped case: a benchmark that
 * quietly measured only the baselines would look like a pass.
 */
export function loadOptc(): Promise<OptcApi | string> {
  api ??= (async () => {
    const c = (await import('../src/index.js')) as Record<string, unknown>;
    const r = (await import('../src/runtime/index.js')) as Record<string, unknown>;
    if (typeof c.compile !== 'function' || typeof r.createOptimizer !== 'function') {
      throw new Error('src/index.ts must export compile() and src/runtime createOptimizer()');
    }
    return { compile: c.compile, createOptimizer: r.createOptimizer } as unknown as OptcApi;
  })();
  return api;
}

/** Compiles a `.opt` file (path relative to the repository root); throws with the diagnostics on failure. */
export function compileFile(optc: OptcApi, path: string, options: CodegenChoices = {}): OptcModule {
  const source = readFileSync(new URL(path, `file://${repoRoot}`), 'utf8');
  return compileSource(optc, source, path, options);
}

export function compileSource(
  optc: OptcApi,
  source: string,
  file: string,
  options: CodegenChoices = {},
): OptcModule {
  const out = optc.compile(source, { file, ...options });
  const errors = out.diagnostics.filter((d) => (d.severity ?? 'error') === 'error');
  if (!out.module || errors.length) {
    throw new Error(`${file} does not compile:\n${out.diagnostics.map((d) => d.message).join('\n')}`);
  }
  return out.module;
}

/** A step of one optimizer over one tensor `w`, with its gradient already on the device (as TF.js's is). */
export interface OptcCase {
  opt: OptcOptimizer;
  grad: GPUBuffer;
  /** Submits one step and waits until the device has finished it. */
  step(): Promise<void>;
  dispose(): void;
}

export async function createOptcCase(
  optc: OptcApi,
  device: GPUDevice,
  module: OptcModule,
  init: Float32Array,
  grad: Float32Array,
  hypers: Record<string, number>,
  shape: number[] = [init.length],
): Promise<OptcCase> {
  const n = init.length;
  const g = device.createBuffer({
    size: Math.max(16, Math.ceil(n / 4) * 16),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
  });
  device.queue.writeBuffer(g, 0, grad.buffer as ArrayBuffer, grad.byteOffset, grad.byteLength);
  const opt = await optc.createOptimizer(device, module, { w: { shape, data: init } }, { hypers });
  await checkedStep(device, async () => {
    await opt.step({ w: g });
  });
  return {
    opt,
    grad: g,
    async step() {
      await opt.step({ w: g });
      await device.queue.onSubmittedWorkDone();
    },
    dispose() {
      opt.dispose();
      g.destroy();
    },
  };
}

/**
 * Runs one step inside validation and out-of-memory error scopes and throws if Dawn reports an error: an
 * invalid command buffer is silently dropped by the queue, which would otherwise time as a very fast step.
 */
export async function checkedStep(device: GPUDevice, step: () => Promise<void>): Promise<void> {
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  await step();
  const oom = await device.popErrorScope();
  const invalid = await device.popErrorScope();
  await device.queue.onSubmittedWorkDone();
  const err = oom ?? invalid;
  if (err) throw new Error(`the step raised a WebGPU error: ${err.message.split('\n')[0]}`);
}
