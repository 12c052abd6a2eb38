// CPU definitions of the state formats: the table quantizer, block-wise and rank-1 storage, the narrow
// floating-point conversions, and the registry's sizes.
import { describe, expect, it } from 'vitest';
import { FORMATS, FORMAT_NAMES, formatsJson, wgslF32, type FormatName } from '../src/formats/index.js';
import {
  MIN_SCALE, encodeTable, getCode, quantizeBlockwise, tableQuantizer, wordCount, type TableQuantizer,
} from '../src/formats/blockwise.js';
import { Q4U_TABLE, Q4_TABLE, Q8U_TABLE, Q8_TABLE } from '../src/formats/tables.js';

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** Random f32 data over many magnitudes, signed or not, with zeros. */
function data(n: number, signed: boolean, seed = 1): Float32Array {
  const r = lcg(seed);
  return Float32Array.from({ length: n }, (_, i) =>
    i % 13 === 0 ? 0 : Math.fround((signed ? r() * 2 - 1 : r()) * 2 ** (r() * 40 - 30)));
}

const tableCases: [FormatName, TableQuantizer][] = [
  ['q8', tableQuantizer(Q8_TABLE, 8)], ['q8u', tableQuantizer(Q8U_TABLE, 8)],
  ['q4', tableQuantizer(Q4_TABLE, 4)], ['q4u', tableQuantizer(Q4U_TABLE, 4)],
];

/** Bound on |x - T[code] * s|: half the gap of the table interval around x / s, or the distance to an end. */
function errorBound(t: Float32Array, x: number, s: number): number {
  const y = x / s;
  if (y <= t[0]) return (t[0] - y) * s;
  if (y >= t[t.length - 1]) return (y - t[t.length - 1]) * s;
  let k = 0;
  while (t[k + 1] < y) k++;
  return ((t[k + 1] - t[k]) / 2) * s;
}

describe('table quantizer', () => {
  for (const [name, q] of tableCases) {
    const fmt = FORMATS[name];
    it(`${name}: round-trip error per element <= half the local code gap × scale; sign never flipped`, () => {
      const x = data(5000, fmt.signed, 3);
      const p = fmt.encode(x);
      const y = fmt.decode(p, x.length);
      const bs = fmt.blockSize!;
      const tooFar: number[] = [], flipped: number[] = [];
      for (let i = 0; i < x.length; i++) {
        const s = p.scales[Math.floor(i / bs)];
        // Products are rounded to f32, so allow a few ulps of the scale beyond the real-number bound.
        if (Math.abs(x[i] - y[i]) > errorBound(q.table, x[i], s) + 4 * 2 ** -23 * s) tooFar.push(i);
        if (Math.sign(y[i]) * Math.sign(x[i]) < 0 || (!fmt.signed && y[i] < 0)) flipped.push(i);
      }
      expect(tooFar).toEqual([]);
      expect(flipped).toEqual([]);
      expect(p.scales.every((s) => s > 0)).toBe(true);
    });

    it(`${name}: the binary search + neighbour choice is the nearest code (ties go to the lower code)`, () => {
      const r = lcg(9);
      const s = 0.625;
      for (let trial = 0; trial < 20000; trial++) {
        const x = Math.fround((fmt.signed ? r() * 2.2 - 1.1 : r() * 1.1) * s);
        const code = encodeTable(q, x, s);
        // Brute force in the same f32 products the quantizer uses.
        let best = 0;
        for (let k = 1; k < q.table.length; k++) {
          if (Math.abs(Math.fround(q.table[k] * s) - x) < Math.abs(Math.fround(q.table[best] * s) - x)) best = k;
        }
        const dBest = Math.abs(Math.fround(q.table[best] * s) - x);
        expect(Math.abs(Math.fround(q.table[code] * s) - x), `x=${x}`).toBeLessThanOrEqual(dBest + 2 ** -24 * s);
      }
      for (let k = 0; k < q.mids.length; k++) {
        const mid = Math.fround(q.mids[k] * s);
        expect(encodeTable(q, mid, s)).toBe(k); // exactly on the threshold: lower code
        expect(encodeTable(q, Math.fround(q.table[k] * s), s)).toBe(k); // table points are fixed points
      }
    });
  }

  it('a scale of 0 (tiny block) stores the code nearest 0 and decodes to 0', () => {
    for (const [, q] of tableCases) {
      expect(Math.abs(q.table[encodeTable(q, 1e-30, 0)] * 0)).toBe(0);
      expect(encodeTable(q, -1e-30, 0)).toBe(q.zero);
    }
    const p = FORMATS.q8.encode(Float32Array.of(1e-28, -5e-29, 0));
    expect(Array.from(p.scales)).toEqual([0]);
    expect(Array.from(FORMATS.q8.decode(p, 3))).toEqual([0, 0, 0]);
    expect(MIN_SCALE).toBeGreaterThan(1e-28);
  });

  it('the absmax element is exact; q8 maps -absmax to -0.99297 × absmax', () => {
    const x = Float32Array.of(0.5, -3, 2, 0.25);
    const p = FORMATS.q8.encode(x);
    expect(p.scales[0]).toBe(3);
    expect(FORMATS.q8.decode(p, 4)[1]).toBe(Math.fround(Q8_TABLE[0] * 3));
    const u = FORMATS.q8u.encode(Float32Array.of(0.5, 3, 2, 0));
    expect(Array.from(FORMATS.q8u.decode(u, 4)).slice(1, 2)).toEqual([3]);
  });
});

