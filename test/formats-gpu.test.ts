// The WGSL encoders and decoders of every state format against the CPU definitions, bit for bit, on Dawn.
// A tiny self-contained harness: one storage buffer per binding, one dispatch, read back the outputs.
// With no adapter these tests fail with a message saying how to get one; they never skip.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { create, globals } from 'webgpu';
import { FORMATS, wgslLibrary, type FormatName } from '../src/formats/index.js';
import { MIN_SCALE, tableQuantizer } from '../src/formats/blockwise.js';
import { DIV_RN_WGSL } from '../src/formats/wgsl.js';
import { E4M3, E5M2, bitsF32, decodeMini, encodeMini, f32Bits } from '../src/formats/minifloat.js';

// ---- harness ------------------------------------------------------------------------------------------------

let gpuRef: GPU | undefined;
let device: GPUDevice;

async function openDevice(): Promise<GPUDevice> {
  for (const [k, v] of Object.entries(globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  gpuRef = create([]);
  const adapter = await gpuRef.requestAdapter();
  if (!adapter) {
    throw new Error('No WebGPU adapter: the format tests run WGSL on Dawn, which needs a Vulkan driver. Without a GPU, '
      + 'install Mesa lavapipe (`bash scripts/setup.sh`: mesa-vulkan-drivers and libvulkan1 from bookworm-backports).');
  }
  return adapter.requestDevice({ requiredLimits: { maxStorageBuffersPerShaderStage: Math.min(8, adapter.limits.maxStorageBuffersPerShaderStage) } });
}

async function compile(code: string, label: string): Promise<GPUShaderModule> {
  if (openError) throw openError;
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ code, label });
  const info = await module.getCompilationInfo();
  const err = await device.popErrorScope();
  const lines = code.split('\n');
  const msgs = info.messages.filter((m) => m.type === 'error')
    .map((m) => `${label}:${m.lineNum}:${m.linePos}: ${m.message}\n  ${lines[m.lineNum - 1] ?? ''}`);
  if (msgs.length || err) throw new Error(`WGSL for ${label} does not compile:\n${msgs.join('\n') || err?.message}`);
  return module;
}

type Buf = { data: ArrayBufferView } | { out: number /* bytes */ };

/** Runs `entry` over `count` invocations (workgroups of 64); bindings are storage buffers in order. */
async function run(code: string, label: string, bufs: Buf[], count: number): Promise<Uint32Array[]> {
  return runModule(await compile(code, label), label, bufs, count);
}

