// What the tabs show for a source text, computed the way the CLI computes it: diagnostics formatted by the
// same formatDiagnostics (codes, file:line:col, caret, hint), the AST as `--emit ast`, the IR after every pass
// as `--dump-after all`, the WGSL as `--emit wgsl`, the plan as `--emit plan`.
import { CompileError, compile, compileIR, formatDiagnostics, ir, kernelsOf, parse, type Diagnostic } from '../../src/browser.js';
import type { Runnable } from './train.js';
import { plan } from '../../src/cli/plan.js';

export const FILE = 'playground.opt';

export interface Views {
  diagnostics: Diagnostic[];
  /** The diagnostics as the CLI prints them (empty when there are none). */
  report: string;
  ast: string;
  /** `--dump-after all`: the IR as written, then after each pass. */
  passes: { after: string; ir: string }[];
  wgsl: string;
  plan: string;
  /** Set when the program compiles for the GPU (Run needs it): elementwise kernels, or matrix stages. */
  runnable?: Runnable;
  /** Set when the program is valid but the GPU back ends do not take it. */
  interpreterOnly?: string;
}

export function views(source: string): Views {
  const parsed = parse(source, FILE);
  const ast = JSON.stringify(parsed.ast, null, 2);
  const empty = { ast, passes: [], wgsl: '', plan: '' };
  try {
    const front = compileIR(source, { file: FILE, dumpAfter: 'all' });
    if (ir.hasMatrixStages(front.input) || front.input.fallback) {
      // Matrix programs: compile() schedules matrix stages, whose kernels are generated per tensor shape
      // when Run binds them, so there is no WGSL to show before Run.
      const base = { ...empty, diagnostics: front.diagnostics, report: formatDiagnostics(front.diagnostics, source, FILE), passes: front.dumps };
      try {
        const m = compile(source, { file: FILE });
        const stages = JSON.stringify(m.module.matrix!.schedule, (k, v) => (k === 'span' ? undefined : v), 2);
        return { ...base, wgsl: '// a matrix program: its kernels are generated for each tensor shape when Run binds them (docs/matrix.md)', plan: stages, runnable: { kind: 'matrix', c: m } };
      } catch (e) {
        if (!(e instanceof CompileError) || !e.diagnostics.some((d) => d.code === 'E0331')) throw e;
        const why = `the GPU stages do not run this program (${e.diagnostics.find((d) => d.code === 'E0331')!.message}); it runs on the interpreter (docs/matrix.md)`;
        return { ...base, wgsl: `// ${why}`, plan: `// ${why}`, interpreterOnly: why };
      }
    }
    const c = compile(source, { file: FILE, dumpAfter: 'all' });
    return {
      ast, diagnostics: c.diagnostics, report: formatDiagnostics(c.diagnostics, source, FILE), passes: c.dumps,
      wgsl: kernelsOf(c.module).map((k) => k.wgsl).join('\n'), plan: JSON.stringify(plan(c), null, 2), runnable: { kind: 'kernels', c },
    };
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    const ds = e.diagnostics.length ? e.diagnostics : parsed.diagnostics;
    return { ...empty, diagnostics: ds, report: e.message };
  }
}
