// An optimizer's state as TF.js "optimizer weights" (what `model.save({ includeOptimizer: true })` stores and
// `tf.loadLayersModel` hands back to `setWeights`). Saving goes through the host by nature, so these read and
// write through the runtime's checkpoint accessors; training never calls them.
//
// Order and names follow TF.js's own optimizers: `iter` first, then per state, per variable in bound order,
// `<variable>/<state>`. Like TF.js, entries are matched by position, not by name: a model loaded in the same
// process gets uniquified variable names (`dense/kernel_1`), so names only check the state's suffix.
// A compressed state is saved as stored (int32 code words + f32 block scales), so a restore is bit-exact.
import * as tf from '@tensorflow/tfjs-core';
import { codecOf } from '../codegen-wgsl/state-io.js';
import { ShapeError } from '../runtime/errors.js';
import type { Optimizer } from '../runtime/optimizer.js';

/** TF.js's `NamedTensor` (tfjs-core does not export the type). */
export interface NamedTensor { name: string; tensor: tf.Tensor }

/** One optimizer weight on the host: its TF.js name, dtype and values. */
export interface HostWeight { name: string; dtype: 'float32' | 'int32'; shape: number[]; data: Float32Array | Int32Array }

/** The part of a weight's name after the variable's name (`/m`, `/v/codes`): what a loaded file is checked by. */
const suffixOf = (w: HostWeight, names: readonly string[]): string => {
  const owner = names.find((n) => w.name.startsWith(`${n}/`));
  return owner ? w.name.slice(owner.length) : w.name;
};

/** The optimizer's state (step count excluded) as host weights, variables in `names` order. */
export async function readWeights(opt: Optimizer, names: readonly string[]): Promise<HostWeight[]> {
  await opt.sync();
  const out: HostWeight[] = [];
  for (const { s, holders } of stateTable(opt, names)) {
    if (s.space === 'step') {
      // Kept on the host in float64 (one per parameter group): saved as the two 32-bit halves of its bits.
      const bits = new Int32Array(new Float64Array([opt.stepState(s.name)]).buffer);
      out.push({ name: `optc/${s.name}`, dtype: 'int32', shape: [2], data: bits });
      continue;
    }
    for (const n of holders) {
      if (!codecOf(s.format)) {
        const data = await opt.readState(s.name, n);
        out.push({ name: `${n}/${s.name}`, dtype: 'float32', shape: [data.length], data });
        continue;
      }
      const pk = await opt.readStatePacked(s.name, n);
      out.push({ name: `${n}/${s.name}/codes`, dtype: 'int32', shape: [pk.words.length], data: new Int32Array(pk.words.buffer, pk.words.byteOffset, pk.words.length) });
      if (pk.scales.length) out.push({ name: `${n}/${s.name}/scales`, dtype: 'float32', shape: [pk.scales.length], data: pk.scales });
    }
  }
  return out;
}

/**
 * Each state with the variables (in `names` order) that hold it: every variable holds every state, except
 * in a matrix program, where the matrices hold its states and the other variables its fallback rule's
 * (whose step states stay out: they are the fallback runtime's own).
 */
function stateTable(opt: Optimizer, names: readonly string[]): { s: Optimizer['module']['states'][number]; holders: string[] }[] {
  const out = opt.module.states.map((s) => ({ s, holders: names.filter((n) => opt.statesOf(n).some((x) => x.name === s.name)) }));
  for (const n of names) {
    for (const s of opt.statesOf(n)) {
      if (s.space === 'step' || opt.module.states.some((x) => x.name === s.name)) continue;
      const row = out.find((r) => r.s.name === s.name && !opt.module.states.includes(r.s));
      if (row) row.holders.push(n); else out.push({ s, holders: [n] });
    }
  }
  return out;
}

/**
 * Writes host weights laid out as `readWeights` lays them out. Everything is checked against the current
 * layout before anything is written, so a mismatched file leaves the optimizer as it was.
 */
export async function writeWeights(opt: Optimizer, names: readonly string[], given: readonly HostWeight[]): Promise<void> {
  const want = await readWeights(opt, names);
  if (given.length !== want.length) {
    throw new ShapeError(want[0]?.name ?? '', `optimizer '${opt.module.name}' keeps ${want.length} state tensors for ${names.length} variables; got ${given.length} (saved with another optimizer or model?)`);
  }
  want.forEach((w, i) => {
    const g = given[i]!;
    const suffix = suffixOf(w, names);
    if (!g.name.endsWith(suffix) || g.data.length !== w.data.length) {
      throw new ShapeError(w.name, `optimizer weight ${i} is '${g.name}' with ${g.data.length} values; expected '${w.name}' (or another variable's '…${suffix}') with ${w.data.length}`);
    }
  });
  let i = 0;
  for (const { s, holders } of stateTable(opt, names)) {
    if (s.space === 'step') {
      const bits = new Int32Array(given[i++]!.data);
      opt.setStepState(s.name, new Float64Array(bits.buffer)[0]!);
      continue;
    }
    for (const n of holders) {
      const codec = codecOf(s.format);
      if (!codec) { opt.writeState(s.name, n, Float32Array.from(given[i++]!.data)); continue; }
      const words = new Uint32Array(Int32Array.from(given[i++]!.data).buffer);
      const scales = want[i]?.name === `${n}/${s.name}/scales` ? Float32Array.from(given[i++]!.data) : new Float32Array(0);
      opt.writeStatePacked(s.name, n, { words, scales });
    }
  }
}

/** TF.js NamedTensors of host weights (the caller disposes them; TF.js's save path does). */
export function toNamedTensors(ws: readonly HostWeight[]): NamedTensor[] {
  return ws.map((w) => ({ name: w.name, tensor: tf.tensor(w.data, w.shape, w.dtype) }));
}

/** Host copies of TF.js NamedTensors (`setWeights` input; tfjs-layers disposes them after the call). */
export async function fromNamedTensors(ws: readonly NamedTensor[]): Promise<HostWeight[]> {
  return Promise.all(ws.map(async (w) => ({
    name: w.name,
    dtype: w.tensor.dtype === 'int32' ? 'int32' as const : 'float32' as const,
    shape: [...w.tensor.shape],
    data: (await w.tensor.data()) as Float32Array | Int32Array,
  })));
}
