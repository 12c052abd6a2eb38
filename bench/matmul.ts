// `npm run bench:matmul -- [--sizes 256,512,1024,2048] [--iters K] [--warmup K] [--rows R] [--json FILE]`
//
// The matrix-multiply kernels (src/codegen-wgsl/matmul.ts, two blockings) against TF.js's `tf.matMul` on the
// same Dawn device, square n × n × n, in GFLOP/s (2 n³ per product). Every case of one size is timed
// interleaved (bench/timing.ts), one product per sample, submitted and waited on; the ratio against TF.js
// is the median of per-round ratios, which cancels the drift of a loaded machine. Before timing, each
// kernel's product is checked against TF.js's on the same inputs (relative Frobenius difference).
import { writeFileSync } from 'node:fs';
import { matmulKernel, type MatmulOptions } from '../src/codegen-wgsl/matmul.js';
import { createMatmul } from '../src/runtime/matmul.js';
import { readBuffer } from '../src/runtime/device.js';
import { flushTfjs, openSharedDevice, type SharedDevice } from './device.js';
import { pairedRatio, timeInterleaved, type Step } from './timing.js';

export interface MatmulRow { n: number; name: string; ms: number; gflops: number; vsTfjs: number; maxRelDiff?: number }

interface Options { sizes: number[]; iters: number; warmup: number; variants: Record<string, Partial<MatmulOptions>>; log: (s: string) => void }

export const VARIANTS: Record<string, Partial<MatmulOptions>> = {
  'registers 4x4': { rows: 4 },
  'registers 8x4 wg32x1': { rows: 8, workgroup: [32, 1] },
};

/** A seeded uniform(-1, 1) matrix: the bench needs no statistics, only values that are not special. */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 31 - 1; });
}

export async function benchMatmul(shared: SharedDevice, o: Options): Promise<MatmulRow[]> {
  const { tf, device, backend } = shared;
  const rows: MatmulRow[] = [];
  for (const n of o.sizes) {
    const a = values(n * n, n), b = values(n * n, n + 1);
    const ta = tf.tensor2d(a, [n, n]), tb = tf.tensor2d(b, [n, n]);
    const buf = (data?: Float32Array) => {
      const x = device.createBuffer({ size: 4 * n * n, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
      if (data) device.queue.writeBuffer(x, 0, data.buffer as ArrayBuffer);
      return x;
    };
    const bufs = { a: buf(a), b: buf(b) };
    const ref = tf.matMul(ta, tb);
    const want = (await ref.data()) as Float32Array;
    ref.dispose();
    const steps: Record<string, Step> = {
      'tfjs matMul': async () => { const c = tf.matMul(ta, tb); flushTfjs(backend); await device.queue.onSubmittedWorkDone(); c.dispose(); },
    };
    const checks: Record<string, number> = {};
    const runners: { c: GPUBuffer; run: () => Promise<void> }[] = [];
    for (const [name, v] of Object.entries(o.variants)) {
      const c = buf();
      const run = await createMatmul(device, matmulKernel({ m: n, k: n, n, ...v }), { ...bufs, c });
      await run();
      const got = new Float32Array(await readBuffer(device, c, 4 * n * n));
      let num = 0, den = 0;
      for (let i = 0; i < got.length; i++) { num += (got[i]! - want[i]!) ** 2; den += want[i]! ** 2; }
      checks[name] = Math.sqrt(num / den);
      if (!(checks[name]! < 1e-5)) throw new Error(`matmul ${name} at n = ${n} differs from tf.matMul by ${checks[name]} (relative Frobenius)`);
      steps[name] = () => run();
      runners.push({ c, run });
    }
    o.log(`n = ${n}: timing ${Object.keys(steps).join(', ')} (${o.iters} interleaved rounds)`);
    const t = await timeInterleaved(steps, { warmup: o.warmup, iters: o.iters });
    const flops = 2 * n ** 3;
    for (const [name, timing] of Object.entries(t)) {
      rows.push({ n, name, ms: timing.ms, gflops: flops / timing.ms / 1e6, vsTfjs: name === 'tfjs matMul' ? 1 : pairedRatio(t['tfjs matMul']!, timing), ...(name in checks ? { maxRelDiff: checks[name] } : {}) });
    }
    ta.dispose(); tb.dispose();
    for (const x of [bufs.a, bufs.b, ...runners.map((r) => r.c)]) x.destroy();
  }
  return rows;
}

export function formatMatmul(rows: MatmulRow[]): string {
  const head = ['n', 'kernel', 'ms', 'GFLOP/s', 'vs tf.matMul', 'diff'];
  const cells = rows.map((r) => [String(r.n), r.name, r.ms.toFixed(2), r.gflops.toFixed(2), `${r.vsTfjs.toFixed(2)}x`, r.maxRelDiff === undefined ? '' : r.maxRelDiff.toExponential(1)]);
  const w = head.map((h, k) => Math.max(h.length, ...cells.map((c) => c[k]!.length)));
  return [head, ...cells].map((c) => c.map((x, k) => x.padEnd(w[k]!)).join('  ')).join('\n');
}

async function main(argv: string[]): Promise<void> {
  const o: Options & { json?: string } = { sizes: [256, 512, 1024, 2048], iters: 7, warmup: 1, variants: VARIANTS, log: (s) => console.error(s) };
  for (let i = 0; i < argv.length; i++) {
    const v = () => { const x = argv[++i]; if (x === undefined) throw new Error(`${argv[i - 1]} needs a value`); return x; };
    const a = argv[i]!;
    if (a === '--sizes') o.sizes = v().split(',').map(Number);
    else if (a === '--iters') o.iters = Number(v());
    else if (a === '--warmup') o.warmup = Number(v());
    else if (a === '--json') o.json = v();
    else throw new Error(`unknown option '${a}'; expected --sizes N,N,..., --iters K, --warmup K, --json FILE`);
  }
  const shared = await openSharedDevice();
  try {
    o.log(`device: ${shared.description}`);
    const rows = await benchMatmul(shared, o);
    console.log(formatMatmul(rows));
    if (o.json) writeFileSync(o.json, `${JSON.stringify({ device: shared.description, date: new Date().toISOString(), rows }, null, 2)}\n`);
  } finally {
    shared.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((e: unknown) => { console.error(e); process.exitCode = 1; });
}
