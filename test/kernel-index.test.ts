// The kernels' element index past one grid row: elementwise kernels index with global_invocation_id and a
// constant row stride (wgsl.ts GRID_X), so a grid that spills into y must still cover every element once.
// Narrow workgroups make the spill cheap to reach: 16 invocations x 65,535 workgroups = 1,048,560 elements.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { compile } from '../src/index.js';
import { initStates, interpretStep } from '../src/ir/index.js';
import { GRID_X } from '../src/codegen-wgsl/wgsl.js';
import { createOptimizer, getDevice, releaseGpu } from '../src/runtime/index.js';

let device: GPUDevice;
beforeAll(async () => { device = await getDevice(); });
afterAll(() => { device?.destroy(); releaseGpu(); });

const SRC = `optimizer sgdm { hyper lr = 0.1; state m = 0; update { m = 0.5 * m + g; p = p - lr * m; } }`;

for (const vectorize of [false, true]) {
  it(`a grid spilled into y covers every element once (vec4=${vectorize})`, async () => {
    const wg = 16;
    const n = GRID_X * wg * (vectorize ? 4 : 1) + 4 * 1001;
    const c = compile(SRC, { workgroupSize: wg, vectorize });
    const p0 = Float32Array.from({ length: n }, (_, i) => (i % 97) * 0.01);
    const g = Float32Array.from({ length: n }, (_, i) => ((i * 7) % 13) - 6);
    const opt = await createOptimizer(device, c.module, { w: { shape: [n], data: p0 } }, { vectorize });
    opt.step({ w: g });
    const got = (await opt.read()).params.w!;
    opt.dispose();
    const ref = interpretStep(c.program, { t: 1, hypers: { lr: 0.1 }, param: p0, inputs: { g }, states: initStates(c.program, n) });
    expect(Buffer.from(got.buffer).equals(Buffer.from(ref.param.buffer))).toBe(true);
  }, 60_000);
}
