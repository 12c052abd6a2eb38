// The shape every pass shares. A pass is a pure function from Program to Program: it never mutates its
// input (symbolic search keeps the input around and compiles thousands of variants of it), it reports
// problems in the user's program as Diagnostics pushed onto `ctx.diagnostics`, and it reports compiler bugs
// through `invariant`.
import type { Diagnostic } from '../diag.js';
import type { Program } from '../ir/types.js';

/** Everything that changes what the pipeline produces. */
export interface CompileOptions {
  /** One kernel for the whole update (default). `false` gives one kernel per op, the TF.js-style baseline. */
  fuse?: boolean;
  /** Use vec4 kernels when every op has a vec4 form (default true). */
  vectorize?: boolean;
  /** Run `verify` on the input and after every pass (tests and debug builds). */
  verify?: boolean;
  /** Pass names (as in `pipeline`) after which to print the IR, or 'all'. */
  dumpAfter?: string[] | 'all';
  /**
   * States to keep even when this program neither writes nor reads them: those the named entry points use,
   * which compile as programs of their own and bind the main program's state buffers by name.
   */
  keepStates?: readonly string[];
  /** Run the pipeline up to and including this pass only (the interpreter needs no schedule). */
  stopAfter?: string;
}

export interface PassCtx {
  diagnostics: Diagnostic[];
  options: Required<Pick<CompileOptions, 'fuse' | 'vectorize'>> & CompileOptions;
}

export type Pass = (p: Program, ctx: PassCtx) => Program;

/** A context with the default options, for running one pass on its own (tests, tools). */
export function passCtx(options: CompileOptions = {}): PassCtx {
  return { diagnostics: [], options: { ...options, fuse: options.fuse ?? true, vectorize: options.vectorize ?? true } };
}