describe('block-wise storage', () => {
  it('handles a partial last block and a partial last word; padding bits are 0', () => {
    for (const name of ['q8', 'q4', 'fp8e4m3'] as const) {
      const fmt = FORMATS[name];
      const n = 3 * fmt.blockSize! + 5;
      const x = data(n, true, 5);
      const p = fmt.encode(x);
      expect(p.scales.length).toBe(4);
      expect(p.words.length).toBe(wordCount(n, fmt.bitsPerElement));
      const last = x.subarray(3 * fmt.blockSize!);
      expect(p.scales[3]).toBe(name === 'fp8e4m3' ? Math.fround(Math.max(...last.map(Math.abs)) / 448) : Math.max(...last.map(Math.abs)));
      const lanes = 32 / fmt.bitsPerElement;
      for (let i = n; i < p.words.length * lanes; i++) expect(getCode(p.words, i, fmt.bitsPerElement)).toBe(0);
      // The last block decodes like a block of its own.
      const alone = fmt.decode(fmt.encode(last), last.length);
      expect(Array.from(fmt.decode(p, n).subarray(3 * fmt.blockSize!))).toEqual(Array.from(alone));
    }
  });

  it('block size is configurable and must keep blocks word-aligned', () => {
    const x = data(1000, true, 7);
    for (const bs of [8, 64, 2048]) {
      const p = FORMATS.q4.encode(x, { blockSize: bs });
      expect(p.scales.length).toBe(Math.ceil(1000 / bs));
      expect(FORMATS.q4.decode(p, 1000, { blockSize: bs }).length).toBe(1000);
    }
    expect(() => FORMATS.q4.encode(x, { blockSize: 100 })).toThrow(/multiple of 8 for 4-bit codes/);
    expect(() => FORMATS.q8.encode(x, { blockSize: 0 })).toThrow(/positive multiple of 4/);
  });

  it('packs little-endian within a word', () => {
    const q = tableQuantizer(Q4U_TABLE, 4);
    const x = Float32Array.from({ length: 8 }, (_, i) => (i + 1) / 8); // codes 1, 3, 5, …, 15
    const p = quantizeBlockwise(x, q, 8);
    expect(p.words[0]).toBe(0xfdb97531);
  });
});

describe('rank-1 normalization (q4u)', () => {
  it('scales element (i, j) by min(row absmax, column absmax) and stays within half a code gap', () => {
    const rows = 12, cols = 20;
    const r = lcg(11);
    const x = Float32Array.from({ length: rows * cols }, (_, e) => Math.fround(r() * 2 ** ((e % cols) % 5 - (Math.floor(e / cols) % 3) * 3)));
    const opts = { rank1: { shape: [rows, cols] } };
    const p = FORMATS.q4u.encode(x, opts);
    expect(p.scales.length).toBe(rows + cols);
    const y = FORMATS.q4u.decode(p, x.length, opts);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
      const e = i * cols + j;
      const rowMax = Math.max(...x.subarray(i * cols, (i + 1) * cols));
      const colMax = Math.max(...Array.from({ length: rows }, (_, k) => x[k * cols + j]));
      expect(p.scales[i]).toBe(rowMax);
      expect(p.scales[rows + j]).toBe(colMax);
      const s = Math.min(rowMax, colMax);
      expect(Math.abs(x[e] - y[e])).toBeLessThanOrEqual(errorBound(Q4U_TABLE, x[e], s) + 4 * 2 ** -23 * s);
    }
    expect(FORMATS.q4u.bytes(rows * cols, opts)).toBe(4 * Math.ceil((rows * cols) / 8) + 4 * (rows + cols));
    expect(() => FORMATS.q8u.encode(x, opts)).toThrow(/only q4u/);
    expect(() => FORMATS.q4u.encode(x, { rank1: { shape: [5, 5] } })).toThrow(/does not match/);
  });
});

