// Matrix programs (Muon, Shampoo, GaLore) for the GPU: the front end and instruction passes (compileIR),
// then the stage plan (src/ir/matrix-plan.ts), the host program of its step values, and the fallback rule
// compiled by the ordinary back end. `src/runtime/matrix-runner.ts` runs the result. Interim: when the back
// end has one schedule, matrix stages become stages of it and `compile()` takes these programs too
// (docs/matrix.md, "On the GPU").
import { compile, compileIR, type CompileOptions } from './compile.js';
import { extractHostProgram } from './codegen-wgsl/host.js';
import type { Diagnostic } from './diag.js';
import { hasMatrixStages } from './ir/matrix.js';
import { planMatrix } from './ir/matrix-plan.js';
import type { Program } from './ir/types.js';
import type { MatrixModule } from './runtime/matrix-runner.js';

export interface CompiledMatrix {
  input: Program;
  program: Program;
  module: MatrixModule;
  diagnostics: Diagnostic[];
  dumps: { after: string; ir: string }[];
}

/** Throws CompileError for a bad program, MatrixPlanError for one the GPU stages cannot run yet. */
export function compileMatrix(input: string | Program, options: CompileOptions = {}): CompiledMatrix {
  const c = compileIR(input, options);
  const { fallback, ...main } = c.program;
  const plan = planMatrix(main);
  const host = extractHostProgram(main, [...plan.steps, ...plan.streams]);
  const module: MatrixModule = {
    name: main.name, hypers: main.hypers, plan, host,
    ...(fallback ? { fallback: { name: fallback.name, module: compile(fallback).module } } : {}),
  };
  return { input: c.input, program: c.program, module, diagnostics: c.diagnostics, dumps: c.dumps };
}

/** Whether a program needs compileMatrix (matrix stages or a fallback rule) rather than compile(). */
export function isMatrixProgram(p: Program): boolean {
  return hasMatrixStages(p) || Boolean(p.fallback);
}
