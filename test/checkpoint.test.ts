import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Checkpoint, CheckpointError, type WriteOps, crc32, crc32Portable, decodeCheckpoint, encodeCheckpoint,
  loadCheckpoint, nodeWriteOps, saveCheckpoint,
} from '../src/checkpoint/index.js';

/** A checkpoint shaped like AdamW's plus an 8-bit state, with values chosen to catch any conversion. */
function sampleCheckpoint(): Checkpoint {
  const m = new Float32Array([0, -0, 1.5, -2.25, 1e-45 /* denormal */, 3.4028234663852886e38, Infinity, -Infinity]);
  const nanBits = new Uint32Array([0x7fc00001, 0xffc12345]); // NaNs with payloads must survive bit-for-bit
  const v = new Float32Array(10);
  v.set(m);
  v.set(new Float32Array(nanBits.buffer), 8);
  return {
    optimizer: 'adamw',
    programHash: '9f3a0c1d2e4b5a67',
    formatVersion: 1,
    step: 41,
    hypers: { lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8, weight_decay: 0.01, clip: Infinity, neg: -0 },
    tensors: {
      'state/m/wte': { dtype: 'F32', shape: [2, 4], data: m },
      'state/v/wte': { dtype: 'F32', shape: [10], data: v },
      'state/q/wte/codes': { dtype: 'U8', shape: [3, 3], data: new Uint8Array([0, 1, 127, 128, 254, 255, 7, 8, 9]) },
      'state/q/wte/scales': { dtype: 'F32', shape: [3], data: new Float32Array([0.5, 1 / 3, 7]) },
      'state/p/ln.codes': { dtype: 'U32', shape: [4], data: new Uint32Array([0, 1, 0x80000000, 0xffffffff]) },
      'state/i/x': { dtype: 'I32', shape: [2], data: new Int32Array([-2147483648, 2147483647]) },
      'state/h/x': { dtype: 'F16', shape: [2], data: new Uint16Array([0x3c00, 0xfc00]) },
      'state/b/x': { dtype: 'BF16', shape: [1, 1], data: new Uint16Array([0x7f81]) },
      'state/scalar': { dtype: 'F32', shape: [], data: new Float32Array([42]) },
      'state/empty': { dtype: 'F32', shape: [0, 5], data: new Float32Array(0) },
    },
  };
}

const bytes = (v: ArrayBufferView) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);

function expectSameCheckpoint(got: Checkpoint, want: Checkpoint) {
  expect(got.optimizer).toBe(want.optimizer);
  expect(got.programHash).toBe(want.programHash);
  expect(got.formatVersion).toBe(want.formatVersion);
  expect(got.step).toBe(want.step);
  expect(Object.keys(got.hypers).sort()).toEqual(Object.keys(want.hypers).sort());
  for (const [k, v] of Object.entries(want.hypers)) expect(Object.is(got.hypers[k], v), k).toBe(true);
  expect(Object.keys(got.tensors).sort()).toEqual(Object.keys(want.tensors).sort());
  for (const [name, t] of Object.entries(want.tensors)) {
    const g = got.tensors[name]!;
    expect(g.dtype, name).toBe(t.dtype);
    expect(g.shape, name).toEqual(t.shape);
    expect(g.data.constructor, name).toBe(t.data.constructor);
    expect(Buffer.from(bytes(g.data)).equals(Buffer.from(bytes(t.data))), `${name} bytes`).toBe(true);
  }
}

