// Every kind of problem in a `.opt` file, as the user sees it (STYLE.md §26): `file:line:col`, the source
// line, a caret under the span, and the hint. One snapshot per kind; accept reviewed changes with `vitest -u`.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, formatDiagnostics } from '../src/diag.js';
import { compile } from '../src/compile.js';
import { toSource, verify } from '../src/ir/index.js';
import { parseProgram } from '../src/parser/index.js';
import { Rng } from './helpers/prng.js';

/** Compiles and returns what the user would read; a program with errors must not come back. */
function report(source: string): string {
  const { program, diagnostics } = parseProgram(source, 'x.opt');
  if (diagnostics.some((d) => d.severity === 'error')) expect(program).toBeUndefined();
  return formatDiagnostics(diagnostics, source, 'x.opt');
}

/** An optimizer with one hyper `lr`, one state `m`, and the given update body. */
const body = (stmts: string, decls = 'hyper lr = 0.1;\n  state m = 0;') =>
  `optimizer a {\n  ${decls}\n  update {\n    ${stmts}\n  }\n}\n`;

describe('lexical and syntax errors (E01xx)', () => {
  it('E0101 unexpected character', () => {
    expect(report(body('p = p - lr * g & m;\n    m = g;'))).toMatchInlineSnapshot(`
      "x.opt:5:20: error[E0101]: unexpected character "&"
        |
      5 |     p = p - lr * g & m;
        |                    ^
        = hint: logical and is written '&&'"
    `);
  });

  it('E0102 missing semicolon, reported at the end of the line', () => {
    expect(report('optimizer a {\n  hyper lr = 0.001\n  state m = 0;\n  update { p = p - lr * g; m = g; }\n}')).toMatchInlineSnapshot(`
      "x.opt:2:19: error[E0102]: expected ';' after the value of hyper 'lr', found keyword 'state'
        |
      2 |   hyper lr = 0.001
        |                   ^
        = hint: end each declaration and statement with ';'"
    `);
  });

  it('E0102 two values in a row', () => {
    expect(report(body('p = p - lr g;\n    m = g;'))).toMatchInlineSnapshot(`
      "x.opt:5:16: error[E0102]: expected ';' after the new value of 'p', found 'g'
        |
      5 |     p = p - lr g;
        |                ^
        = hint: two values in a row: is an operator missing between them?"
    `);
  });

  it("E0102 missing '=' in a compound assignment", () => {
    expect(report(body('m += g;\n    p = p - lr * m;'))).toMatchInlineSnapshot(`
      "x.opt:5:7: error[E0102]: expected '=' after 'm', found '+'
        |
      5 |     m += g;
        |       ^
        = hint: there is no '+=': write \`m = m + ...;\`"
    `);
  });

  it("E0102 unclosed '(' of a call", () => {
    expect(report(body('p = p - lr * sqrt(m + 1;\n    m = g;'))).toMatchInlineSnapshot(`
      "x.opt:5:28: error[E0102]: expected ')' to close the call to 'sqrt', found ';'
        |
      5 |     p = p - lr * sqrt(m + 1;
        |                            ^
        = hint: every '(' needs a matching ')'"
    `);
  });

  it("E0102 keyword used as a name", () => {
    expect(report('optimizer a {\n  hyper state = 1;\n  update { p = p; }\n}')).toMatchInlineSnapshot(`
      "x.opt:2:9: error[E0102]: expected a name after 'hyper', found keyword 'state'
        |
      2 |   hyper state = 1;
        |         ^^^^^
        = hint: 'state' is a keyword; pick another name"
    `);
  });

  it('E0102 missing closing brace', () => {
    expect(report('optimizer a {\n  update { p = p - g; }\n')).toMatchInlineSnapshot(`
      "x.opt:2:24: error[E0102]: expected 'hyper', 'state', 'input', 'update' or '}' to close optimizer 'a', found end of file
        |
      2 |   update { p = p - g; }
        |                        ^
        = hint: add the missing '}'"
    `);
  });

  it('E0102 empty file', () => {
    expect(report('')).toMatchInlineSnapshot(`
      "x.opt:1:1: error[E0102]: expected 'optimizer', found end of file
        |
      1 | 
        | ^
        = hint: a file holds one \`optimizer name { ... }\`"
    `);
  });

  it('E0103 missing expression', () => {
    expect(report(body('let d = ;\n    p = p - lr * d;\n    m = g;'))).toMatchInlineSnapshot(`
      "x.opt:5:13: error[E0103]: expected an expression after '=', found ';'
        |
      5 |     let d = ;
        |             ^
        = hint: the value of 'd' is missing"
    `);
  });

  it('E0103 ** for powers', () => {
    expect(report(body('p = p - lr * g ** 2;\n    m = g;'))).toMatchInlineSnapshot(`
      "x.opt:5:21: error[E0103]: expected an expression after '*', found '*'
        |
      5 |     p = p - lr * g ** 2;
        |                     ^
        = hint: powers are written \`x ^ 2\`"
    `);
  });

  it('E0103 hyper default that is not a number', () => {
    expect(report('optimizer a {\n  hyper lr = ;\n  update { p = p; }\n}')).toMatchInlineSnapshot(`
      "x.opt:2:14: error[E0103]: expected a number as the default of hyper 'lr', found ';'
        |
      2 |   hyper lr = ;
        |              ^
        = hint: hyper defaults are number literals such as \`0.9\`, \`-1\` or \`inf\`; derive other values inside \`update\`"
    `);
  });

  it('E0104 a second optimizer', () => {
    expect(report('optimizer a { update { p = p; } }\noptimizer b { update { p = p; } }')).toMatchInlineSnapshot(`
      "x.opt:2:1: error[E0104]: only one optimizer per file; found a second 'optimizer'
        |
      2 | optimizer b { update { p = p; } }
        | ^^^^^^^^^
        = hint: put each optimizer in its own file"
    `);
  });

  it('E0105 chained comparison', () => {
    expect(report(body('p = 0 < g < 1 ? p : p - lr * g;\n    m = g;'))).toMatchInlineSnapshot(`
      "x.opt:5:15: error[E0105]: comparison operators do not chain: '<' after '<'
        |
      5 |     p = 0 < g < 1 ? p : p - lr * g;
        |               ^
        = hint: combine two comparisons with \`&&\`, e.g. \`lo < x && x < hi\`"
    `);
  });

  it('E0106 unterminated block comment', () => {
    expect(report('optimizer a {\n  /* TODO\n  update { p = p; }\n}')).toMatchInlineSnapshot(`
      "x.opt:2:3: error[E0106]: unterminated block comment
        |
      2 |   /* TODO
        |   ^^
        = hint: close it with '*/'"
    `);
  });

  it('E0107 hyper default that names another hyper', () => {
    expect(report('optimizer a {\n  hyper beta1 = 0.9;\n  hyper beta2 = beta1;\n  update { p = p; }\n}')).toMatchInlineSnapshot(`
      "x.opt:3:17: error[E0107]: the default of hyper 'beta2' must be a number, found 'beta1'
        |
      3 |   hyper beta2 = beta1;
        |                 ^^^^^
        = hint: use a number literal such as \`0.9\`, \`-1\` or \`inf\`; values derived from others belong in \`update\`"
    `);
  });

  it('E0108 missing update block', () => {
    expect(report('optimizer a {\n  hyper lr = 0.1;\n}')).toMatchInlineSnapshot(`
      "x.opt:1:11: error[E0108]: optimizer 'a' has no update block
        |
      1 | optimizer a {
        |           ^
        = hint: add one, e.g. \`update { p = p - lr * g; }\`"
    `);
  });

  it('E0109 a second update block', () => {
    expect(report('optimizer a {\n  update { p = p - g; }\n  update { p = p; }\n}')).toMatchInlineSnapshot(`
      "x.opt:3:3: error[E0109]: a second update block
        |
      3 |   update { p = p; }
        |   ^^^^^^
        = hint: merge it into the first one on line 2"
    `);
  });

  it('E0110 nesting too deep for the parser', () => {
    expect(report(body(`p = ${'('.repeat(3000)}g${')'.repeat(3000)};`))).toMatchInlineSnapshot(`
      "x.opt:5:137: error[E0110]: the program nests more than 128 levels deep here
        |
      5 | …((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((…
        |                                          ^
        = hint: name inner parts with \`let\` (parentheses, blocks, unary operators, '^', '? :' and 'else if' each open a level; docs/language.md, "Limits")"
    `);
    // The shared parser instance is still usable afterwards.
    expect(report(body('p = p - lr * g;\n    m = g;'))).toBe('');
  });

  it('E0111 statement outside the update block', () => {
    expect(report('optimizer a {\n  let x = 1;\n  update { p = p; }\n}')).toMatchInlineSnapshot(`
      "x.opt:2:3: error[E0111]: 'let' outside the update block
        |
      2 |   let x = 1;
        |   ^^^^^^^^^^
        = hint: statements go inside \`update { ... }\`"
    `);
  });

  it('E0112 declaration inside the update block', () => {
    expect(report('optimizer a {\n  update {\n    hyper lr = 0.1;\n    p = p - lr * g;\n  }\n}')).toMatchInlineSnapshot(`
      "x.opt:3:5: error[E0112]: 'hyper' declaration inside the update block
        |
      3 |     hyper lr = 0.1;
        |     ^^^^^^^^
        = hint: declarations go before \`update\`: move \`hyper lr\` out of the block"
    `);
  });
});

