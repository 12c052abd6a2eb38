// Concrete syntax tree -> AST. Plain functions over chevrotain's CST (one per grammar rule) rather than a
// reflective BaseCstVisitor, so the children each rule reads are spelled out and type-checked here.
//
// After error recovery the CST can lack any child, and tokens the parser invented have NaN offsets, so
// every access tolerates absence: a missing expression becomes an `error` node, a missing name an empty
// one, and spans are the cover of whatever real tokens remain. Such trees only exist alongside syntax
// errors, and lowering never sees them.
//
// The few syntax rules the grammar deliberately leaves loose are enforced here, where the message can name
// the declaration: comparison chains, `inf`/`nan` as the only names allowed as numbers, declarations and
// statements in the wrong block.
import type { CstNode, IToken } from 'chevrotain';
import { error, type Diagnostic, type Span } from '../diag.js';
import type {
  BinaryOp, ConstDecl, Expr, FallbackDecl, FormatAst, HyperDecl, Ident, InputDecl, Member, OptimizerAst, ParamDecl, StateDecl, Stmt,
  UpdateBlock,
} from './ast.js';

export interface AstContext {
  /** `///` text by the offset of the token it documents. */
  docs: Map<number, string>;
  diagnostics: Diagnostic[];
}

const NOWHERE: Span = { start: 0, end: 0 };

function tokSpan(t: IToken | undefined): Span | undefined {
  if (!t || Number.isNaN(t.startOffset) || t.isInsertedInRecovery) return undefined;
  return { start: t.startOffset, end: t.startOffset + t.image.length };
}

/** The smallest span covering all the real (defined) spans given. */
function cover(...spans: (Span | undefined)[]): Span {
  let start = Infinity, end = -Infinity;
  for (const s of spans) if (s) { start = Math.min(start, s.start); end = Math.max(end, s.end); }
  return start === Infinity ? NOWHERE : { start, end };
}

const toks = (n: CstNode, k: string): IToken[] => (n.children[k] ?? []) as IToken[];
const tok = (n: CstNode, k: string, i = 0): IToken | undefined => toks(n, k)[i];
const nodes = (n: CstNode, k: string): CstNode[] => (n.children[k] ?? []) as CstNode[];
const node = (n: CstNode, k: string, i = 0): CstNode | undefined => nodes(n, k)[i];

function ident(t: IToken | undefined): Ident {
  const span = tokSpan(t);
  return span ? { name: t!.image, span } : { name: '', span: NOWHERE };
}

export function buildAst(file: CstNode, cx: AstContext): OptimizerAst | undefined {
  const kw = tok(file, 'Optimizer');
  const name = ident(tok(file, 'Ident'));
  if (!tokSpan(kw) || !name.name) return undefined;
  const members: Member[] = [];
  for (const m of nodes(file, 'member')) {
    const member = buildMember(m, cx);
    if (member) members.push(member);
  }
  const span = cover(tokSpan(kw), tokSpan(tok(file, 'RCurly')), name.span);
  return { kind: 'optimizer', name, doc: cx.docs.get(kw!.startOffset), members, span };
}

function buildMember(m: CstNode, cx: AstContext): Member | undefined {
  const h = node(m, 'hyperDecl'), s = node(m, 'stateDecl'), i = node(m, 'inputDecl'), u = node(m, 'updateBlock');
  const pd = node(m, 'paramDecl'), cd = node(m, 'constDecl'), fd = node(m, 'fallbackDecl');
  if (h) return buildHyper(h, cx);
  if (cd) return buildConst(cd, cx);
  if (fd) return buildFallback(fd, cx);
  if (s) return buildState(s, cx);
  if (pd) return buildParam(pd, cx);
  if (i) return buildInput(i, cx);
  if (u) return buildUpdate(u, cx);
  const stmt = node(m, 'letStmt') ?? node(m, 'assignStmt');
  if (stmt) {
    const isLet = stmt.name === 'letStmt';
    const first = tok(stmt, isLet ? 'Let' : 'Ident');
    cx.diagnostics.push(error('E0111', isLet ? "'let' outside the update block" : 'assignment outside the update block',
      cover(tokSpan(first), tokSpan(tok(stmt, 'Semi'))), 'statements go inside `update { ... }`'));
  }
  return undefined;
}

function declSpan(n: CstNode, kw: string): Span {
  return cover(tokSpan(tok(n, kw)), tokSpan(tok(n, 'Ident')), tokSpan(tok(n, 'Semi')));
}

