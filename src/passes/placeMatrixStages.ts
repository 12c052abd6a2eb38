// placeMatrixStages: the schedule of a matrix program (docs/matrix.md, "On the GPU") — which values are
// matrix products, which are elementwise sweeps over a matrix, which are reductions, and which live in
// buffers, as matrix stages of the one schedule (src/ir/schedule.ts). Code generation specializes them per
// tensor shape (src/codegen-wgsl/matrix-kernels.ts) and the runtime dispatches them
// (src/runtime/matrix-stages.ts).
//
// Everything that is one number per step is computed on the host. A `select` whose condition is a step
// value (an `every k` block, a `nesterov != 0 ? ... : ...`) is decided on the host too, so the plan has one
// *variant* per assignment of those conditions, and a step runs the stages of its variant only: Shampoo's
// root iterations cost nothing at the steps between refreshes, as on the interpreter.
//
// Within a variant every value that is not a step value is one of:
//   - a leaf buffer: p, an input, a state (its value before the step);
//   - materialized: computed by a stage into a buffer of its own shape;
//   - inlined: an elementwise or per-tensor value recomputed inside each kernel that reads it.
// A transpose or orient of an inlined value is inlined too: its kernel reads the leaves at swapped
// coordinates, so no transpose is ever materialized. What must be materialized: a matrix product's operands
// (the kernel reads them at arbitrary entries), stored values, and every matrix product, unless it is
// *fused*: read by exactly one materialized value, not through a transpose, which then becomes that
// product's epilogue (Newton-Schulz's X' = a X + B X is one kernel: B X with epilogue a X + acc). Reductions
// over a matrix (Frobenius norms, traces) are stages with their argument's expression fused in, writing one
// per-tensor slot that later kernels read.
import { error, type Diagnostic } from '../diag.js';
import { ELEM_SHAPE, hasMatrixStages } from '../ir/matrix.js';
import type { MatrixSchedule, MatrixStage, MatrixVariant, Operand, PlanBuffer } from '../ir/schedule.js';
import type { Inst, MatShape, Program, ValueId } from '../ir/types.js';
import type { Pass } from './pass.js';
import { withSchedule } from './rewrite.js';

const MAX_CONDS = 6;
const isView = (i: Inst): boolean => i.op === 'transpose' || i.op === 'orient';
const shapeOf = (i: Pick<Inst, 'space' | 'shape'>): MatShape => (i.space === 'mat' ? i.shape! : ELEM_SHAPE);

/** Programs scheduled as matrix stages: matrix values, or a fallback rule (tensors are split by rule). */
export function isMatrixProgram(p: Pick<Program, 'insts' | 'states' | 'fallback'>): boolean {
  return hasMatrixStages(p) || Boolean(p.fallback);
}

/** The buffer key of a leaf (p, an input, a non-step state), or undefined for any other value. */
export function leafKey(i: Inst): string | undefined {
  if (i.op === 'param') return 'p';
  if (i.op === 'input') return `in:${i.name}`;
  if (i.op === 'state' && i.space !== 'step') return `st:${i.name}`;
  return undefined;
}
const targetKey = (target: string): string => (target === 'p' ? 'p' : `st:${target}`);

/**
 * The scheduling pass for matrix programs (the elementwise scheduling passes leave them alone). What the
 * matrix stages cannot run is reported as E0331 with the reason, at the construct.
 */
export const placeMatrixStages: Pass = (p, ctx) => {
  if (!isMatrixProgram(p)) return p;
  const problem = matrixProblem(p);
  if (problem) { ctx.diagnostics.push(problem); return p; }
  return withSchedule(p, { uniforms: [], kernels: [], vectorWidth: 1, matrix: planMatrix(p) });
};

/** The matrix stages of `p` (which `matrixProblem` accepts). */
export function planMatrix(p: Program): MatrixSchedule {
  const conds = stepConds(p);
  const leaves: PlanBuffer[] = [{ key: 'p', shape: ELEM_SHAPE }, ...p.inputs.map((i) => ({ key: `in:${i.name}`, shape: ELEM_SHAPE }))];
  for (const s of p.states) if (s.space !== 'step') leaves.push({ key: `st:${s.name}`, shape: s.space === 'mat' ? s.shape! : ELEM_SHAPE });
  const variants = Array.from({ length: 2 ** conds.length }, (_, bits) =>
    planVariant(p, new Map(conds.map((c, k) => [c, Boolean((bits >> k) & 1)]))));
  const steps = p.insts.flatMap((i, id) => (i.space === 'step' ? [id] : []));
  return { leaves, conds, variants, steps };
}

