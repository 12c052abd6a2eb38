// Programmatic construction of IR: the same Program the parser produces. Numbers passed where a value is
// expected become constants, so `b.mul(0.9, m)` reads like the math.
import type { Span } from '../diag.js';
import { InvariantError } from '../diag.js';
import { LEAF_OPS } from './types.js';
import {
  OPS, type Dim, type DimName, type DType, type HyperDecl, type Inst, type MatShape, type Op, type Program, type RandDist,
  type ReduceFn, type ReduceOver, type ScalarDecl, type Space, type StateDecl, type StateFormat, type ValueId,
} from './types.js';
import { resultType, shaped, shapeText, valueShape } from './matrix.js';

export type Operand = ValueId | number;
/** Builder values are tagged so a plain number is never mistaken for a value id. */
export interface Value { readonly id: ValueId; readonly __value: true }
export type Arg = Value | number;

export class Builder {
  private readonly insts: Inst[] = [];
  private readonly hypers: HyperDecl[] = [];
  private readonly states: StateDecl[] = [];
  private readonly inputs: { name: string; span?: Span }[] = [{ name: 'g' }];
  private readonly stores: { target: string; value: ValueId; span?: Span }[] = [];
  private readonly scalars: ScalarDecl[] = [];
  private readonly entries: { name: string; stores: { target: string; value: ValueId; span?: Span }[]; span?: Span }[] = [];
  /** The entry point whose stores `store` records (undefined: the main update). */
  private entry: string | undefined;
  /** How the parameter is stored (`param p: bf16(...)`); undefined: f32. */
  private paramFmt: StateFormat | undefined;
  private paramSpan: Span | undefined;
  /** The rule for tensors that are not matrices (`fallback NAME { ... }`). */
  private fallbackProgram: Program | undefined;
  private readonly consts = new Map<number, ValueId>();
  private leaves = new Map<string, ValueId>();
  /** Span attached to the instructions emitted next (set by the parser's lowering). */
  span: Span | undefined;

  constructor(readonly name: string, readonly doc?: string) {}

  private v(id: ValueId): Value { return { id, __value: true }; }

  private push(inst: Inst): Value {
    this.insts.push(this.span && !inst.span ? { ...inst, span: this.span } : inst);
    return this.v(this.insts.length - 1);
  }

  private id(a: Arg): ValueId { return typeof a === 'number' ? this.const(a).id : a.id; }

  dtypeOf(a: Value): DType { return this.insts[a.id]!.dtype; }
  /** The declared space of a state (undefined: not declared). */
  stateSpace(name: string): Space | undefined {
    const s = this.states.find((x) => x.name === name);
    return s ? s.space ?? 'elem' : undefined;
  }
  spaceOf(a: Value): Space { return this.insts[a.id]!.space; }
  /** The matrix shape of a value (elem: [rows, cols]); undefined for step, tensor, row and col values. */
  shapeOf(a: Value): MatShape | undefined { return valueShape(this.insts[a.id]!); }
  /** The declared shape of a `mat` state. */
  stateShape(name: string): MatShape | undefined { return this.states.find((x) => x.name === name)?.shape; }

  const(value: number): Value {
    const key = Object.is(value, -0) ? -0.0000000001234 : value; // keep -0 distinct from 0
    const hit = this.consts.get(key);
    if (hit !== undefined) return this.v(hit);
    const v = this.push({ op: 'const', args: [], dtype: 'f32', space: 'step', value });
    this.consts.set(key, v.id);
    return v;
  }

  private leaf(op: Op, space: Space, name?: string): Value {
    const key = `${op}:${name ?? ''}`;
    const hit = this.leaves.get(key);
    if (hit !== undefined) return this.v(hit);
    const v = this.push({ op, args: [], dtype: 'f32', space, ...(name !== undefined ? { name } : {}) });
    this.leaves.set(key, v.id);
    return v;
  }

  hyper(name: string, defaultValue: number, doc?: string, span?: Span): Value {
    if (!this.hypers.some((h) => h.name === name)) this.hypers.push({ name, default: defaultValue, doc, span });
    return this.leaf('hyper', 'step', name);
  }

  /**
   * Declares a state tensor and returns its value before this step. `shape` makes it a matrix of that
   * shape (`mat`; [rows, cols] is an ordinary per-element state).
   */
  state(name: string, opts: { init?: Arg; format?: StateFormat; space?: Space; shape?: MatShape; doc?: string; span?: Span } = {}): Value {
    let decl = this.states.find((s) => s.name === name);
    if (!decl) {
      const init = this.id(opts.init ?? 0);
      const sh: { space?: Space; shape?: MatShape } = opts.shape ? shaped(opts.shape) : { space: opts.space };
      decl = {
        name, init, format: opts.format ?? { kind: 'f32' }, ...(sh.space && sh.space !== 'elem' ? { space: sh.space } : {}),
        ...(sh.shape ? { shape: sh.shape } : {}), doc: opts.doc, span: opts.span,
      };
      this.states.push(decl);
    }
    const v = this.leaf('state', decl.space ?? 'elem', name);
    if (decl.shape) this.insts[v.id]!.shape = decl.shape;
    return v;
  }

