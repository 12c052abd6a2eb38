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

const isConst = (i: Inst | undefined, v: number): boolean => i?.op === 'const' && i.value === v;

/** What `id` reduces to under the finite-input identities, or `id` itself. */
function identity(insts: readonly Inst[], id: ValueId): ValueId | { zero: true } {
  const i = insts[id]!;
  if (i.dtype !== 'f32' || i.space !== 'elem' && i.space !== 'step' && i.space !== 'tensor') return id;
  const [a, b] = i.args.map((x) => insts[x]);
  const [x, y] = i.args;
  switch (i.op) {
    case 'add': return isConst(b, 0) ? x! : isConst(a, 0) ? y! : id;
    case 'sub': return isConst(b, 0) ? x! : id;
    case 'mul':
      if (isConst(b, 1)) return x!;
      if (isConst(a, 1)) return y!;
      return isConst(a, 0) || isConst(b, 0) ? { zero: true } : id;
    case 'div': return isConst(b, 1) ? x! : id;
    default: return id;
  }
}

/** `p` with finite-input identities applied (uses redirected; the dead instructions stay until reorder). */
export function foldIdentities(p: Program): Program {
  const insts = p.insts.map((i) => ({ ...i, args: [...i.args] }));
  const to = insts.map((_, k) => k);
  let zero = -1;
  insts.forEach((inst, id) => {
    inst.args = inst.args.map((a) => to[a]!);
    const r = identity(insts, id);
    if (typeof r === 'number') { to[id] = r; return; }
    // `x * 0`: the constant 0 operand already exists (it is one of the arguments).
    zero = inst.args.find((a) => isConst(insts[a], 0)) ?? zero;
    to[id] = zero;
  });
  const map = (v: ValueId) => to[v]!;
  return {
    ...p, insts,
    stores: p.stores.map((s) => ({ ...s, value: map(s.value) })),
    states: p.states.map((s) => ({ ...s, init: map(s.init) })),
    entries: p.entries?.map((e) => ({ ...e, stores: e.stores.map((s) => ({ ...s, value: map(s.value) })) })),
  };
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
  const newId = new Map<ValueId, ValueId>(order.map((old, k) => [old, k]));
  const map = (v: ValueId) => newId.get(v)!;
  const insts = order.map((old) => {
    const i = p.insts[old]!;
    const out: Inst = { ...i, args: i.args.map(map) };
    if (LEAF_OPS.has(i.op) || /^v\d+$/.test(i.label ?? '')) delete out.label;
    return out;
  });
  return {
    ...p, insts,
    stores: p.stores.map((s) => ({ ...s, value: map(s.value) })),
    states: p.states.map((s) => ({ ...s, init: map(s.init) })),
    entries: p.entries?.map((e) => ({ ...e, stores: e.stores.map((s) => ({ ...s, value: map(s.value) })) })),
  };
}
