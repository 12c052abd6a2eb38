// Programs the kernel fuzzer (src/fuzz/kernels.ts) found the WGSL back end getting wrong, reduced by hand,
// each run on Dawn and on the interpreter on a case with a [65, 64] matrix and a [61] vector. Replay the
// originals with `kernelSource(seed, i)` / `fuzzKernel(device, seed, i)`.
import { describe, expect, it } from 'vitest';
import { runCaseInterp, runCaseWebGPU, validateCase } from '../src/cli/case.js';
import { compile, compileIR } from '../src/compile.js';
import { caseFor } from './helpers/robust-cases.js';

async function bothBackends(src: string) {
  const c = compile(src);
  const kase = validateCase(caseFor(c.program, 3), c.program);
  return { gpu: await runCaseWebGPU(c.module, kase), cpu: runCaseInterp(compileIR(src).program, kase) };
}

type Result = Awaited<ReturnType<typeof bothBackends>>['gpu'];
const valuesOf = (r: Result) => ({ params: r.params, state: r.state });

/** Dawn = interpreter bit for bit on parameters and states; a failure names each tensor off and its first entry's bits. */
async function agreeBitForBit(src: string) {
  const { gpu, cpu } = await bothBackends(src);
  expect(bitDiffs(gpu, cpu)).toEqual([]);
  expect(valuesOf(gpu)).toEqual(valuesOf(cpu));
}

describe('a line reduction whose argument folds to a narrower value (phased back end)', () => {
  // The tensor stage stored `res[rowBase + r]` / `res[colBase + c]` outside any row or column loop: a WGSL
  // compile error ("internal compiler error"; seed 2000 #267 #534, seed 3000 #667 #1020 #1563) or, for a
  // value p reads, a WGSL parse error at run time (seed 3000 #468). Now each row (column) folds the value
  // along its line: a sum of a value constant along the line is `n * x`, rounded once like the
  // interpreter's, so these agree bit for bit.
  it.each([
    ['a hyper, read by p (seed 3000 #468)', 'optimizer a { hyper lr = 0.01; hyper h = 0.9; update { p = p - lr * row_mean(select(2 > 3, g, h)); } }'],
    ['a column state along columns, into a column state (seed 2000 #534)',
      'optimizer b { hyper lr = 0.01; hyper h = 0.5; state s: col = 1; state q: col = 0; update { s = 0.9 * s + 0.1 * col_max(g); q = 0.9 * q + 0.1 * col_mean(select(1 < 0, g, -s)); p = p - lr * (g + q); } }'],
    ['t under `every` (seed 3000 #667)', 'optimizer c { hyper lr = 0.01; state s: col = 0; update { every 2 { s = 0.9 * s + 0.1 * col_mean(square(g > 0 ? t : t)); } p = p - lr * s * g; } }'],
    ['a global norm of a step value (seed 3000 #1563)', 'optimizer d { hyper lr = 0.01; state s: col = 0; update { s = 0.9 * s + 0.1 * col_mean(global_norm(1 > 2 ? g : t + 1) * select(1 < 0, g, 0.01)); p = p - lr * s; } }'],
    ['a tensor and a global max, by max and min', 'optimizer e { hyper lr = 0.01; state a: row = 0; state b: col = 0; update { a = row_max(select(1 < 0, g, absmax(g)));  b = col_min(select(1 < 0, g, global_max(p))); p = p - lr * (a + b) * g; } }'],
  ])('%s', async (_what, src) => agreeBitForBit(src), 60_000);

  it('a column value summed along rows is folded column by column', async () => {
    const src = 'optimizer f { hyper lr = 0.01; state s: col = 0; state r: row = 0; update { s = col_mean(g); r = row_sum(select(1 < 0, g, s)); p = p - lr * (r + g); } }';
    const { gpu, cpu } = await bothBackends(src);
    for (const t of ['W', 'b']) {
      const a = gpu.state.r![t]!.data, e = cpu.state.r![t]!.data;
      expect(e.some((x) => x !== 0)).toBe(true);
      // f32 accumulation in order against the interpreter's float64: a few ulps of the terms' magnitude.
      expect(Math.max(...a.map((x, i) => Math.abs(x - e[i]!) / (1 + Math.abs(e[i]!)))), t).toBeLessThan(1e-5);
    }
  }, 60_000);
});

