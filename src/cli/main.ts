#!/usr/bin/env node
// optc: compile, check and run `.opt` optimizers.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { compile, compileIR, type Compiled, type CompiledIR } from '../compile.js';
import { NotAMatrixError } from '../ir/matrix.js';
import { kernelsOf } from '../codegen-wgsl/index.js';
import { CompileError, formatDiagnostics, HyperError } from '../diag.js';
import { printIR } from '../ir/printer.js';
import { parse } from '../parser/index.js';
import { OptcRuntimeError } from '../runtime/errors.js';
import { formatsJson } from '../formats/index.js';
import { rerunQuietly } from './quiet-dawn.js';
import { CaseError, runCaseInterp, runCaseWebGPU, validateCase } from './case.js';
import { plan } from './plan.js';
import { demo } from './demo.js';
import { SEARCH_USAGE, SearchUsageError } from '../search/usage.js';
import { SpaceError } from '../search/space.js';

const USAGE = `usage:
  optc compile FILE [--emit ast|ir|wgsl|plan|manifest] [-o OUT] [--no-fuse] [--no-vectorize] [--dump-after PASS|all]
                                       [--block-absmax serial|workgroup]  (compressed-state kernels; see docs/formats.md)
  optc check FILE                      report diagnostics only
  optc run FILE --case CASE.json [--out RESULT.json] [--backend webgpu|interp]
  (compile, check, run: --const NAME=VALUE sets a \`const\` of the file, e.g. --const ns_steps=3)
  optc formats [--json]                the state storage formats (--json: everything, code tables included)
  optc demo [FILE]                     compile an example and run it on Dawn
  optc train FILE.opt [FILE.opt ...] --out DIR   train an MLP on MNIST with each optimizer; HTML report in DIR
                                       (--epochs --batch --seed --hyper [NAME.]H=V --hidden --no-shift --no-baseline; docs/training.md)
${SEARCH_USAGE}`;

class UsageError extends Error {}

