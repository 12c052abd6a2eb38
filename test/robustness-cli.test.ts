// Issue 16's reports about `optc run`: every example runs on both backends with a case mixing a matrix and
// a vector, a bad case is one line naming the culprit (never a stack trace), and Dawn's native start-up
// warning never reaches the user.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { compile, compileIR } from '../src/compile.js';
import { CaseError, runCaseInterp, runCaseWebGPU, validateCase } from '../src/cli/case.js';
import { caseFor } from './helpers/robust-cases.js';

const exec = promisify(execFile);
const examples = readdirSync('examples').filter((f) => f.endsWith('.opt')).sort();
const dir = mkdtempSync(join(tmpdir(), 'optc-robust-'));

async function optcBin(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  try {
    const r = await exec(process.execPath, ['bin/optc.js', ...args], { maxBuffer: 64 << 20 });
    return { out: r.stdout, err: r.stderr, code: 0 };
  } catch (e) {
    const x = e as { stdout: string; stderr: string; code: number };
    return { out: x.stdout, err: x.stderr, code: x.code };
  }
}

const ODD_SHAPES: Record<string, number[]> = { one: [1], T: [2, 3, 5], col: [7, 1], Z: [0, 4] };
const finite = (r: { params: Record<string, { data: number[] }> }) => Object.values(r.params).every((t) => t.data.every(Number.isFinite));

describe('every example on a case with a [65, 64] matrix and a [61] vector', () => {
  it.each(examples)('%s on the interpreter', (f) => {
    const { program } = compileIR(readFileSync(`examples/${f}`, 'utf8'));
    const r = runCaseInterp(program, validateCase(caseFor(program, 3), program));
    expect(r.params.W!.shape).toEqual([65, 64]);
    expect(r.params.b!.data).toHaveLength(61);
    expect(finite(r)).toBe(true);
  });

  // Matrix programs too: compile() schedules their matrix stages, as `optc run` does. Each example also
  // runs on odd shapes: one element, a 3-D tensor, a column, and an empty matrix (the matrix stages once
  // threw a RangeError from the matmul kernel's generator on [0, 4]).
  it('runs every example on Dawn', async () => {
    for (const f of examples) {
      const source = readFileSync(`examples/${f}`, 'utf8');
      const front = compileIR(source).program;
      const c = compile(source);
      const kase = validateCase(caseFor(front, 2), front);
      const r = await runCaseWebGPU(c.module, kase, c.program);
      expect(finite(r), f).toBe(true);
      expect(Object.keys(r.params), f).toEqual(['W', 'b']);
      const odd = validateCase(caseFor(front, 1, 2, ODD_SHAPES), front);
      const o = await runCaseWebGPU(c.module, odd, c.program);
      expect(finite(o), f).toBe(true);
      expect(Object.fromEntries(Object.entries(o.params).map(([n, t]) => [n, t.shape])), f).toEqual(ODD_SHAPES);
    }
  }, 300_000);

  it.each(examples)('%s on the interpreter, odd shapes', (f) => {
    const { program } = compileIR(readFileSync(`examples/${f}`, 'utf8'));
    const r = runCaseInterp(program, validateCase(caseFor(program, 1, 2, ODD_SHAPES), program));
    expect(finite(r)).toBe(true);
    expect(r.params.Z!.data).toEqual([]);
  });
});

describe('a state the update writes but p never reads (W0403)', () => {
  const src = `optimizer ema_sgd {
  hyper lr = 0.1;
  /// the weights averaged over steps, for evaluation
  state ema = 0;
  state unused = 0;
  update {
    ema = 0.9 * ema + 0.1 * p;
    p = p - lr * g;
  }
}`;
  it('is kept and stepped on both backends, equal bit for bit; only the state nothing writes or reads is warned about', async () => {
    const c = compile(src);
    expect(c.module.states.map((s) => s.name)).toEqual(['ema']);
    const warnings = c.diagnostics.map((d) => `${d.code} ${d.message}`);
    expect(warnings).toContain("W0403 state 'unused' is never written or read; it was removed");
    expect(warnings.filter((w) => w.includes("'ema'"))).toEqual([]);
    const kase = validateCase(caseFor(c.program, 3), c.program);
    const gpu = await runCaseWebGPU(c.module, kase);
    const cpu = runCaseInterp(compileIR(src).program, kase);
    expect(gpu.state.ema!.W!.data).toEqual(cpu.state.ema!.W!.data);
    expect(gpu.state.ema!.b!.data).toEqual(cpu.state.ema!.b!.data);
    expect(cpu.state.ema!.b!.data.some((x) => x !== 0)).toBe(true);
  }, 60_000);
});

