// Lowering of the matrix parts of the language (docs/matrix.md) and their shape checks.
//
// Shapes are symbolic (src/ir/matrix.ts): a value is a matrix when it has one value per element (rows ×
// cols) or is a `mat` value of another shape. Every shape error is reported here, against the expression
// that has it, before the Builder sees the op (the Builder's own check is the compiler's invariant):
//
//   E0320  a @ b whose inner sides differ           E0323  a matrix side that is not one
//   E0321  a matrix op on something not a matrix    E0324  orient of a shape it cannot orient
//   E0322  an elementwise op of different shapes    E0327  a value of another shape assigned
import type { Builder, Value } from '../ir/builder.js';
import { orientShape, shapeEq, shapeText } from '../ir/matrix.js';
import type { Dim, MatShape } from '../ir/types.js';
import { error, type Span } from '../diag.js';
import type { Expr } from './ast.js';
import { show, type LowerCtx } from './lower-expr.js';
import { MATRIX_FUNCTIONS, RAND_MATRIX } from './library.js';

type Call = Extract<Expr, { kind: 'call' }>;

function fail(cx: LowerCtx, code: string, message: string, span: Span, hint?: string): undefined {
  cx.diagnostics.push(error(code, message, span, hint));
  return undefined;
}

const SIDES = ['rows', 'cols', 'short', 'long'] as const;
const SIDE_HINT = 'a side is `rows`, `cols`, `short` (the smaller of the two), `long` (the larger), a positive integer or a `const`';

/** Largest fixed side: a matrix this size already holds 16M values per tensor. */
const MAX_SIDE = 4096;

/** One side of a matrix as written: a side name, a positive integer, or the name of a `const`. */
export function lowerDim(cx: LowerCtx, value: number | string, span: Span): Dim | undefined {
  if (typeof value === 'string') {
    if ((SIDES as readonly string[]).includes(value)) return value as Dim;
    const bind = cx.env.get(value);
    if (bind?.kind === 'const') return lowerDim(cx, bind.value, span);
    const hint = value === 'nrows' || value === 'ncols' ? `write the side \`${value.slice(1)}\`; ${SIDE_HINT}` : SIDE_HINT;
    return fail(cx, 'E0323', `'${value}' is not a matrix side`, span, hint);
  }
  if (!Number.isInteger(value) || value < 1 || value > MAX_SIDE) {
    return fail(cx, 'E0323', `a matrix side must be a whole number from 1 to ${MAX_SIDE}, got ${value}`, span, SIDE_HINT);
  }
  return value;
}

/** A side written as an expression (`identity(rows)`, `randn(s, long, 4)`): a name or a number. */
function exprDim(cx: LowerCtx, e: Expr): Dim | undefined {
  if (e.kind === 'name') return lowerDim(cx, e.name, e.span);
  if (e.kind === 'num') return lowerDim(cx, e.value, e.span);
  return fail(cx, 'E0323', `${show(cx, e)} is not a matrix side`, e.span, SIDE_HINT);
}

/** `state L: matrix(rows, rows) = 0;`: the shape, from two positional sides. */
export function matrixStateShape(cx: LowerCtx, args: { value: number | string; span: Span }[], named: { span: Span }[], span: Span): MatShape | undefined {
  if (named.length) return fail(cx, 'E0208', `format 'matrix' takes two sides, not named parameters`, named[0]!.span, 'write e.g. `: matrix(rows, rows)`');
  if (args.length !== 2) return fail(cx, 'E0323', `'matrix' takes two sides (rows and columns), found ${args.length}`, span, 'write e.g. `: matrix(rows, rows)` or `: matrix(short, 8)`');
  const d = args.map((a) => lowerDim(cx, a.value, a.span));
  return d[0] !== undefined && d[1] !== undefined ? [d[0], d[1]] : undefined;
}

const what = (b: Builder, v: Value): string => {
  const s = b.shapeOf(v);
  if (s) return `a ${shapeText(s)} matrix`;
  const sp = b.spaceOf(v);
  return sp === 'step' ? 'a number' : sp === 'tensor' ? 'a number per tensor' : `one value per ${sp}`;
};

/**
 * Checks that the operands of an elementwise op fit together: matrices of one shape, with numbers (step or
 * tensor values) beside them; row and column values only beside per-element ones. Reports E0322 at `span`.
 */
export function checkElementwise(cx: LowerCtx, parts: { v: Value; e: { span: Span } }[], span: Span, op: string): boolean {
  const b = cx.b;
  let first: { v: Value; e: { span: Span }; s: MatShape } | undefined;
  for (const p of parts) {
    const s = b.shapeOf(p.v);
    if (!s) continue;
    if (!first) { first = { ...p, s }; continue; }
    if (!shapeEq(first.s, s)) {
      fail(cx, 'E0322', `${op} combines ${show(cx, first.e)}, a ${shapeText(first.s)} matrix, with ${show(cx, p.e)}, a ${shapeText(s)} matrix`, span,
        'elementwise operations need matrices of one shape (or a number beside a matrix); use transpose, orient or a product to match them');
      return false;
    }
  }
  const small = parts.find((p) => b.spaceOf(p.v) === 'row' || b.spaceOf(p.v) === 'col');
  if (first && small && b.spaceOf(first.v) === 'mat') {
    fail(cx, 'E0322', `${op} combines ${show(cx, first.e)}, a ${shapeText(first.s)} matrix, with ${show(cx, small.e)}, ${what(b, small.v)}`, span,
      'row and column values broadcast over the rows × cols elements only');
    return false;
  }
  return true;
}

