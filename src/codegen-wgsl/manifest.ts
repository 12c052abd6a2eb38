// What the runtime receives: plain data, no IR. Everything needed to allocate buffers, compute uniforms
// on the host each step, build pipelines and dispatch them.
import { hashProgram } from '../ir/hash.js';
import { paramFormat, type Inst, type MatrixSchedule, type MatShape, type Program, type Space, type StateFormat } from '../ir/types.js';
import type { ReduceFn, ReduceOver } from '../ir/types.js';
import { GRID_X } from './wgsl.js';

export type { HostProgram, UniformLayout, UniformField, UniformSource } from '../host/index.js';
import type { HostProgram, UniformLayout } from '../host/index.js';

/**
 * `flag`: the one-word skip flag of the non-finite guard. A compressed state binds `state` (u32 code
 * words) and `scales` (f32 per block); `lanes` counts the real elements of each 64-element group;
 * `origins` gives each 64-element group its tensor id and the in-tensor index of its first element
 * (stochastic rounding keys its random bits by those). An f16/bf16 parameter binds `param` as u32 words.
 */
export type BindingKind = 'uniform' | 'param' | 'input' | 'state' | 'temp' | 'flag' | 'scales' | 'lanes' | 'origins'
  // phased modules (below): tables, per-group scalars, reduction buffers, small states
  | 'segments' | 'tensors' | 'gscalars' | 'partials' | 'result' | 'totals' | 'small' | 'oldsmall'
  // rank-1 q4u states (rank1.ts): the state's scales [stored | new maxima], its per-chunk lookup table
  | 'r1scales' | 'r1table'
  // matrix stage kernels (matrix-kernels.ts): a buffer by its plan key (`p`, `in:g`, `st:L`, `t12`, `#steps`)
  | 'matrix';

export interface BindingSpec {
  binding: number;
  kind: BindingKind;
  /** Param: 'p'; input: 'g' or an extra input; state: the state's name; temp: 't<id>'. */
  name: string;
  access: 'read' | 'read_write';
}

export interface KernelSpec {
  name: string;
  wgsl: string;
  entryPoint: string;
  workgroupSize: number;
  /** Work items (vec4s) each invocation handles in turn; 1 when absent. The grid covers n / (workgroupSize × this). */
  itemsPerInvocation?: number;
  bindings: BindingSpec[];
  /**
   * Dispatched once per step rather than once per chunk: one invocation per scale slot of this rank-1
   * state (rank1.ts). Modules with such kernels run kernel-major: every chunk's dispatch of one kernel
   * before any of the next.
   */
  scalesOf?: string;
}

export interface KernelModule {
  name: string;
  doc?: string;
  /** Structural hash of the program plus every codegen option: the pipeline cache key. */
  key: string;
  /** `hashProgram` of the compiled program: checkpoints name the program they belong to. */
  programHash: string;
  hypers: { name: string; default: number; doc?: string }[];
  /** `space`: absent for per-element states; tensor/row/col states live in phased modules, step states on the host. */
  states: { name: string; format: StateFormat; space?: Space; shape?: MatShape; doc?: string }[];
  /** How the parameter is stored; absent = f32 (4 bytes per element). */
  param?: StateFormat;
  /** Programs with reductions or per-tensor/row/column values: the stage plan the runtime dispatches. */
  phased?: PhasedInfo;
  /** Matrix programs: their matrix stages, which kernels are specialized from per tensor shape (matrix-module.ts). */
  matrix?: MatrixInfo;
  /** The rule for tensors that are not matrices (`fallback NAME { }`), compiled on its own; hypers `NAME.h`. */
  fallback?: { name: string; module: KernelModule };
  /** Named entry points (`update perturb { }`), each compiled on its own over the same tensors. */
  entries?: Record<string, KernelModule>;
  /** Per-element inputs; 'g' first. */
  inputs: string[];
  host: HostProgram;
  uniforms: UniformLayout;
  /** Elementwise temporaries passed between kernels (unfused schedules only). */
  temps: string[];
  /**
   * Kernels by vector width. `4` exists when the schedule vectorizes; it needs every bound buffer padded
   * to a multiple of 16 bytes. `1` exists (so unpadded buffers a caller owns still work) unless a state is
   * compressed: those kernels pack 4 elements per invocation.
   */
  variants: { 1?: KernelSpec[]; 4?: KernelSpec[] };
  /** The first kernel of each variant is the non-finite guard's check. */
  guard: boolean;
}

