// Phased kernels (src/codegen-wgsl/phased.ts), the shared part: the plan every stage kernel reads, the
// phased scope (what a stage reads rather than computes: leaves through the storage table, finished
// reductions, small states), workgroup trees, and assembly with the guard's early return.
import { invariant } from '../diag.js';
import { printIR } from '../ir/printer.js';
import { LEAF_OPS, type Space, type Stage, type ValueId } from '../ir/types.js';
import { inlineClosure, type PhaseInfo } from '../ir/schedule.js';
import { SEG, SEG_STRIDE, type KernelSpec, type UniformLayout } from './manifest.js';
import { KernelText, uniformRef, type ModuleCtx } from './kernel.js';
import { loadState } from './state-io.js';
import { rank1Locate } from './rank1.js';
import { emitValues, type Scope } from './values.js';
import { FOLD, IDENT, identPart, tree, VEC4, type VecTypes } from './wgsl.js';

export const ROW_BLOCK = 256;
/** Elements (or vec4s) each invocation of an elem kernel handles: more per workgroup, fewer trees. */
export const ELEMS_PER_INVOCATION = 8;
export const COL_BLOCK = 32;

/** Every stage kernel reads the plan; its storage (`codecs`) is decoded by every sweep, encoded by the store sweep. */
export interface Plan extends ModuleCtx {
  info: PhaseInfo;
  /** The stages; each one's `at` (E_k = 3k, S_k = 3k + 1, G_k = 3k + 2) orders what is ready when. */
  stages: Stage[];
  streamField: Map<ValueId, string>;
  /** Small states whose value before the step is kept (`info.smallStoreAt`: where each is stored). */
  keepOld: Set<string>;
  /** Value stored into a small state -> that state. */
  storedSmall: Map<ValueId, string>;
  wg: number;
  /** Storage buffers per kernel a tensor stage is split to fit (CodegenOptions.maxStorageBuffers). */
  maxStorage: number;
}

// ---- the phased scope ------------------------------------------------------------------------------

/**
 * A scope of a phased kernel: values of stage `stage`; `located`: rank-1 states whose cursor is placed, each
 * with the lane of it that `i` is (0: placed at `i` by this scope; k: lane k of an enclosing walk's vec4).
 */
export interface PhasedScope extends Scope { plan: Plan; stage: number; located: Map<string, number> }

/** A scope reading leaves, finished reductions, small states and `rand` draws; step values from the uniform unless `stepRef`. */
export function phasedScope(t: KernelText, plan: Plan, stage: number, v: VecTypes, indent: string, stepRef = uniformRef(plan.p, plan.fieldOf),
  zero = 'u.pad0'): PhasedScope {
  const { p, info } = plan;
  const reads = (id: ValueId) => {
    const op = p.insts[id]!.op, m = info.materialized.get(id);
    return LEAF_OPS.has(op) || op === 'reduce' || op === 'rand' || (m !== undefined && m < stage);
  };
  const s: PhasedScope = { t, p, plan, stage, v, stepRef, reads, load: (id) => readExpr(s, id), names: new Map(), out: [], indent, located: new Map(), zero };
  return s;
}

/** Emits `let` lines for everything `roots` need in this scope (in id order: topological). */
export function emitRoots(s: PhasedScope, roots: ValueId[]): void {
  emitValues(s, [...inlineClosure(s.p, s.plan.info, s.stage, roots)].sort((a, b) => a - b));
}

/** Index expression of a small value of `space` in the current scope. */
export function smallIndex(space: Space, global: boolean): string {
  if (global) return '0u';
  return space === 'row' ? 'rowBase + r' : space === 'col' ? 'colBase + c' : 'tns';
}

/** A read of a leaf, of a `rand` draw, or of a value some earlier stage (or step) left in a buffer. */
function readExpr(s: PhasedScope, id: ValueId): string {
  const { p, info } = s.plan;
  const inst = p.insts[id]!;
  const m = info.materialized.get(id);
  if (inst.op === 'reduce') {
    invariant(m !== undefined && m <= s.stage, () => `reduction %${id} read at stage ${s.stage} before it is finished (${m})\n${printIR(p)}`);
    const v = s.t.bind('result', `r${id}`, `res_r${id}`, 'f32');
    return `${v}[${smallIndex(inst.space, inst.over === 'global')}]`;
  }
  /** A small state at this scope's index: its buffer, or (`oldsmall`) its copy of the value before the step. */
  const small = (state: string, kind: 'small' | 'oldsmall' = 'small') =>
    `${s.t.bind(kind, state, `${kind === 'small' ? 'sm' : 'old'}_${identPart(state)}`, 'f32')}[${smallIndex(inst.space, false)}]`;
  const target = s.plan.storedSmall.get(id);
  // Only a value stored in a small state can be a bool (stored as 0 or 1): leaves, draws and reductions are f32.
  if (target !== undefined && m !== undefined && m < s.stage) return inst.dtype === 'bool' ? `${small(target)} != 0.0` : small(target);
  const elem = (target: string) => loadState(s.t, s.plan.codecs, target, s.v, 'i', 'encode', () => locateRank1(s, target));
  switch (inst.op) {
    case 'param': return elem('p');
    case 'input': return `${s.t.bind('input', inst.name!, `in_${identPart(inst.name!)}`, s.v.f)}[i]`;
    case 'dim': return inst.name === 'numel' ? 'f32(rows * cols)' : `f32(${inst.name})`;
    case 'rand': {
      s.t.usesRng = true;
      const one = (lane: string) => `optc_rand_${inst.name}(u.${s.plan.streamField.get(inst.args[0]!)}, tns, ti${lane})`;
      return s.v === VEC4 ? `vec4<f32>(${one('')}, ${one(' + 1u')}, ${one(' + 2u')}, ${one(' + 3u')})` : one('');
    }
    case 'state': {
      if (inst.space === 'elem') return elem(inst.name!);
      const storedAt = info.smallStoreAt.get(inst.name!);
      const old = storedAt !== undefined && storedAt < s.stage;
      invariant(!old || s.plan.keepOld.has(inst.name!), () => `state '${inst.name}' is read after its store without an old copy\n${printIR(p)}`);
      return small(inst.name!, old ? 'oldsmall' : 'small');
    }
    default: throw new Error(`phased codegen: no load for '${inst.op}' (%${id})`);
  }
}