/** `-`? NUMBER | `-`? inf | `-`? nan; anything else is reported against `what`. */
function signedNumber(n: CstNode | undefined, what: string, cx: AstContext): { value: number; span: Span } {
  if (!n) return { value: NaN, span: NOWHERE };
  const minus = tok(n, 'Minus');
  const num = tok(n, 'NumberLit');
  const id = tok(n, 'Ident');
  const span = cover(tokSpan(minus), tokSpan(num), tokSpan(id));
  let value = NaN;
  if (num && tokSpan(num)) value = Number(num.image);
  else if (id && tokSpan(id)) {
    if (id.image === 'inf') value = Infinity;
    else if (id.image !== 'nan') {
      cx.diagnostics.push(error('E0107', `${what} must be a number, found '${id.image}'`, span,
        'use a number literal such as `0.9`, `-1` or `inf`; values derived from others belong in `update`'));
    }
  }
  return { value: minus ? -value : value, span };
}

function buildHyper(n: CstNode, cx: AstContext): HyperDecl {
  const name = ident(tok(n, 'Ident'));
  const v = signedNumber(node(n, 'signedNumber'), `the default of hyper '${name.name}'`, cx);
  const kw = tok(n, 'Hyper');
  return { kind: 'hyper', name, value: v.value, valueSpan: v.span, doc: kw && cx.docs.get(kw.startOffset), span: declSpan(n, 'Hyper') };
}

function buildConst(n: CstNode, cx: AstContext): ConstDecl {
  const name = ident(tok(n, 'Ident'));
  const v = signedNumber(node(n, 'signedNumber'), `the value of const '${name.name}'`, cx);
  const kw = tok(n, 'Const');
  return { kind: 'const', name, value: v.value, valueSpan: v.span, doc: kw && cx.docs.get(kw.startOffset), span: declSpan(n, 'Const') };
}

function buildFallback(n: CstNode, cx: AstContext): FallbackDecl {
  const members: Member[] = [];
  for (const m of nodes(n, 'member')) {
    const member = buildMember(m, cx);
    if (member) members.push(member);
  }
  const kw = tok(n, 'Fallback');
  return {
    kind: 'fallback', name: ident(tok(n, 'Ident')), members, doc: kw && cx.docs.get(kw.startOffset),
    span: cover(tokSpan(kw), tokSpan(tok(n, 'RCurly'))),
  };
}

function buildFormat(n: CstNode, cx: AstContext): FormatAst {
  const name = ident(tok(n, 'Ident'));
  const positional: NonNullable<FormatAst['positional']> = [];
  for (const a of nodes(n, 'formatArg')) {
    if (tok(a, 'Eq')) continue;
    const num = tok(a, 'NumberLit'), word = tok(a, 'Ident');
    const span = tokSpan(num ?? word);
    if (span) positional.push({ value: num ? Number(num.image) : word!.image, span });
  }
  const args = nodes(n, 'formatArg').filter((a) => tok(a, 'Eq')).map((a) => {
    const key = ident(tok(a, 'Ident'));
    // A bare word other than inf/nan is a word value (`rounding = stochastic`); lowering checks it.
    const sn = node(a, 'signedNumber');
    const word = sn && !tok(sn, 'Minus') ? tok(sn, 'Ident') : undefined;
    if (word && tokSpan(word) && word.image !== 'inf' && word.image !== 'nan') {
      return { key, value: word.image, span: cover(key.span, tokSpan(word)) };
    }
    const v = signedNumber(sn, `format parameter '${key.name}'`, cx);
    return { key, value: v.value, span: cover(key.span, v.span) };
  });
  return { name, args, ...(positional.length ? { positional } : {}), span: cover(name.span, tokSpan(tok(n, 'RParen'))) };
}

function buildState(n: CstNode, cx: AstContext): StateDecl {
  const name = ident(tok(n, 'Ident'));
  const f = node(n, 'format');
  const kw = tok(n, 'State');
  return {
    kind: 'state', name, format: f && buildFormat(f, cx), init: buildExpr(node(n, 'expression'), cx),
    doc: kw && cx.docs.get(kw.startOffset), span: declSpan(n, 'State'),
  };
}

function buildParam(n: CstNode, cx: AstContext): ParamDecl {
  const f = node(n, 'format');
  const format = f ? buildFormat(f, cx) : { name: { name: 'f32', span: NOWHERE }, args: [], span: NOWHERE };
  return { kind: 'param', name: ident(tok(n, 'Ident')), format, span: declSpan(n, 'Param') };
}

