// The readable form of a winner. The compiler's passes keep a candidate's instruction order and refuse
// rewrites that are wrong on some float input (`x + 0` is not `x` at x = -0; `x * 0` is not 0 at inf), so a
// mutated program prints with `let v1 = 0; let v2 = g;` lines and `+ 0` terms a reader has to see through.
// A winner only has to compute what the candidate computed on the values training produces, and
// winnerSource checks exactly that (the behavioural hash), so here two more steps are allowed:
//  - identities that hold for every finite input (x + 0, x - 0, 0 + x, x * 1, 1 * x, x / 1, x * 0 -> 0);
//  - instructions renumbered into the order the parser would lower the printed text in (declarations,
//    then a post-order walk of the stores), so the printer can inline every single-use value.
// A step that changed the behavioural hash would be dropped by the caller, not shipped.
import { LEAF_OPS, type Inst, type Program, type ValueId } from '../ir/index.js';
import { postOrder } from '../ir/walk.js';
import { copyInst, REMOVED, rewriteProgram, withInsts } from '../passes/rewrite.js';

const isConst = (i: Inst | undefined, v: number): boolean => i?.op === 'const' && i.value === v;

/** What `inst` (arguments in `insts`) reduces to under the finite-input identities, or undefined. */
function identity(insts: readonly Inst[], inst: Inst): ValueId | undefined {
  if (inst.dtype !== 'f32' || inst.space !== 'elem' && inst.space !== 'step' && inst.space !== 'tensor') return undefined;
  const [x, y] = inst.args;
  const [a, b] = inst.args.map((v) => insts[v]);
  switch (inst.op) {
    case 'add': return isConst(b, 0) ? x : isConst(a, 0) ? y : undefined;
    case 'sub': return isConst(b, 0) ? x : undefined;
    // `x * 0` is the constant 0 operand itself.
    case 'mul': return isConst(b, 1) ? x : isConst(a, 1) ? y : isConst(a, 0) ? x : isConst(b, 0) ? y : undefined;
    case 'div': return isConst(b, 1) ? x : undefined;
    default: return undefined;
  }
}

/** `p` with finite-input identities applied (dead instructions stay until reorder or dead-code removal). */
export function foldIdentities(p: Program): Program {
  return rewriteProgram(p, (inst, w) => identity(w.insts, inst) ?? w.emit(inst));
}

/**
 * `p` with its instructions in the parser's lowering order (docs/language.md, "Lowering"): hypers, extra
 * inputs, scalars, each state's initial value then its leaf, then the stores' post-order. Instructions
 * nothing reaches are dropped; generated `v<id>` labels too (the printer names what it must bind).
 */
export function reorder(p: Program): Program {
  const leaf = (op: Inst['op'], name: string) => p.insts.findIndex((i) => i.op === op && i.name === name);
  const roots: ValueId[] = [];
  const push = (id: ValueId) => { if (id >= 0) roots.push(id); };
  for (const h of p.hypers) push(leaf('hyper', h.name));
  for (const i of p.inputs.slice(1)) push(leaf('input', i.name));
  for (const s of p.scalars ?? []) push(leaf('scalar', s.name));
  for (const s of p.states) { push(s.init); push(leaf('state', s.name)); }
  for (const s of p.stores) push(s.value);
  for (const e of p.entries ?? []) for (const s of e.stores) push(s.value);
  const order = postOrder(p.insts, roots);
  const map = new Array<ValueId>(p.insts.length).fill(REMOVED);
  order.forEach((old, k) => { map[old] = k; });
  const insts = order.map((old) => {
    const i = p.insts[old]!;
    const out = copyInst(i, i.args.map((a) => map[a]!));
    if (LEAF_OPS.has(i.op) || /^v\d+$/.test(i.label ?? '')) delete out.label;
    return out;
  });
  return withInsts(p, insts, map);
}
