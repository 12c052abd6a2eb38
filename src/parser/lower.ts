// Semantic checks and lowering of a whole optimizer: AST -> IR Program via the Builder.
//
// Lowering order is fixed and is what `toSource` reproduces: all hypers (source order), then extra inputs,
// then each state (its initial value, then its leaf), then the update block statement by statement. `p`,
// `g` and `t` become leaves on first read. Sequential assignment is an environment: `m = e` rebinds `m`, so
// later statements read the new value, while the `state m` leaf stays the value before the step; at the
// end every assigned target gets one store of its final value, in order of first assignment.
//
// Matrix programs (docs/matrix.md) add three things that vanish here: a `const` is a number, `repeat n`
// lowers its body n times (unrolled), and a `var` is an environment entry that assignments rebind like a
// state's, without a store. A `fallback NAME { ... }` block is lowered as an optimizer of its own.
import { Builder, type Value } from '../ir/builder.js';
import { ELEM_SHAPE, hasMatrixStages, firstMatrixInst } from '../ir/matrix.js';
import { widerSpace, type Program, type Space } from '../ir/types.js';
import { error, hasErrors, lineCol, warning, type Diagnostic, type Span } from '../diag.js';
import type {
  ConstDecl, Expr, FallbackDecl, HyperDecl, InputDecl, OptimizerAst, ParamDecl, StateDecl, Stmt, UpdateBlock,
} from './ast.js';
import { lowerExpr, show, visibleNames, type Binding, type LowerCtx } from './lower-expr.js';
import { checkAssignShape, checkElementwise } from './lower-matrix.js';
import { lowerParam, lowerState } from './lower-decls.js';
export { MAX_BLOCK } from './lower-decls.js';
import { everyCondition } from './library.js';
import { BUILTIN_VALUES, didYouMean } from './names.js';

export interface LowerResult { program: Program | undefined; diagnostics: Diagnostic[] }

export interface LowerOptions {
  /** Set when lowering a fallback rule (which may not have one itself). */
  inFallback?: boolean;
  /**
   * Values for `const` declarations, replacing the file's (`{ rank: 8 }`); `FALLBACK.NAME` sets one of the
   * fallback rule's. A name the file does not declare is an error (E0326).
   */
  consts?: Record<string, number>;
}

type Decl = HyperDecl | ConstDecl | StateDecl | InputDecl;

/** Most iterations a `repeat` unrolls: torch's Muon refuses 100 Newton-Schulz steps or more. */
export const MAX_REPEAT = 100;

