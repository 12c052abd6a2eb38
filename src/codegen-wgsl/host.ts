// The host side of a step: per-step scalars and state inits, computed in float64 with the interpreter's own
// numerics and rounded to f32 into the uniform buffer (so a uniform equals, bit for bit, the value the
// oracle uses).
import { applyStepOp } from '../ir/numerics.js';
import type { Program } from '../ir/types.js';
import { streamKey } from '../ir/rng.js';
import type { HostProgram, KernelModule } from './manifest.js';

export function extractHostProgram(p: Program, uniformIds: number[]): HostProgram {
  const remap = new Map<number, number>();
  const insts: HostProgram['insts'] = [];
  p.insts.forEach((inst, id) => {
    if (inst.space !== 'step') return;
    remap.set(id, insts.length);
    insts.push({
      op: inst.op,
      args: inst.args.map((a) => remap.get(a)!),
      ...(inst.value !== undefined ? { value: inst.value } : {}),
      ...(inst.name !== undefined ? { name: inst.name } : {}),
    });
  });
  const stepStates = new Set(p.states.filter((s) => s.space === 'step').map((s) => s.name));
  const updates = p.stores.filter((s) => stepStates.has(s.target)).map((s) => ({ state: s.target, value: remap.get(s.value)! }));
  return {
    insts,
    uniforms: uniformIds.map((u) => remap.get(u)!),
    stateInits: p.states.map((s) => ({ state: s.name, value: remap.get(s.init)! })),
    ...(updates.length ? { stepStateUpdates: updates } : {}),
    // The scalars this program reads (and must be given); others declared beside them may be passed too.
    ...(p.scalars?.length ? {
      scalars: p.scalars.map((s) => s.name).filter((n) => p.insts.some((i) => i.op === 'scalar' && i.name === n)),
      declaredScalars: p.scalars.map((s) => s.name),
    } : {}),
  };
}

/** Values of step leaves besides hypers and t: host scalars of this step, step states before it. */
export interface HostEnv { scalars?: Record<string, number>; states?: Record<string, number> }

export function evalHost(h: HostProgram, hypers: Record<string, number>, t: number, env: HostEnv = {}): number[] {
  const vals: number[] = new Array(h.insts.length);
  h.insts.forEach((inst, i) => {
    switch (inst.op) {
      case 'const': vals[i] = inst.value!; break;
      case 'hyper': vals[i] = hypers[inst.name!]!; break;
      case 'step': vals[i] = t; break;
      // Absent (state inits, which cannot read them): 0.
      case 'scalar': vals[i] = env.scalars?.[inst.name!] ?? 0; break;
      case 'state': vals[i] = env.states?.[inst.name!] ?? 0; break;
      default: vals[i] = applyStepOp(inst.op, vals[inst.args[0]!]!, vals[inst.args[1]!] ?? 0, vals[inst.args[2]!] ?? 0);
    }
  });
  return vals;
}

/** The host scalars of one step, in uniform-field order (after `n`). Computed once per step. */
export function stepScalars(m: KernelModule, hypers: Record<string, number>, t: number, env: HostEnv = {}): Float32Array {
  const vals = evalHost(m.host, hypers, t, env);
  return Float32Array.from(m.host.uniforms, (hostIdx) => vals[hostIdx]!);
}

/**
 * The uniform buffer contents for one chunk: `n` (work items), `len` (elements with data), then the step's scalars. Written through
 * one ArrayBuffer so the u32 and f32 fields land bit-exactly.
 */
export function uniformBytes(m: KernelModule, scalars: Float32Array, n: number, len: number, t = 0): ArrayBuffer {
  const buf = new ArrayBuffer(m.uniforms.size);
  new Uint32Array(buf, 0, 2).set([n, len]);
  new Float32Array(buf, 8, scalars.length).set(scalars);
  const sr = m.uniforms.fields.find((f) => f.name === SR_FIELD);
  if (sr) new Uint32Array(buf, sr.offset, 1)[0] = streamKey(t);
  return buf;
}

/** The u32 uniform field holding t in kernels that round stochastically (srBits' stream). */
export const SR_FIELD = 'sr_t';

export function stateInitValues(m: KernelModule, hypers: Record<string, number>): Record<string, number> {
  const vals = evalHost(m.host, hypers, 1);
  return Object.fromEntries(m.host.stateInits.map((s) => [s.state, vals[s.value]!]));
}
