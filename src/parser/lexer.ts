// Tokens of the `.opt` language, as named constants (chevrotain style), and the one module-level lexer.
//
// Chevrotain tries token patterns in the order of `allTokens` and takes the first that matches (not the
// longest), so two-character operators come before their one-character prefixes and keywords carry
// `longer_alt: Ident` so that `updates` or `letter` lex as identifiers.
//
// Comments never reach the parser: `//` and `/* */` are skipped, `///` doc comments go to their own token
// group and are attached to declarations by position afterwards (so a stray doc comment can never be a
// syntax error).
import { createToken, Lexer, type IToken, type TokenType } from 'chevrotain';
import { error, type Diagnostic } from '../diag.js';
import { SKIP_GRAMMAR_CHECKS } from './bundled.js';

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /\s+/, group: Lexer.SKIPPED });
/** `///` but not `////` (a row of slashes is a divider, not documentation — Rust's rule). */
export const DocComment = createToken({ name: 'DocComment', pattern: /\/\/\/(?!\/)[^\n\r]*/, group: 'docs' });
export const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\n\r]*/, group: Lexer.SKIPPED });
export const BlockComment = createToken({ name: 'BlockComment', pattern: /\/\*[\s\S]*?\*\//, group: Lexer.SKIPPED });
/**
 * A `/*` with no closing `*\/` runs to the end of the file. Without this token the lexer would skip the `/`
 * and lex the comment's text as code, burying the real mistake under a pile of parse errors.
 */
export const UnterminatedComment = createToken({ name: 'UnterminatedComment', pattern: /\/\*[\s\S]*/, group: 'bad' });

export const NumberLit = createToken({ name: 'NumberLit', pattern: /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/ });
export const Ident = createToken({ name: 'Ident', pattern: /[A-Za-z_][A-Za-z0-9_]*/ });

const keyword = (word: string): TokenType =>
  createToken({ name: word[0]!.toUpperCase() + word.slice(1), pattern: new RegExp(word), longer_alt: Ident });
export const Optimizer = keyword('optimizer');
export const Hyper = keyword('hyper');
export const State = keyword('state');
export const Param = keyword('param');
export const Input = keyword('input');
export const Update = keyword('update');
export const Let = keyword('let');
export const If = keyword('if');
export const Else = keyword('else');
export const Every = keyword('every');
// Matrix optimizers (docs/matrix.md): compile-time constants, mutable locals, unrolled loops, fallback rules.
export const Const = keyword('const');
export const Var = keyword('var');
export const Repeat = keyword('repeat');
export const Fallback = keyword('fallback');
export const KEYWORDS: ReadonlySet<string> = new Set(['optimizer', 'hyper', 'state', 'param', 'input', 'update', 'let', 'if', 'else', 'every',
  'const', 'var', 'repeat', 'fallback']);

// Every binary operator of the flat `binary` rule is in the BinOp category (one CONSUME accepts them all);
// its precedence level is looked up by image when the AST is built.
export const BinOp = createToken({ name: 'BinOp', pattern: Lexer.NA });

export const Le = createToken({ name: 'Le', pattern: /<=/, categories: BinOp });
export const Ge = createToken({ name: 'Ge', pattern: />=/, categories: BinOp });
export const EqEq = createToken({ name: 'EqEq', pattern: /==/, categories: BinOp });
export const Ne = createToken({ name: 'Ne', pattern: /!=/, categories: BinOp });
export const Lt = createToken({ name: 'Lt', pattern: /</, categories: BinOp });
export const Gt = createToken({ name: 'Gt', pattern: />/, categories: BinOp });
export const AndAnd = createToken({ name: 'AndAnd', pattern: /&&/, categories: BinOp });
export const OrOr = createToken({ name: 'OrOr', pattern: /\|\|/, categories: BinOp });
export const Eq = createToken({ name: 'Eq', pattern: /=/ });
export const Bang = createToken({ name: 'Bang', pattern: /!/ });
export const Plus = createToken({ name: 'Plus', pattern: /\+/, categories: BinOp });
export const Minus = createToken({ name: 'Minus', pattern: /-/, categories: BinOp });
export const Star = createToken({ name: 'Star', pattern: /\*/, categories: BinOp });
export const Slash = createToken({ name: 'Slash', pattern: /\//, categories: BinOp });
/** The matrix product, at the level of `*` and `/` (as in Python). */
export const At = createToken({ name: 'At', pattern: /@/, categories: BinOp });
export const Caret = createToken({ name: 'Caret', pattern: /\^/ });
export const Question = createToken({ name: 'Question', pattern: /\?/ });
export const Colon = createToken({ name: 'Colon', pattern: /:/ });
export const Semi = createToken({ name: 'Semi', pattern: /;/ });
export const Comma = createToken({ name: 'Comma', pattern: /,/ });
export const LParen = createToken({ name: 'LParen', pattern: /\(/ });
export const RParen = createToken({ name: 'RParen', pattern: /\)/ });
export const LCurly = createToken({ name: 'LCurly', pattern: /\{/ });
export const RCurly = createToken({ name: 'RCurly', pattern: /\}/ });

export const allTokens: TokenType[] = [
  WhiteSpace, DocComment, LineComment, BlockComment, UnterminatedComment,
  NumberLit, Optimizer, Hyper, State, Param, Input, Update, Let, If, Else, Every, Const, Var, Repeat, Fallback, Ident,
  Le, Ge, EqEq, Ne, Lt, Gt, AndAnd, OrOr, Eq, Bang, Plus, Minus, Star, Slash, At, Caret,
  Question, Colon, Semi, Comma, LParen, RParen, LCurly, RCurly, BinOp,
];

/** How a token kind is named in messages: the text it always has, or a description. */
export const TOKEN_TEXT: Record<string, string> = {
  NumberLit: 'a number', Ident: 'a name', Optimizer: "'optimizer'", Hyper: "'hyper'", State: "'state'", Param: "'param'",
  Input: "'input'", Update: "'update'", Let: "'let'", If: "'if'", Else: "'else'", Every: "'every'", Const: "'const'", Var: "'var'",
  Repeat: "'repeat'", Fallback: "'fallback'", At: "'@'", Le: "'<='", Ge: "'>='", EqEq: "'=='", Ne: "'!='",
  Lt: "'<'", Gt: "'>'", AndAnd: "'&&'", OrOr: "'||'", Eq: "'='", Bang: "'!'", Plus: "'+'", Minus: "'-'",
  Star: "'*'", Slash: "'/'", Caret: "'^'", Question: "'?'", Colon: "':'", Semi: "';'", Comma: "','",
  LParen: "'('", RParen: "')'", LCurly: "'{'", RCurly: "'}'", BinOp: 'an operator',
};

/** Start offsets only (a token ends at start + image.length); line/column are computed only when printing. */
const lexer = new Lexer(allTokens, { positionTracking: 'onlyOffset', ensureOptimizations: false, skipValidations: SKIP_GRAMMAR_CHECKS });

export interface LexResult {
  tokens: IToken[];
  /** `///` comments in source order. */
  docs: IToken[];
  diagnostics: Diagnostic[];
}

/** Hints for characters people type from other languages. */
function badCharHint(text: string): string | undefined {
  if (text.startsWith('&')) return "logical and is written '&&'";
  if (text.startsWith('|')) return "logical or is written '||'";
  if (text.startsWith('#')) return "comments start with '//'";
  if (/^["'`]/.test(text)) return 'the language has no strings; numbers and names only';
  if (text.startsWith('[') || text.startsWith(']')) return 'there is no indexing: every operation applies to each element';
  return undefined;
}

export function lex(source: string): LexResult {
  const r = lexer.tokenize(source);
  const diagnostics: Diagnostic[] = r.errors.map((e) => {
    const text = source.slice(e.offset, e.offset + e.length);
    const shown = text.length > 12 ? `${text.slice(0, 12)}…` : text;
    const what = e.length === 1 ? `character ${JSON.stringify(text)}` : `characters ${JSON.stringify(shown)}`;
    return error('E0101', `unexpected ${what}`, { start: e.offset, end: e.offset + e.length }, badCharHint(text));
  });
  for (const t of r.groups.bad ?? []) {
    diagnostics.push(error('E0106', 'unterminated block comment', { start: t.startOffset, end: t.startOffset + 2 },
      "close it with '*/'"));
  }
  return { tokens: r.tokens, docs: r.groups.docs ?? [], diagnostics };
}
