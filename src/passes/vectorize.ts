// vectorize: run kernels over vec4<f32> (4 elements per invocation) when every op allows it.
//
// Wider loads and stores cut the number of memory transactions and invocations a memory-bound update
// issues. It needs each elem op to have a component-wise vec4 form in WGSL. The runtime handles a
// parameter whose length is not a multiple of 4 (the emitter provides a width-1 variant for the tail).
import type { Op } from '../ir/types.js';
import { LEAF_OPS } from '../ir/types.js';
import type { Pass } from './pass.js';
import { withSchedule } from './rewrite.js';

/**
 * Whether each op has a vec4 form. All of today's do: WGSL's arithmetic, comparisons and builtins (sqrt,
 * inverseSqrt, abs, sign, exp, log, pow, min, max) are component-wise, `select` takes a vec4<bool>
 * condition and `&&`/`||` become `&`/`|` on vectors. A future op without one (a reduction, a scalar-only
 * builtin) says `false` here and programs using it in elem space run at width 1.
 */
export const VECTORIZABLE: Record<Op, boolean> = {
  const: true, hyper: true, step: true, param: true, input: true, state: true,
  neg: true, sqrt: true, rsqrt: true, abs: true, sign: true, exp: true, log: true,
  add: true, sub: true, mul: true, div: true, pow: true, min: true, max: true,
  lt: true, le: true, gt: true, ge: true, eq: true, ne: true,
  and: true, or: true, not: true,
  select: true,
  scalar: true, dim: true, floor: true, cos: true, sin: true,
  // Per element: the lanes of a vec4 take consecutive element indices.
  rand: true,
  // A reduction is folded by the phased kernels (splitPhases), which pick their own width.
  reduce: true,
  // Matrix ops move whole rows and columns; no elementwise kernel computes them (docs/matrix.md).
  matmul: false, transpose: false, orient: false, eye: false,
};

export const vectorize: Pass = (p, ctx) => {
  // Row and column values are indexed per lane (a vec4 may straddle rows): phased kernels with them are scalar.
  const rowCol = p.insts.some((i) => i.space === 'row' || i.space === 'col') || p.states.some((s) => s.space === 'row' || s.space === 'col');
  const ok = ctx.options.vectorize && !rowCol && p.insts.every((inst) => inst.space !== 'elem' || LEAF_OPS.has(inst.op) || VECTORIZABLE[inst.op]);
  return withSchedule(p, { vectorWidth: ok ? 4 : 1 });
};
