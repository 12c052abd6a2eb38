// Checkpoint serialization: the safetensors container, strict JSON, CRC-32, the optc checkpoint encoding and
// atomic file writes. Plain TypeScript and node:fs, no GPU: the runtime reads an optimizer's buffers back into
// these tensors and writes loaded ones back (src/runtime/checkpoint-map.ts). See docs/checkpoints.md.
export { CheckpointError, type CheckpointErrorReason } from './errors.js';
export { DTYPE_BYTES, MAX_HEADER_BYTES, type Dtype, layoutSafetensors, parseSafetensorsHeader, headerEnd } from './safetensors.js';
export { crc32, crc32Portable } from './crc32.js';
export { parseStrictJson, JsonNumber, type JsonValue } from './json.js';
export { decodeCheckpoint } from './decode.js';
export {
  CHECKPOINT_FILE_VERSION, META, encodeCheckpoint, type Checkpoint, type CheckpointTensor, type LoadedCheckpoint,
  type LoadedTensor, type TensorData as CheckpointTensorData, type CheckpointExpect, type TensorExpectation,
} from './codec.js';
export { saveCheckpoint, loadCheckpoint, type SaveOptions } from './files.js';
export { writeFileAtomic, nodeWriteOps, type WriteOps, type WritableFile, type AtomicWriteOptions } from './atomic-write.js';
