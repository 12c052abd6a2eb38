// Resource limits (issue 16): a program past one of the device's limits gets an UnsupportedError naming the
// kernel and the limit from createOptimizer, before any buffer or pipeline is made — never a Dawn
// validation error at run time. Checked on a Dawn device with WebGPU's default limits (8 storage buffers,
// 16 KiB of workgroup memory, 256 invocations, 64 KiB uniforms) and, for limits no small program reaches,
// on the compiled kernels with smaller limits.
import { readFileSync } from 'node:fs';
import { create, globals } from 'webgpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, compileIR } from '../src/compile.js';
import { validateCase } from '../src/cli/case.js';
import { compareValues, runGpu, runInterp } from '../src/fuzz/kernels.js';
import { caseFor } from './helpers/robust-cases.js';
import { kernelsOf, type KernelModule } from '../src/codegen-wgsl/index.js';
import { createOptimizer } from '../src/runtime/index.js';
import { requestDeviceFrom } from '../src/runtime/device.js';
import { UnsupportedError } from '../src/runtime/errors.js';
import { kernelOverLimit, workgroupBytes } from '../src/runtime/limits.js';

const WEBGPU_DEFAULTS = {
  maxStorageBuffersPerShaderStage: 8, maxUniformBufferBindingSize: 65536, maxComputeWorkgroupStorageSize: 16384,
  maxComputeInvocationsPerWorkgroup: 256, maxComputeWorkgroupSizeX: 256,
};
const params = { W: { shape: [5, 7], data: new Float32Array(35).fill(0.5) }, b: { shape: [3], data: new Float32Array(3).fill(0.5) } };