describe('name errors (E02xx)', () => {
  it('E0201 unknown name, with a suggestion', () => {
    expect(report(body('p = p - lrr * g;\n    m = g;'))).toMatchInlineSnapshot(`
      "x.opt:5:13: error[E0201]: unknown name 'lrr'
        |
      5 |     p = p - lrr * g;
        |             ^^^
        = hint: did you mean 'lr'?"
    `);
  });

  it('E0201 unknown name, listing the built-ins', () => {
    expect(report(body('p = p - lr * grad;\n    m = g;'))).toMatchInlineSnapshot(`
      "x.opt:5:18: error[E0201]: unknown name 'grad'
        |
      5 |     p = p - lr * grad;
        |                  ^^^^
        = hint: declare it (\`hyper grad = ...;\` or \`state grad = 0;\`); built-in names are p, g, t, inf, nan"
    `);
  });

  it('E0201 function used as a value', () => {
    expect(report(body('p = p - lr * sqrt;\n    m = g;'))).toMatchInlineSnapshot(`
      "x.opt:5:18: error[E0201]: 'sqrt' is a function, not a value
        |
      5 |     p = p - lr * sqrt;
        |                  ^^^^
        = hint: call it: \`sqrt(x)\`"
    `);
  });

  it('E0201 used before its let', () => {
    expect(report(body('p = p - lr * d;\n    let d = g;\n    m = g;'))).toMatchInlineSnapshot(`
      "x.opt:5:18: error[E0201]: 'd' is used before its \`let\`
        |
      5 |     p = p - lr * d;
        |                  ^
        = hint: move \`let d = ...;\` above this line"
    `);
  });

  it('E0202 unknown function', () => {
    expect(report(body('p = p - lr * sqr(m);\n    m = g;'))).toMatchInlineSnapshot(`
      "x.opt:5:18: error[E0202]: unknown function 'sqr'
        |
      5 |     p = p - lr * sqr(m);
        |                  ^^^
        = hint: did you mean 'sqrt'?"
    `);
  });

  it('E0202 calling a value', () => {
    expect(report(body('p = p - lr(g);\n    m = g;'))).toMatchInlineSnapshot(`
      "x.opt:5:13: error[E0202]: 'lr' is not a function
        |
      5 |     p = p - lr(g);
        |             ^^
        = hint: to multiply, write \`lr * (...)\`"
    `);
  });

  it('E0203 duplicate declaration', () => {
    expect(report(body('p = p - lr * g;\n    m = g;', 'hyper lr = 0.1;\n  state m = 0;\n  state lr = 0;'))).toMatchInlineSnapshot(`
      "x.opt:4:9: error[E0203]: 'lr' is already declared
        |
      4 |   state lr = 0;
        |         ^^
        = hint: it was declared as a hyper on line 2; rename one of them"
    `);
  });

  it('E0204 let redefinition', () => {
    expect(report(body('let d = g;\n    let d = d * 2;\n    p = p - lr * d;\n    m = g;'))).toMatchInlineSnapshot(`
      "x.opt:6:9: error[E0204]: 'd' is already defined
        |
      6 |     let d = d * 2;
        |         ^
        = hint: \`let\` bindings are immutable: pick a new name such as 'd2', declare \`var d = ...;\` to rebind it, or \`state d = 0;\` to keep it across steps"
    `);
  });

  it('E0204 let shadowing a declaration', () => {
    expect(report(body('let lr = 0.5;\n    p = p - lr * g;\n    m = g;'))).toMatchInlineSnapshot(`
      "x.opt:5:9: error[E0204]: 'lr' is already declared as a hyper
        |
      5 |     let lr = 0.5;
        |         ^^
        = hint: pick another name for the \`let\`"
    `);
  });

  it('E0205 assignment to a hyper', () => {
    expect(report(body('lr = lr * 0.5;\n    p = p - lr * g;\n    m = g;'))).toMatchInlineSnapshot(`
      "x.opt:5:5: error[E0205]: cannot assign to hyper 'lr'
        |
      5 |     lr = lr * 0.5;
        |     ^^
        = hint: hyperparameters are read-only in \`update\`; use \`let lr2 = ...;\` for a modified local value, or a \`state\` to keep one across steps"
    `);
  });

  it('E0205 assignment to g', () => {
    expect(report(body('g = g + 0.1 * p;\n    p = p - lr * g;\n    m = g;'))).toMatchInlineSnapshot(`
      "x.opt:5:5: error[E0205]: cannot assign to 'g', the gradient
        |
      5 |     g = g + 0.1 * p;
        |     ^
        = hint: it is read-only; use \`let g2 = ...;\` for a modified local value"
    `);
  });

  it('E0205 assignment to a let', () => {
    expect(report(body('let d = g;\n    d = d * 2;\n    p = p - lr * d;\n    m = g;'))).toMatchInlineSnapshot(`
      "x.opt:6:5: error[E0205]: cannot assign to 'd', a \`let\` binding
        |
      6 |     d = d * 2;
        |     ^
        = hint: \`let\` bindings are immutable: bind a new name (\`let d2 = ...;\`), or declare \`state d = 0;\` to update it"
    `);
  });

  it('E0205 assignment to an undeclared name', () => {
    expect(report(body('mm = g;\n    p = p - lr * g;\n    m = g;'))).toMatchInlineSnapshot(`
      "x.opt:5:5: error[E0205]: cannot assign to unknown name 'mm'
        |
      5 |     mm = g;
        |     ^^
        = hint: did you mean 'm'?"
    `);
  });

  it('E0206 declaring a built-in name', () => {
    expect(report(body('p = p - lr * g;\n    m = g;', 'hyper lr = 0.1;\n  state m = 0;\n  input g;'))).toMatchInlineSnapshot(`
      "x.opt:4:9: error[E0206]: cannot declare 'g': it is a built-in name (the gradient)
        |
      4 |   input g;
        |         ^
        = hint: pick another name"
    `);
  });

  it('E0207 unknown state format', () => {
    expect(report(body('p = p - lr * g;\n    m = g;', 'hyper lr = 0.1;\n  state m: f33 = 0;'))).toMatchInlineSnapshot(`
      "x.opt:3:12: error[E0207]: unknown state format 'f33'
        |
      3 |   state m: f33 = 0;
        |            ^^^
        = hint: did you mean 'f32'? the formats are f32, f16, bf16, q8, q8u, q4, q4u, fp8e4m3, fp8e5m2"
    `);
  });

  it('E0208 parameters on f32', () => {
    expect(report(body('p = p - lr * g;\n    m = g;', 'hyper lr = 0.1;\n  state m: f32(block = 64) = 0;'))).toMatchInlineSnapshot(`
      "x.opt:3:16: error[E0208]: format 'f32' takes no parameters, not 'block'
        |
      3 |   state m: f32(block = 64) = 0;
        |                ^^^^^^^^^^
        = hint: write \`: f32\`"
    `);
  });
});

