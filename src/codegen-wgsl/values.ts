// Value emission for every kernel, fused and phased: `let` chains over the IR in one scope of a kernel,
// operands splatted where a vec4 op reads a narrower value, and the values a scope reads rather than
// computes (leaves, finished reductions, what an earlier kernel left in a buffer) through its `load`.
import { invariant } from '../diag.js';
import { printIR } from '../ir/printer.js';
import type { Program, ValueId } from '../ir/types.js';
import type { KernelText } from './kernel.js';
import { identPart, MIXES_SCALARS, opaque, SCALAR, VEC4, wgslOp, type VecTypes } from './wgsl.js';

/** Where the code being emitted runs: its kernel, how wide elem values are, how it reads values. */
export interface Scope {
  t: KernelText;
  p: Program;
  v: VecTypes;
  /** Step values: uniform fields (elem kernels) or the per-group scalar table (tensor stages). */
  stepRef: (id: ValueId) => string;
  /** Whether a value listed to `emitValues` is read (`load`) rather than computed; operands not yet named are always read. */
  reads?: (id: ValueId) => boolean;
  /** The expression reading value `id` (it may push lines it needs, and bind buffers, first). */
  load: (id: ValueId) => string;
  names: Map<ValueId, string>;
  out: string[];
  indent: string;
  /** A u32 expression that is 0 at run time but opaque to the driver (`hidesOperand`). */
  zero?: string;
}

const vname = (p: Program, id: ValueId) => `v${id}${p.insts[id]!.label ? `_${identPart(p.insts[id]!.label!)}` : ''}`;

function define(s: Scope, id: ValueId, e: string): string {
  const name = vname(s.p, id);
  s.out.push(`${s.indent}let ${name} = ${e};`);
  s.names.set(id, name);
  return name;
}

/** Emits `let` lines for `ids` (topologically ordered) not yet named in this scope, in `demandOrder`. */
export function emitValues(s: Scope, ids: Iterable<ValueId>): void {
  for (const id of demandOrder(s, [...ids])) {
    if (s.names.has(id)) continue;
    if (s.reads?.(id)) { define(s, id, s.load(id)); continue; }
    const inst = s.p.insts[id]!;
    const spell = wgslOp[inst.op];
    invariant(spell, () => `no WGSL spelling for '${inst.op}' (%${id})\n${printIR(s.p)}`);
    const vec = s.v === VEC4 && inst.space === 'elem';
    if (inst.op === 'pow') s.t.pow.add(vec);
    // WGSL mixes a scalar and a vector in + - * /: a uniform operand there is not splatted.
    const args = inst.args.map((a) => operand(s, a, vec && !MIXES_SCALARS.has(inst.op)));
    if (hidesOperand(s.p, id)) {
      invariant(s.zero, () => `no run-time zero to keep %${id}'s operands apart\n${printIR(s.p)}`);
      // + and - take a uniform operand unsplatted: the zero is as wide as the operand.
      args[0] = opaque(args[0]!, s.zero, vec && s.p.insts[inst.args[0]!]!.space === 'elem');
    }
    define(s, id, spell(args, vec ? VEC4 : SCALAR));
  }
}

/**
 * `ids` in the order a depth-first walk from their last users needs them, the operand with the larger tree
 * first (Sethi-Ullman): each value is computed just before its use and a leaf is loaded there, so fewer
 * values are live at once. In a fused AdamW the parameter is then loaded next to the final subtraction,
 * as a hand-written kernel reads it; lavapipe ran that order faster (docs/performance.md). Any topological
 * order computes the same bits.
 */
function demandOrder(s: Scope, ids: readonly ValueId[]): ValueId[] {
  const listed = new Set(ids);
  const args = (id: ValueId) => (s.reads?.(id) ? [] : s.p.insts[id]!.args.filter((a) => listed.has(a)));
  // Tree sizes in the given (topological) order; iterative, as a 5,000-term sum is a chain that deep.
  const size = new Map<ValueId, number>();
  for (const id of ids) size.set(id, args(id).reduce((n, a) => n + size.get(a)!, 1));
  const used = new Set(ids.flatMap(args));
  const out: ValueId[] = [];
  const done = new Set<ValueId>();
  // Post-order: a value's marker sits under its operands, the largest operand on top (walked first).
  const stack: [ValueId, boolean][] = ids.filter((id) => !used.has(id)).reverse().map((id) => [id, false]);
  while (stack.length) {
    const [id, operandsDone] = stack.pop()!;
    if (operandsDone) { out.push(id); continue; }
    if (done.has(id)) continue;
    done.add(id);
    stack.push([id, true], ...args(id).sort((x, y) => size.get(x)! - size.get(y)!).map((a): [ValueId, boolean] => [a, false]));
  }
  return out;
}

const ADDITIVE = new Set(['add', 'sub']);
const NEAR = new Set(['add', 'sub', 'mul', 'neg']);

/**
 * Whether add/sub `id`, computed in a kernel, must hide its first operand from the driver: SPIR-V reaches Mesa
 * without NoContraction, and its inexact algebra cancels and factors across one level when the two operands
 * share a value: `(g + p) - g` becomes `p` and `a * b + a * c` becomes `a * (b + c)` (measured: `(g + p) - g`
 * with g = 1000.5 returned p unrounded; fuzz compressed-fuzz #37, phased-fuzz #138: one ulp off the
 * interpreter). Read through a select on a run-time zero, the operand is opaque and the program's rounding
 * stays. A step value (or constant: host.ts `reassociableConstants`) shared is one too: two reads of one
 * uniform field are one value to the driver (measured: `(h + p) - h`, `h * g + h * p` for a hyper h). `same`
 * maps an operand to the value a kernel reads for it (matrix kernels: a select decided by the variant).
 */
export function hidesOperand(p: Pick<Program, 'insts'>, id: ValueId, same = (x: ValueId) => x): boolean {
  const inst = p.insts[id]!;
  if (inst.space === 'step' || !ADDITIVE.has(inst.op) || inst.dtype === 'bool') return false;
  const near = (x: ValueId) => [x, ...(NEAR.has(p.insts[x]!.op) ? p.insts[x]!.args.map(same) : [])];
  const [l, r] = inst.args.map(same) as [ValueId, ValueId];
  const left = new Set(near(l));
  return near(r).some((x) => left.has(x));
}

/** An operand: by name (read first if need be), or a step value; splatted to vec4 when `wantVec` and narrower. */
export function operand(s: Scope, id: ValueId, wantVec: boolean): string {
  const inst = s.p.insts[id]!;
  const e = inst.space === 'step' ? s.stepRef(id) : s.names.get(id) ?? define(s, id, s.load(id));
  if (!wantVec || (s.v === VEC4 && inst.space === 'elem')) return e;
  return inst.dtype === 'bool' ? `vec4<bool>(${e})` : `vec4<f32>(${e})`;
}

/** A value as an f32 expression to store, full width (bools as 0/1). */
export function storedExpr(s: Scope, id: ValueId): string {
  const vec = s.v === VEC4;
  const e = operand(s, id, vec);
  if (s.p.insts[id]!.dtype !== 'bool') return e;
  const T = vec ? 'vec4<f32>' : 'f32';
  return `select(${T}(0.0), ${T}(1.0), ${e})`;
}
