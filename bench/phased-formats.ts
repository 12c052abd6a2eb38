// 8-bit LAMB (examples/lamb8bit.opt: m as q8, v as q8u, in an optimizer with per-tensor norms) against f32
// LAMB (examples/lamb.opt), timed interleaved in one group (issue 14). Both are phased: a sweep for the norms
// of p and of the update, a per-tensor finish, and the update sweep; the 8-bit one decodes m and v in both
// sweeps and writes them in a store sweep with the fused kernel's serial-block encoder.
import type { SharedDevice } from './device.js';
import { countDispatches } from './device.js';
import { paramsAndGrad } from './data.js';
import { compileFile, createOptcCase, type OptcApi, type OptcCase } from './optc.js';
import type { CaseResult, SuiteOptions } from './suite.js';
import { pairedRatio, timeInterleaved, type Step } from './timing.js';

export async function lamb8bitCases(shared: SharedDevice, optc: OptcApi | undefined, opts: SuiteOptions): Promise<CaseResult[]> {
  const n = opts.quick ? Math.min(opts.n, 1024 * 1024) : opts.n;
  const names = ['optc/lamb-f32', 'optc/lamb-8bit'];
  if (!optc) return names.map((name) => ({ name, group: 'compressed-phased', n, skipped: 'the compiler is not available yet' }));
  opts.log(`compressed state with reductions: LAMB f32 vs 8-bit @${n}`);
  const { init, grad } = paramsAndGrad(n);
  const cases: Record<string, OptcCase> = {
    f32: await createOptcCase(optc, shared.device, compileFile(optc, 'examples/lamb.opt'), init, grad, {}),
    q8: await createOptcCase(optc, shared.device, compileFile(optc, 'examples/lamb8bit.opt'), init, grad, {}),
  };
  const stateBytes = Object.fromEntries(Object.entries(cases).map(([k, c]) => [k, c.opt.memory ? c.opt.memory().stateBytes / n : NaN]));
  const counts: Record<string, number> = {};
  for (const [k, c] of Object.entries(cases)) counts[k] = (await countDispatches(() => c.step())).dispatches;
  const steps: Record<string, Step> = Object.fromEntries(Object.entries(cases).map(([k, c]) => [k, () => c.step()]));
  const t = await timeInterleaved(steps, opts);
  for (const c of Object.values(cases)) c.dispose();
  // Bytes moved per element by the update sweep and the norm sweep together: the norm sweep reads p, g, m, v;
  // the update sweep reads them again and writes p, m, v.
  const bytes = (s: number) => 4 + 4 + s + 4 + 4 + s + 4 + s;
  return [
    { name: 'optc/lamb-f32', group: 'compressed-phased', n, ms: t.f32!.ms, min: t.f32!.min, max: t.f32!.max, bytesPerParam: bytes(stateBytes.f32!),
      gbPerS: (n * bytes(stateBytes.f32!)) / t.f32!.ms / 1e6, stateBytesPerParam: stateBytes.f32, vsF32: 1, dispatchesPerStep: counts.f32 },
    { name: 'optc/lamb-8bit', group: 'compressed-phased', n, ms: t.q8!.ms, min: t.q8!.min, max: t.q8!.max, bytesPerParam: bytes(stateBytes.q8!),
      gbPerS: (n * bytes(stateBytes.q8!)) / t.q8!.ms / 1e6, stateBytesPerParam: stateBytes.q8, vsF32: pairedRatio(t.q8!, t.f32!), dispatchesPerStep: counts.q8,
      note: 'm: q8, v: q8u; vsF32 = this step time / f32 LAMB step time' },
  ];
}
