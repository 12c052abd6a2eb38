// The grammar, and nothing else: a chevrotain CstParser whose rules mirror the EBNF in docs/language.md.
// It builds a concrete syntax tree; `cst-to-ast.ts` turns that into the AST, and `syntax-errors.ts` turns
// chevrotain's recognition exceptions into diagnostics. Keeping actions out of the grammar means error
// recovery (which may skip or invent tokens) can never run half an action.
//
// The parser instance is built once at module load: `performSelfAnalysis` computes lookahead functions and
// costs milliseconds, far more than parsing a whole file.
import { CstParser, EOF, tokenMatcher, type CstNode, type IOrAlt, type IRecognitionException, type IToken, type TokenType } from 'chevrotain';
import {
  allTokens, Bang, BinOp, Caret, Colon, Comma, Const, Else, Eq, Every, Fallback, Hyper, Ident, If, Input, LCurly, Let, LParen,
  Minus, NumberLit, Optimizer, Param, Question, RCurly, Repeat, RParen, Semi, State, Update, Var,
} from './lexer.js';
import { SKIP_GRAMMAR_CHECKS } from './bundled.js';

/**
 * The error message provider only records *what* went wrong, as a small code the diagnostics module reads
 * back (`expected:Semi`, `noviable:unary`, `redundant`); that module has the whole token list and writes
 * the prose, which needs context the provider never sees (which declaration we are in, its name).
 */
const errorMessageProvider = {
  buildMismatchTokenMessage: (o: { expected: { name: string } }) => `expected:${o.expected.name}`,
  buildNotAllInputParsedMessage: () => 'redundant',
  buildNoViableAltMessage: (o: { ruleName: string }) => `noviable:${o.ruleName}`,
  buildEarlyExitMessage: (o: { ruleName: string }) => `noviable:${o.ruleName}`,
};

class OptParser extends CstParser {
  /**
   * `OR` alternatives, built on first use and reused: chevrotain's advice for speed, since a fresh array
   * of closures per call is most of the cost of a small rule (and under esbuild's keepNames, each `ALT`
   * closure is also renamed on every call).
   */
  private readonly alts: Record<string, IOrAlt<unknown>[]> = {};

  /** Errors recorded in the current parse (see MAX_PARSE_ERRORS). */
  errorCount = 0;

  constructor() {
    super(allTokens, { recoveryEnabled: true, maxLookahead: 2, errorMessageProvider, skipValidations: SKIP_GRAMMAR_CHECKS });
    this.performSelfAnalysis();
    // Chevrotain records every error through SAVE_ERROR (not part of its typed API, hence the cast). Each
    // resync copies the error list and nested resyncs recurse, so a file of garbage costs time quadratic in
    // its errors and stack linear in them; past MAX_PARSE_ERRORS the parse is abandoned instead.
    const self = this as unknown as { SAVE_ERROR(e: unknown): unknown };
    const save = self.SAVE_ERROR.bind(this);
    self.SAVE_ERROR = (e: unknown) => {
      const r = save(e);
      if (++this.errorCount >= MAX_PARSE_ERRORS) throw new TooManySyntaxErrors();
      return r;
    };
    // Resynchronising scans ahead for a token that can follow (to the end of the file if none does), and a
    // repetition retries that scan each time it stops early without recording an error: a long damaged file
    // costs a scan per attempt. Past MAX_RECOVERY_SCANS attempts the parse is abandoned the same way.
    const rec = this as unknown as {
      findReSyncTokenType(): TokenType; tryInRepetitionRecovery(...a: unknown[]): unknown; flattenFollowSet(): TokenType[];
      tokVector: IToken[]; currIdx: number;
    };
    // The same search as chevrotain's (the first token from here on that can follow some rule on the stack;
    // EOF always can), as a plain loop: chevrotain's goes through lodash per token and was most of the time.
    rec.findReSyncTokenType = () => {
      const follows = rec.flattenFollowSet();
      for (let i = rec.currIdx + 1; i < rec.tokVector.length; i++) {
        const t = rec.tokVector[i]!;
        for (const f of follows) if (tokenMatcher(t, f)) return f;
      }
      return EOF;
    };
    for (const m of ['findReSyncTokenType', 'tryInRepetitionRecovery'] as const) {
      const f = (rec[m] as (...a: unknown[]) => unknown).bind(this);
      (rec as Record<string, unknown>)[m] = (...a: unknown[]) => {
        if (++this.recoveryScans > MAX_RECOVERY_SCANS) throw new TooManySyntaxErrors();
        return f(...a);
      };
    }
  }