export function lowerToIR(ast: OptimizerAst, source?: string, options: LowerOptions = {}): LowerResult {
  const b = new Builder(ast.name.name, ast.doc);
  const cx: LowerCtx = { b, env: new Map(), diagnostics: [], source, laterLets: new Map(), declared: new Map(), usedBeforeLet: new Set() };
  const where = (s: Span) => (source ? ` on line ${lineCol(source, s.start).line}` : '');

  // Names first, so that duplicates are reported against the first declaration in source order.
  const firstDecl = new Map<string, Decl>();
  const decls: Decl[] = [];
  let update: UpdateBlock | undefined;
  const entries: UpdateBlock[] = [];
  let paramDecl: ParamDecl | undefined;
  let fallback: FallbackDecl | undefined;
  for (const m of ast.members) {
    if (m.kind === 'fallback') {
      if (options.inFallback) {
        cx.diagnostics.push(error('E0113', 'a fallback rule inside a fallback rule', m.name.span, 'a fallback is an optimizer for every parameter that is not a matrix; it has no fallback of its own'));
      } else if (fallback) {
        cx.diagnostics.push(error('E0113', 'a second fallback rule', m.name.span, `merge it into the first one${where(fallback.span)}`));
      } else fallback = m;
      continue;
    }
    if (m.kind === 'param') {
      if (m.name.name !== 'p') {
        cx.diagnostics.push(error('E0211', `\`param\` declares how the parameter 'p' is stored, not '${m.name.name}'`, m.name.span, 'write e.g. `param p: bf16;`'));
      } else if (paramDecl) {
        cx.diagnostics.push(error('E0213', 'a second `param` declaration', m.span, `the parameter's format was declared${where(paramDecl.span)}; keep one`));
      } else paramDecl = m;
      continue;
    }
    if (m.kind === 'update' && m.name) {
      const prior = entries.find((e) => e.name!.name === m.name!.name);
      if (prior) cx.diagnostics.push(error('E0109', `a second update block named '${m.name.name}'`, m.name.span, `merge it into the first one${where(prior.keywordSpan)}`));
      else entries.push(m);
      continue;
    }
    if (m.kind === 'update') {
      if (update) cx.diagnostics.push(error('E0109', 'a second update block', m.keywordSpan, `merge it into the first one${where(update.keywordSpan)}`));
      else update = m;
      continue;
    }
    const name = m.name.name;
    const builtin = BUILTIN_VALUES[name];
    const prior = firstDecl.get(name);
    if (builtin) {
      cx.diagnostics.push(error('E0206', `cannot declare '${name}': it is a built-in name (${builtin})`, m.name.span, 'pick another name'));
    } else if (prior) {
      cx.diagnostics.push(error('E0203', `'${name}' is already declared`, m.name.span, `it was declared as a ${prior.kind}${where(prior.name.span)}; rename one of them`));
    } else {
      firstDecl.set(name, m);
      cx.declared.set(name, m.kind);
      decls.push(m);
    }
  }
  if (!update) {
    cx.diagnostics.push(error('E0108', `optimizer '${ast.name.name}' has no update block`, ast.name.span,
      'add one, e.g. `update { p = p - lr * g; }`'));
  }

  if (paramDecl) lowerParam(cx, paramDecl);
  const overrides = splitConsts(options.consts ?? {}, fallback?.name.name);
  for (const d of decls) if (d.kind === 'const') {
    const value = overrides.own[d.name.name] ?? d.value;
    cx.env.set(d.name.name, { kind: 'const', value, span: d.name.span });
  }
  for (const name of Object.keys(overrides.own)) {
    if (!decls.some((d) => d.kind === 'const' && d.name.name === name)) {
      const known = decls.filter((d) => d.kind === 'const').map((d) => d.name.name);
      cx.diagnostics.push(error('E0326', `optimizer '${ast.name.name}' has no const '${name}' to set`, undefined,
        known.length ? `its consts are ${known.join(', ')}` : 'it declares no `const`; hyperparameters are set at run time, not when compiling'));
    }
  }
  for (const d of decls) if (d.kind === 'hyper') {
    b.span = d.span;
    cx.env.set(d.name.name, { kind: 'hyper', value: b.hyper(d.name.name, d.value, d.doc, d.span), span: d.span });
  }
  for (const d of decls) if (d.kind === 'input') {
    b.span = d.span;
    if (d.type && d.type.name !== 'scalar') {
      cx.diagnostics.push(error('E0210', `unknown kind of input '${d.type.name}'`, d.type.span,
        `write \`input ${d.name.name};\` for a per-element input, or \`input ${d.name.name}: scalar;\` for one number per step`));
    }
    const value = d.type?.name === 'scalar' ? b.scalar(d.name.name, { doc: d.doc, span: d.span }) : b.input(d.name.name, d.span);
    cx.env.set(d.name.name, { kind: 'input', value, span: d.span, perElement: d.type?.name !== 'scalar' });
  }
  // Built-ins go in before the states: `inf` and `nan` may appear in an initial value (p, g, t may not, and
  // say so, since `declared`/BUILTIN_VALUES are checked first).
  for (const name of Object.keys(BUILTIN_VALUES)) cx.env.set(name, { kind: 'builtin', value: undefined });
  for (const d of decls) if (d.kind === 'state') lowerState(cx, d);

  // Entry points start from the declarations alone: the main update's lets and assignments are not theirs.
  const base = new Map([...cx.env].map(([k, v]) => [k, { ...v }] as const));
  if (update) lowerUpdate(cx, update);
  for (const e of entries) {
    cx.env = new Map([...base].map(([k, v]) => [k, { ...v }] as const));
    b.setEntry(e.name!.name, e.keywordSpan);
    cx.entry = e.name!.name;
    lowerUpdate(cx, e);
    cx.entry = undefined;
    b.setEntry(undefined);
  }
  if (fallback) lowerFallback(cx, fallback, overrides.fallback, source);
  b.span = undefined;
  // A `repeat` body is lowered once per iteration: its problems are reported once.
  const seen = new Set<string>();
  const diagnostics = cx.diagnostics.filter((d) => {
    const key = `${d.code}|${d.span?.start}|${d.span?.end}|${d.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  }).sort((x, y) => (x.span?.start ?? 0) - (y.span?.start ?? 0));
  return { program: hasErrors(diagnostics) ? undefined : b.finish(), diagnostics };
}

/** `FALLBACK.NAME` overrides go to the fallback rule, the rest to the optimizer itself. */
function splitConsts(c: Record<string, number>, fallback: string | undefined): { own: Record<string, number>; fallback: Record<string, number> } {
  const own: Record<string, number> = {};
  const fb: Record<string, number> = {};
  for (const [k, v] of Object.entries(c)) {
    if (fallback && k.startsWith(`${fallback}.`)) fb[k.slice(fallback.length + 1)] = v; else own[k] = v;
  }
  return { own, fallback: fb };
}

/**
 * `fallback NAME { ... }`: an optimizer of its own (hypers, states, update) for the parameters that are not
 * matrices. It may not use matrix operations: it runs on vectors and scalars (E0329).
 */
function lowerFallback(cx: LowerCtx, f: FallbackDecl, consts: Record<string, number>, source: string | undefined): void {
  const r = lowerToIR({ kind: 'optimizer', name: f.name, doc: f.doc, members: f.members, span: f.span }, source, { consts, inFallback: true });
  cx.diagnostics.push(...r.diagnostics);
  if (!r.program) return;
  if (hasMatrixStages(r.program)) {
    const at = firstMatrixInst(r.program)?.span ?? r.program.states.find((s) => s.space === 'mat')?.span ?? f.name.span;
    cx.diagnostics.push(error('E0329', `the fallback rule '${f.name.name}' uses matrix operations, but it runs on the parameters that are not matrices`, at,
      'keep matrix operations in the main update; the fallback steps vectors and scalars elementwise (AdamW, say)'));
    return;
  }
  cx.b.fallback(r.program);
}

function lowerUpdate(cx: LowerCtx, u: UpdateBlock): void {
  const b = cx.b;
  const entry = u.name?.name;
  /** Targets in order of first assignment, with the span of the last one (the store's span). */
  const assigned = new Map<string, Span>();
  const lets: { name: string; span: Span; bind: Binding & { kind: 'let' } }[] = [];

  /** The current value of `p` or a state (its leaf until assigned). */
  const current = (name: string, target: Binding): Value | undefined => {
    if (name === 'p' && target.kind === 'builtin' && !target.value) target.value = b.param();
    return target.kind === 'const' ? undefined : target.value;
  };

  // Statements in order; inside `if`/`every` blocks, `cond` holds, and an assignment keeps the old value
  // where it does not: `x = e` becomes `x = select(cond, e, x)`. A block's `let`s and `var`s end with the
  // block; a `repeat` body is a block lowered once per iteration.
  const run = (body: Stmt[], cond: Value | undefined, block: boolean): void => {
    for (const s of body) if (s.kind === 'let' && !cx.laterLets.has(s.name.name)) cx.laterLets.set(s.name.name, s.name.span);
    const scoped: string[] = [];
    for (const s of body) {
      if (s.kind === 'if' || s.kind === 'every') {
        let c: Value | undefined;
        if (s.kind === 'if') {
          c = lowerExpr(cx, s.cond);
          if (c && b.dtypeOf(c) !== 'bool') {
            cx.diagnostics.push(error('E0303', `the condition of \`if\` must be a bool, but ${show(cx, s.cond)} is a number`, s.cond.span, 'compare it, e.g. `x != 0`'));
            c = undefined;
          }
        } else {
          const k = lowerExpr(cx, s.period);
          if (k && b.dtypeOf(k) !== 'f32') cx.diagnostics.push(error('E0302', `the period of \`every\` must be a number, but ${show(cx, s.period)} is a bool`, s.period.span));
          b.span = s.keywordSpan;
          c = k && b.dtypeOf(k) === 'f32' ? everyCondition(b, k) : undefined;
        }
        if (c && b.spaceOf(c) === 'mat') {
          cx.diagnostics.push(error('E0322', `the condition of \`if\` is ${show(cx, s.kind === 'if' ? s.cond : s.period)}, a matrix of another shape than the parameter`, s.keywordSpan,
            'a condition holds per element of the parameter, per row, column or tensor, or for the whole step'));
          c = undefined;
        }
        b.span = s.keywordSpan;
        const inner = c && cond ? b.and(cond, c) : c ?? cond;
        run(s.kind === 'if' ? s.then : s.body, inner, true);
        if (s.kind === 'if' && s.else) {
          b.span = s.keywordSpan;
          const notC = c ? b.not(c) : undefined;
          run(s.else, notC && cond ? b.and(cond, notC) : notC ?? cond, true);
        }
        continue;
      }
      if (s.kind === 'repeat') {
        const n = repeatCount(cx, s.count);
        for (let k = 0; k < (n ?? 0); k++) run(s.body, cond, true);
        continue;
      }
      if (s.kind === 'let' || s.kind === 'var') {
        const name = s.name.name;
        const word = s.kind === 'let' ? '`let`' : '`var`';
        cx.laterLets.delete(name);
        const v = lowerExpr(cx, s.value);
        const prior = cx.env.get(name);
        if (BUILTIN_VALUES[name]) {
          cx.diagnostics.push(error('E0204', `cannot bind '${name}' with ${word}: it is a built-in name (${BUILTIN_VALUES[name]})`, s.name.span, `pick another name, e.g. '${name}2'`));
        } else if (prior?.kind === 'let' || prior?.kind === 'var') {
          cx.diagnostics.push(error('E0204', `'${name}' is already defined`, s.name.span,
            prior.kind === 'var' ? `assign it (\`${name} = ...;\`) to give it a new value`
              : `\`let\` bindings are immutable: pick a new name such as '${name}2', declare \`var ${name} = ...;\` to rebind it, or \`state ${name} = 0;\` to keep it across steps`));
        } else if (prior) {
          cx.diagnostics.push(error('E0204', `'${name}' is already declared as a ${prior.kind}`, s.name.span, `pick another name for the ${word}`));
        } else {
          if (v) b.label(v, name);
          const bind = { kind: s.kind, value: v, span: s.name.span, used: cx.usedBeforeLet.has(name), ...(s.kind === 'var' && cond ? { cond } : {}) };
          cx.env.set(name, bind);
          if (s.kind === 'let') lets.push({ name, span: s.name.span, bind: bind as Binding & { kind: 'let' } });
          if (block) scoped.push(name);
        }
        continue;
      }
      const name = s.target.name;
      const v = lowerExpr(cx, s.value);
      const target = cx.env.get(name);
      if (target?.kind === 'var') {
        // A var takes the new value for the statements after this one; its shape and type stay the same.
        const old = target.value;
        let value = v;
        if (v && old && b.dtypeOf(v) !== b.dtypeOf(old)) {
          cx.diagnostics.push(error('E0327', `'${name}' holds ${b.dtypeOf(old) === 'f32' ? 'a number' : 'a bool'}, but ${show(cx, s.value)} is ${b.dtypeOf(v) === 'f32' ? 'a number' : 'a bool'}`,
            s.value.span, `bind a new name for a value of another type (\`var ${name}2 = ...;\`)`));
          value = undefined;
        } else if (v && old && !checkAssignShape(cx, `'${name}'`, b.shapeOf(old), v, s.value)) value = undefined;
        if (value && old && cond && cond.id !== target.cond?.id) value = guarded(cond, value, old, s);
        target.value = value;
        continue;
      }
      if (target && (target.kind === 'state' || name === 'p')) {
        if (v && b.dtypeOf(v) !== 'f32') {
          cx.diagnostics.push(error('E0307', `cannot assign a bool to ${name === 'p' ? "'p'" : `state '${name}'`}`, s.value.span,
            'states and p hold numbers; write e.g. `cond ? a : b`'));
        }
        let value = v && b.dtypeOf(v) === 'f32' ? v : undefined;
        const into = name === 'p' || b.stateSpace(name) === 'elem' ? ELEM_SHAPE : b.stateShape(name);
        if (value && !checkAssignShape(cx, name === 'p' ? "'p'" : `state '${name}'`, into, value, s.value)) value = undefined;
        else if (value) value = checkSpace(cx, name, value, s.value);
        if (value && cond) {
          const old = current(name, target);
          value = old ? guarded(cond, value, old, s) : undefined;
        }
        // A poisoned value still counts as an assignment, so the "never assigned" warning does not pile on.
        target.value = value;
        assigned.set(name, s.span);
        continue;
      }
      cx.diagnostics.push(notAssignable(cx, name, target, s.target.span));
    }
    for (const name of scoped) cx.env.delete(name);
  };

  /** `select(cond, value, old)`, when the condition fits the value's shape (E0322 otherwise). */
  const guarded = (cond: Value, value: Value, old: Value, s: { span: Span; value: { span: Span } }): Value | undefined => {
    if (!checkElementwise(cx, [{ v: cond, e: s }, { v: value, e: s.value }, { v: old, e: s }], s.span, 'an assignment under a condition')) return undefined;
    b.span = s.span;
    return b.select(cond, value, old);
  };

  run(u.body, undefined, false);

  for (const [name, span] of assigned) {
    const v = cx.env.get(name)?.value;
    if (v) b.store(name, v as Value, span);
  }
  if (entry === undefined) {
    for (const [name, bind] of cx.env) {
      if (bind.kind === 'state' && !assigned.has(name)) {
        cx.diagnostics.push(warning('W0401', `state '${name}' is never assigned in update`, bind.span,
          `it keeps its initial value forever; assign it (\`${name} = ...;\`) or remove it`));
      }
    }
    if (!assigned.has('p')) {
      cx.diagnostics.push(warning('W0402', "the update block never assigns 'p'", u.keywordSpan,
        'the parameter never changes; assign it, e.g. `p = p - lr * g;`'));
    }
  }
  // A `let` inside `repeat` is bound once per iteration; it is unused only if no iteration used it.
  const usedAt = new Set(lets.filter((l) => l.bind.used).map((l) => l.span.start));
  for (const l of lets) {
    // A let whose value had an error is "unused" only because of that error.
    if (!usedAt.has(l.span.start) && l.bind.value) cx.diagnostics.push(warning('W0403', `'${l.name}' is never used`, l.span, 'remove the `let`, or use it'));
  }
}