function readSource(file: string | undefined): string {
  if (!file) throw new UsageError('missing FILE');
  try { return readFileSync(file, 'utf8'); } catch (e) { throw new UsageError(`cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
}

function output(text: string, out: string | undefined) {
  if (out) writeFileSync(out, text); else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

interface FormatRow { name: string; kind: string; bitsPerElement: number; blockSize: number | null; bytesPerElement: number; signed: boolean; summary: string }

/** `optc formats`: one line per storage format (docs/formats.md has the definitions). */
function formatsTable(rows = formatsJson() as FormatRow[]): string {
  const head = ['name', 'kind', 'bits', 'block', 'bytes/elem', 'signed', 'summary'];
  const cells = rows.map((f) => [f.name, f.kind, String(f.bitsPerElement), f.blockSize === null ? '-' : String(f.blockSize),
    String(+f.bytesPerElement.toFixed(6)), f.signed ? 'yes' : 'no', f.summary]);
  const width = head.map((h, k) => Math.max(h.length, ...cells.map((r) => r[k]!.length)));
  const line = (r: string[]) => r.map((c, k) => (k === r.length - 1 ? c : c.padEnd(width[k]!))).join('  ');
  return [line(head), ...cells.map(line), '', 'bytes/elem: code bits plus one f32 scale per block, for large tensors; --json for the code tables'].join('\n');
}

/** `--const rank=8` (repeatable): values for the file's `const` declarations. */
function constsOption(vs: string[] | undefined): Record<string, number> | undefined {
  if (!vs?.length) return undefined;
  const out: Record<string, number> = {};
  for (const v of vs) {
    const m = /^([A-Za-z_][A-Za-z0-9_.]*)=(.+)$/.exec(v);
    const x = m ? Number(m[2]) : NaN;
    if (!m || !Number.isFinite(x)) throw new UsageError(`--const expects NAME=NUMBER, got '${v}'`);
    out[m[1]!] = x;
  }
  return out;
}

function blockAbsmaxOption(v: string): 'serial' | 'workgroup' {
  if (v === 'serial' || v === 'workgroup') return v;
  throw new UsageError(`unknown --block-absmax '${v}' (serial, workgroup)`);
}

/** Commands that create a Dawn device, whose native start-up warning is filtered (quiet-dawn.ts). */
function touchesDawn(argv: string[]): boolean {
  const interp = argv.some((a, i) => a === '--backend=interp' || (a === '--backend' && argv[i + 1] === 'interp'));
  return ['demo', 'search', 'worker', 'train'].includes(argv[0] ?? '') || (argv[0] === 'run' && !interp);
}

async function main(argv: string[]): Promise<number> {
  if (touchesDawn(argv)) {
    const code = await rerunQuietly();
    if (code !== undefined) return code;
  }
  // train has options of its own (parsed in src/train/cli.ts); TF.js is loaded only for it.
  if (argv[0] === 'train') return (await import('../train/cli.js')).trainCommand(argv.slice(1));
  // Symbolic optimizer search (docs/search.md) has options of its own.
  if (argv[0] === 'search') return (await import('../search/cli.js')).searchCommand(argv.slice(1));
  if (argv[0] === 'worker') return (await import('../search/cli.js')).workerCommand(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      emit: { type: 'string' }, o: { type: 'string', short: 'o' }, out: { type: 'string' },
      case: { type: 'string' }, backend: { type: 'string' }, 'dump-after': { type: 'string' },
      'no-fuse': { type: 'boolean' }, 'no-vectorize': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      'block-absmax': { type: 'string' },
      const: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    },
  });
  const [cmd, file] = positionals;
  if (values.help || !cmd) { console.log(USAGE); return cmd ? 0 : 2; }
  const opts = {
    file,
    fuse: !values['no-fuse'],
    vectorize: !values['no-vectorize'],
    ...(values['block-absmax'] ? { blockAbsmax: blockAbsmaxOption(values['block-absmax']) } : {}),
    ...(values.const ? { consts: constsOption(values.const) } : {}),
    ...(values['dump-after'] ? { dumpAfter: values['dump-after'] === 'all' ? 'all' as const : values['dump-after'].split(',') } : {}),
  };
  const warn = (c: Compiled | CompiledIR, source: string) => { if (c.diagnostics.length) console.error(formatDiagnostics(c.diagnostics, source, file)); };
  switch (cmd) {
    case 'check': {
      const source = readSource(file);
      const c = compile(source, opts);
      warn(c, source);
      const n = c.diagnostics.length;
      const stages = c.module.matrix ? `; matrix stages: ${c.module.matrix.schedule.variants.map((v) => v.stages.length).join(' or ')} per step (docs/matrix.md)` : '';
      console.log(`${file}: ok (${n} warning${n === 1 ? '' : 's'})${stages}`);
      return 0;
    }
    case 'compile': {
      const source = readSource(file);
      const emit = values.emit ?? 'wgsl';
      if (emit === 'ast') {
        const { ast, diagnostics } = parse(source, file);
        if (diagnostics.some((d) => d.severity === 'error')) throw new CompileError(diagnostics, source, file);
        output(JSON.stringify(ast, null, 2), values.o);
        return 0;
      }
      const c = compile(source, opts);
      warn(c, source);
      for (const d of c.dumps) console.error(`// ---- IR after ${d.after} ----\n${d.ir}`);
      const m = c.module;
      const text = emit === 'ir' ? printIR(c.program)
        : emit === 'wgsl' ? (m.matrix ? `// ${m.name}: matrix stages, whose kernels are generated for each tensor shape when the module is bound (docs/matrix.md); --emit ir lists the stages\n` : kernelsOf(m).map((k) => k.wgsl).join('\n'))
        : emit === 'plan' ? JSON.stringify(plan(c), null, 2)
        : emit === 'manifest' ? JSON.stringify(m, null, 2)
        // A typed wrapper class; ts-morph loads the whole TypeScript compiler, so only when asked for.
        : emit === 'ts' ? (await import('../codegen-ts/index.js')).emitTypeScript(c, { sourceFile: file })
        : undefined;
      if (text === undefined) throw new UsageError(`unknown --emit '${emit}' (ast, ir, wgsl, plan, manifest, ts)`);
      output(text, values.o);
      return 0;
    }
    case 'run': {
      const source = readSource(file);
      if (!values.case) throw new UsageError('optc run needs --case CASE.json');
      const backend = values.backend ?? 'webgpu';
      if (backend !== 'interp' && backend !== 'webgpu') throw new UsageError(`unknown --backend '${backend}' (webgpu, interp)`);
      // The interpreter needs no kernels: it runs every program, including what the GPU stages refuse (E0331).
      const c = backend === 'interp' ? compileIR(source, opts) : compile(source, opts);
      warn(c, source);
      let raw: unknown;
      try { raw = JSON.parse(readFileSync(values.case, 'utf8')); } catch (e) { throw new CaseError(`cannot read case '${values.case}': ${(e as Error).message}`); }
      const kase = validateCase(raw, c.program);
      const result = backend === 'interp' ? runCaseInterp(c.program, kase) : await runCaseWebGPU((c as Compiled).module, kase, c.program);
      output(JSON.stringify(result), values.out);
      return 0;
    }
    case 'formats':
      output(values.json ? JSON.stringify(formatsJson(), null, 2) : formatsTable(), values.o);
      return 0;
    case 'demo':
      await demo(file);
      return 0;
    default:
      throw new UsageError(`unknown command '${cmd}'`);
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
  if (e instanceof CompileError) console.error(e.message);
  else if (e instanceof UsageError || e instanceof SearchUsageError) console.error(`optc: ${e.message}\n${USAGE}`);
  else if (e instanceof CaseError || e instanceof HyperError || e instanceof OptcRuntimeError || e instanceof NotAMatrixError || e instanceof SpaceError) console.error(`optc: error: ${e.message}`);
  else console.error(e);
  process.exitCode = e instanceof UsageError || e instanceof SearchUsageError ? 2 : 1;
});
