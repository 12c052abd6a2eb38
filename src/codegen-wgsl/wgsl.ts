// Tables that spell IR ops in WGSL, and the target's quirks (select's argument order, pow, bool uniforms,
// infinities, what the driver may reassociate or unroll), in one place. The emitters make no numeric decisions.
import type { Op } from '../ir/types.js';

export interface VecTypes { f: string; b: string }
export const SCALAR: VecTypes = { f: 'f32', b: 'bool' };
export const VEC4: VecTypes = { f: 'vec4<f32>', b: 'vec4<bool>' };

/** Ops where WGSL accepts one scalar and one vector operand, so a uniform needs no splat. */
export const MIXES_SCALARS: ReadonlySet<Op> = new Set(['add', 'sub', 'mul', 'div']);

/** Ops spelled as the WGSL builtin of the same name. */
const BUILTINS = ['sqrt', 'abs', 'sign', 'exp', 'log', 'min', 'max', 'floor', 'cos', 'sin'] as const;
/** Ops spelled as an infix operator. `&&`/`||` are scalar-only in WGSL; `&`/`|` work on bool and vector-of-bool alike. */
const INFIX = { add: '+', sub: '-', mul: '*', div: '/', lt: '<', le: '<=', gt: '>', ge: '>=', eq: '==', ne: '!=', and: '&', or: '|' } as const;

export const wgslOp: Partial<Record<Op, (a: string[], v: VecTypes) => string>> = {
  ...Object.fromEntries(BUILTINS.map((f) => [f, (a: string[]) => `${f}(${a.join(', ')})`])),
  ...Object.fromEntries(Object.entries(INFIX).map(([op, o]) => [op, ([a, b]: string[]) => `(${a} ${o} ${b})`])),
  neg: ([a]) => `-${a}`,
  not: ([a]) => `!${a}`,
  rsqrt: ([a]) => `inverseSqrt(${a})`,
  pow: ([a, b], v) => `${v === VEC4 ? 'optc_pow4' : 'optc_pow'}(${a}, ${b})`,
  select: ([c, a, b]) => `select(${b}, ${a}, ${c})`,
};

/** Each reduction's identity (±inf made at run time) and its fold of two values, spelled as the IR op is. */
export const IDENT: Record<string, string> = { sum: '0.0', max: 'optc_neg_inf(lid)', min: 'optc_pos_inf(lid)' };
export const FOLD: Record<string, (a: string, b: string) => string> = Object.fromEntries((['sum', 'max', 'min'] as const)
  .map((fn) => [fn, (a: string, b: string) => wgslOp[fn === 'sum' ? 'add' : fn]!([a, b], SCALAR)]));

/**
 * The first level of a workgroup tree, `wg / 2` plus a run-time zero (`zero`: a u32 expression the compiler
 * cannot see is 0). lavapipe unrolls a loop with a constant trip count, and a tree's barriers make each
 * unrolled level a separate resumable section: a sweep with two reductions took 2.4 s to compile with its
 * trees and element loop unrolled, 0.35 s without (kernels compile on their first dispatch).
 */
const firstLevel = (wg: number, zero: string) => `${wg / 2}u + ${zero}`;

/**
 * Workgroup trees folding `accs[k]` by `fns[k]` in arrays `red0`, `red1`, ... side by side (one barrier per
 * level for all of them); invocation 0 writes the totals to `dests` when `cond` holds. With `seg`, each run
 * of `seg` invocations folds on its own (its total in `red<k>[lid - lid % seg]`; no `dests`).
 */
export function tree(wg: number, fns: string[], accs: string[], dests: string[], zero: string, cond = '', seg?: number): string[] {
  return [
    ...accs.map((a, k) => `  red${k}[lid] = ${a};`),
    '  workgroupBarrier();',
    `  for (var s = ${firstLevel(seg ?? wg, zero)}; s > 0u; s = s >> 1u) {`,
    `    if (${seg ? `lid % ${seg}u` : 'lid'} < s) {`,
    ...fns.map((fn, k) => `      red${k}[lid] = ${FOLD[fn]!(`red${k}[lid]`, `red${k}[lid + s]`)};`),
    '    }',
    '    workgroupBarrier();',
    '  }',
    ...(dests.length ? [`  if (lid == 0u${cond && ` && ${cond}`}) {`, ...dests.map((d, k) => `    ${d} = red${k}[0];`), '  }'] : []),
  ];
}

