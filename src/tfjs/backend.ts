// The parts of TF.js's WebGPU backend (tfjs-backend-webgpu 4.22) the adapter relies on, read from its
// dist source and checked by running it on Dawn (../shared/FACTS.md, "Zero-copy interop"):
// - a tensor's data lives in `tensorMap.get(dataId).resource` (a GPUBuffer) once `uploadToGPU(dataId)` ran;
//   data that a small op computed on the CPU sits in `.values` until then;
// - `.values` is also a CPU cache filled by `data()`: after a buffer is written in place it must be cleared,
//   or `data()` returns the old numbers;
// - the backend records dispatches into its own command encoder and submits every 15 of them, so work it
//   has recorded is not on the queue yet: `endComputePassEncoder()` then `submitQueue()` puts it there;
// - `tf.tensor({ buffer, zeroCopy: true }, shape)` wraps a GPUBuffer without copying and marks it
//   `external`, so TF.js never returns it to its pool nor destroys it.
import * as tf from '@tensorflow/tfjs-core';
import { UnsupportedError } from '../runtime/errors.js';

export interface TensorData {
  resource: GPUBuffer | GPUTexture | null;
  values: unknown;
  refCount: number;
  external?: boolean;
}

export interface WebGpuBackend {
  device: GPUDevice;
  tensorMap: { get(dataId: object): TensorData | undefined; has(dataId: object): boolean };
  commandEncoder: GPUCommandEncoder | null;
  uploadToGPU(dataId: object): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  /** A pooled copy of `src` (same size and usage), recorded and submitted at once. */
  copyBuffer(src: GPUBuffer): GPUBuffer;
}

/** TF.js's active backend, which must be its WebGPU backend: the adapter runs on that backend's device. */
export function webgpuBackend(): WebGpuBackend {
  const name = tf.getBackend();
  const b = tf.backend() as unknown as Partial<WebGpuBackend>;
  if (name !== 'webgpu' || !b.device || !b.tensorMap) {
    throw new UnsupportedError(`optc's TF.js optimizer runs on TF.js's WebGPU backend; the active backend is '${name}' `
      + "(import '@tensorflow/tfjs-backend-webgpu' and `await tf.setBackend('webgpu')` first)");
  }
  return b as WebGpuBackend;
}

/** Puts every dispatch TF.js has recorded on the queue, so that work submitted after it sees the results. */
export function flushTfjs(b: WebGpuBackend): void {
  b.endComputePassEncoder();
  // submitQueue() with no encoder open throws: nothing recorded means nothing to flush.
  if (b.commandEncoder) b.submitQueue();
}

/**
 * The GPUBuffer holding a tensor's values (uploading CPU-held values first: the upload is recorded into TF.js's
 * encoder, so flush before reading it). Its size may exceed 4 * size: TF.js pools buffers.
 */
export function bufferOf(b: WebGpuBackend, t: tf.Tensor, what: string): GPUBuffer {
  if (t.dtype !== 'float32') throw new UnsupportedError(`${what} is ${t.dtype}; optc's TF.js optimizer takes float32 tensors`);
  b.uploadToGPU(t.dataId);
  const res = b.tensorMap.get(t.dataId)?.resource;
  if (!(res instanceof GPUBuffer)) throw new UnsupportedError(`${what} is not held in a GPUBuffer (a texture?); optc needs buffer storage`);
  return res;
}

/** After writing a tensor's buffer in place: drops TF.js's CPU copy, if it made one. */
export function invalidateCpuCopy(b: WebGpuBackend, dataId: object): void {
  const d = b.tensorMap.get(dataId);
  if (d) d.values = null;
}
