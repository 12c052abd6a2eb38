// Matrix stages on Dawn (docs/matrix.md, "On the GPU"): the fused matrix-multiply kernels against the
// interpreter's product, the stage plan's shape (what is a product, a sweep, a reduction; what is fused),
// and whole optimizer steps of Muon, Shampoo and GaLore through compile() and createOptimizer (the matrix
// stages of the one schedule) against the interpreter.
// Kernels sum in f32 and the interpreter in float64 (src/ir/interp-matrix.ts), so agreement is within the
// f32 accumulation bound per product; whole steps are compared relative to the size of the update, with
// each bound's comment giving what was measured.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matmulKernel } from '../src/codegen-wgsl/matmul.js';
import { initStates, interpretTensors, type TensorIO } from '../src/ir/index.js';
import { matmulF32, transposeF32 } from '../src/ir/interp-matrix.js';
import { compile, compileIR } from '../src/compile.js';
import { CompileError } from '../src/diag.js';
import { createComputePipeline, readBuffer } from '../src/runtime/device.js';
import { getDevice, releaseGpu } from '../src/runtime/dawn.js';
import { createOptimizer } from '../src/runtime/optimizer.js';
import { MatrixOptimizer } from '../src/runtime/matrix-optimizer.js';
import { numel, randomTensor } from './helpers/data.js';
import { Rng } from './helpers/prng.js';

let device: GPUDevice;
beforeAll(async () => { device = await getDevice(); }); // a missing adapter fails here, saying how to get one
afterAll(() => { device?.destroy(); releaseGpu(); });

const read = (f: string) => readFileSync(`examples/${f}.opt`, 'utf8');
const u = 2 ** -24;

function upload(data: Float32Array): GPUBuffer {
  const buf = device.createBuffer({ size: Math.max(16, Math.ceil(data.byteLength / 16) * 16), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
  device.queue.writeBuffer(buf, 0, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
  return buf;
}

describe('fused matrix-multiply kernels on Dawn = the interpreter within the f32 bound', () => {
  // C = 0.5 op(A) op(B) - 2 D, op = transpose when stored transposed; D read by the epilogue.
  // Aligned (vec4 operands, transposed ones loaded as 4 × 4 blocks) and unaligned (scalar loads) shapes.
  const shapes: [number, number, number][] = [[24, 16, 12], [13, 7, 10]];
  it('A B, A Bᵀ, Aᵀ B, Aᵀ Bᵀ with the epilogue 0.5 acc - 2 d', async () => {
    for (const [transA, transB] of [[false, false], [false, true], [true, false], [true, true]] as const) {
      const rng = new Rng(17);
      for (const [m, k, n] of shapes) {
        const a = randomTensor(rng, m * k), b = randomTensor(rng, k * n), d = randomTensor(rng, m * n);
        const kernel = matmulKernel({
          m, k, n, transA, transB,
          epilogue: { decls: ['@group(0) @binding(3) var<storage, read> d: array<f32>;'], fn: 'fn epilogue(acc: f32, r: u32, c: u32) -> f32 { return 0.5 * acc - 2.0 * d[r * N + c]; }' },
        });
        const bufs = [upload(transA ? transposeF32(a, m, k) : a), upload(transB ? transposeF32(b, k, n) : b), upload(new Float32Array(m * n).fill(NaN)), upload(d)];
        const pipeline = await createComputePipeline(device, kernel.wgsl, 'main', 'fused matmul test');
        const enc = device.createCommandEncoder();
        const pass = enc.beginComputePass();
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: bufs.map((buffer, binding) => ({ binding, resource: { buffer } })) }));
        pass.dispatchWorkgroups(...kernel.grid);
        pass.end();
        device.queue.submit([enc.finish()]);
        const got = new Float32Array(await readBuffer(device, bufs[2]!, 4 * m * n));
        bufs.forEach((x) => x.destroy());
        const prod = matmulF32(a, b, m, k, n);
        const gamma = (k * u) / (1 - k * u);
        let worst = 0;
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let abs = 0;
            for (let q = 0; q < k; q++) abs += Math.abs(a[i * k + q]! * b[q * n + j]!);
            const want = Math.fround(Math.fround(0.5 * prod[i * n + j]!) - Math.fround(2 * d[i * n + j]!));
            // The product's bound, halved, plus three roundings of the epilogue.
            const bound = 0.5 * ((gamma + u) * abs + u * Math.abs(prod[i * n + j]!)) + 3 * u * (Math.abs(0.5 * prod[i * n + j]!) + Math.abs(2 * d[i * n + j]!)) + 1e-45;
            worst = Math.max(worst, Math.abs(got[i * n + j]! - want) / bound);
          }
        }
        expect(worst, `${transA ? 'Aᵀ' : 'A'} ${transB ? 'Bᵀ' : 'B'} ${m}x${k}x${n}`).toBeLessThanOrEqual(1);
      }
    }
  }, 300_000); // eight pipelines compiled by lavapipe on a shared machine
});

