// runPipeline end to end on Adam: the printed IR before and after, diagnostics, dumps, purity, and the
// time one compile takes (symbolic search runs the pipeline thousands of times).
import { describe, expect, it } from 'vitest';
import { Builder, hashProgram, printIR, type Program } from '../src/ir/index.js';
import { PASS_NAMES, pipeline, runPipeline } from '../src/passes/index.js';

/** examples/adam.opt, built by hand (torch.optim.Adam with L2 weight decay). */
function adam(): Program {
  const b = new Builder('adam');
  const lr = b.hyper('lr', 0.001);
  const beta1 = b.hyper('beta1', 0.9);
  const beta2 = b.hyper('beta2', 0.999);
  const eps = b.hyper('eps', 1e-8);
  const wd = b.hyper('weight_decay', 0);
  const m = b.state('m');
  const v = b.state('v');
  const p = b.param();
  const t = b.step();
  const gg = b.label(b.add(b.grad(), b.mul(wd, p)), 'gg');
  const m1 = b.label(b.add(b.mul(beta1, m), b.mul(b.sub(1, beta1), gg)), 'm');
  b.store('m', m1);
  const v1 = b.label(b.add(b.mul(beta2, v), b.mul(b.mul(b.sub(1, beta2), gg), gg)), 'v');
  b.store('v', v1);
  const mhat = b.label(b.div(m1, b.sub(1, b.pow(beta1, t))), 'mhat');
  const vhat = b.label(b.div(v1, b.sub(1, b.pow(beta2, t))), 'vhat');
  b.store('p', b.sub(p, b.div(b.mul(lr, mhat), b.add(b.sqrt(vhat), eps))));
  return b.finish();
}

/** A program that gives every pass something to do (and is no longer than Adam). */
function messy(): Program {
  const b = new Builder('messy');
  const lr = b.hyper('lr', 0.01);
  b.hyper('unused', 1);
  const m = b.state('m');
  const junk = b.state('junk');
  const g = b.grad();
  const g2 = b.label(b.pow(g, 2), 'g2');                          // -> g*g
  const decay = b.label(b.sub(1, b.mul(0.5, 0.2)), 'decay');      // folds to 0.9
  const m1 = b.label(b.add(b.mul(decay, m), b.mul(g, 1)), 'm1');  // g*1 -> g
  b.store('m', m1);
  b.store('junk', b.add(junk, g2));                               // junk only feeds itself: removed
  const den = b.label(b.add(b.sqrt(b.mul(g, g)), 1e-8), 'den');   // g*g shared with g2 after simplify
  b.store('p', b.add(b.param(), b.neg(b.div(b.mul(lr, m1), b.mul(den, 2))))); // p + -x -> p - x
  return b.finish();
}

function deepFreeze<T>(x: T): T {
  if (x && typeof x === 'object') {
    for (const v of Object.values(x)) deepFreeze(v);
    Object.freeze(x);
  }
  return x;
}

