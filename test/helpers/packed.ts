// Compressed-state and packed-parameter tests: one tensor through the interpreter with its packed codes
// carried from step to step (as the kernel carries them), starting from the parameter as the runtime stores
// an f32 upload; and bit-for-bit comparison of what the device holds.
import { expect } from 'vitest';
import { initialState, interpretStep, storedParam, type Program, type StepResult } from '../../src/ir/index.js';

export interface InterpRunOptions {
  /** The tensor's id (its position among the optimizer's parameters), which keys stochastic rounding. */
  tensor?: number;
  /** The parameter's shape (rank-1 scales depend on it); default [n]. */
  shape?: number[];
}

export class InterpRun {
  cur: StepResult;
  t = 0;
  constructor(readonly program: Program, p0: Float32Array, readonly hypers: Record<string, number> = {}, readonly opts: InterpRunOptions = {}) {
    // A bf16 parameter starts as the runtime stores an f32 upload: rounded to nearest even.
    this.cur = { param: Float32Array.from(storedParam(program, p0)), ...initialState(program, p0.length, hypers, opts.shape) };
  }
  step(g: Float32Array): StepResult {
    this.t++;
    this.cur = interpretStep(this.program, {
      t: this.t, hypers: this.hypers, param: this.cur.param, inputs: { g }, states: this.cur.states, tensorIndex: this.opts.tensor ?? 0,
      ...(this.opts.shape ? { shape: this.opts.shape } : {}), ...(this.cur.packed ? { packed: this.cur.packed } : {}),
    });
    return this.cur;
  }
}

const bits = (a: Float32Array | Uint32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** Equal bit patterns; the message names the first differing element. */
export function expectSameBits(label: string, got: Float32Array | Uint32Array, want: Float32Array | Uint32Array): void {
  expect(got.length, `${label}: length`).toBe(want.length);
  const g = bits(got), w = bits(want);
  for (let i = 0; i < g.length; i++) {
    if (g[i] !== w[i]) throw new Error(`${label}: element ${i} differs: ${got[i]} (0x${g[i]!.toString(16)}) vs ${want[i]} (0x${w[i]!.toString(16)}); ${g.filter((x, k) => x !== w[k]).length} of ${g.length} differ`);
  }
}
