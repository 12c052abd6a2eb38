// The reference interpreter: the oracle every generated kernel is checked against. It evaluates column by
// column (one op over all elements at a time); Float32Array storage rounds every elem result to f32 and
// `applyOp` rounds every step scalar, which is what the GPU does.
import { overrideHypers } from '../diag.js';
import { applyOp } from './numerics.js';
import { evalSteps } from '../host/index.js';
import { decodeAs, encodeAs } from '../formats/index.js';
import type { Packed } from '../formats/blockwise.js';
import { paramFormat, type Program, type StateDecl, type StateFormat } from './types.js';
import { rngU32, srDraw, streamKey } from './rng.js';
import { interpretOneTensor, needsTensorInterpreter, stateLength } from './interp-tensors.js';
import { ruleFor, splitHypers } from './matrix.js';


/** Declared defaults with `overrides` applied; unknown names are an error naming the hyperparameter. */
export function resolveHypers(p: Pick<Program, 'name' | 'hypers'>, overrides: Record<string, number> = {}): Record<string, number> {
  return overrideHypers(p, Object.fromEntries(p.hypers.map((h) => [h.name, h.default])), overrides);
}

/**
 * Values of every step-space instruction for step `t`, in float64 (undefined for elem-space ones). The
 * runtime computes uniforms with the same numerics and rounds them to f32 as the kernel reads them, so host
 * and oracle agree bit for bit.
 */
export function evalStepScalars(p: Program, hypers: Record<string, number>, t: number, env: StepEnv = {}): (number | undefined)[] {
  const leaf = (kind: 'scalar' | 'state', name: string) => (kind === 'scalar' ? stepEnvValue(env.scalars, name, 'scalar input') : stepEnvValue(env.states, name, 'step state'));
  return evalSteps(p.insts, hypers, t, leaf, (id) => p.insts[id]!.space !== 'step');
}

/** Step-space leaves that are neither hypers nor t: per-step host scalars and step states (float64). */
export interface StepEnv { scalars?: Record<string, number>; states?: Record<string, number> }

/** State inits read no scalar input or step state; other step values may, and are not needed then: 0. */
export const INIT_ENV: StepEnv = {
  scalars: new Proxy({}, { get: () => 0 }) as Record<string, number>,
  states: new Proxy({}, { get: () => 0 }) as Record<string, number>,
};

function stepEnvValue(m: Record<string, number> | undefined, name: string, what: string): number {
  const v = m?.[name];
  if (typeof v !== 'number') throw new Error(`evalStepScalars: missing ${what} '${name}'`);
  return v;
}

export interface StepInputs {
  hypers?: Record<string, number>;
  /** 1-based step count. */
  t: number;
  param: Float32Array;
  /** `g` and any extra declared inputs. */
  inputs: Record<string, Float32Array>;
  /** Every state's values (decoded, for a compressed state). */
  states: Record<string, Float32Array>;
  /**
   * Compressed states as stored: codes and scales. They are the truth (decode(encode(x)) is not always
   * idempotent); a compressed state missing here is encoded from `states` first.
   */
  packed?: Record<string, Packed>;
  /** The parameter's shape (default [n]); the [rows, cols] view of row and column values follows it. */
  shape?: number[];
  /** Per-step host scalars (`input NAME: scalar`). */
  scalars?: Record<string, number>;
  /** Step states (`state NAME: step`), float64: their values before the step (default: their inits). */
  stepStates?: Record<string, number>;
  /** The tensor's id for `rand` (default 0). */
  tensorIndex?: number;
}

export interface StepResult {
  param: Float32Array;
  states: Record<string, Float32Array>;
  /** Compressed states as stored after the step (absent when every state is f32). */
  packed?: Record<string, Packed>;
  /** Step states after the step (programs that declare some). */
  stepStates?: Record<string, number>;
}

const compressed = (s: StateDecl) => s.format.kind !== 'f32';

/**
 * Encodes a state tensor in its declared format (the same quantizer the kernel runs). `shape` is the
 * parameter's (rank-1 normalization depends on it; default [n]); `rand`: see storeRand.
 */
export function encodeState(s: StateDecl, x: Float32Array, shape?: readonly number[], rand?: (i: number) => number): Packed {
  return encodeAs(s.format, x, shape, rand);
}

/**
 * The stochastic-rounding bits of a store into `target` at step `t` of tensor `tensor` (element index within
 * the tensor), or undefined for round-to-nearest-even. Definition: srBits in rng.ts, docs/formats.md.
 */
export function storeRand(f: StateFormat, target: string, t: number, tensor: number): ((i: number) => number) | undefined {
  if (f.rounding !== 'stochastic') return undefined;
  // srBits(t, tensor, i, target), with the per-target and per-step parts hoisted out of the element loop.
  const stream = streamKey(t), draw = srDraw(target);
  return (i) => rngU32(stream, tensor, i, draw);
}

/**
 * The parameter as its declared format holds it: f32 as is, f16/bf16 rounded (nearest-even when `rand` is
 * absent: how an f32 upload is stored). Every f16/bf16 value is an f32, so the decoded values are the truth.
 */
export function storedParam(p: Pick<Program, 'param'>, x: Float32Array, rand?: (i: number) => number): Float32Array {
  const f = paramFormat(p);
  return f.kind === 'f32' ? x : decodeAs(f, encodeAs(f, x, undefined, rand), x.length);
}

export function decodeState(s: StateDecl, p: Packed, n: number, shape?: readonly number[]): Float32Array {
  return decodeAs(s.format, p, n, shape);
}

