// The matrix parts of the IR (src/ir/matrix.ts, interp-matrix.ts): shapes through the Builder, the printer
// and `verify`; the interpreter's matrix ops and their accumulation contract; demand-driven evaluation;
// and the instruction passes (fold, CSE, simplify, DCE) on matrix programs, checked on random inputs.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileIR } from '../src/compile.js';
import {
  Builder, initStates, interpretTensors, matmulF32, printIR, resultType, verify, type Program,
} from '../src/ir/index.js';
import { liveInsts } from '../src/ir/interp-matrix.js';
import { evalStepScalars, resolveHypers } from '../src/ir/interp.js';
import { randValue, streamKey } from '../src/ir/rng.js';
import { runPipeline } from '../src/passes/index.js';
import { parseProgram } from '../src/parser/index.js';
import { randomTensor } from './helpers/data.js';
import { Rng } from './helpers/prng.js';

/** Shampoo's left statistics as a hand-built program: L = L + g gᵀ; p = p - lr L g. */
function shampooish(): Program {
  const b = new Builder('sq');
  const lr = b.hyper('lr', 0.1);
  const L = b.state('L', { shape: ['rows', 'rows'] });
  const g = b.grad();
  const L2 = b.add(L, b.matmul(g, b.transpose(g)));
  b.store('L', L2);
  b.store('p', b.sub(b.param(), b.mul(lr, b.matmul(L2, g))));
  return b.finish();
}

describe('matrix values in the IR', () => {
  it('the Builder types shapes; the printer shows them', () => {
    const p = shampooish();
    verify(p);
    expect(printIR(p)).toMatchInlineSnapshot(`
      "optimizer sq
        hyper lr = 0.1
        state L: f32 [mat rows, rows] = %1
        inputs g
        %0 = hyper lr                    : step
        %1 = const 0                     : step
        %2 = state L                     : mat[rows, rows]
        %3 = input g                     : elem
        %4 = transpose %3                : mat[cols, rows]
        %5 = matmul %3, %4               : mat[rows, rows]
        %6 = add %2, %5                  : mat[rows, rows]
        %7 = param p                     : elem
        %8 = matmul %6, %3               : elem
        %9 = mul %0, %8                  : elem
        %10 = sub %7, %9                 : elem
        store L <- %6
        store p <- %10
      "
    `);
  });

  it('resultType: products, transposes, orient, elementwise mixes', () => {
    const elem = { space: 'elem' as const }, rr = { space: 'mat' as const, shape: ['rows', 'rows'] as const };
    expect(resultType({ op: 'matmul' }, [rr, elem])).toEqual({ space: 'elem' });
    expect(resultType({ op: 'matmul' }, [elem, rr])).toMatchObject({ error: expect.stringContaining('inner sides cols and rows differ') });
    expect(resultType({ op: 'transpose' }, [elem])).toEqual({ space: 'mat', shape: ['cols', 'rows'] });
    expect(resultType({ op: 'orient' }, [elem])).toEqual({ space: 'mat', shape: ['short', 'long'] });
    expect(resultType({ op: 'orient' }, [{ space: 'mat', shape: ['short', 'long'] }])).toEqual({ space: 'elem' });
    expect(resultType({ op: 'orient' }, [rr])).toHaveProperty('error');
    expect(resultType({ op: 'add' }, [rr, { space: 'tensor' }])).toEqual({ space: 'mat', shape: ['rows', 'rows'] });
    expect(resultType({ op: 'add' }, [rr, elem])).toHaveProperty('error');
    expect(resultType({ op: 'add' }, [rr, { space: 'row' }])).toHaveProperty('error');
    expect(resultType({ op: 'matmul' }, [{ space: 'step' }, elem])).toHaveProperty('error');
  });

  it('verify rejects a wrong shape, a product of mismatched sides and a mat state without a shape', () => {
    const p = shampooish();
    const bad1 = structuredClone(p);
    const mm = bad1.insts.findIndex((i) => i.op === 'matmul');
    bad1.insts[mm]!.shape = ['cols', 'cols'];
    expect(() => verify(bad1)).toThrow(/shape is cols, cols|shape is cols × cols, its arguments make it rows × rows/);
    const bad2 = structuredClone(p);
    const last = bad2.insts.findIndex((i, k) => i.op === 'matmul' && k > mm);
    bad2.insts[last]!.args = [bad2.insts[last]!.args[1]!, bad2.insts[last]!.args[0]!];
    expect(() => verify(bad2)).toThrow(/inner sides/);
    const bad3 = structuredClone(p);
    delete bad3.states[0]!.shape;
    expect(() => verify(bad3)).toThrow(/a shape goes with space 'mat'/);
  });
});

