// Trajectory quality of compressed optimizer state (issue 4): AdamW with f32, 8-bit, 4-bit and FP8 state on
// a 1M-parameter stochastic least-squares problem, 500 steps each, all on Dawn.
//
//   f(w) = 1/2 sum_i c_i (w_i - w*_i)^2,   g_t = c (w - w*) + sigma * xi_t,   xi ~ N(0, 1) per element and step
//
// Curvatures c_i are log-uniform over 4 decades and independent from element to element, so one 256- or
// 128-element block holds gradients of very different sizes: nothing in the layout helps a block-wise
// format. w* ~ N(0, 1), w_0 = 0. The gradient is computed on the device by a small kernel from the
// parameter buffer the optimizer updates in place (the noise is a hash of element and step, the same for
// every optimizer), so nothing is read back until the end.
//
// Measure: the loss reduction in decades, R = log10(L_0 / L_500), against f32 AdamW's. Measured on lavapipe
// (this seed): f32 2.77, 8-bit 2.82, FP8 2.84 (both at or above f32: within noise), 4-bit 1.28 (46%),
// 4-bit with rank-1 v 1.15 (41%).
// Tolerances:
//   - 8-bit and FP8 reach at least 90% of f32's R: they are expected to be indistinguishable from f32 here
//     (Dettmers et al. 2022), and 10% of R is ~0.28 decades, a 1.9x higher loss: far outside the measured
//     spread, and a broken quantizer (wrong scale, lost sign, stale block) is far outside that.
//   - 4-bit reaches at least 40% of f32's R. It converges markedly slower on this problem, and not because
//     of v: at 2^18 parameters (curvature constant along rows of 4096), m in q8 with v in q4u matches
//     f32 (R = 2.75 vs 2.78), m in q4 with v in f32 does not (1.70). The 16-value map of q4 leaves gaps of up to ~6x between neighbouring small codes
//     and stores a block's negative absmax as -0.8875 of it; Adam's per-element normalization then works
//     from a coarse m for every element far below its block's absmax. The bound says "4-bit still
//     optimizes" and catches a broken kernel (R near 0 or negative); it does not claim parity.
//   - 4-bit with rank-1 v (adamw4bit_rank1, the parameter seen as a 1024 x 1024 matrix) reaches at least
//     35% (measured 1.15 decades, 41%). Slightly below block-wise on this problem by construction: the
//     curvatures are independent per element, so the max over a row or column of 1024 is larger than over a
//     block of 128, and v's scale coarser; rank-1 pays off where magnitudes are structured by rows and
//     columns, as in the paper's weight matrices. Its step costs ~1.8x the block-wise one on lavapipe
//     (the maxima sweep and per-element scale lookups).
//
// A second, small problem documents a known limitation: without gradient noise, the gradients of elements
// that have converged fall many decades below their block's absmax. q8u (smallest nonzero code 3.25e-7 of
// the scale) then stores their v as 0; the next step's v is (1 - beta2) g^2 alone, and the bias correction
// 1 / (1 - beta2^t) no longer matches it, so the step grows by sqrt((1 - beta2^t) / (1 - beta2)): ~10x at
// t = 100, ~20x at t = 500. 8-bit AdamW diverges; FP8 (E5M2 flushes below 2.7e-10 of the scale) degrades
// late; q4u, which has no zero, does not blow up. Ablation at 2^18: v in q8u alone diverges, m in q8 alone
// converges as f32. Noisy gradients keep every v far from 0, which is why the first problem is unaffected.
//
// Time: each optimizer's kernel runs 500 times over 2^20 elements: ~2 minutes on an idle 2-core machine
// (f32 ~6 s, 8-bit ~51 s, 4-bit ~28 s, FP8 ~29 s), several times that while other work shares the cores.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../src/index.js';
import { createOptimizer, getDevice, releaseGpu } from '../src/runtime/index.js';
import { Rng } from './helpers/prng.js';