describe('type errors (E03xx)', () => {
  it('E0301 wrong number of arguments', () => {
    expect(report(body('p = clamp(p - lr * g, 1);\n    m = g;'))).toMatchInlineSnapshot(`
      "x.opt:5:9: error[E0301]: 'clamp' takes 3 arguments, found 2
        |
      5 |     p = clamp(p - lr * g, 1);
        |         ^^^^^^^^^^^^^^^^^^^^
        = hint: call it as \`clamp(x, lo, hi)\`"
    `);
  });

  it('E0302 a bool where a number is needed', () => {
    expect(report(body('p = p - lr * sqrt(g < 0);\n    m = g;'))).toMatchInlineSnapshot(`
      "x.opt:5:23: error[E0302]: argument 1 of 'sqrt' must be a number, but \`g < 0\` is a bool
        |
      5 |     p = p - lr * sqrt(g < 0);
        |                       ^^^^^
        = hint: turn a condition into a number with \`cond ? 1 : 0\`"
    `);
  });

  it('E0302 a number where a bool is needed', () => {
    expect(report(body('p = g > 0 && m ? p : p - lr * g;\n    m = g;'))).toMatchInlineSnapshot(`
      "x.opt:5:18: error[E0302]: the right operand of '&&' must be a bool, but \`m\` is a number
        |
      5 |     p = g > 0 && m ? p : p - lr * g;
        |                  ^
        = hint: compare it, e.g. \`m != 0\`"
    `);
  });

  it('E0303 a 0/1 flag used as a condition', () => {
    expect(report(body('p = p - lr * (nesterov ? g + m : m);\n    m = g;', 'hyper lr = 0.1;\n  hyper nesterov = 0;\n  state m = 0;'))).toMatchInlineSnapshot(`
      "x.opt:6:19: error[E0303]: the condition of \`?:\` must be a bool, but \`nesterov\` is a number
        |
      6 |     p = p - lr * (nesterov ? g + m : m);
        |                   ^^^^^^^^
        = hint: compare it, e.g. \`nesterov != 0\`"
    `);
  });

  it('E0303 a number as the condition of select', () => {
    expect(report(body('p = select(m, p, p - lr * g);\n    m = g;'))).toMatchInlineSnapshot(`
      "x.opt:5:16: error[E0303]: the condition of 'select' (its first argument) must be a bool, but \`m\` is a number
        |
      5 |     p = select(m, p, p - lr * g);
        |                ^
        = hint: compare it, e.g. \`m != 0\`"
    `);
  });

  it('E0304 branches of different types', () => {
    expect(report(body('let d = g > 0 ? g : g < 0;\n    p = p;\n    m = g;'))).toMatchInlineSnapshot(`
      "x.opt:5:13: error[E0304]: the branches of \`?:\` differ in type: \`g\` is a number, \`g < 0\` is a bool
        |
      5 |     let d = g > 0 ? g : g < 0;
        |             ^^^^^^^^^^^^^^^^^
        = hint: both branches must be numbers, or both bools"
    `);
  });

  it('E0209 a block size that is not a power of two', () => {
    expect(report(body('p = p - lr * m;\n    m = g;', 'hyper lr = 0.1;\n  state m: q8(block = 100) = 0;'))).toMatchInlineSnapshot(`
      "x.opt:3:15: error[E0209]: block size of 'q8' must be a power of two from 8 to 4096, got 100
        |
      3 |   state m: q8(block = 100) = 0;
        |               ^^^^^^^^^^^
        = hint: the default is 256"
    `);
  });

  it('E0208 a parameter the format does not take', () => {
    expect(report(body('p = p - lr * m;\n    m = g;', 'hyper lr = 0.1;\n  state m: bf16(block = 64) = 0;'))).toMatchInlineSnapshot(`
      "x.opt:3:17: error[E0208]: format 'bf16' takes only \`rounding\` (\`nearest\`, the default, or \`stochastic\`), not 'block'
        |
      3 |   state m: bf16(block = 64) = 0;
        |                 ^^^^^^^^^^
        = hint: write \`: bf16(rounding = stochastic)\`"
    `);
  });

  it('E0208 rank1 on a format other than q4u; E0215 a rank1 flag that is not 0 or 1', () => {
    expect(report(body('p = p - lr * m;\n    m = g;', 'hyper lr = 0.1;\n  state m: q8(rank1 = 1) = 0;'))).toMatchInlineSnapshot(`
      "x.opt:3:15: error[E0208]: format 'q8' takes only \`block\` (elements per scale; default 256), not 'rank1'
        |
      3 |   state m: q8(rank1 = 1) = 0;
        |               ^^^^^^^^^
        = hint: rank-1 normalization is defined for q4u only (the 4-bit second moment): write \`: q4u(rank1 = 1)\`"
    `);
    expect(report(body('p = p - lr * v;\n    v = g * g;', 'hyper lr = 0.1;\n  state v: q4u(rank1 = 2) = 0;'))).toMatchInlineSnapshot(`
      "x.opt:3:16: error[E0215]: rank1 of 'q4u' is a flag, 0 or 1, got 2
        |
      3 |   state v: q4u(rank1 = 2) = 0;
        |                ^^^^^^^^^
        = hint: write \`: q4u(rank1 = 1)\` for rank-1 normalization"
    `);
    expect(report(body('p = p - lr * v;\n    v = g * g;', 'hyper lr = 0.1;\n  state v: q4u(rank1 = 0, block = 64) = 0;'))).toBe('');
  });

  it('E0306 state initialized from a per-element value', () => {
    expect(report(body('p = p - lr * m;\n    m = g;', 'hyper lr = 0.1;\n  state m = g * lr;'))).toMatchInlineSnapshot(`
      "x.opt:3:13: error[E0306]: the initial value of state 'm' must be a constant or an expression of hyperparameters, but it uses 'g' (the gradient, a per-element value)
        |
      3 |   state m = g * lr;
        |             ^
        = hint: initialize it with a constant, e.g. \`state m = 0;\`, and compute the rest in \`update\`"
    `);
  });

  it('E0306 state initialized from t', () => {
    expect(report(body('p = p - lr * m;\n    m = g;', 'hyper lr = 0.1;\n  state m = 1 / t;'))).toMatchInlineSnapshot(`
      "x.opt:3:17: error[E0306]: the initial value of state 'm' must be a constant or an expression of hyperparameters, but it uses 't' (the step count, which changes every step)
        |
      3 |   state m = 1 / t;
        |                 ^
        = hint: initialize it with a constant, e.g. \`state m = 0;\`, and compute the rest in \`update\`"
    `);
  });

  it('E0307 assigning a bool to a state', () => {
    expect(report(body('m = g < 0;\n    p = p - lr * g;'))).toMatchInlineSnapshot(`
      "x.opt:5:9: error[E0307]: cannot assign a bool to state 'm'
        |
      5 |     m = g < 0;
        |         ^^^^^
        = hint: states and p hold numbers; write e.g. \`cond ? a : b\`"
    `);
  });

  it('E0308 a bool initial value', () => {
    expect(report(body('p = p - lr * m;\n    m = g;', 'hyper lr = 0.1;\n  state m = lr > 0;'))).toMatchInlineSnapshot(`
      "x.opt:3:13: error[E0308]: the initial value of state 'm' is a bool
        |
      3 |   state m = lr > 0;
        |             ^^^^^^
        = hint: states hold numbers; write e.g. \`cond ? 1 : 0\`"
    `);
  });

  it('E0210 an input kind other than scalar', () => {
    expect(report(body('p = p - lr * h;', 'hyper lr = 0.1;\n  input h: matrix;'))).toMatchInlineSnapshot(`
      "x.opt:3:12: error[E0210]: unknown kind of input 'matrix'
        |
      3 |   input h: matrix;
        |            ^^^^^^
        = hint: write \`input h;\` for a per-element input, or \`input h: scalar;\` for one number per step"
    `);
  });

  it('E0311 a reduction of a value that does not vary over what it folds', () => {
    const decls = 'hyper lr = 0.1;';
    expect(report(body('p = p - lr * sum(lr) * g;', decls))).toMatchInlineSnapshot(`
      "x.opt:4:22: error[E0311]: 'sum' folds a value over each tensor, but \`lr\` is the same for every element
        |
      4 |     p = p - lr * sum(lr) * g;
        |                      ^^
        = hint: use the value itself (times \`numel\` for a sum)"
    `);
    expect(report(body('p = p - lr * row_sum(norm(g)) * g;', decls))).toMatchInlineSnapshot(`
      "x.opt:4:26: error[E0311]: 'row_sum' folds a value over each row, but \`norm(g)\` has one value per tensor, not per element
        |
      4 |     p = p - lr * row_sum(norm(g)) * g;
        |                          ^^^^^^^
        = hint: row_sum(x) takes a per-element value"
    `);
    expect(report(body('p = p - lr * randn(g);', decls))).toMatchInlineSnapshot(`
      "x.opt:4:24: error[E0311]: the stream of 'randn' must be the same for every element, but \`g\` is not
        |
      4 |     p = p - lr * randn(g);
        |                        ^
        = hint: use a step value, e.g. \`seed + t\` with \`hyper seed = 0;\`"
    `);
  });

  it('E0312 a per-element value stored into a row state', () => {
    expect(report(body('r = g * g;\n    p = p - lr * r;', 'hyper lr = 0.1;\n  state r: row = 0;'))).toMatchInlineSnapshot(`
      "x.opt:5:9: error[E0312]: state 'r' holds one value per row, but \`g * g\` has one per element
        |
      5 |     r = g * g;
        |         ^^^^^
        = hint: reduce it over each row, e.g. \`row_mean(...)\`"
    `);
  });

  it('E0310 and E0313 are retired: a compressed state with a reduction compiles, with the guard too', () => {
    const src = body('m = 0.9 * m + g;\n    p = p - lr * m / norm(m);', 'hyper lr = 0.1;\n  state m: q8 = 0;');
    expect(compile(src, { file: 'x.opt' }).module.states[0]!.format.kind).toBe('q8');
    // E0313 is retired: the guard runs in phased programs too (test/phased-guard.test.ts).
    expect(compile(body('p = p - lr * g / norm(g);', 'hyper lr = 0.1;'), { file: 'x.opt', guard: true }).module.guard).toBe(true);
  });
});

