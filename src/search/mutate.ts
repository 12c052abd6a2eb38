// Mutations of a candidate program, on the IR itself: insert a statement, delete one, change a function,
// change an argument, perturb a constant, add a state (an exponential moving average). Each works on a copy,
// keeps dtypes consistent by construction and leaves spaces and dead code to `prune`; `validate` then
// rejects what is still invalid and the caller mutates the parent again.
import { OPS, type Inst, type Op, type Program, type ValueId } from '../ir/index.js';
import { fmtNumber } from '../ir/printer.js';
import type { Rng } from './rng.js';
import { copyProgram, insertAt, liveValues, LR, prune, type SpaceOptions } from './space.js';

export type MutationKind = 'insert' | 'delete' | 'function' | 'argument' | 'constant' | 'state';

/** How often each mutation is drawn (evolution); constants-only tuning uses `{ constant: 1 }`. */
export const DEFAULT_WEIGHTS: Readonly<Record<MutationKind, number>> = {
  insert: 0.3, delete: 0.15, function: 0.2, argument: 0.1, constant: 0.2, state: 0.05,
};

/** Functions a mutation may swap for one another: same arity and types. */
const UNARY: Op[] = ['neg', 'abs', 'sign', 'sqrt', 'rsqrt', 'exp', 'log'];
const BINARY: Op[] = ['add', 'sub', 'mul', 'div', 'min', 'max'];
const COMPARE: Op[] = ['lt', 'le', 'gt', 'ge'];
const LOGIC: Op[] = ['and', 'or'];
const GROUPS: Op[][] = [UNARY, [...BINARY, 'pow'], COMPARE, LOGIC];

/** Constants a redraw picks from: the usual decay rates, scales and epsilons. */
const REDRAW = [0, 0.5, 1, 2, -1, 0.1, 0.9, 0.99, 0.999, 1e-8, 1e-3];

export interface Mutant { program: Program; mutation: string }

/** A place a value is used: argument `arg` of instruction `inst`, or the value of store `store`. */
type Site = { inst: ValueId; arg: number } | { store: number };

interface Ctx { p: Program; rng: Rng; live: Uint8Array }

const valueAt = (p: Program, s: Site): ValueId => ('store' in s ? p.stores[s.store]!.value : p.insts[s.inst]!.args[s.arg]!);
function setAt(p: Program, s: Site, v: ValueId): void {
  if ('store' in s) p.stores[s.store]!.value = v; else p.insts[s.inst]!.args[s.arg] = v;
}
/** Where a new value used at `s` must be inserted: before its user, or at the end for a store. */
const posOf = (p: Program, s: Site): number => ('store' in s ? p.insts.length : s.inst);

function liveSites(c: Ctx, dtype: 'f32' | 'bool' = 'f32'): Site[] {
  const { p, live } = c;
  const out: Site[] = [];
  p.insts.forEach((inst, id) => {
    if (!live[id]) return;
    inst.args.forEach((a, arg) => { if (p.insts[a]!.dtype === dtype) out.push({ inst: id, arg }); });
  });
  if (dtype === 'f32') p.stores.forEach((s, store) => { if (s.target === 'p' || live[p.insts.findIndex((i) => i.op === 'state' && i.name === s.target)]) out.push({ store }); });
  return out;
}

/** A random earlier value of type f32 to combine with: a live value, a leaf, or undefined (use a new constant). */
function operand(c: Ctx, before: number): ValueId | undefined {
  const { p, live, rng } = c;
  const cands: ValueId[] = [];
  for (let id = 0; id < before; id++) {
    const i = p.insts[id]!;
    if (i.dtype !== 'f32' || (i.op === 'hyper' && i.name === LR)) continue;
    if (live[id] || i.op === 'input' || i.op === 'param' || i.op === 'state') cands.push(id);
  }
  return cands.length && rng.next() < 0.75 ? rng.pick(cands) : undefined;
}

/** Builds instructions to insert at `pos`: ids are final (pos, pos + 1, ...); spaces are fixed by prune. */
class Block {
  readonly insts: Inst[] = [];
  constructor(readonly pos: number) {}
  op(op: Op, ...args: ValueId[]): ValueId {
    this.insts.push({ op, args, dtype: OPS[op].result === 'bool' ? 'bool' : 'f32', space: 'elem' });
    return this.pos + this.insts.length - 1;
  }
  const(value: number): ValueId {
    this.insts.push({ op: 'const', args: [], dtype: 'f32', space: 'step', value });
    return this.pos + this.insts.length - 1;
  }
  /** Scale a use of `x` by the constant `v` unless the operand already exists. */
  operand(c: Ctx, fallback: () => number): ValueId {
    const y = operand(c, this.pos);
    return y ?? this.const(fallback());
  }
}

