// The pipeline: the stages every optimizer goes through, in order. Each stage is a pure Program ->
// Program function; `runPipeline` runs them, verifying after each when asked and printing the IR after
// the ones named in `dumpAfter` (the CLI's --dump-after).
import { printIR } from '../ir/printer.js';
import type { Program } from '../ir/types.js';
import { verify } from '../ir/verify.js';
import type { Diagnostic } from '../diag.js';
import { eliminateCommonSubexpressions } from './eliminateCommonSubexpressions.js';
import { eliminateDeadCode } from './eliminateDeadCode.js';
import { foldConstants } from './foldConstants.js';
import { fuseElementwise } from './fuseElementwise.js';
import { hoistStepScalars } from './hoistStepScalars.js';
import { passCtx, type CompileOptions, type Pass } from './pass.js';
import { isMatrixProgram, placeMatrixStages } from './placeMatrixStages.js';
import { simplifyAlgebra } from './simplifyAlgebra.js';
import { splitPhases } from './splitPhases.js';
import { vectorize } from './vectorize.js';

export const pipeline: { name: string; run: Pass }[] = [
  // Ops over constants become constants (`1 - 0.9`), with the interpreter's own arithmetic.
  { name: 'foldConstants', run: foldConstants },
  // Share structurally equal values, so the rules below see `a` and a copy of `a` as one value.
  { name: 'eliminateCommonSubexpressions', run: eliminateCommonSubexpressions },
  // Bit-exact local rewrites (x*1 -> x, x^2 -> x*x, x - -y -> x + y); output stays shared.
  { name: 'simplifyAlgebra', run: simplifyAlgebra },
  // Drop what neither p nor a written state needs; a state nothing writes or reads goes (warns W0403/W0404).
  { name: 'eliminateDeadCode', run: eliminateDeadCode },
  // ---- scheduling: from here on the instructions are fixed, passes fill in `schedule` ----
  // Matrix programs (products, matrix states, a fallback rule): matrix stages per host-decided variant;
  // the elementwise scheduling passes below leave them alone.
  { name: 'placeMatrixStages', run: placeMatrixStages },
  // Step values read per element become uniforms computed once per step on the host.
  { name: 'hoistStepScalars', run: elementwiseOnly(hoistStepScalars) },
  // One kernel for everything (or one per op with fuse: false), and which kernel performs each store.
  { name: 'fuseElementwise', run: elementwiseOnly(fuseElementwise) },
  // Reductions and per-tensor/row/column values: the step as stages (elem sweeps, per-tensor finishes).
  { name: 'splitPhases', run: elementwiseOnly(splitPhases) },
  // vec4 kernels when every op has a vec4 form.
  { name: 'vectorize', run: elementwiseOnly(vectorize) },
];

/** A scheduling pass for programs without matrix stages. */
function elementwiseOnly(pass: Pass): Pass {
  return (p, ctx) => (isMatrixProgram(p) ? p : pass(p, ctx));
}

export const PASS_NAMES: readonly string[] = pipeline.map((s) => s.name);

export interface PipelineResult {
  program: Program;
  diagnostics: Diagnostic[];
  /** The printed IR after each stage named in `options.dumpAfter`, in pipeline order. */
  dumps: { after: string; ir: string }[];
}

/** Runs every stage on `p` (which is not modified). Throws on a `dumpAfter` name that is not a stage. */
export function runPipeline(p: Program, options: CompileOptions = {}): PipelineResult {
  const ctx = passCtx(options);
  const { dumpAfter } = options;
  if (Array.isArray(dumpAfter)) {
    for (const name of dumpAfter) {
      if (!PASS_NAMES.includes(name)) throw new Error(`unknown pass '${name}' in dumpAfter; the passes are: ${PASS_NAMES.join(', ')}`);
    }
  }
  if (options.stopAfter !== undefined && !PASS_NAMES.includes(options.stopAfter)) throw new Error(`unknown pass '${options.stopAfter}' in stopAfter; the passes are: ${PASS_NAMES.join(', ')}`);
  if (options.verify) verify(p, 'input');
  const dumps: PipelineResult['dumps'] = [];
  let program = p;
  for (const stage of pipeline) {
    program = stage.run(program, ctx);
    if (options.verify) verify(program, stage.name);
    if (dumpAfter === 'all' || dumpAfter?.includes(stage.name)) dumps.push({ after: stage.name, ir: printIR(program) });
    if (stage.name === options.stopAfter) break;
  }
  return { program, diagnostics: ctx.diagnostics, dumps };
}
