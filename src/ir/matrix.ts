// Matrix values (docs/matrix.md): their shapes, the types of the matrix ops, and which rule a tensor runs.
//
// A program is shape-polymorphic: one program steps every parameter tensor, each viewed as a matrix
// [rows, cols] (rows = prod(shape[:-1]), cols = shape[-1]). A value that is one number per element is that
// [rows, cols] matrix (`elem`); other matrices have a shape built from the view's sides — rows, cols, the
// shorter side `short`, the longer side `long` — or fixed sizes (a rank), and live in space `mat` with the
// shape on the instruction. Shapes are compared symbolically: [rows, rows] and [cols, cols] differ even
// when a tensor happens to be square, so a program that type-checks is right for every tensor.
//
// `orient(x)` transposes x when the tensor has more rows than columns, as torch's Muon does before its
// Newton-Schulz iteration (so the Gram matrix x xᵀ is the smaller side): it maps [rows, cols] to
// [short, long] and back (it is its own inverse), and [cols, rows] to [long, short] and back.
import type { Dim, Inst, MatShape, Program, Space } from './types.js';
import { MATRIX_OPS } from './types.js';

/** The sides of the [rows, cols] view of one tensor. */
export interface View { rows: number; cols: number }

export const ELEM_SHAPE: MatShape = ['rows', 'cols'];

export function dimSize(d: Dim, v: View): number {
  switch (d) {
    case 'rows': return v.rows;
    case 'cols': return v.cols;
    case 'short': return Math.min(v.rows, v.cols);
    case 'long': return Math.max(v.rows, v.cols);
    default: return d;
  }
}

/** [r, c] of a shape for one tensor. */
export function shapeSize(s: MatShape, v: View): [number, number] { return [dimSize(s[0], v), dimSize(s[1], v)]; }

export const shapeEq = (a: MatShape, b: MatShape): boolean => a[0] === b[0] && a[1] === b[1];
export const isElemShape = (s: MatShape): boolean => shapeEq(s, ELEM_SHAPE);

/** `rows × cols`, `short × 4`: how shapes appear in messages and dumps. */
export const shapeText = (s: MatShape): string => `${s[0]} × ${s[1]}`;

/** The shape of a value that is a matrix (elem or mat), or undefined for one that is not (step, tensor, row, col). */
export function valueShape(inst: Pick<Inst, 'space' | 'shape'>): MatShape | undefined {
  if (inst.space === 'elem') return ELEM_SHAPE;
  if (inst.space === 'mat') return inst.shape;
  return undefined;
}

/** Space and shape of a matrix of shape `s`: [rows, cols] is elem. */
export function shaped(s: MatShape): { space: Space; shape?: MatShape } {
  return isElemShape(s) ? { space: 'elem' } : { space: 'mat', shape: [s[0], s[1]] };
}

/**
 * The shape of `orient(x)` for x of shape `s`: defined when s is [rows, cols], [short, long] or their
 * transposes, the shapes for which "transposed when rows > cols" has a shape for every tensor.
 */
export function orientShape(s: MatShape): MatShape | undefined {
  const pairs: [MatShape, MatShape][] = [
    [['rows', 'cols'], ['short', 'long']], [['cols', 'rows'], ['long', 'short']],
  ];
  for (const [a, b] of pairs) {
    if (shapeEq(s, a)) return b;
    if (shapeEq(s, b)) return a;
  }
  return undefined;
}

/** The result of a well-typed instruction, or a message saying why its arguments do not fit. */
export type TypeResult = { space: Space; shape?: MatShape } | { error: string };

/**
 * Space and shape of a non-leaf instruction from its arguments, checking shapes: matrix products need
 * matching inner sides, elementwise ops over matrices need equal shapes (or a step/tensor value beside a
 * matrix). The parser reports these errors against the source; `verify` as compiler bugs.
 */
