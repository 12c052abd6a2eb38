// The IR: one optimizer step as typed SSA over plain data.
//
// A Program is JSON-able on purpose: symbolic search copies it (`structuredClone`), mutates `insts`, hashes it
// (`hashProgram`), prints it back to `.opt` source (`toSource`) and compiles it again. Values are indices
// into `insts`; an instruction only refers to earlier ones, so the list is always in topological order.
//
// Every value lives in a *space*: `step` values are the same for every element of a step (hyperparameters,
// `t`, bias corrections) and are computed once on the host; `elem` values exist per parameter element and
// are computed in the kernel; `tensor`, `row` and `col` values exist once per tensor, row or column (norms,
// factored moments) and are computed by the phased kernels. The space of an instruction is the widest space
// of its arguments, except for `reduce` (the space it folds into) and `rand` (per element). `mat` values are
// matrices of a shape derived from the tensor's [rows, cols] view other than [rows, cols] itself (rows x
// rows, rank x cols, the transpose); their shape is in `Inst.shape` (src/ir/matrix.ts, docs/matrix.md).
import type { Span } from '../diag.js';
import type { FormatName } from '../formats/index.js';

export type ValueId = number;

/** f32 is the only arithmetic type; bool comes from comparisons and feeds `select`/`and`/`or`/`not`. */
export type DType = 'f32' | 'bool';

/**
 * Ordered from narrowest to widest; see `widerSpace`. Between `step` and `elem` (issue 3): `tensor` values
 * exist once per parameter tensor (a norm, a trust ratio, `numel`), `row` and `col` values once per row or
 * column of the tensor viewed as a matrix [rows = prod(shape[:-1]), cols = shape[-1]] (a 1-D tensor is
 * [1, n]). Row and column are not ordered: a value that depends on both is per element.
 */
export type Space = 'step' | 'tensor' | 'row' | 'col' | 'elem' | 'mat';
export const SPACE_RANK: Record<Space, number> = { step: 0, tensor: 1, row: 2, col: 2, elem: 3, mat: 3 };
export function widerSpace(a: Space, b: Space): Space {
  if (a === b) return a;
  // A matrix combines elementwise with step and tensor values (broadcast) and with matrices of its own
  // shape; the checker and `verify` reject the rest (a mat value beside an elem, row or col value).
  if (a === 'mat' || b === 'mat') return 'mat';
  if (SPACE_RANK[a] === SPACE_RANK[b]) return 'elem'; // row and col
  return SPACE_RANK[a] > SPACE_RANK[b] ? a : b;
}

/** Spaces computed on the GPU once per tensor, row or column: small next to the elements. */
export const SMALL_SPACES: ReadonlySet<Space> = new Set(['tensor', 'row', 'col']);

/** What a `reduce` folds: the elements of each tensor, of each row, of each column, or of every tensor. */
export type ReduceOver = 'tensor' | 'row' | 'col' | 'global';
export type ReduceFn = 'sum' | 'max' | 'min';
/** Distributions of `rand` (src/ir/rng.ts). */
export type RandDist = 'uniform' | 'normal' | 'rademacher';
/** Per-tensor sizes a `dim` leaf reads: element count, and the sides of the [rows, cols] view. */
export type DimName = 'numel' | 'rows' | 'cols';

/**
 * One side of a matrix value: a side of the tensor's [rows, cols] view, the shorter (`short`) or longer
 * (`long`) of the two, or a fixed size (a compile-time constant such as a GaLore rank).
 */
export type Dim = 'rows' | 'cols' | 'short' | 'long' | number;
/** [rows, cols] of a matrix value; [rows, cols] itself is an `elem` value and carries no shape. */
export type MatShape = readonly [Dim, Dim];

export type Op =
  // leaves
  | 'const' // value: number literal
  | 'hyper' // name: a declared hyperparameter (runtime value; changing it never recompiles)
  | 'step'  // t, the 1-based step count, as f32 (exact up to 2^24 steps)
  | 'param' // p, the parameter tensor before this step
  | 'input' // name: a per-element input, `g` or an extra declared input
  | 'state' // name: a state tensor's value *before* this step
  | 'scalar' // name: a per-step host scalar the caller supplies with the step (a loss, a seed); step space
  | 'dim'   // name (DimName): a size of the parameter tensor; tensor space
  // unary f32 -> f32
  | 'neg' | 'sqrt' | 'rsqrt' | 'abs' | 'sign' | 'exp' | 'log'
  // binary f32 x f32 -> f32
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'min' | 'max'
  // comparisons f32 x f32 -> bool
  | 'lt' | 'le' | 'gt' | 'ge' | 'eq' | 'ne'
  // logic
  | 'and' | 'or' | 'not'
  // select(cond, a, b) = cond ? a : b
  | 'select'
  // unary f32 -> f32, for schedules and angles (issue 3)
  | 'floor' | 'cos' | 'sin'
  // reduce(x): name is the ReduceFn, `over` what is folded. Its space is the result's: tensor for `tensor`
  // and `global` (every tensor sees the one global value), row or col for `row`/`col`.
  | 'reduce'
  // rand(stream): name is the RandDist; one counter-based random number per element from (stream, tensor,
  // element index). The stream is a step value read as an unsigned integer (seed + t, say). Elem space.
  | 'rand'
  // Matrices (docs/matrix.md). matmul(a, b): the matrix product, summed in float64 over k = 0, 1, ... and
  // rounded once (src/ir/matrix.ts); transpose(a); orient(a): a transposed when the tensor has more rows
  // than columns (so [rows, cols] <-> [short, long]; its own inverse); eye: the identity of its shape.
  | 'matmul' | 'transpose' | 'orient' | 'eye';

