// The reference interpreter for programs beyond one elementwise tensor: reductions, tensor/row/col values
// and states, step states, host scalars and counter-based randomness. It steps several parameter tensors at
// once, because a `global` reduction folds all of them.
//
// Evaluation is instruction-major: each instruction is computed for every tensor before the next one, each
// over its own domain (one number per tensor, per row, per column or per element). Numerics follow the GPU:
// step values are float64 (rounded to f32 where anything wider reads them, as a uniform is), every tensor,
// row, column or element result is rounded to f32 (`applyOp`). Reductions are the one exception: they sum
// in float64 and round once, the most accurate value a fixed-order f32 tree on the GPU approximates (a
// sum of n f32 terms in a tree is within ~log2(n) ulp of it for terms of one sign).
//
// Broadcast: on the [rows, cols] view of a tensor, element i is in row floor(i / cols) and column i % cols;
// a tensor value is the same for all its rows, columns and elements. Matrices of other shapes (`mat`) are
// row-major arrays of their own size; matrix ops and their accumulation order are in interp-matrix.ts.
// A program with a fallback rule steps matrices itself and hands every other tensor to the fallback.
// Evaluation is demand-driven: an instruction no store needs this step (the untaken side of a `select`
// on a step value, e.g. an `every k` block between its runs) is not computed.
import type { Packed } from '../formats/blockwise.js';
import { applyOp } from './numerics.js';
import { postOrder } from './walk.js';
import { randValue, streamKey } from './rng.js';
import {
  MATRIX_OPS, SMALL_SPACES, type Inst, type MatShape, type Program, type Space, type StateDecl,
} from './types.js';
import { hasMatrixStages, ruleFor, shapeSize, splitHypers } from './matrix.js';
import { evalMatrixOp, liveInsts } from './interp-matrix.js';
import {
  decodeState, encodeState, evalStepScalars, resolveHypers, storedParam, storeRand, type StepInputs, type StepResult,
} from './interp.js';
import { paramFormat, type ReduceFn } from './types.js';
import { foldInOrder, foldLines, foldTensor, stridedTree, type ReduceOrder } from './reduce-order.js';

/** The [rows, cols] view of a shape: rows = prod(shape[:-1]), cols = shape[-1]; a scalar is [1, 1]. */
export function matrixView(shape: readonly number[]): { numel: number; rows: number; cols: number } {
  const numel = shape.reduce((a, b) => a * b, 1);
  if (shape.length === 0) return { numel, rows: 1, cols: 1 };
  return { numel, rows: shape.slice(0, -1).reduce((a, b) => a * b, 1), cols: shape[shape.length - 1]! };
}

/** How many values a state of this declaration holds for a parameter of `shape`. */
export function stateLength(s: Pick<StateDecl, 'space' | 'shape'>, shape: readonly number[]): number {
  const v = matrixView(shape);
  switch (s.space ?? 'elem') {
    case 'elem': return v.numel;
    case 'row': return v.rows;
    case 'col': return v.cols;
    case 'mat': { const [r, c] = shapeSize(s.shape!, v); return r * c; }
    default: return 1;
  }
}

/** Whether `interpretStep` must use this interpreter (anything the elementwise one does not know). */
export function needsTensorInterpreter(p: Program): boolean {
  if (p.states.some((s) => (s.space ?? 'elem') !== 'elem') || p.fallback || hasMatrixStages(p)) return true;
  return p.insts.some((i) => SMALL_SPACES.has(i.space) || i.op === 'reduce' || i.op === 'rand' || i.op === 'dim' || i.op === 'scalar');
}

/** Initial values of the step states (`state NAME: step`), in float64. */
export function initStepStates(p: Program, hyperOverrides: Record<string, number> = {}): Record<string, number> {
  const steps = p.states.filter((s) => s.space === 'step');
  if (!steps.length) return {};
  const vals = evalStepScalars(p, resolveHypers(p, hyperOverrides), 1, { scalars: new Proxy({}, { get: () => 0 }), states: new Proxy({}, { get: () => 0 }) });
  return Object.fromEntries(steps.map((s) => [s.name, vals[s.init]!]));
}

