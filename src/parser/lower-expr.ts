// Expressions -> IR values, with name resolution and type checking on the way.
//
// Every error is reported once, where it happens; the failed sub-expression then lowers to `undefined`
// ("poison"), and any expression with a poisoned operand is silently poisoned too, so one typo yields one
// diagnostic rather than one per enclosing operator.
//
// Emission order matters beyond correctness: `toSource` reproduces a program's instruction order exactly
// by relying on lowering being a post-order walk (operands left to right, then the operator), with the
// sugar functions (`clamp`, `lerp`) emitted in the post-order of their expansion.
import type { Builder, Value } from '../ir/builder.js';
import type { Op } from '../ir/types.js';
import { error, type Diagnostic, type Span } from '../diag.js';
import type { BinaryOp, Expr } from './ast.js';
import { BUILTIN_VALUES, FUNCTIONS, didYouMean } from './names.js';
import { LIBRARY, REDUCING_OVERLOADS, type LibraryFn } from './library.js';
import { checkElementwise, lowerMatmul, lowerMatrixCall } from './lower-matrix.js';

export type Binding =
  | { kind: 'hyper'; value: Value; span: Span }
  | { kind: 'input'; value: Value; span: Span; perElement: boolean }
  | { kind: 'state'; value: Value | undefined; span: Span }
  | { kind: 'let'; value: Value | undefined; span: Span; used: boolean }
  /**
   * `var x = e;`: a local that assignments rebind. `cond`: the condition of the block that declared it;
   * assignments under that same condition need no select, since outside the block x does not exist.
   */
  | { kind: 'var'; value: Value | undefined; span: Span; used: boolean; cond?: Value }
  /** `const n = 5;`: a number fixed at compile time. */
  | { kind: 'const'; value: number; span: Span }
  /** p, g, t, inf, nan. Leaves are made on first read, so a program that never reads `t` has no `step`. */
  | { kind: 'builtin'; value: Value | undefined; span?: undefined };

export interface LowerCtx {
  b: Builder;
  env: Map<string, Binding>;
  diagnostics: Diagnostic[];
  source?: string;
  /** Set while lowering the initial value of this state: only constants and hypers may appear. */
  initOf?: string;
  /** `let` names of the update block not yet reached, for "used before its `let`". */
  laterLets: Map<string, Span>;
  /** Every valid declaration by name (also those not lowered yet), so an init can say what it misused. */
  declared: Map<string, 'hyper' | 'state' | 'input' | 'const'>;
  usedBeforeLet: Set<string>;
  /** The named update block being lowered (undefined: the main update). */
  entry?: string;
}

const BINARY: Record<BinaryOp, Op> = {
  '+': 'add', '-': 'sub', '*': 'mul', '/': 'div', '@': 'matmul', '^': 'pow',
  '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge', '==': 'eq', '!=': 'ne', '&&': 'and', '||': 'or',
};

const LOGIC = new Set<BinaryOp>(['&&', '||']);
const CMP = new Set<BinaryOp>(['<', '<=', '>', '>=', '==', '!=']);

/** The expression's source text for messages, shortened; `this expression` without a source. */
export function show(cx: LowerCtx, e: { span: Span }): string {
  if (!cx.source || e.span.end <= e.span.start) return 'this expression';
  // Only the head is shown, so a message about a 5,000-term sum costs as little as one about `x`.
  const text = cx.source.slice(e.span.start, Math.min(e.span.end, e.span.start + 200)).replace(/\s+/g, ' ');
  return `\`${text.length > 40 ? `${text.slice(0, 37)}...` : text}\``;
}

function fail(cx: LowerCtx, code: string, message: string, span: Span, hint?: string): undefined {
  cx.diagnostics.push(error(code, message, span, hint));
  return undefined;
}

const TO_NUMBER = 'turn a condition into a number with `cond ? 1 : 0`';

