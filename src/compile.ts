// The whole compiler as one call: source (or an IR Program) -> passes -> WGSL module.
import { CompileError, error, hasErrors, type Diagnostic } from './diag.js';
import { emitModule, rank1Problem, type CodegenOptions, type KernelModule } from './codegen-wgsl/index.js';
import { paramFormat, type Program } from './ir/types.js';
import { verify } from './ir/verify.js';
import { parseProgram } from './parser/index.js';
import { runPipeline, type CompileOptions as PassOptions } from './passes/index.js';

export interface CompileOptions extends PassOptions, CodegenOptions {
  /** Shown in diagnostics as `file:line:col`. */
  file?: string;
}

export interface Compiled {
  /** The program as written (before passes). */
  input: Program;
  /** The optimized, scheduled program the kernels were generated from. */
  program: Program;
  module: KernelModule;
  /** Warnings (errors throw a CompileError). */
  diagnostics: Diagnostic[];
  /** `printIR` after each requested pass (`dumpAfter`). */
  dumps: { after: string; ir: string }[];
}

/**
 * Compiles `.opt` source or a Program built with the IR builder. Throws `CompileError` (every diagnostic,
 * formatted with file:line:col and a caret) when the program has errors.
 */
export function compile(input: string | Program, options: CompileOptions = {}): Compiled {
  let program: Program;
  const diagnostics: Diagnostic[] = [];
  const source = typeof input === 'string' ? input : '';
  if (typeof input === 'string') {
    const parsed = parseProgram(input, options.file);
    diagnostics.push(...parsed.diagnostics);
    if (!parsed.program || hasErrors(parsed.diagnostics)) throw new CompileError(diagnostics, input, options.file);
    program = parsed.program;
  } else {
    verify(input, 'builder');
    program = input;
  }
  // Named entry points (`update perturb { }`) compile as programs of their own over the same declarations.
  const { entries, ...main } = program;
  // Entry points bind the parameter and states as f32 buffers (src/runtime/entries.ts).
  if (entries?.length && (paramFormat(main).kind !== 'f32' || main.states.some((s) => s.format.rounding))) {
    throw new CompileError([...diagnostics, error('E0314', `optimizer '${main.name}' has named update blocks, which do not implement f16/bf16 parameters or stochastic rounding yet`,
      main.paramSpan ?? entries[0]!.span, 'store p as f32 and round states to nearest, or drop the named update blocks')], source, options.file);
  }
  const out = runPipeline(main, options);
  diagnostics.push(...out.diagnostics);
  if (hasErrors(out.diagnostics)) throw new CompileError(diagnostics, source, options.file);
  const rank1Main = rank1Problem(out.program);
  if (rank1Main) throw new CompileError([...diagnostics, rank1Main], source, options.file);
  const module = emitModule(out.program, options);
  if (entries?.length) {
    module.entries = {};
    for (const e of entries) {
      const ep = runPipeline({ ...main, stores: e.stores }, { ...options, dumpAfter: undefined });
      // Warnings about what an entry point leaves alone (states it never reads) are not the user's concern.
      if (hasErrors(ep.diagnostics)) throw new CompileError([...diagnostics, ...ep.diagnostics], source, options.file);
      const rank1 = rank1Problem(ep.program, e.name);
      if (rank1) throw new CompileError([...diagnostics, rank1], source, options.file);
      module.entries[e.name] = emitModule(ep.program, options);
    }
  }
  return { input: program, program: out.program, module, diagnostics, dumps: out.dumps };
}
