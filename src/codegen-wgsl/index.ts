// The code generator's public face: the runtime, the CLI and tools import from here only.
export { emitModule, type CodegenOptions } from './emit.js';
export { kernelsOf, gridFor, spillGrid } from './manifest.js';
export { codecOf, stateBytes, LANE_GROUP, type StateCodec } from './state-io.js';
export type { KernelModule, MatrixInfo, KernelSpec, BindingSpec, BindingKind, HostProgram, UniformLayout, UniformField } from './manifest.js';
export { SEG, SEG_STRIDE, TEN, TENSOR_HEADER, TENSOR_STRIDE, type PhasedInfo, type PhasedDispatch } from './manifest.js';
export { R1_AXIS, R1_HEADER, R1_PIECE } from './rank1.js';
export { GRID_X } from './wgsl.js';
export { matrixFoldKernel, matrixGuardKernel } from './matrix-module.js';
export { matrixStageKernels, type StageKernel } from './matrix-kernels.js';
export { matrixStateKernels, packedMatrixStates } from './matrix-states.js';
// What a runtime needs to split tensors between a matrix program and its fallback rule (src/ir/matrix.ts).
export { isMatrix, shapeSize, splitHypers, NotAMatrixError, type View } from '../ir/matrix.js';
