// The file format seen from outside: independent parsers (TypeScript here, Python's standard library, and
// Python's `safetensors` when it is installed) read what we write, our reader agrees with the reference
// implementation's test vectors, and every corruption of a file is rejected.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import {
  type Checkpoint, CheckpointError, decodeCheckpoint, encodeCheckpoint, layoutSafetensors, loadCheckpoint, parseSafetensorsHeader, saveCheckpoint,
} from '../src/checkpoint/index.js';

const sample = (): Checkpoint => ({
  optimizer: 'adamw8bit',
  programHash: 'c0ffee00d15ea5e5',
  formatVersion: 3,
  step: 41,
  hypers: { lr: 3e-4, b1: 0.9, eps: 1e-8, clip: Infinity },
  tensors: {
    'state/m/h.0.attn.c_attn.weight/codes': { dtype: 'U8', shape: [2, 3], data: new Uint8Array([0, 1, 2, 253, 254, 255]) },
    'state/m/h.0.attn.c_attn.weight/scales': { dtype: 'F32', shape: [2], data: new Float32Array([0.25, -1e-30]) },
    'state/v/wte': { dtype: 'F32', shape: [3], data: new Float32Array([-0, 1.5, NaN]) },
    'state/count': { dtype: 'U32', shape: [], data: new Uint32Array([0xdeadbeef]) },
  },
});