/** Runs `fn` and returns the CheckpointError it throws. */
async function rejection(fn: () => unknown): Promise<CheckpointError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    return e as CheckpointError;
  }
  throw new Error('expected a CheckpointError, nothing was thrown');
}

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'optc-ckpt-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('checkpoint round trip', () => {
  it('decode(encode(x)) is bit-exact for every dtype, NaN payloads, -0, denormals, scalars and empty tensors', () => {
    const c = sampleCheckpoint();
    const got = decodeCheckpoint(encodeCheckpoint(c), { optimizer: 'adamw', programHash: c.programHash, formatVersion: 1 });
    expectSameCheckpoint(got, c);
  });

  it('save then load gives the same checkpoint, and the file holds exactly the encoded bytes', async () => {
    const c = sampleCheckpoint();
    const file = join(dir, 'opt.safetensors');
    await saveCheckpoint(file, c);
    expect(Buffer.from(readFileSync(file)).equals(Buffer.from(encodeCheckpoint(c)))).toBe(true);
    expectSameCheckpoint(await loadCheckpoint(file, { optimizer: 'adamw' }), c);
    expect(readdirSync(dir)).toEqual(['opt.safetensors']); // no temp file left behind
  });

  it('decodes from a Node Buffer (readFileSync returns views into a shared pool)', async () => {
    const c = sampleCheckpoint();
    const file = join(dir, 'opt.safetensors');
    await saveCheckpoint(file, c);
    const buf = readFileSync(file);
    const pooled = Buffer.concat([Buffer.from('junk'), buf]).subarray(4); // a view that does not start at 0
    expectSameCheckpoint(decodeCheckpoint(buf), c);
    expectSameCheckpoint(decodeCheckpoint(pooled), c);
  });

  it('encoding is deterministic and independent of the order tensors and hypers are listed in', () => {
    const c = sampleCheckpoint();
    const reversed: Checkpoint = {
      ...c,
      hypers: Object.fromEntries(Object.entries(c.hypers).reverse()),
      tensors: Object.fromEntries(Object.entries(c.tensors).reverse()),
    };
    expect(Buffer.from(encodeCheckpoint(reversed)).equals(Buffer.from(encodeCheckpoint(c)))).toBe(true);
  });

  it('loaded tensors own aligned buffers, even when decoding from an unaligned view', () => {
    const enc = encodeCheckpoint(sampleCheckpoint());
    const shifted = new Uint8Array(enc.length + 1).subarray(1);
    shifted.set(enc);
    const got = decodeCheckpoint(shifted);
    const buffers = new Set(Object.values(got.tensors).map((t) => t.data.buffer));
    expect(buffers.size).toBe(Object.keys(got.tensors).length);
    expect(got.tensors['state/m/wte']!.data.byteOffset).toBe(0);
  });

  it('accepts views into larger buffers and DataViews as input', () => {
    const big = new Float32Array([9, 1, 2, 3, 9]);
    const c: Checkpoint = {
      optimizer: 'sgd', programHash: '', formatVersion: 0, step: 0, hypers: {},
      tensors: {
        a: { dtype: 'F32', shape: [3], data: big.subarray(1, 4) },
        b: { dtype: 'U8', shape: [2], data: new DataView(new Uint8Array([5, 6, 7]).buffer, 1, 2) },
      },
    };
    const got = decodeCheckpoint(encodeCheckpoint(c));
    expect([...got.tensors.a!.data]).toEqual([1, 2, 3]);
    expect([...got.tensors.b!.data]).toEqual([6, 7]);
  });

  it('round-trips a 40M-element tensor (over 128 MiB) through a file', async () => {
    const n = 40_000_000;
    const data = new Float32Array(n);
    for (let i = 0; i < n; i += 4099) data[i] = i;
    data[n - 1] = -1;
    const file = join(dir, 'big.safetensors');
    await saveCheckpoint(file, { optimizer: 'adamw', programHash: 'h', formatVersion: 1, step: 1, hypers: {}, tensors: { 'state/m/wte': { dtype: 'F32', shape: [n], data } } });
    const got = await loadCheckpoint(file, { tensors: { 'state/m/wte': { dtype: 'F32', shape: [n] } } });
    expect(Buffer.from(bytes(got.tensors['state/m/wte']!.data)).equals(Buffer.from(bytes(data)))).toBe(true);
  });
});

describe('crc32', () => {
  it('matches the standard check value and the portable implementation', () => {
    const check = new TextEncoder().encode('123456789');
    expect(crc32(check)).toBe(0xcbf43926);
    expect(crc32Portable(check)).toBe(0xcbf43926);
    const random = new Uint8Array(100_003).map((_, i) => (i * 2654435761) >>> 24);
    expect(crc32Portable(random)).toBe(crc32(random));
    expect(crc32Portable(random.subarray(500), crc32Portable(random.subarray(0, 500)))).toBe(crc32(random));
  });
});

describe('expectations on load', () => {
  const enc = encodeCheckpoint(sampleCheckpoint());
  const names = Object.keys(sampleCheckpoint().tensors);

  it.each([
    [{ optimizer: 'lion' }, 'optimizer', { field: 'optc.optimizer' }],
    [{ programHash: '0000' }, 'program-hash', { field: 'optc.program_hash' }],
    [{ formatVersion: 2 }, 'format-version', { field: 'optc.format_version' }],
    [{ hypers: ['lr', 'b1'] }, 'hypers', {}],
    [{ tensors: [...names, 'state/m/lm_head'] }, 'missing-tensor', { tensor: 'state/m/lm_head' }],
    [{ tensors: names.slice(1) }, 'unexpected-tensor', { tensor: names[0] }],
    [{ tensors: { 'state/m/wte': { dtype: 'F16', shape: [2, 4] } }, allowExtraTensors: true }, 'dtype', { tensor: 'state/m/wte' }],
    [{ tensors: { 'state/m/wte': { dtype: 'F32', shape: [4, 2] } }, allowExtraTensors: true }, 'shape', { tensor: 'state/m/wte' }],
  ] as const)('%o is rejected with %s', async (expectation, reason, where) => {
    const e = await rejection(() => decodeCheckpoint(enc, expectation as never));
    expect(e.reason).toBe(reason);
    expect(e).toMatchObject(where);
  });

  it('accepts matching expectations, names only or with dtypes and shapes', () => {
    const c = sampleCheckpoint();
    const specs = Object.fromEntries(Object.entries(c.tensors).map(([n, t]) => [n, { dtype: t.dtype, shape: t.shape }]));
    expect(() => decodeCheckpoint(enc, { optimizer: 'adamw', programHash: c.programHash, formatVersion: 1, hypers: Object.keys(c.hypers), tensors: specs })).not.toThrow();
    expect(() => decodeCheckpoint(enc, { tensors: ['state/m/wte'], allowExtraTensors: true })).not.toThrow();
  });

  it('says what it found and how to fix it', async () => {
    expect((await rejection(() => decodeCheckpoint(enc, { optimizer: 'lion' }))).message).toMatchInlineSnapshot(
      `"checkpoint was saved by optimizer 'adamw', expected 'lion'; load it into an optimizer compiled from the same program, or start from a fresh state"`,
    );
  });
});

