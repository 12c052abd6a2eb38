// One front-end fuzz input: where it comes from (replayable from seed and index) and what the compiler does
// with it. The promise under test: every input compiles or yields diagnostics. Anything else thrown —
// an InvariantError, a TypeError, a RangeError from the stack — is a crash. A program that compiles is
// also printed, turned back into source, and stepped on the interpreter, which must not throw either.
import { runCaseInterp, validateCase } from '../cli/case.js';
import { compile, compileIR } from '../compile.js';
import { CompileError } from '../diag.js';
import { printIR } from '../ir/printer.js';
import { toSource } from '../ir/to-source.js';
import { fuzzCase } from './case.js';
import { generateProgram, nearValid } from './grammar.js';
import { mutate } from './mutate.js';
import { FuzzRng } from './rng.js';

export type InputKind = 'valid' | 'near-valid' | 'mutated-example' | 'mutated-generated';

/** Input `i` of the run with `seed`: a fifth grammar-made, a fifth near-valid, the rest byte-level mutants. */
export function fuzzInput(seed: number, i: number, examples: readonly string[]): { kind: InputKind; source: string } {
  const rng = FuzzRng.forInput(seed, i);
  const r = rng.uniform();
  if (r < 0.2) return { kind: 'valid', source: generateProgram(rng, `fz${i}`).source };
  if (r < 0.4) return { kind: 'near-valid', source: nearValid(rng, generateProgram(rng, `fz${i}`).source) };
  if (r < 0.9) return { kind: 'mutated-example', source: mutate(rng, rng.pick(examples)) };
  return { kind: 'mutated-generated', source: mutate(rng, generateProgram(rng, `fz${i}`, { maxLets: 12 }).source) };
}

export type Outcome = 'compiled' | 'diagnostics' | 'crash';

export interface CheckResult {
  outcome: Outcome;
  error?: string;
  /** CPU and wall time of the compiler itself (compileIR, compile): what the 200 ms promise is about. */
  compileCpuMs: number;
  compileWallMs: number;
}

const firstLines = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message.split('\n')[0]}\n${(e.stack ?? '').split('\n').slice(1, 6).join('\n')}` : String(e));

/** Runs `f`, adding its CPU time (user + system, this process) and wall time to `t`. */
function timed<T>(t: { cpu: number; wall: number }, f: () => T): T {
  const c0 = process.cpuUsage(), w0 = performance.now();
  try { return f(); } finally {
    const c = process.cpuUsage(c0);
    t.cpu += (c.user + c.system) / 1000;
    t.wall += performance.now() - w0;
  }
}

export function checkInput(source: string, seed = 1): CheckResult {
  const t = { cpu: 0, wall: 0 };
  const result = (outcome: Outcome, error?: string): CheckResult =>
    ({ outcome, ...(error ? { error } : {}), compileCpuMs: t.cpu, compileWallMs: t.wall });
  let stage = 'compileIR';
  try {
    const ir = timed(t, () => compileIR(source));
    stage = 'printIR/toSource';
    printIR(ir.program);
    toSource(ir.program);
    stage = 'interpreter';
    const rng = new FuzzRng(seed);
    runCaseInterp(ir.program, validateCase(fuzzCase(rng, ir.program, 2, { W: [3, 5], b: [4] }), ir.program));
    stage = 'compile';
    timed(t, () => compile(source));
    return result('compiled');
  } catch (e) {
    // Diagnostics are the promised answer from the compiler; from a later stage they would be a bug.
    if (e instanceof CompileError && stage === 'compileIR') return result('diagnostics');
    // The WGSL back end refusing what the interpreter runs (what matrix stages cannot run: E0331) is documented.
    if (e instanceof CompileError && stage === 'compile') return result('compiled');
    return result('crash', `${stage}: ${firstLines(e)}`);
  }
}
