// Trajectory replay: a CASE.json (hypers, params, one gradient set per step) run on the GPU or on the
// interpreter, giving a RESULT.json. Every malformed case is an error that names the culprit.
import { HyperError } from '../diag.js';
import { initStates, interpretStep, resolveHypers, type StepResult } from '../ir/interp.js';
import { paramFormat, type Program } from '../ir/types.js';
import { bytesAs } from '../formats/index.js';
import type { KernelModule } from '../codegen-wgsl/index.js';
import { createOptimizer, getDevice } from '../runtime/index.js';

export class CaseError extends Error {
  constructor(message: string) { super(message); this.name = 'CaseError'; }
}

export interface Tensor { shape: number[]; data: number[] }
export interface Case {
  hyper: Record<string, number>;
  params: Record<string, Tensor>;
  grads: Record<string, number[]>[];
  /** Extra per-element inputs per step: input name -> tensor name -> data. */
  inputs?: Record<string, Record<string, number[]>>[];
}
export interface Result {
  steps: number;
  backend: string;
  dispatchesPerStep?: number;
  /**
   * Bytes of parameters and optimizer state. webgpu: what the device actually holds (`Optimizer.memory()`:
   * tensors padded to whole blocks, buffers to 16 bytes). interp: what the formats define for these
   * tensors, 4 bytes per parameter plus `bytesAs(format, n)` per state tensor.
   */
  memory: { paramBytes: number; stateBytes: number };
  params: Record<string, Tensor>;
  /** State tensors as values: a compressed state decoded from its codes and scales. */
  state: Record<string, Record<string, Tensor>>;
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);

function numbers(x: unknown, what: string, n: number): number[] {
  if (!Array.isArray(x)) throw new CaseError(`${what} must be an array of numbers`);
  if (x.length !== n) throw new CaseError(`${what} has ${x.length} values, expected ${n}`);
  x.forEach((v, i) => { if (typeof v !== 'number') throw new CaseError(`${what}[${i}] is ${JSON.stringify(v)}, not a number`); });
  return x as number[];
}

/** Checks a parsed CASE.json against the program; returns it typed. */
export function validateCase(raw: unknown, program: Pick<Program, 'name' | 'hypers' | 'inputs'>): Case {
  if (!isObj(raw)) throw new CaseError('the case must be a JSON object with "params" and "grads"');
  const hyper = raw.hyper ?? {};
  if (!isObj(hyper)) throw new CaseError('"hyper" must be an object of numbers');
  try { resolveHypers(program, hyper as Record<string, number>); } catch (e) {
    if (e instanceof HyperError) throw new CaseError(`"hyper": ${e.message}`);
    throw e;
  }
  if (!isObj(raw.params) || Object.keys(raw.params).length === 0) throw new CaseError('"params" must be an object with at least one tensor');
  const params: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(raw.params)) {
    if (!isObj(t) || !Array.isArray(t.shape) || t.shape.some((d) => !Number.isInteger(d) || (d as number) < 0)) {
      throw new CaseError(`params.${name}: expected {"shape": [non-negative integers], "data": [...]}`);
    }
    const shape = t.shape as number[];
    params[name] = { shape, data: numbers(t.data, `params.${name}.data`, numel(shape)) };
  }
  if (!Array.isArray(raw.grads)) throw new CaseError('"grads" must be an array with one object per step');
  const grads = raw.grads.map((step, k) => {
    if (!isObj(step)) throw new CaseError(`grads[${k}] must be an object mapping parameter names to gradients`);
    for (const name of Object.keys(step)) if (!(name in params)) throw new CaseError(`grads[${k}].${name}: no parameter named '${name}' (parameters: ${Object.keys(params).join(', ')})`);
    return Object.fromEntries(Object.entries(params).map(([name, p]) => {
      if (!(name in step)) throw new CaseError(`grads[${k}]: missing the gradient of '${name}'`);
      return [name, numbers(step[name], `grads[${k}].${name}`, p.data.length)];
    }));
  });
  const extra = program.inputs.slice(1).map((i) => i.name);
  let inputs: Case['inputs'];
  if (extra.length) {
    if (!Array.isArray(raw.inputs) || raw.inputs.length !== grads.length) throw new CaseError(`"inputs" must give ${extra.join(', ')} for each of the ${grads.length} steps`);
    inputs = raw.inputs.map((step, k) => Object.fromEntries(extra.map((inp) => {
      const per = isObj(step) ? step[inp] : undefined;
      if (!isObj(per)) throw new CaseError(`inputs[${k}].${inp} is missing`);
      return [inp, Object.fromEntries(Object.entries(params).map(([name, p]) => [name, numbers(per[name], `inputs[${k}].${inp}.${name}`, p.data.length)]))];
    })));
  }
  return { hyper: hyper as Record<string, number>, params, grads, ...(inputs ? { inputs } : {}) };
}

