// Every new kind of problem in a matrix program, as the user sees it (as test/diagnostics.test.ts does for
// the rest): `file:line:col`, the line, a caret under the expression, the hint. Accept reviewed changes
// with `vitest -u`.
import { describe, expect, it } from 'vitest';
import { CompileError, formatDiagnostics } from '../src/diag.js';
import { compile, compileIR } from '../src/compile.js';
import { parseProgram } from '../src/parser/index.js';

function report(source: string, consts?: Record<string, number>): string {
  const { program, diagnostics } = parseProgram(source, 'x.opt', { consts });
  if (diagnostics.some((d) => d.severity === 'error')) expect(program).toBeUndefined();
  return formatDiagnostics(diagnostics, source, 'x.opt');
}

/** An optimizer with a hyper `lr`, a rows × rows state `L`, and the given update body. */
const body = (stmts: string, decls = 'hyper lr = 0.1;\n  state L: matrix(rows, rows) = 0;') =>
  `optimizer a {\n  ${decls}\n  update {\n    ${stmts}\n  }\n}\n`;

describe('shape errors (E032x) point at the expression', () => {
  it('E0320 a product whose inner sides differ', () => {
    expect(report(body('L = L + g @ g;\n    p = p - lr * L @ g;'))).toMatchInlineSnapshot(`
      "x.opt:5:13: error[E0320]: the matrix product of \`g\` (rows × cols) and \`g\` (rows × cols) needs equal inner sides, found cols and rows
        |
      5 |     L = L + g @ g;
        |             ^^^^^
        = hint: transpose the right side: \`... @ transpose(g)\`"
    `);
  });

  it('E0321 a matrix operation on a number', () => {
    expect(report(body('L = L + g @ transpose(g);\n    p = p - lr @ g;'))).toMatchInlineSnapshot(`
      "x.opt:6:13: error[E0321]: a matrix product needs a matrix, but \`lr\` is a number
        |
      6 |     p = p - lr @ g;
        |             ^^
        = hint: to scale a matrix by a number, use \`*\`"
    `);
    expect(report(body('L = transpose(norm(g));\n    p = p - lr * L @ g;'))).toMatchInlineSnapshot(`
      "x.opt:5:19: error[E0321]: 'transpose' needs a matrix, but \`norm(g)\` is a number per tensor
        |
      5 |     L = transpose(norm(g));
        |                   ^^^^^^^
        = hint: pass a per-element value (rows × cols) or a matrix"
    `);
  });

  it('E0322 an elementwise operation of two shapes', () => {
    expect(report(body('L = L + g;\n    p = p - lr * L @ g;'))).toMatchInlineSnapshot(`
      "x.opt:5:9: error[E0322]: '+' combines \`L\`, a rows × rows matrix, with \`g\`, a rows × cols matrix
        |
      5 |     L = L + g;
        |         ^^^^^
        = hint: elementwise operations need matrices of one shape (or a number beside a matrix); use transpose, orient or a product to match them"
    `);
    expect(report(body('let x = max(L, transpose(g) @ g);\n    L = x;\n    p = p - lr * L @ g;'))).toMatchInlineSnapshot(`
      "x.opt:5:13: error[E0322]: 'max' combines \`L\`, a rows × rows matrix, with \`transpose(g) @ g\`, a cols × cols matrix
        |
      5 |     let x = max(L, transpose(g) @ g);
        |             ^^^^^^^^^^^^^^^^^^^^^^^^
        = hint: elementwise operations need matrices of one shape (or a number beside a matrix); use transpose, orient or a product to match them"
    `);
  });

  it('E0323 a matrix side that is not one', () => {
    expect(report(body('p = p - lr * g;', 'hyper lr = 0.1;\n  state L: matrix(nrows, 0) = 0;'))).toMatchInlineSnapshot(`
      "x.opt:3:9: warning[W0401]: state 'L' is never assigned in update
        |
      3 |   state L: matrix(nrows, 0) = 0;
        |         ^
        = hint: it keeps its initial value forever; assign it (\`L = ...;\`) or remove it

      x.opt:3:19: error[E0323]: 'nrows' is not a matrix side
        |
      3 |   state L: matrix(nrows, 0) = 0;
        |                   ^^^^^
        = hint: write the side \`rows\`; a side is \`rows\`, \`cols\`, \`short\` (the smaller of the two), \`long\` (the larger), a positive integer or a \`const\`

      x.opt:3:26: error[E0323]: a matrix side must be a whole number from 1 to 4096, got 0
        |
      3 |   state L: matrix(nrows, 0) = 0;
        |                          ^
        = hint: a side is \`rows\`, \`cols\`, \`short\` (the smaller of the two), \`long\` (the larger), a positive integer or a \`const\`"
    `);
    expect(report(body('p = p - lr * identity(lr) @ g;', 'hyper lr = 0.1;'))).toMatchInlineSnapshot(`
      "x.opt:4:27: error[E0323]: 'lr' is not a matrix side
        |
      4 |     p = p - lr * identity(lr) @ g;
        |                           ^^
        = hint: a side is \`rows\`, \`cols\`, \`short\` (the smaller of the two), \`long\` (the larger), a positive integer or a \`const\`"
    `);
  });

  it('E0324 orient of a shape it cannot orient', () => {
    expect(report(body('L = orient(L);\n    p = p - lr * L @ g;'))).toMatchInlineSnapshot(`
      "x.opt:5:9: error[E0324]: 'orient' transposes rows × cols and short × long matrices (and their transposes) into each other, but \`L\` is rows × rows
        |
      5 |     L = orient(L);
        |         ^^^^^^^^^
        = hint: orient a per-element value, or a matrix computed from one (\`orient(g)\`); transpose other matrices with \`transpose\`"
    `);
  });

  it('E0327 a value of another shape assigned', () => {
    expect(report(body('L = L + g @ transpose(g);\n    p = L;'))).toMatchInlineSnapshot(`
      "x.opt:6:9: error[E0327]: 'p' holds a rows × cols matrix, but \`L\` is a rows × rows matrix
        |
      6 |     p = L;
        |         ^
        = hint: the parameter is rows × cols: multiply, transpose or orient the value into that shape (e.g. \`L @ g\`)"
    `);
    expect(report(body('var x = orient(g);\n    x = g;\n    p = p - lr * orient(x);', 'hyper lr = 0.1;'))).toMatchInlineSnapshot(`
      "x.opt:5:9: error[E0327]: 'x' holds a short × long matrix, but \`g\` is a rows × cols matrix
        |
      5 |     x = g;
        |         ^
        = hint: orient it: \`orient(g)\`"
    `);
    expect(report(body('p = orient(g);', 'hyper lr = 0.1;'))).toMatchInlineSnapshot(`
      "x.opt:4:9: error[E0327]: 'p' holds a rows × cols matrix, but \`orient(g)\` is a short × long matrix
        |
      4 |     p = orient(g);
        |         ^^^^^^^^^
        = hint: orient it: \`orient(orient(g))\`"
    `);
  });

  it('E0311 a row or column reduction of a matrix of another shape', () => {
    expect(report(body('L = L + g @ transpose(g);\n    p = p - lr * row_sum(L) * g;'))).toMatchInlineSnapshot(`
      "x.opt:6:26: error[E0311]: 'row_sum' folds a value over each row, but \`L\` is a rows × rows matrix, not one value per element of the parameter
        |
      6 |     p = p - lr * row_sum(L) * g;
        |                          ^
        = hint: row_sum(x) takes a per-element value"
    `);
  });
});

