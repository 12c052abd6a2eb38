// Named entry points (`update reset { }`) in programs that declare extra inputs: they ran only in programs
// whose sole input was `g` (the runtime refused the rest, 48 of 1,576 programs of kernel-fuzz seed 3000).
// An entry point that reads a per-element input is meaningless (it runs between steps) and is refused by
// the front end with E0316.
import { describe, expect, it } from 'vitest';
import { validateCase } from '../src/cli/case.js';
import { compile, compileIR } from '../src/compile.js';
import { CompileError } from '../src/diag.js';
import { compareValues, runGpu, runInterp } from '../src/fuzz/kernels.js';
import { getDevice } from '../src/runtime/index.js';
import { caseFor } from './helpers/robust-cases.js';

const withInputs = `optimizer ei {
  hyper lr = 0.01;
  input e;
  input s: scalar;
  state m = 0;
  update {
    m = 0.9 * m + 0.1 * g * e;
    p = p - lr * s * m;
  }
  update reset { m = 0; p = p + s; }
}`;

describe('entry points in programs with extra inputs', () => {
  it.each([false, true])('run on Dawn between steps and equal the interpreter bit for bit (guard %s)', async (guard) => {
    const c = compile(withInputs, { guard });
    const program = compileIR(withInputs).program;
    // caseFor gives 3 steps of gradients, inputs and scalars; the fuzzer's runners need one scalar set more for the entry.
    const raw = caseFor(program, 4) as { grads: unknown[]; inputs: unknown[] };
    const kase = validateCase(raw, program);
    const device = await getDevice();
    const gpu = await runGpu(device, c.module, kase, ['reset']);
    const cpu = runInterp(program, kase, ['reset']);
    expect(compareValues(gpu, cpu, true)).toBeUndefined();
    expect(cpu.state.m!.W!.some((x) => x !== 0)).toBe(true);
  }, 60_000);

  it.each([
    ['g', 'optimizer a { hyper lr = 0.1; update { p = p - lr * g; } update reset { p = p * g; } }', 'g'],
    ['an extra input', 'optimizer b { hyper lr = 0.1; input e; update { p = p - lr * g * e; } update reset { p = p * e; } }', 'e'],
  ])('reading %s is a one-line compile error (E0316)', (_what, src, name) => {
    let err: unknown;
    try { compile(src); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(CompileError);
    const d = (err as CompileError).diagnostics.find((x) => x.severity === 'error')!;
    expect(d.code).toBe('E0316');
    expect(d.message).toBe(`entry point 'reset' reads the per-element input '${name}'; entry points run between steps, without gradients or per-element inputs`);
  });
});

describe('states only entry points use', () => {
  // The main module was compiled without the entry points, so its dead-code pass removed a state only they
  // wrote or read, and the runtime refused the entry ("binds unknown state"; seed 3000 #188 #260 #424 #1464).
  it.each([
    ['written by an entry, `s = s` in update', 'optimizer a { hyper lr = 0.01; state s = 1; update { s = s; p = p - lr * g; } update reset { s = 0; } }'],
    ['read by an entry, untouched by update', 'optimizer b { hyper lr = 0.01; state w = 2; update { p = p - lr * g; } update reset { p = p * w; } }'],
  ])('%s: kept, and the entry runs on Dawn as on the interpreter', async (_what, src) => {
    const c = compile(src);
    const program = compileIR(src).program;
    const kase = validateCase(caseFor(program, 4), program);
    const gpu = await runGpu(await getDevice(), c.module, kase, ['reset']);
    expect(compareValues(gpu, runInterp(program, kase, ['reset']), true)).toBeUndefined();
  }, 60_000);
});