/** The matrix stages compile() schedules (src/passes/placeMatrixStages.ts). */
const planOf = (src: string, consts: Record<string, number>) => compile(src, { consts }).program.schedule!.matrix!;

describe('the stage plan', () => {
  it("Muon: three kernels per Newton-Schulz step, no transpose materialized, the buffer and p updated in place", () => {
    for (const ns of [1, 5]) {
      const plan = planOf(read('muon'), { ns_steps: ns });
      const v = plan.variants[1]!; // nesterov
      const kinds = v.stages.map((s) => s.kind);
      // lerp into the buffer, the Frobenius norm, X0 = orient(u) / norm, 3 per step, the update of p.
      expect(kinds).toEqual(['map', 'reduce', 'map', ...Array(3 * ns).fill('matmul'), 'map']);
      const mms = v.stages.filter((s) => s.kind === 'matmul');
      // X Xᵀ reads X twice, the second transposed in place; b A + c A A and a X + B X are fused epilogues,
      // except the last a X + B X, which p's update reads through orient (so it is inlined there instead).
      expect(mms.filter((s) => s.kind === 'matmul' && s.b.transpose).length).toBe(ns);
      expect(mms.filter((s) => s.kind === 'matmul' && s.root !== s.mm).length).toBe(2 * ns - 1);
      expect(v.stages[0]).toMatchObject({ kind: 'map', out: 'st:momentum_buffer' });
      expect(v.stages.at(-1)).toMatchObject({ kind: 'map', out: 'p' });
    }
  });

  it('Shampoo: between refreshes four products (L, R in place; p as an epilogue); a refresh runs the roots', () => {
    const plan = planOf(read('shampoo'), { root_iters: 3 });
    expect(plan.conds.length).toBe(1);
    const [stale, fresh] = plan.variants;
    expect(stale!.stages.map((s) => [s.kind, 'out' in s ? s.out : ''])).toEqual([
      ['matmul', 'st:L'], ['matmul', 'st:R'], ['matmul', expect.stringMatching(/^t\d+$/)], ['matmul', 'p']]);
    expect(fresh!.stages.length).toBeGreaterThan(stale!.stages.length + 2 * 3 * 4);
    expect(fresh!.stages.filter((s) => s.kind === 'reduce').length).toBe(2); // ‖A‖_F for each side
  });

  it('refuses what the GPU stages do not run, by name and reason (E0331); the interpreter runs it', () => {
    // A maximum per row (the stages have no row sweeps).
    const src = read('muon').replace('momentum_buffer = lerp(momentum_buffer, g, 1 - momentum);', 'momentum_buffer = lerp(momentum_buffer, g / (1 + row_max(abs(g))), 1 - momentum);');
    expect(() => compile(src)).toThrow(CompileError);
    expect(() => compile(src)).toThrow(/E0331.*a per-row or per-column value in a matrix program does not run on the GPU: the matrix stages have no row or column sweeps/);
    expect(() => compileIR(src)).not.toThrow();
  });
});