/**
 * The matrix stages of a module (docs/matrix.md, "On the GPU"). A stage's sizes are WGSL constants, so its
 * kernel is generated when the module is bound to a tensor of known shape (`matrixStageKernels`); what it
 * is generated from travels here as plain data.
 */
export interface MatrixInfo {
  /** The program's instructions, which kernels inline. */
  insts: Inst[];
  schedule: MatrixSchedule;
  /** Step value -> index of its 4-byte field in the uniform layout (finite constants are spelled inline). */
  stepField: Record<number, number>;
  /** Random stream operand -> index of its u32 field. */
  streamField: Record<number, number>;
  /** The host-decided conditions as host-program values: bit k of the variant index is `conds[k] != 0`. */
  conds: number[];
  /** With stochastically rounded stores: the u32 field holding t, their random stream. */
  srField?: number;
  /** Where a stage must hide an operand from the driver (values.ts `hidesOperand`): a u32 field holding 0. */
  zeroField?: number;
}

// ---- phased modules (phased.ts): the dispatch order, the buffers beside the per-chunk tensors, and the
// layout of the two tables the runtime fills in.
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

/** The kernels that run on buffers this runtime allocates (vec4 when there are any; none in a matrix module). */
export function kernelsOf(m: KernelModule): KernelSpec[] {
  return m.variants[4] ?? m.variants[1] ?? [];
}

/**
 * `groups` workgroups as an (x, y) grid: past `maxX` (the per-dimension limit) or GRID_X, whichever is
 * smaller, they spill into y. Kernels index spilled grids with GRID_X as the row stride (wgsl.ts).
 */
export function spillGrid(groups: number, maxX: number): [number, number] {
  const x = Math.min(groups, maxX, GRID_X);
  return [x, groups === 0 ? 0 : Math.ceil(groups / x)];
}

/** Workgroups (x, y) that cover `items` work items with kernel `k`. */
export function gridFor(k: KernelSpec, items: number, maxX: number): [number, number] {
  return spillGrid(Math.ceil(items / (k.workgroupSize * (k.itemsPerInvocation ?? 1))), maxX);
}

/**
 * A module as the fused and phased generators return it: `manifestHead`, the host program and uniform
 * layout, the kernels by width, then `rest` (temporaries, the stage plan).
 */
export function moduleOf(p: Program, keyParts: readonly unknown[], h: Pick<KernelModule, 'host' | 'uniforms'>, guard: boolean,
  variants: KernelModule['variants'], rest: Partial<KernelModule> = {}): KernelModule {
  return { ...manifestHead(p, keyParts), host: h.host, uniforms: h.uniforms, temps: [], variants, guard, ...rest };
}

/**
 * The manifest fields every generator fills alike: names and docs, the declarations the runtime allocates
 * and checks against, and the pipeline cache key — the program's hash joined with `keyParts` (the schedule
 * and every codegen option that changes the WGSL).
 */
export function manifestHead(p: Program, keyParts: readonly unknown[]): Pick<KernelModule, 'name' | 'doc' | 'key' | 'programHash' | 'hypers' | 'states' | 'param' | 'inputs'> {
  const programHash = hashProgram(p);
  const param = paramFormat(p);
  return {
    name: p.name,
    ...(p.doc ? { doc: p.doc } : {}),
    key: [programHash, ...keyParts.map((k) => (typeof k === 'string' ? k : JSON.stringify(k)))].join(':'),
    programHash,
    hypers: p.hypers.map((h) => ({ name: h.name, default: h.default, ...(h.doc ? { doc: h.doc } : {}) })),
    states: p.states.map((s) => ({
      name: s.name, format: s.format, ...(s.space && s.space !== 'elem' ? { space: s.space } : {}), ...(s.shape ? { shape: s.shape } : {}), ...(s.doc ? { doc: s.doc } : {}),
    })),
    ...(param.kind !== 'f32' ? { param } : {}),
    inputs: p.inputs.map((i) => i.name),
  };
}