export function resultType(inst: Pick<Inst, 'op' | 'over' | 'shape'>, args: readonly Pick<Inst, 'space' | 'shape'>[]): TypeResult {
  const op = inst.op;
  if (op === 'reduce') {
    const a = args[0]!;
    if (a.space === 'mat' && inst.over !== 'tensor' && inst.over !== 'global') return { error: `a ${inst.over} reduction of a ${shapeText(a.shape!)} matrix` };
    return { space: inst.over === 'row' ? 'row' : inst.over === 'col' ? 'col' : 'tensor' };
  }
  if (op === 'rand') return inst.shape ? shaped(inst.shape) : { space: 'elem' };
  if (MATRIX_OPS.has(op)) {
    const shapes = args.map(valueShape);
    const bad = shapes.findIndex((s) => !s);
    if (bad >= 0) return { error: `argument ${bad + 1} of '${op}' is a ${args[bad]!.space} value, not a matrix` };
    const [a, b] = shapes as MatShape[];
    if (op === 'matmul') {
      if (a![1] !== b![0]) return { error: `a matrix product of ${shapeText(a!)} and ${shapeText(b!)}: the inner sides ${a![1]} and ${b![0]} differ` };
      return shaped([a![0], b![1]]);
    }
    if (op === 'transpose') return shaped([a![1], a![0]]);
    if (op === 'orient') {
      const o = orientShape(a!);
      return o ? shaped(o) : { error: `orient of a ${shapeText(a!)} matrix (it orients rows × cols, short × long and their transposes)` };
    }
    return { error: `'${op}' is a leaf` };
  }
  // Elementwise: the widest space; matrices must agree in shape and cannot meet row or col values.
  let shape: MatShape | undefined;
  let space: Space = 'step';
  for (const a of args) {
    const s = valueShape(a);
    if (s && shape && !shapeEq(shape, s)) return { error: `elementwise '${op}' of a ${shapeText(shape)} and a ${shapeText(s)} matrix` };
    shape ??= s;
    space = widen(space, a.space);
  }
  const small = args.find((a) => a.space === 'row' || a.space === 'col');
  if (small && shape && !isElemShape(shape)) return { error: `elementwise '${op}' of a ${small.space} value and a ${shapeText(shape)} matrix` };
  return space === 'mat' ? { space, shape: [shape![0], shape![1]] } : { space };
}

function widen(a: Space, b: Space): Space {
  if (a === b) return a;
  if (a === 'mat' || b === 'mat') return 'mat';
  const rank: Record<Space, number> = { step: 0, tensor: 1, row: 2, col: 2, elem: 3, mat: 3 };
  if (rank[a] === rank[b]) return 'elem';
  return rank[a] > rank[b] ? a : b;
}

/** Whether a program uses matrices beyond the elementwise view: matrix ops, `mat` values or states. */
export function hasMatrixStages(p: Pick<Program, 'insts' | 'states'>): boolean {
  return p.states.some((s) => s.space === 'mat') || p.insts.some((i) => i.space === 'mat' || MATRIX_OPS.has(i.op));
}

/** The first instruction that makes `p` a matrix program (for a diagnostic's span). */
export function firstMatrixInst(p: Pick<Program, 'insts'>): Inst | undefined {
  return p.insts.find((i) => MATRIX_OPS.has(i.op) && i.op !== 'eye') ?? p.insts.find((i) => MATRIX_OPS.has(i.op) || i.space === 'mat');
}

/** A tensor is a matrix when it has exactly two dimensions, as torch.optim.Muon requires. */
export const isMatrix = (shape: readonly number[]): boolean => shape.length === 2;

/** A parameter the program cannot step: not a matrix, and the program names no fallback rule. */
export class NotAMatrixError extends Error {
  constructor(readonly tensor: string, readonly shape: readonly number[], optimizer: string) {
    super(`parameter '${tensor}' has shape [${shape.join(', ')}]; optimizer '${optimizer}' works on matrices (two dimensions) `
      + 'and names no fallback rule for other parameters (add `fallback NAME { ... }`, e.g. AdamW, as docs/matrix.md shows)');
    this.name = 'NotAMatrixError';
  }
}

/**
 * The rule that steps a tensor of this shape: the program itself for a matrix, or for any tensor when the
 * program has neither matrix stages nor a fallback; otherwise its fallback (a NotAMatrixError without one).
 */
export function ruleFor(p: Program, shape: readonly number[], tensor = 'p'): Program {
  if (isMatrix(shape)) return p;
  if (p.fallback) return p.fallback;
  if (hasMatrixStages(p)) throw new NotAMatrixError(tensor, shape, p.name);
  return p;
}

/**
 * Hyperparameter overrides split between a program and its fallback: `NAME.h` (the fallback's name, a dot,
 * its hyper) is the fallback's `h`; every other key is the program's own.
 */
export function splitHypers(p: { fallback?: { name: string } }, h: Record<string, number> = {}): { main: Record<string, number>; fallback: Record<string, number> } {
  const main: Record<string, number> = {};
  const fallback: Record<string, number> = {};
  const prefix = p.fallback ? `${p.fallback.name}.` : undefined;
  for (const [k, v] of Object.entries(h)) {
    if (prefix && k.startsWith(prefix)) fallback[k.slice(prefix.length)] = v; else main[k] = v;
  }
  return { main, fallback };
}
