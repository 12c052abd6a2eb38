// The nesting limit, checked on the token list before parsing. The grammar (chevrotain) and the AST
// builder recurse once or more per level of nesting, so a file of 10,000 '(' would exhaust the stack;
// instead it gets one diagnostic at the first token past the limit. Long flat chains (`a + b + … + z`,
// thousands of statements) are not nesting and cost nothing here: only what is open at a point counts.
import type { IToken } from 'chevrotain';
import { allTokens } from './lexer.js';
import { error, type Diagnostic } from '../diag.js';

/** Levels open at once, at most (docs/language.md, "Limits"). Measured: the parser needs ~5 rule calls per '(' and survives ~250 '(' on Node's default stack at top level, so 128 leaves room for callers. */
export const MAX_NESTING = 128;

interface Level {
  /** Unary `-`/`!` and `^` whose operand is still open: each is one more rule call deep. */
  prefix: number;
  /** `?` open in this group: `a ? b : c ? d : e` nests in its else branch. */
  ternary: number;
  /** `else if` links of the current statement: each is an `if` inside the previous one. */
  elses: number;
  /** 1, or 0 for the optimizer's and the update block's braces, which every program has. */
  weight: number;
}

const VALUE_END = new Set(['Ident', 'NumberLit', 'RParen']);
/** Binary operators (and ':') end the operand of the prefix operators before them. */
const ENDS_PREFIX = new Set([...allTokens.filter((t) => t.CATEGORIES?.some((c) => c.name === 'BinOp')).map((t) => t.name), 'Colon']);

/**
 * An upper bound on the parser's nesting at each token: each open '(' or '{' counts one (except the optimizer's and the update block's braces), and so does each
 * prefix operator, `^`, `?` and `else` still open inside it. Returns a diagnostic at the first token where
 * the count passes MAX_NESTING.
 */
export function checkNesting(tokens: readonly IToken[]): Diagnostic | undefined {
  const stack: Level[] = [{ prefix: 0, ternary: 0, elses: 0, weight: 0 }];
  let depth = 0;
  const top = () => stack[stack.length - 1]!;
  const endPrefix = (l: Level) => { depth -= l.prefix; l.prefix = 0; };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const k = t.tokenType.name;
    const l = top();
    switch (k) {
      case 'LParen': case 'LCurly':
      {
        const weight = k === 'LCurly' && stack.length <= 2 ? 0 : 1;
        stack.push({ prefix: 0, ternary: 0, elses: 0, weight });
        depth += weight;
      }
        break;
      case 'RParen': case 'RCurly': {
        if (stack.length === 1) break; // unbalanced: the parser reports it
        stack.pop();
        depth -= l.weight + l.prefix + l.ternary + l.elses;
        const parent = top();
        if (k === 'RCurly' && tokens[i + 1]?.tokenType.name !== 'Else') { depth -= parent.elses; parent.elses = 0; }
        break;
      }
      case 'Minus':
        if (i > 0 && VALUE_END.has(tokens[i - 1]!.tokenType.name)) endPrefix(l); // binary minus
        else { l.prefix++; depth++; }
        break;
      case 'Bang': case 'Caret':
        l.prefix++; depth++;
        break;
      case 'Question':
        endPrefix(l); l.ternary++; depth++;
        break;
      case 'Comma': case 'Semi':
        endPrefix(l); depth -= l.ternary; l.ternary = 0;
        break;
      case 'Else':
        l.elses++; depth++;
        break;
      default:
        if (ENDS_PREFIX.has(k)) endPrefix(l);
    }
    if (depth > MAX_NESTING) {
      return error('E0110', `the program nests more than ${MAX_NESTING} levels deep here`,
        { start: t.startOffset, end: t.startOffset + t.image.length },
        `name inner parts with \`let\` (parentheses, blocks, unary operators, '^', '? :' and 'else if' each open a level; docs/language.md, "Limits")`);
    }
  }
  return undefined;
}
