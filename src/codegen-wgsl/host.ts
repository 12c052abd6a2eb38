// The host side of a step as the kernels see it: the step-space instructions (evaluated on the host each
// step by src/host) and the uniform layout that carries their values, with the source of every field.
import type { Program, ValueId } from '../ir/types.js';
import { uniformSize, type HostProgram, type UniformDim, type UniformField, type UniformLayout } from '../host/index.js';
import { identPart } from './wgsl.js';

/** The u32 uniform field holding t in kernels that round stochastically (srBits' stream). */
export const SR_FIELD = 'sr_t';

export interface HostPlan {
  host: HostProgram;
  uniforms: UniformLayout;
  /** WGSL field of each step value kernels read from the uniform (finite constants inlined), in field order. */
  fieldOf: Map<ValueId, string>;
  /** Field name of each random stream operand (u32). */
  streamField: Map<ValueId, string>;
}

/**
 * The host program and uniform layout of a module: `header` u32 fields the runtime fills from the
 * dispatch, then the f32 step values of `ids`, then u32 stream words (each distinct stream operand of
 * `rand`), then (when `srKey`) t as SR's key. The per-group scalar table follows `fieldOf`.
 */
export function planHost(p: Program, ids: readonly ValueId[], header: readonly (readonly [string, UniformDim])[],
  opts: { srKey?: boolean } = {}): HostPlan {
  const fieldOf = new Map<ValueId, string>();
  const names = new Set<string>(header.map(([n]) => n));
  const hidden = reassociableConstants(p);
  for (const id of ids) {
    const inst = p.insts[id]!;
    if (inst.op === 'const' && Number.isFinite(inst.value) && !hidden.has(id)) continue;
    let name = inst.op === 'hyper' ? `h_${identPart(inst.name!)}` : inst.op === 'step' ? 't_step'
      : `s${id}${inst.label ? `_${identPart(inst.label)}` : ''}`;
    if (names.has(name)) name = `${name}_${id}`;
    names.add(name);
    fieldOf.set(id, name);
  }
  const hostUniforms = [...fieldOf.keys()];
  const streams = [...new Set(p.insts.filter((i) => i.op === 'rand').map((i) => i.args[0]!))];
  const streamField = new Map(streams.map((id, k) => [id, `stream${k}`]));
  const { host, remap } = extractHost(p, hostUniforms);
  const fields: UniformField[] = [];
  const add = (name: string, type: 'u32' | 'f32', source: UniformField['source']) => fields.push({ name, offset: 4 * fields.length, type, source });
  for (const [name, dim] of header) add(name, 'u32', { from: 'dim', dim });
  for (const id of hostUniforms) add(fieldOf.get(id)!, 'f32', { from: 'host', value: remap.get(id)! });
  for (const id of streams) add(streamField.get(id)!, 'u32', { from: 'stream', value: remap.get(id)! });
  if (opts.srKey) add(SR_FIELD, 'u32', { from: 'srKey' });
  return { host, uniforms: { size: uniformSize(4 * fields.length), fields }, fieldOf, streamField };
}

/**
 * Constants that kernels add, subtract or multiply. WGSL reaches the driver as SPIR-V without NoContraction,
 * which lets it reassociate: Mesa rewrites `0.9 + (x - g)` as `(0.9 + x) - g` and `0.9 * (a * b)` as
 * `(0.9 * a) * b` when 0.9 is a literal (the kernel fuzzer, seed 3000 #1186: one ulp off the interpreter in
 * a program that promises bit-for-bit results). Read from the uniform buffer they are opaque to the driver,
 * which then keeps the program's order.
 */
function reassociableConstants(p: Program): Set<ValueId> {
  const out = new Set<ValueId>();
  for (const inst of p.insts) {
    if (inst.space === 'step' || (inst.op !== 'add' && inst.op !== 'sub' && inst.op !== 'mul')) continue;
    for (const a of inst.args) if (p.insts[a]!.op === 'const') out.add(a);
  }
  return out;
}

function extractHost(p: Program, uniformIds: number[]): { host: HostProgram; remap: Map<number, number> } {
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
  const host: HostProgram = {
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
  return { host, remap };
}