/** The count of `repeat`: a whole number from 0 to MAX_REPEAT, known at compile time (E0325 otherwise). */
function repeatCount(cx: LowerCtx, e: Expr): number | undefined {
  const hint = `write a number or the name of a \`const\`, e.g. \`const ns_steps = 5;\` then \`repeat ns_steps { ... }\``;
  const value = e.kind === 'num' ? e.value : e.kind === 'name' && cx.env.get(e.name)?.kind === 'const' ? (cx.env.get(e.name) as { value: number }).value : undefined;
  if (value === undefined) {
    if (e.kind === 'name' && !cx.env.has(e.name)) { lowerExpr(cx, e); return undefined; } // unknown name: E0201
    cx.diagnostics.push(error('E0325', `the count of \`repeat\` must be known when compiling, but ${show(cx, e)} is not a number or a \`const\``, e.span, hint));
    return undefined;
  }
  if (!Number.isInteger(value) || value < 0 || value > MAX_REPEAT) {
    cx.diagnostics.push(error('E0325', `the count of \`repeat\` must be a whole number from 0 to ${MAX_REPEAT}, got ${value}`, e.span,
      'the body is unrolled once per iteration when compiling'));
    return undefined;
  }
  return value;
}

/**
 * A value assigned to a state must fit it: a row state takes row (or tensor, or step) values, `p` and
 * element states anything, a step state only step values.
 */