function buildInput(n: CstNode, cx: AstContext): InputDecl {
  const kw = tok(n, 'Input');
  const type = tok(n, 'inputKind');
  return { kind: 'input', name: ident(tok(n, 'Ident')), ...(type ? { type: ident(type) } : {}), doc: kw && cx.docs.get(kw.startOffset), span: declSpan(n, 'Input') };
}

function buildUpdate(n: CstNode, cx: AstContext): UpdateBlock {
  const body = buildStatements(nodes(n, 'statement'), cx);
  const kw = tokSpan(tok(n, 'Update'));
  const name = tok(n, 'entryName');
  return { kind: 'update', ...(name ? { name: ident(name) } : {}), body, span: cover(kw, tokSpan(tok(n, 'RCurly'))), keywordSpan: kw ?? NOWHERE };
}

function buildIf(n: CstNode, cx: AstContext): Stmt {
  const kw = tokSpan(tok(n, 'If'));
  const then = node(n, 'then');
  const elseIf = node(n, 'elseIf');
  const els = node(n, 'else');
  const elseBody = elseIf ? [buildIf(elseIf, cx)] : els ? buildStatements(nodes(els, 'statement'), cx) : undefined;
  const end = tokSpan(tok(els ?? then ?? n, 'RCurly'));
  return {
    kind: 'if', cond: buildExpr(node(n, 'cond'), cx), then: then ? buildStatements(nodes(then, 'statement'), cx) : [],
    ...(elseBody ? { else: elseBody } : {}), span: cover(kw, end), keywordSpan: kw ?? NOWHERE,
  };
}

function buildStatements(statements: CstNode[], cx: AstContext): Stmt[] {
  const body: Stmt[] = [];
  for (const s of statements) {
    const l = node(s, 'letStmt'), a = node(s, 'assignStmt'), i = node(s, 'ifStmt'), e = node(s, 'everyStmt');
    const vs = node(s, 'varStmt'), r = node(s, 'repeatStmt');
    if (l) body.push({ kind: 'let', name: ident(tok(l, 'Ident')), value: buildExpr(node(l, 'expression'), cx), span: declSpan(l, 'Let') });
    else if (vs) body.push({ kind: 'var', name: ident(tok(vs, 'Ident')), value: buildExpr(node(vs, 'expression'), cx), span: declSpan(vs, 'Var') });
    else if (r) {
      const kw = tokSpan(tok(r, 'Repeat'));
      const blk = node(r, 'block');
      body.push({
        kind: 'repeat', count: buildExpr(node(r, 'count'), cx), body: blk ? buildStatements(nodes(blk, 'statement'), cx) : [],
        span: cover(kw, tokSpan(blk && tok(blk, 'RCurly'))), keywordSpan: kw ?? NOWHERE,
      });
    }
    else if (a) body.push({ kind: 'assign', target: ident(tok(a, 'Ident')), value: buildExpr(node(a, 'expression'), cx), span: declSpan(a, 'Ident') });
    else if (i) body.push(buildIf(i, cx));
    else if (e) {
      const kw = tokSpan(tok(e, 'Every'));
      const blk = node(e, 'block');
      body.push({
        kind: 'every', period: buildExpr(node(e, 'period'), cx), body: blk ? buildStatements(nodes(blk, 'statement'), cx) : [],
        span: cover(kw, tokSpan(blk && tok(blk, 'RCurly'))), keywordSpan: kw ?? NOWHERE,
      });
    } else {
      const d = node(s, 'hyperDecl') ?? node(s, 'stateDecl') ?? node(s, 'paramDecl') ?? node(s, 'inputDecl') ?? node(s, 'constDecl');
      if (!d) continue;
      const word = d.name.replace('Decl', '');
      const name = tok(d, 'Ident')?.image;
      cx.diagnostics.push(error('E0112', `'${word}' declaration inside the update block`,
        cover(tokSpan(tok(d, word[0]!.toUpperCase() + word.slice(1))), tokSpan(tok(d, 'Ident'))),
        `declarations go before \`update\`: move \`${word}${name ? ` ${name}` : ''}\` out of the block`));
    }
  }
  return body;
}

const errorExpr = (span: Span = NOWHERE): Expr => ({ kind: 'error', span });

