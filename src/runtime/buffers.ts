// Buffer helpers shared by the runtime's allocators (chunks, phased tables, rank-1 scales, inputs), and the
// get-or-create of the caches that hold what they make.

export const STORAGE_RW = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** A storage buffer of at least `bytes` bytes, rounded up to a multiple of 16 (kernels read whole vec4s). */
export function storageBuffer(device: GPUDevice, bytes: number, label: string, usage = STORAGE_RW()): GPUBuffer {
  return device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 16) * 16), usage, label });
}

/** A storage buffer holding `data` (a table kernels read). */
export function uploadBuffer(device: GPUDevice, data: Uint32Array, label: string, usage = STORAGE_RW()): GPUBuffer {
  const buf = storageBuffer(device, data.byteLength, label, usage);
  device.queue.writeBuffer(buf, 0, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
  return buf;
}

/** writeBuffer for any Float32Array view (its buffer may be shared). */
export function writeF32(device: GPUDevice, buf: GPUBuffer, byteOffset: number, data: Float32Array, from = 0, length = data.length): void {
  if (length > 0) device.queue.writeBuffer(buf, byteOffset, data.buffer as ArrayBuffer, data.byteOffset + from * 4, length * 4);
}

/** `map`'s value for `key`, made by `make()` and stored on first use (a Map or a WeakMap). */
export function getOrCreate<K, V>(map: { has(k: K): boolean; get(k: K): V | undefined; set(k: K, v: V): unknown }, key: K,
  make: () => V): V {
  if (!map.has(key)) map.set(key, make());
  return map.get(key)!;
}
