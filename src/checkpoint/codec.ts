// Optimizer checkpoints in memory: state tensors, step count and hyperparameters as the bytes of one
// safetensors file, with metadata that names the compiled optimizer and checksums that catch corruption.
// This file holds the types, the metadata keys and the encoder; `decode.ts` the decoder; `files.ts` streams
// both to and from disk.

import { CheckpointError } from './errors.js';
import { crc32, hex8 } from './crc32.js';
import { DTYPE_BYTES, type Dtype, type TensorEntry, isDtype, layoutSafetensors, numel } from './safetensors.js';

/** Version of the layout below (metadata keys, checksum scheme). Readers reject every other version. */
export const CHECKPOINT_FILE_VERSION = 1;

/** The `__metadata__` keys. Every value is a string, as safetensors requires. */
export const META = {
  fileVersion: 'optc.file_version', //       CHECKPOINT_FILE_VERSION, decimal
  optimizer: 'optc.optimizer', //            compiled optimizer name
  programHash: 'optc.program_hash', //       hashProgram() of the compiled program
  formatVersion: 'optc.format_version', //   runtime state-format version, decimal
  step: 'optc.step', //                      steps taken, decimal
  hypers: 'optc.hypers', //                  JSON object; non-finite values and -0 as strings
  dataCrc: 'optc.data_crc32', //             CRC-32 of the whole byte buffer, 8 hex digits
  tensorCrcs: 'optc.tensor_crc32', //        JSON object, tensor name -> CRC-32 of its bytes
  headerCrc: 'optc.header_crc32', //         CRC-32 of the canonical header, see canonicalHeader
} as const;

export interface CheckpointTensor {
  dtype: Dtype;
  shape: readonly number[];
  /** Little-endian element bytes, row-major; byteLength must be numel(shape) * element size. */
  data: ArrayBufferView;
}

export interface Checkpoint {
  /** Name of the compiled optimizer. */
  optimizer: string;
  /** hashProgram() of the compiled program: two programs with one name but different code differ here. */
  programHash: string;
  /** Version of the runtime's state layout (packing of quantized codes, block sizes, ...). */
  formatVersion: number;
  /** Steps taken so far (t). */
  step: number;
  hypers: Record<string, number>;
  /** Named tensors, by convention `state/<stateName>/<paramName>[/codes|/scales]`. */
  tensors: Record<string, CheckpointTensor>;
}

/** The typed array a loaded tensor comes back as; F16 and BF16 come back as their raw 16-bit patterns. */
export type TensorData = Float32Array | Int32Array | Uint32Array | Uint8Array | Uint16Array;

export interface LoadedTensor extends CheckpointTensor {
  shape: number[];
  /** Owns its own ArrayBuffer (never a view into the file or into another tensor). */
  data: TensorData;
}

export interface LoadedCheckpoint extends Checkpoint {
  tensors: Record<string, LoadedTensor>;
  /** Every `__metadata__` entry, the optc ones included. */
  metadata: Record<string, string>;
}

export interface TensorExpectation {
  dtype: Dtype;
  shape: readonly number[];
}

/** What the loader checks before trusting a file. Absent fields are not checked. */
export interface CheckpointExpect {
  optimizer?: string;
  programHash?: string;
  formatVersion?: number;
  /** Exactly these hyperparameter names. */
  hypers?: readonly string[];
  /** Names that must be present, or names with the dtype and shape each must have. */
  tensors?: readonly string[] | Readonly<Record<string, TensorExpectation>>;
  /** With `tensors`: allow tensors the caller did not list (default false: they are an error). */
  allowExtraTensors?: boolean;
}

// ---- encoding ----

/** Bytes of a view, without copying. */
function bytesOf(v: ArrayBufferView): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

// Files are little-endian; typed arrays are host-endian. Every platform Node and Dawn run on is little-endian,
// so we check once instead of byte-swapping.
const HOST_IS_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
export function requireLittleEndian() {
  if (!HOST_IS_LE) throw new CheckpointError('invalid-input', 'checkpoints need a little-endian host; this one is big-endian');
}

/** Hypers as JSON. JSON has no NaN, Infinity or -0, so those travel as the strings "NaN", "Infinity", "-Infinity", "-0". */
function encodeHypers(hypers: Record<string, number>): string {
  const names = Object.keys(hypers).sort();
  const kv = names.map((k) => {
    const v = hypers[k]!;
    const s = Object.is(v, -0) ? '"-0"' : Number.isFinite(v) ? JSON.stringify(v) : `"${String(v)}"`;
    return `${JSON.stringify(k)}:${s}`;
  });
  return `{${kv.join(',')}}`;
}

/**
 * The text the header checksum covers: the metadata (minus the checksum itself) sorted by key, then every
 * tensor in buffer order as [name, dtype, shape, begin, end]. Built from parsed values, so it does not depend
 * on key order or whitespace in the file, and any change of meaning (a digit of a shape, a metadata value,
 * a name) changes it.
 */
export function canonicalHeader(metadata: Record<string, string>, entries: readonly TensorEntry[]): string {
  const meta = Object.keys(metadata).filter((k) => k !== META.headerCrc).sort().map((k) => [k, metadata[k]]);
  return JSON.stringify([meta, entries.map((e) => [e.name, e.dtype, e.shape, e.begin, e.end])]);
}

export interface Plan {
  prefix: Uint8Array;
  /** Tensor bytes in file order. */
  chunks: Uint8Array[];
  size: number;
}

