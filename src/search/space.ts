// The program space of the search: an optimizer step as an IR Program of a restricted shape.
//
// A candidate reads p, g, t, constants, its state tensors (at most `maxStates`, elem-sized f32) and one
// hyperparameter, `lr`, which stays outside the program so that fitness picks it from a grid (fitness.ts)
// instead of rewarding programs that smuggle in a better step size. Other hyperparameters of a warm start
// are inlined as constants the mutations may perturb. Per-tensor reductions (`sum`/`max`/`min` over the
// tensor, `numel`) are in the space; row/column/global reductions, randomness, extra inputs, host scalars,
// entry points, matrices and compressed formats are not.
import { CompileError, hasErrors } from '../diag.js';
import { parseProgram } from '../parser/index.js';
import { runPipeline } from '../passes/index.js';
import { LEAF_OPS, resultSpace, type Inst, type Program, type ValueId } from '../ir/index.js';

export const LR = 'lr';

export interface SpaceOptions {
  /** Most state tensors a candidate may keep (default 2, AdamW's memory). */
  maxStates: number;
  /** Most instructions after dead-code removal (default 48). */
  maxInsts: number;
}

export const DEFAULT_SPACE: SpaceOptions = { maxStates: 2, maxInsts: 48 };

export class SpaceError extends Error {}

/** A copy that mutations may edit in place (instructions and their argument lists are fresh objects). */
export function copyProgram(p: Program): Program {
  return {
    name: p.name,
    hypers: p.hypers.map((h) => ({ name: h.name, default: h.default })),
    states: p.states.map((s) => ({ name: s.name, init: s.init, format: s.format })),
    inputs: p.inputs.map((i) => ({ name: i.name })),
    insts: p.insts.map(copyInst),
    stores: p.stores.map((s) => ({ target: s.target, value: s.value })),
  };
}

function copyInst(i: Inst): Inst {
  const out: Inst = { op: i.op, args: i.args.slice(), dtype: i.dtype, space: i.space };
  if (i.value !== undefined) out.value = i.value;
  if (i.name !== undefined) out.name = i.name;
  if (i.over !== undefined) out.over = i.over;
  if (i.label !== undefined) out.label = i.label;
  return out;
}

/**
 * Turns a parsed `.opt` program into a search candidate: every hyperparameter but `lr` becomes a constant
 * (its default, or `hypers[name]`), formats become f32, then constant folding, CSE, algebraic
 * simplification and dead-code removal run. Throws SpaceError naming what does not fit the space.
 */
export function normalizeProgram(p0: Program, hypers: Record<string, number> = {}): Program {
  const problems: string[] = [];
  if (p0.fallback) problems.push('a fallback rule');
  if (p0.entries?.length) problems.push('named update blocks');
  if (p0.scalars?.length) problems.push('scalar inputs');
  if (p0.inputs.length > 1) problems.push(`extra inputs (${p0.inputs.slice(1).map((i) => i.name).join(', ')})`);
  for (const s of p0.states) if ((s.space ?? 'elem') !== 'elem') problems.push(`state '${s.name}' holds one value per ${s.space}`);
  for (const i of p0.insts) {
    if (i.op === 'rand') problems.push('random numbers');
    if (i.space === 'mat') problems.push('matrix values');
    if (i.op === 'reduce' && i.over !== 'tensor') problems.push(`a ${i.over} reduction`);
    if (i.op === 'dim' && i.name !== 'numel') problems.push(`'${i.name}'`);
  }
  if (!p0.hypers.some((h) => h.name === LR)) problems.push(`no hyperparameter 'lr' (the search tunes the step size from a grid)`);
  for (const k of Object.keys(hypers)) if (!p0.hypers.some((h) => h.name === k)) problems.push(`--hyper ${k}: no such hyperparameter`);
  if (problems.length) throw new SpaceError(`'${p0.name}' is outside the search space: ${[...new Set(problems)].join('; ')}`);
  const lr = p0.hypers.find((h) => h.name === LR)!;
  const p = copyProgram(p0);
  p.name = p0.name;
  p.hypers = [{ name: LR, default: hypers[LR] ?? lr.default }];
  p.states = p.states.map((s) => ({ ...s, format: { kind: 'f32' } }));
  p.insts = p.insts.map((i) => (i.op === 'hyper' && i.name !== LR
    ? { op: 'const', args: [], dtype: 'f32', space: 'step', value: hypers[i.name!] ?? p0.hypers.find((h) => h.name === i.name)!.default }
    : i));
  const out = runPipeline(p, { stopAfter: 'eliminateDeadCode' }).program;
  return stripSchedule(out);
}