const STEPS = 500;
const HYPERS = { lr: 0.01, weight_decay: 0 };
const OPTIMIZERS = ['adamw', 'adamw8bit', 'adamw4bit', 'adamw4bit_rank1', 'adamwfp8'] as const;
/**
 * The parameter as the optimizer sees it: a vector, except for the rank-1 variant, which sees a square-ish
 * matrix (on a vector it would be block-wise). The problem is the same elementwise, so only how v is
 * normalized changes: rows and columns mix curvatures of all sizes, as blocks do.
 */
const shapeFor = (name: string, n: number) => (name === 'adamw4bit_rank1' ? [1 << Math.ceil(Math.log2(n) / 2), n >> Math.ceil(Math.log2(n) / 2)] : [n]);

interface Problem { n: number; sigma: number; c: Float32Array; wstar: Float32Array }

function problem(n: number, sigma: number, seed: number): Problem {
  const rng = new Rng(seed);
  const c = new Float32Array(n), wstar = new Float32Array(n);
  for (let i = 0; i < n; i++) { c[i] = 10 ** rng.range(-2, 2); wstar[i] = rng.normal(); }
  return { n, sigma, c, wstar };
}

function loss(pr: Problem, w: Float32Array): number {
  let s = 0;
  for (let i = 0; i < pr.n; i++) { const d = w[i]! - pr.wstar[i]!; s += 0.5 * pr.c[i]! * d * d; }
  return s;
}

// g = c (w - w*) + sigma * N(0, 1): Box-Muller on two hashes (PCG output function) of element and step.
const GRADIENT_WGSL = (sigma: number) => `
@group(0) @binding(0) var<storage, read> w: array<f32>;
@group(0) @binding(1) var<storage, read> c: array<f32>;
@group(0) @binding(2) var<storage, read> wstar: array<f32>;
@group(0) @binding(3) var<storage, read_write> g: array<f32>;
@group(0) @binding(4) var<uniform> u: vec4<u32>; // step, n
fn pcg(x: u32) -> u32 { let s = x * 747796405u + 2891336453u; let v = ((s >> ((s >> 28u) + 4u)) ^ s) * 277803737u; return (v >> 22u) ^ v; }
fn unit(h: u32) -> f32 { return (f32(h >> 8u) + 0.5) / 16777216.0; }
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x;
  if (i >= u.y) { return; }
  let a = unit(pcg(i ^ pcg(2u * u.x + 1u)));
  let b = unit(pcg(i ^ pcg(2u * u.x + 2u) ^ 0x9e3779b9u));
  g[i] = c[i] * (w[i] - wstar[i]) + ${sigma.toFixed(6)} * sqrt(-2.0 * log(a)) * cos(6.2831853 * b);
}`;

let device: GPUDevice;
beforeAll(async () => { device = await getDevice(); });
afterAll(() => { device?.destroy(); releaseGpu(); });

