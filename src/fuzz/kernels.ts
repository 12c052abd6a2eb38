// Differential fuzzing of kernels: random valid programs (src/fuzz/grammar.ts) compiled to WGSL and run on
// Dawn for three steps (and a named entry point between steps 2 and 3 where the program has one), against
// the interpreter on the same case. Outcomes:
//   agree      every parameter and state equal: bit for bit for exact programs, else within KERNEL_TOLERANCE
//   disagree   a value outside that
//   validation Dawn reported a validation error (never acceptable: the compiler must refuse first)
//   refused    the WGSL back end refused the program with a documented code (counted per code)
//   unsupported the runtime refused with a typed UnsupportedError: a real resource limit (storage buffers
//              per kernel) or a feature it does not implement yet (small states in an entry point, ...)
//   invalid    the generator made a program the front end rejects (its diagnostics; not a failure)
//   crash      anything else thrown
import type { Case } from '../cli/case.js';
import { validateCase } from '../cli/case.js';
import { compile, compileIR } from '../compile.js';
import { CompileError } from '../diag.js';
import { initialState } from '../ir/interp.js';
import { interpretTensors, type TensorIO } from '../ir/interp-tensors.js';
import type { Program } from '../ir/types.js';
import { createOptimizer } from '../runtime/index.js';
import { OptcRuntimeError, UnsupportedError } from '../runtime/errors.js';
import { fuzzCase } from './case.js';
import { generateProgram } from './grammar.js';
import { FuzzRng } from './rng.js';

/** Tolerance for programs with division, sqrt, exp, log, pow, normal random numbers or reductions: |gpu − interp| ≤ rtol · (1 + |interp|). */
export const KERNEL_TOLERANCE = { rtol: 1e-4 };
/**
 * What an exact program may differ by: the driver may rewrite `+ - *` by identities over the reals (SPIR-V
 * without NoContraction): Mesa turns `(t + p) - p` into `t` (seed 4000 #5995), where the interpreter rounds
 * `t + p` first. A few ulps of the intermediate values, never more: such differences are counted apart.
 */
export const EXACT_SLACK = { rtol: 1e-6 };
const STEPS = 3;

export type KernelOutcome = 'agree' | 'disagree' | 'validation' | 'refused' | 'unsupported' | 'invalid' | 'crash' | 'timeout';

export interface KernelResult {
  i: number; outcome: KernelOutcome; exact: boolean; code?: string; detail?: string; features: string[]; ms: number;
  /** An exact program that agreed within EXACT_SLACK but not bit for bit: the first such value. */
  near?: string;
}

export interface Values { params: Record<string, Float32Array>; state: Record<string, Record<string, Float32Array>> }

/** The interpreter's parameters and states after STEPS steps of `c`, running `entries` after step 2. */
export function runInterp(program: Program, c: Case, entries: string[]): Values {
  let tensors: TensorIO[] = Object.entries(c.params).map(([name, p], index) => ({
    name, index, shape: p.shape, param: Float32Array.from(p.data), inputs: {}, ...initialState(program, p.data.length, c.hyper, p.shape),
  }));
  const advance = (t: number, k: number, entry?: string) => {
    tensors = tensors.map((tio) => {
      const inputs: Record<string, Float32Array> = { g: Float32Array.from(c.grads[k]![tio.name!]!) };
      for (const [inp, per] of Object.entries(c.inputs?.[k] ?? {})) inputs[inp] = Float32Array.from(per[tio.name!]!);
      return { ...tio, inputs };
    });
    const out = interpretTensors(program, { t, hypers: c.hyper, tensors, ...(entry ? { entry } : {}), ...(c.scalars ? { scalars: c.scalars[k] } : {}) });
    tensors = tensors.map((tio, j) => ({ ...tio, param: out[j]!.param, states: out[j]!.states, ...(out[j]!.packed ? { packed: out[j]!.packed } : {}), ...(out[j]!.stepStates ? { stepStates: out[j]!.stepStates } : {}) }));
  };
  for (let k = 0; k < STEPS; k++) {
    advance(k + 1, k);
    if (k === 1) for (const e of entries) advance(k + 2, k + 1, e);
  }
  const state: Values['state'] = {};
  for (const s of program.states) if (s.space !== 'step') state[s.name] = Object.fromEntries(tensors.map((tio) => [tio.name!, tio.states[s.name]!]));
  return { params: Object.fromEntries(tensors.map((tio) => [tio.name!, tio.param])), state };
}

/** The same on Dawn. */
export async function runGpu(device: GPUDevice, module: Parameters<typeof createOptimizer>[1], c: Case, entries: string[]): Promise<Values> {
  const opt = await createOptimizer(device, module, Object.fromEntries(Object.entries(c.params).map(([n, p]) => [n, { shape: p.shape, data: Float32Array.from(p.data) }])), { hypers: c.hyper });
  try {
    for (let k = 0; k < STEPS; k++) {
      const inputs = Object.fromEntries(Object.entries(c.inputs?.[k] ?? {}).map(([inp, per]) => [inp, Object.fromEntries(Object.entries(per).map(([n, d]) => [n, Float32Array.from(d)]))]));
      await opt.step(Object.fromEntries(Object.entries(c.grads[k]!).map(([n, d]) => [n, Float32Array.from(d)])), inputs, c.scalars?.[k] ?? {});
      if (k === 1) for (const e of entries) await opt.run(e, c.scalars?.[k + 1] ?? {});
    }
    return await opt.read();
  } finally {
    opt.dispose();
  }
}

