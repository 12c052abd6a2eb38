// The meaning of each op, shared by the interpreter, constant folding and the host-side evaluation of
// per-step scalars, so they can never disagree. Bools are 0/1.
//
// Two precisions, one per space. Elem values are computed on the GPU in f32, so `applyOp` rounds every
// result (Math.fround). Step values (hyperparameters, t, constants and what is computed from them alone)
// are computed once per step on the host in float64, as torch computes `1 - beta2 ** step` in Python
// floats, and rounded to f32 only where a kernel reads them: `applyStepOp`. (In f32, 1 - 0.999 is off by
// 1.3e-5 relative, which a 20-step Adam trajectory shows.)
import type { Op } from './types.js';

const f = Math.fround;
const exact = (x: number) => x;

export function signF32(x: number): number { return x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN; }

/** Applies a non-leaf op to f32 arguments, rounding the result to f32 (elem space). */
export function applyOp(op: Op, a: number, b = 0, c = 0): number { return apply(op, a, b, c, f); }

/** Applies a non-leaf op in float64 (step space). */
export function applyStepOp(op: Op, a: number, b = 0, c = 0): number { return apply(op, a, b, c, exact); }

function apply(op: Op, a: number, b: number, c: number, f: (x: number) => number): number {
  switch (op) {
    case 'neg': return -a;
    case 'sqrt': return f(Math.sqrt(a));
    case 'rsqrt': return f(1 / f(Math.sqrt(a)));
    case 'abs': return Math.abs(a);
    case 'sign': return signF32(a);
    case 'exp': return f(Math.exp(a));
    case 'log': return f(Math.log(a));
    case 'add': return f(a + b);
    case 'sub': return f(a - b);
    case 'mul': return f(a * b);
    case 'div': return f(a / b);
    case 'pow': return f(Math.pow(a, b));
    // NaN-propagating like Math.min; WGSL leaves NaN unspecified, so programs should not rely on it.
    case 'min': return Math.min(a, b);
    case 'max': return Math.max(a, b);
    case 'lt': return a < b ? 1 : 0;
    case 'le': return a <= b ? 1 : 0;
    case 'gt': return a > b ? 1 : 0;
    case 'ge': return a >= b ? 1 : 0;
    case 'eq': return a === b ? 1 : 0;
    case 'ne': return a !== b ? 1 : 0;
    case 'and': return a && b ? 1 : 0;
    case 'or': return a || b ? 1 : 0;
    case 'not': return a ? 0 : 1;
    case 'select': return a ? b : c;
    case 'floor': return Math.floor(a);
    case 'cos': return f(Math.cos(a));
    case 'sin': return f(Math.sin(a));
    case 'reduce': case 'rand': case 'matmul': case 'transpose': case 'orient':
      throw new Error(`applyOp: '${op}' is not elementwise (the interpreter evaluates it)`);
    case 'const': case 'hyper': case 'step': case 'param': case 'input': case 'state': case 'scalar': case 'dim': case 'eye':
      throw new Error(`applyOp: '${op}' is a leaf`);
  }
}