/**
 * Places a rank-1 state's scale cursor at `i` (a vec4, or at width 1 an element) in this scope unless it is
 * placed (the store sweep's walks carry theirs, bound for their pass); returns the lane of the cursor that
 * `i` is.
 */
function locateRank1(s: PhasedScope, target: string): number {
  s.t.bindRank1(target, s.plan.codecs.get(target)!, 'encode');
  if (!s.located.has(target)) {
    s.located.set(target, 0);
    const at = rank1Locate(target, 'i', s.v === VEC4 ? 4 : 1, /* open */ true);
    s.out.push(...[...at.decl, ...at.each].map((l) => `${s.indent}${l.trimStart()}`));
  }
  return s.located.get(target)!;
}

/** `a` folded by this invocation's `lines`, then across the workgroup (`red0`) into `dest`. In a block of its own. */
export function foldTree(wg: number, fn: string, lines: string[], dest: string, zero: string): string[] {
  return ['  {', `  var a = ${IDENT[fn]};`, ...lines, ...tree(wg, [fn], ['a'], [dest], zero), '  workgroupBarrier();', '  }'];
}

/**
 * Kernels for `parts` built by `make`: consecutive parts share a kernel while it binds at most `max` storage
 * buffers (each part stands alone; kernels of one stage run in order and see each other's writes). A part
 * that alone does not fit gets a kernel of its own, which the runtime refuses with a typed error naming it.
 * Names get a suffix (`make`'s second argument) past the first.
 */
export function packed<T>(max: number, parts: T[], make: (parts: T[], suffix: string) => KernelSpec): KernelSpec[] {
  const storage = (k: KernelSpec) => k.bindings.filter((b) => b.kind !== 'uniform').length;
  const groups: T[][] = [];
  for (const part of parts) {
    const last = groups[groups.length - 1];
    if (last && storage(make([...last, part], '')) <= max) last.push(part); else groups.push([part]);
  }
  return groups.map((g, j) => make(g, j === 0 ? '' : `_${j}`));
}

/** Folds `item` (of `k`) into `a` for k = lid, lid + wg, ... below `count`. */
export const strided = (wg: number, fn: string, count: string, item: string) => `  for (var k = lid; k < ${count}; k = k + ${wg}u) { a = ${FOLD[fn]!('a', item)}; }`;

/**
 * A phased kernel, with `trees` workgroup arrays `red0` .. for its reductions. Under the guard every kernel
 * returns when the flag is up. The flag is read through workgroupUniformLoad, so the return is uniform and
 * the workgroup trees' barriers after it stay valid.
 */
export function assemble(plan: Plan, name: string, t: KernelText, uniforms: UniformLayout | undefined, body: string[], trees: number,
  wg = plan.wg): KernelSpec {
  if (plan.guard) t.bind('flag', 'skip', 'skip', 'u32');
  const guard = plan.guard ? ['  if (lid == 0u) { optc_skip = skip[0]; }', '  if (workgroupUniformLoad(&optc_skip) != 0u) { return; }'] : [];
  const decls = plan.guard ? ['var<workgroup> optc_skip: u32;'] : [];
  return t.assemble(plan.p.name, name, { title: name, wg, uniforms, trees, decls, body: [...guard, ...body] });
}

/** What a kernel names the words of the segment record it found. */
const SEG_LETS = {
  chunkOffset: 'chunkOffset', length: 'seglen', tensor: 'tns', tensorOffset: 'tensorOffset', rows: 'rows', cols: 'cols', rowBase: 'rowBase', colBase: 'colBase',
} as const;

/** Binary search of the chunk's segment table for the record whose range (field `start`, `count`) holds `key`. */
export function findSegment(key: string, startField: number): string[] {
  return [
    '  var lo = 0u;',
    '  var hi = u.nseg;',
    '  loop {',
    '    if (hi - lo <= 1u) { break; }',
    '    let mid = (lo + hi) / 2u;',
    `    if (seg[mid * ${SEG_STRIDE}u + ${startField}u] <= ${key}) { lo = mid; } else { hi = mid; }`,
    '  }',
    `  let sb = lo * ${SEG_STRIDE}u;`,
    ...Object.entries(SEG_LETS).map(([f, name]) => `  let ${name} = seg[sb + ${SEG[f as keyof typeof SEG_LETS]}u];`),
  ];
}