/** The first element outside the contract, described; undefined when everything agrees. */
export function compareValues(gpu: Values, cpu: Values, exact: boolean, onNear?: (what: string) => void): string | undefined {
  const check = (what: string, a: Float32Array | undefined, e: Float32Array | undefined): string | undefined => {
    if (!a || !e) return a === e ? undefined : `${what}: missing on ${a ? 'the interpreter' : 'Dawn'}`;
    if (a.length !== e.length) return `${what}: ${a.length} values on Dawn, ${e.length} on the interpreter`;
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!, y = e[i]!;
      if (x === y || (Number.isNaN(x) && Number.isNaN(y))) continue;
      if (!exact && Math.abs(x - y) <= KERNEL_TOLERANCE.rtol * (1 + Math.abs(y))) continue;
      if (exact && onNear && Math.abs(x - y) <= EXACT_SLACK.rtol * (1 + Math.abs(y))) { onNear(`${what}[${i}]: Dawn ${x}, interpreter ${y}`); continue; }
      return `${what}[${i}]: Dawn ${x}, interpreter ${y}${exact ? ' (exact program)' : ''}`;
    }
    return undefined;
  };
  for (const n of Object.keys(cpu.params)) { const d = check(`p of '${n}'`, gpu.params[n], cpu.params[n]); if (d) return d; }
  for (const [s, per] of Object.entries(gpu.state)) {
    if (!(s in cpu.state)) continue; // a step state lives on the host, where both sides compute it the same way
    for (const n of Object.keys(per)) { const d = check(`state '${s}' of '${n}'`, per[n], cpu.state[s]?.[n]); if (d) return d; }
  }
  return undefined;
}

const firstLine = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message.split('\n')[0]}` : String(e));

/** Program `i` of the run with `seed`, compiled, run on both sides and compared. */
export async function fuzzKernel(device: GPUDevice, seed: number, i: number, timeoutMs = 60_000): Promise<KernelResult> {
  const t0 = performance.now();
  const rng = FuzzRng.forInput(seed, i);
  const gen = generateProgram(rng, `k${i}`, { refusable: rng.chance(0.3) });
  const done = (outcome: KernelOutcome, extra: Partial<KernelResult> = {}): KernelResult =>
    ({ i, outcome, exact: gen.exact, features: gen.features, ms: performance.now() - t0, ...extra });
  let program: Program;
  try { program = compileIR(gen.source).program; } catch (e) {
    if (e instanceof CompileError) return done('invalid', { code: e.diagnostics.find((d) => d.severity === 'error')?.code });
    return done('crash', { detail: `compileIR: ${firstLine(e)}` });
  }
  let compiled: ReturnType<typeof compile>;
  try { compiled = compile(gen.source); } catch (e) {
    if (e instanceof CompileError) return done('refused', { code: e.diagnostics.find((d) => d.severity === 'error')?.code });
    return done('crash', { detail: `compile: ${firstLine(e)}` });
  }
  const c = validateCase(fuzzCase(rng, program, STEPS + gen.entries.length), program);
  let cpu: Values;
  // The oracle failing is a bug too (seed 3000 #188 once took the whole run down): record it, go on.
  try { cpu = runInterp(program, c, gen.entries); } catch (e) { return done('crash', { detail: `interpreter: ${firstLine(e)}` }); }
  const errors: string[] = [];
  const onError = (ev: Event) => { errors.push((ev as GPUUncapturedErrorEvent).error?.message ?? 'uncaptured error'); };
  device.addEventListener('uncapturederror', onError);
  device.pushErrorScope('validation');
  let gpu: Values | undefined, thrown: unknown;
  let timer: NodeJS.Timeout | undefined;
  try {
    gpu = await Promise.race([runGpu(device, compiled.module, c, gen.entries),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('timeout')), timeoutMs); })]);
  } catch (e) { thrown = e; }
  clearTimeout(timer);
  const scope = await device.popErrorScope().catch(() => null);
  device.removeEventListener('uncapturederror', onError);
  if (scope) errors.push(scope.message);
  if (errors.length) return done('validation', { detail: errors[0]!.split('\n').slice(0, 4).join(' | ') });
  if (thrown) {
    if (thrown instanceof Error && thrown.message === 'timeout') return done('timeout');
    if (thrown instanceof UnsupportedError) return done('unsupported', { detail: firstLine(thrown) });
    if (thrown instanceof OptcRuntimeError) return done('crash', { detail: `runtime: ${firstLine(thrown)}` });
    return done('crash', { detail: `runtime: ${firstLine(thrown)}` });
  }
  let near: string | undefined;
  const diff = compareValues(gpu!, cpu, gen.exact, (d) => { near ??= d; });
  return diff ? done('disagree', { detail: diff }) : done('agree', near ? { near } : {});
}

/** Replays program `i`: its source, for a bug report. */
export function kernelSource(seed: number, i: number): string {
  const rng = FuzzRng.forInput(seed, i);
  return generateProgram(rng, `k${i}`, { refusable: rng.chance(0.3) }).source;
}
