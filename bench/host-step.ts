// `node --import tsx bench/host-step.ts [--steps 50000] [--rounds 3]`
//
// The JavaScript the runtime runs per step (src/runtime/optimizer.ts `step`: checks, host values, bind-group
// lookup, uniform writes, dispatch recording), without Dawn: after a real optimizer is built and has stepped,
// the Dawn calls a step makes (command encoder, pass, writeBuffer, submit, error scopes) are replaced by
// no-ops, so what is timed is ours alone. On lavapipe a 64K-parameter AdamW step takes ~0.3 ms, so tens of
// microseconds of host work are a visible part of it (docs/performance.md, "Host work per step").
import { readFileSync } from 'node:fs';
import { compile, createOptimizer, getDevice } from '../src/index.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const STEPS = arg('steps', 50000), ROUNDS = arg('rounds', 3), N = 4096;

const device = await getDevice();
const opt = await createOptimizer(device, compile(readFileSync(new URL('../examples/adamw.opt', import.meta.url), 'utf8')), { w: { shape: [N], data: new Float32Array(N) } });
const g = device.createBuffer({ size: N * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
for (let i = 0; i < 5; i++) await opt.step({ w: g }); // pipelines, the buffer probe, bind groups
await opt.sync();

const G = globalThis as unknown as Record<string, { prototype: Record<string, unknown> }>;
const pass = { setPipeline() {}, setBindGroup() {}, dispatchWorkgroups() {}, end() {} };
const encoder = { beginComputePass: () => pass, finish: () => ({}), copyBufferToBuffer() {} };
Object.assign(G.GPUDevice!.prototype, { createCommandEncoder: () => encoder, pushErrorScope() {}, popErrorScope: () => Promise.resolve(null) });
Object.assign(G.GPUQueue!.prototype, { submit() {}, writeBuffer() {} });

console.log(`step() host work, AdamW, ${N} parameters, GPUBuffer gradient, Dawn stubbed (µs per step; the first round warms the JIT)`);
for (let r = 0; r < ROUNDS; r++) {
  const t0 = performance.now();
  for (let i = 0; i < STEPS; i++) await opt.step({ w: g });
  console.log(`  round ${r + 1}: ${(((performance.now() - t0) / STEPS) * 1000).toFixed(1)} µs`);
}
// Dawn is stubbed: nothing more can run on this device; exit without dispose().
process.exit(0);
