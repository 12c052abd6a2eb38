// The safetensors container (Hugging Face), the file format of optimizer checkpoints. Layout:
//
//   8 bytes   N, little-endian u64
//   N bytes   UTF-8 JSON header: {"__metadata__": {str: str}, "name": {"dtype", "shape", "data_offsets"}, ...},
//             padded with spaces to a multiple of 8 so the byte buffer starts 8-aligned
//   rest      the byte buffer; data_offsets [begin, end) are relative to its start
//
// The reference implementation (huggingface/safetensors, `tensor.rs`) is the spec. Its rules, all enforced
// here: no duplicate keys, metadata values are strings, end - begin = numel * element size, the tensors tile
// the buffer exactly (no holes, no overlap, nothing after the last one), header at most 100 MB. We write
// what the reference writer writes: tensors sorted by dtype (widest first, so every tensor is aligned to its
// element size) then by name, `__metadata__` first, compact JSON. This file knows nothing about
// optimizers; `codec.ts` builds on it.

import { CheckpointError } from './errors.js';
import { JsonNumber, jsonKind, parseStrictJson, type JsonValue } from './json.js';

export type Dtype = 'F32' | 'F16' | 'BF16' | 'I32' | 'U32' | 'U8';

/** Bytes per element. F16 and BF16 travel as raw 16-bit patterns. */
export const DTYPE_BYTES: Readonly<Record<Dtype, number>> = { F32: 4, F16: 2, BF16: 2, I32: 4, U32: 4, U8: 1 };

/**
 * The reference writer orders tensors by dtype, descending, in its enum's order (which it keeps sorted by
 * alignment), then by name. Ranks follow that enum: ... U8 < ... < F16 < BF16 < I32 < U32 < F32.
 */
const DTYPE_RANK: Readonly<Record<Dtype, number>> = { U8: 0, F16: 1, BF16: 2, I32: 3, U32: 4, F32: 5 };

/** The reference implementation refuses larger headers; so do we, before allocating anything. */
export const MAX_HEADER_BYTES = 100_000_000;

const DTYPES: readonly Dtype[] = ['F32', 'F16', 'BF16', 'I32', 'U32', 'U8'];
export function isDtype(s: unknown): s is Dtype {
  return typeof s === 'string' && (DTYPES as readonly string[]).includes(s);
}

/** One tensor's place in the byte buffer. */
export interface TensorEntry {
  name: string;
  dtype: Dtype;
  shape: number[];
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** In byte-buffer order. */
  entries: TensorEntry[];
  /** `__metadata__`, or an empty object when absent. Null prototype: keys are data, never properties. */
  metadata: Record<string, string>;
  /** Absolute offset of the byte buffer in the file: 8 + N. */
  dataStart: number;
  dataLength: number;
}

/** Number of elements, or undefined past 2^53 (no real tensor gets there; a corrupted shape can). */
export function numel(shape: readonly number[]): number | undefined {
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (!Number.isSafeInteger(n)) return undefined;
  }
  return n;
}

// ---- writing ----

export interface TensorLayoutInput {
  name: string;
  dtype: Dtype;
  shape: readonly number[];
  byteLength: number;
}

export interface Layout {
  /** The 8-byte length followed by the padded JSON header: the first dataStart bytes of the file. */
  prefix: Uint8Array;
  /** Tensors in the order their bytes follow the header. */
  entries: TensorEntry[];
  dataLength: number;
}

const utf8 = new TextEncoder();