export interface TensorIO {
  /** Default [param.length]. */
  shape?: number[];
  param: Float32Array;
  inputs: Record<string, Float32Array>;
  /** Tensor, row, column and element states (decoded values for a compressed one). */
  states: Record<string, Float32Array>;
  packed?: Record<string, Packed>;
  /** Hyperparameter overrides for this tensor (its parameter group), on top of the step's. */
  hypers?: Record<string, number>;
  /** Step states of this tensor's group before the step (default: their initial values). */
  stepStates?: Record<string, number>;
  /** Tensor id for `rand` (default: position in `tensors`). */
  index?: number;
  /** The tensor's name, for messages (default: its position). */
  name?: string;
}

export interface TensorsStepInputs {
  /** 1-based step count (for an entry point: the step about to run). */
  t: number;
  /** Run this named entry point (`update NAME { }`) instead of the step: its stores, same leaves. */
  entry?: string;
  hypers?: Record<string, number>;
  scalars?: Record<string, number>;
  tensors: TensorIO[];
  /**
   * Fold reductions in f32 in the WGSL phased kernels' order (src/ir/reduce-order.ts) instead of float64
   * rounded once: for tests that compare a device bit for bit.
   */
  order?: ReduceOrder;
}

export interface TensorResult {
  param: Float32Array;
  states: Record<string, Float32Array>;
  packed?: Record<string, Packed>;
  stepStates?: Record<string, number>;
}

type Val = number | Float32Array | Uint8Array;

interface Ctx {
  io: TensorIO;
  view: { numel: number; rows: number; cols: number };
  index: number;
  step: (number | undefined)[];
  vals: Val[];
  read: Record<string, Float32Array>;
  packedIn: Record<string, Packed>;
  stepStates: Record<string, number>;
}

const domainSize = (space: Space, v: Ctx['view'], shape?: MatShape): number => {
  if (space === 'mat') { const [r, c] = shapeSize(shape!, v); return r * c; }
  return space === 'elem' ? v.numel : space === 'row' ? v.rows : space === 'col' ? v.cols : 1;
};

/**
 * One step of `p` for every tensor in `io.tensors`. Inputs are not modified. With a fallback rule, the
 * matrices run `p` and the other tensors its fallback, with the hyperparameters named `FALLBACK.h`.
 */
export function interpretTensors(p0: Program, io: TensorsStepInputs): TensorResult[] {
  const rules = io.tensors.map((tio, k) => ruleFor(p0, tio.shape ?? [tio.param.length], tio.name ?? `#${k}`));
  if (!p0.fallback) return stepRule(p0, io);
  const out: TensorResult[] = new Array(io.tensors.length);
  const h = splitHypers(p0, io.hypers);
  for (const [rule, hypers] of [[p0, h.main], [p0.fallback, h.fallback]] as const) {
    const ks = io.tensors.flatMap((_, k) => (rules[k] === rule ? [k] : []));
    if (!ks.length) continue;
    const tensors = ks.map((k) => {
      const tio = io.tensors[k]!;
      const th = splitHypers(p0, tio.hypers);
      return { ...tio, index: tio.index ?? k, hypers: rule === p0 ? th.main : th.fallback };
    });
    stepRule(rule, { ...io, hypers }, tensors).forEach((r, i) => { out[ks[i]!] = r; });
  }
  return out;
}