const tensor = (shape: number[], a: Float32Array): Tensor => ({ shape, data: Array.from(a) });

export function runCaseInterp(program: Program, c: Case): Result {
  const params: Record<string, Tensor> = {};
  const state: Record<string, Record<string, Tensor>> = Object.fromEntries(program.states.map((s) => [s.name, {}]));
  for (const [tensorIndex, [name, p]] of Object.entries(c.params).entries()) {
    // The tensor's id (its position, as the webgpu backend numbers it) keys stochastic rounding.
    let cur: StepResult = { param: Float32Array.from(p.data), states: initStates(program, p.data.length, c.hyper) };
    c.grads.forEach((g, k) => {
      const inputs: Record<string, Float32Array> = { g: Float32Array.from(g[name]!) };
      for (const [inp, per] of Object.entries(c.inputs?.[k] ?? {})) inputs[inp] = Float32Array.from(per[name]!);
      // A compressed state's codes are its truth (decode then encode is not always the identity).
      cur = interpretStep(program, { hypers: c.hyper, t: k + 1, param: cur.param, inputs, states: cur.states, tensorIndex, shape: p.shape, ...(cur.packed ? { packed: cur.packed } : {}) });
    });
    params[name] = tensor(p.shape, cur.param);
    for (const s of program.states) state[s.name]![name] = tensor(p.shape, cur.states[s.name]!);
  }
  const memory = { paramBytes: 0, stateBytes: 0 };
  for (const p of Object.values(c.params)) {
    const n = p.data.length;
    memory.paramBytes += bytesAs(paramFormat(program), n);
    for (const s of program.states) memory.stateBytes += bytesAs(s.format, n, p.shape);
  }
  return { steps: c.grads.length, backend: 'interp', memory, params, state };
}

export async function runCaseWebGPU(module: KernelModule, c: Case): Promise<Result> {
  const device = await getDevice();
  try {
    const opt = await createOptimizer(device, module,
      Object.fromEntries(Object.entries(c.params).map(([n, p]) => [n, { shape: p.shape, data: Float32Array.from(p.data) }])),
      { hypers: c.hyper });
    c.grads.forEach((g, k) => {
      const inputs = Object.fromEntries(Object.entries(c.inputs?.[k] ?? {}).map(([inp, per]) =>
        [inp, Object.fromEntries(Object.entries(per).map(([n, d]) => [n, Float32Array.from(d)]))]));
      opt.step(Object.fromEntries(Object.entries(g).map(([n, d]) => [n, Float32Array.from(d)])), inputs);
    });
    const read = await opt.read();
    const result: Result = {
      steps: c.grads.length,
      backend: 'webgpu',
      dispatchesPerStep: opt.dispatchesPerStep,
      memory: opt.memory(),
      params: Object.fromEntries(Object.entries(read.params).map(([n, a]) => [n, tensor(c.params[n]!.shape, a)])),
      state: Object.fromEntries(Object.entries(read.state).map(([s, per]) =>
        [s, Object.fromEntries(Object.entries(per).map(([n, a]) => [n, tensor(c.params[n]!.shape, a)]))])),
    };
    opt.dispose();
    return result;
  } finally {
    device.destroy();
  }
}