const bytesOf = (v: ArrayBufferView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
const ELEMENT: Record<string, number> = { F32: 4, F16: 2, BF16: 2, I32: 4, U32: 4, U8: 1 };

/**
 * safetensors read straight from its README, sharing no code with src/checkpoint: u64 LE length, JSON header,
 * byte buffer. Asserts every rule of the format and returns what it found.
 */
function parseIndependently(file: Uint8Array) {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  const n = Number(buf.readBigUInt64LE(0));
  expect(n % 8, 'header padded to a multiple of 8').toBe(0);
  const text = buf.subarray(8, 8 + n).toString('utf8');
  expect(text[0], 'header begins with {').toBe('{');
  expect(text.slice(text.lastIndexOf('}') + 1)).toMatch(/^ *$/);
  const header = JSON.parse(text) as Record<string, unknown>;
  const metadata = header.__metadata__ as Record<string, string>;
  for (const v of Object.values(metadata)) expect(typeof v).toBe('string');
  const data = buf.subarray(8 + n);
  const tensors = Object.entries(header)
    .filter(([k]) => k !== '__metadata__')
    .map(([name, v]) => ({ name, ...(v as { dtype: string; shape: number[]; data_offsets: [number, number] }) }))
    .sort((a, b) => a.data_offsets[0] - b.data_offsets[0]);
  let at = 0;
  for (const t of tensors) {
    expect(Object.keys(t).sort()).toEqual(['data_offsets', 'dtype', 'name', 'shape']);
    expect(t.data_offsets[0], `${t.name} starts where the previous tensor ends`).toBe(at);
    expect(t.data_offsets[1] - t.data_offsets[0]).toBe(t.shape.reduce((a, b) => a * b, 1) * ELEMENT[t.dtype]!);
    expect(t.data_offsets[0] % ELEMENT[t.dtype]!, `${t.name} aligned to its element size`).toBe(0);
    at = t.data_offsets[1];
  }
  expect(at, 'tensors cover the byte buffer').toBe(data.length);
  return { metadata, tensors, data, bytes: (t: (typeof tensors)[number]) => data.subarray(...t.data_offsets) };
}

describe('an independent parser reads what we write', () => {
  const c = sample();
  const file = encodeCheckpoint(c);
  const got = parseIndependently(file);

  it('finds every tensor with its dtype, shape and exact bytes', () => {
    expect(got.tensors.map((t) => t.name).sort()).toEqual(Object.keys(c.tensors).sort());
    for (const t of got.tensors) {
      const want = c.tensors[t.name]!;
      expect([t.dtype, t.shape]).toEqual([want.dtype, want.shape]);
      expect(got.bytes(t).equals(bytesOf(want.data)), t.name).toBe(true);
    }
  });

  it('lays tensors out as the reference writer does: by dtype (F32, U32, I32, BF16, F16, U8), then name', () => {
    expect(got.tensors.map((t) => t.name)).toEqual([
      'state/m/h.0.attn.c_attn.weight/scales', 'state/v/wte', 'state/count', 'state/m/h.0.attn.c_attn.weight/codes',
    ]);
  });

  it('orders names by UTF-8 bytes, and encodes without Node\'s Buffer (as in the browser bundle)', () => {
    // U+FF21 sorts after U+1F600 in UTF-16 code units but before it in UTF-8 bytes (EF.. < F0..).
    const names = ['\u{1F600}', '\uFF21', 'z', 'a'];
    const ckpt = { ...c, tensors: Object.fromEntries(names.map((k, i) => [`state/${k}`, { dtype: 'F32' as const, shape: [1], data: new Float32Array([i]) }])) };
    const withBuffer = encodeCheckpoint(ckpt);
    const saved = globalThis.Buffer;
    try {
      (globalThis as { Buffer?: unknown }).Buffer = undefined;
      expect(encodeCheckpoint(ckpt)).toEqual(withBuffer);
    } finally {
      globalThis.Buffer = saved;
    }
    expect(parseIndependently(withBuffer).tensors.map((t) => t.name)).toEqual(['state/a', 'state/z', 'state/\uFF21', 'state/\u{1F600}']);
  });

  it('stores the optc metadata as strings, with checksums anyone can recompute', () => {
    const md = got.metadata;
    expect(md).toMatchObject({
      'optc.file_version': '1', 'optc.optimizer': 'adamw8bit', 'optc.program_hash': 'c0ffee00d15ea5e5',
      'optc.format_version': '3', 'optc.step': '41',
    });
    expect(JSON.parse(md['optc.hypers']!)).toEqual({ b1: 0.9, clip: 'Infinity', eps: 1e-8, lr: 3e-4 });
    const hex = (n: number) => n.toString(16).padStart(8, '0');
    expect(md['optc.data_crc32']).toBe(hex(zlib.crc32(got.data)));
    const perTensor = JSON.parse(md['optc.tensor_crc32']!) as Record<string, string>;
    for (const t of got.tensors) expect(perTensor[t.name]).toBe(hex(zlib.crc32(got.bytes(t))));
    // The header checksum, recomputed from docs/checkpoints.md.
    const meta = Object.keys(md).filter((k) => k !== 'optc.header_crc32').sort().map((k) => [k, md[k]]);
    const canonical = JSON.stringify([meta, got.tensors.map((t) => [t.name, t.dtype, t.shape, ...t.data_offsets])]);
    expect(md['optc.header_crc32']).toBe(hex(zlib.crc32(Buffer.from(canonical, 'utf8'))));
  });
});

describe('Python reads what we write', () => {
  let dir: string;
  let path: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'optc-ckpt-py-'));
    path = join(dir, 'opt.safetensors');
    await saveCheckpoint(path, sample());
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const hasPython = spawnSync('python3', ['-c', 'import json, struct, zlib']).status === 0;
  const hasSafetensors = hasPython && spawnSync('python3', ['-c', 'import safetensors, numpy']).status === 0;

  // Python's standard library only: a third reading of the spec, in another language.
  it.skipIf(!hasPython)('with the standard library (struct, json, zlib)', () => {
    const script = String.raw`
import json, struct, sys, zlib
raw = open(sys.argv[1], 'rb').read()
(n,) = struct.unpack('<Q', raw[:8])
def no_dups(pairs):
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), 'duplicate key'
    return dict(pairs)
header = json.loads(raw[8:8 + n].decode('utf-8'), object_pairs_hook=no_dups)
data = raw[8 + n:]
fmt = {'F32': 'f', 'U32': 'I', 'U8': 'B'}
out = {'metadata': header.pop('__metadata__'), 'tensors': {}}
for name, t in header.items():
    b, e = t['data_offsets']
    count = 1
    for d in t['shape']: count *= d
    vals = struct.unpack('<%d%s' % (count, fmt[t['dtype']]), data[b:e])
    out['tensors'][name] = {'dtype': t['dtype'], 'shape': t['shape'],
        'values': [v if v == v else 'nan' for v in vals], 'crc': '%08x' % zlib.crc32(data[b:e])}
out['data_crc'] = '%08x' % zlib.crc32(data)
print(json.dumps(out))
`;
    const out = JSON.parse(execFileSync('python3', ['-c', script, path], { encoding: 'utf8' }));
    const c = sample();
    expect(out.metadata['optc.optimizer']).toBe('adamw8bit');
    expect(out.data_crc).toBe(out.metadata['optc.data_crc32']);
    const crcs = JSON.parse(out.metadata['optc.tensor_crc32']);
    for (const [name, t] of Object.entries(c.tensors)) {
      const py = out.tensors[name];
      expect([py.dtype, py.shape]).toEqual([t.dtype, t.shape]);
      expect(py.crc).toBe(crcs[name]);
      const want = [...(t.data as Float32Array)].map((v) => (Number.isNaN(v) ? 'nan' : v));
      expect(py.values, name).toEqual(want); // toEqual tells -0 from 0
    }
  });

  // Runs where `pip install safetensors numpy` has been done (and python3 on PATH has them); skipped elsewhere.
  it.skipIf(!hasSafetensors)('with Hugging Face safetensors', () => {
    const script = String.raw`
import json, sys
from safetensors import deserialize, safe_open
with safe_open(sys.argv[1], framework='numpy') as f:
    meta = f.metadata()
tensors = {name: {'shape': list(t['shape']), 'hex': bytes(t['data']).hex()} for name, t in deserialize(open(sys.argv[1], 'rb').read())}
print(json.dumps({'metadata': meta, 'tensors': tensors}))
`;
    const out = JSON.parse(execFileSync('python3', ['-c', script, path], { encoding: 'utf8' }));
    expect(out.metadata['optc.step']).toBe('41');
    for (const [name, t] of Object.entries(sample().tensors)) {
      expect(out.tensors[name]).toEqual({ shape: t.shape, hex: bytesOf(t.data).toString('hex') });
    }
  });

  it.skipIf(!hasSafetensors)('and a file Hugging Face safetensors re-saves still loads, with the same layout', () => {
    const resaved = join(dir, 'resaved.safetensors');
    const script = String.raw`
import sys
from safetensors import safe_open
from safetensors.numpy import load_file, save_file
with safe_open(sys.argv[1], framework='numpy') as f:
    meta = f.metadata()
save_file(load_file(sys.argv[1]), sys.argv[2], metadata=meta)
`;
    execFileSync('python3', ['-c', script, path, resaved]);
    const ours = readFileSync(path);
    const theirs = readFileSync(resaved);
    // Same header length and byte buffer; only the order of the metadata keys may differ.
    expect(theirs.readBigUInt64LE(0)).toBe(ours.readBigUInt64LE(0));
    const dataStart = 8 + Number(ours.readBigUInt64LE(0));
    expect(theirs.subarray(dataStart).equals(ours.subarray(dataStart))).toBe(true);
    const got = decodeCheckpoint(theirs, { optimizer: 'adamw8bit', tensors: Object.keys(sample().tensors) });
    for (const [name, t] of Object.entries(sample().tensors)) expect(bytesOf(got.tensors[name]!.data).equals(bytesOf(t.data))).toBe(true);
  });
});