/**
 * Initial state tensors for a parameter of `n` elements (decoded values: what a compressed state holds
 * after encoding). `shape` (default [n]) sizes row, column and matrix states, and picks the rule: a
 * program's fallback for a tensor that is not a matrix, with its `FALLBACK.h` hyperparameters.
 */
export function initStates(p0: Program, n: number, hyperOverrides: Record<string, number> = {}, shape: readonly number[] = [n]): Record<string, Float32Array> {
  return initialState(p0, n, hyperOverrides, shape).states;
}

/**
 * initStates' values with the compressed states' initial codes, to pass as `packed`. Encoding is not
 * idempotent on decoded values: a block whose largest magnitude is negative decodes to the signed map's
 * most negative entry (-0.99297 for q8), so encoding the decoded block again shrinks its scale and every
 * value with it. A step started from the values alone reads a second rounding of the state, where the
 * runtime reads the codes it uploaded (fuzz seed 4000 #1540, seed 4001 #5372: one code apart).
 */
export function initialState(p0: Program, n: number, hyperOverrides: Record<string, number> = {}, shape: readonly number[] = [n]):
  { states: Record<string, Float32Array>; packed: Record<string, Packed> } {
  const p = ruleFor(p0, shape);
  const split = splitHypers(p0, hyperOverrides);
  const vals = evalStepScalars(p, resolveHypers(p, p0.fallback ? (p === p0 ? split.main : split.fallback) : hyperOverrides), 1, INIT_ENV);
  const states: Record<string, Float32Array> = {};
  const packed: Record<string, Packed> = {};
  for (const s of p.states) {
    if (s.space === 'step') continue; // kept on the host: initStepStates
    const x = new Float32Array(stateLength(s, shape)).fill(vals[s.init]!);
    if (!compressed(s)) { states[s.name] = x; continue; }
    packed[s.name] = encodeState(s, x, shape);
    states[s.name] = decodeState(s, packed[s.name]!, n, shape);
  }
  return { states, packed };
}

/** One optimizer step. Inputs are not modified; the result holds fresh arrays. */
export function interpretStep(p: Program, io: StepInputs): StepResult {
  // Reductions, tensor/row/col values, step states, host scalars and randomness: the general interpreter.
  if (needsTensorInterpreter(p)) return interpretOneTensor(p, io);
  const n = io.param.length;
  const hypers = resolveHypers(p, io.hypers);
  // Step values enter elem arithmetic as the f32 uniforms the kernel reads.
  const scalars = evalStepScalars(p, hypers, io.t).map((v) => (v === undefined ? v : Math.fround(v)));
  // A compressed state is read as its decoded codes, exactly as the kernel decodes them.
  const packedIn: Record<string, Packed> = {};
  const read: Record<string, Float32Array> = {};
  for (const s of p.states) {
    if (!compressed(s)) continue;
    const pk = io.packed?.[s.name] ?? encodeState(s, need(io.states, s.name, 'state', n), io.shape);
    packedIn[s.name] = pk;
    read[s.name] = decodeState(s, pk, n, io.shape);
  }
  const cols: (Float32Array | Uint8Array | undefined)[] = new Array(p.insts.length);
  const col = (id: number, i: number): number => {
    const c = cols[id];
    return c ? c[i]! : scalars[id]!;
  };
  p.insts.forEach((inst, id) => {
    if (inst.space !== 'elem') return;
    switch (inst.op) {
      case 'param': cols[id] = storedParam(p, io.param); return;
      case 'input': cols[id] = need(io.inputs, inst.name!, 'input', n); return;
      case 'state': cols[id] = read[inst.name!] ?? need(io.states, inst.name!, 'state', n); return;
      default: {
        const out = inst.dtype === 'bool' ? new Uint8Array(n) : new Float32Array(n);
        const [a, b, c] = inst.args;
        for (let i = 0; i < n; i++) {
          out[i] = applyOp(inst.op, col(a!, i), b === undefined ? 0 : col(b, i), c === undefined ? 0 : col(c, i));
        }
        cols[id] = out;
      }
    }
  });
  const result = (id: number): Float32Array => {
    const c = cols[id];
    if (c instanceof Float32Array) return Float32Array.from(c);
    if (c) return Float32Array.from(c, Number);
    return new Float32Array(n).fill(scalars[id]!);
  };
  const states: Record<string, Float32Array> = {};
  for (const s of p.states) states[s.name] = Float32Array.from(read[s.name] ?? need(io.states, s.name, 'state', n));
  const tensor = io.tensorIndex ?? 0;
  let param: Float32Array = Float32Array.from(storedParam(p, io.param));
  const packed: Record<string, Packed> = { ...packedIn };
  for (const st of p.stores) {
    if (st.target === 'p') { param = storedParam(p, result(st.value), storeRand(paramFormat(p), 'p', io.t, tensor)); continue; }
    const decl = p.states.find((s) => s.name === st.target)!;
    const x = result(st.value);
    if (compressed(decl)) {
      packed[st.target] = encodeState(decl, x, io.shape, storeRand(decl.format, decl.name, io.t, tensor));
      states[st.target] = decodeState(decl, packed[st.target]!, n, io.shape);
    } else states[st.target] = x;
  }
  return Object.keys(packed).length ? { param, states, packed } : { param, states };
}

function need(m: Record<string, Float32Array>, name: string, what: string, n: number): Float32Array {
  const a = m[name];
  if (!a) throw new Error(`interpretStep: missing ${what} '${name}'`);
  if (a.length !== n) throw new Error(`interpretStep: ${what} '${name}' has ${a.length} elements, the parameter has ${n}`);
  return a;
}
