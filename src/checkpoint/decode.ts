// Decoding a checkpoint: every check that needs no tensor data first (header, metadata, the header checksum,
// what the caller expects), then each tensor against its checksum. `files.ts` reads files through the same
// steps, one tensor at a time. Decoding returns a fully validated, freshly allocated checkpoint or throws a
// CheckpointError: it never hands back part of a file.

import { CheckpointError } from './errors.js';
import { crc32, hex8 } from './crc32.js';
import { JsonNumber, parseStrictJson, type JsonValue } from './json.js';
import { type Dtype, type SafetensorsHeader, type TensorEntry, headerEnd, parseSafetensorsHeader } from './safetensors.js';
import {
  CHECKPOINT_FILE_VERSION, META, canonicalHeader, requireLittleEndian, type Checkpoint, type CheckpointExpect, type LoadedCheckpoint,
  type LoadedTensor, type TensorData, type TensorExpectation,
} from './codec.js';

export interface ValidatedHeader {
  header: SafetensorsHeader;
  ckpt: Omit<LoadedCheckpoint, 'tensors'>;
  tensorCrcs: Map<string, number>;
  dataCrc: number;
}

function metaError(key: string, message: string): never {
  throw new CheckpointError('metadata', `checkpoint metadata '${key}' ${message}: the file is corrupt or was not written by optc`, { field: key });
}

function metaString(md: Record<string, string>, key: string): string {
  const v = md[key];
  if (v === undefined) metaError(key, 'is missing');
  return v;
}

function metaUint(md: Record<string, string>, key: string): number {
  const v = new JsonNumber(metaString(md, key)).asUint();
  if (v === undefined) metaError(key, `must be a non-negative integer, found ${JSON.stringify(md[key])}`);
  return v;
}

function metaCrc(text: string, key: string): number {
  if (!/^[0-9a-f]{8}$/.test(text)) metaError(key, `must be 8 lowercase hex digits, found ${JSON.stringify(text)}`);
  return parseInt(text, 16);
}

function metaObject(md: Record<string, string>, key: string): Map<string, JsonValue> {
  const v = parseStrictJson(metaString(md, key), key);
  if (!(v instanceof Map)) metaError(key, 'must be a JSON object');
  return v;
}

function decodeHypers(md: Record<string, string>): Record<string, number> {
  const out: Record<string, number> = Object.create(null);
  const special: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };
  for (const [k, v] of metaObject(md, META.hypers)) {
    if (v instanceof JsonNumber) out[k] = Number(v.text);
    else if (typeof v === 'string' && Object.hasOwn(special, v)) out[k] = special[v]!;
    else metaError(META.hypers, `has a non-number value for '${k}'`);
  }
  return out;
}

/** Everything that can be checked without reading tensor data, in the order a reader should hear about it. */
export function validateHeader(prefix: Uint8Array, fileSize: number, expect: CheckpointExpect): ValidatedHeader {
  const header = parseSafetensorsHeader(prefix, fileSize);
  const md = header.metadata;

  const fileVersion = metaUint(md, META.fileVersion);
  if (fileVersion !== CHECKPOINT_FILE_VERSION) {
    throw new CheckpointError('file-version', `checkpoint file version is ${fileVersion}; this optc reads version ${CHECKPOINT_FILE_VERSION}`, { field: META.fileVersion });
  }
  const headerCrc = metaCrc(metaString(md, META.headerCrc), META.headerCrc);
  const actualHeaderCrc = crc32(new TextEncoder().encode(canonicalHeader(md, header.entries)));
  if (headerCrc !== actualHeaderCrc) {
    throw new CheckpointError('header-checksum', `checkpoint header checksum is ${hex8(actualHeaderCrc)} but the file says ${hex8(headerCrc)}: the header is corrupt`, { field: META.headerCrc });
  }

  const ckpt = {
    optimizer: metaString(md, META.optimizer),
    programHash: metaString(md, META.programHash),
    formatVersion: metaUint(md, META.formatVersion),
    step: metaUint(md, META.step),
    hypers: decodeHypers(md),
    metadata: md,
  };
  const tensorCrcs = new Map<string, number>();
  for (const [k, v] of metaObject(md, META.tensorCrcs)) {
    if (typeof v !== 'string') metaError(META.tensorCrcs, `has a non-string checksum for '${k}'`);
    tensorCrcs.set(k, metaCrc(v, META.tensorCrcs));
  }
  for (const e of header.entries) {
    if (!tensorCrcs.has(e.name)) metaError(META.tensorCrcs, `has no checksum for tensor '${e.name}'`);
  }
  if (tensorCrcs.size !== header.entries.length) metaError(META.tensorCrcs, 'lists tensors the file does not hold');
  const dataCrc = metaCrc(metaString(md, META.dataCrc), META.dataCrc);

  checkExpectations(ckpt, header.entries, expect);
  return { header, ckpt, tensorCrcs, dataCrc };
}

