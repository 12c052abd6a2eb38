// The tiled matrix-multiply kernels (src/codegen-wgsl/matmul.ts) on Dawn against the interpreter's matmul
// (float64 sums rounded once: src/ir/interp-matrix.ts). The kernels sum in f32 with fma, so they agree with
// it within the bound stated there, per entry:
//   |C_gpu - C_interp| <= (gamma_K + 2^-24) sum_k |A[i][k] B[k][j]| + 2^-24 |C|,  gamma_K = K 2^-24 / (1 - K 2^-24)
// and the test also checks the bound is not vacuous (the kernel does not equal the interpreter everywhere,
// so an accidental float64 path or a copy would be noticed, and a wrong index fails by orders of magnitude).
// Shapes cover aligned (vec4) and unaligned k and n, partial blocks and single rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matmulKernel } from '../src/codegen-wgsl/matmul.js';
import { matmulF32 } from '../src/ir/interp-matrix.js';
import { readBuffer } from '../src/runtime/device.js';
import { getDevice, releaseGpu } from '../src/runtime/dawn.js';
import { createMatmul } from '../src/runtime/matmul.js';
import { randomTensor } from './helpers/data.js';
import { Rng } from './helpers/prng.js';

let device: GPUDevice;
beforeAll(async () => { device = await getDevice(); }); // a missing adapter fails here, saying how to get one
afterAll(() => { device?.destroy(); releaseGpu(); });

function upload(data: Float32Array): GPUBuffer {
  const buf = device.createBuffer({ size: Math.max(16, Math.ceil(data.byteLength / 16) * 16), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
  device.queue.writeBuffer(buf, 0, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
  return buf;
}

async function gpuMatmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number, opts: { rows?: 1 | 2 | 4 | 8 } = {}): Promise<Float32Array> {
  const kernel = matmulKernel({ m, k, n, ...opts });
  const bufs = { a: upload(a), b: upload(b), c: upload(new Float32Array(m * n).fill(NaN)) };
  const run = await createMatmul(device, kernel, bufs);
  await run();
  const out = new Float32Array(await readBuffer(device, bufs.c, 4 * m * n));
  for (const x of Object.values(bufs)) x.destroy();
  return out;
}

/** Largest error over the entries as a fraction of each entry's bound (must be <= 1). */
function boundRatio(gpu: Float32Array, a: Float32Array, b: Float32Array, m: number, k: number, n: number): { ratio: number; exact: number } {
  const ref = matmulF32(a, b, m, k, n);
  const u = 2 ** -24, gamma = (k * u) / (1 - k * u);
  let ratio = 0, exact = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let absSum = 0;
      for (let q = 0; q < k; q++) absSum += Math.abs(a[i * k + q]! * b[q * n + j]!);
      const bound = (gamma + u) * absSum + u * Math.abs(ref[i * n + j]!) + 1e-45;
      const err = Math.abs(gpu[i * n + j]! - ref[i * n + j]!);
      ratio = Math.max(ratio, Number.isNaN(err) ? Infinity : err / bound);
      if (err === 0) exact++;
    }
  }
  return { ratio, exact: exact / (m * n) };
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1], [3, 5, 7], [64, 64, 64], [33, 17, 65], [100, 40, 36], [7, 256, 9], [128, 96, 160],
];

describe('matmul kernels on Dawn = the interpreter within the f32 accumulation bound', () => {
  it('aligned and unaligned shapes, partial blocks', async () => {
    const rng = new Rng(1);
    let inexact = 0;
    for (const [m, k, n] of SHAPES) {
      const a = randomTensor(rng, m * k), b = randomTensor(rng, k * n);
      const gpu = await gpuMatmul(a, b, m, k, n);
      const r = boundRatio(gpu, a, b, m, k, n);
      expect(r.ratio, `${m}x${k}x${n}`).toBeLessThanOrEqual(1);
      if (k >= 16) inexact += 1 - r.exact;
    }
    expect(inexact).toBeGreaterThan(0); // f32 sums do differ from the float64 ones somewhere
  });

  it('other blockings (1, 2 and 8 rows per invocation) compute the same', async () => {
    const rng = new Rng(3);
    const [m, k, n] = [45, 52, 30];
    const a = randomTensor(rng, m * k), b = randomTensor(rng, k * n);
    for (const opts of [{ rows: 1 }, { rows: 2 }, { rows: 8 }] as const) {
      expect(boundRatio(await gpuMatmul(a, b, m, k, n, opts), a, b, m, k, n).ratio, JSON.stringify(opts)).toBeLessThanOrEqual(1);
    }
  });

  it('infinities in B past the end of k do not leak into the result (unaligned k)', async () => {
    const [m, k, n] = [4, 5, 4];
    const a = Float32Array.from({ length: m * k }, (_, i) => (i % 5) + 1);
    const b = Float32Array.from({ length: k * n }, (_, i) => (i >= 16 ? 1e38 : i));
    const gpu = await gpuMatmul(a, b, m, k, n);
    expect(Array.from(gpu).every(Number.isFinite)).toBe(false); // row k=4 is 1e38 * 5: inf, legitimately
    const a0 = Float32Array.from(a, (x, i) => (i % 5 === 4 ? 0 : x));
    const b0 = Float32Array.from(b, (x, i) => (i >= 16 ? Infinity : x));
    const clean = await gpuMatmul(a0, Float32Array.from(b0, (x) => (Number.isFinite(x) ? x : 0)), m, k, n);
    expect(Array.from(clean).every(Number.isFinite)).toBe(true);
  });

  it('rejects shapes that are not positive integers', () => {
    expect(() => matmulKernel({ m: 0, k: 1, n: 1 })).toThrow(/m must be a positive integer/);
  });
});