describe('interpreter: matrix ops', () => {
  it('matmul sums in float64 in increasing k and rounds once (not an f32 running sum)', () => {
    const rng = new Rng(11);
    const [n, k, m] = [7, 300, 5];
    const a = randomTensor(rng, n * k), b = randomTensor(rng, k * m);
    const c = matmulF32(a, b, n, k, m);
    let differsFromF32 = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        let s64 = 0, s32 = 0;
        for (let q = 0; q < k; q++) { s64 += a[i * k + q]! * b[q * m + j]!; s32 = Math.fround(s32 + Math.fround(a[i * k + q]! * b[q * m + j]!)); }
        expect(c[i * m + j]).toBe(Math.fround(s64));
        if (Math.fround(s64) !== s32) differsFromF32++;
      }
    }
    expect(differsFromF32).toBeGreaterThan(0); // the contract is observable: an f32 loop would not pass
  });

  it('transpose, orient (transposed only when rows > cols), identity, trace, norm of a matrix', () => {
    const src = (body: string) => `optimizer t {\n  state s: tensor = 0;\n  update {\n    ${body}\n  }\n}\n`;
    const run = (body: string, shape: [number, number], g: number[]) => {
      const prog = parseProgram(src(body)).program!;
      const n = shape[0] * shape[1];
      return interpretTensors(prog, { t: 1, tensors: [{ shape, param: new Float32Array(n), inputs: { g: Float32Array.from(g) }, states: initStates(prog, n, {}, shape) }] })[0]!;
    };
    const g23 = [1, 2, 3, 4, 5, 6];
    // (g gᵀ) g for a 2 × 3 g: [[14, 32], [32, 77]] times g.
    expect(Array.from(run('p = (g @ transpose(g)) @ g;', [2, 3], g23).param)).toEqual([142, 188, 234, 340, 449, 558]);
    // orient of a 2 × 3 (wide) is itself; of a 3 × 2 (tall) its transpose: orient(g) @ transpose(orient(g)) is 2 × 2 both ways.
    expect(Array.from(run('s = trace(orient(g) @ transpose(orient(g)));\n    p = g;', [3, 2], g23).states.s!)).toEqual([91]);
    expect(Array.from(run('p = orient(orient(g));', [3, 2], g23).param)).toEqual(g23);
    expect(Array.from(run('s = sum(identity(short) * 5);\n    p = g;', [3, 2], g23).states.s!)).toEqual([10]);
    expect(Array.from(run('s = norm(transpose(g));\n    p = g;', [2, 3], g23).states.s!)).toEqual([Math.fround(Math.sqrt(91))]);
    expect(Array.from(run('s = mean(g @ transpose(g));\n    p = g;', [2, 3], g23).states.s!)).toEqual([(14 + 32 + 32 + 77) / 4]);
  });

  it('randn(stream, side, side) numbers a matrix row-major, per tensor, from the counter RNG', () => {
    const prog = parseProgram('optimizer r {\n  hyper seed = 5;\n  update {\n    p = randn(seed + t, rows, 3) @ randn(seed + t, 3, cols);\n  }\n}\n').program!;
    const [r] = interpretTensors(prog, { t: 2, tensors: [{ shape: [2, 2], param: new Float32Array(4), inputs: { g: new Float32Array(4) }, states: {}, index: 4 }] });
    const x = (i: number) => randValue('normal', streamKey(7), 4, i);
    // Entry (0, 0): sum over k of A[0][k] B[k][0], where A is 2 × 3 and B is 3 × 2.
    expect(r!.param[0]).toBe(Math.fround(x(0) * x(0) + x(1) * x(2) + x(2) * x(4)));
  });

  it('demand-driven: an `every k` block is computed only at the steps it runs', () => {
    const prog = compileIR(readFileSync('examples/shampoo.opt', 'utf8')).program;
    const roots = prog.insts.flatMap((i, id) => (i.op === 'matmul' ? [id] : []));
    const liveAt = (t: number) => {
      const step = evalStepScalars(prog, { ...resolveHypers(prog), update_freq: 3 }, t);
      return roots.filter((id) => liveInsts(prog, [step])[0]![id]).length;
    };
    // Steps 1 and 4 refresh the roots (2 x 24 coupled Newton iterations); steps 2 and 3 only accumulate and apply.
    expect(liveAt(1)).toBeGreaterThan(150);
    expect(liveAt(4)).toBe(liveAt(1));
    expect(liveAt(2)).toBe(4); // g gᵀ, gᵀ g, L_root g, (L_root g) R_root
    expect(liveAt(3)).toBe(4);
  });
});