describe('registry', () => {
  it('lists every format with its storage size', () => {
    expect(Object.keys(FORMATS)).toEqual([...FORMAT_NAMES]);
    const big = 1 << 20;
    const bpe = (n: FormatName) => FORMATS[n].bytesPerElement(big);
    expect(bpe('f32')).toBe(4);
    expect(bpe('f16')).toBe(2);
    expect(bpe('bf16')).toBe(2);
    expect(bpe('q8')).toBe(1 + 4 / 256);
    expect(bpe('q8u')).toBe(1 + 4 / 256);
    expect(bpe('q4')).toBe(0.5 + 4 / 128);
    expect(bpe('q4u')).toBe(0.5 + 4 / 128);
    expect(bpe('fp8e4m3')).toBe(1 + 4 / 256);
    // AdamW state (m and v): 8-bit <= 2.1 bytes/param, 4-bit <= 1.1, FP8 <= 2.1.
    expect(bpe('q8') + bpe('q8u')).toBeLessThanOrEqual(2.1);
    expect(bpe('q4') + bpe('q4u')).toBeLessThanOrEqual(1.1);
    expect(bpe('fp8e4m3') + bpe('fp8e5m2')).toBeLessThanOrEqual(2.1);
    // Small and odd sizes are stored compressed too (whole words, whole scales).
    expect(FORMATS.q8.bytes(5)).toBe(8 + 4);
    expect(FORMATS.bf16.bytes(3)).toBe(8);
    expect(FORMATS.q4.bytes(0)).toBe(0);
  });

  it('formatsJson gives plain data with the code tables', () => {
    const j = formatsJson() as { name: string; table: number[] | null; bytesPerElement: number; blockSize: number | null }[];
    expect(j.map((f) => f.name)).toEqual([...FORMAT_NAMES]);
    const q8 = j.find((f) => f.name === 'q8')!;
    expect(q8.table!.length).toBe(256);
    expect(q8.blockSize).toBe(256);
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);
  });

  it('every format reproduces its own decoded values when they are encoded again', () => {
    for (const name of FORMAT_NAMES) {
      const fmt = FORMATS[name];
      const x = data(777, fmt.signed, 21);
      // Make each block's absmax element positive (see the next test for negative ones).
      const bs = fmt.blockSize ?? 1;
      for (let b = 0; b < x.length; b += bs) x[b] = Math.max(...x.subarray(b, b + bs).map(Math.abs));
      const once = fmt.decode(fmt.encode(x), x.length);
      const twice = fmt.decode(fmt.encode(once), x.length);
      expect(Array.from(twice), name).toEqual(Array.from(once));
    }
  });

  it('q8 and q4 have no -1: a block whose absmax element is negative shrinks on every re-encode', () => {
    // Faithful to bitsandbytes and the 4-bit paper; docs/formats.md discusses it.
    for (const [name, factor] of [['q8', Q8_TABLE[0]], ['q4', Q4_TABLE[0]]] as const) {
      const x = Float32Array.of(-2, 1, 0.5, 0.25);
      const once = FORMATS[name].decode(FORMATS[name].encode(x), 4);
      expect(once[0]).toBe(Math.fround(2 * factor));
      const twice = FORMATS[name].encode(once);
      expect(twice.scales[0]).toBe(Math.fround(-2 * factor));
    }
  });
});