describe('bad input to save', () => {
  const withTensor = (t: object): Checkpoint => ({ ...sampleCheckpoint(), tensors: { 'state/m/w': t as never } });
  it.each([
    ['data shorter than the shape', withTensor({ dtype: 'F32', shape: [3], data: new Float32Array(2) }), 'byte-length'],
    ['unknown dtype', withTensor({ dtype: 'F64', shape: [1], data: new Float64Array(1) }), 'dtype'],
    ['fractional shape', withTensor({ dtype: 'U8', shape: [1.5], data: new Uint8Array(1) }), 'shape'],
    ['reserved name', { ...sampleCheckpoint(), tensors: { __metadata__: { dtype: 'U8', shape: [0], data: new Uint8Array(0) } } }, 'invalid-input'],
    ['lone surrogate in a name', { ...sampleCheckpoint(), tensors: { 'a\ud800': { dtype: 'U8', shape: [0], data: new Uint8Array(0) } } }, 'invalid-input'],
    ['negative step', { ...sampleCheckpoint(), step: -1 }, 'invalid-input'],
    ['empty optimizer name', { ...sampleCheckpoint(), optimizer: '' }, 'invalid-input'],
  ] as const)('%s: %s, and nothing is written', async (_what, c, reason) => {
    const file = join(dir, 'x.safetensors');
    expect((await rejection(() => saveCheckpoint(file, c as Checkpoint))).reason).toBe(reason);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('names the tensor at fault', async () => {
    const e = await rejection(() => encodeCheckpoint(withTensor({ dtype: 'F32', shape: [3], data: new Float32Array(2) })));
    expect(e.tensor).toBe('state/m/w');
    expect(e.message).toMatchInlineSnapshot(`"cannot save tensor 'state/m/w': F32[3] needs 12 bytes, data has 8"`);
  });
});

describe('atomic writes', () => {
  /** nodeWriteOps with one operation failing: the Nth write, or sync, close, rename or create. */
  function failing(at: 'create' | 'sync' | 'close' | 'rename' | { write: number }): WriteOps {
    const boom = () => Object.assign(new Error(`injected failure at ${JSON.stringify(at)}`), { code: 'EIO' });
    let writes = 0;
    return {
      ...nodeWriteOps,
      async create(p) {
        if (at === 'create') throw boom();
        const f = await nodeWriteOps.create(p);
        return {
          async write(b) {
            if (typeof at === 'object' && writes++ === at.write) {
              await f.write(b.subarray(0, b.length >> 1)); // a torn write: half the bytes land, then failure
              throw boom();
            }
            await f.write(b);
          },
          async sync() { if (at === 'sync') throw boom(); await f.sync(); },
          async close() { await f.close(); if (at === 'close') throw boom(); },
        };
      },
      async rename(a, b) { if (at === 'rename') throw boom(); await nodeWriteOps.rename(a, b); },
    };
  }

  it.each(['create', 'sync', 'close', 'rename', { write: 0 }, { write: 1 }, { write: 5 }] as const)(
    'a failure at %o leaves the previous checkpoint intact and no temp file',
    async (at) => {
      const file = join(dir, 'opt.safetensors');
      const old = { ...sampleCheckpoint(), step: 7 };
      await saveCheckpoint(file, old);
      const before = readFileSync(file);
      const next = { ...sampleCheckpoint(), step: 8 };
      const e = await rejection(() => saveCheckpoint(file, next, { ops: failing(at) }));
      expect(e.reason).toBe('io');
      expect((e.cause as { code?: string }).code).toBe('EIO');
      expect(readFileSync(file).equals(before)).toBe(true);
      expect(readdirSync(dir)).toEqual(['opt.safetensors']);
      expect((await loadCheckpoint(file)).step).toBe(7);
      // And the next, healthy save replaces it.
      await saveCheckpoint(file, next);
      expect((await loadCheckpoint(file)).step).toBe(8);
    },
  );

  it('a real rename failure (the target is a non-empty directory) removes the temp file', async () => {
    const target = join(dir, 'taken');
    mkdirSync(target);
    writeFileSync(join(target, 'keep'), 'x');
    const e = await rejection(() => saveCheckpoint(target, sampleCheckpoint()));
    expect(e.reason).toBe('io');
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(readdirSync(target)).toEqual(['keep']);
  });

  it('a missing directory is an io error that names the file', async () => {
    const file = join(dir, 'no/such/dir/opt.safetensors');
    const e = await rejection(() => saveCheckpoint(file, sampleCheckpoint()));
    expect(e.reason).toBe('io');
    expect(e.message).toContain(file);
    expect((await rejection(() => loadCheckpoint(file))).reason).toBe('io');
  });
});