const stepConds = (p: Program): ValueId[] =>
  [...new Set(p.insts.filter((i) => i.op === 'select' && i.space !== 'step' && p.insts[i.args[0]!]!.space === 'step').map((i) => i.args[0]!))];

/**
 * Why the matrix stages cannot run `p`, or undefined. Each reason names what the stages would need: they
 * encode compressed states and f16/bf16 parameters block by block (no rank-1 scales) and have no
 * per-row/per-column sweeps.
 */
export function matrixProblem(p: Program): Diagnostic | undefined {
  const hint = 'run it with `optc run FILE --backend interp`, which runs every matrix program; docs/matrix.md lists what the GPU stages run';
  const no = (what: string, why: string, span?: Inst['span']) =>
    error('E0331', `optimizer '${p.name}': ${what} in a matrix program does not run on the GPU: ${why}`, span, hint);
  if (p.entries?.length) return no('named update blocks', 'the matrix stages compile one update per step', p.entries[0]!.span);
  for (const s of p.states) {
    if (s.space && s.space !== 'elem' && s.space !== 'mat' && s.space !== 'step') return no(`state '${s.name}' of space ${s.space}`, 'the matrix stages have no per-row, per-column or per-tensor state buffers', s.span);
    // A compressed per-element state is decoded before a tensor's stages and encoded after them
    // (codegen-wgsl/matrix-states.ts), with the interpreter's quantizer; these two need more than that.
    if (s.format.rank1) return no(`state '${s.name}' stored as ${s.format.kind} with rank-1 scales`, 'the matrix stages encode a state block by block; rank-1 scales need the maxima of every row and column first', s.span);
  }
  for (const i of p.insts) {
    if (i.space === 'row' || i.space === 'col') return no('a per-row or per-column value', 'the matrix stages have no row or column sweeps (write it as a product with a ones vector)', i.span);
  }
  const conds = stepConds(p);
  if (conds.length > MAX_CONDS) return no(`${conds.length} step conditions on matrix values`, `the stages are planned once per assignment of them, at most ${MAX_CONDS}`, p.insts[conds[0]!]!.span);
  return undefined;
}

