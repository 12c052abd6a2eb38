// Optimization and scheduling passes: Program -> Program with a schedule. See pipeline.ts for the order.
export type { CompileOptions, PassCtx, Pass } from './pass.js';
export { passCtx } from './pass.js';
export { pipeline, runPipeline, PASS_NAMES, type PipelineResult } from './pipeline.js';
export { foldConstants } from './foldConstants.js';
export { eliminateCommonSubexpressions } from './eliminateCommonSubexpressions.js';
export { simplifyAlgebra, algebraRules, identityRules, signRules, logicRules, strengthRules } from './simplifyAlgebra.js';
export { eliminateDeadCode } from './eliminateDeadCode.js';
export { hoistStepScalars } from './hoistStepScalars.js';
export { fuseElementwise } from './fuseElementwise.js';
export { placeMatrixStages, planMatrix, matrixProblem, isMatrixProgram, leafKey } from './placeMatrixStages.js';
export { vectorize, VECTORIZABLE } from './vectorize.js';
export { rule, type Rule, type Pat, type Term } from './patterns.js';