function perturbed(rng: Rng, v: number): number {
  if (rng.next() < 0.3 || v === 0 || !Number.isFinite(v)) return rng.pick(REDRAW);
  // Decay rates move on the scale of 1 - v, so 0.9 can reach 0.99 and 0.999 in a few steps.
  if (v > 0 && v < 1 && v > 0.5 && rng.next() < 0.5) return 1 - (1 - v) * 2 ** rng.normal();
  return v * 2 ** rng.normal();
}

const templates: Record<string, (b: Block, x: ValueId, c: Ctx) => ValueId> = {
  unary: (b, x, c) => b.op(c.rng.pick(UNARY), x),
  square: (b, x) => b.op('mul', x, x),
  sqrtAbs: (b, x) => b.op('sqrt', b.op('abs', x)),
  binary: (b, x, c) => {
    const y = b.operand(c, () => c.rng.pick(REDRAW));
    return c.rng.next() < 0.5 ? b.op(c.rng.pick(BINARY), x, y) : b.op(c.rng.pick(BINARY), y, x);
  },
  scale: (b, x, c) => b.op('mul', b.const(c.rng.pick([0.5, 2, 0.1, 10, -1])), x),
  lerp: (b, x, c) => {
    const y = b.operand(c, () => 0);
    const w = b.const(c.rng.pick([0.1, 0.5, 0.9, 0.01]));
    return b.op('add', x, b.op('mul', w, b.op('sub', y, x)));
  },
  clip: (b, x, c) => {
    const k = c.rng.pick([1, 0.1, 10]);
    return b.op('min', b.op('max', x, b.const(-k)), b.const(k));
  },
  rms: (b, x) => {
    // x / (rms(x) + 1e-8): normalizes by a per-tensor reduction, as LAMB-like rules do.
    const sq = b.op('mul', x, x);
    const s = b.op('reduce', sq);
    b.insts[b.insts.length - 1]!.name = 'sum';
    b.insts[b.insts.length - 1]!.over = 'tensor';
    const n = b.pos + b.insts.push({ op: 'dim', args: [], dtype: 'f32', space: 'tensor', name: 'numel' }) - 1;
    return b.op('div', x, b.op('add', b.op('sqrt', b.op('div', s, n)), b.const(1e-8)));
  },
  mask: (b, x, c) => {
    // Keep x where it agrees in sign with another value (cautious updates): select(x * y > 0, x, 0).
    const y = b.operand(c, () => 1);
    return b.op('select', b.op('gt', b.op('mul', x, y), b.const(0)), x, b.const(0));
  },
};
const TEMPLATE_WEIGHTS: Record<keyof typeof templates, number> = {
  unary: 3, square: 1, sqrtAbs: 1, binary: 4, scale: 1, lerp: 1, clip: 1, rms: 1, mask: 1,
};