/** Argument `i` as a matrix, or E0321. */
function matrixArg(cx: LowerCtx, v: Value, e: Expr, fn: string, hint?: string): MatShape | undefined {
  const s = cx.b.shapeOf(v);
  if (s) return s;
  return fail(cx, 'E0321', `${fn} needs a matrix, but ${show(cx, e)} is ${what(cx.b, v)}`, e.span,
    hint ?? 'pass a per-element value (rows × cols) or a matrix');
}

/** `a @ b`: both matrices, inner sides equal. */
export function lowerMatmul(cx: LowerCtx, l: Value, r: Value, le: Expr, re: Expr, span: Span): Value | undefined {
  const b = cx.b;
  const scale = 'to scale a matrix by a number, use `*`';
  const sl = matrixArg(cx, l, le, 'a matrix product', scale);
  const sr = matrixArg(cx, r, re, 'a matrix product', scale);
  if (!sl || !sr) return undefined;
  if (sl[1] !== sr[0]) {
    const hint = sl[1] === sr[1] ? `transpose the right side: \`... @ transpose(${show(cx, re).replace(/`/g, '')})\``
      : sl[0] === sr[0] ? `transpose the left side: \`transpose(${show(cx, le).replace(/`/g, '')}) @ ...\`` : 'the columns of the left side must match the rows of the right side';
    return fail(cx, 'E0320', `the matrix product of ${show(cx, le)} (${shapeText(sl)}) and ${show(cx, re)} (${shapeText(sr)}) needs equal inner sides, found ${sl[1]} and ${sr[0]}`, span, hint);
  }
  b.span = span;
  return b.matmul(l, r);
}

/**
 * The matrix functions and `randn(stream, side, side)`. `lowerArg` lowers an argument that must be a
 * number; returns `null` when `e` is not a matrix call at all.
 */
export function lowerMatrixCall(cx: LowerCtx, e: Call, lowerArg: (i: number) => Value | undefined): Value | undefined | null {
  const b = cx.b;
  const name = e.callee.name;
  if (RAND_MATRIX[name] && e.args.length === 3) {
    const stream = lowerArg(0);
    const d0 = exprDim(cx, e.args[1]!), d1 = exprDim(cx, e.args[2]!);
    if (!stream || d0 === undefined || d1 === undefined) return undefined;
    if (b.spaceOf(stream) !== 'step') {
      return fail(cx, 'E0311', `the stream of '${name}' must be the same for every element, but ${show(cx, e.args[0]!)} is not`, e.args[0]!.span,
        'use a step value, e.g. `seed + t` with `hyper seed = 0;`');
    }
    b.span = e.span;
    return b.rand(RAND_MATRIX[name]!, stream, [d0, d1]);
  }
  const fn = MATRIX_FUNCTIONS[name];
  if (!fn) return null;
  if (e.args.length !== fn.arity) {
    return fail(cx, 'E0301', `'${name}' takes ${fn.arity} argument${fn.arity === 1 ? '' : 's'}, found ${e.args.length}`, e.span, `call it as \`${fn.signature}\``);
  }
  if (name === 'identity') {
    const d = exprDim(cx, e.args[0]!);
    if (d === undefined) return undefined;
    b.span = e.span;
    return b.eye(d);
  }
  const vs = e.args.map((_, i) => lowerArg(i));
  if (vs.some((v) => !v)) return undefined;
  const [x, y] = vs as Value[];
  if (name === 'matmul') return lowerMatmul(cx, x!, y!, e.args[0]!, e.args[1]!, e.span);
  const s = matrixArg(cx, x!, e.args[0]!, `'${name}'`);
  if (!s) return undefined;
  b.span = e.span;
  switch (name) {
    case 'transpose': return b.transpose(x!);
    case 'orient': {
      if (!orientShape(s)) {
        return fail(cx, 'E0324', `'orient' transposes rows × cols and short × long matrices (and their transposes) into each other, but ${show(cx, e.args[0]!)} is ${shapeText(s)}`,
          e.span, 'orient a per-element value, or a matrix computed from one (`orient(g)`); transpose other matrices with `transpose`');
      }
      return b.orient(x!);
    }
    case 'trace': {
      if (s[0] !== s[1]) return fail(cx, 'E0321', `'trace' needs a square matrix, but ${show(cx, e.args[0]!)} is ${shapeText(s)}`, e.args[0]!.span);
      // trace(a) = sum(a * I): the diagonal's sum, through the ordinary reduction.
      return b.reduce('sum', 'tensor', b.mul(x!, b.eye(s[0])));
    }
  }
  return undefined;
}

/**
 * Whether `v` may be assigned to something holding `into` (a state's or var's shape; undefined: not a
 * matrix): numbers fit anything (a state is filled with them), a matrix only its own shape. E0327 if not.
 */
export function checkAssignShape(cx: LowerCtx, target: string, into: MatShape | undefined, v: Value, e: { span: Span }): boolean {
  const got = cx.b.shapeOf(v);
  if (!got || (into && shapeEq(into, got)) || (!into && cx.b.spaceOf(v) !== 'mat')) return true;
  const holds = into ? `a ${shapeText(into)} matrix` : 'one value per element or fewer';
  const hint = got && into && orientShape(got) && shapeEq(orientShape(got)!, into) ? `orient it: \`orient(${show(cx, e).replace(/`/g, '')})\``
    : target === "'p'" ? 'the parameter is rows × cols: multiply, transpose or orient the value into that shape (e.g. `L @ g`)'
    : 'declare the state with this shape (`state x: matrix(...) = 0;`), or compute a value of its shape';
  fail(cx, 'E0327', `${target} holds ${holds}, but ${show(cx, e)} is a ${shapeText(got)} matrix`, e.span, hint);
  return false;
}