let device: GPUDevice;
let gpu: GPU;
beforeAll(async () => {
  // A device with WebGPU's default limits, as a browser may give (getDevice asks for the adapter's largest).
  for (const [k, v] of Object.entries(globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  gpu = create([]);
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter: run `bash scripts/setup.sh`');
  device = await adapter.requestDevice();
  expect(device.limits.maxStorageBuffersPerShaderStage).toBe(8);
});
afterAll(() => device?.destroy());

async function refusal(m: KernelModule, on = device): Promise<string> {
  on.pushErrorScope('validation');
  let err: unknown;
  try { (await createOptimizer(on, m, params)).dispose(); } catch (e) { err = e; }
  expect(await on.popErrorScope()).toBeNull(); // nothing reached Dawn
  expect(err).toBeInstanceOf(UnsupportedError);
  return (err as Error).message;
}

describe('device limits, checked before anything is allocated', () => {
  it('storage buffers per kernel: a fused kernel with 10 (p, g and 8 states)', async () => {
    const states = Array.from({ length: 8 }, (_, k) => `state s${k} = 0;`).join(' ');
    const src = `optimizer wide { hyper lr = 0.1; ${states} update { ${Array.from({ length: 8 }, (_, k) => `s${k} = 0.9 * s${k} + g * ${k + 2};`).join(' ')} p = p - lr * (${Array.from({ length: 8 }, (_, k) => `s${k}`).join(' + ')}); } }`;
    expect(await refusal(compile(src).module)).toMatch(/^kernel '\w+' of 'wide' needs 10 storage buffers; this device allows 8$/);
  });

  it('a tensor stage past the limit is split into kernels that fit (adafactor: 11 storage buffers)', async () => {
    const src = readFileSync('examples/adafactor.opt', 'utf8');
    const split = compile(src).module;
    const one = compile(src, { maxStorageBuffers: 16 }).module;
    const stage = (m: KernelModule) => kernelsOf(m).filter((k) => /^s\d+_tensors/.test(k.name));
    expect(Math.max(...stage(one).map((k) => k.bindings.length))).toBe(11);
    expect(stage(split).length).toBe(stage(one).length + 1);
    for (const k of stage(split)) expect(k.bindings.length).toBeLessThanOrEqual(8);
    const big = await requestDeviceFrom(gpu);
    const run = async (on: GPUDevice, m: KernelModule) => {
      const opt = await createOptimizer(on, m, params);
      for (let s = 0; s < 3; s++) await opt.step({ W: Float32Array.from({ length: 35 }, (_, i) => Math.sin(i + s)), b: Float32Array.from([0.1, -0.2, 0.3]) });
      const r = await opt.read();
      opt.dispose();
      return r;
    };
    // Bit for bit the unsplit stage's result, on a device with WebGPU's default limits.
    expect(await run(device, split)).toEqual(await run(big, one));
    big.destroy();
  });

  it('row sums past the limit are split into kernels that fit (5 reductions of 5 inputs), and agree with the interpreter', async () => {
    const n = 5;
    const src = `optimizer rows { hyper lr = 0.01; ${Array.from({ length: n }, (_, k) => `input e${k};`).join(' ')} update { p = p - lr * (${Array.from({ length: n }, (_, k) => `row_sum(g * e${k})`).join(' + ')}) * g; } }`;
    const m = compile(src).module;
    const sums = kernelsOf(m).filter((k) => /_rows/.test(k.name));
    expect(compile(src, { maxStorageBuffers: 64 }).module.variants[1]!.filter((k) => /_rows/.test(k.name)).map((k) => k.bindings.length)).toEqual([1 + 2 * n + 2]);
    expect(sums.length).toBeGreaterThan(1);
    for (const k of sums) expect(k.bindings.filter((b) => b.kind !== 'uniform').length).toBeLessThanOrEqual(8);
    const program = compileIR(src).program;
    const kase = validateCase(caseFor(program, 3), program);
    expect(compareValues(await runGpu(device, m, kase, []), runInterp(program, kase, []), false)).toBeUndefined();
  });

  it('storage buffers in an entry point', async () => {
    const states = Array.from({ length: 8 }, (_, k) => `state s${k} = 0;`).join(' ');
    const src = `optimizer many { hyper lr = 0.1; ${states} update { p = p - lr * g; } update reset { ${Array.from({ length: 8 }, (_, k) => `s${k} = p * ${k + 2};`).join(' ')} } }`;
    expect(await refusal(compile(src).module)).toMatch(/^kernel '\w+' of entry point 'reset' of 'many' needs 9 storage buffers; this device allows 8$/);
  });

  it('workgroup size', async () => {
    const m = compile('optimizer wg { hyper lr = 0.1; state s: tensor = 0; update { s = sum(g); p = p - lr * s; } }', { workgroupSize: 512 }).module;
    expect(await refusal(m)).toMatch(/^kernel '\w+' of 'wg' has workgroups of 512 invocations; this device allows 256 \(compile with a smaller workgroupSize\)$/);
  });

  it('workgroup memory: one 1 KiB tree per reduction of a stage', () => {
    const sums = Array.from({ length: 20 }, (_, k) => `sum(g * ${k + 2})`).join(' + ');
    const m = compile(`optimizer red { hyper lr = 0.1; state s: tensor = 0; update { s = ${sums}; p = p - lr * s * g; } }`).module;
    const k = kernelsOf(m).find((x) => workgroupBytes(x.wgsl) > 16384)!;
    expect(k).toBeDefined();
    expect(kernelOverLimit(m, k, { ...WEBGPU_DEFAULTS, maxStorageBuffersPerShaderStage: 64 }))
      .toBe(`kernel '${k.name}' of 'red' needs ${workgroupBytes(k.wgsl)} bytes of workgroup memory; this device allows 16384`);
  });

  it('uniform buffer size: one f32 per step value a kernel reads', () => {
    const hypers = Array.from({ length: 300 }, (_, k) => `hyper h${k} = ${k};`).join(' ');
    const m = compile(`optimizer uni { ${hypers} update { p = p - (${Array.from({ length: 300 }, (_, k) => `g * h${k}`).join(' + ')}); } }`).module;
    expect(m.uniforms.size).toBeGreaterThan(1024);
    const k = kernelsOf(m)[0]!;
    expect(kernelOverLimit(m, k, WEBGPU_DEFAULTS)).toBeUndefined();
    expect(kernelOverLimit(m, k, { ...WEBGPU_DEFAULTS, maxUniformBufferBindingSize: 1024 }))
      .toBe(`kernel '${k.name}' of 'uni' needs a ${m.uniforms.size}-byte uniform buffer (${m.uniforms.fields.length} step values and dimensions); this device allows 1024 bytes`);
  });

  it('workgroupBytes counts declarations as WebGPU does (each rounded up to 16 bytes)', () => {
    expect(workgroupBytes('var<workgroup> red: array<f32, 256>;\nvar<workgroup> optc_skip: u32;\nvar<workgroup> v: array<vec4<f32>, 3>;')).toBe(1024 + 16 + 48);
  });
});