/** Lowers `e` and checks it is an f32 (a number); `what` names the slot for the message. */
function number(cx: LowerCtx, e: Expr, what: string): Value | undefined {
  return asNumber(cx, lowerExpr(cx, e), e, what);
}

/** `v` (the lowered `e`) if it is a number; a diagnostic otherwise. */
function asNumber(cx: LowerCtx, v: Value | undefined, e: Expr, what: string): Value | undefined {
  if (v && cx.b.dtypeOf(v) !== 'f32') return fail(cx, 'E0302', `${what} must be a number, but ${show(cx, e)} is a bool`, e.span, TO_NUMBER);
  return v;
}

function bool(cx: LowerCtx, e: Expr, what: string, code = 'E0302'): Value | undefined {
  return asBool(cx, lowerExpr(cx, e), e, what, code);
}

function asBool(cx: LowerCtx, v: Value | undefined, e: Expr, what: string, code = 'E0302'): Value | undefined {
  if (v && cx.b.dtypeOf(v) !== 'bool') {
    const compare = e.kind === 'name' ? `\`${e.name} != 0\`` : '`x != 0`';
    return fail(cx, code, `${what} must be a bool, but ${show(cx, e)} is a number`, e.span, `compare it, e.g. ${compare}`);
  }
  return v;
}

export function lowerExpr(cx: LowerCtx, e: Expr): Value | undefined {
  const b = cx.b;
  switch (e.kind) {
    case 'error': return undefined;
    case 'num': b.span = e.span; return b.const(e.value);
    case 'paren': return lowerExpr(cx, e.expr);
    case 'name': return lowerName(cx, e.name, e.span);
    case 'unary': {
      // A minus directly on a literal is a negative constant, not `neg` of a constant: `-0.5` and `-inf` are
      // numbers (and print back as such), while `-(0.5)` keeps the `neg`.
      if (e.op === '-' && e.arg.kind === 'num') { b.span = e.span; return b.const(-e.arg.value); }
      if (e.op === '-' && e.arg.kind === 'name' && (e.arg.name === 'inf' || e.arg.name === 'nan') && cx.env.get(e.arg.name)?.kind === 'builtin') {
        b.span = e.span;
        return b.const(e.arg.name === 'inf' ? -Infinity : NaN);
      }
      const v = e.op === '-' ? number(cx, e.arg, "the operand of '-'") : bool(cx, e.arg, "the operand of '!'");
      if (!v) return undefined;
      b.span = e.span;
      return e.op === '-' ? b.neg(v) : b.not(v);
    }
    case 'binary': return lowerChain(cx, e);
    case 'ternary': {
      const c = bool(cx, e.cond, 'the condition of `?:`', 'E0303');
      const t = lowerExpr(cx, e.then);
      const f = lowerExpr(cx, e.else);
      return select(cx, c, t, f, e, e.then, e.else, '`?:`');
    }
    case 'call': return lowerCall(cx, e);
  }
}

/** An operand of a binary operator: bools for `&&`/`||`, numbers for the rest. */
function operand(cx: LowerCtx, x: Expr, op: BinaryOp, which: string): Value | undefined {
  return checkOperand(cx, lowerExpr(cx, x), x, op, which);
}

function checkOperand(cx: LowerCtx, v: Value | undefined, x: Expr, op: BinaryOp, which: string): Value | undefined {
  return LOGIC.has(op) ? asBool(cx, v, x, `the ${which} operand of '${op}'`) : asNumber(cx, v, x, `the ${which} operand of '${op}'`);
}

type BinaryExpr = Extract<Expr, { kind: 'binary' }>;

/**
 * A left-associated chain `a + b + c + …` is a tree as deep as it is long; machine-made programs write
 * sums of thousands of terms. The left spine is walked in a loop and lowered bottom-up, so only right
 * operands (bounded by the parser's nesting limit) recurse.
 */