async function runModule(module: GPUShaderModule, label: string, bufs: Buf[], count: number): Promise<Uint32Array[]> {
  device.pushErrorScope('validation');
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const buffers = bufs.map((b) => {
    const size = Math.max(16, Math.ceil(('data' in b ? b.data.byteLength : b.out) / 4) * 4);
    const buf = device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    if ('data' in b) device.queue.writeBuffer(buf, 0, b.data.buffer, b.data.byteOffset, b.data.byteLength);
    return buf;
  });
  const bind = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bind);
  pass.dispatchWorkgroups(Math.ceil(count / 64));
  pass.end();
  const outs = bufs.flatMap((b, i) => ('out' in b ? [{ src: buffers[i], bytes: b.out }] : []));
  const staging = outs.map((o) => {
    const s = device.createBuffer({ size: o.src.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    enc.copyBufferToBuffer(o.src, 0, s, 0, o.src.size);
    return s;
  });
  device.queue.submit([enc.finish()]);
  const err = await device.popErrorScope();
  if (err) throw new Error(`${label}: ${err.message}`);
  const result: Uint32Array[] = [];
  for (let i = 0; i < outs.length; i++) {
    await staging[i].mapAsync(GPUMapMode.READ);
    result.push(new Uint32Array(staging[i].getMappedRange().slice(0, outs[i].bytes)));
    staging[i].unmap();
    staging[i].destroy();
  }
  buffers.forEach((b) => b.destroy());
  return result;
}

const header = (count: number) => `@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let id = gid.x;
  if (id >= ${count}u) { return; }`;

// A missing adapter fails every test with the message (a throwing beforeAll would report them as skipped).
let openError: Error | undefined;
beforeAll(async () => { try { device = await openDevice(); } catch (e) { openError = e as Error; } });
afterAll(() => { device?.destroy(); gpuRef = undefined; });

// ---- inputs -------------------------------------------------------------------------------------------------

/** Deterministic test data: mixed magnitudes, exact table points and midpoints, zeros, tiny blocks. */
function testData(n: number, name: FormatName, blockSize: number, seed = 1): Float32Array {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const x = new Float32Array(n);
  const fmt = FORMATS[name];
  const signed = fmt.signed;
  for (let i = 0; i < n; i++) {
    const block = Math.floor(i / blockSize);
    const mag = 2 ** (rnd() * 30 - 20) * (block % 7 === 3 ? 1e-33 : 1); // block 3 of 7: below MIN_SCALE
    let v = Math.fround((signed ? rnd() * 2 - 1 : rnd()) * mag);
    if (i % 17 === 5) v = 0;
    if (i % 19 === 7 && signed) v = -0;
    if (i % 23 === 11) v = Math.fround(1.5e-40 * (signed && i % 2 ? -1 : 1)); // subnormal
    x[i] = v;
  }
  // Exact table points and midpoint products: put absmax = 1 into a block, then entries and midpoints.
  if (fmt.table && n >= 2 * blockSize) {
    const q = tableQuantizer(fmt.table, fmt.bitsPerElement as 4 | 8);
    const s0 = 0.75;
    x[blockSize] = s0;
    for (let k = 1; k < blockSize; k++) {
      const t = k % q.mids.length;
      x[blockSize + k] = Math.fround((k % 2 ? q.table[t] : q.mids[t]) * s0);
    }
  }
  return x;
}

// ---- tests --------------------------------------------------------------------------------------------------

const SCALED: FormatName[] = ['q8', 'q8u', 'q4', 'q4u', 'fp8e4m3', 'fp8e5m2'];

describe('WGSL formats = CPU formats, bit for bit (Dawn)', () => {
  for (const name of SCALED) {
    it(`${name}: block codes, scales and decoded values`, async () => {
      const fmt = FORMATS[name];
      const blockSize = fmt.blockSize!;
      const lanes = 32 / fmt.bitsPerElement;
      const n = blockSize * 9 + 37; // partial last block, partial last word
      const x = testData(n, name, blockSize);
      const cpu = fmt.encode(x);
      const blocks = Math.ceil(n / blockSize);
      const quant = `${wgslLibrary([name])}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> words: array<u32>;
@group(0) @binding(2) var<storage, read_write> scales: array<f32>;
${header(blocks)}
  let start = id * ${blockSize}u;
  let end = min(start + ${blockSize}u, ${n}u);
  var m = 0.0;
  for (var i = start; i < end; i++) { m = max(m, abs(x[i])); }
  scales[id] = ${name}_scale(m);
  let enc = ${name}_encoder(m);
  for (var w = start / ${lanes}u; w * ${lanes}u < end; w++) {
    var word = 0u;
    for (var l = 0u; l < ${lanes}u; l++) {
      let i = w * ${lanes}u + l;
      if (i < end) { word = ${name}_pack(word, l, ${name}_encode(x[i], enc)); }
    }
    words[w] = word;
  }
}`;
      const [words, scales] = await run(quant, `${name}-encode`, [{ data: x }, { out: cpu.words.byteLength }, { out: blocks * 4 }], blocks);
      expect(Array.from(scales)).toEqual(Array.from(new Uint32Array(cpu.scales.buffer)));
      expect(Array.from(words)).toEqual(Array.from(cpu.words));
      expect(cpu.scales.some((s) => s === 0)).toBe(true); // the tiny block was exercised

      const dequant = `${wgslLibrary([name])}
@group(0) @binding(0) var<storage, read> words: array<u32>;
@group(0) @binding(1) var<storage, read> scales: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${header(n)}
  y[id] = ${name}_decode(words[id / ${lanes}u], id % ${lanes}u, scales[id / ${blockSize}u]);
}`;
      const [y] = await run(dequant, `${name}-decode`, [{ data: cpu.words }, { data: cpu.scales }, { out: n * 4 }], n);
      expect(Array.from(y)).toEqual(Array.from(new Uint32Array(fmt.decode(cpu, n).buffer)));
    });
  }

  it('q8 in the fused-kernel shape: one workgroup per block, tables in workgroup memory, shared absmax', async () => {
    const n = 256 * 5 + 100;
    const x = testData(n, 'q8', 256, 4);
    const cpu = FORMATS.q8.encode(x);
    const tables = new Float32Array([...FORMATS.q8.table!, ...FORMATS.q8.midpoints!]);
    const code = `${wgslLibrary(['q8'], { tables: 'external' })}
var<workgroup> q8_TABLE: array<f32, 256>;
var<workgroup> q8_MIDS: array<f32, 255>;
var<workgroup> partial: array<f32, 64>;
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> tables: array<f32>;
@group(0) @binding(2) var<storage, read_write> words: array<u32>;
@group(0) @binding(3) var<storage, read_write> scales: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  for (var k = t; k < 511u; k += 64u) {
    if (k < 256u) { q8_TABLE[k] = tables[k]; } else { q8_MIDS[k - 256u] = tables[k]; }
  }
  var v: array<f32, 4>;
  var m = 0.0;
  for (var l = 0u; l < 4u; l++) {
    let i = wg.x * 256u + t * 4u + l;
    v[l] = select(0.0, x[min(i, ${n - 1}u)], i < ${n}u);
    m = max(m, abs(v[l]));
  }
  partial[t] = m;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (t < s) { partial[t] = max(partial[t], partial[t + s]); }
    workgroupBarrier();
  }
  let absmax = partial[0];
  let enc = q8_encoder(absmax);
  if (t == 0u) { scales[wg.x] = q8_scale(absmax); }
  var word = 0u;
  for (var l = 0u; l < 4u; l++) {
    if (wg.x * 256u + t * 4u + l < ${n}u) { word = q8_pack(word, l, q8_encode(v[l], enc)); }
  }
  if (wg.x * 64u + t < ${cpu.words.length}u) { words[wg.x * 64u + t] = word; }
}`;
    const module = await compile(code, 'q8-workgroup');
    const blocks = cpu.scales.length;
    const [words, scales] = await runModule(module, 'q8-workgroup',
      [{ data: x }, { data: tables }, { out: cpu.words.byteLength }, { out: blocks * 4 }], blocks * 64);
    expect(Array.from(scales)).toEqual(Array.from(new Uint32Array(cpu.scales.buffer)));
    expect(Array.from(words)).toEqual(Array.from(cpu.words));
  });

  it('q4u rank-1: row/column maxima, codes and decoded values', async () => {
    const rows = 37, cols = 53, n = rows * cols;
    const x = new Float32Array(n);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
      x[i * cols + j] = Math.fround(((i * 7 + j * 13) % 31) / 31 * 2 ** ((i % 5) - (j % 3) * 4) * (i === 4 ? 1e-30 : 1));
    }
    const opts = { rank1: { shape: [rows, cols] } };
    const cpu = FORMATS.q4u.encode(x, opts);
    const code = `${wgslLibrary(['q4u'])}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> words: array<u32>;
@group(0) @binding(2) var<storage, read_write> scales: array<f32>;
fn rank1_scale(i: u32, j: u32) -> f32 {
  var r = 0.0;
  for (var k = 0u; k < ${cols}u; k++) { r = max(r, abs(x[i * ${cols}u + k])); }
  var c = 0.0;
  for (var k = 0u; k < ${rows}u; k++) { c = max(c, abs(x[k * ${cols}u + j])); }
  return q4u_rank1_scale(q4u_scale(r), q4u_scale(c));
}
${header(Math.ceil(n / 8))}
  var word = 0u;
  for (var l = 0u; l < 8u; l++) {
    let e = id * 8u + l;
    if (e < ${n}u) {
      let s = rank1_scale(e / ${cols}u, e % ${cols}u);
      word = q4u_pack(word, l, q4u_encode(x[e], q4u_encoder(s)));
    }
  }
  words[id] = word;
  if (id < ${rows}u) { var r = 0.0; for (var k = 0u; k < ${cols}u; k++) { r = max(r, abs(x[id * ${cols}u + k])); } scales[id] = q4u_scale(r); }
  if (id < ${cols}u) { var c = 0.0; for (var k = 0u; k < ${rows}u; k++) { c = max(c, abs(x[k * ${cols}u + id])); } scales[${rows}u + id] = q4u_scale(c); }
}`;
    const [words, scales] = await run(code, 'q4u-rank1', [{ data: x }, { out: cpu.words.byteLength }, { out: (rows + cols) * 4 }], Math.max(Math.ceil(n / 8), rows, cols));
    expect(Array.from(scales)).toEqual(Array.from(new Uint32Array(cpu.scales.buffer)));
    expect(Array.from(words)).toEqual(Array.from(cpu.words));
  });

  for (const name of ['f16', 'bf16', 'f32'] as const) {
    it(`${name}: round to nearest even and stochastic rounding`, async () => {
      const fmt = FORMATS[name];
      const n = 4099;
      const x = new Float32Array(n);
      const rand = new Uint32Array(n);
      let s = 7;
      const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
      for (let i = 0; i < n; i++) {
        x[i] = bitsF32(next()); // every exponent, NaN and Inf included
        if (i % 3 === 0) x[i] = Math.fround((next() / 2 ** 32 - 0.5) * 2 ** ((i % 60) - 30));
        rand[i] = next();
      }
      x[0] = 65519.99; x[1] = 65520; x[2] = -3.4e38; x[3] = 5.9604645e-8; x[4] = 2.9802322e-8; x[5] = 1e-45;
      const lanes = 32 / fmt.bitsPerElement;
      const words = Math.ceil(n / lanes);
      const code = `${wgslLibrary([name])}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> rnd: array<u32>;
@group(0) @binding(2) var<storage, read_write> rne: array<u32>;
@group(0) @binding(3) var<storage, read_write> sr: array<u32>;
@group(0) @binding(4) var<storage, read_write> back: array<u32>;
${header(words)}
  var a = 0u;
  var b = 0u;
  for (var l = 0u; l < ${lanes}u; l++) {
    let i = id * ${lanes}u + l;
    if (i < ${n}u) {
      a = ${name}_pack(a, l, ${name}_encode(x[i]));
      b = ${name}_pack(b, l, ${name}_encode_sr(x[i], rnd[i]));
    }
  }
  rne[id] = a;
  sr[id] = b;
  for (var l = 0u; l < ${lanes}u; l++) {
    let i = id * ${lanes}u + l;
    if (i < ${n}u) { back[i] = bitcast<u32>(${name}_decode(a, l)); }
  }
}`;
      const [rne, sr, back] = await run(code, `${name}-round`, [{ data: x }, { data: rand }, { out: words * 4 }, { out: words * 4 }, { out: n * 4 }], words);
      const cpuRne = fmt.encode(x);
      const cpuSr = fmt.encode(x, { rand: (i) => rand[i] });
      expect(Array.from(rne)).toEqual(Array.from(cpuRne.words));
      expect(Array.from(sr)).toEqual(Array.from(cpuSr.words));
      // NaN payloads may be canonicalized by a driver: compare NaN-ness there, bits elsewhere.
      const dec = fmt.decode(cpuRne, n);
      for (let i = 0; i < n; i++) {
        if (Number.isNaN(dec[i])) expect(Number.isNaN(bitsF32(back[i]))).toBe(true);
        else expect(back[i]).toBe(f32Bits(dec[i]));
      }
    });
  }

  it('FP8 plain conversions over every code and random f32, and the correctly rounded divide', async () => {
    const n = 8192;
    const x = new Float32Array(n);
    let s = 3;
    const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
    for (let i = 0; i < n; i++) x[i] = i < 256 ? decodeMini(E4M3, i) : Math.fround((next() / 2 ** 32 - 0.5) * 2 ** ((i % 50) - 25));
    const a = new Float32Array(n), b = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      a[i] = Math.fround((1 + next() / 2 ** 32) * 2 ** ((next() % 180) - 90));
      b[i] = i % 2 ? 448 : Math.fround((1 + next() / 2 ** 32) * 2 ** ((next() % 30) - 15));
    }
    const code = `${DIV_RN_WGSL}
${FORMATS.fp8e4m3.wgsl()}
${FORMATS.fp8e5m2.wgsl()}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<u32>;
${header(n)}
  out[id * 5u] = fp8e4m3_from_f32(x[id]);
  out[id * 5u + 1u] = fp8e5m2_from_f32(x[id]);
  out[id * 5u + 2u] = bitcast<u32>(fp8e4m3_to_f32(id & 0xffu));
  out[id * 5u + 3u] = bitcast<u32>(fp8e5m2_to_f32(id & 0xffu));
  out[id * 5u + 4u] = bitcast<u32>(optc_div_rn(a[id], b[id]));
}`;
    const [out] = await run(code, 'fp8-plain', [{ data: x }, { data: a }, { data: b }, { out: n * 20 }], n);
    for (let i = 0; i < n; i++) {
      expect(out[i * 5], `e4m3(${x[i]})`).toBe(encodeMini(E4M3, x[i]));
      expect(out[i * 5 + 1], `e5m2(${x[i]})`).toBe(encodeMini(E5M2, x[i]));
      for (const [k, spec] of [[2, E4M3], [3, E5M2]] as const) {
        const v = decodeMini(spec, i & 0xff);
        if (Number.isNaN(v)) expect(Number.isNaN(bitsF32(out[i * 5 + k]))).toBe(true);
        else expect(out[i * 5 + k]).toBe(f32Bits(v));
      }
      expect(out[i * 5 + 4], `${a[i]} / ${b[i]}`).toBe(f32Bits(Math.fround(a[i] / b[i])));
    }
    expect(MIN_SCALE).toBe(2 ** -90);
  });
});
