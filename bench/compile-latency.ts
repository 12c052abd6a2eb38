// Compile latency: `.opt` source → WGSL through the public `compile()` (parse, check, lower, passes, emit),
// the median over every `examples/*.opt`; then what Dawn adds — shader module + compute pipeline creation on
// the device (for lavapipe: SPIR-V translation and LLVM JIT of the kernel).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SuiteOptions, CaseResult } from './suite.js';
import { compileSource, repoRoot, type OptcApi } from './optc.js';
import { summarize } from './timing.js';

const REPS = 20;

export async function measureCompileLatency(device: GPUDevice, optc: OptcApi, opts: SuiteOptions): Promise<CaseResult[]> {
  const dir = join(repoRoot, 'examples');
  const files = readdirSync(dir).filter((f) => f.endsWith('.opt')).sort();
  const sources = files.map((f) => ({ file: `examples/${f}`, source: readFileSync(join(dir, f), 'utf8') }));
  if (sources.length === 0) return [{ name: 'compile/source-to-wgsl', group: 'compile', skipped: 'no examples/*.opt' }];

  // The very first compile in a process pays for module loading and JIT warm-up of the compiler itself.
  const t0 = performance.now();
  compileSource(optc, sources[0]!.source, sources[0]!.file);
  const firstMs = performance.now() - t0;

  const perFile: Record<string, number> = {};
  const failed: string[] = [];
  // Programs the GPU back end refuses with E0331 (docs/matrix.md) are listed, not timed.
  const interpreterOnly: string[] = [];
  for (const { file, source } of sources) {
    try {
      for (let i = 0; i < 3; i++) compileSource(optc, source, file);
      const samples: number[] = [];
      for (let i = 0; i < (opts.quick ? 10 : REPS); i++) {
        const s = performance.now();
        compileSource(optc, source, file);
        samples.push(performance.now() - s);
      }
      perFile[file] = summarize(samples).ms;
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0]!;
      if (msg.includes('[E0331]')) interpreterOnly.push(file); else failed.push(`${file}: ${msg}`);
    }
  }
  const medians = Object.values(perFile);
  const out: CaseResult[] = [];
  if (medians.length) {
    const s = summarize(medians);
    out.push({
      name: 'compile/source-to-wgsl', group: 'compile', ms: s.ms, min: s.min, max: s.max, perFile, firstCallMs: firstMs,
      note: `median over ${medians.length} examples of each file's median of ${opts.quick ? 10 : REPS} compiles${failed.length ? `; failed: ${failed.join('; ')}` : ''}`
        + `${interpreterOnly.length ? `; refused by the GPU back end (E0331, docs/matrix.md; not timed): ${interpreterOnly.join(', ')}` : ''}`,
    });
  } else {
    out.push({ name: 'compile/source-to-wgsl', group: 'compile', skipped: `no example compiles: ${failed.join('; ')}` });
  }

  // Pipelines: each example's kernels (vec4 variant when there is one). A nonce comment makes every WGSL text
  // new, so Dawn's shader-module cache cannot answer from an earlier creation.
  const pipeMs: Record<string, number> = {};
  let nonce = 0;
  for (const { file, source } of sources) {
    if (!(file in perFile)) continue;
    const module = compileSource(optc, source, file);
    const kernels = module.variants[4] ?? module.variants[1];
    // A matrix module's stage kernels are generated per tensor shape when it is bound (docs/matrix.md).
    if (!kernels) continue;
    const s = performance.now();
    for (const k of kernels) {
      const code = `${k.wgsl}\n// bench nonce ${Date.now()}-${nonce++}\n`;
      const sm = device.createShaderModule({ code });
      await device.createComputePipelineAsync({ layout: 'auto', compute: { module: sm, entryPoint: k.entryPoint } });
    }
    pipeMs[file] = performance.now() - s;
  }
  const p = Object.values(pipeMs);
  if (p.length) {
    const s = summarize(p);
    out.push({
      name: 'pipeline/create', group: 'compile', ms: s.ms, min: s.min, max: s.max, perFile: pipeMs,
      note: 'createShaderModule + createComputePipelineAsync for all of a module\'s kernels, median over examples (matrix modules, whose kernels are made per tensor shape, excluded)',
    });
  }
  return out;
}