function lowerChain(cx: LowerCtx, top: BinaryExpr): Value | undefined {
  const b = cx.b;
  const spine: BinaryExpr[] = [];
  let x: Expr = top;
  while (x.kind === 'binary') { spine.push(x); x = x.left; }
  let acc = lowerExpr(cx, x);
  for (let i = spine.length - 1; i >= 0; i--) {
    const e = spine[i]!;
    const l = checkOperand(cx, acc, e.left, e.op, 'left');
    const r = operand(cx, e.right, e.op, 'right');
    if (!l || !r) { acc = undefined; continue; }
    if (e.op === '@') { acc = lowerMatmul(cx, l, r, e.left, e.right, e.span); continue; }
    if (!checkElementwise(cx, [{ v: l, e: e.left }, { v: r, e: e.right }], e.span, `'${e.op}'`)) { acc = undefined; continue; }
    b.span = e.span;
    acc = b.op(BINARY[e.op], l, r);
  }
  return acc;
}

function select(cx: LowerCtx, c: Value | undefined, t: Value | undefined, f: Value | undefined, e: Expr, te: Expr, fe: Expr, what: string): Value | undefined {
  if (!c || !t || !f) return undefined;
  const b = cx.b;
  if (b.dtypeOf(t) !== b.dtypeOf(f)) {
    const ty = (v: Value) => (b.dtypeOf(v) === 'f32' ? 'a number' : 'a bool');
    return fail(cx, 'E0304', `the branches of ${what} differ in type: ${show(cx, te)} is ${ty(t)}, ${show(cx, fe)} is ${ty(f)}`,
      e.span, 'both branches must be numbers, or both bools');
  }
  const condExpr = e.kind === 'ternary' ? e.cond : e.kind === 'call' ? e.args[0]! : e;
  if (!checkElementwise(cx, [{ v: c, e: condExpr }, { v: t, e: te }, { v: f, e: fe }], e.span, what)) return undefined;
  b.span = e.span;
  return b.select(c, t, f);
}

function lowerName(cx: LowerCtx, name: string, span: Span): Value | undefined {
  const b = cx.b;
  const declared = cx.declared.get(name);
  if (cx.initOf !== undefined && declared !== 'hyper' && declared !== 'const' && name !== 'inf' && name !== 'nan' && (declared || BUILTIN_VALUES[name])) {
    const why = declared ? `${declared} '${name}' (a per-element value)`
      : name === 't' ? "'t' (the step count, which changes every step)" : `'${name}' (${BUILTIN_VALUES[name]}, a per-element value)`;
    return fail(cx, 'E0306', `the initial value of state '${cx.initOf}' must be a constant or an expression of hyperparameters, but it uses ${why}`,
      span, `initialize it with a constant, e.g. \`state ${cx.initOf} = 0;\`, and compute the rest in \`update\``);
  }
  const bind = cx.env.get(name);
  if (!bind) return unknownName(cx, name, span);
  // Entry points run between steps (`opt.run(name, scalars)`): there is no gradient or per-element input then.
  if (cx.entry !== undefined && (name === 'g' && bind.kind === 'builtin' || bind.kind === 'input' && bind.perElement)) {
    return fail(cx, 'E0316', `entry point '${cx.entry}' reads the per-element input '${name}'; entry points run between steps, without gradients or per-element inputs`,
      span, 'pass a scalar input (`input s: scalar;`), or keep what it needs in a state the update writes');
  }
  if (bind.kind === 'let' || bind.kind === 'var') bind.used = true;
  if (bind.kind === 'const') { b.span = span; return b.const(bind.value); }
  if (bind.kind !== 'builtin') return bind.value;
  if (!bind.value) {
    b.span = span;
    bind.value = name === 'p' ? b.param() : name === 'g' ? b.grad() : name === 't' ? b.step()
      : name === 'numel' ? b.dim('numel') : name === 'nrows' ? b.dim('rows') : name === 'ncols' ? b.dim('cols')
      : b.const(name === 'inf' ? Infinity : NaN);
  }
  return bind.value;
}

