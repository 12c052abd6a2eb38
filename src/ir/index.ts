export * from './types.js';
export { STAGE_KINDS, MATRIX_STAGE_KINDS, isMatrixStage, unknownStage, inlineClosure, phaseInfo, elemPhases } from './schedule.js';
export { Builder, type Value, type Arg } from './builder.js';
export { printIR, printInst, fmtNumber } from './printer.js';
export { verify } from './verify.js';
export {
  interpretStep, initStates, initialState, evalStepScalars, resolveHypers, encodeState, decodeState, storedParam, storeRand, type StepInputs, type StepResult,
} from './interp.js';
export { srBits, srDraw, rngU32 } from './rng.js';
export { applyOp } from './numerics.js';
export { hashProgram, canonicalJSON, cloneProgram } from './hash.js';
export { toSource, type SourceOptions } from './to-source.js';
export {
  ELEM_SHAPE, dimSize, shapeSize, shapeEq, shapeText, valueShape, orientShape, resultType, hasMatrixStages, firstMatrixInst,
  isMatrix, ruleFor, splitHypers, NotAMatrixError, type View,
} from './matrix.js';
export { matmulF32, transposeF32 } from './interp-matrix.js';
export { interpretTensors, stateLength, matrixView, type TensorIO, type TensorsStepInputs, type TensorResult } from './interp-tensors.js';
export type { ReduceOrder } from './reduce-order.js';
