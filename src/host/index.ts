// Host evaluation, shared by codegen (which extracts the host program), the runtime (which runs it each
// step and writes uniforms) and the interpreter (the oracle): step-space values in float64 with the
// interpreter's numerics, state initial values, the u32 words of random streams, and the uniform buffer
// written field by field through the layout the code generator published. Plain data in, plain data out.
import { applyStepOp } from '../ir/numerics.js';
import { streamKey } from '../ir/rng.js';
import type { Op } from '../ir/types.js';

/** One step-space instruction: `args` index earlier entries of the same list. */
export interface HostInst { op: Op; args: number[]; value?: number; name?: string }

/** The step-space part of the program, evaluated on the host once per step (and once for state inits). */
export interface HostProgram {
  /** Topologically ordered; args index into this list. */
  insts: HostInst[];
  /** Host values read by kernels as f32 uniform fields / per-group scalars, in that order. */
  uniforms: number[];
  /** Initial value of each state tensor, as a host value index. */
  stateInits: { state: string; value: number }[];
  /** Step states (`state s: step`): their new value after each step, as a host value index. */
  stepStateUpdates?: { state: string; value: number }[];
  /** Per-step host scalars the caller supplies (`input NAME: scalar`) that this program reads. */
  scalars?: string[];
  /** Every scalar input the optimizer declares (its entry points may read others). */
  declaredScalars?: string[];
}

/** Values of step leaves besides hypers and t: host scalars of this step, step states before it. */
export interface HostEnv { scalars?: Record<string, number>; states?: Record<string, number> }

/**
 * Evaluates step instructions in order. `skip(i)` leaves entry i undefined (the interpreter's elem-space
 * instructions); `leaf` supplies scalar inputs and step states.
 */
export function evalSteps(insts: readonly HostInst[], hypers: Record<string, number>, t: number,
  leaf: (kind: 'scalar' | 'state', name: string) => number, skip?: (i: number) => boolean): (number | undefined)[] {
  const vals: (number | undefined)[] = new Array(insts.length);
  // Runs every step: a plain loop with no per-instruction arrays or closures.
  for (let i = 0; i < insts.length; i++) {
    if (skip?.(i)) continue;
    const inst = insts[i]!;
    const a = inst.args;
    switch (inst.op) {
      case 'const': vals[i] = inst.value!; break;
      case 'hyper': vals[i] = hypers[inst.name!]!; break;
      case 'step': vals[i] = t; break;
      case 'scalar': case 'state': vals[i] = leaf(inst.op, inst.name!); break;
      default: vals[i] = applyStepOp(inst.op, vals[a[0]!]!, a.length > 1 ? vals[a[1]!] : undefined, a.length > 2 ? vals[a[2]!] : undefined);
    }
  }
  return vals;
}

/** Every host value of step `t`; absent scalars and step states (state inits cannot read them) are 0. */
export function evalHost(h: HostProgram, hypers: Record<string, number>, t: number, env: HostEnv = {}): number[] {
  return evalSteps(h.insts, hypers, t, (kind, name) => (kind === 'scalar' ? env.scalars : env.states)?.[name] ?? 0) as number[];
}

/** The initial value of every state, for one set of hyperparameters. */
export function stateInitValues(h: HostProgram, hypers: Record<string, number>): Record<string, number> {
  const vals = evalHost(h, hypers, 1);
  return Object.fromEntries(h.stateInits.map((s) => [s.state, vals[s.value]!]));
}

/**
 * Where a uniform field's value comes from: a dimension of the dispatch the runtime knows (`n` work items,
 * `len` elements with data, phased table sizes), a host value rounded to f32, a host value as a random
 * stream's u32 word, or the stochastic-rounding key of step t.
 */
export type UniformSource =
  | { from: 'dim'; dim: UniformDim }
  | { from: 'host'; value: number }
  | { from: 'stream'; value: number }
  | { from: 'srKey' };
export type UniformDim = 'n' | 'len' | 'nseg' | 'nrow' | 'ncol' | 'zero';

export interface UniformField { name: string; offset: number; type: 'u32' | 'f32'; source: UniformSource }

export interface UniformLayout {
  /** Bytes, a multiple of 16. */
  size: number;
  fields: UniformField[];
}

/** The uniform buffer of one dispatch: every field written at its offset, u32 and f32 bit-exactly. */
export function uniformBytes(layout: UniformLayout, hostVals: readonly number[], dims: Partial<Record<UniformDim, number>>, t: number): ArrayBuffer {
  return uniformWriter(layout, dims)(hostVals, t);
}

/**
 * `uniformBytes` for a dispatch whose dims never change (a chunk's element count): the dim fields are
 * written once, and each call rewrites only the host fields into the same buffer (`writeBuffer` copies it
 * at once, so reusing it is safe). A step then allocates nothing for its uniforms.
 */
export function uniformWriter(layout: UniformLayout, dims: Partial<Record<UniformDim, number>>): (hostVals: readonly number[], t: number) => ArrayBuffer {
  const buf = new ArrayBuffer(layout.size);
  const view = new DataView(buf);
  const put = (f: UniformField, x: number) => (f.type === 'f32' ? view.setFloat32(f.offset, x, true) : view.setUint32(f.offset, x, true));
  const perStep = layout.fields.filter((f) => f.source.from !== 'dim');
  for (const f of layout.fields) if (f.source.from === 'dim') put(f, dims[f.source.dim] ?? 0);
  return (hostVals, t) => {
    for (const f of perStep) {
      const s = f.source;
      put(f, s.from === 'srKey' ? streamKey(t) : s.from === 'stream' ? streamKey(hostVals[s.value]!) : hostVals[(s as { value: number }).value]!);
    }
    return buf;
  };
}

/** Bytes rounded up to the 16-byte multiple a uniform buffer needs. */
export function uniformSize(bytes: number): number { return Math.ceil(bytes / 16) * 16; }