  /** Resync attempts in the current parse (see MAX_RECOVERY_SCANS). */
  recoveryScans = 0;

  // file := 'optimizer' IDENT '{' member* '}'
  file = this.RULE('file', () => {
    this.CONSUME(Optimizer);
    this.CONSUME(Ident);
    this.CONSUME(LCurly);
    this.MANY(() => this.SUBRULE(this.member));
    this.CONSUME(RCurly);
  });

  // member := hyperDecl | constDecl | stateDecl | paramDecl | inputDecl | updateBlock | fallbackDecl
  // Statements are accepted here too (and declarations inside `update`) so that a misplaced line is one
  // precise error from the AST builder ("`let` goes inside update") instead of a cascade of resyncs.
  member = this.RULE('member', () => {
    this.OR((this.alts.member ??= [
      { ALT: () => this.SUBRULE(this.hyperDecl) },
      { ALT: () => this.SUBRULE(this.constDecl) },
      { ALT: () => this.SUBRULE(this.stateDecl) },
      { ALT: () => this.SUBRULE(this.paramDecl) },
      { ALT: () => this.SUBRULE(this.inputDecl) },
      { ALT: () => this.SUBRULE(this.updateBlock) },
      { ALT: () => this.SUBRULE(this.fallbackDecl) },
      { ALT: () => this.SUBRULE(this.letStmt) },
      { ALT: () => this.SUBRULE(this.assignStmt) },
    ]));
  });

  // constDecl := 'const' IDENT '=' signedNumber ';'   -- a compile-time number: loop counts, matrix sides
  constDecl = this.RULE('constDecl', () => {
    this.CONSUME(Const);
    this.CONSUME(Ident);
    this.CONSUME(Eq);
    this.SUBRULE(this.signedNumber);
    this.CONSUME(Semi);
  });

  // fallbackDecl := 'fallback' IDENT '{' member* '}'   -- the optimizer for parameters that are not matrices
  fallbackDecl = this.RULE('fallbackDecl', () => {
    this.CONSUME(Fallback);
    this.CONSUME(Ident);
    this.CONSUME(LCurly);
    this.MANY(() => this.SUBRULE(this.member));
    this.CONSUME(RCurly);
  });

  // hyperDecl := 'hyper' IDENT '=' signedNumber ';'
  hyperDecl = this.RULE('hyperDecl', () => {
    this.CONSUME(Hyper);
    this.CONSUME(Ident);
    this.CONSUME(Eq);
    this.SUBRULE(this.signedNumber);
    this.CONSUME(Semi);
  });

  // signedNumber := '-'? (NUMBER | IDENT)   -- the IDENT must be `inf` or `nan` (checked when building the AST,
  // where the message can name the declaration)
  signedNumber = this.RULE('signedNumber', () => {
    this.OPTION(() => this.CONSUME(Minus));
    this.OR((this.alts.signedNumber ??= [
      { ALT: () => this.CONSUME(NumberLit) },
      { ALT: () => this.CONSUME(Ident) },
    ]));
  });

  // stateDecl := 'state' IDENT (':' format)? '=' expression ';'
  stateDecl = this.RULE('stateDecl', () => {
    this.CONSUME(State);
    this.CONSUME(Ident);
    this.OPTION(() => {
      this.CONSUME(Colon);
      this.SUBRULE(this.format);
    });
    this.CONSUME(Eq);
    this.SUBRULE(this.expression);
    this.CONSUME(Semi);
  });

  // paramDecl := 'param' IDENT ':' format ';'      -- how p is stored: `param p: bf16(rounding = stochastic);`
  paramDecl = this.RULE('paramDecl', () => {
    this.CONSUME(Param);
    this.CONSUME(Ident);
    this.CONSUME(Colon);
    this.SUBRULE(this.format);
    this.CONSUME(Semi);
  });