describe('runPipeline', () => {
  it('compiles Adam: one fused vec4 kernel, bias corrections as uniforms', () => {
    const { program, diagnostics } = runPipeline(adam(), { verify: true });
    expect(diagnostics).toEqual([]);
    expect(printIR(program)).toMatchInlineSnapshot(`
      "optimizer adam
        hyper lr = 0.001
        hyper beta1 = 0.9
        hyper beta2 = 0.999
        hyper eps = 1e-8
        hyper weight_decay = 0
        state m: f32 = %5
        state v: f32 = %5
        inputs g
        %0 = hyper lr                    : step
        %1 = hyper beta1                 : step
        %2 = hyper beta2                 : step
        %3 = hyper eps                   : step
        %4 = hyper weight_decay          : step
        %5 = const 0                     : step
        %6 = state m                     : elem
        %7 = state v                     : elem
        %8 = param p                     : elem
        %9 = step t                      : step
        %10 = input g                    : elem
        %11 = mul %4, %8                 : elem
        %12 = add %10, %11               : elem  ; gg
        %13 = mul %1, %6                 : elem
        %14 = const 1                    : step
        %15 = sub %14, %1                : step
        %16 = mul %15, %12               : elem
        %17 = add %13, %16               : elem  ; m
        %18 = mul %2, %7                 : elem
        %19 = sub %14, %2                : step
        %20 = mul %19, %12               : elem
        %21 = mul %20, %12               : elem
        %22 = add %18, %21               : elem  ; v
        %23 = pow %1, %9                 : step
        %24 = sub %14, %23               : step
        %25 = div %17, %24               : elem  ; mhat
        %26 = pow %2, %9                 : step
        %27 = sub %14, %26               : step
        %28 = div %22, %27               : elem  ; vhat
        %29 = mul %0, %25                : elem
        %30 = sqrt %28                   : elem
        %31 = add %30, %3                : elem
        %32 = div %29, %31               : elem
        %33 = sub %8, %32                : elem
        store m <- %17
        store v <- %22
        store p <- %33
      schedule
        uniforms %0 %1 %2 %3 %4 %15 %19 %24 %27
        vector 4
        kernel fused: %11 %12 %13 %16 %17 %18 %20 %21 %22 %25 %28 %29 %30 %31 %32 %33  -> m, v, p
      "
    `);
  });

  it('runs every pass on a messy program (dumps after each)', () => {
    const before = messy();
    const { program, diagnostics, dumps } = runPipeline(before, { verify: true, dumpAfter: 'all' });
    expect(dumps.map((d) => d.after)).toEqual(PASS_NAMES);
    expect(printIR(before)).toMatchInlineSnapshot(`
      "optimizer messy
        hyper lr = 0.01
        hyper unused = 1
        state m: f32 = %2
        state junk: f32 = %2
        inputs g
        %0 = hyper lr                    : step
        %1 = hyper unused                : step
        %2 = const 0                     : step
        %3 = state m                     : elem
        %4 = state junk                  : elem
        %5 = input g                     : elem
        %6 = const 2                     : step
        %7 = pow %5, %6                  : elem  ; g2
        %8 = const 0.5                   : step
        %9 = const 0.2                   : step
        %10 = mul %8, %9                 : step
        %11 = const 1                    : step
        %12 = sub %11, %10               : step  ; decay
        %13 = mul %12, %3                : elem
        %14 = mul %5, %11                : elem
        %15 = add %13, %14               : elem  ; m1
        %16 = add %4, %7                 : elem
        %17 = mul %5, %5                 : elem
        %18 = sqrt %17                   : elem
        %19 = const 1e-8                 : step
        %20 = add %18, %19               : elem  ; den
        %21 = param p                    : elem
        %22 = mul %0, %15                : elem
        %23 = mul %20, %6                : elem
        %24 = div %22, %23               : elem
        %25 = neg %24                    : elem
        %26 = add %21, %25               : elem
        store m <- %15
        store junk <- %16
        store p <- %26
      "
    `);
    expect(printIR(program)).toMatchInlineSnapshot(`
      "optimizer messy
        hyper lr = 0.01
        hyper unused = 1
        state m: f32 = %1
        state junk: f32 = %1
        inputs g
        %0 = hyper lr                    : step
        %1 = const 0                     : step
        %2 = state m                     : elem
        %3 = state junk                  : elem
        %4 = input g                     : elem
        %5 = const 2                     : step
        %6 = mul %4, %4                  : elem  ; g2
        %7 = const 0.9                   : step
        %8 = mul %7, %2                  : elem
        %9 = add %8, %4                  : elem  ; m1
        %10 = add %3, %6                 : elem
        %11 = sqrt %6                    : elem
        %12 = const 1e-8                 : step
        %13 = add %11, %12               : elem  ; den
        %14 = param p                    : elem
        %15 = mul %0, %9                 : elem
        %16 = mul %13, %5                : elem
        %17 = div %15, %16               : elem
        %18 = sub %14, %17               : elem
        store m <- %9
        store junk <- %10
        store p <- %18
      schedule
        uniforms %0 %5 %7 %12
        vector 4
        kernel fused: %6 %8 %9 %10 %11 %13 %15 %16 %17 %18  -> m, junk, p
      "
    `);
    expect(diagnostics.map((d) => `${d.code}: ${d.message}`)).toMatchInlineSnapshot(`
      [
        "W0404: hyperparameter 'unused' is never used by the update of p",
      ]
    `);
  });

  it('dumps only the passes asked for, and rejects unknown names', () => {
    const { dumps } = runPipeline(adam(), { dumpAfter: ['eliminateDeadCode', 'vectorize'] });
    expect(dumps.map((d) => d.after)).toEqual(['eliminateDeadCode', 'vectorize']);
    expect(() => runPipeline(adam(), { dumpAfter: ['dce'] })).toThrowErrorMatchingInlineSnapshot(`[Error: unknown pass 'dce' in dumpAfter; the passes are: foldConstants, eliminateCommonSubexpressions, simplifyAlgebra, eliminateDeadCode, placeMatrixStages, hoistStepScalars, fuseElementwise, splitPhases, vectorize]`);
  });

  it('never mutates its input', () => {
    for (const make of [adam, messy]) {
      const input = deepFreeze(make());
      const hash = hashProgram(input);
      const text = printIR(input);
      runPipeline(input, { verify: true });
      runPipeline(input, { fuse: false, verify: true });
      expect(hashProgram(input)).toBe(hash);
      expect(printIR(input)).toBe(text);
    }
  });

  it('is idempotent: compiling its own output changes nothing', () => {
    for (const make of [adam, messy]) {
      const once = runPipeline(make()).program;
      const twice = runPipeline(once).program;
      expect(printIR(twice)).toBe(printIR(once));
    }
  });

  it('is a flat list of uniquely named stages', () => {
    expect(new Set(pipeline.map((s) => s.name)).size).toBe(pipeline.length);
    expect(pipeline.map((s) => s.name)).toMatchInlineSnapshot(`
      [
        "foldConstants",
        "eliminateCommonSubexpressions",
        "simplifyAlgebra",
        "eliminateDeadCode",
        "placeMatrixStages",
        "hoistStepScalars",
        "fuseElementwise",
        "splitPhases",
        "vectorize",
      ]
    `);
  });

  it('takes well under a millisecond on Adam', () => {
    const p = adam();
    for (let i = 0; i < 500; i++) runPipeline(p); // warm up the JIT
    // CPU time rather than wall time: test files run in parallel with GPU tests on few cores, and a
    // descheduled worker would otherwise fail this for no fault of the pipeline.
    const n = 2000;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) runPipeline(p);
    const wall = ((performance.now() - t0) / n) * 1000;
    const cpu = process.cpuUsage(c0);
    const us = (cpu.user + cpu.system) / n;
    console.log(`runPipeline(adam): ${us.toFixed(1)} µs CPU (${wall.toFixed(1)} µs wall) per compile, ${p.insts.length} instructions`);
    expect(us).toBeLessThan(1000);
  });
});
