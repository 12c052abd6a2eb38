// Regression tests for issue 16's front-end reports: slow diagnostics on damaged files, flat sums refused as
// "nested too deeply", and a nesting limit that is stated and reported at its token instead of a stack overflow.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile, compileIR } from '../src/compile.js';
import { CompileError, formatDiagnostics, MAX_SHOWN_DIAGNOSTICS, type Diagnostic } from '../src/diag.js';
import { initStates, interpretStep, toSource } from '../src/ir/index.js';
import { parse } from '../src/parser/index.js';
import { MAX_NESTING } from '../src/parser/nesting.js';

const wrap = (expr: string) => `optimizer s { hyper lr = 0.1; update { let s = ${expr}; p = p - lr * s; } }`;

function diagnosticsOf(src: string): Diagnostic[] {
  try { compileIR(src); return []; } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    return e.diagnostics;
  }
}

/**
 * Median of three timings in ms of CPU time (user + system of this process): the machine is shared by many
 * processes, and wall time measures them as much as this code.
 */
function medianMs(f: () => void): number {
  const ts = [0, 1, 2].map(() => { const t = process.cpuUsage(); f(); const d = process.cpuUsage(t); return (d.user + d.system) / 1000; });
  return ts.sort((a, b) => a - b)[1]!;
}

describe('flat expressions', () => {
  it('compiles a 5,000-term sum on both paths and runs it on the interpreter', () => {
    const src = wrap(Array(5000).fill('g').join(' + '));
    const { program } = compileIR(src);
    const n = 3;
    const r = interpretStep(program, { param: new Float32Array([1, 2, 3]), inputs: { g: new Float32Array([1, -1, 0.5]) }, states: initStates(program, n), t: 1 });
    expect(Array.from(r.param)).toEqual([1 - Math.fround(0.1) * 5000, 2 + Math.fround(0.1) * 5000, 3 - Math.fround(0.1) * 2500].map(Math.fround));
    expect(compile(src).module.variants[4] ?? compile(src).module.variants[1]).toBeDefined();
    expect(toSource(program).length).toBeGreaterThan(0);
  });

  it('compiles long chains of every binary operator and of calls', () => {
    for (const expr of [
      Array(3000).fill('g ^ 2').join(' + '), Array(3000).fill('-g').join(' - '), Array(2000).fill('sqrt(abs(g))').join(' * '),
      `(${Array(3000).fill('g < 1').join(' && ')}) ? 1 : 0`, `(${Array(3000).fill('g < 1').join(' || ')}) ? 1 : 0`,
    ]) expect(diagnosticsOf(wrap(expr))).toEqual([]);
  });
});

describe('nesting limit', () => {
  it(`accepts ${MAX_NESTING} nested parentheses and refuses one more at its token`, () => {
    const ok = (n: number) => wrap(`${'('.repeat(n)}g${')'.repeat(n)}`);
    expect(diagnosticsOf(ok(MAX_NESTING))).toEqual([]);
    const src = ok(300);
    const ds = diagnosticsOf(src);
    expect(ds.map((d) => d.code)).toEqual(['E0110']);
    expect(src.slice(ds[0]!.span!.start, ds[0]!.span!.end)).toBe('(');
    expect(ds[0]!.message).toContain(`more than ${MAX_NESTING} levels`);
  });

  it('counts unary operators, powers, conditionals and else-if chains, and refuses 10,000 of each without overflowing', () => {
    for (const expr of ['-'.repeat(10_000) + 'g', Array(10_000).fill('g').join(' ^ '), Array(10_000).fill('g < 0 ? g').join(' : ') + ' : 0',
      `${'f('.repeat(10_000)}g${')'.repeat(10_000)}`]) {
      expect(diagnosticsOf(wrap(expr)).map((d) => d.code)).toEqual(['E0110']);
    }
    const ifs = `optimizer s { update { ${Array(10_000).fill('if (g < 0) { p = p - 1; } else').join(' ')} { p = p + 1; } } }`;
    expect(diagnosticsOf(ifs).map((d) => d.code)).toEqual(['E0110']);
    const blocks = `optimizer s { update { ${'if (g < 0) { '.repeat(10_000)}${'}'.repeat(10_000)} } }`;
    expect(diagnosticsOf(blocks).map((d) => d.code)).toEqual(['E0110']);
  });
});

describe('damaged files stay fast', () => {
  const adam = readFileSync('examples/adam.opt', 'utf8');

  it('reports thousands of misplaced statements in linear time, printing at most 50', () => {
    // ~60 KB: the update block's lines repeated outside any block, one E0111 each.
    const body = adam.slice(adam.indexOf('update {') + 8, adam.lastIndexOf('}') - 2);
    const src = `optimizer x {\n${body.repeat(Math.floor(60_000 / body.length))}\n}`;
    let message = '';
    const ms = medianMs(() => { try { compile(src); } catch (e) { message = (e as Error).message; } });
    expect(ms).toBeLessThan(400);
    expect(message).toMatch(/more \(\d+ errors, 0 warnings\) not shown/);
    expect(message.split('\n\n').length).toBe(MAX_SHOWN_DIAGNOSTICS + 1);
  });

  it('abandons a parse after 100 syntax errors and reports the first 20, fast', () => {
    const src = adam.replace('update {', `update {\n${'let x = * ;\n'.repeat(4000)}`);
    let ds: Diagnostic[] = [];
    const ms = medianMs(() => { ds = diagnosticsOf(src); });
    expect(ms).toBeLessThan(400);
    expect(ds.length).toBe(20);
  });

  it('scales linearly with the number of lexer errors', () => {
    const bad = (k: number) => adam.replace('update {', `update {\n${'p = p § g ¤ 1;\n'.repeat(k)}`);
    const small = medianMs(() => parse(bad(500))), big = medianMs(() => parse(bad(4000)));
    // 8x the input: a quadratic path would take ~64x as long.
    expect(big / Math.max(small, 1)).toBeLessThan(24);
  });

  it('shows a window of a very long line, with the caret under the span', () => {
    const line = `${'x'.repeat(5000)}§${'y'.repeat(5000)}`;
    const src = `optimizer a { update { p = p; } }\n${line}`;
    const diagnostics = parse(src).diagnostics.filter((d) => d.code === 'E0101');
    const text = formatDiagnostics(diagnostics, src);
    const shown = text.split('\n').find((l) => l.startsWith('2 | '))!;
    expect(shown.length).toBeLessThan(200);
    const caret = text.split('\n').find((l) => l.trimEnd().endsWith('^'))!;
    expect(shown[caret.indexOf('^')]).toBe('§');
  });
});