  /** Declares a per-step host scalar (`input NAME: scalar;`) and returns its value. */
  scalar(name: string, opts: { doc?: string; span?: Span } = {}): Value {
    if (!this.scalars.some((s) => s.name === name)) this.scalars.push({ name, ...(opts.doc ? { doc: opts.doc } : {}), ...(opts.span ? { span: opts.span } : {}) });
    return this.leaf('scalar', 'step', name);
  }

  /** A size of the parameter tensor: `numel`, or `rows`/`cols` of its [rows, cols] view. */
  dim(name: DimName): Value { return this.leaf('dim', 'tensor', name); }

  /** Declares an extra per-element input (besides `g`). */
  input(name: string, span?: Span): Value {
    if (!this.inputs.some((i) => i.name === name)) this.inputs.push({ name, span });
    return this.leaf('input', 'elem', name);
  }

  grad(): Value { return this.leaf('input', 'elem', 'g'); }
  param(): Value { return this.leaf('param', 'elem'); }
  /** Declares how the parameter is stored (`param p: bf16(rounding = stochastic);`): f32, f16 or bf16. */
  paramFormat(format: StateFormat, span?: Span): this {
    this.paramFmt = format.kind === 'f32' && !format.rounding ? undefined : { ...format };
    this.paramSpan = this.paramFmt ? span : undefined;
    return this;
  }
  step(): Value { return this.leaf('step', 'step'); }

  /** Emits any non-leaf op, checking arity and dtypes (builder misuse is a bug in the caller's code). */
  op(op: Op, ...args: Arg[]): Value { return this.opWith(op, {}, args); }

  private opWith(op: Op, extra: Pick<Inst, 'name' | 'over'>, args: Arg[]): Value {
    const info = OPS[op];
    if (info.arity === 0) throw new InvariantError(`Builder.op: '${op}' is a leaf; use its own method`);
    if (args.length !== info.arity) throw new InvariantError(`Builder.op: '${op}' takes ${info.arity} arguments, got ${args.length}`);
    const ids = args.map((a) => this.id(a));
    ids.forEach((id, i) => {
      const want = info.args[i];
      const got = this.insts[id]!.dtype;
      if (want !== 'any' && want !== got) throw new InvariantError(`Builder.op: argument ${i} of '${op}' must be ${want}, got ${got}`);
    });
    let dtype: DType;
    if (info.result === 'arg1') {
      dtype = this.insts[ids[1]!]!.dtype;
      if (this.insts[ids[2]!]!.dtype !== dtype) throw new InvariantError(`Builder.op: select branches differ in type`);
    } else dtype = info.result;
    const r = resultType({ op, ...extra }, ids.map((id) => this.insts[id]!));
    if ('error' in r) throw new InvariantError(`Builder.op: ${r.error}`);
    return this.push({ op, args: ids, dtype, ...extra, space: r.space, ...(r.shape ? { shape: r.shape } : {}) });
  }

  /** A reduction (`op: 'reduce'`); see `ReduceOver` for what each `over` folds. */
  reduce(fn: ReduceFn, over: ReduceOver, x: Arg): Value {
    const arg = this.insts[this.id(x)]!;
    if (arg.space === 'step') throw new InvariantError(`Builder.reduce: the argument is a step value, the same everywhere`);
    if (arg.space === 'mat' && over !== 'tensor' && over !== 'global') throw new InvariantError(`Builder.reduce: a ${over} reduction of a ${shapeText(arg.shape!)} matrix`);
    return this.opWith('reduce', { name: fn, over }, [x]);
  }

  /**
   * Counter-based random numbers, one per element, from the stream `stream` (src/ir/rng.ts); with `shape`,
   * one per entry of a matrix of that shape (indexed row-major within it).
   */
  rand(dist: RandDist, stream: Arg, shape?: MatShape): Value {
    const s = shape ? shaped(shape).shape : undefined;
    return this.opWith('rand', { name: dist, ...(s ? { shape: s } : {}) }, [stream]);
  }

  /** The matrix product a @ b (docs/matrix.md: summed in float64, rounded once). */
  matmul(a: Arg, b: Arg) { return this.op('matmul', a, b); }
  transpose(a: Arg) { return this.op('transpose', a); }
  /** `a` transposed when the tensor has more rows than columns ([rows, cols] <-> [short, long]). */
  orient(a: Arg) { return this.op('orient', a); }