describe('parameter storage and rounding (E0211-E0214)', () => {
  const decl = (d: string) => body('m = 0.9 * m + g;\n    p = p - lr * m;', `hyper lr = 0.1;\n  state m = 0;\n  ${d}`);

  it('E0211 a param declaration of another name', () => {
    expect(report(decl('param q: bf16;'))).toMatchInlineSnapshot(`
      "x.opt:4:9: error[E0211]: \`param\` declares how the parameter 'p' is stored, not 'q'
        |
      4 |   param q: bf16;
        |         ^
        = hint: write e.g. \`param p: bf16;\`"
    `);
  });

  it('E0212 a parameter format that is not f32, f16 or bf16', () => {
    expect(report(decl('param p: q8;'))).toMatchInlineSnapshot(`
      "x.opt:4:12: error[E0212]: the parameter cannot be stored as q8
        |
      4 |   param p: q8;
        |            ^^
        = hint: parameters are stored as f32, f16, bf16 (a scaled format would need its block's absmax); use e.g. \`param p: bf16;\`"
    `);
  });

  it('E0213 a second param declaration', () => {
    expect(report(decl('param p: bf16;\n  param p: f16;'))).toMatchInlineSnapshot(`
      "x.opt:5:3: error[E0213]: a second \`param\` declaration
        |
      5 |   param p: f16;
        |   ^^^^^^^^^^^^^
        = hint: the parameter's format was declared on line 4; keep one"
    `);
  });

  it('E0214 a rounding that is neither nearest nor stochastic', () => {
    expect(report(decl('param p: bf16(rounding = fast);'))).toMatchInlineSnapshot(`
      "x.opt:4:17: error[E0214]: rounding of 'bf16' must be \`nearest\` or \`stochastic\`, found 'fast'
        |
      4 |   param p: bf16(rounding = fast);
        |                 ^^^^^^^^^^^^^^^
        = hint: nearest-even is the default; \`stochastic\` rounds up with probability equal to the dropped fraction"
    `);
  });

  it('E0208 rounding on a format that does not take it', () => {
    expect(report(body('m = 0.9 * m + g;\n    p = p - lr * m;', 'hyper lr = 0.1;\n  state m: q8(rounding = stochastic) = 0;'))).toMatchInlineSnapshot(`
      "x.opt:3:15: error[E0208]: format 'q8' takes only \`block\` (elements per scale; default 256), not 'rounding'
        |
      3 |   state m: q8(rounding = stochastic) = 0;
        |               ^^^^^^^^^^^^^^^^^^^^^
        = hint: only f16 and bf16 round stochastically; write \`: q8\` or \`: q8(block = 256)\`"
    `);
    expect(report(decl('param p: f32(rounding = stochastic);'))).toMatchInlineSnapshot(`
      "x.opt:4:16: error[E0208]: format 'f32' takes no parameters, not 'rounding'
        |
      4 |   param p: f32(rounding = stochastic);
        |                ^^^^^^^^^^^^^^^^^^^^^
        = hint: only f16 and bf16 round stochastically; write \`: f32\`"
    `);
  });

  it('E0314 is retired: a bf16 parameter with a reduction, and with named update blocks, compiles', () => {
    const src = body('p = p - lr * g / norm(g);', 'hyper lr = 0.1;\n  param p: bf16;');
    expect(compile(src, { file: 'x.opt' }).module.param).toEqual({ kind: 'bf16' });
    const entry = `optimizer a {\n  hyper lr = 0.1;\n  param p: bf16(rounding = stochastic);\n  update { p = p - lr * g; }\n  update nudge { p = p + lr; }\n}\n`;
    expect(compile(entry, { file: 'x.opt' }).module.entries?.nudge?.param).toEqual({ kind: 'bf16', rounding: 'stochastic' });
  });

  it('a missing colon or name in a param declaration is a syntax error with a hint', () => {
    expect(report(decl('param p bf16;'))).toMatchInlineSnapshot(`
      "x.opt:4:11: error[E0102]: expected ':' after param 'p', found 'bf16'
        |
      4 |   param p bf16;
        |           ^^^^
        = hint: write e.g. \`param p: bf16;\`"
    `);
    expect(report(decl('param : bf16;'))).toMatchInlineSnapshot(`
      "x.opt:4:9: error[E0102]: expected 'p' after 'param', found ':'
        |
      4 |   param : bf16;
        |         ^
        = hint: write e.g. \`param p: bf16;\`"
    `);
  });
});