/** Parses `.opt` source and normalizes it (`normalizeProgram`); syntax and type errors throw CompileError. */
export function loadWarmStart(source: string, file: string, hypers: Record<string, number> = {}): Program {
  const parsed = parseProgram(source, file);
  if (!parsed.program || hasErrors(parsed.diagnostics)) throw new CompileError(parsed.diagnostics, source, file);
  return normalizeProgram(parsed.program, hypers);
}

function stripSchedule(p: Program): Program {
  const { schedule: _s, ...rest } = p;
  return { ...rest, hypers: p.hypers.map((h) => ({ name: h.name, default: h.default })), states: p.states.map((s) => ({ name: s.name, init: s.init, format: s.format })) };
}

/**
 * Dead-code removal for candidates, with spaces recomputed: keeps what the new p needs (states included,
 * as eliminateDeadCode does) and renumbers. The compiler's pass does the same with diagnostics and
 * interning; this one runs per mutant, ten thousand times a second. Edits `p`'s instructions in place.
 */
export function prune(p: Program): Program {
  const live = liveValues(p);
  const map = new Int32Array(p.insts.length).fill(-1);
  const insts: Inst[] = [];
  for (let id = 0; id < p.insts.length; id++) {
    if (!live[id]) continue;
    const inst = p.insts[id]!;
    for (let j = 0; j < inst.args.length; j++) inst.args[j] = map[inst.args[j]!]!;
    map[id] = insts.length;
    insts.push(inst);
  }
  const liveState = new Set(insts.filter((i) => i.op === 'state').map((i) => i.name!));
  const out: Program = {
    name: p.name,
    hypers: p.hypers,
    states: p.states.filter((s) => liveState.has(s.name)).map((s) => ({ name: s.name, init: map[s.init]!, format: s.format })),
    inputs: p.inputs,
    insts,
    stores: p.stores.filter((s) => s.target === 'p' || liveState.has(s.target)).map((s) => ({ target: s.target, value: map[s.value]! })),
  };
  respace(out);
  return out;
}

/** Recomputes the space of every non-leaf instruction from its arguments (after arguments were rewired). */
export function respace(p: Program): void {
  const { insts } = p;
  for (let id = 0; id < insts.length; id++) {
    const inst = insts[id]!;
    if (LEAF_OPS.has(inst.op)) continue;
    let a = inst.args.length === 1 ? insts[inst.args[0]!]!.space : undefined;
    if (a === undefined) a = resultSpace(inst, inst.args.map((x) => insts[x]!.space));
    else a = resultSpace(inst, [a]);
    inst.space = a;
  }
}

/**
 * Inserts `added` (whose arguments use final numbering: ids < pos are old values, pos.. the added ones)
 * before instruction `pos`; every later value, store and state init is renumbered. Returns the new ids.
 */
export function insertAt(p: Program, pos: number, added: Inst[]): ValueId[] {
  const k = added.length;
  const shift = (id: ValueId) => (id >= pos ? id + k : id);
  for (let id = pos; id < p.insts.length; id++) {
    const a = p.insts[id]!.args;
    for (let j = 0; j < a.length; j++) a[j] = shift(a[j]!);
  }
  for (const s of p.stores) s.value = shift(s.value);
  for (const s of p.states) s.init = shift(s.init);
  p.insts.splice(pos, 0, ...added);
  return added.map((_, i) => pos + i);
}

/** Ids of the values the new p depends on, states included (the live set of dead-code removal). */
export function liveValues(p: Program): Uint8Array {
  const live = new Uint8Array(p.insts.length);
  // Candidates have a handful of stores and states: linear scans beat building maps, ten thousand times a second.
  const storeOf = (target: string) => { for (const s of p.stores) if (s.target === target) return s.value; return undefined; };
  const liveStates: string[] = [];
  const stack: number[] = [];
  const pv = storeOf('p');
  if (pv !== undefined) stack.push(pv);
  while (stack.length) {
    const id = stack.pop()!;
    if (live[id]) continue;
    live[id] = 1;
    const inst = p.insts[id]!;
    // A state read by something live makes its update and its initial value live too.
    if (inst.op === 'state' && !liveStates.includes(inst.name!)) {
      liveStates.push(inst.name!);
      const v = storeOf(inst.name!);
      if (v !== undefined) stack.push(v);
      for (const s of p.states) if (s.name === inst.name) stack.push(s.init);
    }
    for (const a of inst.args) stack.push(a);
  }
  return live;
}
