// The whole compiler as one call: source (or an IR Program) -> passes -> WGSL module.
import { CompileError, error, hasErrors, type Diagnostic } from './diag.js';
import { emitModule, type CodegenOptions, type KernelModule } from './codegen-wgsl/index.js';
import type { Program } from './ir/types.js';
import { verify } from './ir/verify.js';
import { postOrder } from './ir/walk.js';
import { parseProgram } from './parser/index.js';
import { isMatrixProgram, matrixProblem, runPipeline, type CompileOptions as PassOptions } from './passes/index.js';

export interface CompileOptions extends PassOptions, CodegenOptions {
  /** Shown in diagnostics as `file:line:col`. */
  file?: string;
  /** Values for the source's `const` declarations (`{ ns_steps: 3 }`; a fallback's as `NAME.c`). */
  consts?: Record<string, number>;
}

/** The front end and the instruction-level passes, without a schedule or kernels: what the interpreter runs. */
export interface CompiledIR {
  /** The program as written (before passes). */
  input: Program;
  /** After the instruction-level passes (fold, CSE, simplify, DCE), its fallback rule likewise. */
  program: Program;
  diagnostics: Diagnostic[];
  dumps: { after: string; ir: string }[];
}

/** The last pass that changes instructions; the ones after it schedule kernels for the WGSL back end. */
const LAST_INSTRUCTION_PASS = 'eliminateDeadCode';

/**
 * Parses (or verifies) and optimizes a program for the interpreter: every program the language accepts,
 * matrix programs and fallback rules included. Throws `CompileError` when the program has errors.
 */
export function compileIR(input: string | Program, options: CompileOptions = {}): CompiledIR {
  const { program, diagnostics, source } = frontEnd(input, options);
  const opts = { ...options, stopAfter: LAST_INSTRUCTION_PASS };
  const out = runPipeline(program, opts);
  diagnostics.push(...out.diagnostics);
  let optimized = out.program;
  if (program.fallback) {
    const fb = runPipeline(program.fallback, { ...opts, dumpAfter: undefined });
    diagnostics.push(...fb.diagnostics);
    optimized = { ...optimized, fallback: fb.program };
  }
  if (hasErrors(diagnostics)) throw new CompileError(diagnostics, source, options.file);
  return { input: program, program: optimized, diagnostics, dumps: out.dumps };
}

function frontEnd(input: string | Program, options: CompileOptions): { program: Program; diagnostics: Diagnostic[]; source: string } {
  const diagnostics: Diagnostic[] = [];
  const source = typeof input === 'string' ? input : '';
  if (typeof input !== 'string') {
    verify(input, 'builder');
    return { program: input, diagnostics, source };
  }
  const parsed = parseProgram(input, options.file, { consts: options.consts });
  diagnostics.push(...parsed.diagnostics);
  if (!parsed.program || hasErrors(parsed.diagnostics)) throw new CompileError(diagnostics, input, options.file);
  return { program: parsed.program, diagnostics, source };
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
  const { program, diagnostics, source } = frontEnd(input, options);
  // Matrix programs (products, matrix states, a fallback rule) are scheduled as matrix stages
  // (placeMatrixStages); what those cannot run is E0331, with the reason.
  const matrixRefusal = isMatrixProgram(program) ? matrixProblem(program) : undefined;
  if (matrixRefusal) throw new CompileError([...diagnostics, matrixRefusal], source, options.file);
  // Named entry points (`update perturb { }`) compile as programs of their own over the same declarations.
  const { entries, ...main } = program;
  // The main module keeps every state an entry point reads or writes (seed 3000 #260 of the kernel fuzzer:
  // with `s = s` in update and `update reset { s = 0; }`, s was removed and the entry bound a missing state).
  const out = runPipeline(main, entries?.length ? { ...options, keepStates: statesUsedBy(program, entries) } : options);
  diagnostics.push(...out.diagnostics);
  if (hasErrors(out.diagnostics)) throw new CompileError(diagnostics, source, options.file);
  const module = emitModule(out.program, options);
  if (main.fallback) {
    // The fallback rule steps the tensors that are not matrices: a module of its own (docs/matrix.md).
    const fb = runPipeline(main.fallback, { ...options, dumpAfter: undefined });
    diagnostics.push(...fb.diagnostics);
    if (hasErrors(fb.diagnostics)) throw new CompileError(diagnostics, source, options.file);
    // Without a guard of its own: the matrix program's guard checks every tensor's inputs (matrix-optimizer.ts).
    module.fallback = { name: main.fallback.name, module: emitModule(fb.program, { ...options, guard: false }) };
  }
  if (entries?.length) {
    module.entries = {};
    for (const e of entries) {
      const ep = runPipeline({ ...main, stores: e.stores }, { ...options, dumpAfter: undefined });
      // Warnings about what an entry point leaves alone (states it never reads) are not the user's concern.
      if (hasErrors(ep.diagnostics)) throw new CompileError([...diagnostics, ...ep.diagnostics], source, options.file);
      // No guard: an entry point reads no gradient or per-element input for it to check.
      module.entries[e.name] = emitModule(ep.program, { ...options, guard: false });
    }
  }
  return { input: program, program: out.program, module, diagnostics, dumps: out.dumps };
}

/** States the entry points store to or read. */
function statesUsedBy(p: Program, entries: NonNullable<Program['entries']>): string[] {
  const stores = entries.flatMap((e) => e.stores);
  const read = postOrder(p.insts, stores.map((s) => s.value)).filter((id) => p.insts[id]!.op === 'state').map((id) => p.insts[id]!.name!);
  return [...new Set([...stores.map((s) => s.target), ...read])].filter((x) => x !== 'p');
}