describe('instruction passes on matrix programs', () => {
  const upToDCE = (p: Program) => runPipeline(p, { stopAfter: 'eliminateDeadCode', verify: true });

  it('CSE merges equal products and identities of one side, not of two', () => {
    const b = new Builder('cse');
    const g = b.grad();
    const a1 = b.matmul(g, b.transpose(g)), a2 = b.matmul(g, b.transpose(g));
    const i1 = b.eye('rows'), i2 = b.eye('cols');
    b.store('p', b.add(b.matmul(b.add(a1, i1), g), b.matmul(b.add(a2, i1), b.matmul(g, i2))));
    const input = b.finish();
    expect(input.insts.filter((i) => i.op === 'matmul')).toHaveLength(5);
    const out = upToDCE(input).program;
    expect(out.insts.filter((i) => i.op === 'matmul')).toHaveLength(4); // g gᵀ once
    expect(out.insts.filter((i) => i.op === 'eye').map((i) => i.shape)).toEqual([['rows', 'rows'], ['cols', 'cols']]);
  });

  it('DCE drops a dead product and a matrix state nothing writes or reads, keeps one the update writes; simplify rewrites inside matrices', () => {
    const p = parseProgram(`optimizer d {
      state R: matrix(cols, cols) = 0;
      state Z: matrix(rows, rows) = 0;
      update {
        let unused = g @ transpose(g);
        R = R + transpose(g) @ g;
        p = p - 0.1 * ((g @ transpose(g) * 1) @ g);
      }
    }`).program!;
    const r = upToDCE(p);
    // R is written (a statistic a user may read back), so it stays; Z is neither written nor read.
    expect(r.program.states.map((s) => s.name)).toEqual(['R']);
    expect(r.diagnostics.filter((d) => d.code === 'W0403').map((d) => d.message)).toEqual([expect.stringContaining("'Z'")]);
    expect(r.program.insts.some((i) => i.op === 'mul' && i.space === 'mat')).toBe(false); // x * 1 -> x
    expect(r.program.insts.filter((i) => i.op === 'matmul')).toHaveLength(3); // gᵀg for R, (g gᵀ) g for p
  });

  it('the passes keep every example\'s results bit for bit (random inputs, two steps)', () => {
    for (const [file, consts, hyper] of [['muon', {}, {}], ['shampoo', {}, { update_freq: 1 }], ['galore_adamw', { rank: 3 }, { update_proj_gap: 1 }]] as const) {
      const input = parseProgram(readFileSync(`examples/${file}.opt`, 'utf8'), file, { consts }).program!;
      const optimized = compileIR(input).program;
      expect(optimized.insts.length, file).toBeLessThanOrEqual(input.insts.length);
      const rng = new Rng(5);
      const shapes: number[][] = [[6, 4], [3, 7], [5]];
      const gs = [0, 1].map(() => shapes.map((s) => randomTensor(rng, s.reduce((a, x) => a * x, 1))));
      const run = (prog: Program) => {
        let tensors = shapes.map((shape, index) => {
          const n = shape.reduce((a, x) => a * x, 1);
          return { shape, index, param: randomTensor(new Rng(index), n), inputs: {}, states: initStates(prog, n, hyper, shape) };
        });
        for (const [k, g] of gs.entries()) {
          const out = interpretTensors(prog, { t: k + 1, hypers: hyper, tensors: tensors.map((t, i) => ({ ...t, inputs: { g: g[i]! } })) });
          tensors = tensors.map((t, i) => ({ ...t, param: out[i]!.param, states: out[i]!.states }));
        }
        return tensors.map((t) => Array.from(t.param));
      };
      expect(run(optimized), file).toEqual(run(input));
    }
  });
});
