// Reductions folded in f32 in the order the WGSL phased kernels fold them (src/codegen-wgsl/phased*.ts),
// for differential tests that check a device bit for bit. The interpreter's own reductions accumulate in
// float64 and round once, which no summation order on the device reproduces; with `ReduceOrder` given
// (`interpretTensors(p, {..., order})`), it folds like the kernels instead. The order depends only on
// each tensor's length and shape and on the module's constants below, never on how tensors are packed
// into chunks (tiles are numbered per tensor piece, and a tensor split over bindings that hold at least
// one tile is cut at tile multiples).
//
//   tensor (elem values)  tiles of workgroupSize * width * elemsPerInvocation elements; in a tile,
//                         invocation l folds rounds k = 0.. of element (or vec4) k * workgroupSize + l
//                         (a vec4's lanes as (x + y) + (z + w)), then a halving tree over the invocations
//                         gives the tile's partial; the tensor's partials are folded by a strided loop
//                         (partial k by invocation k mod workgroupSize) and the same tree.
//   row / col             blocks of rowBlock columns (colBlock rows), each folded in order; the blocks
//                         folded in order.
//   tensor (row/col)      the strided loop and tree over the row (column) values.
//   global                each tensor's total as above (a tensor value: itself), then the strided loop
//                         and tree over the tensors in order.
import type { ReduceFn } from './types.js';

export interface ReduceOrder {
  workgroupSize: number;
  /** Elements per invocation of the elem kernels: 4 for vec4 kernels, 1 for scalar ones. */
  width: 1 | 4;
  elemsPerInvocation: number;
  rowBlock: number;
  colBlock: number;
}

const IDENT: Record<ReduceFn, number> = { sum: 0, max: -Infinity, min: Infinity };

/** One fold of the kernels, in f32 (max and min are exact). */
export function fold32(fn: ReduceFn, a: number, b: number): number {
  return fn === 'sum' ? Math.fround(a + b) : fn === 'max' ? Math.max(a, b) : Math.min(a, b);
}

/** The workgroup's halving tree over `red` (length workgroupSize): red[l] folds red[l + s], s = wg/2 .. 1. */
function tree(fn: ReduceFn, red: number[]): number {
  for (let s = red.length >> 1; s > 0; s >>= 1) for (let l = 0; l < s; l++) red[l] = fold32(fn, red[l]!, red[l + s]!);
  return red[0]!;
}

/** Invocation l folds values l, l + wg, l + 2 wg, ... in order; then the tree. */
export function stridedTree(fn: ReduceFn, values: ArrayLike<number>, wg: number): number {
  const red = new Array<number>(wg).fill(IDENT[fn]);
  for (let k = 0; k < values.length; k++) red[k % wg] = fold32(fn, red[k % wg]!, values[k]!);
  return tree(fn, red);
}

/** A tensor's elem values folded as the flat elem kernel and the tensor stage fold them. */
export function foldTensor(fn: ReduceFn, x: ArrayLike<number>, o: ReduceOrder): number {
  const { workgroupSize: wg, width: w, elemsPerInvocation: e } = o;
  const round = wg * w;
  const tileElems = round * e;
  const parts: number[] = [];
  for (let base = 0; base < x.length; base += tileElems) {
    const red = new Array<number>(wg).fill(IDENT[fn]);
    for (let k = 0; k < e; k++) {
      for (let l = 0; l < wg; l++) {
        const li = base + k * round + l * w;
        if (li >= x.length) continue;
        if (w === 1) { red[l] = fold32(fn, red[l]!, x[li]!); continue; }
        const m = [0, 1, 2, 3].map((j) => (li + j < x.length ? x[li + j]! : IDENT[fn]));
        red[l] = fold32(fn, red[l]!, fold32(fn, fold32(fn, m[0]!, m[1]!), fold32(fn, m[2]!, m[3]!)));
      }
    }
    parts.push(tree(fn, red));
  }
  return stridedTree(fn, parts, wg);
}

/** Row (or column) folds of elem values on the [rows, cols] view, in blocks, as the line kernels fold them. */
export function foldLines(fn: ReduceFn, x: ArrayLike<number>, rows: number, cols: number, over: 'row' | 'col', o: ReduceOrder): Float32Array {
  const byRow = over === 'row';
  const [lines, len, block] = byRow ? [rows, cols, o.rowBlock] : [cols, rows, o.colBlock];
  const out = new Float32Array(lines);
  for (let q = 0; q < lines; q++) {
    let total = IDENT[fn];
    for (let k0 = 0; k0 < len; k0 += block) {
      let part = IDENT[fn];
      for (let k = k0; k < Math.min(len, k0 + block); k++) part = fold32(fn, part, x[byRow ? q * cols + k : k * cols + q]!);
      total = fold32(fn, total, part);
    }
    out[q] = total;
  }
  return out;
}

/** A fold along one line, in order (a column value summed along a row: the tensor stage's loop). */
export function foldInOrder(fn: ReduceFn, n: number, at: (k: number) => number): number {
  let a = IDENT[fn];
  for (let k = 0; k < n; k++) a = fold32(fn, a, at(k));
  return a;
}
