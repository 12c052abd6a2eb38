// The runtime minus where the device comes from (dawn.ts in Node, navigator.gpu in the browser).
export { adapterDescription, type DeviceOptions } from './device.js';
export { createOptimizer, Optimizer, type TensorSpec, type TensorData, type OptimizerOptions, type ParamGroup, type MemoryReport, type StepReport } from './optimizer.js';
export * from './errors.js';
export { HyperError } from '../diag.js';
export { planLayout, type Chunk, type Piece, type LayoutTensor } from './layout.js';
export { saveCheckpoint, loadCheckpoint, encodeCheckpoint, decodeCheckpoint, CheckpointError, type Checkpoint, type CheckpointExpect } from '../checkpoint/index.js';
export { STATE_LAYOUT_VERSION } from './checkpoint-map.js';
export { copyParams } from './param-copy.js';
export type { MatrixOptimizer } from './matrix-optimizer.js';