/** Names a value might have meant: declared ones first (likelier typos), then the built-ins. */
export function visibleNames(cx: LowerCtx): string[] {
  return [...cx.env.keys()].filter((k) => cx.env.get(k)!.kind !== 'builtin').concat(Object.keys(BUILTIN_VALUES));
}

function unknownName(cx: LowerCtx, name: string, span: Span): undefined {
  if (FUNCTIONS[name]) return fail(cx, 'E0201', `'${name}' is a function, not a value`, span, `call it: \`${FUNCTIONS[name]!.signature}\``);
  if (cx.initOf === undefined && cx.laterLets.has(name)) {
    cx.usedBeforeLet.add(name); // so the `let` itself is not also reported as unused
    return fail(cx, 'E0201', `'${name}' is used before its \`let\``, span, `move \`let ${name} = ...;\` above this line`);
  }
  const hint = didYouMean(name, visibleNames(cx))
    ?? `declare it (\`hyper ${name} = ...;\` or \`state ${name} = 0;\`); built-in names are p, g, t, inf, nan`;
  return fail(cx, 'E0201', `unknown name '${name}'`, span, hint);
}

/** Argument `i` of a call, which must be a number. */
function arg(cx: LowerCtx, e: Extract<Expr, { kind: 'call' }>, i: number): Value | undefined {
  return number(cx, e.args[i]!, `argument ${i + 1} of '${e.callee.name}'`);
}

function lowerCall(cx: LowerCtx, e: Extract<Expr, { kind: 'call' }>): Value | undefined {
  const b = cx.b;
  const name = e.callee.name;
  // Matrix functions and `randn(stream, side, side)` (lower-matrix.ts).
  const m = lowerMatrixCall(cx, e, (i) => arg(cx, e, i));
  if (m !== null) return m;
  // `max(x)`/`min(x)` with one argument are reductions; with two, elementwise.
  const lib = LIBRARY[name] ?? (e.args.length === 1 ? REDUCING_OVERLOADS[name] : undefined);
  if (lib) return lowerLibraryCall(cx, e, lib);
  const info = FUNCTIONS[name];
  if (!info) {
    if (cx.env.has(name)) return fail(cx, 'E0202', `'${name}' is not a function`, e.callee.span, `to multiply, write \`${name} * (...)\``);
    return fail(cx, 'E0202', `unknown function '${name}'`, e.callee.span,
      didYouMean(name, Object.keys(FUNCTIONS)) ?? `the functions are ${Object.keys(FUNCTIONS).join(', ')}`);
  }
  if (e.args.length !== info.arity) {
    return fail(cx, 'E0301', `'${name}' takes ${info.arity} argument${info.arity === 1 ? '' : 's'}, found ${e.args.length}`, e.span, `call it as \`${info.signature}\``);
  }
  switch (name) {
    case 'select': {
      const c = bool(cx, e.args[0]!, "the condition of 'select' (its first argument)", 'E0303');
      return select(cx, c, lowerExpr(cx, e.args[1]!), lowerExpr(cx, e.args[2]!), e, e.args[1]!, e.args[2]!, "'select'");
    }
    case 'clamp': { // min(max(x, lo), hi), emitted in that post-order
      const x = arg(cx, e, 0), lo = arg(cx, e, 1);
      const fits = x && lo && checkElementwise(cx, [{ v: x, e: e.args[0]! }, { v: lo, e: e.args[1]! }], e.span, "'clamp'");
      b.span = e.span;
      const mx = fits ? b.max(x, lo) : undefined;
      const hi = arg(cx, e, 2);
      if (!mx || !hi || !checkElementwise(cx, [{ v: mx, e: e }, { v: hi, e: e.args[2]! }], e.span, "'clamp'")) return undefined;
      b.span = e.span;
      return b.min(mx, hi);
    }
    case 'lerp': { // a + w * (b - a), as torch.lerp; post-order of the expansion is a, w, b
      const a = arg(cx, e, 0), w = arg(cx, e, 2), bb = arg(cx, e, 1);
      if (!a || !w || !bb) return undefined;
      if (!checkElementwise(cx, [{ v: a, e: e.args[0]! }, { v: bb, e: e.args[1]! }, { v: w, e: e.args[2]! }], e.span, "'lerp'")) return undefined;
      b.span = e.span;
      return b.add(a, b.mul(w, b.sub(bb, a)));
    }
    default: {
      const vs = e.args.map((_, i) => arg(cx, e, i));
      if (vs.some((v) => !v)) return undefined;
      if (!checkElementwise(cx, vs.map((v, i) => ({ v: v!, e: e.args[i]! })), e.span, `'${name}'`)) return undefined;
      b.span = e.span;
      const [x, y] = vs as Value[];
      switch (name) {
        case 'sqrt': return b.sqrt(x!);
        case 'rsqrt': return b.rsqrt(x!);
        case 'abs': return b.abs(x!);
        case 'sign': return b.sign(x!);
        case 'exp': return b.exp(x!);
        case 'log': return b.log(x!);
        case 'square': return b.square(x!);
        case 'min': return b.min(x!, y!);
        case 'max': return b.max(x!, y!);
        case 'pow': return b.pow(x!, y!);
      }
      return undefined;
    }
  }
}

