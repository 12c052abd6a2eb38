// Turns chevrotain's recognition exceptions into diagnostics that say what was expected, what was found,
// where we were (which declaration, which name) and how to fix it. The grammar's message provider leaves a
// short code in `e.message` (`expected:Semi`, `noviable:unary`, `redundant`); everything else is read off
// the token list here, where the surrounding tokens are at hand.
import type { IRecognitionException, IToken } from 'chevrotain';
import { error, type Diagnostic, type Span } from '../diag.js';
import { KEYWORDS, TOKEN_TEXT } from './lexer.js';

/** The declaration or statement an error happened in, found by walking back from the offending token. */
interface Where { rule: string; name?: string }

const DECL_RULES = ['hyperDecl', 'stateDecl', 'paramDecl', 'inputDecl', 'letStmt', 'assignStmt', 'formatArg', 'format', 'updateBlock', 'file'];
const KEYWORD_OF: Record<string, string> = { hyperDecl: 'Hyper', stateDecl: 'State', paramDecl: 'Param', inputDecl: 'Input', letStmt: 'Let' };

const isEof = (t: IToken | undefined): boolean => !t || Number.isNaN(t.startOffset) || t.tokenType.name === 'EOF';
const kind = (t: IToken | undefined): string => (t && !isEof(t) ? t.tokenType.name : 'EOF');

function describe(t: IToken | undefined): string {
  if (isEof(t)) return 'end of file';
  const img = t!.image.length > 20 ? `${t!.image.slice(0, 20)}…` : t!.image;
  return KEYWORDS.has(img) ? `keyword '${img}'` : `'${img}'`;
}

/** Index of the first token at or after `offset` (tokens are sorted by offset). */
function indexAt(tokens: IToken[], offset: number): number {
  let lo = 0, hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.startOffset < offset) lo = mid + 1; else hi = mid;
  }
  return lo;
}

function where(ruleStack: string[], tokens: IToken[], at: number): Where {
  const rule = [...ruleStack].reverse().find((r) => DECL_RULES.includes(r)) ?? 'file';
  const identAfter = (i: number): string | undefined => (tokens[i + 1]?.tokenType.name === 'Ident' ? tokens[i + 1]!.image : undefined);
  const kw = KEYWORD_OF[rule];
  if (kw) {
    for (let i = at - 1; i >= 0; i--) if (tokens[i]!.tokenType.name === kw) return { rule, name: identAfter(i) };
  } else if (rule === 'assignStmt' || rule === 'formatArg' || rule === 'format') {
    // The statement starts right after the previous ';', '{', '}', ':', '(' or ','.
    const starts = rule === 'assignStmt' ? ['Semi', 'LCurly', 'RCurly'] : rule === 'format' ? ['Colon'] : ['LParen', 'Comma'];
    let i = at - 1;
    while (i >= 0 && !starts.includes(tokens[i]!.tokenType.name)) i--;
    if (rule === 'format') {
      for (let j = i; j >= 0; j--) if (tokens[j]!.tokenType.name === 'State') return { rule, name: identAfter(j) };
      return { rule };
    }
    return { rule, name: tokens[i + 1]?.tokenType.name === 'Ident' ? tokens[i + 1]!.image : undefined };
  } else if (rule === 'file') {
    return { rule, name: tokens[0]?.tokenType.name === 'Optimizer' ? identAfter(0) : undefined };
  }
  return { rule };
}

/** For a missing ')': the call or parenthesis it would close, found by matching parentheses backwards. */
function openParen(tokens: IToken[], at: number): string {
  let depth = 0;
  for (let i = at - 1; i >= 0; i--) {
    const k = tokens[i]!.tokenType.name;
    if (k === 'RParen') depth++;
    else if (k === 'LParen' && depth-- === 0) {
      const before = tokens[i - 1];
      if (before?.tokenType.name === 'Ident') return `to close the call to '${before.image}'`;
      return "to close '('";
    }
  }
  return "to close '('";
}

const BOUNDARY = new Set(['Semi', 'LCurly', 'RCurly']);
const VALUE_END = new Set(['Ident', 'NumberLit', 'RParen']);
const VALUE_START = new Set(['Ident', 'NumberLit', 'LParen']);

interface Ctx { tokens: IToken[]; source: string }

/** The source text between two tokens (whitespace and comments). */
const gap = (cx: Ctx, a: IToken, b: IToken): string => cx.source.slice(a.startOffset + a.image.length, b.startOffset);

/** `a b` on one line is far more often a missing operator than a missing ';' or ')'. */
function twoValues(cx: Ctx, prev: IToken | undefined, found: IToken | undefined): string | undefined {
  if (!found || !prev || isEof(prev) || gap(cx, prev, found).includes('\n')) return undefined;
  return VALUE_END.has(kind(prev)) && VALUE_START.has(kind(found)) ? 'two values in a row: is an operator missing between them?' : undefined;
}

