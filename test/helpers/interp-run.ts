// One tensor stepped through the interpreter, carrying compressed states' packed codes as their truth (as
// the kernel does) and starting from the parameter as the runtime stores an f32 upload.
import type { Compiled } from '../../src/index.js';
import { initStates, interpretStep, storedParam, type StepResult } from '../../src/ir/index.js';

export class InterpRun {
  cur: StepResult;
  t = 0;
  /** `tensor`: the tensor's id (its position among the optimizer's parameters), which keys stochastic rounding. */
  constructor(readonly c: Compiled, p0: Float32Array, readonly hypers: Record<string, number> = {}, readonly tensor = 0) {
    // A bf16 parameter starts as the runtime stores an f32 upload: rounded to nearest even.
    this.cur = { param: Float32Array.from(storedParam(c.program, p0)), states: initStates(c.program, p0.length, hypers) };
  }

  step(g: Float32Array): StepResult {
    this.t++;
    this.cur = interpretStep(this.c.program, {
      t: this.t, hypers: this.hypers, param: this.cur.param, inputs: { g }, states: this.cur.states, tensorIndex: this.tensor,
      ...(this.cur.packed ? { packed: this.cur.packed } : {}),
    });
    return this.cur;
  }
}