// With the u flag a surrogate pair is one code point, so \p{Cs} matches only lone halves, which UTF-8 cannot encode.
const wellFormed = (s: string) => !/\p{Cs}/u.test(s);

function checkInput(ckpt: Checkpoint) {
  const bad = (message: string, where: { tensor?: string; field?: string } = {}): never => {
    throw new CheckpointError('invalid-input', `cannot save checkpoint: ${message}`, where);
  };
  requireLittleEndian();
  if (typeof ckpt.optimizer !== 'string' || ckpt.optimizer === '' || !wellFormed(ckpt.optimizer)) bad('optimizer must be a non-empty, well-formed string', { field: 'optimizer' });
  if (typeof ckpt.programHash !== 'string' || !wellFormed(ckpt.programHash)) bad('programHash must be a well-formed string', { field: 'programHash' });
  if (!Number.isSafeInteger(ckpt.formatVersion) || ckpt.formatVersion < 0) bad(`formatVersion must be a non-negative integer, found ${ckpt.formatVersion}`, { field: 'formatVersion' });
  if (!Number.isSafeInteger(ckpt.step) || ckpt.step < 0) bad(`step must be a non-negative integer, found ${ckpt.step}`, { field: 'step' });
  for (const [k, v] of Object.entries(ckpt.hypers)) {
    if (typeof v !== 'number' || !wellFormed(k)) bad(`hyperparameter ${JSON.stringify(k)} must be a number with a well-formed name, found ${typeof v}`, { field: k });
  }
  for (const [name, t] of Object.entries(ckpt.tensors)) {
    // Names become UTF-8 JSON keys: a lone surrogate cannot be encoded, and __metadata__ is reserved.
    if (name === '' || name === '__metadata__' || !wellFormed(name)) bad(`tensor name ${JSON.stringify(name)} is empty, reserved or not well-formed Unicode`, { tensor: name });
    if (!isDtype(t.dtype)) throw new CheckpointError('dtype', `cannot save tensor '${name}': unknown dtype '${String(t.dtype)}'; expected one of ${Object.keys(DTYPE_BYTES).join(', ')}`, { tensor: name, field: 'dtype' });
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new CheckpointError('shape', `cannot save tensor '${name}': shape must be non-negative integers, found [${String(t.shape)}]`, { tensor: name, field: 'shape' });
    }
    if (!ArrayBuffer.isView(t.data)) bad(`tensor '${name}' data must be a typed array or DataView`, { tensor: name, field: 'data' });
    const n = numel(t.shape);
    const want = n === undefined ? undefined : n * DTYPE_BYTES[t.dtype];
    if (want !== t.data.byteLength) {
      throw new CheckpointError('byte-length', `cannot save tensor '${name}': ${t.dtype}[${t.shape.join(', ')}] needs ${want ?? 'over 2^53'} bytes, data has ${t.data.byteLength}`, { tensor: name, field: 'data' });
    }
  }
}

/** Checks the checkpoint, computes checksums and renders the header; tensor bytes are referenced, not copied. */
export function planCheckpoint(ckpt: Checkpoint): Plan {
  checkInput(ckpt);
  const names = Object.keys(ckpt.tensors);
  const { entries } = layoutSafetensors(names.map((name) => {
    const t = ckpt.tensors[name]!;
    return { name, dtype: t.dtype, shape: t.shape, byteLength: t.data.byteLength };
  }));
  const chunks = entries.map((e) => bytesOf(ckpt.tensors[e.name]!.data));
  const tensorCrcs: Record<string, string> = {};
  let dataCrc = 0;
  chunks.forEach((bytes, i) => {
    tensorCrcs[entries[i]!.name] = hex8(crc32(bytes));
    dataCrc = crc32(bytes, dataCrc);
  });
  const crcJson = `{${entries.map((e) => `${JSON.stringify(e.name)}:"${tensorCrcs[e.name]}"`).join(',')}}`;
  const metadata: Record<string, string> = {
    [META.fileVersion]: String(CHECKPOINT_FILE_VERSION),
    [META.optimizer]: ckpt.optimizer,
    [META.programHash]: ckpt.programHash,
    [META.formatVersion]: String(ckpt.formatVersion),
    [META.step]: String(ckpt.step),
    [META.hypers]: encodeHypers(ckpt.hypers),
    [META.dataCrc]: hex8(dataCrc),
    [META.tensorCrcs]: crcJson,
  };
  metadata[META.headerCrc] = hex8(crc32(new TextEncoder().encode(canonicalHeader(metadata, entries))));
  // Same order (layoutSafetensors sorts deterministically), now with the metadata in the header.
  const layout = layoutSafetensors(
    entries.map((e, i) => ({ name: e.name, dtype: e.dtype, shape: e.shape, byteLength: chunks[i]!.length })),
    metadata,
  );
  return { prefix: layout.prefix, chunks, size: layout.prefix.length + layout.dataLength };
}

/** The checkpoint as the bytes of a safetensors file (what saveCheckpoint writes). */
export function encodeCheckpoint(ckpt: Checkpoint): Uint8Array {
  const plan = planCheckpoint(ckpt);
  const out = new Uint8Array(plan.size);
  out.set(plan.prefix, 0);
  let at = plan.prefix.length;
  for (const c of plan.chunks) { out.set(c, at); at += c.length; }
  return out;
}