function stepRule(p0: Program, io: TensorsStepInputs, tensors = io.tensors): TensorResult[] {
  let p = p0;
  if (io.entry !== undefined) {
    const e = p0.entries?.find((x) => x.name === io.entry);
    if (!e) throw new Error(`interpretTensors: no entry point '${io.entry}' (have ${(p0.entries ?? []).map((x) => x.name).join(', ') || 'none'})`);
    p = { ...p0, stores: e.stores };
  }
  // Scalars the stores do not read (the main update's, for an entry point) need not be given.
  const read = new Set<string>();
  for (const id of postOrder(p.insts, p.stores.map((s) => s.value))) if (p.insts[id]!.op === 'scalar') read.add(p.insts[id]!.name!);
  for (const name of read) if (typeof io.scalars?.[name] !== 'number') throw new Error(`interpretStep: missing scalar input '${name}'`);
  const given = io.scalars ?? {};
  io = { ...io, scalars: new Proxy(given, { get: (o, k) => (typeof k === 'string' && k in o ? o[k] : 0) }) };
  const stepDecls = p.states.filter((s) => s.space === 'step');
  const ctxs: Ctx[] = tensors.map((tio, k) => {
    const shape = tio.shape ?? [tio.param.length];
    const view = matrixView(shape);
    if (tio.param.length !== view.numel) throw new Error(`interpretTensors: tensor ${k}: param has ${tio.param.length} elements, shape ${JSON.stringify(shape)} has ${view.numel}`);
    const hypers = resolveHypers(p, { ...io.hypers, ...tio.hypers });
    const stepStates = { ...initStepStatesFor(p, hypers, stepDecls), ...tio.stepStates };
    const step = evalStepScalars(p, hypers, io.t, { scalars: io.scalars ?? {}, states: stepStates });
    const read: Record<string, Float32Array> = {};
    const packedIn: Record<string, Packed> = {};
    for (const s of p.states) {
      if (s.space === 'step') continue;
      if (s.format.kind !== 'f32') {
        const pk = tio.packed?.[s.name] ?? encodeState(s, need(tio.states, s.name, 'state', stateLength(s, shape)), shape);
        packedIn[s.name] = pk;
        read[s.name] = decodeState(s, pk, stateLength(s, shape), shape);
      } else read[s.name] = need(tio.states, s.name, 'state', stateLength(s, shape));
    }
    return { io: tio, view, index: tio.index ?? k, step, vals: new Array(p.insts.length), read, packedIn, stepStates };
  });

  const live = liveInsts(p, ctxs.map((c) => c.step));
  p.insts.forEach((inst, id) => {
    if (inst.space === 'step') { for (const c of ctxs) c.vals[id] = c.step[id]!; return; }
    const needed = ctxs.filter((_, k) => live[k]![id]);
    if (inst.op === 'reduce') {
      if (needed.length) (io.order ? reduceOrdered : reduce)(p, inst, id, inst.over === 'global' ? ctxs : needed, io.order!);
      return;
    }
    for (const c of needed) c.vals[id] = evalInst(p, inst, c);
  });

  return ctxs.map((c) => {
    const param = p.stores.find((s) => s.target === 'p');
    const states: Record<string, Float32Array> = {};
    const packed: Record<string, Packed> = { ...c.packedIn };
    for (const s of p.states) if (s.space !== 'step') states[s.name] = Float32Array.from(c.read[s.name]!);
    const stepStates: Record<string, number> = { ...c.stepStates };
    for (const st of p.stores) {
      if (st.target === 'p') continue;
      const decl = p.states.find((s) => s.name === st.target)!;
      if (decl.space === 'step') { stepStates[st.target] = c.step[st.value]!; continue; }
      const x = materialize(p, c, st.value, decl.space ?? 'elem', decl.shape);
      if (decl.format.kind !== 'f32') {
        packed[st.target] = encodeState(decl, x, c.io.shape ?? [x.length], storeRand(decl.format, decl.name, io.t, c.index));
        states[st.target] = decodeState(decl, packed[st.target]!, x.length, c.io.shape ?? [x.length]);
      } else states[st.target] = x;
    }
    const newParam = param ? storedParam(p, materialize(p, c, param.value, 'elem'), storeRand(paramFormat(p), 'p', io.t, c.index)) : storedParam(p, c.io.param);
    const out: TensorResult = { param: Float32Array.from(newParam), states };
    if (Object.keys(packed).length) out.packed = packed;
    if (stepDecls.length) out.stepStates = stepStates;
    return out;
  });
}

/** `interpretStep` for one tensor through the general interpreter. */
export function interpretOneTensor(p: Program, io: StepInputs): StepResult {
  const [r] = interpretTensors(p, {
    t: io.t, hypers: io.hypers, scalars: io.scalars,
    tensors: [{ shape: io.shape, param: io.param, inputs: io.inputs, states: io.states, packed: io.packed, stepStates: io.stepStates, index: io.tensorIndex ?? 0 }],
  });
  return r!;
}

