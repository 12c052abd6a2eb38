// `node --import tsx bench/profile.ts [--n N] [--iters K]` — why is the fused AdamW step slower than copying its
// bytes? Times, interleaved against the copy roofline, variants of the *emitted* kernel that each remove one
// suspect, by editing the module's WGSL text (the module is plain data, so the runtime binds it unchanged):
//
//   emitted       the kernel as compiled (examples/adamw.opt, defaults)
//   wg64          compiled with workgroupSize 64 (the default before 256)
//   no-div        every `x / u.s<k>` by a per-step scalar becomes `x * (1.0 / u.s<k>)` (what a
//                 "divide by a hoisted scalar → multiply by its reciprocal" rewrite would emit)
//   no-alu        the stores write plain combinations of the loads (same bytes, almost no arithmetic):
//                 the kernel's own memory-bound floor, which the copy kernel should match
//   copy-wg64     the copy kernel at 64 invocations per workgroup, wg64's size
//   x2, x4        each invocation handles 2 (4) vec4s in turn, a workgroup-size stride apart
//
// Not part of `npm run bench`: an investigation aid whose findings go into docs/performance.md.

import { openSharedDevice } from './device.js';
import { paramsAndGrad, sizeLabel } from './data.js';
import { checkedStep, compileFile, loadOptc, type OptcModule } from './optc.js';
import { createCopyKernel } from './roofline.js';
import { pairedRatio, timeInterleaved, type Step } from './timing.js';

type Kernel = { name: string; wgsl: string; entryPoint: string; workgroupSize?: number; itemsPerInvocation?: number };

function editKernel(module: OptcModule, tag: string, edit: (wgsl: string) => string): OptcModule {
  const m = structuredClone(module) as OptcModule & { key?: string };
  m.key = `${m.key ?? m.name}:${tag}`; // the runtime caches pipelines by key
  const v4 = m.variants[4] as Kernel[] | undefined;
  if (!v4) throw new Error('module has no vec4 variant');
  for (const k of v4) k.wgsl = edit(k.wgsl);
  return m;
}

/** Divisions by per-step uniforms become multiplications by their reciprocal. */
export const withoutUniformDivisions = (wgsl: string) => wgsl.replace(/\/ (u\.[a-z0-9_]+)\)/g, '* (1.0 / $1))');

/** Keeps the loads and stores; each stored value becomes the sum of the loaded vectors. */
export function withoutArithmetic(wgsl: string): string {
  const loads = [...wgsl.matchAll(/let (v\w+) = (\w+)\[i\];/g)].map((m) => m[1]!);
  const sum = loads.join(' + ');
  const body = wgsl.split('\n').filter((l) => !/^\s+let v\w+ = \(|^\s+let v\w+ = sqrt/.test(l));
  return body.map((l) => l.replace(/^(\s+\w+\[i\]) = v\w+;/, `$1 = ${sum};`)).join('\n');
}

/** Each invocation runs the body for `k` vec4s, `wg` apart (neighbouring invocations stay on neighbouring vec4s). */
export function unrolled(k: number) {
  return (wgsl: string) => {
    const m = /  let i = \(wid\.y \* nwg\.x \+ wid\.x\) \* (\d+)u \+ lid;\n  if \(i >= u\.n\) \{ return; \}\n/.exec(wgsl);
    if (!m) throw new Error('unrolled: kernel prologue not found');
    const wg = Number(m[1]);
    const head = `  for (var r = 0u; r < ${k}u; r++) {\n  let i = (wid.y * nwg.x + wid.x) * ${wg * k}u + r * ${wg}u + lid;\n  if (i >= u.n) { return; }\n`;
    const out = wgsl.replace(m[0], head);
    return out.slice(0, out.lastIndexOf('}')) + '  }\n}\n';
  };
}

async function main() {
  const args = process.argv.slice(2);
  const get = (flag: string, d: number) => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : d);
  const n = get('--n', 4 * 1024 * 1024);
  const iters = get('--iters', 20);
  const shared = await openSharedDevice();
  const optc = await loadOptc();
  if (typeof optc === 'string') throw new Error(optc);
  const device = shared.device;
  const base = compileFile(optc, 'examples/adamw.opt');
  const modules: Record<string, OptcModule> = {
    emitted: base,
    wg64: compileFile(optc, 'examples/adamw.opt', { workgroupSize: 64 }),
    'no-div': editKernel(base, 'no-div', withoutUniformDivisions),
    'no-alu': editKernel(base, 'no-alu', withoutArithmetic),
  };
  for (const k of [2, 4]) {
    const m = editKernel(base, `x${k}`, unrolled(k));
    for (const spec of m.variants[4] as Kernel[]) spec.itemsPerInvocation = k;
    modules[`x${k}`] = m;
  }
  const { init, grad } = paramsAndGrad(n);
  const g = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
  device.queue.writeBuffer(g, 0, grad.buffer as ArrayBuffer, grad.byteOffset, grad.byteLength);
  const copy = createCopyKernel(device, n, 4, 3);
  const copy64 = createCopyKernel(device, n, 4, 3, 64);
  const steps: Record<string, Step> = {
    copy: () => copy.step(),
    'copy-wg64': () => copy64.step(),
  };
  for (const [k, m] of Object.entries(modules)) {
    const opt = await optc.createOptimizer(device, m, { w: { shape: [n], data: init } }, {});
    await checkedStep(device, async () => opt.step({ w: g }));
    steps[k] = async () => {
      await opt.step({ w: g });
      await device.queue.onSubmittedWorkDone();
    };
  }
  const t = await timeInterleaved(steps, { warmup: 3, iters });
  console.log(`${shared.description}; AdamW @${sizeLabel(n)}, ${iters} interleaved rounds`);
  for (const [k, v] of Object.entries(t)) {
    console.log(`${k.padEnd(13)} median ${v.ms.toFixed(2).padStart(8)} ms  min ${v.min.toFixed(2).padStart(8)} ms  roofline ${pairedRatio(t.copy!, v).toFixed(2)}`);
  }
  shared.close();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
