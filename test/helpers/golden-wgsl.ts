// Golden WGSL: one readable dump per example (every kernel of the module the example compiles to, entry
// points included), kept in test/golden/<example>.wgsl so a code generator change shows up as a diff.
// `npm run golden` rewrites them; test/golden.test.ts fails when one differs from what the compiler emits.
import { readdirSync, readFileSync } from 'node:fs';
import { CompileError, compile, type KernelModule } from '../../src/index.js';
import { matrixStageKernels } from '../../src/codegen-wgsl/index.js';

/** Matrix stage kernels are specialized per tensor shape: the dumps use a tall one (orient transposes). */
const MATRIX_VIEW = { rows: 6, cols: 4 };

export const EXAMPLES_DIR = new URL('../../examples/', import.meta.url);
export const GOLDEN_DIR = new URL('../golden/', import.meta.url);

function dumpModule(m: KernelModule, title: string): string[] {
  const out: string[] = [];
  for (const [w, kernels] of Object.entries(m.variants)) {
    for (const k of kernels ?? []) out.push(`// ==== ${title} · ${k.name} · width ${w}`, k.wgsl);
  }
  // Each distinct kernel once (an unrolled loop repeats the same text), with the stages that run it.
  const kernels = new Map<string, string[]>();
  m.matrix?.schedule.variants.forEach((_, v) => {
    matrixStageKernels(m, v, MATRIX_VIEW, 0).forEach((k, s) => { if (k) (kernels.get(k.wgsl) ?? kernels.set(k.wgsl, []).get(k.wgsl)!).push(`${v}.${s}`); });
  });
  for (const [wgsl, at] of kernels) out.push(`// ==== ${title} · [${MATRIX_VIEW.rows}, ${MATRIX_VIEW.cols}] · variant.stage ${at.join(' ')}`, wgsl);
  if (m.fallback) out.push(...dumpModule(m.fallback.module, `${title} · fallback ${m.fallback.name}`));
  for (const [name, e] of Object.entries(m.entries ?? {})) out.push(...dumpModule(e, `${title} · entry ${name}`));
  return out;
}

/** Each example's dump, or why the WGSL back end refuses it. */
export function goldenDumps(): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.opt')).sort()) {
    const name = file.replace(/\.opt$/, '');
    const src = readFileSync(new URL(file, EXAMPLES_DIR), 'utf8');
    try {
      out.set(name, `${dumpModule(compile(src, { file: `examples/${file}` }).module, name).join('\n')}`);
    } catch (e) {
      if (!(e instanceof CompileError)) throw e;
      out.set(name, `// examples/${file} does not compile to WGSL:\n${e.message.split('\n').map((l) => `// ${l}`).join('\n')}\n`);
    }
  }
  return out;
}