const mutations: Record<MutationKind, (c: Ctx, space: SpaceOptions) => string | undefined> = {
  insert(c) {
    const sites = liveSites(c);
    if (!sites.length) return undefined;
    const s = c.rng.pick(sites);
    const x = valueAt(c.p, s);
    const name = c.rng.weighted(TEMPLATE_WEIGHTS);
    const b = new Block(posOf(c.p, s));
    const v = templates[name]!(b, x, c);
    const out = v - b.pos;
    insertAt(c.p, b.pos, b.insts);
    setAt(c.p, 'store' in s ? s : { inst: s.inst + b.insts.length, arg: s.arg }, v);
    return `insert ${b.insts[out]!.op === 'select' ? 'mask' : name === 'unary' ? b.insts[out]!.op : name}`;
  },
  delete(c) {
    const { p, rng, live } = c;
    const ids = p.insts.map((_, id) => id).filter((id) => live[id] && p.insts[id]!.args.length && p.insts[id]!.dtype === 'f32'
      && p.insts[id]!.args.some((a) => p.insts[a]!.dtype === 'f32'));
    if (!ids.length) return undefined;
    const v = rng.pick(ids);
    const inst = p.insts[v]!;
    const r = rng.pick(inst.args.filter((a) => p.insts[a]!.dtype === 'f32'));
    for (const i of p.insts) for (let j = 0; j < i.args.length; j++) if (i.args[j] === v) i.args[j] = r;
    for (const s of p.stores) if (s.value === v) s.value = r;
    return `delete ${inst.op}`;
  },
  function(c) {
    const { p, rng, live } = c;
    const ids = p.insts.map((_, id) => id).filter((id) => live[id] && GROUPS.some((g) => g.includes(p.insts[id]!.op)));
    if (!ids.length) return undefined;
    const inst = p.insts[rng.pick(ids)]!;
    const group = GROUPS.find((g) => g.includes(inst.op))!;
    const to = rng.pick(group.filter((o) => o !== inst.op));
    const from = inst.op;
    inst.op = to;
    return `function ${from} -> ${to}`;
  },
  argument(c) {
    const { p, rng, live } = c;
    const ids = p.insts.map((_, id) => id).filter((id) => live[id] && p.insts[id]!.args.length && p.insts[id]!.op !== 'reduce');
    if (!ids.length) return undefined;
    const id = rng.pick(ids);
    const inst = p.insts[id]!;
    const j = rng.int(inst.args.length);
    const dtype = p.insts[inst.args[j]!]!.dtype;
    const cands: ValueId[] = [];
    for (let k = 0; k < id; k++) {
      const o = p.insts[k]!;
      if (o.dtype === dtype && k !== inst.args[j] && (live[k] || o.op === 'input' || o.op === 'param' || o.op === 'state' || o.op === 'step')) cands.push(k);
    }
    if (!cands.length) return undefined;
    inst.args[j] = rng.pick(cands);
    return `argument ${j + 1} of ${inst.op}`;
  },
  constant(c) {
    const { p, rng } = c;
    const sites = liveSites(c).filter((s) => !('store' in s) && p.insts[valueAt(p, s)]!.op === 'const') as { inst: number; arg: number }[];
    if (!sites.length) return undefined;
    const s = rng.pick(sites);
    const old = p.insts[valueAt(p, s)]!.value!;
    let v = perturbed(rng, old);
    if (Object.is(v, old)) v = rng.pick(REDRAW.filter((x) => x !== old));
    // Rounded to a few digits: constants print readably and mutate on the scale that matters.
    v = Number(v.toPrecision(4));
    const [id] = insertAt(p, s.inst, [{ op: 'const', args: [], dtype: 'f32', space: 'step', value: v }]);
    p.insts[s.inst + 1]!.args[s.arg] = id!;
    return `constant ${fmtNumber(old)} -> ${fmtNumber(v)}`;
  },
  state(c, space) {
    const { p, rng } = c;
    if (p.states.length >= space.maxStates) return undefined;
    const sites = liveSites(c).filter((s) => c.p.insts[valueAt(p, s)]!.space === 'elem' && !('store' in s));
    if (!sites.length) return undefined;
    const s = rng.pick(sites) as { inst: number; arg: number };
    const x = valueAt(p, s);
    const name = ['m', 'v', 'u', 'w', 'z', 'h'].find((n) => !p.states.some((st) => st.name === n))!;
    const beta = rng.pick([0.9, 0.99, 0.999]);
    const b = new Block(s.inst);
    const init = b.const(0);
    b.insts.push({ op: 'state', args: [], dtype: 'f32', space: 'elem', name });
    const leaf = b.pos + b.insts.length - 1;
    // s_new = s + (1 - beta) * (x - s), torch.lerp's form.
    const ema = b.op('add', leaf, b.op('mul', b.const(Number((1 - beta).toPrecision(4))), b.op('sub', x, leaf)));
    insertAt(p, b.pos, b.insts);
    p.states.push({ name, init, format: { kind: 'f32' } });
    p.stores.push({ target: name, value: ema });
    p.insts[s.inst + b.insts.length]!.args[s.arg] = rng.next() < 0.7 ? ema : leaf;
    return `state ${name} = ema(${p.insts[x]!.op === 'input' ? 'g' : p.insts[x]!.label ?? p.insts[x]!.op}, ${beta})`;
  },
};

/**
 * One random mutation of `parent` (never modified), or undefined when the drawn kind has nowhere to apply.
 * The result is pruned but not validated.
 */
export function mutateOnce(parent: Program, rng: Rng, space: SpaceOptions, weights: Readonly<Partial<Record<MutationKind, number>>> = DEFAULT_WEIGHTS): Mutant | undefined {
  const p = copyProgram(parent);
  const c: Ctx = { p, rng, live: liveValues(p) };
  const kind = rng.weighted(weights as Record<MutationKind, number>);
  const what = mutations[kind](c, space);
  if (what === undefined) return undefined;
  return { program: prune(p), mutation: what };
}
