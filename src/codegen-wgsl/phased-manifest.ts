// What the runtime needs to run a phased module (src/codegen-wgsl/phased.ts): the dispatch order, the
// buffers beside the per-chunk tensors, and the layout of the two tables it fills in. Plain data.
import type { ReduceFn, ReduceOver } from '../ir/types.js';

/**
 * How one dispatch covers the work: `elems` one invocation per work item of a chunk (element or vec4),
 * `rows`/`cols` one per row/column block item of a chunk, `tensors` one workgroup per tensor, `one` a
 * single workgroup, `items` one invocation per work item of a chunk (the guard's check), `blocks` one
 * invocation per `elemsPerInvocation` elements of a chunk in workgroups of `workgroupSize` (the store sweep),
 * `scales` one invocation per scale slot of the kernel's `scalesOf` rank-1 state, once per step.
 */
export type PhasedGrid = 'elems' | 'rows' | 'cols' | 'tensors' | 'one' | 'items' | 'blocks' | 'scales';

export interface PhasedDispatch {
  /** Index into the module's kernel list (`variants[w]`). */
  kernel: number;
  grid: PhasedGrid;
  /** Index into the schedule's stages (-1: the guard's check, before every stage). */
  stage: number;
  /** `blocks` grids: elements each invocation owns, and invocations per workgroup. */
  elemsPerInvocation?: number;
  workgroupSize?: number;
}

export interface PhasedReduction {
  /** Buffer name stem: `r<value id>`. */
  name: string;
  fn: ReduceFn;
  over: ReduceOver;
  /** Folds elem values: partials come from elem stages (else an S stage folds small values itself). */
  fromElem: boolean;
}

export interface PhasedInfo {
  dispatches: PhasedDispatch[];
  reductions: PhasedReduction[];
  /** Tensor, row and column states; `keepOld`: a copy of the value before the step (`old` buffer). */
  smallStates: { name: string; space: 'tensor' | 'row' | 'col'; keepOld: boolean }[];
  /** E stages: passes over the parameters per step. */
  elemPhases: number;
  workgroupSize: number;
  /** Elements (vec4s at width 4) per invocation of an elem kernel: a tile is workgroupSize times that. */
  elemsPerInvocation: number;
  /** Elements per row-sum item, rows per column-sum item. */
  rowBlock: number;
  colBlock: number;
  /** Whether any value or state is per row or column (then a tensor must fit in one chunk). */
  rowsCols: boolean;
}

/** u32 words per record of the per-chunk segment table, and the meaning of each word. */
export const SEG_STRIDE = 16;
export const SEG = {
  chunkOffset: 0, length: 1, tensor: 2, tensorOffset: 3, tileStart: 4, tileCount: 5, partBase: 6,
  rows: 7, cols: 8, rowBase: 9, colBase: 10, rowItemStart: 11, rowBlocks: 12, rowPartBase: 13,
  colItemStart: 14, colPartBase: 15,
} as const;

/** The tensor table: a header [tensors, scalars per group, 0, 0], then one record per tensor. */
export const TENSOR_HEADER = 4;
/** Header word 2 of the tensor table as kernels read it: a zero the compiler cannot see (wgsl.ts `summand`). */
export const TEN_ZERO = 'ten[2]';
export const TENSOR_STRIDE = 12;
export const TEN = {
  group: 0, partStart: 1, partCount: 2, rows: 3, cols: 4, rowBase: 5, colBase: 6, rowPartStart: 7,
  colPartStart: 8, rowBlocks: 9, colBlocks: 10,
} as const;

/** u32 header words of a phased kernel's uniform buffer (then the f32 scalars, then the u32 streams). */
export const PHASED_UNIFORM_HEADER = [
  ['n', 'n'], ['len', 'len'], ['nseg', 'nseg'], ['nrow', 'nrow'], ['ncol', 'ncol'], ['pad0', 'zero'], ['pad1', 'zero'], ['pad2', 'zero'],
] as const;
