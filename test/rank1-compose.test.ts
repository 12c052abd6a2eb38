// Rank-1 q4u (`q4u(rank1 = 1)`) composed with what E0315 used to refuse (issue 14): Dawn = interpreter,
// bit for bit, on parameters, codes, scales and small states after several steps, for several tensors
// packed into shared chunks (a matrix, a vector, a rank-3 and a rank-5 tensor, one element, an odd length):
//   (a) width 1: a phased program compiled without vectorization, and one whose vec4 variant the runtime
//       is told not to use;
//   (b) row and column values (which run at width 1): the rank-1 state decoded by row and column sweeps;
//   (c) without fusion (`fuse: false`): the maxima sweep before the kernel that stores the state;
//   (d) named entry points (`update NAME { }`) that read or write a rank-1 state.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, type CompileOptions } from '../src/index.js';
import { createOptimizer, getDevice, releaseGpu, type OptimizerOptions } from '../src/runtime/index.js';
import { deviceOrder, expectDeviceEquals, TensorsRun, widthOf } from './helpers/backend-phased.js';
import { multiData } from './helpers/multi.js';

const STEPS = 5;
// wide: more axes than the cursor holds (rank1.ts: the dividing path).
const SHAPES: Record<string, number[]> = { w: [33, 70], b: [70], e: [3, 4, 5], s: [1], big: [3001], wide: [2, 3, 1, 2, 5] };
const source = (name: string) => readFileSync(new URL(`../examples/${name}.opt`, import.meta.url), 'utf8');

const lamb4 = source('lamb8bit').replace('optimizer lamb8bit', 'optimizer lamb4bit_rank1')
  .replace('state m: q8 = 0;', 'state m: q4 = 0;').replace('state v: q8u = 0;', 'state v: q4u(rank1 = 1) = 0;');

// Adafactor's factored moment beside an elementwise rank-1 one, read back by row and column sums.
const rowcol = `optimizer rowcol_rank1 {
  hyper lr = 0.01;
  state m: q8 = 0;
  state v: q4u(rank1 = 1) = 0;
  state r: row = 0;
  state c: col = 0;
  update {
    m = 0.9 * m + 0.1 * g;
    v = 0.95 * v + 0.05 * g * g;
    r = 0.9 * r + 0.1 * row_mean(v);
    c = 0.9 * c + 0.1 * col_mean(v + g * g);
    p = p - lr * m * rsqrt(v + r * c / (mean(r) + 1e-12) + 1e-8);
  }
}`;

let device: GPUDevice;
beforeAll(async () => { device = await getDevice(); });
afterAll(() => { device?.destroy(); releaseGpu(); });

/**
 * Steps `src` on Dawn and in the interpreter; entry points named in `entries` run after every step. With
 * `caller`, each parameter lives in a caller's buffer of exactly its size (not a multiple of 16 bytes: its
 * chunk runs at width 1).
 */
async function compare(label: string, src: string, codegen: CompileOptions, options: OptimizerOptions = {}, entries: string[] = [],
  { shapes = SHAPES, caller = false } = {}) {
  const c = compile(src, { file: `${label}.opt`, ...codegen });
  const data = multiData(`rank1-compose|${label}`, shapes, { steps: STEPS });
  const width = caller ? 1 : widthOf(c.module, options.vectorize !== false);
  const run = new TensorsRun(entries.length ? c.input : c.program, data.shapes, data.p0, c.module.phased ? deviceOrder(c.module, width) : undefined);
  const buffers = caller ? data.p0.map((x) => {
    const b = device.createBuffer({ size: x.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(b, 0, Float32Array.from(x));
    return b;
  }) : [];
  const opt = await createOptimizer(device, c.module, Object.fromEntries(data.names.map((n, k) => [n, { shape: data.shapes[k]!, ...(caller ? { buffer: buffers[k]! } : { data: data.p0[k]! }) }])), options);
  try {
    for (let k = 0; k < STEPS; k++) {
      await opt.step(Object.fromEntries(data.names.map((n, j) => [n, data.grads[k]![j]!])));
      await expectDeviceEquals(`t=${k + 1}`, c.program, opt, data.names, run.step(k + 1, data.grads[k]!));
      for (const entry of entries) {
        await opt.run(entry);
        await expectDeviceEquals(`${entry} after t=${k + 1}`, c.program, opt, data.names, run.step(k + 2, data.grads[k]!, entry));
      }
    }
  } finally {
    opt.dispose();
    for (const b of buffers) b.destroy();
  }
  return c;
}

describe('(a) rank-1 state at width 1', () => {
  it('LAMB, compiled without vectorization', async () => {
    const c = await compare('lamb-scalar', lamb4, { vectorize: false });
    expect(Object.keys(c.module.variants)).toEqual(['1']);
  });
  it('LAMB, the vec4 variant turned off at run time', async () => {
    const c = await compare('lamb-scalar-rt', lamb4, {}, { vectorize: false });
    expect(Object.keys(c.module.variants)).toEqual(['1', '4']);
  });
  it('LAMB, parameters in callers\' buffers that are not whole vec4s', async () => {
    await compare('lamb-caller', lamb4, {}, {}, [], { shapes: { w: [33, 70], b: [70], odd: [3001] }, caller: true });
  });
});

describe('(b) rank-1 state with row and column values', () => {
  it('row and column means of a rank-1 state (Adafactor-like)', async () => {
    const c = await compare('rowcol', rowcol, {});
    expect(c.module.phased!.rowsCols).toBe(true);
  });
  it('split over 32 KiB bindings', async () => {
    await compare('rowcol-split', rowcol, {}, { maxBindingBytes: 32768 });
  });
});

describe('(c) rank-1 state without fusion', () => {
  it('adamw4bit_rank1 with fuse: false (one kernel per instruction, a maxima sweep before the one storing v)', async () => {
    const c = await compare('unfused', source('adamw4bit_rank1'), { fuse: false });
    const names = c.module.variants[4]!.map((k) => k.name);
    expect(names.filter((n) => n.startsWith('rank1max_'))).toHaveLength(1);
    expect(names.length).toBeGreaterThan(5);
  });
});

describe('(d) named entry points that read or write a rank-1 state', () => {
  const src = `optimizer entries_rank1 {
  hyper lr = 0.01;
  state m: q4 = 0;
  state v: q4u(rank1 = 1) = 0;
  update {
    m = 0.9 * m + 0.1 * g;
    v = 0.99 * v + 0.01 * g * g;
    p = p - lr * m / (sqrt(v) + 1e-8);
  }
  update shrink { v = 0.5 * v + 0.0001; p = 0.999 * p; }
  update jitter { p = p + 0.001 * rademacher(t + 3) * sqrt(v); }
  update rescale { v = v / (max(v) + 1e-12); }
}`;
  it('an elementwise entry writing it, a random one reading it, one with a reduction writing it', async () => {
    const c = await compare('entries', src, {}, {}, ['shrink', 'jitter', 'rescale']);
    expect(c.module.entries!.jitter!.phased).toBeDefined();
    expect(c.module.entries!.shrink!.variants[4]!.map((k) => k.name)).toEqual(['rank1max', 'fused', 'rank1_v']);
  });
});
