// The schedule: how a program's step runs on a device (Halide's split of algorithm and schedule). Passes
// fill it in (hoistStepScalars, fuseElementwise, splitPhases, vectorize); code generators read it and make
// no planning decisions of their own. The program's meaning does not depend on it; the interpreter
// ignores it.
//
// A step is a list of stages, each a discriminated record (`kind`). Adding a kind of stage (a matrix
// product, say) means:
//   1. an interface here with its own `kind` literal and the fields its generator needs (operands by
//      ValueId, what it stores), added to the `Stage` union and to STAGE_KINDS;
//   2. a pass that places it (src/passes/, after splitPhases' numbering: `at` orders every stage);
//   3. a case for it in the code generator's stage switch (src/codegen-wgsl/) and a dispatch grid in the
//      manifest (src/codegen-wgsl/manifest.ts) that the runtime's dispatcher already understands or learns.
// Every `switch (stage.kind)` ends in an exhaustive `never` check, so TypeScript lists each place a new
// kind must be handled.
import { invariant } from '../diag.js';
import { printIR } from './printer.js';
import { LEAF_OPS, type MatShape, type Program, type ValueId } from './types.js';

/**
 * One kernel of an elementwise step: the non-leaf elem-space instructions it computes, in order, and the
 * store targets it writes. Tensor leaves (`param`, `input`, `state`) are loaded by whichever kernel reads
 * them. A store goes in the last kernel that reads the target's old value (or computes the stored value,
 * whichever is later), so no kernel ever reads a state another kernel already overwrote.
 */
export interface KernelGroup { name: string; insts: ValueId[]; stores: string[] }

/**
 * Element sweep: visits every element of every chunk (one dispatch per chunk, plus one per chunk for row
 * and for column sums); computes elem values, writes the partial sums of the reductions listed, and
 * performs the elem stores (the last elem stage performs all of them).
 */
export interface ElemStage { kind: 'elem'; at: number; reduces: ValueId[]; stores: string[] }

/**
 * Per-tensor finish: one workgroup per tensor finishes reductions from partials, reduces row/column values,
 * and performs small-state (tensor/row/col) stores, saving the old value first where a later stage still
 * reads it (`keepOld`).
 */
export interface TensorStage { kind: 'tensor'; at: number; reduces: ValueId[]; stores: string[]; keepOld: string[] }

/** Global finish: one workgroup folds the per-tensor totals of `global` reductions in tensor order. */
export interface GlobalStage { kind: 'global'; at: number; reduces: ValueId[] }

// ---- matrix stages (docs/matrix.md, "On the GPU"), placed by src/passes/placeMatrixStages.ts ----------
// They run per matrix tensor (each with its own [rows, cols] view, so kernels are specialized per shape
// when a module is bound), in `at` order, for the host-decided variant of the step. Buffers are named by
// key: `p`, `in:NAME`, `st:NAME` (leaves) and `t<id>` (temporaries).

/** A matrix product operand: a buffer, read transposed when `transpose` (xor `orient` on a tall tensor). */
export interface Operand { value: ValueId; buffer: string; transpose: boolean; orient: boolean }

/** The product `mm` of `a` and `b` into `out`; with `root` !== `mm`, `root` is computed from it as the epilogue. */
export interface MatmulStage { kind: 'matmul'; at: number; root: ValueId; mm: ValueId; a: Operand; b: Operand; out: string; reads: string[] }

/** Elementwise sweep over one matrix: computes `root` (inlining what it reads) at every entry of `shape`. */
export interface MapStage { kind: 'map'; at: number; root: ValueId; shape: MatShape; out: string; reads: string[] }

/** `root` (a reduce over the tensor) folds its argument's expression into the tensor's scalar slot `slot`. */
export interface MatReduceStage { kind: 'reduce'; at: number; root: ValueId; slot: number; reads: string[] }

/** Copies a buffer into a store target at the end of the step (when it cannot be written in place). */
export interface CopyStage { kind: 'copy'; at: number; from: string; to: string; shape: MatShape; reads: string[] }

export type MatrixStage = MatmulStage | MapStage | MatReduceStage | CopyStage;

/**
 * One stage of a step. Phased programs: `at` is the phase number (E_k = 3k, S_k = 3k + 1, G_k = 3k + 2).
 * Matrix programs: `at` is the stage's index in its variant.
 */
export type Stage = ElemStage | TensorStage | GlobalStage | MatrixStage;
export const STAGE_KINDS: readonly Stage['kind'][] = ['elem', 'tensor', 'global', 'matmul', 'map', 'reduce', 'copy'];
export const MATRIX_STAGE_KINDS: ReadonlySet<Stage['kind']> = new Set(['matmul', 'map', 'reduce', 'copy']);
export const isMatrixStage = (s: Stage): s is MatrixStage => MATRIX_STAGE_KINDS.has(s.kind);
export type PhasedStage = ElemStage | TensorStage | GlobalStage;