describe('const, repeat and fallback (E0113, E0325, E0326, E0329)', () => {
  it('E0325 a repeat count that is not known when compiling', () => {
    expect(report(body('var x = g;\n    repeat lr { x = 2 * x; }\n    p = p - x;', 'hyper lr = 0.1;'))).toMatchInlineSnapshot(`
      "x.opt:5:12: error[E0325]: the count of \`repeat\` must be known when compiling, but \`lr\` is not a number or a \`const\`
        |
      5 |     repeat lr { x = 2 * x; }
        |            ^^
        = hint: write a number or the name of a \`const\`, e.g. \`const ns_steps = 5;\` then \`repeat ns_steps { ... }\`"
    `);
    expect(report(body('var x = g;\n    repeat 1000 { x = 2 * x; }\n    p = p - x;', 'hyper lr = 0.1;'))).toMatchInlineSnapshot(`
      "x.opt:5:12: error[E0325]: the count of \`repeat\` must be a whole number from 0 to 100, got 1000
        |
      5 |     repeat 1000 { x = 2 * x; }
        |            ^^^^
        = hint: the body is unrolled once per iteration when compiling"
    `);
  });

  it('E0326 setting a const the file does not declare', () => {
    expect(report(body('p = p - lr * g;', 'hyper lr = 0.1;\n  const k = 2;'), { rank: 4 })).toMatchInlineSnapshot(`
      "x.opt: error[E0326]: optimizer 'a' has no const 'rank' to set
        hint: its consts are k"
    `);
  });

  it('E0205 assigning to a const', () => {
    expect(report(body('k = 3;\n    p = p - lr * g;', 'hyper lr = 0.1;\n  const k = 2;'))).toMatchInlineSnapshot(`
      "x.opt:5:5: error[E0205]: cannot assign to const 'k'
        |
      5 |     k = 3;
        |     ^
        = hint: consts are fixed when compiling; use \`let k2 = ...;\` for a modified local value"
    `);
  });

  it('E0113 a second fallback, a fallback inside a fallback', () => {
    const fb = (name: string, inner = '') => `fallback ${name} {\n    hyper lr = 0.1;\n    update { p = p - lr * g; }${inner}\n  }`;
    expect(report(body('p = p - lr * g;', `hyper lr = 0.1;\n  ${fb('one')}\n  ${fb('two')}`))).toMatchInlineSnapshot(`
      "x.opt:7:12: error[E0113]: a second fallback rule
        |
      7 |   fallback two {
        |            ^^^
        = hint: merge it into the first one on line 3"
    `);
    expect(report(body('p = p - lr * g;', `hyper lr = 0.1;\n  ${fb('one', `\n    ${fb('inner')}`)}`))).toMatchInlineSnapshot(`
      "x.opt:6:14: error[E0113]: a fallback rule inside a fallback rule
        |
      6 |     fallback inner {
        |              ^^^^^
        = hint: a fallback is an optimizer for every parameter that is not a matrix; it has no fallback of its own"
    `);
  });

  it('E0329 a fallback that uses matrix operations', () => {
    const src = body('p = p - lr * g;', 'hyper lr = 0.1;\n  fallback other {\n    update { p = p - g @ transpose(g) @ g; }\n  }');
    expect(report(src)).toMatchInlineSnapshot(`
      "x.opt:4:26: error[E0329]: the fallback rule 'other' uses matrix operations, but it runs on the parameters that are not matrices
        |
      4 |     update { p = p - g @ transpose(g) @ g; }
        |                          ^^^^^^^^^^^^
        = hint: keep matrix operations in the main update; the fallback steps vectors and scalars elementwise (AdamW, say)"
    `);
  });

  it('a repeat body reports its mistakes once, not once per iteration', () => {
    expect(report(body('var x = g;\n    repeat 3 { x = x + lrr; }\n    p = p - x;', 'hyper lr = 0.1;'))).toMatchInlineSnapshot(`
      "x.opt:5:24: error[E0201]: unknown name 'lrr'
        |
      5 |     repeat 3 { x = x + lrr; }
        |                        ^^^
        = hint: did you mean 'lr'?"
    `);
  });
});