/** log10(L_0 / L_STEPS) for each optimizer on the problem, with the loss at a few steps for the log. */
async function reductions(pr: Problem): Promise<Record<string, { R: number; curve: string; seconds: number }>> {
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const buffer = (data?: Float32Array) => {
    const b = device.createBuffer({ size: pr.n * 4, usage });
    if (data) device.queue.writeBuffer(b, 0, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
    return b;
  };
  const [C, W, G] = [buffer(pr.c), buffer(pr.wstar), buffer()];
  const U = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: GRADIENT_WGSL(pr.sigma) }), entryPoint: 'main' } });
  const L0 = loss(pr, new Float32Array(pr.n));
  const out: Record<string, { R: number; curve: string; seconds: number }> = {};
  try {
    for (const name of OPTIMIZERS) {
      const c = compile(readFileSync(new URL(`../examples/${name}.opt`, import.meta.url), 'utf8'), { file: `${name}.opt` });
      const P = buffer(new Float32Array(pr.n));
      const opt = await createOptimizer(device, c.module, { w: { shape: shapeFor(name, pr.n), buffer: P } }, { hypers: HYPERS });
      const bind = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [P, C, W, G, U].map((b, k) => ({ binding: k, resource: { buffer: b } })) });
      const t0 = performance.now();
      const curve: string[] = [];
      try {
        for (let t = 1; t <= STEPS; t++) {
          device.queue.writeBuffer(U, 0, new Uint32Array([t, pr.n, 0, 0]));
          const enc = device.createCommandEncoder();
          const pass = enc.beginComputePass();
          pass.setPipeline(pipeline);
          pass.setBindGroup(0, bind);
          pass.dispatchWorkgroups(Math.ceil(pr.n / 64));
          pass.end();
          device.queue.submit([enc.finish()]);
          opt.step({ w: G });
          if (t === 100 || t === 250 || t === STEPS) curve.push(`L${t} ${loss(pr, await opt.readParam('w')).toExponential(3)}`);
        }
        const L = loss(pr, await opt.readParam('w'));
        out[name] = { R: Math.log10(L0 / L), curve: `L0 ${L0.toExponential(3)}, ${curve.join(', ')}`, seconds: (performance.now() - t0) / 1000 };
      } finally {
        opt.dispose();
        P.destroy();
      }
    }
  } finally {
    for (const b of [C, W, G, U]) b.destroy();
  }
  return out;
}

function report(title: string, r: Record<string, { R: number; curve: string; seconds: number }>): void {
  const f32 = r.adamw!.R;
  console.log(`${title}\n${Object.entries(r).map(([k, v]) =>
    `  ${k.padEnd(10)} R = ${v.R.toFixed(3)} decades (${((100 * v.R) / f32).toFixed(0)}% of f32)  ${v.curve}  [${v.seconds.toFixed(1)} s]`).join('\n')}`);
}

describe('AdamW trajectory quality with compressed state', () => {
  it(`1M parameters, noisy least squares, ${STEPS} steps: 8-bit and FP8 reach ≥ 90% of f32's loss reduction, 4-bit ≥ 40%, 4-bit rank-1 ≥ 35%`, async () => {
    const r = await reductions(problem(1 << 20, 1, 2024));
    report(`least squares, 2^20 parameters, curvature 1e-2..1e2, sigma = 1, lr = ${HYPERS.lr}: R = log10(L0 / L${STEPS})`, r);
    const f32 = r.adamw!.R;
    expect(f32).toBeGreaterThan(2); // the problem is solved to a meaningful degree at all
    expect(r.adamw8bit!.R).toBeGreaterThanOrEqual(0.9 * f32);
    expect(r.adamwfp8!.R).toBeGreaterThanOrEqual(0.9 * f32);
    expect(r.adamw4bit!.R).toBeGreaterThanOrEqual(0.4 * f32);
    // Rank-1 v (the paper's default): m is the same q4, which is what limits 4-bit here (see above).
    expect(r.adamw4bit_rank1!.R).toBeGreaterThanOrEqual(0.35 * f32);
  }, 900_000);

  it('without gradient noise: the q8u zero-point problem (a known limitation, not a goal)', async () => {
    const r = await reductions(problem(1 << 16, 0, 7));
    report(`noiseless quadratic, 2^16 parameters, curvature 1e-2..1e2, lr = ${HYPERS.lr}`, r);
    const f32 = r.adamw!.R;
    expect(f32).toBeGreaterThan(2);
    expect(r.adamw4bit!.R).toBeGreaterThan(0.3 * f32);
    expect(r.adamw4bit_rank1!.R).toBeGreaterThan(0.3 * f32); // measured 1.23 decades, as block-wise
    // 8-bit AdamW does not converge here: v of nearly converged elements is stored as 0 (see the header).
    // FP8 is printed, not asserted: it degrades late, by how much depends on the seed.
    // If this starts failing because it now converges, update docs/formats.md and this test.
    expect(r.adamw8bit!.R).toBeLessThan(0.5 * f32);
  }, 300_000);
});