/** A safetensors file from a header text and a byte-buffer length, the length field set to the text's length. */
function st(header: string, dataLength = 0): Uint8Array {
  const h = Buffer.from(header, 'utf8');
  const out = Buffer.alloc(8 + h.length + dataLength);
  out.writeBigUInt64LE(BigInt(h.length), 0);
  h.copy(out, 8);
  return out;
}
const T = (dtype: string, shape: number[], b: number, e: number) => JSON.stringify({ dtype, shape, data_offsets: [b, e] });

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof CheckpointError)) throw e;
    return e.reason;
  }
  return 'accepted';
}
const parse = (f: Uint8Array) => parseSafetensorsHeader(f, f.length);

describe('safetensors layer against the reference implementation', () => {
  it('writes the bytes the reference serializer writes (its test vectors)', () => {
    // tensor.rs test_serialization: one F32 tensor, a 64-byte header that needs no padding.
    const one = layoutSafetensors([{ name: 'attn.0', dtype: 'F32', shape: [1, 2, 3], byteLength: 24 }]);
    expect(Buffer.from(one.prefix).toString('latin1')).toBe(
      '@\0\0\0\0\0\0\0{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}',
    );
    // test_empty: no tensors, then with metadata; both padded with spaces.
    expect(Buffer.from(layoutSafetensors([]).prefix).toString('latin1')).toBe('\x08\0\0\0\0\0\0\0{}      ');
    expect(Buffer.from(layoutSafetensors([], { framework: 'pt' }).prefix).toString('latin1')).toBe(
      '(\0\0\0\0\0\0\0{"__metadata__":{"framework":"pt"}}     ',
    );
  });

  it.each([
    ['an unpadded header (the reference docs example)', st(`{"test":${T('I32', [2, 2], 0, 16)}}`, 16)],
    ['trailing JSON whitespace', st('{}\r \t\n')],
    ['leading JSON whitespace', st('\t\n{}\r ')],
    ['a zero-sized tensor', st(`{"test":${T('I32', [2, 0], 0, 0)}}`)],
    ['a scalar', st(`{"s":${T('F32', [], 0, 4)}}`, 4)],
    ['tensors listed out of offset order', st(`{"b":${T('U8', [2], 2, 4)},"a":${T('U8', [2], 0, 2)}}`, 4)],
    ['a tensor named __proto__', st(`{"__proto__":${T('U8', [1], 0, 1)}}`, 1)],
    ['non-ASCII names', st(`{"état/🙂":${T('U8', [1], 0, 1)}}`, 1)],
  ])('accepts %s', (_what, file) => {
    expect(reasonOf(() => parse(file))).toBe('accepted');
  });

  it.each([
    ['a file shorter than 8 bytes', new Uint8Array(7), 'truncated'],
    ['a header length past the end of the file', st('{}').subarray(0, 9), 'header-length'],
    ['a header length over 100 MB', (() => { const f = st('{}'); new DataView(f.buffer).setBigUint64(0, 100_000_008n, true); return f; })(), 'header-length'],
    ['invalid UTF-8', (() => { const f = st('{"a":1}'); f[10] = 0xff; return f; })(), 'header-encoding'],
    ['a byte-order mark', st('\ufeff{}'), 'header-json'],
    ['invalid JSON', st('{"a":}'), 'header-json'],
    ['a header that is not an object', st('[]  '), 'header-field'],
    ['a duplicate tensor', st(`{"a":${T('U8', [1], 0, 1)},"a":${T('U8', [1], 1, 2)}}`, 2), 'duplicate-key'],
    ['a duplicate metadata key', st('{"__metadata__":{"k":"1","k":"2"}}'), 'duplicate-key'],
    ['a non-string metadata value', st('{"__metadata__":{"k":1}}'), 'header-field'],
    ['an unknown dtype', st(`{"a":${T('F64', [1], 0, 8)}}`, 8), 'dtype'],
    ['an unknown field', st(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":0}}`, 1), 'header-field'],
    ['a fractional shape', st(`{"a":{"dtype":"U8","shape":[1.0],"data_offsets":[0,1]}}`, 1), 'header-field'],
    ['a negative offset', st(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[-1,-1]}}`), 'header-field'],
    ['begin after end', st(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[1,0]}}`, 1), 'header-field'],
    ['byte length not numel * size (reference test_invalid_info)', st(`{"test":${T('I32', [2, 2], 0, 4)}}`, 4), 'byte-length'],
    ['a shape whose size overflows', st(`{"a":${T('U8', [2 ** 30, 2 ** 30, 2 ** 30], 0, 0)}}`), 'byte-length'],
    ['overlapping tensors', st(`{"a":${T('U8', [2], 0, 2)},"b":${T('U8', [2], 1, 3)}}`, 3), 'offsets'],
    ['a hole between tensors', st(`{"a":${T('U8', [2], 0, 2)},"b":${T('U8', [2], 3, 5)}}`, 5), 'offsets'],
    ['bytes after the last tensor', st(`{"a":${T('U8', [2], 0, 2)}}`, 3), 'offsets'],
    ['a data section shorter than the header says', st(`{"a":${T('U8', [2], 0, 2)}}`, 1), 'truncated'],
    ['nesting 200 deep', st('['.repeat(200) + ']'.repeat(200)), 'header-json'],
  ])('rejects %s', (_what, file, reason) => {
    expect(reasonOf(() => parse(file))).toBe(reason);
  });
});