/** A library function (library.ts): arity and argument checks, then its expansion through the Builder. */
function lowerLibraryCall(cx: LowerCtx, e: Extract<Expr, { kind: 'call' }>, lib: LibraryFn): Value | undefined {
  const b = cx.b;
  const name = e.callee.name;
  if (e.args.length !== lib.arity) {
    return fail(cx, 'E0301', `'${name}' takes ${lib.arity} argument${lib.arity === 1 ? '' : 's'}, found ${e.args.length}`, e.span, `call it as \`${lib.signature}\``);
  }
  const vs = e.args.map((_, i) => arg(cx, e, i));
  if (vs.some((v) => !v)) return undefined;
  const args = vs as Value[];
  if (lib.kind === 'reduce') {
    for (const [i, v] of args.entries()) {
      const s = b.spaceOf(v);
      const bad = s === 'step' ? 'is the same for every element'
        : (lib.over === 'row' || lib.over === 'col') && s === 'mat' ? `is a ${b.shapeOf(v)!.join(' × ')} matrix, not one value per element of the parameter`
        : lib.over === 'row' || lib.over === 'col' ? (s === 'elem' ? undefined : `has one value per ${s}, not per element`)
        : lib.over === 'tensor' && s === 'tensor' ? 'already has one value per tensor' : undefined;
      if (bad) {
        return fail(cx, 'E0311', `'${name}' folds a value over ${lib.over === 'global' ? 'every tensor' : `each ${lib.over}`}, but ${show(cx, e.args[i]!)} ${bad}`, e.args[i]!.span,
          s === 'step' ? 'use the value itself (times `numel` for a sum)' : lib.over === 'row' || lib.over === 'col' ? `${lib.signature} takes a per-element value` : 'use the value itself');
      }
    }
  }
  if (lib.arity > 1 && !checkElementwise(cx, args.map((v, i) => ({ v, e: e.args[i]! })), e.span, `'${name}'`)) return undefined;
  if (lib.kind === 'rand' && b.spaceOf(args[0]!) !== 'step') {
    return fail(cx, 'E0311', `the stream of '${name}' must be the same for every element, but ${show(cx, e.args[0]!)} is not`, e.args[0]!.span,
      'use a step value, e.g. `seed + t` with `hyper seed = 0;`');
  }
  b.span = e.span;
  return lib.lower(b, args);
}