function checkExpectations(ckpt: Omit<Checkpoint, 'tensors'>, entries: readonly TensorEntry[], expect: CheckpointExpect) {
  const fix = 'load it into an optimizer compiled from the same program, or start from a fresh state';
  if (expect.optimizer !== undefined && ckpt.optimizer !== expect.optimizer) {
    throw new CheckpointError('optimizer', `checkpoint was saved by optimizer '${ckpt.optimizer}', expected '${expect.optimizer}'; ${fix}`, { field: META.optimizer });
  }
  if (expect.programHash !== undefined && ckpt.programHash !== expect.programHash) {
    throw new CheckpointError('program-hash', `checkpoint was saved by program ${ckpt.programHash} of '${ckpt.optimizer}', expected ${expect.programHash}: the optimizer's source changed since; ${fix}`, { field: META.programHash });
  }
  if (expect.formatVersion !== undefined && ckpt.formatVersion !== expect.formatVersion) {
    throw new CheckpointError('format-version', `checkpoint state format version is ${ckpt.formatVersion}, expected ${expect.formatVersion}; re-save it with the optc version that wrote it, or start from a fresh state`, { field: META.formatVersion });
  }
  if (expect.hypers !== undefined) {
    const want = new Set(expect.hypers);
    const have = Object.keys(ckpt.hypers);
    const missing = [...want].filter((h) => !(h in ckpt.hypers));
    const extra = have.filter((h) => !want.has(h));
    if (missing.length > 0 || extra.length > 0) {
      const parts = [missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `unexpected ${extra.join(', ')}` : ''].filter(Boolean);
      throw new CheckpointError('hypers', `checkpoint hyperparameters differ from the optimizer's: ${parts.join('; ')}`, { field: missing[0] ?? extra[0] });
    }
  }
  if (expect.tensors === undefined) return;
  const byName = new Map(entries.map((e) => [e.name, e]));
  const specs: [string, TensorExpectation | undefined][] = Array.isArray(expect.tensors)
    ? (expect.tensors as readonly string[]).map((n) => [n, undefined])
    : Object.entries(expect.tensors as Readonly<Record<string, TensorExpectation>>);
  for (const [name, spec] of specs) {
    const e = byName.get(name);
    if (!e) throw new CheckpointError('missing-tensor', `checkpoint has no tensor '${name}' (it holds ${entries.length}); ${fix}`, { tensor: name });
    if (spec && e.dtype !== spec.dtype) {
      throw new CheckpointError('dtype', `checkpoint tensor '${name}' is ${e.dtype}, expected ${spec.dtype}`, { tensor: name, field: 'dtype' });
    }
    if (spec && (e.shape.length !== spec.shape.length || e.shape.some((d, i) => d !== spec.shape[i]))) {
      throw new CheckpointError('shape', `checkpoint tensor '${name}' has shape [${e.shape.join(', ')}], expected [${spec.shape.join(', ')}]`, { tensor: name, field: 'shape' });
    }
  }
  if (!expect.allowExtraTensors) {
    const listed = new Set(specs.map(([n]) => n));
    const extra = entries.find((e) => !listed.has(e.name));
    if (extra) throw new CheckpointError('unexpected-tensor', `checkpoint has tensor '${extra.name}', which this optimizer does not have; ${fix}`, { tensor: extra.name });
  }
}

function typedArrayOf(dtype: Dtype, buf: ArrayBuffer): TensorData {
  switch (dtype) {
    case 'F32': return new Float32Array(buf);
    case 'I32': return new Int32Array(buf);
    case 'U32': return new Uint32Array(buf);
    case 'U8': return new Uint8Array(buf);
    case 'F16': case 'BF16': return new Uint16Array(buf);
    default: { const never: never = dtype; throw new Error(`unreachable dtype ${String(never)}`); }
  }
}

/**
 * Collects tensors as their bytes are read, checking each against its checksum and the whole buffer against
 * the data checksum. The memory and file loaders differ only in how they fill each tensor's buffer.
 */
export class TensorCollector {
  private readonly tensors: Record<string, LoadedTensor> = Object.create(null);
  private dataCrc = 0;
  constructor(private readonly v: ValidatedHeader) {}

  add(e: TensorEntry, buf: ArrayBuffer): void {
    const bytes = new Uint8Array(buf);
    const crc = crc32(bytes);
    const want = this.v.tensorCrcs.get(e.name)!;
    if (crc !== want) {
      throw new CheckpointError('data-checksum', `checkpoint tensor '${e.name}' has checksum ${hex8(crc)}, the file says ${hex8(want)}: its data is corrupt`, { tensor: e.name });
    }
    this.dataCrc = crc32(bytes, this.dataCrc);
    this.tensors[e.name] = { dtype: e.dtype, shape: e.shape, data: typedArrayOf(e.dtype, buf) };
  }

  finish(): LoadedCheckpoint {
    if (this.dataCrc !== this.v.dataCrc) {
      throw new CheckpointError('data-checksum', `checkpoint data checksum is ${hex8(this.dataCrc)}, the file says ${hex8(this.v.dataCrc)}: the data is corrupt`, { field: META.dataCrc });
    }
    return { ...this.v.ckpt, tensors: this.tensors };
  }
}

/** Decodes the bytes of a checkpoint file. Throws a CheckpointError unless every check passes. */
export function decodeCheckpoint(bytes: Uint8Array, expect: CheckpointExpect = {}): LoadedCheckpoint {
  requireLittleEndian();
  const end = headerEnd(bytes.subarray(0, 8), bytes.length);
  const v = validateHeader(bytes.subarray(0, end), bytes.length, expect);
  const out = new TensorCollector(v);
  for (const e of v.header.entries) {
    // A copy: the result owns its memory (and F32 data gets a 4-aligned buffer whatever `bytes` is). Not
    // bytes.slice(): on a Node Buffer that is a view into the same (often pooled) memory.
    const at = v.header.dataStart + e.begin;
    const buf = new ArrayBuffer(e.end - e.begin);
    new Uint8Array(buf).set(bytes.subarray(at, at + buf.byteLength));
    out.add(e, buf);
  }
  return out.finish();
}