/** `steps` steps of an example through the matrix runner and through the interpreter, from the same start. */
async function gpuVsInterp(file: string, shapes: Record<string, number[]>, hypers: Record<string, number>, consts: Record<string, number>, steps: number,
  groups: { params: string[]; hypers: Record<string, number> }[] = []) {
  const source = file.includes('optimizer') ? file : read(file);
  const c = compileIR(source, { consts });
  const rng = new Rng(5);
  const params = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, { shape: s, data: randomTensor(rng, numel(s), { scale: 0.5 }) }]));
  const run = await createOptimizer(device, compile(source, { consts }).module, params, { hypers, groups });
  expect(run).toBeInstanceOf(MatrixOptimizer);
  const own = (name: string) => groups.find((g) => g.params.includes(name))?.hypers;
  let tensors: TensorIO[] = Object.entries(params).map(([name, p], index) => ({
    name, index, shape: p.shape, param: p.data, inputs: {}, states: initStates(c.program, p.data.length, { ...hypers, ...own(name) }, p.shape),
    ...(own(name) ? { hypers: own(name) } : {}),
  }));
  for (let t = 1; t <= steps; t++) {
    const g = Object.fromEntries(Object.entries(params).map(([k, p]) => [k, randomTensor(rng, p.data.length)]));
    await run.step(g);
    tensors = tensors.map((x) => ({ ...x, inputs: { g: g[x.name!]! } }));
    const out = interpretTensors(c.program, { t, hypers, tensors });
    tensors = tensors.map((x, i) => ({ ...x, param: out[i]!.param, states: out[i]!.states }));
  }
  const got = await run.read();
  const memory = run.memory();
  const state: Record<string, Record<string, { shape: number[]; data: Float32Array }>> = {};
  for (const [s, per] of Object.entries(got.state)) for (const [n, data] of Object.entries(per)) (state[s] ??= {})[n] = { shape: (run as MatrixOptimizer).stateShape(s, n), data };
  run.dispose();
  // Largest difference relative to the largest change the interpreter made to that tensor.
  return {
    memory, state,
    rel: Object.fromEntries(tensors.map((x) => {
      const a = got.params[x.name!]!, p0 = params[x.name!]!.data;
      let diff = 0, change = 0;
      for (let j = 0; j < a.length; j++) { diff = Math.max(diff, Math.abs(a[j]! - x.param[j]!)); change = Math.max(change, Math.abs(x.param[j]! - p0[j]!)); }
      return [x.name!, diff / change];
    })),
  };
}

/**
 * Every kind of value the plan handles, in one program: a transposed operand, trace and max reductions, pow,
 * the identity, counter-RNG matrices in an `every` block, a number stored into a matrix state, an
 * elementwise select, a transpose of an inlined expression (read at swapped coordinates), a rank-3 state.
 */
const SYNTH = `optimizer synth {
  hyper lr = 0.1;
  hyper refresh = 2;
  const rank = 3;
  state S: matrix(cols, cols) = 0.5;
  state Q: matrix(rows, rank) = 0;
  state c: matrix(rank, rank) = 0;
  state m = 0;
  update {
    let G = transpose(g) @ g;
    let tr = trace(G) + 1;
    let big = max(abs(G));
    S = S * 0.9 + pow(abs(G) / tr, 1.5) + identity(cols) * big;
    every refresh {
      Q = randn(t, rows, rank) * 0.1 + (g @ S) @ randu(t + 7, cols, rank);
    }
    let tc = trace(c);
    c = 3;
    m = g > 0 ? lerp(m, g, 0.1) : m * 0.5;
    let d = transpose(transpose(m) + transpose(g) * 0.25);
    p = p - lr * (d + Q @ (transpose(Q) @ g) / (norm(Q) + 1) + tc * 0.001) - lr * min(g);
  }
}`;