function expectedToken(exp: string, w: Where, found: IToken | undefined, prev: IToken | undefined, cx: Ctx, at: number): [string, string?] {
  const tokens = cx.tokens;
  const f = describe(found);
  const n = w.name ?? 'x';
  /** `hyper 'lr'`, or `the hyper` when recovery left no name to show. */
  const nm = (what: string) => (w.name ? `${what} '${w.name}'` : `the ${what}`);
  const keywordHint = found && KEYWORDS.has(found.image) ? `'${found.image}' is a keyword; pick another name` : undefined;
  switch (exp) {
    case 'Semi': {
      const after: Record<string, string> = {
        hyperDecl: `the value of ${nm('hyper')}`, stateDecl: `the initial value of ${nm('state')}`,
        inputDecl: nm('input'), paramDecl: `the format of ${nm('param')}`, letStmt: w.name ? `the value of '${n}'` : 'the value of the `let`',
        assignStmt: w.name ? `the new value of '${n}'` : 'the assigned value',
      };
      return [`expected ';' after ${after[w.rule] ?? 'this'}, found ${f}`, twoValues(cx, prev, found) ?? "end each declaration and statement with ';'"];
    }
    case 'Eq': {
      // An assignment has no keyword to find: its target is the name just before the missing '='.
      const n = (w.rule === 'assignStmt' && prev && !isEof(prev) ? prev.image : w.name) ?? 'x';
      if (w.rule === 'hyperDecl') return [`expected '=' after ${nm('hyper')}, found ${f}`, `give it a default value, e.g. \`hyper ${n} = 0.1;\``];
      if (w.rule === 'stateDecl') return [`expected '=' after ${nm('state')}, found ${f}`, `give it an initial value, e.g. \`state ${n} = 0;\``];
      if (w.rule === 'letStmt') return [`expected '=' after 'let ${n}', found ${f}`, `write \`let ${n} = <expression>;\``];
      if (w.rule === 'formatArg') return [`expected '=' after ${nm('format parameter')}, found ${f}`, 'write e.g. `q8(block = 256)`'];
      const next = tokens[at + 1];
      if (found && ['+', '-', '*', '/'].includes(found.image) && next?.image === '=') {
        return [`expected '=' after '${n}', found ${f}`, `there is no '${found.image}=': write \`${n} = ${n} ${found.image} ...;\``];
      }
      return [`expected '=' after '${n}', found ${f}`, 'a statement is `let name = expr;` or `target = expr;`'];
    }
    case 'Ident': {
      if (w.rule === 'file') return [`expected the optimizer's name after 'optimizer', found ${f}`, keywordHint ?? 'write `optimizer name { ... }`'];
      if (w.rule === 'format') return [`expected a format name after ':' in ${nm('state')}, found ${f}`, 'e.g. `state m: f32 = 0;`'];
      if (w.rule === 'formatArg') return [`expected a format parameter name, found ${f}`, 'e.g. `q8(block = 256)`'];
      if (w.rule === 'paramDecl') return [`expected 'p' after 'param', found ${f}`, 'write e.g. `param p: bf16;`'];
      const kw = { hyperDecl: 'hyper', stateDecl: 'state', inputDecl: 'input', letStmt: 'let' }[w.rule] ?? 'this';
      return [`expected a name after '${kw}', found ${f}`, keywordHint ?? `e.g. \`${kw} x ${kw === 'input' ? '' : '= 0'};\``.replace(' ;', ';')];
    }
    case 'LCurly':
      if (w.rule === 'updateBlock') return [`expected '{' after 'update', found ${f}`, 'write `update { ... }`'];
      return [`expected '{' after the optimizer's name, found ${f}`, 'write `optimizer name { ... }`'];
    case 'RCurly':
      if (w.rule === 'updateBlock') {
        return [`expected a statement or '}' to close the update block, found ${f}`,
          isEof(found) ? "add the missing '}'" : 'a statement is `let name = expr;` or `target = expr;`'];
      }
      return [`expected 'hyper', 'state', 'input', 'update' or '}' to close ${nm('optimizer')}, found ${f}`,
        isEof(found) ? "add the missing '}'" : undefined];
    case 'RParen':
      if (w.rule === 'format') return [`expected ')' to close the format parameters of ${nm('state')}, found ${f}`];
      return [`expected ')' ${openParen(tokens, at)}, found ${f}`, twoValues(cx, prev, found) ?? "every '(' needs a matching ')'"];
    case 'Colon':
      if (w.rule === 'paramDecl') return [`expected ':' after ${nm('param')}, found ${f}`, 'write e.g. `param p: bf16;`'];
      return [`expected ':' in the conditional \`cond ? a : b\`, found ${f}`, 'a conditional needs both branches'];
    case 'Optimizer':
      return isEof(found)
        ? ["expected 'optimizer', found end of file", 'a file holds one `optimizer name { ... }`']
        : [`expected 'optimizer', found ${f}`, 'a file holds one `optimizer name { ... }`; `///` doc comments may precede it'];
    default:
      return [`expected ${TOKEN_TEXT[exp] ?? exp}, found ${f}`];
  }
}

