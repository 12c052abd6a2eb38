// Runs a trajectory on each path the differential tests compare: the IR interpreter (f32, the oracle) and
// a float64 reference. Both take the same f32 inputs; the reference widens them to f64.
import { initialState, interpretStep, type Program, type StepResult } from '../../src/ir/index.js';
import type { Hypers, RefOptimizer, RefState } from '../ref/types.js';
import { withDefaults } from '../ref/types.js';

export interface Snapshot<A> { param: A; states: Record<string, A> }

/** Interpreter trajectory; returns the snapshot after each step in `at` (1-based). */
export function runInterpreter(program: Program, p0: Float32Array, grads: Float32Array[], hypers: Hypers,
  at: readonly number[] = [grads.length]): Map<number, Snapshot<Float32Array>> {
  const out = new Map<number, Snapshot<Float32Array>>();
  let param: Float32Array = Float32Array.from(p0);
  // Compressed states carry their codes from step to step (decode then encode is not always idempotent).
  let { states, packed }: { states: StepResult['states']; packed: StepResult['packed'] } = initialState(program, p0.length, hypers);
  grads.forEach((g, k) => {
    const t = k + 1;
    const r: StepResult = interpretStep(program, { t, hypers, param, inputs: { g }, states, ...(packed ? { packed } : {}) });
    param = r.param; states = r.states; packed = r.packed;
    if (at.includes(t)) out.set(t, { param: Float32Array.from(param), states: cloneStates(states) });
  });
  return out;
}

/** Float64 reference trajectory with the same snapshots. `hypers` are overrides of the reference defaults. */
export function runReference(ref: RefOptimizer, p0: Float32Array, grads: Float32Array[], hypers: Hypers,
  at: readonly number[] = [grads.length]): Map<number, Snapshot<Float64Array>> {
  const h = withDefaults(ref, hypers);
  const out = new Map<number, Snapshot<Float64Array>>();
  const p = Float64Array.from(p0);
  const state = ref.initState(p.length, h);
  grads.forEach((g, k) => {
    const t = k + 1;
    ref.refStep(state, p, Float64Array.from(g), t, h);
    if (at.includes(t)) out.set(t, { param: Float64Array.from(p), states: cloneStates(state) });
  });
  return out;
}

function cloneStates<A extends Float32Array | Float64Array>(s: Record<string, A>): Record<string, A> {
  const o: Record<string, A> = {};
  for (const [k, v] of Object.entries(s)) o[k] = v.slice() as A;
  return o;
}

export type { RefState };