describe('WGSL', () => {
  it('table formats can leave their tables to the kernel', () => {
    const w = FORMATS.q8.wgsl({ tables: 'external' });
    expect(w).not.toContain('const q8_TABLE');
    expect(w).toContain('q8_TABLE (array<f32, 256>) and q8_MIDS (array<f32, 255>) are declared by the including kernel');
    expect(FORMATS.q8.midpoints!.length).toBe(255);
  });

  it('q4: tables as exact hex floats, a branchless search (pivot compares, no table reads), the midpoint choice', () => {
    expect(FORMATS.q4.wgsl()).toMatchInlineSnapshot(`
      "// ---- q4: 4-bit table codes, 8 per u32 word, one f32 scale per block ----
      const q4_BITS = 4u;
      const q4_LANES = 8u;
      const q4_TABLE = array<f32, 16>(
        -0x1.c66666p-1f, -0x1.533334p-1f, -0x1.cp-2f, -0x1.b33332p-3f,
        -0x1.3d70a4p-4f, -0x1.0a3d72p-5f, -0x1.6872bp-8f, 0.0f,
        0x1.6872bp-8f, 0x1.0a3d72p-5f, 0x1.3d70a4p-4f, 0x1.b33332p-3f,
        0x1.cp-2f, 0x1.533334p-1f, 0x1.c66666p-1f, 0x1.0p0f,
      );
      // f32(f32(t[k] + t[k+1]) * 0.5): the decision threshold between codes k and k+1.
      const q4_MIDS = array<f32, 15>(
        -0x1.8cccccp-1f, -0x1.19999ap-1f, -0x1.4cccccp-2f, -0x1.28f5c2p-3f,
        -0x1.c28f5cp-5f, -0x1.374bc8p-6f, -0x1.6872bp-9f, 0x1.6872bp-9f,
        0x1.374bc8p-6f, 0x1.c28f5cp-5f, 0x1.28f5c2p-3f, 0x1.4cccccp-2f,
        0x1.19999ap-1f, 0x1.8cccccp-1f, 0x1.e33334p-1f,
      );

      fn q4_scale(absmax: f32) -> f32 {
        // Tiny blocks store 0 so that every product below stays a normal f32 (GPUs may flush subnormals).
        return select(absmax, 0.0, absmax < 0x1.0p-90f);
      }

      fn q4_encoder(absmax: f32) -> f32 { return q4_scale(absmax); }

      fn q4_encode(x: f32, enc: f32) -> u32 {
        // Largest lo with f32(TABLE[lo] * enc) <= x: no division, only correctly rounded products and compares.
        var lo = 0u;
        lo = select(0u, 1u, -0x1.533334p-1f * enc <= x) +
          select(0u, 1u, -0x1.cp-2f * enc <= x) +
          select(0u, 1u, -0x1.b33332p-3f * enc <= x) +
          select(0u, 1u, -0x1.3d70a4p-4f * enc <= x) +
          select(0u, 1u, -0x1.0a3d72p-5f * enc <= x) +
          select(0u, 1u, -0x1.6872bp-8f * enc <= x) +
          select(0u, 1u, 0.0f * enc <= x) +
          select(0u, 1u, 0x1.6872bp-8f * enc <= x) +
          select(0u, 1u, 0x1.0a3d72p-5f * enc <= x) +
          select(0u, 1u, 0x1.3d70a4p-4f * enc <= x) +
          select(0u, 1u, 0x1.b33332p-3f * enc <= x) +
          select(0u, 1u, 0x1.cp-2f * enc <= x) +
          select(0u, 1u, 0x1.533334p-1f * enc <= x) +
          select(0u, 1u, 0x1.c66666p-1f * enc <= x) +
          select(0u, 1u, 0x1.0p0f * enc <= x);
        // Nearest of TABLE[lo] and TABLE[lo + 1]; x exactly on the midpoint product keeps the lower code.
        let up = lo < 15u && x > q4_MIDS[min(lo, 14u)] * enc;
        return select(select(lo, lo + 1u, up), 7u, enc == 0.0);
      }

      fn q4_decode(word: u32, lane: u32, scale: f32) -> f32 {
        return q4_TABLE[(word >> (lane * q4_BITS)) & 0xfu] * scale;
      }

      fn q4_pack(word: u32, lane: u32, code: u32) -> u32 { return word | (code << (lane * q4_BITS)); }
      "
    `);
  });

  it('hex-float literals are exact', () => {
    const parse = (s: string) => {
      const m = /^(-?)0x([01])\.([0-9a-f]+)p(-?\d+)f$/.exec(s)!;
      return (m[1] ? -1 : 1) * (Number(m[2]) + parseInt(m[3], 16) / 16 ** m[3].length) * 2 ** Number(m[4]);
    };
    for (const v of [...Q8_TABLE, ...Q8U_TABLE, 448, 57344, MIN_SCALE, -1.5, 2 ** -149, 3.4028234663852886e38]) {
      if (v === 0) { expect(wgslF32(v)).toBe('0.0f'); continue; }
      expect(parse(wgslF32(v)), wgslF32(v)).toBe(v);
    }
    expect(() => wgslF32(Infinity)).toThrow(/no WGSL literal/);
  });
});