describe('found by the kernel fuzzer', () => {
  it('row and column sums of p read p as it was before the step (phased back end)', async () => {
    const src = 'optimizer war { hyper lr = 0.01; state r: row = 1; state c: col = 0; update { r = 0.9 * r + 0.1 * row_mean(p); c = col_sum(p * g); p = p - lr * g; } }';
    const c = compile(src);
    const kase = validateCase(caseFor(c.program, 2), c.program);
    const gpu = await runCaseWebGPU(c.module, kase);
    const cpu = runCaseInterp(compileIR(src).program, kase);
    // Sums in another order: within a few f32 ulps of the sum (reading the new p was off by lr * rows).
    for (const s of ['r', 'c']) for (const t of ['W', 'b']) {
      const a = gpu.state[s]![t]!.data, e = cpu.state[s]![t]!.data;
      expect(Math.max(...a.map((x, i) => Math.abs(x - e[i]!) / (1 + Math.abs(e[i]!)))), `${s} of ${t}`).toBeLessThan(1e-5);
    }
  }, 60_000);
});

describe('interpreter bugs found by the kernel fuzzer', () => {
  it('broadcasts a tensor state read inside a per-element value (it read index i of a one-value array: NaN)', () => {
    const src = 'optimizer tb { hyper lr = 0.1; state a: tensor = 0; state b: tensor = 1; update { a = mean(b + p); p = p - lr * g; } }';
    const program = compileIR(src).program;
    const kase = validateCase({ params: { W: { shape: [2, 3], data: [1, 2, 3, 4, 5, 6] } }, grads: [{ W: [0, 0, 0, 0, 0, 0] }] }, program);
    expect(runCaseInterp(program, kase).state.a!.W!.data).toEqual([4.5]);
  });

  it('optc run --backend interp carries step states from step to step (they restarted from their init)', async () => {
    const src = 'optimizer st { hyper lr = 0.01; state w: step = 1; state m = 0; update { m = m + w; w = w + 1; p = p - lr * g; } }';
    const program = compileIR(src).program;
    const kase = validateCase(caseFor(program, 3), program);
    const cpu = runCaseInterp(program, kase);
    expect(cpu.state.m!.b!.data[0]).toBe(1 + 2 + 3);
    const gpu = await runCaseWebGPU(compile(src).module, kase);
    expect(gpu.state.m!.b!.data).toEqual(cpu.state.m!.b!.data);
  }, 60_000);
});

describe('bad cases are one-line errors', () => {
  const mezo = compileIR(readFileSync('examples/mezo.opt', 'utf8')).program;
  it('names a missing host scalar input and shows how to give it', () => {
    const c = caseFor(mezo, 2);
    delete c.scalars;
    expect(() => validateCase(c, mezo)).toThrow(CaseError);
    expect(() => validateCase(c, mezo)).toThrow(/"scalars" must give loss_plus, loss_minus, scale for each of the 2 steps, e\.g\./);
    expect(() => validateCase({ ...caseFor(mezo, 1), scalars: [{ loss_plus: 1, loss_minus: 'x', scale: 0 }] }, mezo)).toThrow(/scalars\[0\]\.loss_minus is "x", not a number/);
    expect(() => validateCase({ ...caseFor(mezo, 1), scalars: [{ loss_plus: 1, loss_minus: 1, scale: 0, lr: 1 }] }, mezo)).toThrow(/no scalar input named 'lr'/);
  });

  it('the CLI prints them as one line with exit code 1', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ params: { W: { shape: [2, 2], data: [1, 2, 3] } }, grads: [] }));
    for (const backend of ['interp', 'webgpu']) {
      const r = await optcBin('run', 'examples/adafactor.opt', '--case', file, '--backend', backend);
      expect(r.code).toBe(1);
      expect(r.err.trim().split('\n')).toEqual(["optc: error: params.W.data has 3 values, expected 4"]);
    }
  });
});

describe("Dawn's start-up warning", () => {
  it('never reaches the output of `optc run` on Dawn, which still prints its result', async () => {
    const file = join(dir, 'adam.json');
    const program = compileIR(readFileSync('examples/adam.opt', 'utf8')).program;
    writeFileSync(file, JSON.stringify(caseFor(program, 1)));
    const r = await optcBin('run', 'examples/adam.opt', '--case', file);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).backend).toBe('webgpu');
    expect(r.err).not.toMatch(/artificially reduced/);
    expect(r.err).toBe('');
  }, 120_000);

  it('the filter drops exactly those lines and forwards the rest of stderr', async () => {
    const script = [
      "process.stderr.write('a\\n');",
      "process.stderr.write('Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.\\n');",
      "process.stderr.write('Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.\\nWarning: something else\\n');",
      "process.stderr.write('tail without newline'); process.exitCode = 3;",
    ].join('');
    const r = await exec(process.execPath, ['--import', 'tsx', 'src/cli/quiet-run.ts', process.execPath, '-e', script]).catch((e) => e as { stderr: string; code: number });
    expect((r as { code: number }).code).toBe(3);
    expect(r.stderr).toBe('a\nWarning: something else\ntail without newline');
  });
});