export interface PlanBuffer { key: string; shape: MatShape }

/** The stages of one assignment of the host-decided step conditions. */
export interface MatrixVariant {
  /** A select decided on the host -> the argument it takes. */
  alias: Record<number, ValueId>;
  /** Value -> the buffer holding it (leaves, and materialized values). */
  buffers: Record<number, string>;
  /** Reduce instruction -> its per-tensor scalar slot. */
  slots: Record<number, number>;
  /** Materialized value -> the product fused into its kernel. */
  fused: Record<number, ValueId>;
  stages: MatrixStage[];
  /** Temporary buffers: shape, and the stages that write (first) and last read them. */
  temps: (PlanBuffer & { first: number; last: number })[];
  scalarSlots: number;
  /**
   * Global reductions: after stage `after` has run for every tensor, each tensor's partial of `reduces` is
   * folded across the tensors (the stages are cut there: every tensor runs the stages up to a fold before
   * any runs the stages after it).
   */
  folds: { after: number; reduces: ValueId[] }[];
}

/** The matrix part of a schedule: leaf buffers, the step conditions decided on the host, one variant each. */
export interface MatrixSchedule {
  /** Leaf buffers: `p`, `in:NAME`, `st:NAME` with their shapes. */
  leaves: PlanBuffer[];
  /** Step conditions decided on the host: bit k of a variant's index is condition k. */
  conds: ValueId[];
  /** One variant per assignment of `conds` (index = bits). */
  variants: MatrixVariant[];
  /** Step values kernels read (host-evaluated each step, written through the uniform layout). */
  steps: ValueId[];
}

/**
 * What splitPhases decided about values, so that code generators need not re-derive it: where a value can
 * be loaded from instead of recomputed, and when small states are written.
 */
export interface PhaseFacts {
  /** First phase at which each value (by id) can be computed. */
  ready: number[];
  /** Reduction results and stored small values: the phase after which they sit in a buffer. */
  materialized: [ValueId, number][];
  /** Phase of each small state's store. */
  smallStoreAt: [string, number][];
  /** Phase of the last elem stage (all elem stores). */
  lastE: number;
}

export interface Schedule {
  /** step-space values read by elem-space code: computed on the host each step, passed as uniforms. */
  uniforms: ValueId[];
  /** Elementwise programs: the kernels of the step (one when fused). Empty when `stages` is present. */
  kernels: KernelGroup[];
  /** Elements per kernel invocation (4 = vec4). */
  vectorWidth: 1 | 4;
  /**
   * Programs with tensor, row or column values: the step as a sequence of stages (src/passes/splitPhases.ts),
   * with the facts the plan rests on.
   */
  stages?: PhasedStage[];
  phases?: PhaseFacts;
  /** Matrix programs (matrix products, matrix states, a fallback rule): their matrix stages per variant. */
  matrix?: MatrixSchedule;
}

/** PhaseFacts as maps, for lookups. */
export interface PhaseInfo {
  ready: number[];
  materialized: Map<ValueId, number>;
  smallStoreAt: Map<string, number>;
  lastE: number;
}

export function phaseInfo(f: PhaseFacts): PhaseInfo {
  return { ready: f.ready, materialized: new Map(f.materialized), smallStoreAt: new Map(f.smallStoreAt), lastE: f.lastE };
}

export function phaseFacts(i: PhaseInfo): PhaseFacts {
  return { ready: i.ready, materialized: [...i.materialized], smallStoreAt: [...i.smallStoreAt], lastE: i.lastE };
}

/**
 * The values phase `stage` computes inline (not loaded): `roots` and their arguments, stopping at step
 * values, leaves and values materialized before `stage`. Leaves reached are included.
 */
export function inlineClosure(p: Program, info: PhaseInfo, stage: number, roots: Iterable<ValueId>): Set<ValueId> {
  const seen = new Set<ValueId>();
  const stack = [...roots];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    const inst = p.insts[id]!;
    if (inst.space === 'step') continue;
    seen.add(id);
    const m = info.materialized.get(id);
    if (m !== undefined && m < stage) continue;
    if (LEAF_OPS.has(inst.op)) continue;
    invariant(info.ready[id]! <= stage || inst.op === 'reduce', () => `schedule: %${id} is needed at phase ${stage} but ready at ${info.ready[id]}\n${printIR(p)}`);
    if (inst.op === 'reduce') continue; // finished from partials (or reduced in this S stage by its own loop)
    stack.push(...inst.args);
  }
  return seen;
}

/** E stages in the plan: the number of passes over the parameters per step. */
export function elemPhases(stages: readonly PhasedStage[]): number {
  return stages.filter((s) => s.kind === 'elem').length;
}

/** Exhaustiveness check for switches over stage kinds. */
export function unknownStage(s: never): never {
  throw new Error(`unknown stage kind '${(s as { kind: string }).kind}'`);
}