  /** The d × d identity matrix. */
  eye(d: Dim): Value {
    const key = `eye:${d}`;
    const hit = this.leaves.get(key);
    if (hit !== undefined) return this.v(hit);
    const v = this.push({ op: 'eye', args: [], dtype: 'f32', space: 'mat', shape: [d, d] });
    this.leaves.set(key, v.id);
    return v;
  }

  /** The rule for parameters that are not matrices: a whole program of its own (`fallback NAME { ... }`). */
  fallback(p: Program): this {
    if (p.fallback) throw new InvariantError(`Builder.fallback: '${p.name}' has a fallback of its own`);
    this.fallbackProgram = p;
    return this;
  }

  /** Names a value for dumps and generated code (a `let` binding). */
  label(v: Value, label: string): Value {
    const inst = this.insts[v.id]!;
    if (!inst.label && !LEAF_OPS.has(inst.op)) inst.label = label;
    return v;
  }

  add(a: Arg, b: Arg) { return this.op('add', a, b); }
  sub(a: Arg, b: Arg) { return this.op('sub', a, b); }
  mul(a: Arg, b: Arg) { return this.op('mul', a, b); }
  div(a: Arg, b: Arg) { return this.op('div', a, b); }
  pow(a: Arg, b: Arg) { return this.op('pow', a, b); }
  min(a: Arg, b: Arg) { return this.op('min', a, b); }
  max(a: Arg, b: Arg) { return this.op('max', a, b); }
  neg(a: Arg) { return this.op('neg', a); }
  sqrt(a: Arg) { return this.op('sqrt', a); }
  rsqrt(a: Arg) { return this.op('rsqrt', a); }
  abs(a: Arg) { return this.op('abs', a); }
  sign(a: Arg) { return this.op('sign', a); }
  exp(a: Arg) { return this.op('exp', a); }
  log(a: Arg) { return this.op('log', a); }
  lt(a: Arg, b: Arg) { return this.op('lt', a, b); }
  le(a: Arg, b: Arg) { return this.op('le', a, b); }
  gt(a: Arg, b: Arg) { return this.op('gt', a, b); }
  ge(a: Arg, b: Arg) { return this.op('ge', a, b); }
  eq(a: Arg, b: Arg) { return this.op('eq', a, b); }
  ne(a: Arg, b: Arg) { return this.op('ne', a, b); }
  and(a: Arg, b: Arg) { return this.op('and', a, b); }
  or(a: Arg, b: Arg) { return this.op('or', a, b); }
  not(a: Arg) { return this.op('not', a); }
  select(c: Arg, a: Arg, b: Arg) { return this.op('select', c, a, b); }
  floor(a: Arg) { return this.op('floor', a); }
  cos(a: Arg) { return this.op('cos', a); }
  sin(a: Arg) { return this.op('sin', a); }

  // Library functions that are sugar over the core ops (the IR stays small for passes and search).
  square(a: Arg) { return this.mul(a, a); }
  clamp(x: Arg, lo: Arg, hi: Arg) { return this.min(this.max(x, lo), hi); }
  /** lerp(a, b, w) = a + w * (b - a), as torch.lerp. */
  lerp(a: Arg, b: Arg, w: Arg) { return this.add(a, this.mul(w, this.sub(b, a))); }

  /** Sets the new value of `p` or a state at the end of the step (the last store to a target wins). */
  store(target: string, value: Arg, span?: Span): void {
    const id = this.id(value);
    const stores = this.entry === undefined ? this.stores : this.entries.find((e) => e.name === this.entry)!.stores;
    const i = stores.findIndex((s) => s.target === target);
    const st = { target, value: id, ...(span ? { span } : {}) };
    if (i >= 0) stores[i] = st; else stores.push(st);
  }

  /** Stores from here on belong to the entry point `name` (`undefined`: back to the main update). */
  setEntry(name: string | undefined, span?: Span): void {
    if (name !== undefined && !this.entries.some((e) => e.name === name)) this.entries.push({ name, stores: [], ...(span ? { span } : {}) });
    this.entry = name;
  }

  finish(): Program {
    return {
      name: this.name,
      ...(this.doc ? { doc: this.doc } : {}),
      hypers: this.hypers.map((h) => ({ ...h })),
      states: this.states.map((s) => ({ ...s })),
      inputs: this.inputs.map((i) => ({ ...i })),
      ...(this.scalars.length ? { scalars: this.scalars.map((s) => ({ ...s })) } : {}),
      ...(this.entries.length ? { entries: this.entries.map((e) => ({ ...e, stores: e.stores.map((s) => ({ ...s })) })) } : {}),
      insts: this.insts.map((i) => ({ ...i, args: [...i.args] })),
      stores: this.stores.map((s) => ({ ...s })),
      ...(this.paramFmt ? { param: { ...this.paramFmt }, ...(this.paramSpan ? { paramSpan: this.paramSpan } : {}) } : {}),
      ...(this.fallbackProgram ? { fallback: this.fallbackProgram } : {}),
    };
  }
}