describe('rank-1 normalization composes with everything (E0315 retired)', () => {
  it('with row or column values, without vectorization, in entry points, without fusion', () => {
    const rank1 = 'hyper lr = 0.1;\n  state v: q4u(rank1 = 1) = 0;';
    const rowCol = compile(body('v = 0.9 * v + g * g;\n    p = p - lr * v / (1 + row_mean(v));', rank1), { file: 'x.opt' });
    expect(Object.keys(rowCol.module.variants)).toEqual(['1']);
    expect(compile(body('v = 0.9 * v + g * g;\n    p = p - lr * v / norm(v);', rank1), { file: 'x.opt', vectorize: false }).module.phased).toBeDefined();
    const withEntry = `${body('v = 0.9 * v + g * g;\n    p = p - lr * v;', rank1).replace(/}\s*$/, '')}  update nudge {\n    v = v * 0.5;\n    p = p - v;\n  }\n}\n`;
    expect(compile(withEntry, { file: 'x.opt' }).module.entries!.nudge!.variants[4]!.map((k) => k.name)).toEqual(['rank1max', 'fused', 'rank1_v']);
    expect(compile(body('v = 0.9 * v + g * g;\n    p = p - lr * v;', rank1), { file: 'x.opt', fuse: false }).module.variants[4]!.some((k) => k.name.startsWith('rank1max_'))).toBe(true);
  });
});