/**
 * WGSL's pow is exp2(b * log2(a)): undefined for a < 0 and NaN for pow(0, 0). The IR means IEEE pow (what
 * the interpreter computes), so negative bases with integral exponents, and b == 0, are patched here.
 * The NaN for a negative base with a fractional exponent is made at run time (0/0 of a runtime zero):
 * WGSL rejects NaN in constant expressions.
 */
export function powHelpers(vec: boolean): string {
  const T = vec ? 'vec4<f32>' : 'f32';
  const name = vec ? 'optc_pow4' : 'optc_pow';
  return `fn ${name}(a: ${T}, b: ${T}) -> ${T} {
  let r = pow(abs(a), b);
  let odd = fract(b * 0.5) != ${T}(0.0);
  let integral = trunc(b) == b;
  let z = a - a;
  let neg = select(z / z, select(r, -r, odd), integral);
  return select(select(neg, r, a >= ${T}(0.0)), ${T}(1.0), b == ${T}(0.0));
}
`;
}

/** A bool step value read from its f32 uniform field (uniforms hold no bools). */
export const boolUniform = (e: string) => `(${e} != 0.0)`;

/** ±inf made at run time (WGSL rejects infinities in constant expressions). */
export const INF_HELPERS = `fn optc_neg_inf(z: u32) -> f32 { return bitcast<f32>(0xff800000u | (z & 0u)); }
fn optc_pos_inf(z: u32) -> f32 { return bitcast<f32>(0x7f800000u | (z & 0u)); }
`;

/** `x` (f32, or vec4 when `wide`) through a select on `zero`, a u32 the driver cannot see is 0: SPIR-V reaches Mesa
 * without NoContraction, and this keeps its inexact algebra from merging `x` into what is around it (`summand`, values.ts `hidesOperand`). */
export const opaque = (x: string, zero: string, wide = false) => `select(${x}, ${wide ? 'vec4<f32>(0.0)' : '0.0'}, ${zero} != 0u)`;

/**
 * A summand the driver may not merge into the running sum. Mesa fuses `y + z * w` into an ffma, moves an
 * addend into it (`acc + ffma(z, w, y)` -> `ffma(z, w, acc + y)`) and then lowers ffma back to a multiply
 * and an add: `acc + (y + z * w)` becomes `(acc + y) + z * w`, a different sum (found by
 * test/phased-fuzz.test.ts in a row sum). `opaque` keeps the summand whole; only sums need it (max and min
 * are exact in any order).
 */
export function summand(fn: string, x: string, zero: string): string {
  return fn === 'sum' ? opaque(x, zero) : x;
}

/** An f32 literal for `x` rounded to f32 (x finite): WGSL parses it back to exactly Math.fround(x). */
export function f32Literal(x0: number): string {
  const x = Math.fround(x0);
  if (Object.is(x, -0)) return '-0.0f';
  let s = String(x);
  if (/^-?\d+$/.test(s)) s += '.0';
  return x < 0 ? `(${s}f)` : `${s}f`;
}

/** Characters of a user name that are safe inside a WGSL identifier. */
export function identPart(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_').replace(/__+/g, '_');
}

/**
 * Workgroups per grid row. Grids past it spill into y (WebGPU's maxComputeWorkgroupsPerDimension is at
 * least 65,535); the runtime never makes a row wider, so the kernels can use it as a constant stride.
 */
export const GRID_X = 65535;

/**
 * The entry point's signature. Elementwise indices come from `global_invocation_id`: lavapipe compiled
 * `gid.x` into code 1.5x faster than the same index spelled `(wid.y * nwg.x + wid.x) * wg + lid` (13 vs
 * 20 ms for AdamW at 4M, docs/performance.md). `wid`/`lid` serve per-workgroup indices and trees; given the
 * body, only the builtins it reads are declared (as a hand-written kernel would).
 */
export function mainSignature(body: readonly string[]): string {
  const text = body.join('\n');
  const params = [
    '@builtin(global_invocation_id) gid: vec3<u32>',
    ...(/\bwid\./.test(text) ? ['@builtin(workgroup_id) wid: vec3<u32>'] : []),
    ...(/\blid\b/.test(text) ? ['@builtin(local_invocation_index) lid: u32'] : []),
  ];
  return `fn main(${params.join(', ')}) {`;
}

/** The invocation's index in a (possibly spilled) grid of `wg`-wide workgroups. */
export function invocationIndex(wg: number): string {
  return `gid.x + gid.y * ${GRID_X * wg}u`;
}

/** The workgroup's index in a (possibly spilled) grid. */
export const WORKGROUP_INDEX = `wid.x + wid.y * ${GRID_X}u`;