  // format := IDENT ('(' formatArg (',' formatArg)* ')')?
  format = this.RULE('format', () => {
    this.CONSUME(Ident);
    this.OPTION(() => {
      this.CONSUME(LParen);
      this.SUBRULE(this.formatArg);
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.formatArg);
      });
      this.CONSUME(RParen);
    });
  });

  // formatArg := IDENT ('=' signedNumber)? | NUMBER   -- a word value (`rounding = stochastic`) is an IDENT
  // here; a bare IDENT or NUMBER is a positional argument (the sides of `matrix(rows, 8)`)
  formatArg = this.RULE('formatArg', () => {
    this.OR((this.alts.formatArg ??= [
      {
        ALT: () => {
          this.CONSUME(Ident);
          this.OPTION(() => {
            this.CONSUME(Eq);
            this.SUBRULE(this.signedNumber);
          });
        },
      },
      { ALT: () => this.CONSUME(NumberLit) },
    ]));
  });

  // inputDecl := 'input' IDENT (':' IDENT)? ';'      -- `input loss: scalar;` is a per-step host scalar
  inputDecl = this.RULE('inputDecl', () => {
    this.CONSUME(Input);
    this.CONSUME(Ident);
    this.OPTION(() => {
      this.CONSUME(Colon);
      this.CONSUME2(Ident, { LABEL: 'inputKind' });
    });
    this.CONSUME(Semi);
  });

  // updateBlock := 'update' IDENT? '{' statement* '}'   -- a named block is an extra entry point
  updateBlock = this.RULE('updateBlock', () => {
    this.CONSUME(Update);
    this.OPTION(() => this.CONSUME(Ident, { LABEL: 'entryName' }));
    this.CONSUME(LCurly);
    this.MANY(() => this.SUBRULE(this.statement));
    this.CONSUME(RCurly);
  });

  // statement := letStmt | varStmt | assignStmt | ifStmt | everyStmt | repeatStmt
  //              (declarations accepted and rejected later)
  statement = this.RULE('statement', () => {
    this.OR((this.alts.statement ??= [
      { ALT: () => this.SUBRULE(this.letStmt) },
      { ALT: () => this.SUBRULE(this.varStmt) },
      { ALT: () => this.SUBRULE(this.assignStmt) },
      { ALT: () => this.SUBRULE(this.ifStmt) },
      { ALT: () => this.SUBRULE(this.everyStmt) },
      { ALT: () => this.SUBRULE(this.repeatStmt) },
      { ALT: () => this.SUBRULE(this.constDecl) },
      { ALT: () => this.SUBRULE(this.hyperDecl) },
      { ALT: () => this.SUBRULE(this.stateDecl) },
      { ALT: () => this.SUBRULE(this.paramDecl) },
      { ALT: () => this.SUBRULE(this.inputDecl) },
    ]));
  });

  // ifStmt := 'if' '(' expression ')' block ('else' (ifStmt | block))?
  ifStmt = this.RULE('ifStmt', () => {
    this.CONSUME(If);
    this.CONSUME(LParen);
    this.SUBRULE(this.expression, { LABEL: 'cond' });
    this.CONSUME(RParen);
    this.SUBRULE(this.block, { LABEL: 'then' });
    this.OPTION(() => {
      this.CONSUME(Else);
      this.OR((this.alts.elseBranch ??= [
        { ALT: () => this.SUBRULE2(this.ifStmt, { LABEL: 'elseIf' }) },
        { ALT: () => this.SUBRULE2(this.block, { LABEL: 'else' }) },
      ]));
    });
  });

  // everyStmt := 'every' expression block      -- runs at steps 1, k + 1, 2k + 1, ...
  everyStmt = this.RULE('everyStmt', () => {
    this.CONSUME(Every);
    this.SUBRULE(this.expression, { LABEL: 'period' });
    this.SUBRULE(this.block);
  });

  // repeatStmt := 'repeat' expression block   -- unrolled at compile time; the count is a constant
  repeatStmt = this.RULE('repeatStmt', () => {
    this.CONSUME(Repeat);
    this.SUBRULE(this.expression, { LABEL: 'count' });
    this.SUBRULE(this.block);
  });

  // varStmt := 'var' IDENT '=' expression ';'   -- a local that later assignments rebind
  varStmt = this.RULE('varStmt', () => {
    this.CONSUME(Var);
    this.CONSUME(Ident);
    this.CONSUME(Eq);
    this.SUBRULE(this.expression);
    this.CONSUME(Semi);
  });

  // block := '{' statement* '}'
  block = this.RULE('block', () => {
    this.CONSUME(LCurly);
    this.MANY(() => this.SUBRULE(this.statement));
    this.CONSUME(RCurly);
  });

  // letStmt := 'let' IDENT '=' expression ';'
  letStmt = this.RULE('letStmt', () => {
    this.CONSUME(Let);
    this.CONSUME(Ident);
    this.CONSUME(Eq);
    this.SUBRULE(this.expression);
    this.CONSUME(Semi);
  });

  // assignStmt := IDENT '=' expression ';'
  assignStmt = this.RULE('assignStmt', () => {
    this.CONSUME(Ident);
    this.CONSUME(Eq);
    this.SUBRULE(this.expression);
    this.CONSUME(Semi);
  });

  // expression := binary ('?' expression ':' expression)?
  expression = this.RULE('expression', () => {
    this.SUBRULE(this.binary);
    this.OPTION(() => {
      this.CONSUME(Question);
      this.SUBRULE(this.expression, { LABEL: 'then' });
      this.CONSUME(Colon);
      this.SUBRULE2(this.expression, { LABEL: 'else' });
    });
  });

  // binary := unary (BINOP unary)*
  // The five binary levels (|| && comparisons +- */) are one flat rule; the AST builder groups it by
  // precedence climbing. A rule per level would cost nine nested rule calls and CST nodes per operand,
  // most of the parse time, and would recurse once per operator of a long chain.
  binary = this.RULE('binary', () => {
    this.SUBRULE(this.unary);
    this.MANY(() => { this.CONSUME(BinOp); this.SUBRULE2(this.unary); });
  });

  // unary := ('-' | '!') unary | power      -- so -x^2 = -(x^2), as in maths and Python
  unary = this.RULE('unary', () => {
    this.OR((this.alts.unary ??= [
      { ALT: () => { this.CONSUME(Minus); this.SUBRULE(this.unary); } },
      { ALT: () => { this.CONSUME(Bang); this.SUBRULE2(this.unary); } },
      { ALT: () => this.SUBRULE(this.power) },
    ]));
  });

  // power := primary ('^' unary)?            -- right-associative: 2^3^2 = 2^(3^2); 2^-1 is allowed
  power = this.RULE('power', () => {
    this.SUBRULE(this.primary);
    this.OPTION(() => { this.CONSUME(Caret); this.SUBRULE(this.unary); });
  });

  // primary := NUMBER | IDENT ('(' args? ')')? | '(' expression ')'
  primary = this.RULE('primary', () => {
    this.OR((this.alts.primary ??= [
      { ALT: () => this.CONSUME(NumberLit) },
      {
        ALT: () => {
          this.CONSUME(Ident);
          this.OPTION(() => {
            this.CONSUME(LParen, { LABEL: 'callOpen' });
            this.OPTION2(() => {
              this.SUBRULE(this.expression, { LABEL: 'args' });
              this.MANY(() => { this.CONSUME(Comma); this.SUBRULE2(this.expression, { LABEL: 'args' }); });
            });
            this.CONSUME(RParen, { LABEL: 'callClose' });
          });
        },
      },
      { ALT: () => { this.CONSUME2(LParen); this.SUBRULE3(this.expression); this.CONSUME2(RParen); } },
    ]));
  });
}

/** More syntax errors than anyone reads; only the first 20 are reported (syntax-errors.ts). */
export const MAX_PARSE_ERRORS = 100;
/** Resync attempts (each may scan to the end of the file) before the parse is abandoned. */
export const MAX_RECOVERY_SCANS = 100;

/** Not a chevrotain RecognitionException, so recovery does not catch it and the parse unwinds. */
class TooManySyntaxErrors extends Error {}

const parser = new OptParser();

/** `cst` is undefined when the parse was abandoned after MAX_PARSE_ERRORS errors. */
export interface CstResult { cst: CstNode | undefined; errors: IRecognitionException[] }

export function parseTokens(tokens: IToken[]): CstResult {
  parser.input = tokens;
  parser.errorCount = 0;
  parser.recoveryScans = 0;
  try {
    const cst = parser.file();
    return { cst, errors: parser.errors };
  } catch (e) {
    if (!(e instanceof TooManySyntaxErrors)) throw e;
    return { cst: undefined, errors: parser.errors };
  }
}
