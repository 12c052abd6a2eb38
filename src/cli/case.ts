// Trajectory replay: a CASE.json (hypers, params, one gradient set per step) run on the GPU or on the
// interpreter, giving a RESULT.json. Every malformed case is an error that names the culprit.
import { HyperError } from '../diag.js';
import { initialState, resolveHypers } from '../ir/interp.js';
import { interpretTensors, matrixView, stateLength, type TensorIO } from '../ir/interp-tensors.js';
import { ruleFor, shapeSize, splitHypers } from '../ir/matrix.js';
import { paramFormat, type Program, type StateDecl } from '../ir/types.js';
import { bytesAs } from '../formats/index.js';
import type { KernelModule } from '../codegen-wgsl/index.js';
import { createOptimizer, getDevice } from '../runtime/index.js';
import { MatrixOptimizer } from '../runtime/matrix-optimizer.js';

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
  /** Host scalar inputs (`input loss: scalar;`) per step: name -> number. */
  scalars?: Record<string, number>[];
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
  /**
   * interp and matrix programs on webgpu: `memory` per parameter tensor, with the rule that steps it (the optimizer, or its fallback for
   * a tensor that is not a matrix) and state bytes per parameter element: a GaLore state of rank r on an
   * m × n matrix holds (min(m, n) r + 2 r max(m, n)) f32 values, not 2 m n.
   */
  memoryPerTensor?: Record<string, { rule: string; paramBytes: number; stateBytes: number; stateBytesPerParam: number }>;
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
export function validateCase(raw: unknown, program: Pick<Program, 'name' | 'hypers' | 'inputs' | 'fallback' | 'scalars'>): Case {
  if (!isObj(raw)) throw new CaseError('the case must be a JSON object with "params" and "grads"');
  const hyper = raw.hyper ?? {};
  if (!isObj(hyper)) throw new CaseError('"hyper" must be an object of numbers');
  // A fallback rule's hyperparameters are named `FALLBACK.h` (e.g. "adamw.lr").
  const split = splitHypers(program, hyper as Record<string, number>);
  try {
    resolveHypers(program, split.main);
    if (program.fallback) resolveHypers(program.fallback, split.fallback);
  } catch (e) {
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
  const scalarNames = (program.scalars ?? []).map((s) => s.name);
  let scalars: Case['scalars'];
  if (scalarNames.length) {
    const example = `{${scalarNames.map((n) => `"${n}": 0.5`).join(', ')}}`;
    if (!Array.isArray(raw.scalars) || raw.scalars.length !== grads.length) {
      throw new CaseError(`"scalars" must give ${scalarNames.join(', ')} for each of the ${grads.length} steps, e.g. "scalars": [${example}, ...]`);
    }
    scalars = raw.scalars.map((step, k) => {
      if (!isObj(step)) throw new CaseError(`scalars[${k}] must be an object such as ${example}`);
      for (const name of Object.keys(step)) if (!scalarNames.includes(name)) throw new CaseError(`scalars[${k}].${name}: no scalar input named '${name}' (declared: ${scalarNames.join(', ')})`);
      return Object.fromEntries(scalarNames.map((n) => {
        if (typeof step[n] !== 'number') throw new CaseError(`scalars[${k}].${n} is ${JSON.stringify(step[n])}, not a number`);
        return [n, step[n] as number];
      }));
    });
  }
  return { hyper: hyper as Record<string, number>, params, grads, ...(inputs ? { inputs } : {}), ...(scalars ? { scalars } : {}) };
}

export const tensor = (shape: number[], a: Float32Array): Tensor => ({ shape, data: Array.from(a) });

/** Bytes of a state for a tensor of `shape`: its format's size for an elem state, 4 per value otherwise. */
function stateBytes(s: StateDecl, shape: number[]): number {
  if (s.space === 'step') return 0; // kept on the host
  const n = numel(shape);
  return (s.space ?? 'elem') === 'elem' ? bytesAs(s.format, n, shape) : 4 * stateLength(s, shape);
}

/**
 * Bytes of parameters and states per tensor, by the rule that steps it (the program, or its fallback for a
 * tensor that is not a matrix), as the formats define them: 4 per parameter, `bytesAs` per state tensor.
 */
export function memoryByTensor(program: Program, tensors: Record<string, { shape: number[] }>): Pick<Result, 'memory'> & { memoryPerTensor: NonNullable<Result['memoryPerTensor']> } {
  const memory = { paramBytes: 0, stateBytes: 0 };
  const memoryPerTensor: NonNullable<Result['memoryPerTensor']> = {};
  for (const [name, { shape }] of Object.entries(tensors)) {
    const rule = ruleFor(program, shape, name);
    const paramBytes = bytesAs(paramFormat(rule), numel(shape));
    const sb = rule.states.reduce((a, s) => a + stateBytes(s, shape), 0);
    memory.paramBytes += paramBytes;
    memory.stateBytes += sb;
    memoryPerTensor[name] = { rule: rule.name, paramBytes, stateBytes: sb, stateBytesPerParam: sb / Math.max(1, numel(shape)) };
  }
  return { memory, memoryPerTensor };
}

export function runCaseInterp(program: Program, c: Case): Result {
  const entries = Object.entries(c.params);
  const rules = entries.map(([name, p]) => ruleFor(program, p.shape, name));
  // The tensor's id (its position, as the webgpu backend numbers it) keys randomness and stochastic rounding.
  let tensors: TensorIO[] = entries.map(([name, p], index) => ({
    name, index, shape: p.shape, param: Float32Array.from(p.data), inputs: {},
    ...initialState(program, p.data.length, c.hyper, p.shape),
  }));
  c.grads.forEach((g, k) => {
    tensors = tensors.map((tio) => {
      const inputs: Record<string, Float32Array> = { g: Float32Array.from(g[tio.name!]!) };
      for (const [inp, per] of Object.entries(c.inputs?.[k] ?? {})) inputs[inp] = Float32Array.from(per[tio.name!]!);
      return { ...tio, inputs };
    });
    // Every tensor in one step, so global reductions fold all of them; a compressed state's codes are its truth.
    const out = interpretTensors(program, { t: k + 1, hypers: c.hyper, tensors, ...(c.scalars ? { scalars: c.scalars[k] } : {}) });
    // Step states (host values per tensor group) carry over like the others; dropping them restarted them from their init every step.
    tensors = tensors.map((tio, i) => ({ ...tio, param: out[i]!.param, states: out[i]!.states, ...(out[i]!.packed ? { packed: out[i]!.packed } : {}), ...(out[i]!.stepStates ? { stepStates: out[i]!.stepStates } : {}) }));
  });
  const params: Record<string, Tensor> = {};
  const state: Record<string, Record<string, Tensor>> = {};
  tensors.forEach((tio, i) => {
    const name = tio.name!, shape = entries[i]![1].shape, rule = rules[i]!;
    params[name] = tensor(shape, tio.param);
    for (const s of rule.states) {
      if (s.space === 'step') continue;
      // A matrix state has its own sides (rows × rows, rank × cols); other states are listed as before.
      (state[s.name] ??= {})[name] = tensor(s.space === 'mat' ? shapeSize(s.shape!, matrixView(shape)) : shape, tio.states[s.name]!);
    }
  });
  const { memory, memoryPerTensor } = memoryByTensor(program, c.params);
  return { steps: c.grads.length, backend: 'interp', memory, memoryPerTensor, params, state };
}

/**
 * Runs a case on the GPU. `program` (the compiled program) adds the per-tensor memory report of a matrix
 * program, whose tensors run different rules.
 */
export async function runCaseWebGPU(module: KernelModule, c: Case, program?: Program): Promise<Result> {
  const device = await getDevice();
  try {
    const opt = await createOptimizer(device, module,
      Object.fromEntries(Object.entries(c.params).map(([n, p]) => [n, { shape: p.shape, data: Float32Array.from(p.data) }])),
      { hypers: c.hyper });
    for (const [k, g] of c.grads.entries()) {
      const inputs = Object.fromEntries(Object.entries(c.inputs?.[k] ?? {}).map(([inp, per]) =>
        [inp, Object.fromEntries(Object.entries(per).map(([n, d]) => [n, Float32Array.from(d)]))]));
      await opt.step(Object.fromEntries(Object.entries(g).map(([n, d]) => [n, Float32Array.from(d)])), inputs, c.scalars?.[k] ?? {});
    }
    const read = await opt.read();
    // A matrix state has a shape of its own ([short, rank], [rows, rows] …).
    const shapeOf = (s: string, n: string) => (opt instanceof MatrixOptimizer ? opt.stateShape(s, n) : c.params[n]!.shape);
    const { paramBytes, stateBytes } = opt.memory();
    const result: Result = {
      steps: c.grads.length,
      backend: 'webgpu',
      dispatchesPerStep: opt.dispatchesPerStep,
      memory: { paramBytes, stateBytes },
      ...(module.matrix && program ? { memoryPerTensor: memoryByTensor(program, c.params).memoryPerTensor } : {}),
      params: Object.fromEntries(Object.entries(read.params).map(([n, a]) => [n, tensor(c.params[n]!.shape, a)])),
      state: Object.fromEntries(Object.entries(read.state).map(([s, per]) =>
        [s, Object.fromEntries(Object.entries(per).map(([n, a]) => [n, tensor(shapeOf(s, n), a)]))])),
    };
    opt.dispose();
    return result;
  } finally {
    device.destroy();
  }
}