function noViable(rule: string, w: Where, found: IToken | undefined, prev: IToken | undefined): [string, string?] {
  const f = describe(found);
  const nm = (what: string) => (w.name ? `${what} '${w.name}'` : `the ${what}`);
  if (rule === 'signedNumber') {
    if (w.rule === 'formatArg') return [`expected a number as the value of ${nm('format parameter')}, found ${f}`];
    return [`expected a number as the default of ${nm('hyper')}, found ${f}`,
      'hyper defaults are number literals such as `0.9`, `-1` or `inf`; derive other values inside `update`'];
  }
  const p = prev && !isEof(prev) ? prev.image : undefined;
  const msg = p && p !== '(' && p !== ',' ? `expected an expression after '${p}', found ${f}` : `expected an expression, found ${f}`;
  let hint: string | undefined;
  if (p === '*' && found?.image === '*') hint = 'powers are written `x ^ 2`';
  else if (p === '=' && (kind(found) === 'Semi' || isEof(found))) hint = w.name ? `the value of '${w.name}' is missing` : 'the value is missing';
  else if (found?.image === '=' ) hint = "comparison for equality is '=='";
  else if (kind(found) === 'RParen' && p === ',') hint = 'remove the trailing comma';
  return [msg, hint];
}

export function syntaxDiagnostics(errors: IRecognitionException[], tokens: IToken[], source: string): Diagnostic[] {
  const cx: Ctx = { tokens, source };
  const out: Diagnostic[] = [];
  if (!errors.length) return out;
  // boundariesBefore[i]: how many ';', '{', '}' precede token i, so "was one passed?" is O(1) per error.
  const boundariesBefore = new Array<number>(tokens.length + 1);
  boundariesBefore[0] = 0;
  for (let i = 0; i < tokens.length; i++) boundariesBefore[i + 1] = boundariesBefore[i]! + (BOUNDARY.has(tokens[i]!.tokenType.name) ? 1 : 0);
  let lastAt = -1;
  for (const e of errors) {
    const found = isEof(e.token) ? undefined : e.token;
    const at = found ? indexAt(tokens, found.startOffset) : tokens.length;
    // Panic mode: after an error, recovery's guesses produce follow-on errors until the parser is back in
    // step. Report a new error only once a ';', '{' or '}' has been passed since the last one.
    if (lastAt >= 0 && (at <= lastAt || boundariesBefore[at]! === boundariesBefore[lastAt]!)) continue;
    lastAt = at;
    const prev: IToken | undefined = (e as { previousToken?: IToken }).previousToken ?? tokens[at - 1];
    const prevEnd = prev && !isEof(prev) ? prev.startOffset + prev.image.length : 0;
    const w = where(e.context?.ruleStack ?? [], tokens, at);
    const [code, detail] = e.message.split(':') as [string, string | undefined];
    let msg: string, hint: string | undefined, ecode = 'E0102';
    if (code === 'expected') [msg, hint] = expectedToken(detail!, w, found, prev, cx, at);
    else if (code === 'noviable') { [msg, hint] = noViable(detail!, w, found, prev); ecode = 'E0103'; }
    else {
      ecode = 'E0104';
      // Left-over input after earlier errors is recovery's doing; on its own it is an extra '}' or a second optimizer.
      if (out.length) continue;
      if (found?.image === 'optimizer') [msg, hint] = ["only one optimizer per file; found a second 'optimizer'", 'put each optimizer in its own file'];
      else [msg, hint] = [`unexpected ${describe(found)} after the optimizer's closing '}'`, "the optimizer's '}' ends the file: check for an extra '}'"];
    }
    // A missing token at the end of a line is reported just after the previous token (as rustc does), so
    // the caret sits where the ';' or ')' belongs rather than at the start of the next line.
    const pointAfterPrev = !found || (code === 'expected' && prev && !isEof(prev) && gap(cx, prev, found).includes('\n'));
    const span: Span = pointAfterPrev ? { start: prevEnd, end: prevEnd } : { start: found!.startOffset, end: found!.startOffset + found!.image.length };
    out.push(error(ecode, msg, span, hint));
    if (out.length >= 20) break;
  }
  return out;
}