describe('compile() takes matrix programs (matrix stages of the one schedule); E0331 refuses what they cannot run', () => {
  it('schedules a matrix program as matrix stages, and a fallback rule as a module of its own', () => {
    const src = body('L = L + g @ transpose(g);\n    p = p - lr * (L @ g);');
    const c = compile(src, { file: 'x.opt' });
    expect(c.module.matrix!.schedule.variants[0]!.stages.map((s) => s.kind)).toEqual(['matmul', 'matmul']);
    expect(c.module.states[0]).toMatchObject({ name: 'L', space: 'mat', shape: ['rows', 'rows'] });
    const fb = body('p = p - lr * g;', 'hyper lr = 0.1;\n  fallback other {\n    update { p = p - g; }\n  }');
    const f = compile(fb);
    expect(f.module.fallback!.name).toBe('other');
    expect(f.module.matrix!.schedule.variants[0]!.stages.map((s) => s.kind)).toEqual(['map']);
  });

  it('a per-row value in a matrix program: the reason, at the expression (global reductions and compressed states run: test/matrix-gpu.test.ts, test/matrix-formats.test.ts)', () => {
    const src = body('L = L + g @ transpose(g);\n    p = p - lr * (L @ g) / (row_max(abs(g)) + 1);');
    let caught: unknown;
    try { compile(src, { file: 'x.opt' }); } catch (e) { caught = e; }
    expect(caught).toBeInstanceOf(CompileError);
    expect((caught as CompileError).message).toMatchInlineSnapshot(`
      "x.opt:6:29: error[E0331]: optimizer 'a': a per-row or per-column value in a matrix program does not run on the GPU: the matrix stages have no row or column sweeps (write it as a product with a ones vector)
        |
      6 |     p = p - lr * (L @ g) / (row_max(abs(g)) + 1);
        |                             ^^^^^^^^^^^^^^^
        = hint: run it with \`optc run FILE --backend interp\`, which runs every matrix program; docs/matrix.md lists what the GPU stages run"
    `);
    expect(() => compileIR(src)).not.toThrow();
  });
});