describe('an entry point reading a gradient or per-element input (E0316)', () => {
  it('names the entry point and the input', () => {
    expect(report('optimizer a {\n  hyper lr = 0.1;\n  input e;\n  update { p = p - lr * g * e; }\n  update nudge { p = p + lr * e; }\n}\n')).toMatchInlineSnapshot(`
      "x.opt:5:31: error[E0316]: entry point 'nudge' reads the per-element input 'e'; entry points run between steps, without gradients or per-element inputs
        |
      5 |   update nudge { p = p + lr * e; }
        |                               ^
        = hint: pass a scalar input (\`input s: scalar;\`), or keep what it needs in a state the update writes"
    `);
  });
});

describe('warnings (W04xx)', () => {
  it('W0401 state never assigned, W0402 p never assigned, W0403 unused let', () => {
    const { program, diagnostics } = parseProgram(body('let unused = g * 2;'), 'x.opt');
    expect(program).toBeDefined(); // warnings never block compilation
    expect(formatDiagnostics(diagnostics, body('let unused = g * 2;'), 'x.opt')).toMatchInlineSnapshot(`
      "x.opt:3:9: warning[W0401]: state 'm' is never assigned in update
        |
      3 |   state m = 0;
        |         ^
        = hint: it keeps its initial value forever; assign it (\`m = ...;\`) or remove it

      x.opt:4:3: warning[W0402]: the update block never assigns 'p'
        |
      4 |   update {
        |   ^^^^^^
        = hint: the parameter never changes; assign it, e.g. \`p = p - lr * g;\`

      x.opt:5:9: warning[W0403]: 'unused' is never used
        |
      5 |     let unused = g * 2;
        |         ^^^^^^
        = hint: remove the \`let\`, or use it"
    `);
  });
});