function checkSpace(cx: LowerCtx, name: string, v: Value, e: { span: Span }): Value | undefined {
  const b = cx.b;
  const into: Space = name === 'p' ? 'elem' : b.stateSpace(name) ?? 'elem';
  const got = b.spaceOf(v);
  if (widerSpace(got, into) === into) return v;
  const per = (s: Space) => (s === 'elem' ? 'element' : s === 'step' ? 'step (the same everywhere)' : s);
  const hint = into === 'row' ? 'reduce it over each row, e.g. `row_mean(...)`'
    : into === 'col' ? 'reduce it over each column, e.g. `col_mean(...)`'
    : into === 'tensor' ? 'reduce it over the tensor, e.g. `sum(...)` or `mean(...)`'
    : 'a step state is kept on the host: it can only depend on hyperparameters, t, scalar inputs and step states';
  cx.diagnostics.push(error('E0312', `state '${name}' holds one value per ${per(into)}, but ${show(cx, e)} has one per ${per(got)}`, e.span, hint));
  return undefined;
}

function notAssignable(cx: LowerCtx, name: string, target: Binding | undefined, span: Span): Diagnostic {
  const local = `use \`let ${name}2 = ...;\` for a modified local value`;
  if (!target) {
    const states = [...cx.env].filter(([, v]) => v.kind === 'state').map(([k]) => k).concat('p');
    const guess = didYouMean(name, states) ?? didYouMean(name, visibleNames(cx));
    return error('E0205', `cannot assign to unknown name '${name}'`, span,
      guess ?? `declare it first: \`state ${name} = 0;\` to keep a value across steps, or \`let ${name} = ...;\``);
  }
  switch (target.kind) {
    case 'const':
      return error('E0205', `cannot assign to const '${name}'`, span, `consts are fixed when compiling; ${local}`);
    case 'hyper':
      return error('E0205', `cannot assign to hyper '${name}'`, span,
        `hyperparameters are read-only in \`update\`; ${local}, or a \`state\` to keep one across steps`);
    case 'input': return error('E0205', `cannot assign to input '${name}'`, span, `inputs are read-only; ${local}`);
    case 'let':
      return error('E0205', `cannot assign to '${name}', a \`let\` binding`, span,
        `\`let\` bindings are immutable: bind a new name (\`let ${name}2 = ...;\`), or declare \`state ${name} = 0;\` to update it`);
    default:
      if (name === 'inf' || name === 'nan') return error('E0205', `cannot assign to the constant '${name}'`, span, local);
      return error('E0205', `cannot assign to '${name}', ${BUILTIN_VALUES[name]}`, span, `it is read-only; ${local}`);
  }
}
