// optc/tfjs: compiled optimizers as TensorFlow.js optimizers, on TF.js's own WebGPU device. See docs/training.md.
export { OptcOptimizer, createTfjsOptimizer, OptcMatrixOptimizer, createTfjsMatrixOptimizer, UnboundOptimizerError, type TfjsOptimizerOptions, type VariableLike } from './optimizer.js';
export { webgpuBackend, flushTfjs, type WebGpuBackend } from './backend.js';
export { openTfjsOnDawn, type TfjsOnDawn } from './dawn.js';