describe('fuzzing: any text gives diagnostics, never an exception', () => {
  // Deterministic mutations of the examples (truncation; deleted, duplicated, swapped or inserted tokens;
  // names replaced by other names, operators or numbers) and random bytes. Each must compile or fail
  // with at least one error whose span lies inside the source and formats with a caret.
  const examples = readdirSync('examples').filter((f) => f.endsWith('.opt')).sort().map((f) => readFileSync(`examples/${f}`, 'utf8'));
  const words = ['sqrt', 'min', 'select', 'clamp', 'lerp', 'inf', 'nan', 't', 'p', 'g', 'lr', '<', '&&', '?', ':', '!', '-',
    '(', ')', ';', '{', '}', '=', '0.5', '-1', 'let', 'state', 'hyper', 'input', 'update', '///doc\n', '/*', '^'];

  function mutate(rng: Rng, base: string): string {
    const pick = <T>(xs: T[]): T => xs[Math.floor(rng.uniform() * xs.length)]!;
    // Comments removed first: the tokens are re-joined on one line, where a `//` would swallow the rest.
    const tokens = base.replace(/\/\/[^\n]*/g, '').split(/(\s+|[(){};,])/).filter((x) => x.trim() !== '');
    const at = () => Math.floor(rng.uniform() * tokens.length);
    switch (Math.floor(rng.uniform() * 7)) {
      case 0: return base.slice(0, Math.floor(rng.uniform() * base.length));
      case 1: for (let k = 0; k < 3; k++) tokens.splice(at(), 1); break;
      case 2: for (let k = 0; k < 3; k++) { const i = at(); tokens.splice(i, 0, tokens[i]!); } break;
      case 3: for (let k = 0; k < 3; k++) { const i = at(), j = at(); [tokens[i], tokens[j]] = [tokens[j]!, tokens[i]!]; } break;
      case 4: for (let k = 0; k < 3; k++) tokens.splice(at(), 0, pick(words)); break;
      case 5: for (let k = 0; k < 4; k++) { const i = at(); if (/^[a-z_]\w*$/.test(tokens[i]!)) tokens[i] = pick([...words, ...tokens]); } break;
      default: return Array.from({ length: Math.floor(rng.uniform() * 300) }, () => String.fromCharCode(rng.u32() % 128)).join('');
    }
    return tokens.join(' ');
  }

  it('400 mutated and random sources', () => {
    const rng = new Rng(20240611);
    let compiled = 0;
    for (let i = 0; i < 400; i++) {
      const src = mutate(rng, examples[i % examples.length]!);
      const { program, diagnostics } = parseProgram(src, 'f.opt');
      for (const d of diagnostics) {
        expect(d.code, src).toMatch(/^[EW]0[1-4]\d\d$/);
        expect(d.message).not.toMatch(/undefined|\[object/);
        if (d.span) {
          expect(d.span.start).toBeGreaterThanOrEqual(0);
          expect(d.span.end).toBeGreaterThanOrEqual(d.span.start);
          expect(d.span.end).toBeLessThanOrEqual(src.length);
        }
        expect(formatDiagnostic(d, src, 'f.opt')).toContain(`[${d.code}]`);
      }
      if (program) {
        compiled++;
        verify(program);
        expect(parseProgram(toSource(program)).program, src).toBeDefined();
      } else {
        expect(diagnostics.some((d) => d.severity === 'error'), src).toBe(true);
      }
    }
    // The mutations keep some programs valid (and some of those change meaning), so both paths are exercised.
    expect(compiled).toBeGreaterThan(5);
  });
});