function planVariant(p: Program, cond: Map<ValueId, boolean>): MatrixVariant {
  const insts = p.insts;
  const alias: Record<number, ValueId> = {};
  const A = (id: ValueId): ValueId => {
    let x = id;
    for (;;) {
      const i = insts[x]!;
      const c = i.op === 'select' ? cond.get(i.args[0]!) : undefined;
      if (c === undefined) break;
      x = i.args[c ? 1 : 2]!;
    }
    if (x !== id) alias[id] = x;
    return x;
  };
  const isStep = (id: ValueId) => insts[id]!.space === 'step';

  // Live values (not step values) and their readers.
  const live = new Set<ValueId>();
  const users = new Map<ValueId, ValueId[]>();
  const stores = p.stores.map((s) => ({ target: s.target, value: A(s.value) }));
  const stack = stores.map((s) => s.value);
  while (stack.length) {
    const id = stack.pop()!;
    if (live.has(id) || isStep(id)) continue;
    live.add(id);
    for (const a0 of insts[id]!.args) {
      const a = A(a0);
      if (isStep(a)) continue;
      (users.get(a) ?? users.set(a, []).get(a)!).push(id);
      stack.push(a);
    }
  }

  const buffers: Record<number, string> = {};
  for (const id of live) { const k = leafKey(insts[id]!); if (k) buffers[id] = k; }
  const mat = new Set<ValueId>();
  const peel = (id0: ValueId): { base: ValueId; transpose: boolean; orient: boolean } => {
    let id = A(id0), transpose = false, orient = false;
    while (isView(insts[id]!)) {
      if (insts[id]!.op === 'transpose') transpose = !transpose; else orient = !orient;
      id = A(insts[id]!.args[0]!);
    }
    return { base: id, transpose, orient };
  };
  // A stored step or per-tensor value is broadcast by a sweep of the target's shape.
  const storeShape = new Map<ValueId, MatShape>();
  for (const s of stores) {
    if (buffers[s.value]) continue;
    mat.add(s.value);
    const target = s.target === 'p' ? undefined : p.states.find((x) => x.name === s.target);
    storeShape.set(s.value, target?.space === 'mat' ? target.shape! : ELEM_SHAPE);
  }
  const rootShape = (id: ValueId): MatShape => {
    const i = insts[id]!;
    return i.space === 'mat' || i.space === 'elem' ? shapeOf(i) : storeShape.get(id)!;
  };
  for (const id of live) {
    if (insts[id]!.op !== 'matmul') continue;
    for (const a of insts[id]!.args) { const { base } = peel(a); if (!buffers[base]) mat.add(base); }
  }

  // The expression each root's kernel inlines: stops at buffers, materialized values, step values and
  // reductions (read as slots); records the products it reaches and whether through a transpose.
  const reduces = [...live].filter((id) => insts[id]!.op === 'reduce');
  const treeProducts = (root: ValueId): Map<ValueId, boolean> => {
    const found = new Map<ValueId, boolean>();
    const seen = new Set<string>();
    const walk = (id: ValueId, viewed: boolean, top: boolean): void => {
      const key = `${id}:${viewed}`;
      if (seen.has(key) || isStep(id) || buffers[id] !== undefined) return;
      seen.add(key);
      const i = insts[id]!;
      if (!top && (mat.has(id) || i.op === 'reduce')) return;
      if (i.op === 'matmul') { found.set(id, (found.get(id) ?? false) || viewed); return; }
      for (const a of i.args) walk(A(a), viewed || isView(i), false);
    };
    walk(root, false, true);
    if (insts[root]!.op === 'matmul') found.delete(root);
    return found;
  };
  // Fusion: each product not yet materialized goes into the one root that reaches it, if there is exactly
  // one, reaches it without a transpose, is not a reduction and has no product fused yet.
  const fused: Record<number, ValueId> = {};
  const containing = new Map<ValueId, { root: ValueId; viewed: boolean }[]>();
  for (const root of [...mat, ...reduces]) {
    if (insts[root]!.op === 'matmul') continue;
    for (const [m, viewed] of treeProducts(root)) (containing.get(m) ?? containing.set(m, []).get(m)!).push({ root, viewed });
  }
  for (const m of [...live].filter((id) => insts[id]!.op === 'matmul').sort((a, b) => a - b)) {
    if (mat.has(m)) continue;
    const c = containing.get(m) ?? [];
    const r = c[0];
    if (c.length === 1 && !r!.viewed && insts[r!.root]!.op !== 'reduce' && fused[r!.root] === undefined) fused[r!.root] = m;
    else mat.add(m);
  }

  // Stages in instruction order (an instruction only reads earlier ones), then copies into store targets.
  const slots: Record<number, number> = {};
  reduces.forEach((r, k) => { slots[r] = k; });
  const roots = [...mat, ...reduces].sort((a, b) => a - b);
  const outOf = new Map<ValueId, string>();
  // A stored value is written straight into its target when no later stage reads the target's old value
  // and its own stage reads it only at the entry it writes; otherwise into a temporary, copied at the end.
  const operandBuffers = (m: ValueId): string[] => insts[m]!.args.map((a) => { const o = peel(a); return buffers[o.base] ?? `t${o.base}`; });
  // The buffers a root's kernel reads (materialized values as `t<id>` until their buffers are decided):
  // Those not in `viewed` or `operands` are read only at the entry the kernel writes: an in-place update
  // of one of them is safe.
  const readsOf = (root: ValueId): { viewed: Set<string>; any: Set<string>; operands: Set<string> } => {
    const viewedReads = new Set<string>(), any = new Set<string>();
    const m = insts[root]!.op === 'matmul' ? root : fused[root];
    const operands = new Set(m === undefined ? [] : operandBuffers(m));
    for (const b of operands) any.add(b);
    const seen = new Set<string>();
    const walk = (id: ValueId, viewed: boolean, top: boolean): void => {
      const key = `${id}:${viewed}`;
      if (seen.has(key) || isStep(id)) return;
      seen.add(key);
      const i = insts[id]!;
      if (!top && i.op === 'reduce') return; // a scalar slot
      if (!top && (buffers[id] !== undefined || mat.has(id))) {
        const b = buffers[id] ?? `t${id}`;
        any.add(b);
        if (viewed) viewedReads.add(b);
        return;
      }
      if (i.op === 'matmul') return; // the root's or the fused product: its operands are listed above
      for (const a of i.args) walk(A(a), viewed || isView(i), false);
    };
    walk(root, false, true);
    return { viewed: viewedReads, any, operands };
  };
  const rootReads = new Map(roots.map((r) => [r, readsOf(r)]));
  const lastReader = (key: string): number => roots.reduce((last, r, k) => (rootReads.get(r)!.any.has(key) ? k : last), -1);
  const copies: { from: ValueId; to: string }[] = [];
  const direct = new Set<string>();
  for (const s of stores) {
    const key = targetKey(s.target);
    if (buffers[s.value] === key) continue; // stores the value it had
    const k = roots.indexOf(s.value);
    const reads = k >= 0 ? rootReads.get(s.value)! : undefined;
    const ok = k >= 0 && !outOf.has(s.value) && !direct.has(key) && lastReader(key) <= k
      && (!reads!.any.has(key) || (!reads!.viewed.has(key) && !reads!.operands.has(key)));
    if (ok) { outOf.set(s.value, key); direct.add(key); } else copies.push({ from: s.value, to: key });
  }
  for (const r of roots) if (insts[r]!.op !== 'reduce' && !outOf.has(r)) outOf.set(r, `t${r}`);
  for (const r of roots) if (insts[r]!.op !== 'reduce') buffers[r] = outOf.get(r)!;

  const operand = (a: ValueId): Operand => { const o = peel(a); return { value: o.base, buffer: buffers[o.base]!, transpose: o.transpose, orient: o.orient }; };
  const stages: MatrixStage[] = roots.map((r, k) => {
    const i = insts[r]!;
    const reads = [...rootReads.get(r)!.any].map((b) => (b.startsWith('t') && buffers[Number(b.slice(1))] ? buffers[Number(b.slice(1))]! : b));
    if (i.op === 'reduce') return { kind: 'reduce', at: k, root: r, slot: slots[r]!, reads };
    const mm = i.op === 'matmul' ? r : fused[r];
    if (mm !== undefined) {
      const [a, b] = insts[mm]!.args.map(operand) as [Operand, Operand];
      return { kind: 'matmul', at: k, root: r, mm, a, b, out: buffers[r]!, reads };
    }
    return { kind: 'map', at: k, root: r, shape: rootShape(r), out: buffers[r]!, reads };
  });
  for (const c of copies) {
    const from = buffers[c.from]!;
    stages.push({ kind: 'copy', at: stages.length, from, to: c.to, shape: rootShape(c.from), reads: [from] });
  }

  const temps: MatrixVariant['temps'] = [];
  stages.forEach((s, k) => {
    if (s.kind !== 'map' && s.kind !== 'matmul') return;
    if (!s.out.startsWith('t')) return;
    const last = stages.reduce((l, x, j) => (x.reads.includes(s.out) ? j : l), k);
    temps.push({ key: s.out, shape: s.kind === 'map' ? s.shape : shapeOf(insts[s.root]!), first: k, last });
  });
  // A global reduction's stage writes each tensor's partial; the fold across tensors runs right after it.
  const folds: MatrixVariant['folds'] = [];
  stages.forEach((s, k) => {
    if (s.kind !== 'reduce' || insts[s.root]!.over !== 'global') return;
    const last = folds.at(-1);
    if (last && last.after === k - 1 && stages.slice(last.after + 1, k).every((x) => x.kind === 'reduce')) { last.after = k; last.reduces.push(s.root); } else folds.push({ after: k, reduces: [s.root] });
  });
  return { alias, buffers, slots, fused, stages, temps, scalarSlots: reduces.length, folds };
}