function buildExpr(n: CstNode | undefined, cx: AstContext): Expr {
  if (!n) return errorExpr();
  const cond = buildBinary(node(n, 'binary'), cx);
  if (!tok(n, 'Question')) return cond;
  const then = buildExpr(node(n, 'then'), cx);
  const els = buildExpr(node(n, 'else'), cx);
  return { kind: 'ternary', cond, then, else: els, span: cover(cond.span, then.span, els.span) };
}

/** Binding strength of the binary operators; all associate to the left except comparisons, which do not chain. */
const PREC: Record<string, number> = {
  '||': 1, '&&': 2, '<': 3, '<=': 3, '>': 3, '>=': 3, '==': 3, '!=': 3, '+': 4, '-': 4, '*': 5, '/': 5, '@': 5,
};

/** Pops an operator and its two operands into a binary node. */
function reduce(values: Expr[], pending: IToken[], cx: AstContext): void {
  const op = pending.pop()!;
  const right = values.pop()!, left = values.pop()!;
  const opSpan = tokSpan(op);
  if (!opSpan) { values.push(errorExpr(cover(left.span, right.span))); return; }
  if (PREC[op.image] === 3 && left.kind === 'binary' && PREC[left.op] === 3) {
    cx.diagnostics.push(error('E0105', `comparison operators do not chain: '${op.image}' after '${left.op}'`, opSpan,
      'combine two comparisons with `&&`, e.g. `lo < x && x < hi`'));
  }
  values.push({ kind: 'binary', op: op.image as BinaryOp, left, right, opSpan, span: cover(left.span, right.span) });
}

/**
 * Groups `unary (op unary)*` by precedence (shunting-yard over explicit stacks, so a long chain does not
 * recurse). `a < b < c` is reported here, where both operators are in view.
 */
function buildBinary(n: CstNode | undefined, cx: AstContext): Expr {
  if (!n) return errorExpr();
  const operands = nodes(n, 'unary');
  const ops = toks(n, 'BinOp');
  const values: Expr[] = [buildUnary(operands[0], cx)];
  const pending: IToken[] = [];
  for (let i = 1; i < operands.length; i++) {
    const op = ops[i - 1];
    const prec = op ? PREC[op.image] ?? 0 : 0;
    while (pending.length && PREC[pending[pending.length - 1]!.image]! >= prec) reduce(values, pending, cx);
    if (op) pending.push(op);
    values.push(buildUnary(operands[i], cx));
    if (!op) values.push(errorExpr(cover(values.pop()!.span, values.pop()!.span))); // recovery lost the operator
  }
  while (pending.length) reduce(values, pending, cx);
  return values[0]!;
}

function buildUnary(n: CstNode | undefined, cx: AstContext): Expr {
  if (!n) return errorExpr();
  const p = node(n, 'power');
  if (p) return buildPower(p, cx);
  const opTok = tok(n, 'Minus') ?? tok(n, 'Bang');
  const arg = node(n, 'unary') ? buildUnary(node(n, 'unary')!, cx) : errorExpr();
  if (!opTok) return arg;
  return { kind: 'unary', op: opTok.image === '!' ? '!' : '-', arg, span: cover(tokSpan(opTok), arg.span) };
}

function buildPower(n: CstNode, cx: AstContext): Expr {
  const base = buildPrimary(node(n, 'primary'), cx);
  const caret = tok(n, 'Caret');
  if (!caret) return base;
  const exp = node(n, 'unary') ? buildUnary(node(n, 'unary')!, cx) : errorExpr();
  return { kind: 'binary', op: '^', left: base, right: exp, opSpan: tokSpan(caret) ?? NOWHERE, span: cover(base.span, exp.span) };
}

function buildPrimary(n: CstNode | undefined, cx: AstContext): Expr {
  if (!n) return errorExpr();
  const num = tok(n, 'NumberLit');
  if (num) return tokSpan(num) ? { kind: 'num', value: Number(num.image), span: tokSpan(num)! } : errorExpr();
  const id = tok(n, 'Ident');
  if (id) {
    const name = ident(id);
    if (!name.name) return errorExpr();
    if (!tok(n, 'callOpen')) return { kind: 'name', name: name.name, span: name.span };
    const args = nodes(n, 'args').map((a) => buildExpr(a, cx));
    return { kind: 'call', callee: name, args, span: cover(name.span, tokSpan(tok(n, 'callClose')), ...args.map((a) => a.span)) };
  }
  const inner = buildExpr(node(n, 'expression'), cx);
  return { kind: 'paren', expr: inner, span: cover(tokSpan(tok(n, 'LParen')), inner.span, tokSpan(tok(n, 'RParen'))) };
}