export interface Inst {
  op: Op;
  args: ValueId[];
  dtype: DType;
  space: Space;
  /** `const` only. */
  value?: number;
  /** `hyper`, `input`, `state`, `scalar`: the declared name; `dim`, `reduce`, `rand`: the variant. */
  name?: string;
  /** `reduce` only: what it folds. */
  over?: ReduceOver;
  /** `mat` values only: the matrix's shape (`eye`, and `rand` of a matrix, are defined by it). */
  shape?: MatShape;
  /** The `let` name this value was bound to in source, kept for readable dumps and WGSL. Not semantic. */
  label?: string;
  span?: Span;
}

export interface HyperDecl { name: string; default: number; doc?: string; span?: Span }

/**
 * How a store rounds into an f16/bf16 tensor: absent = round to nearest even; `stochastic` = add counter-RNG
 * bits below the cut and truncate (docs/formats.md, "Stochastic rounding in the step"), so E[stored] = value.
 */
export type Rounding = 'nearest' | 'stochastic';

/**
 * How a state tensor (or the parameter) is stored (docs/formats.md). All arithmetic stays f32: a compressed
 * tensor is decoded where the step reads it and re-encoded where the step writes it, in the same kernel.
 * `block` is the number of elements per scale (scaled formats; default: the format's own). `rounding` is
 * present only when stochastic (f16/bf16), so programs without it hash as before. `rank1` (q4u only,
 * source `q4u(rank1 = 1)`): tensors of rank >= 2 are scaled by the min over their axes of the absmax
 * across the other axes instead of by blocks; rank 0 and 1 stay block-wise.
 */
export interface StateFormat { kind: FormatName; block?: number; rounding?: 'stochastic'; rank1?: true }

/** Formats a parameter may be stored in: the unscaled floats (a scaled parameter would need its block's absmax). */
export const PARAM_FORMATS: readonly FormatName[] = ['f32', 'f16', 'bf16'];

export interface StateDecl {
  name: string;
  /** A `step`-space value computed once when the state is allocated (e.g. 0, or a hyperparameter). */
  init: ValueId;
  format: StateFormat;
  /**
   * How many values the state holds (default `elem`, one per parameter element): `tensor` one per tensor,
   * `row`/`col` one per row/column, `step` one per parameter group, kept on the host in float64.
   */
  space?: Space;
  /** `mat` states only: their shape, from the parameter's (`state L: matrix(rows, rows) = 0;`). */
  shape?: MatShape;
  doc?: string;
  span?: Span;
}

export interface InputDecl { name: string; span?: Span }

/** A per-step host scalar (`input loss: scalar;`), read by `scalar` leaves. */
export interface ScalarDecl { name: string; doc?: string; span?: Span }

/** Writes `value` into the parameter (`target === 'p'`) or a state tensor at the end of the step. */
export interface Store { target: string; value: ValueId; span?: Span }

/**
 * A named extra entry point (`update perturb { ... }`): its own stores, computed from the same leaves (p
 * and the states as they are when it runs). The runtime runs it by name between steps; it reads t as the
 * step about to run and never advances it. MeZO perturbs p three times this way before each update.
 */
export interface Entry { name: string; stores: Store[]; span?: Span }

export type { KernelGroup, Schedule, Stage, PhasedStage, ElemStage, TensorStage, GlobalStage, PhaseFacts, MatrixStage, MatmulStage, MapStage, MatReduceStage, CopyStage, MatrixSchedule, MatrixVariant, Operand, PlanBuffer } from './schedule.js';
import type { Schedule } from './schedule.js';

export interface Program {
  name: string;
  doc?: string;
  hypers: HyperDecl[];
  states: StateDecl[];
  /** Per-element read-only inputs; `g` always comes first. */
  inputs: InputDecl[];
  /** Per-step host scalars (absent when there are none). */
  scalars?: ScalarDecl[];
  /** Named extra entry points (absent when there are none). */
  entries?: Entry[];
  insts: Inst[];
  stores: Store[];
  /** How the parameter is stored (`param p: bf16(rounding = stochastic);`); absent = f32. */
  param?: StateFormat;
  /** Where `param p: ...;` was declared (diagnostics; not part of the hash). */
  paramSpan?: Span;
  /**
   * The rule for parameters that are not matrices (`fallback adamw { ... }`): an optimizer of its own,
   * with its own hypers and states, run on every tensor that does not have exactly two dimensions
   * (src/ir/matrix.ts `ruleFor`). Absent: every tensor runs this program.
   */
  fallback?: Program;
  schedule?: Schedule;
}