function initStepStatesFor(p: Program, hypers: Record<string, number>, decls: StateDecl[]): Record<string, number> {
  if (!decls.length) return {};
  const zero = new Proxy({}, { get: () => 0 }) as Record<string, number>;
  const vals = evalStepScalars(p, hypers, 1, { scalars: zero, states: zero });
  return Object.fromEntries(decls.map((s) => [s.name, vals[s.init]!]));
}

/**
 * Operand `a` at position `i` of a value computed over `dom` (`r`, `j`: the row and column of that
 * position on the grid). Step values are read as the f32 uniform the kernel gets.
 */
function operand(p: Program, c: Ctx, a: number, dom: Space, i: number, r: number, j: number): number {
  const v = c.vals[a]!;
  const space = p.insts[a]!.space;
  if (typeof v === 'number') return space === 'step' ? Math.fround(v) : v;
  if (space === dom) return v[i]!;
  // A tensor state is read as a one-value array: broadcast it (reading v[i] gave undefined, so NaN, past 0).
  return space === 'row' ? v[r]! : space === 'col' ? v[j]! : space === 'tensor' ? v[0]! : v[i]!;
}

function gridPos(dom: Space, i: number, cols: number): [number, number] {
  if (dom === 'elem') return cols > 0 ? [Math.floor(i / cols), i % cols] : [0, 0];
  if (dom === 'row') return [i, 0];
  if (dom === 'col') return [0, i];
  return [0, 0];
}

function evalInst(p: Program, inst: Inst, c: Ctx): Val {
  if (MATRIX_OPS.has(inst.op) || (inst.op === 'rand' && inst.shape)) {
    return evalMatrixOp(p, inst, c.view, (i) => c.vals[inst.args[i]!] as Float32Array, (id) => c.step[id]!, c.index);
  }
  switch (inst.op) {
    case 'param': return storedParam(p, c.io.param);
    case 'input': return need(c.io.inputs, inst.name!, 'input', c.view.numel);
    case 'state': return c.read[inst.name!]!;
    case 'dim': return inst.name === 'numel' ? c.view.numel : inst.name === 'rows' ? c.view.rows : c.view.cols;
    case 'rand': {
      const stream = streamKey(c.step[inst.args[0]!] ?? Number(c.vals[inst.args[0]!]));
      const out = new Float32Array(c.view.numel);
      for (let i = 0; i < out.length; i++) out[i] = randValue(inst.name!, stream, c.index, i);
      return out;
    }
    default: break;
  }
  const n = domainSize(inst.space, c.view, inst.shape);
  let [a, b, d] = inst.args;
  // A select on a step value reads only the branch it takes (the other may not have been computed).
  if (inst.op === 'select' && p.insts[a!]!.space === 'step') b = d = c.step[a!] ? b : d;
  if (inst.space === 'tensor') {
    return applyOp(inst.op, operand(p, c, a!, 'tensor', 0, 0, 0), b === undefined ? 0 : operand(p, c, b, 'tensor', 0, 0, 0),
      d === undefined ? 0 : operand(p, c, d, 'tensor', 0, 0, 0));
  }
  const out = inst.dtype === 'bool' ? new Uint8Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const [r, j] = gridPos(inst.space, i, c.view.cols);
    out[i] = applyOp(inst.op, operand(p, c, a!, inst.space, i, r, j), b === undefined ? 0 : operand(p, c, b, inst.space, i, r, j),
      d === undefined ? 0 : operand(p, c, d, inst.space, i, r, j));
  }
  return out;
}

const IDENTITY: Record<string, number> = { sum: 0, max: -Infinity, min: Infinity };
function fold(fn: string, acc: number, x: number): number {
  return fn === 'sum' ? acc + x : fn === 'max' ? Math.max(acc, x) : Math.min(acc, x);
}

/** Folds the argument over its own domain (float64 accumulation). */
function foldAll(p: Program, c: Ctx, a: number, fn: string): number {
  const { space, shape } = p.insts[a]!;
  let acc = IDENTITY[fn]!;
  const n = domainSize(space, c.view, shape);
  for (let i = 0; i < n; i++) acc = fold(fn, acc, operand(p, c, a, space, i, 0, 0));
  return acc;
}

