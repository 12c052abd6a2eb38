// `npm run bench:muon -- [--layers L] [--scale S] [--ns K] [--iters K] [--warmup K] [--json FILE]`
//
// One optimizer step of Muon (examples/muon.opt, matrix stages on the GPU, AdamW for vectors) against
// AdamW (examples/adamw.opt) on the tensors of GPT-2 small's transformer blocks (test/helpers/gpt2-shapes.ts;
// the embeddings are left out, as Muon recipes give them to AdamW), on the same Dawn device, interleaved,
// each step submitted and waited on; the ratio is the median of per-round ratios. `--scale S` divides every
// side by S (768 -> 768 / S): Newton-Schulz costs ~ 5 x 3 products of d x 4d, far beyond a CPU's software
// GPU at full size, so the default on lavapipe is one block at 1/4 scale; `--layers 12 --scale 1` is the
// real model (for a GPU). Muon's GFLOP/s counts the Newton-Schulz products (2 m k n each).
import { readFileSync, writeFileSync } from 'node:fs';
import { compile } from '../src/compile.js';
import { adapterDescription } from '../src/runtime/device.js';
import { getDevice, releaseGpu } from '../src/runtime/dawn.js';
import { createOptimizer } from '../src/runtime/optimizer.js';
import { fillLcg, gpt2SmallShapes } from '../test/helpers/gpt2-shapes.js';
import { pairedRatio, timeInterleaved } from './timing.js';

interface Options { layers: number; scale: number; ns: number; iters: number; warmup: number; json?: string }

function parse(argv: string[]): Options {
  const o: Options = { layers: 1, scale: 4, ns: 5, iters: 5, warmup: 1 };
  for (let i = 0; i < argv.length; i++) {
    const v = () => { const x = argv[++i]; if (x === undefined) throw new Error(`${argv[i - 1]} needs a value`); return Number(x); };
    const a = argv[i]!;
    if (a === '--layers') o.layers = v();
    else if (a === '--scale') o.scale = v();
    else if (a === '--ns') o.ns = v();
    else if (a === '--iters') o.iters = v();
    else if (a === '--warmup') o.warmup = v();
    else if (a === '--json') o.json = argv[++i];
    else throw new Error(`unknown option '${a}'; expected --layers L, --scale S, --ns K, --iters K, --warmup K, --json FILE`);
  }
  return o;
}

/** GPT-2 small's block tensors (layers 0 .. L-1), every side divided by `scale`. */
export function blockShapes(layers: number, scale: number): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const { name, shape } of gpt2SmallShapes()) {
    const layer = /^h\.(\d+)\./.exec(name);
    if (!layer || Number(layer[1]) >= layers) continue;
    out[name] = shape.map((d) => Math.max(1, Math.round(d / scale)));
  }
  return out;
}

/** Newton-Schulz floating-point operations of one Muon step: per matrix, ns x (X Xᵀ, A A, B X). */
function nsFlops(shapes: Record<string, number[]>, ns: number): number {
  let f = 0;
  for (const s of Object.values(shapes)) {
    if (s.length !== 2) continue;
    const [a, b] = [Math.min(s[0]!, s[1]!), Math.max(s[0]!, s[1]!)];
    f += ns * (2 * a * b * a + 2 * a * a * a + 2 * a * a * b);
  }
  return f;
}

async function main(o: Options): Promise<void> {
  const shapes = blockShapes(o.layers, o.scale);
  const params = Object.fromEntries(Object.entries(shapes).map(([n, s], k) => {
    const size = s.reduce((a, b) => a * b, 1);
    return [n, { shape: s, data: fillLcg(new Float32Array(size), k + 1, 0.1) }];
  }));
  const grads = Object.fromEntries(Object.entries(params).map(([n, p], k) => [n, fillLcg(new Float32Array(p.data.length), 100 + k, 0.01)]));
  const device = await getDevice();
  try {
    const muon = await createOptimizer(device, compile(readFileSync('examples/muon.opt', 'utf8'), { consts: { ns_steps: o.ns } }).module, params, { hypers: { lr: 0.02 } });
    const adamw = await createOptimizer(device, compile(readFileSync('examples/adamw.opt', 'utf8')).module, params);
    const n = Object.values(params).reduce((a, p) => a + p.data.length, 0);
    console.error(`device: ${adapterDescription(device)}; ${Object.keys(shapes).length} tensors (${o.layers} block(s) of GPT-2 small at 1/${o.scale} scale), ${(n / 1e6).toFixed(2)}M parameters; Muon ns_steps ${o.ns}`);
    const t = await timeInterleaved({
      adamw: async () => { adamw.step(grads); await device.queue.onSubmittedWorkDone(); },
      muon: async () => { await muon.step(grads); await muon.sync(); },
    }, { warmup: o.warmup, iters: o.iters });
    const flops = nsFlops(shapes, o.ns);
    const ratio = pairedRatio(t.muon!, t.adamw!);
    const rows = [
      { optimizer: 'adamw', ms: t.adamw!.ms, dispatches: adamw.dispatchesPerStep, vsAdamw: 1 },
      { optimizer: 'muon', ms: t.muon!.ms, dispatches: muon.dispatchesPerStep, vsAdamw: ratio, nsGflops: flops / t.muon!.ms / 1e6 },
    ];
    for (const r of rows) console.log(`${r.optimizer.padEnd(6)}  ${r.ms.toFixed(1).padStart(9)} ms/step  ${String(r.dispatches).padStart(5)} dispatches  ${r.vsAdamw.toFixed(1).padStart(6)}x adamw${r.nsGflops ? `  Newton-Schulz ${r.nsGflops.toFixed(2)} GFLOP/s (${(flops / 1e9).toFixed(2)} GFLOP/step)` : ''}`);
    if (o.json) writeFileSync(o.json, `${JSON.stringify({ device: adapterDescription(device), date: new Date().toISOString(), options: o, params: n, rows }, null, 2)}\n`);
    muon.dispose();
    adamw.dispose();
  } finally {
    device.destroy();
    releaseGpu();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(parse(process.argv.slice(2))).catch((e: unknown) => { console.error(e); process.exitCode = 1; });
}