describe('corrupted checkpoints are rejected', () => {
  const file = encodeCheckpoint(sample());
  const dataStart = 8 + Number(Buffer.from(file).readBigUInt64LE(0));

  it('truncated at every length', () => {
    const accepted = [];
    for (let len = 0; len < file.length; len++) {
      if (reasonOf(() => decodeCheckpoint(file.subarray(0, len))) === 'accepted') accepted.push(len);
    }
    expect(accepted).toEqual([]);
  });

  it('with each byte of the header length flipped', () => {
    const reasons = [...Array(8).keys()].map((i) => reasonOf(() => decodeCheckpoint(file.map((b, j) => (j === i ? b ^ 0xff : b)))));
    // Bytes 1-7 move N by at least 256: past the end of this small file, or past the 100 MB limit.
    expect(reasons).toEqual(Array(8).fill('header-length'));
    // With more data after the header, flipping the low byte lands N inside the file: the JSON breaks.
    const big = encodeCheckpoint({ ...sample(), tensors: { w: { dtype: 'U8', shape: [4096], data: new Uint8Array(4096) } } });
    expect(reasonOf(() => decodeCheckpoint(big.map((b, j) => (j === 0 ? b ^ 0xff : b))))).toBe('header-json');
  });

  it('with any single bit flipped anywhere in the file', () => {
    const reasons = new Map<string, number>();
    for (let i = 0; i < file.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = file.slice();
        bad[i]! ^= 1 << bit;
        const r = reasonOf(() => decodeCheckpoint(bad));
        expect(r, `byte ${i} bit ${bit}`).not.toBe('accepted');
        reasons.set(r, (reasons.get(r) ?? 0) + 1);
      }
    }
    // Header flips surface as bad JSON or fields, or as a checksum mismatch when the JSON stays valid.
    expect([...reasons.keys()]).toEqual(expect.arrayContaining(['header-json', 'header-checksum', 'data-checksum']));
  });

  it('with a flipped data byte, naming the tensor', () => {
    const bad = file.slice();
    bad[file.length - 1]! ^= 0x10; // the last byte: the last U8 code
    const e = (() => { try { decodeCheckpoint(bad); } catch (e) { return e as CheckpointError; } })();
    expect(e?.reason).toBe('data-checksum');
    expect(e?.tensor).toBe('state/m/h.0.attn.c_attn.weight/codes');
  });

  it('with a header edited into other valid JSON (the step), by the header checksum', () => {
    const text = Buffer.from(file).toString('latin1').replace('"optc.step":"41"', '"optc.step":"42"');
    expect(reasonOf(() => decodeCheckpoint(Buffer.from(text, 'latin1')))).toBe('header-checksum');
  });

  it('from another layout version, or without optc metadata', () => {
    const v2 = Buffer.from(Buffer.from(file).toString('latin1').replace('"optc.file_version":"1"', '"optc.file_version":"2"'), 'latin1');
    expect(reasonOf(() => decodeCheckpoint(v2))).toBe('file-version');
    const foreign = st(`{"__metadata__":{"format":"pt"},"w":${T('F32', [1], 0, 4)}}`, 4);
    expect(reasonOf(() => decodeCheckpoint(foreign))).toBe('metadata');
  });

  it('on disk: truncated files and a wrong optimizer fail to load', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'optc-ckpt-bad-'));
    try {
      const path = join(dir, 'opt.safetensors');
      for (const len of [0, 5, 8, 100, dataStart - 1, dataStart, dataStart + 3, file.length - 1]) {
        writeFileSync(path, file);
        truncateSync(path, len);
        const r = await loadCheckpoint(path).then(() => 'accepted', (e: CheckpointError) => e.reason);
        expect(r, `truncated to ${len}`).toMatch(/^(truncated|header-length|header-json)$/);
      }
      writeFileSync(path, file);
      const e = await loadCheckpoint(path, { optimizer: 'adamw' }).catch((e: unknown) => e);
      expect(e).toBeInstanceOf(CheckpointError);
      expect((e as CheckpointError).reason).toBe('optimizer');
      expect(readFileSync(path).equals(Buffer.from(file))).toBe(true); // loading never writes
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
