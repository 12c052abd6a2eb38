// eliminateDeadCode: liveness from the store to p, states live only when something live reads them
// (to a fixed point), W0403 for removed states and W0404 for unused hyperparameters.
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../src/diag.js';
import { Builder, printIR, verify, type Program } from '../src/ir/index.js';
import { eliminateDeadCode, passCtx } from '../src/passes/index.js';
import { compileIR } from '../src/index.js';

function dce(p: Program): { out: Program; diagnostics: Diagnostic[] } {
  verify(p, 'input');
  const ctx = passCtx();
  const out = eliminateDeadCode(p, ctx);
  verify(out, 'eliminateDeadCode');
  return { out, diagnostics: ctx.diagnostics };
}

const fmt = (ds: Diagnostic[]) => ds.map((d) => `${d.severity}[${d.code}]${d.span ? ` @${d.span.start}..${d.span.end}` : ''}: ${d.message}`);

describe('eliminateDeadCode', () => {
  it('keeps a state only its own update reads (an EMA, a statistic), removes one nothing writes or reads, and warns there', () => {
    const b = new Builder('deadv');
    const lr = b.hyper('lr', 0.1);
    b.hyper('unused', 3, undefined, { start: 40, end: 46 });
    const m = b.state('m', { span: { start: 10, end: 11 } });
    const v = b.state('v', { init: 1, span: { start: 20, end: 21 } });
    b.state('z', { span: { start: 30, end: 31 } });  // declared, never written, never read
    const g = b.grad();
    b.store('v', b.add(b.mul(0.999, v), b.mul(g, g)));  // v is read only by its own update: kept
    const nm = b.label(b.add(b.mul(0.9, m), g), 'nm');
    b.store('m', nm);
    b.store('p', b.sub(b.param(), b.mul(lr, nm)));
    const before = b.finish();
    const { out, diagnostics } = dce(before);
    expect(printIR(before)).toMatchInlineSnapshot(`
      "optimizer deadv
        hyper lr = 0.1
        hyper unused = 3
        state m: f32 = %2
        state v: f32 = %4
        state z: f32 = %2
        inputs g
        %0 = hyper lr                    : step
        %1 = hyper unused                : step
        %2 = const 0                     : step
        %3 = state m                     : elem
        %4 = const 1                     : step
        %5 = state v                     : elem
        %6 = state z                     : elem
        %7 = input g                     : elem
        %8 = const 0.999                 : step
        %9 = mul %8, %5                  : elem
        %10 = mul %7, %7                 : elem
        %11 = add %9, %10                : elem
        %12 = const 0.9                  : step
        %13 = mul %12, %3                : elem
        %14 = add %13, %7                : elem  ; nm
        %15 = param p                    : elem
        %16 = mul %0, %14                : elem
        %17 = sub %15, %16               : elem
        store v <- %11
        store m <- %14
        store p <- %17
      "
    `);
    expect(printIR(out)).toMatchInlineSnapshot(`
      "optimizer deadv
        hyper lr = 0.1
        hyper unused = 3
        state m: f32 = %1
        state v: f32 = %3
        inputs g
        %0 = hyper lr                    : step
        %1 = const 0                     : step
        %2 = state m                     : elem
        %3 = const 1                     : step
        %4 = state v                     : elem
        %5 = input g                     : elem
        %6 = const 0.999                 : step
        %7 = mul %6, %4                  : elem
        %8 = mul %5, %5                  : elem
        %9 = add %7, %8                  : elem
        %10 = const 0.9                  : step
        %11 = mul %10, %2                : elem
        %12 = add %11, %5                : elem  ; nm
        %13 = param p                    : elem
        %14 = mul %0, %12                : elem
        %15 = sub %13, %14               : elem
        store v <- %9
        store m <- %12
        store p <- %15
      "
    `);
    expect(fmt(diagnostics)).toMatchInlineSnapshot(`
      [
        "warning[W0403] @30..31: state 'z' is never written or read; it was removed",
        "warning[W0404] @40..46: hyperparameter 'unused' is never used by the update of p",
      ]
    `);
  });

  it('keeps a state that reaches p through another state (fixed point)', () => {
    const b = new Builder('chain');
    const u = b.state('u');
    const v = b.state('v');
    const m = b.state('m');
    const g = b.grad();
    b.store('u', b.add(u, g));            // u feeds v
    b.store('v', b.add(v, u));            // v feeds m
    b.store('m', b.add(m, v));            // m feeds p
    b.store('p', b.sub(b.param(), m));
    const { out, diagnostics } = dce(b.finish());
    expect(out.states.map((s) => s.name)).toEqual(['u', 'v', 'm']);
    expect(out.stores.map((s) => s.target)).toEqual(['u', 'v', 'm', 'p']);
    expect(diagnostics).toEqual([]);
  });

  it('keeps states that only read each other: the update writes both', () => {
    const b = new Builder('cycle');
    const a = b.state('a');
    const c = b.state('c');
    b.store('a', b.add(c, b.grad()));
    b.store('c', b.mul(a, 2));
    b.store('p', b.sub(b.param(), b.grad()));
    const { out, diagnostics } = dce(b.finish());
    expect(out.states.map((x) => x.name)).toEqual(['a', 'c']);
    expect(out.stores.map((x) => x.target)).toEqual(['a', 'c', 'p']);
    expect(diagnostics).toEqual([]);
  });

  it('drops a store of the old value (m = m) and keeps a state that is read but never written', () => {
    const b = new Builder('ro');
    const lr = b.hyper('lr', 0.1);
    const scale = b.state('scale', { init: lr });  // read-only: its init is live, so lr is used
    const m = b.state('m');
    b.store('m', m);
    b.store('p', b.sub(b.param(), b.mul(b.mul(scale, m), b.grad())));
    const { out, diagnostics } = dce(b.finish());
    expect(printIR(out)).toMatchInlineSnapshot(`
      "optimizer ro
        hyper lr = 0.1
        state scale: f32 = %0
        state m: f32 = %2
        inputs g
        %0 = hyper lr                    : step
        %1 = state scale                 : elem
        %2 = const 0                     : step
        %3 = state m                     : elem
        %4 = param p                     : elem
        %5 = mul %1, %3                  : elem
        %6 = input g                     : elem
        %7 = mul %5, %6                  : elem
        %8 = sub %4, %7                  : elem
        store p <- %8
      "
    `);
    expect(diagnostics).toEqual([]);
  });

  it('keeps a state only an entry point writes (the main update leaves it alone)', () => {
    // Found by the kernel fuzzer (seed 3000, #188): `s = s` in update, `s = 0` in `update reset`; the state
    // was removed while the entry still stored to it, and the interpreter failed on the missing declaration.
    const { program, diagnostics } = compileIR(`optimizer e {
      hyper lr = 0.1;
      state s = 1;
      update { s = s; p = p - lr * g; }
      update reset { s = 0; }
    }`);
    expect(program.states.map((x) => x.name)).toEqual(['s']);
    expect(program.entries?.flatMap((e) => e.stores.map((x) => x.target))).toEqual(['s']);
    expect(diagnostics.filter((d) => d.code === 'W0403')).toEqual([]);
  });

  it('with no store to p, the states the update writes still run', () => {
    const b = new Builder('nop');
    const m = b.state('m');
    b.store('m', b.add(m, b.grad()));
    b.store('p', b.param());
    const { out, diagnostics } = dce(b.finish());
    expect(out.states.map((x) => x.name)).toEqual(['m']);
    expect(out.stores.map((x) => x.target)).toEqual(['m']);
    expect(diagnostics).toEqual([]);
  });
});