function reduce(p: Program, inst: Inst, id: number, ctxs: Ctx[]): void {
  const fn = inst.name!;
  const a = inst.args[0]!;
  if (inst.over === 'global') {
    let acc = IDENTITY[fn]!;
    for (const c of ctxs) acc = fold(fn, acc, foldAll(p, c, a, fn));
    for (const c of ctxs) c.vals[id] = Math.fround(acc);
    return;
  }
  for (const c of ctxs) {
    if (inst.over === 'tensor') { c.vals[id] = Math.fround(foldAll(p, c, a, fn)); continue; }
    const { rows, cols } = c.view;
    const byRow = inst.over === 'row';
    const out = new Float32Array(byRow ? rows : cols);
    for (let o = 0; o < out.length; o++) {
      let acc = IDENTITY[fn]!;
      const m = byRow ? cols : rows;
      for (let k = 0; k < m; k++) {
        const r = byRow ? o : k, j = byRow ? k : o;
        acc = fold(fn, acc, operand(p, c, a, 'elem', r * cols + j, r, j));
      }
      out[o] = Math.fround(acc);
    }
    c.vals[id] = out;
  }
}

/** `reduce` in the device's f32 order (reduce-order.ts). */
function reduceOrdered(p: Program, inst: Inst, id: number, ctxs: Ctx[], o: ReduceOrder): void {
  const fn = inst.name! as ReduceFn;
  const a = inst.args[0]!;
  const argSpace = p.insts[a]!.space;
  const values = (c: Ctx, space: Space) => materialize(p, c, a, space);
  // One tensor's fold over all of its values: elem values by tiles, row/column values by the tensor stage's loop.
  const total = (c: Ctx): number => (argSpace === 'elem' ? foldTensor(fn, values(c, 'elem'), o)
    : argSpace === 'row' || argSpace === 'col' ? stridedTree(fn, values(c, argSpace), o.workgroupSize)
      : Math.fround(operand(p, c, a, 'tensor', 0, 0, 0)));
  if (inst.over === 'global') {
    const r = stridedTree(fn, ctxs.map(total), o.workgroupSize);
    for (const c of ctxs) c.vals[id] = r;
    return;
  }
  for (const c of ctxs) {
    if (inst.over === 'tensor') { c.vals[id] = total(c); continue; }
    const { rows, cols } = c.view;
    const line = inst.over as 'row' | 'col';
    if (argSpace === 'elem') { c.vals[id] = foldLines(fn, values(c, 'elem'), rows, cols, line, o); continue; }
    // A narrower value along each line: a value of the other axis folds in order, a broadcast one is n * x.
    const n = line === 'row' ? cols : rows;
    const out = new Float32Array(line === 'row' ? rows : cols);
    for (let q = 0; q < out.length; q++) {
      const [r, j] = line === 'row' ? [q, 0] : [0, q];
      out[q] = argSpace === (line === 'row' ? 'col' : 'row')
        ? foldInOrder(fn, n, (k) => operand(p, c, a, argSpace, k, line === 'row' ? q : k, line === 'row' ? k : q))
        : fn === 'sum' ? Math.fround(n * operand(p, c, a, 'elem', 0, r, j)) : operand(p, c, a, 'elem', 0, r, j);
    }
    c.vals[id] = out;
  }
}

/** A value as a fresh f32 array over the domain `space` (broadcasting a narrower one). */
function materialize(p: Program, c: Ctx, id: number, space: Space, shape?: MatShape): Float32Array {
  const n = domainSize(space, c.view, shape);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const [r, j] = gridPos(space, i, c.view.cols);
    out[i] = operand(p, c, id, space, i, r, j);
  }
  return out;
}

function need(m: Record<string, Float32Array>, name: string, what: string, n: number): Float32Array {
  const a = m[name];
  if (!a) throw new Error(`interpretStep: missing ${what} '${name}'`);
  if (a.length !== n) throw new Error(`interpretStep: ${what} '${name}' has ${a.length} values, expected ${n}`);
  return a;
}