describe('whole steps on Dawn = the interpreter', () => {
  it('a program using every kind of matrix value, on a tall unaligned and a wide matrix', async () => {
    const r = await gpuVsInterp(SYNTH, { a: [6, 5], b: [4, 8] }, {}, {}, 3);
    // Measured ~1e-7 of the update.
    for (const [name, e] of Object.entries(r.rel)) expect(e, name).toBeLessThan(1e-5);
    expect(r.state.c!.a!.data.every((x) => x === 3)).toBe(true);
    expect(r.state.Q!.a!.shape).toEqual([6, 3]);
  });

  it('global reductions: clip by the global norm of g, and a global max of a product (a temporary kept across the fold)', async () => {
    const src = `optimizer clipped {
  hyper lr = 0.02;
  hyper max_norm = 1;
  state B = 0;
  update {
    let clip = min(1, max_norm / (global_norm(g) + 0.000001));
    B = lerp(B, g * clip, 0.1);
    let X = B @ transpose(B);
    let s = global_max(abs(X));
    p = p - lr * (X @ B) / (s + 1) - lr * global_sum(g) * 0.001;
  }
  fallback sgd {
    hyper lr = 0.1;
    update { p = p - lr * g; }
  }
}`;
    const c = compile(src);
    expect(c.module.matrix!.schedule.variants[0]!.folds.length).toBe(2);
    const r = await gpuVsInterp(src, { a: [6, 5], b: [4, 8], c: [12, 3], v: [7] }, { max_norm: 0.5 }, {}, 4);
    // f32 partials folded across tensors against float64 sums: measured ~1e-7 of the update.
    for (const [name, e] of Object.entries(r.rel)) expect(e, name).toBeLessThan(1e-5);
  });

  it('parameter groups: Muon with per-group lr and momentum (the vector\'s group sets adamw.lr)', async () => {
    const groups: { params: string[]; hypers: Record<string, number> }[] = [{ params: ['w2'], hypers: { lr: 0.05, momentum: 0.8 } }, { params: ['b'], hypers: { 'adamw.lr': 0.03 } }];
    const r = await gpuVsInterp('muon', { w1: [24, 16], w2: [10, 30], b: [16] }, { lr: 0.02, 'adamw.lr': 0.01 }, { ns_steps: 3 }, 4, groups);
    for (const [name, e] of Object.entries(r.rel)) expect(e, name).toBeLessThan(1e-4);
  });

  it('parameter groups that take different branches: Shampoo refreshing its roots every 2 and every 3 steps', async () => {
    const groups = [{ params: ['w2'], hypers: { update_freq: 2 } }];
    const r = await gpuVsInterp('shampoo', { w1: [12, 8], w2: [5, 9] }, { lr: 0.05, eps: 1e-3, update_freq: 3 }, { root_iters: 12 }, 5, groups);
    for (const [name, e] of Object.entries(r.rel)) expect(e, name).toBeLessThan(3e-3);
  });

  it('Muon: two matrices (one tall, one unaligned) and an AdamW vector, 6 steps', async () => {
    const r = await gpuVsInterp('muon', { w1: [24, 16], w2: [10, 30], b: [16] }, { lr: 0.02, 'adamw.lr': 0.01 }, {}, 6);
    // Measured ~2e-6 of the update (f32 products summed in another order, through 15 products a step).
    for (const [name, e] of Object.entries(r.rel)) expect(e, name).toBeLessThan(1e-4);
  });

  it('Shampoo: roots refreshed at steps 1 and 4', async () => {
    const r = await gpuVsInterp('shampoo', { w1: [12, 8], w2: [5, 9], b: [7] }, { lr: 0.05, eps: 1e-3, update_freq: 3, 'adagrad.lr': 0.05 }, { root_iters: 24 }, 6);
    // 24 coupled Newton steps of 4 products each amplify f32 reordering: measured ~6e-4 of the update.
    for (const [name, e] of Object.entries(r.rel)) expect(e, name).toBeLessThan(3e-3);
  });

  it('GaLore: projection refreshed at steps 1 and 4, memory from the rank', async () => {
    const rank = 4;
    const r = await gpuVsInterp('galore_adamw', { w1: [16, 10], w2: [8, 20], b: [6] }, { lr: 0.01, update_proj_gap: 3, weight_decay: 0.01, 'adamw.lr': 0.01 }, { rank }, 6);
    // The same counter-RNG sketch on both sides; measured ~1e-6 of the update.
    for (const [name, e] of Object.entries(r.rel)) expect(e, name).toBeLessThan(1e-4);
    expect(r.state.proj!.w1!.shape).toEqual([10, rank]);
    expect(r.state.exp_avg!.w2!.shape).toEqual([rank, 20]);
    // Device state bytes: r (short + 2 long) f32 per matrix, plus AdamW's two moments of the vector (which
    // the ordinary runtime keeps in padded arena chunks).
    const matrices = 4 * rank * (10 + 2 * 16) + 4 * rank * (8 + 2 * 20);
    expect(r.memory.stateBytes - matrices).toBeGreaterThanOrEqual(2 * 4 * 6);
    expect(r.memory.stateBytes - matrices).toBeLessThanOrEqual(2 * 4 * 64);
  });
});
