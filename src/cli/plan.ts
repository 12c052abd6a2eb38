// `optc compile --emit plan` (and the playground's Plan tab): what runs per step, and what it reads and writes.
import type { Compiled } from '../compile.js';
import { kernelsOf } from '../codegen-wgsl/index.js';
import { phasePlan } from './phase-plan.js';

/** The dispatch plan: what runs per step and what it reads and writes. */
export function plan(c: Compiled) {
  const m = c.module;
  const kernels = kernelsOf(m);
  return {
    optimizer: m.name,
    dispatchesPerTensorPerStep: kernels.length,
    vectorWidth: m.variants[4] ? 4 : 1,
    uniforms: m.uniforms.fields.map((f) => f.name),
    kernels: kernels.map((k) => ({ name: k.name, workgroupSize: k.workgroupSize, ...(k.itemsPerInvocation ? { itemsPerInvocation: k.itemsPerInvocation } : {}), bindings: k.bindings.map((b) => `${b.binding}:${b.kind}:${b.name}:${b.access}`) })),
    temps: m.temps,
    hostScalarsPerStep: m.host.uniforms.length,
    ...phasePlan(c.program, m),
  };
}
