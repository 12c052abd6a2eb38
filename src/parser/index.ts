// The front end: `.opt` source -> AST (with recovery) -> IR Program, every problem a Diagnostic.
//
//   parse(source)        lexer + grammar + AST builder; syntax errors only
//   lowerToIR(ast)       name resolution, type checks, lowering via the IR Builder
//   parseProgram(source) both; lowering runs only on a syntactically clean file, since a tree patched up by
//                        recovery would produce follow-on errors about code the user never wrote
import { error, hasErrors, type Diagnostic } from '../diag.js';
import type { Program } from '../ir/types.js';
import type { OptimizerAst } from './ast.js';
import { buildAst } from './cst-to-ast.js';
import { parseTokens } from './grammar.js';
import { lex } from './lexer.js';
import { checkNesting } from './nesting.js';
import { lowerToIR as lowerAst, type LowerOptions } from './lower.js';
import { syntaxDiagnostics } from './syntax-errors.js';

export type * from './ast.js';
export { FUNCTIONS, BUILTIN_VALUES, KNOWN_FORMATS, editDistance, didYouMean } from './names.js';

export interface ParseResult { ast: OptimizerAst | undefined; diagnostics: Diagnostic[] }
export interface ProgramResult { program: Program | undefined; diagnostics: Diagnostic[] }

const byOffset = (a: Diagnostic, b: Diagnostic) => (a.span?.start ?? 0) - (b.span?.start ?? 0);

/**
 * A safety net: `checkNesting` refuses input nested past MAX_NESTING before it is parsed, and long flat
 * chains are handled by loops, so the stack should never run out; if it does anyway, the user still gets a
 * diagnostic rather than a crash.
 */
function guardDepth<T extends object>(f: () => T): T | Diagnostic {
  try {
    return f();
  } catch (e) {
    if (e instanceof RangeError) return error('E0110', 'the program is nested too deeply to compile', undefined, 'split deep expressions with `let`');
    throw e;
  }
}

/** Lexes and parses one `.opt` file. `ast` is undefined only when not even `optimizer NAME` could be read. */
export function parse(source: string, file?: string): ParseResult {
  void file; // diagnostics carry offsets; the file name is applied when they are formatted
  const r = guardDepth(() => {
    const lexed = lex(source);
    const tooDeep = checkNesting(lexed.tokens);
    if (tooDeep) return { ast: undefined, diagnostics: [...lexed.diagnostics, tooDeep].sort(byOffset) };
    const { cst, errors } = parseTokens(lexed.tokens);
    const docs = new Map<number, string>();
    attachDocs(lexed.docs, lexed.tokens, docs);
    const syntax = syntaxDiagnostics(errors, lexed.tokens, source);
    const ast = cst && buildAst(cst, { docs, diagnostics: syntax });
    const diagnostics = [...lexed.diagnostics, ...quietAfter(lexed.diagnostics, syntax, lexed.tokens)];
    return { ast, diagnostics: diagnostics.sort(byOffset) };
  });
  return 'severity' in r ? { ast: undefined, diagnostics: [r] } : r;
}

/** Semantic checks and lowering; `program` is undefined when there are errors (warnings are fine). */
export type { LowerOptions } from './lower.js';

export function lowerToIR(ast: OptimizerAst, source?: string, options: LowerOptions = {}): ProgramResult {
  const r = guardDepth(() => lowerAst(ast, source, options));
  return 'severity' in r ? { program: undefined, diagnostics: [r] } : r;
}

/** `options.consts` sets `const` declarations (docs/matrix.md); everything else is in the source. */
export function parseProgram(source: string, file?: string, options: LowerOptions = {}): ProgramResult {
  const { ast, diagnostics } = parse(source, file);
  if (!ast || hasErrors(diagnostics)) return { program: undefined, diagnostics };
  const lowered = lowerToIR(ast, source, options);
  return { program: lowered.program, diagnostics: [...diagnostics, ...lowered.diagnostics].sort(byOffset) };
}

/**
 * A character the lexer dropped usually leaves a statement the parser cannot read either (`p = p & g;`
 * lexes as `p = p g;`). The lexer's message is the useful one, so syntax errors from the rest of that
 * statement — up to the next ';', '{' or '}' — are dropped.
 */
function quietAfter(lexErrors: Diagnostic[], syntax: Diagnostic[], tokens: { startOffset: number; image: string }[]): Diagnostic[] {
  if (!lexErrors.length || !syntax.length) return syntax;
  // The next ';', '{' or '}' at or after each token, filled from the back: one pass for every lex error.
  const boundaryFrom = new Array<number>(tokens.length + 1);
  boundaryFrom[tokens.length] = Infinity;
  for (let i = tokens.length - 1; i >= 0; i--) {
    const t = tokens[i]!;
    boundaryFrom[i] = t.image === ';' || t.image === '{' || t.image === '}' ? t.startOffset + 1 : boundaryFrom[i + 1]!;
  }
  const ranges = lexErrors.map((d) => {
    // An unterminated comment swallows the rest of the file; the parser then complains about the end of
    // file just after the last token before the comment, which is where its range starts.
    const first = firstTokenAt(tokens, d.span!.start);
    const prev = tokens[first - 1];
    const start = d.code === 'E0106' ? (prev ? prev.startOffset + prev.image.length : 0) : d.span!.start;
    return { start, end: boundaryFrom[firstTokenAt(tokens, start)]! };
  });
  return syntax.filter((d) => !ranges.some((r) => d.span && d.span.start >= r.start && d.span.start <= r.end));
}

/** Index of the first token starting at or after `offset` (tokens are sorted by offset). */
function firstTokenAt(tokens: { startOffset: number }[], offset: number): number {
  let lo = 0, hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.startOffset < offset) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/**
 * Attaches each run of `///` lines to the first real token after it (the keyword of the declaration it
 * documents). Lines are stripped of `///` and one space, so indentation inside a doc comment survives.
 */
function attachDocs(docs: { image: string; startOffset: number }[], tokens: { startOffset: number }[], out: Map<number, string>): void {
  let ti = 0;
  for (const d of docs) {
    while (ti < tokens.length && tokens[ti]!.startOffset < d.startOffset) ti++;
    const next = tokens[ti];
    if (!next) break;
    const line = d.image.slice(3).replace(/^ /, '').trimEnd();
    const prev = out.get(next.startOffset);
    out.set(next.startOffset, prev === undefined ? line : `${prev}\n${line}`);
  }
}
