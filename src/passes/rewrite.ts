// The one way passes build a new instruction list. Every pass that adds, drops or renumbers instructions
// goes through `rewriteProgram`, which hands each instruction to the pass with its arguments already
// renumbered and then remaps everything else that names a value (stores, state inits, the schedule), so
// no pass can forget one of them.
import { invariant } from '../diag.js';
import { printIR } from '../ir/printer.js';
import {
  LEAF_OPS, OPS, type DType, type Inst, type Op, type Program, type Schedule, type Space, type ValueId,
} from '../ir/types.js';
import { resultType } from '../ir/matrix.js';

/** What a visitor returns for an instruction it drops (only valid when nothing kept refers to it). */
export const REMOVED = -1;

/** Canonical spelling of a const value (a float64 step value), with -0 distinct from 0. */
export function constKey(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

/**
 * Structural identity of an instruction: op, arguments (in ascending order for commutative ops, so `a*b`
 * and `b*a` meet), const value and declared name. Labels and spans do not count.
 */
export function instKey(inst: Pick<Inst, 'op' | 'args' | 'value' | 'name' | 'over' | 'shape'>): string {
  const { op, args } = inst;
  // `eye` and a matrix of random numbers are defined by their shape; other shapes follow from the args.
  if (inst.shape && (op === 'eye' || op === 'rand')) return `${op}|${args.join(',')}|${inst.name ?? ''}|${inst.shape.join('x')}`;
  switch (args.length) {
    case 0: return `${op}|${inst.value === undefined ? '' : constKey(inst.value)}|${inst.name ?? ''}`;
    case 1: return inst.name === undefined ? `${op}|${args[0]}` : `${op}|${args[0]}|${inst.name}|${inst.over ?? ''}`;
    case 2: {
      const [a, b] = args as [ValueId, ValueId];
      return OPS[op].commutative && a > b ? `${op}|${b},${a}` : `${op}|${a},${b}`;
    }
    default: return `${op}|${args.join(',')}`;
  }
}

/**
 * A copy of `inst` with new args and space. Built field by field: this is the hottest line of the
 * pipeline, and object spread over the mixed instruction shapes the builder produces was several times
 * slower. Spans are shared (they are never mutated).
 */
export function copyInst(inst: Inst, args: ValueId[], space: Space = inst.space): Inst {
  const out: Inst = { op: inst.op, args, dtype: inst.dtype, space };
  if (inst.value !== undefined) out.value = inst.value;
  if (inst.name !== undefined) out.name = inst.name;
  if (inst.over !== undefined) out.over = inst.over;
  if (inst.shape !== undefined) out.shape = inst.shape;
  if (inst.label !== undefined) out.label = inst.label;
  if (inst.span !== undefined) out.span = inst.span;
  return out;
}

/**
 * The instruction list a pass is building. `emit` recomputes the space of every non-leaf: a rewrite may
 * have replaced an argument by a narrower value (`select(c, a, a)` -> `a` with `c` elem and `a` step; a
 * `select` on a constant condition picking a step branch), and every later instruction must narrow with
 * it or `verify` fails.
 */
export class InstWriter {
  readonly insts: Inst[] = [];
  private readonly interned: Map<string, ValueId> | undefined;

  /** With `intern`, structurally equal instructions are emitted once (hash-consing). */
  constructor(opts: { intern?: boolean } = {}) {
    this.interned = opts.intern ? new Map() : undefined;
  }

  /**
   * Appends `inst` and returns its id; with interning, returns the id of an equal instruction instead.
   * Takes ownership: `inst` is stored as is (its space and const value normalized), so pass a fresh object
   * such as the visitor's argument, `make(...)` or a literal, never an instruction of another program.
   */
  emit(inst: Inst): ValueId {
    if (!LEAF_OPS.has(inst.op)) {
      const r = resultType(inst, inst.args.map((a) => this.insts[a]!));
      invariant(!('error' in r), () => `InstWriter.emit: ${(r as { error: string }).error}`);
      inst.space = r.space;
      if (r.shape) inst.shape = r.shape; else delete inst.shape;
    }
    if (this.interned) {
      const key = instKey(inst);
      const hit = this.interned.get(key);
      if (hit !== undefined) {
        // Keep a name for readable dumps: the first label wins, but a label beats none.
        const kept = this.insts[hit]!;
        if (!kept.label && inst.label) kept.label = inst.label;
        return hit;
      }
      this.interned.set(key, this.insts.length);
    }
    this.insts.push(inst);
    return this.insts.length - 1;
  }

  /** Emits a const (a float64 step value; elem code reads it rounded to f32). */
  const(value: number, span?: Inst['span']): ValueId {
    return this.emit({ op: 'const', args: [], dtype: 'f32', space: 'step', value, ...(span ? { span } : {}) });
  }

  /**
   * A non-leaf instruction over values of this writer, not yet emitted. Its dtype follows from the op
   * (select: its branches); its space is filled in by `emit`.
   */
  make(op: Op, args: ValueId[], extra: Pick<Inst, 'label' | 'span'> = {}): Inst {
    const info = OPS[op];
    const dtype: DType = info.result === 'arg1' ? this.insts[args[1]!]!.dtype : info.result;
    const inst: Inst = { op, args, dtype, space: 'step' };
    if (extra.label) inst.label = extra.label;
    if (extra.span) inst.span = extra.span;
    return inst;
  }
}

/**
 * Rebuilds `p` instruction by instruction. `visit` receives a fresh copy of each instruction (its own to
 * emit or drop) whose arguments are already ids in the writer, and returns the id that stands for it from
 * now on: a fresh `w.emit(...)`, an existing value (a rewrite such as x*1 -> x), or REMOVED.
 */
export function rewriteProgram(
  p: Program,
  visit: (inst: Inst, w: InstWriter, oldId: ValueId) => ValueId,
  opts: { intern?: boolean } = {},
): Program {
  const w = new InstWriter(opts);
  const map: ValueId[] = new Array(p.insts.length);
  for (let id = 0; id < p.insts.length; id++) {
    const inst = p.insts[id]!;
    const args = new Array<ValueId>(inst.args.length);
    for (let i = 0; i < args.length; i++) args[i] = map[inst.args[i]!]!;
    map[id] = visit(copyInst(inst, args), w, id);
  }
  return withInsts(p, w.insts, map);
}

/**
 * `p` with a new instruction list, given `map` from old ids to new ones (REMOVED for dropped values). The
 * result shares nothing mutable with `p`. Stores and state inits must survive; the schedule is remapped
 * best-effort (values that vanished or changed space drop out) since the scheduling passes recompute it.
 */
export function withInsts(p: Program, insts: Inst[], map: readonly ValueId[]): Program {
  const at = (id: ValueId, what: string): ValueId => {
    const n = map[id];
    invariant(n !== undefined && n !== REMOVED, () => `${what} refers to %${id}, which a pass removed\n${printIR(p)}`);
    return n;
  };
  const out: Program = {
    name: p.name,
    ...(p.doc !== undefined ? { doc: p.doc } : {}),
    hypers: p.hypers.map((h) => ({ ...h })),
    states: p.states.map((s) => ({ ...s, format: { ...s.format }, init: at(s.init, `state '${s.name}' init`) })),
    inputs: p.inputs.map((i) => ({ ...i })),
    ...(p.scalars ? { scalars: p.scalars.map((s) => ({ ...s })) } : {}),
    insts,
    stores: p.stores.map((s) => ({ ...s, value: at(s.value, `store to '${s.target}'`) })),
    ...(p.param ? { param: { ...p.param }, ...(p.paramSpan ? { paramSpan: p.paramSpan } : {}) } : {}),
    // The fallback is a program of its own: passes run on it separately (compileIR), never through this one.
    ...(p.fallback ? { fallback: p.fallback } : {}),
  };
  if (p.entries) out.entries = p.entries.map((e) => ({ ...e, stores: e.stores.map((s) => ({ ...s, value: at(s.value, `store to '${s.target}' in '${e.name}'`) })) }));
  if (p.schedule) out.schedule = remapSchedule(p.schedule, insts, map, new Set(p.stores.map((s) => s.target)));
  return out;
}

function remapSchedule(sc: Schedule, insts: Inst[], map: readonly ValueId[], stored: ReadonlySet<string>): Schedule {
  const mapped = (id: ValueId): ValueId | undefined => {
    const n = map[id];
    return n === undefined || n === REMOVED ? undefined : n;
  };
  const uniforms = new Set<ValueId>();
  for (const u of sc.uniforms) {
    const n = mapped(u);
    if (n !== undefined && insts[n]!.space === 'step') uniforms.add(n);
  }
  // A kernel keeps the instructions that are still non-leaf elem values, each in one kernel only.
  const placed = new Set<ValueId>();
  const kernels = sc.kernels.map((k) => {
    const kept: ValueId[] = [];
    for (const i of k.insts) {
      const n = mapped(i);
      if (n === undefined || placed.has(n) || insts[n]!.space !== 'elem' || LEAF_OPS.has(insts[n]!.op)) continue;
      placed.add(n);
      kept.push(n);
    }
    return { ...k, insts: kept, stores: k.stores.filter((t) => stored.has(t)) };
  });
  // Stages name values and are recomputed by splitPhases, which runs after every instruction-changing pass.
  const { stages: _stages, ...rest } = sc;
  return { ...rest, uniforms: [...uniforms].sort((a, b) => a - b), kernels };
}

/**
 * `p` with its schedule patched (starting from an empty one). For the scheduling passes, which change
 * nothing else: the result shares the instructions and declarations with `p`, which is fine because no
 * pass mutates its input.
 */
export function withSchedule(p: Program, patch: Partial<Schedule>): Program {
  const base: Schedule = p.schedule ?? { uniforms: [], kernels: [], vectorWidth: 1 };
  return { ...p, schedule: { ...base, ...patch } };
}