describe('constants the GPU compiler could reassociate', () => {
  // Mesa rewrote `0.9 + (p - g)` as `(0.9 + p) - g` (and `0.9 * (p * g)` as `(0.9 * p) * g`) because 0.9 was
  // a literal: one ulp off the interpreter in an exact program (seed 3000 #1186). Constants that kernels add,
  // subtract or multiply are read from the uniform buffer now (src/codegen-wgsl/host.ts), so the driver
  // keeps the program's order and these agree bit for bit.
  it.each([
    ['0.9 + (p - g)', 'optimizer ra { hyper lr = 0.01; update { p = p - lr * min(0.9 + (p - g), 1); } }'],
    ['0.9 * (p * g), (p + 0.5) + 0.25', 'optimizer rb { hyper lr = 0.01; state m = 0; update { m = 0.9 * (p * g); p = (p + 0.5) + 0.25 - lr * (m + g); } }'],
  ])('%s', async (_what, src) => agreeBitForBit(src), 60_000);
});

describe('identities the GPU compiler applies over the reals', () => {
  // Mesa rewrites `(t + p) - p` as `t` (seed 4000 #5995); the interpreter rounds `t + p` first. The
  // operands share p, so the kernel reads `t + p` through a select on a run-time zero (values.ts
  // `hidesOperand`) and the rounding stays: bit for bit, no EXACT_SLACK needed.
  it('(t + p) - p agrees bit for bit', async () => agreeBitForBit('optimizer id { hyper lr = 0.01; update { p = p - lr * ((t + p) - p); } }'), 60_000);
});

describe('a compressed state read from its initial codes', () => {
  // q8's signed map has no -1: a block of -1 is stored as its most negative code, -0.99297 × scale 1.
  // Encoding the decoded block again takes 0.99297 as its scale and shrinks every value: the CLI's and the
  // fuzzer's interpreter runs started from the decoded initial values and read a second rounding at step 1,
  // one code off Dawn, which reads the codes it uploaded (seed 4000 #1540, seed 4001 #5372). They start from
  // initialState's codes now.
  it.each([
    ['a q8 state no step writes (seed 4001 #5372)', 'optimizer qa { hyper lr = 0.01; state s: q8(block = 64) = -1; state r: row = 0; update { if (t > 3) { s = g; } r = row_max(g); p = p - lr * (s + r); } }'],
    ['a q8 state written from itself (seed 4000 #1540)', 'optimizer qb { hyper lr = 0.01; state s: q8 = -1; update { s = 0.002 - s; p = p - lr * s * g; } }'],
  ])('%s', async (_what, src) => {
    const { gpu, cpu } = await bothBackends(src);
    expect(cpu.state.s!.W!.data[0]).not.toBe(-1);
    expect(valuesOf(gpu)).toEqual(valuesOf(cpu));
  }, 60_000);
});

describe('a state read by one store and overwritten by another', () => {
  // `let old = s0; s0 = ...; s1 = old;`: the fused kernel loaded a compressed s0 where the store of s1 first
  // asked for it, after s0's own store, so s1 got the new s0 (seed 4002 #8849, an f16 state). Every stored
  // value is named before the first store now.
  it.each(['f16', 'bf16', 'q8', 'f32'])('%s', async (format) => {
    const src = `optimizer sw { hyper lr = 0.01; state s0: ${format} = 2; state s1 = -1; update { let old = s0; s0 = 1 - g; s1 = old; p = p - lr * g; } }`;
    const { gpu, cpu } = await bothBackends(src);
    expect(cpu.state.s1!.W!.data[0]).not.toBe(cpu.state.s0!.W!.data[0]);
    expect(valuesOf(gpu)).toEqual(valuesOf(cpu));
  }, 60_000);

  it('in a phased program', async () => {
    await agreeBitForBit('optimizer sp { hyper lr = 0.01; state s0: f16 = 2; state s1 = -1; state r: row = 0; update { let old = s0; s0 = 1 - g; s1 = old; r = row_max(g); p = p - lr * g * r; } }');
  }, 60_000);
});