/** The parameter's storage format (f32 unless declared). */
export function paramFormat(p: Pick<Program, 'param'>): StateFormat { return p.param ?? { kind: 'f32' }; }

export interface OpInfo {
  arity: number;
  /** Argument dtypes (one per argument); `any` for select's branches. */
  args: (DType | 'any')[];
  /** Result dtype; `arg1` means "the dtype of argument 1" (select). */
  result: DType | 'arg1';
  /** Infix spelling in `.opt` source, when the op has one. */
  infix?: string;
  /** Function spelling in `.opt` source, when the op is a call. */
  fn?: string;
  commutative?: boolean;
}

const un = (fn: string): OpInfo => ({ arity: 1, args: ['f32'], result: 'f32', fn });
const bin = (infix: string | undefined, fn?: string, commutative = false): OpInfo =>
  ({ arity: 2, args: ['f32', 'f32'], result: 'f32', infix, fn, commutative });
const cmp = (infix: string, commutative = false): OpInfo =>
  ({ arity: 2, args: ['f32', 'f32'], result: 'bool', infix, commutative });
const leaf: OpInfo = { arity: 0, args: [], result: 'f32' };

export const OPS: Record<Op, OpInfo> = {
  const: leaf, hyper: leaf, step: leaf, param: leaf, input: leaf, state: leaf,
  neg: { arity: 1, args: ['f32'], result: 'f32', infix: '-' },
  sqrt: un('sqrt'), rsqrt: un('rsqrt'), abs: un('abs'), sign: un('sign'), exp: un('exp'), log: un('log'),
  add: bin('+', undefined, true), sub: bin('-'), mul: bin('*', undefined, true), div: bin('/'),
  pow: bin('^', 'pow'), min: bin(undefined, 'min', true), max: bin(undefined, 'max', true),
  lt: cmp('<'), le: cmp('<='), gt: cmp('>'), ge: cmp('>='), eq: cmp('==', true), ne: cmp('!=', true),
  and: { arity: 2, args: ['bool', 'bool'], result: 'bool', infix: '&&', commutative: true },
  or: { arity: 2, args: ['bool', 'bool'], result: 'bool', infix: '||', commutative: true },
  not: { arity: 1, args: ['bool'], result: 'bool', infix: '!' },
  select: { arity: 3, args: ['bool', 'any', 'any'], result: 'arg1', fn: 'select' },
  scalar: leaf, dim: leaf,
  floor: un('floor'), cos: un('cos'), sin: un('sin'),
  reduce: { arity: 1, args: ['f32'], result: 'f32' },
  rand: { arity: 1, args: ['f32'], result: 'f32' },
  matmul: { arity: 2, args: ['f32', 'f32'], result: 'f32', infix: '@' },
  transpose: un('transpose'), orient: un('orient'), eye: leaf,
};

export const LEAF_OPS: ReadonlySet<Op> = new Set(['const', 'hyper', 'step', 'param', 'input', 'state', 'scalar', 'dim', 'eye']);

/** Ops that are not elementwise over matrices: they move or combine whole rows and columns. */
export const MATRIX_OPS: ReadonlySet<Op> = new Set(['matmul', 'transpose', 'orient', 'eye']);

/** Leaves that are per-element tensors read from device memory. */
export const TENSOR_LEAVES: ReadonlySet<Op> = new Set(['param', 'input', 'state']);

/** The space a reduction's result lives in. */
export function reduceSpace(over: ReduceOver): Space {
  return over === 'row' ? 'row' : over === 'col' ? 'col' : 'tensor';
}

/**
 * The space of a non-leaf instruction from its arguments' spaces: the widest, except for `reduce` (the
 * space of what it produces) and `rand` (per element whatever its stream).
 */
export function resultSpace(inst: Pick<Inst, 'op' | 'over' | 'shape'>, argSpaces: readonly Space[]): Space {
  if (inst.op === 'reduce') return reduceSpace(inst.over!);
  if (inst.op === 'rand') return inst.shape ? 'mat' : 'elem';
  // Matrix ops: the shape decides (src/ir/matrix.ts, resultType); a result shaped [rows, cols] is elem.
  if (inst.op === 'matmul' || inst.op === 'transpose' || inst.op === 'orient') return inst.shape ? 'mat' : 'elem';
  return argSpaces.reduce<Space>((s, a) => widerSpace(s, a), 'step');
}

/** The space of a leaf: where its values live. */
export function leafSpace(p: Pick<Program, 'states'>, inst: Pick<Inst, 'op' | 'name'>): Space {
  switch (inst.op) {
    case 'param': case 'input': return 'elem';
    case 'state': return p.states.find((s) => s.name === inst.name)?.space ?? 'elem';
    case 'dim': return 'tensor';
    case 'eye': return 'mat';
    default: return 'step';
  }
}