/** Compares names by their UTF-8 bytes, the order Rust's `String: Ord` gives the reference writer. */
// Plain bytes, not Node's Buffer: the browser bundle encodes checkpoints too (docs/browser.md).
function compareUtf8(a: string, b: string): number {
  const x = utf8.encode(a), y = utf8.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/**
 * Places the tensors in the byte buffer and renders the header. The caller has checked the tensors
 * (names, shapes, byte lengths); this only lays them out.
 */
export function layoutSafetensors(tensors: readonly TensorLayoutInput[], metadata?: Record<string, string>): Layout {
  const sorted = [...tensors].sort(
    (a, b) => DTYPE_RANK[b.dtype] - DTYPE_RANK[a.dtype] || compareUtf8(a.name, b.name),
  );
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const t of sorted) {
    entries.push({ name: t.name, dtype: t.dtype, shape: [...t.shape], begin: offset, end: offset + t.byteLength });
    offset += t.byteLength;
  }
  const parts: string[] = [];
  const metaKeys = metadata ? Object.keys(metadata).sort() : [];
  if (metaKeys.length > 0) {
    const kv = metaKeys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata![k])}`);
    parts.push(`"__metadata__":{${kv.join(',')}}`);
  }
  for (const e of entries) {
    parts.push(
      `${JSON.stringify(e.name)}:{"dtype":"${e.dtype}","shape":[${e.shape.join(',')}],` +
        `"data_offsets":[${e.begin},${e.end}]}`,
    );
  }
  const json = utf8.encode(`{${parts.join(',')}}`);
  // Pad with spaces to a multiple of 8, as the reference does: the buffer then starts 8-aligned.
  const n = Math.ceil(json.length / 8) * 8;
  if (n > MAX_HEADER_BYTES) {
    throw new CheckpointError('invalid-input', `safetensors header would be ${n} bytes, over the limit of ${MAX_HEADER_BYTES}`);
  }
  const prefix = new Uint8Array(8 + n).fill(0x20, 8 + json.length);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(n), /* littleEndian */ true);
  prefix.set(json, 8);
  return { prefix, entries, dataLength: offset };
}

// ---- reading ----

/**
 * Reads N from the first 8 bytes and checks that the header fits the file. Returns 8 + N, the number of
 * bytes the caller must read to call `parseSafetensorsHeader`.
 */
export function headerEnd(first8: Uint8Array, fileSize: number): number {
  if (fileSize < 8 || first8.length < 8) {
    throw new CheckpointError('truncated', `file is ${fileSize} bytes, shorter than the 8-byte header length: it is truncated or not a safetensors file`);
  }
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new CheckpointError('header-length', `header length is ${n} bytes, over the limit of ${MAX_HEADER_BYTES}: the first 8 bytes are corrupt or this is not a safetensors file`);
  }
  if (8 + Number(n) > fileSize) {
    throw new CheckpointError('header-length', `header length is ${n} bytes but the file has only ${fileSize - 8} after the length: the file is truncated or its first 8 bytes are corrupt`);
  }
  return 8 + Number(n);
}

/**
 * Parses and checks the header (the first `headerEnd` bytes of the file) against the file's size. On success
 * every entry has a known dtype, end - begin = numel * element size, and the entries tile
 * [0, fileSize - dataStart) exactly.
 */
export function parseSafetensorsHeader(prefix: Uint8Array, fileSize: number): SafetensorsHeader {
  const dataStart = headerEnd(prefix, fileSize);
  if (prefix.length < dataStart) throw new CheckpointError('truncated', `expected ${dataStart} header bytes, got ${prefix.length}`);
  let text: string;
  try {
    // fatal: invalid UTF-8 is an error, not U+FFFD. ignoreBOM: a BOM stays in the text, and JSON rejects it.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(prefix.subarray(8, dataStart));
  } catch (cause) {
    throw new CheckpointError('header-encoding', 'header is not valid UTF-8: the file is corrupt', { cause });
  }
  const root = parseStrictJson(text, 'header');
  if (!(root instanceof Map)) throw new CheckpointError('header-field', `header must be a JSON object, found ${jsonKind(root)}`);

  const metadata: Record<string, string> = Object.create(null);
  const entries: TensorEntry[] = [];
  for (const [name, value] of root) {
    if (name === '__metadata__') {
      if (!(value instanceof Map)) {
        throw new CheckpointError('header-field', `__metadata__ must be an object of strings, found ${jsonKind(value)}`, { field: '__metadata__' });
      }
      for (const [k, v] of value) {
        if (typeof v !== 'string') {
          throw new CheckpointError('header-field', `__metadata__ values must be strings, found ${jsonKind(v)} for '${k}'`, { field: k });
        }
        metadata[k] = v;
      }
      continue;
    }
    entries.push(parseEntry(name, value));
  }

  // Tile check, in offset order as the reference does (the header may list tensors in any order).
  const dataLength = fileSize - dataStart;
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of entries) {
    if (e.begin !== at) {
      const what = e.begin < at ? `overlaps the previous tensor, which ends at ${at}` : `leaves a hole after offset ${at}`;
      throw new CheckpointError('offsets', `tensor '${e.name}' starts at ${e.begin} and ${what}: the header is corrupt`, { tensor: e.name, field: 'data_offsets' });
    }
    at = e.end;
  }
  if (at > dataLength) {
    const last = entries[entries.length - 1]!;
    throw new CheckpointError('truncated', `tensor '${last.name}' ends at byte ${at} of the data but the file holds only ${dataLength}: the file is truncated`, { tensor: last.name });
  }
  if (at < dataLength) {
    throw new CheckpointError('offsets', `${dataLength - at} bytes after the last tensor (offset ${at}) belong to no tensor: the file is corrupt or has trailing data`);
  }
  return { entries, metadata, dataStart, dataLength };
}

function parseEntry(name: string, value: JsonValue): TensorEntry {
  const at = { tensor: name };
  if (!(value instanceof Map)) throw new CheckpointError('header-field', `tensor '${name}' must be an object, found ${jsonKind(value)}`, at);
  for (const k of value.keys()) {
    if (k !== 'dtype' && k !== 'shape' && k !== 'data_offsets') {
      throw new CheckpointError('header-field', `tensor '${name}' has unknown field '${k}'; expected dtype, shape and data_offsets`, { tensor: name, field: k });
    }
  }
  const dtype = value.get('dtype');
  if (!isDtype(dtype)) {
    const found = typeof dtype === 'string' ? `'${dtype}'` : jsonKind(dtype);
    throw new CheckpointError('dtype', `tensor '${name}' has dtype ${found}; expected one of ${DTYPES.join(', ')}`, { tensor: name, field: 'dtype' });
  }
  const shape = uintArray(value.get('shape'), name, 'shape');
  const offsets = uintArray(value.get('data_offsets'), name, 'data_offsets');
  if (offsets.length !== 2 || offsets[0]! > offsets[1]!) {
    throw new CheckpointError('header-field', `tensor '${name}' data_offsets must be [begin, end] with begin <= end, found [${offsets.join(', ')}]`, { tensor: name, field: 'data_offsets' });
  }
  const [begin, end] = offsets as [number, number];
  const n = numel(shape);
  const bytes = n === undefined ? undefined : n * DTYPE_BYTES[dtype];
  if (bytes === undefined || !Number.isSafeInteger(bytes) || bytes !== end - begin) {
    throw new CheckpointError('byte-length', `tensor '${name}' is ${dtype}[${shape.join(', ')}], ${bytes ?? 'over 2^53'} bytes, but data_offsets span ${end - begin}`, { tensor: name, field: 'data_offsets' });
  }
  return { name, dtype, shape, begin, end };
}

function uintArray(v: JsonValue | undefined, tensor: string, field: string): number[] {
  if (!Array.isArray(v)) throw new CheckpointError('header-field', `tensor '${tensor}' ${field} must be an array of integers, found ${jsonKind(v)}`, { tensor, field });
  return v.map((x) => {
    const n = x instanceof JsonNumber ? x.asUint() : undefined;
    if (n === undefined) throw new CheckpointError('header-field', `tensor '${tensor}' ${field} must hold non-negative integers, found ${x instanceof JsonNumber ? x.text : jsonKind(x)}`, { tensor, field });
    return n;
  });
}