describe('operands the GPU compiler could cancel or factor', () => {
  // Mesa's inexact algebra (SPIR-V without NoContraction) rewrote `(x + p) - x` as `p` and `g * a + g * b` as
  // `g * (a + b)`: off the interpreter in programs that promise bit-for-bit results (compressed-fuzz #37 and
  // phased-fuzz #138, one ulp in a block scale). The first operand of such an add or sub is read through a
  // select on a run-time zero now (src/codegen-wgsl/values.ts `hidesOperand`), fused and phased alike.
  it.each([
    ['(x + p) - x, fused', 'optimizer ca { update { let x = 1000 * g; p = (x + p) - x; } }'],
    ['g * p + g * 3, fused', 'optimizer cb { hyper lr = 0.01; update { p = p - lr * (g * p + g * 3); } }'],
    ['(x + p) - x beside a reduction, phased', 'optimizer cc { hyper lr = 0.01; update { let x = 1000 * g; p = (x + p) - x - lr * mean(g); } }'],
    // A shared step value is a shared uniform field (fused, phased and matrix kernels alike).
    ['(h + p) - h, a hyper, fused', 'optimizer ch { hyper h = 1000.5; update { p = (h + p) - h; } }'],
    ['h * g + h * p, a hyper, fused', 'optimizer cf { hyper h = 0.3; update { p = p - (h * g + h * p); } }'],
    ['(h + p) - h beside a reduction, phased', 'optimizer cp { hyper h = 1000.5; state s: col = 0; update { s = col_max(g); p = (h + p) - h; } }'],
    // A hidden step value in a vec4 kernel is a scalar: its zero too (seed 4003 #315, #338: the select
    // mixed f32 and vec4<f32> and did not compile).
    ['t - (x - t), a step value hidden at vec4, fused', 'optimizer cw { hyper lr = 0.01; update { let x = 3 * g; p = p - lr * (t - (x - t)); } }'],
    ['t - (x - t) beside a reduction, phased', 'optimizer cx { hyper lr = 0.01; update { let x = 3 * g; p = p - lr * (t - (x - t)) - lr * mean(g); } }'],
  ])('%s', async (_what, src) => agreeBitForBit(src), 60_000);

  // Matrix stage kernels (src/codegen-wgsl/matrix-kernels.ts) emit their own expressions: a map over the
  // parameter's entries, a matmul epilogue (`acc` the product's entry) and a map over a matrix state.
  // Products with the identity are exact, so every value here agrees bit for bit.
  const sgd = 'fallback sgd { hyper lr = 0.1; update { p = p - lr * g; } }';
  it.each([
    ['(x + p) - x in a matrix map', `optimizer cm { state m = 0; update { let x = 1000 * g; m = (x + p) - x; p = p - 0.01 * (m @ identity(cols)); } ${sgd} }`],
    ['(X + p) - X in a matmul epilogue', `optimizer ce { update { let X = (1000 * g) @ identity(cols); p = (X + p) - X; } ${sgd} }`],
    ['(y + p) - x, y = x in the variant run (a select on a hyper)', `optimizer cv { hyper on = 1; state m = 0; update { let x = 1000 * g; let y = on != 0 ? x : g; m = (y + p) - x; p = p - 0.01 * (m @ identity(cols)); } ${sgd} }`],
    ['(h + p) - h, a hyper, in a matrix map', `optimizer cq { hyper h = 1000.5; state m = 0; update { m = (h + p) - h; p = p - 0.01 * (m @ identity(cols)); } ${sgd} }`],
    ['Fᵀ - Eᵀ, F = E + pᵀ: shared through transposes', `optimizer ct { state m = 0; update { let E = 1000 * transpose(g); let F = E + transpose(p); m = transpose(F) - transpose(E); p = p - 0.01 * (m @ identity(cols)); } ${sgd} }`],
    ['(E + pᵀ) - E into a matrix state', `optimizer cs { state S: matrix(cols, rows) = 0; update { let E = 1000 * transpose(g); S = (E + transpose(p)) - E; p = p - 0.01 * transpose(S); } ${sgd} }`],
  ])('%s', async (_what, src) => agreeBitForBit(src), 60_000);
});

/** Per tensor that differs: how many entries differ and the first, with its bits on Dawn and in the interpreter. */
function bitDiffs(gpu: Result, cpu: Result): string[] {
  const bits = (x: number) => `${x} (0x${new Uint32Array(Float32Array.of(x).buffer)[0]!.toString(16)})`;
  const tensors = [...Object.entries(cpu.params).map(([n, t]) => [`p ${n}`, t, gpu.params[n]!] as const),
    ...Object.entries(cpu.state).flatMap(([s, per]) => Object.entries(per).map(([n, t]) => [`${s} ${n}`, t, gpu.state[s]![n]!] as const))];
  return tensors.flatMap(([what, e, a]) => {
    const off = [...e.data.keys()].filter((i) => !Object.is(a.data[i], e.data[i]));
    return off.length ? [`${what}: ${off.length} of ${e.data.length} differ; [${off[0]}] Dawn ${bits(a.data[off[0]!]!)}, interpreter ${bits(e.data[off[0]!]!)}`] : [];
  });
}
