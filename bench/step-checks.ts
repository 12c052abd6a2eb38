// `node --import tsx bench/step-checks.ts [--steps 200] [--rounds 5] [--js-steps 50000] [--example adamw]`
// (`--example lamb`: the same on examples/lamb.opt, a phased module: three dispatches a step)
//
// What the runtime-fault guards (src/runtime/guards.ts) cost a step: host time of `await opt.step(...)` on
// AdamW with 1,024 parameters, with the gradient as a Float32Array (nothing checked: the baseline), as a
// GPUBuffer a scoped step has already used (trusted: submitted without a validation scope), and as a new
// GPUBuffer every step (probed, then scoped). The three kinds are interleaved step by step, so a loaded
// machine slows them alike; medians and ratios to the baseline are printed.
//
// Then the JavaScript alone (src/runtime/optimizer.ts `step`: checks, host values, bind-group lookup, uniform
// writes, dispatch recording): the Dawn calls a step makes (encoder, pass, writeBuffer, submit, error scopes)
// are replaced by no-ops and `--js-steps` steps of the known-buffer kind are timed, three rounds (the first
// warms the JIT). On lavapipe a 64K-parameter AdamW step takes ~0.3 ms, so tens of microseconds of host work
// are a visible part of it (docs/performance.md, "Host work per step").
import { readFileSync } from 'node:fs';
import { compile, createOptimizer, getDevice } from '../src/index.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const STEPS = arg('steps', 200), ROUNDS = arg('rounds', 5), JS_STEPS = arg('js-steps', 50000), N = 1024;
const EXAMPLE = process.argv.includes('--example') ? process.argv[process.argv.indexOf('--example') + 1]! : 'adamw';

const device = await getDevice();
const opt = await createOptimizer(device, compile(readFileSync(new URL(`../examples/${EXAMPLE}.opt`, import.meta.url), 'utf8')), { w: { shape: [N], data: new Float32Array(N) } });
const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
const gradient = () => {
  const b = device.createBuffer({ size: N * 4, usage });
  device.queue.writeBuffer(b, 0, new Float32Array(N).fill(1e-3));
  return b;
};
const array = new Float32Array(N).fill(1e-3);
const known = gradient();
await opt.step({ w: known }); // vets it
await opt.sync();

const times: Record<'array' | 'known' | 'fresh', number[]> = { array: [], known: [], fresh: [] };
for (let r = 0; r < ROUNDS; r++) {
  const fresh = Array.from({ length: STEPS }, gradient);
  await opt.sync();
  for (let i = 0; i < STEPS; i++) {
    for (const [kind, g] of [['array', array], ['known', known], ['fresh', fresh[i]!]] as const) {
      const t0 = performance.now();
      await opt.step({ w: g });
      times[kind].push(performance.now() - t0);
    }
  }
  await opt.sync();
  fresh.forEach((b) => b.destroy());
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const base = median(times.array);
console.log(`await step(), ${EXAMPLE}, ${N} parameters, ${STEPS * ROUNDS} steps of each kind, interleaved (median host ms; ratio to Float32Array)`);
for (const [kind, label] of [['array', 'Float32Array gradient (unchecked)'], ['known', 'known GPUBuffer (trusted, unscoped)'], ['fresh', 'new GPUBuffer each step (probed + scoped)']] as const) {
  console.log(`  ${label.padEnd(44)} ${median(times[kind]).toFixed(3)} ms  ${(median(times[kind]) / base).toFixed(2)}x`);
}

const G = globalThis as unknown as Record<string, { prototype: Record<string, unknown> }>;
const pass = { setPipeline() {}, setBindGroup() {}, dispatchWorkgroups() {}, end() {} };
const encoder = { beginComputePass: () => pass, finish: () => ({}), copyBufferToBuffer() {} };
Object.assign(G.GPUDevice!.prototype, { createCommandEncoder: () => encoder, pushErrorScope() {}, popErrorScope: () => Promise.resolve(null) });
Object.assign(G.GPUQueue!.prototype, { submit() {}, writeBuffer() {} });
console.log(`step() JavaScript alone, known GPUBuffer, Dawn stubbed (µs per step, ${JS_STEPS} steps per round)`);
for (let r = 0; r < 3; r++) {
  const t0 = performance.now();
  for (let i = 0; i < JS_STEPS; i++) await opt.step({ w: known });
  console.log(`  round ${r + 1}: ${(((performance.now() - t0) / JS_STEPS) * 1000).toFixed(1)} µs`);
}
// Dawn is stubbed: nothing more can run on this device, so no dispose() and destroy().
process.exit(0);
