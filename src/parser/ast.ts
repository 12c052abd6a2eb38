// The syntax tree of one `.opt` file. Every node carries a `span` (source offsets, end exclusive) so that
// semantic errors can point at exactly the text they are about. The tree is plain data: no methods, no
// parent links; lowering walks it once.
import type { Span } from '../diag.js';

export interface Ident { name: string; span: Span }

export interface OptimizerAst {
  kind: 'optimizer';
  name: Ident;
  /** `///` comment lines directly above `optimizer`, joined with newlines. */
  doc?: string;
  /** Declarations and update blocks in source order. */
  members: Member[];
  span: Span;
}

export type Member = HyperDecl | ConstDecl | StateDecl | ParamDecl | InputDecl | UpdateBlock | FallbackDecl;

/** `const ns_steps = 5;`: a number fixed at compile time (a `repeat` count, a matrix side). */
export interface ConstDecl {
  kind: 'const';
  name: Ident;
  value: number;
  valueSpan: Span;
  doc?: string;
  span: Span;
}

/** `fallback adamw { ... }`: the optimizer for parameters that are not matrices, with its own declarations. */
export interface FallbackDecl { kind: 'fallback'; name: Ident; members: Member[]; doc?: string; span: Span }

export interface HyperDecl {
  kind: 'hyper';
  name: Ident;
  /** The default: a number literal, optionally negated, or `inf`/`nan`. */
  value: number;
  valueSpan: Span;
  doc?: string;
  span: Span;
}

/** `: f32`, `: q8(block = 256)` or `: bf16(rounding = stochastic)` (a word value is a string). */
export interface FormatAst {
  name: Ident;
  args: { key: Ident; value: number | string; span: Span }[];
  /** Arguments without a name (`matrix(rows, 8)`: a word or a number each); absent when there are none. */
  positional?: { value: number | string; span: Span }[];
  span: Span;
}

/** `param p: bf16;`: how the parameter is stored. */
export interface ParamDecl { kind: 'param'; name: Ident; format: FormatAst; span: Span }

export interface StateDecl {
  kind: 'state';
  name: Ident;
  format?: FormatAst;
  init: Expr;
  doc?: string;
  span: Span;
}

/** `input h;` (per element), or `input loss: scalar;` (per step, from the host): `type` is the name after ':'. */
export interface InputDecl { kind: 'input'; name: Ident; type?: Ident; doc?: string; span: Span }

/** `update { }`, or a named extra entry point `update perturb { }`. */
export interface UpdateBlock { kind: 'update'; name?: Ident; body: Stmt[]; span: Span; keywordSpan: Span }

export type Stmt = LetStmt | VarStmt | AssignStmt | IfStmt | EveryStmt | RepeatStmt;
/** `var x = e;`: a local that assignments rebind (`x = ...;`), scoped like `let`. */
export interface VarStmt { kind: 'var'; name: Ident; value: Expr; span: Span }
/** `repeat n { }`: the body n times, unrolled at compile time; n is a number literal or a `const`. */
export interface RepeatStmt { kind: 'repeat'; count: Expr; body: Stmt[]; span: Span; keywordSpan: Span }
/** `if (cond) { } else { }`: assignments inside become `select(cond, new, old)`; `else if` nests. */
export interface IfStmt { kind: 'if'; cond: Expr; then: Stmt[]; else?: Stmt[]; span: Span; keywordSpan: Span }
/** `every k { }`: the body runs at steps 1, k + 1, 2k + 1, ... */
export interface EveryStmt { kind: 'every'; period: Expr; body: Stmt[]; span: Span; keywordSpan: Span }
export interface LetStmt { kind: 'let'; name: Ident; value: Expr; span: Span }
export interface AssignStmt { kind: 'assign'; target: Ident; value: Expr; span: Span }

export type BinaryOp = '+' | '-' | '*' | '/' | '@' | '^' | '<' | '<=' | '>' | '>=' | '==' | '!=' | '&&' | '||';

export type Expr =
  | { kind: 'num'; value: number; span: Span }
  | { kind: 'name'; name: string; span: Span }
  /**
   * Kept as a node (rather than dropped) because `-(0.5)` and `-0.5` differ: unary minus applied directly
   * to a literal is a negative constant, while `-(0.5)` negates a constant. `toSource` relies on this to
   * print either IR shape back.
   */
  | { kind: 'paren'; expr: Expr; span: Span }
  | { kind: 'unary'; op: '-' | '!'; arg: Expr; span: Span }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr; opSpan: Span; span: Span }
  | { kind: 'ternary'; cond: Expr; then: Expr; else: Expr; span: Span }
  | { kind: 'call'; callee: Ident; args: Expr[]; span: Span }
  /** Stands in for an expression the parser could not read; only present when there are syntax errors. */
  | { kind: 'error'; span: Span };

export type ExprKind = Expr['kind'];

export function spanOf(a: { span: Span }, b: { span: Span }): Span {
  return { start: a.span.start, end: b.span.end };
}
