// The store sweep of a phased program with compressed state or an f16/bf16 parameter: the last element
// sweep's stores, written through the storage table's serial lowering (state-io.ts `storeAll`, `tileWalks`),
// as the fused serial-block kernel writes them.
//
// Each invocation owns a tile of whole blocks (`storeTile`: the largest block of the program's formats, at
// least one LANE_GROUP) and walks it twice, as the fused serial kernel does: the first walk folds each
// block's absmax of the new values, the second recomputes them, writes f32 targets and encodes the
// compressed ones; scales are written last, since the second walk still decodes the old codes with the
// old scales. Tensors start at multiples of the tile (the runtime aligns them to every block and to
// LANE_GROUP), so a tile lies in one tensor: its id and in-tensor index come from the per-64-element
// `origins` table, its rows, columns and row/column bases from the tensor table, and reduction results,
// small states, `dim` and `rand` read through the same loads as every other phased kernel.
//
// Programs with row or column values (or compiled without vectorization) run at width 1: a vec4 may
// straddle rows, so each of its 4 lanes is computed on its own (in a block of its own, with its own `i`, `ti`, `r`, `c`) and the lanes meet in a
// vec4 for the encoder. Elements past a tensor's end (padding lanes) are computed but never written:
// codes there are 0, as the CPU quantizer pads, and f32 targets keep what they hold.
import { TEN, TENSOR_HEADER, TENSOR_STRIDE, type KernelSpec, type UniformLayout } from './manifest.js';
import { rank1Locate, type Rank1Pass } from './rank1.js';
import { KernelText } from './kernel.js';
import { assemble, emitRoots, phasedScope, type Plan } from './phased-kernel.js';
import { LANE_GROUP, storeAll, tileWalks, validLanes } from './state-io.js';
import { storedExpr } from './values.js';
import { identPart, invocationIndex, SCALAR, VEC4, type VecTypes } from './wgsl.js';

/** Invocations per workgroup of a store sweep (as the fused serial-block kernel). */
export const STORE_WORKGROUP = 64;

/** Elements per invocation of the store sweep: whole blocks of every format, whole LANE_GROUPs. */
export function storeTile(plan: Plan): number {
  return Math.max(LANE_GROUP, ...[...plan.codecs.values()].map((c) => c.block ?? 0));
}

/**
 * The store sweep (`pass` 'encode'), or for rank-1 states the maxima sweep before it (`pass` 'max': the
 * same values, folded into each rank-1 state's new maxima with atomicMax, nothing stored; rank1.ts).
 */
export function storeKernel(plan: Plan, si: number, allStores: string[], v: VecTypes, uniforms: UniformLayout, pass: Rank1Pass = 'encode'): KernelSpec {
  const stores = pass === 'max' ? allStores.filter((x) => plan.codecs.get(x)?.rank1) : allStores;
  const t = new KernelText();
  const ten = t.bind('tensors', 'ten', 'ten', 'u32');
  t.bind('lanes', 'lanes', 'lanes', 'u32');
  t.bind('origins', 'origins', 'origins', 'u32');
  const tile = storeTile(plan);
  const { storeValue } = plan;
  const stage = plan.stages[si]!.at;
  const y = (target: string) => `y_${identPart(target)}`;

  // The new values of the targets as vec4s `y_<target>` of vec4 j: at width 4 one vec4 scope, at width 1
  // four scalar lanes.
  const values: string[] = [];
  const roots = stores.map((x) => storeValue.get(x)!);
  // Rank-1 targets find their scales (decoding, encoding, maxima) through a cursor each walk carries along
  // the tile (rank1.ts); the scalar lanes k decode with its lane k.
  const located = stores.filter((x) => plan.codecs.get(x)?.rank1);
  const cursors = located.map((x) => rank1Locate(x, 'j'));
  located.forEach((x, k) => { t.bindRank1(x, plan.codecs.get(x)!, pass); values.push(...cursors[k]!.each); });
  if (v === VEC4) {
    const scope = phasedScope(t, plan, stage, VEC4, '  ');
    for (const x of located) scope.located.set(x, 0);
    emitRoots(scope, roots);
    values.push('  let i = j;', '  let ti = tiv;', ...scope.out, ...stores.map((x) => `  let ${y(x)} = ${storedExpr(scope, storeValue.get(x)!)};`));
  } else {
    values.push(...stores.map((x) => `  var ${y(x)}: vec4<f32>;`));
    for (let k = 0; k < 4; k++) {
      const scope = phasedScope(t, plan, stage, SCALAR, '    ');
      for (const x of located) scope.located.set(x, k);
      emitRoots(scope, roots);
      values.push('  {', `    let i = e0 + ${k}u;`, `    let ti = tiv + ${k}u;`, '    let r = ti / max(cols, 1u);', '    let c = ti % max(cols, 1u);',
        ...scope.out, ...stores.map((x) => `    ${y(x)}[${k}] = ${storedExpr(scope, storeValue.get(x)!)};`), '  }');
    }
  }

  // Stochastic rounding keys lane k's bits by tensor id and in-tensor index, as srBits does on the CPU.
  const origin: [string, string] = ['tns', 'tiv'];
  const plain = (buf: string, x: string) => (v === VEC4 ? `  if (any(valid)) { ${buf}[j] = ${x}; }`
    : `  for (var k = 0u; k < 4u; k++) { if (valid[k]) { ${buf}[e0 + k] = ${x}[k]; } }`);
  const { lines, serial } = storeAll(t, plan, stores, y, pass === 'max' ? { kind: 'max', origin } : { kind: 'serial', origin, tile, count: 'n4' }, plain, v.f);
  const T = (f: keyof typeof TEN) => `${ten}[tb + ${TEN[f]}u]`;
  const head = [
    // The tile's tensor: the first element of the tile starts a 64-element group.
    `  let og = (j0 * 4u) / ${LANE_GROUP}u;`,
    '  let tns = origins[2u * og];',
    '  let ti0 = origins[2u * og + 1u];',
    `  let tb = ${TENSOR_HEADER}u + tns * ${TENSOR_STRIDE}u;`,
    ...(['rows', 'cols', 'rowBase', 'colBase'] as const).map((f) => `  let ${f} = ${T(f)};`),
  ];
  const each = ['  let e0 = j * 4u;', `  let valid = ${validLanes('e0')};`, '  let tiv = ti0 + (j - j0) * 4u;', ...values];
  const body = [`  let inv = ${invocationIndex(STORE_WORKGROUP)};`, '  let n4 = (u.len + 3u) / 4u;',
    ...tileWalks({ index: 'inv', per: tile / 4, count: 'n4', head, each, serial, writes: lines, cursors: cursors.flatMap((at) => at.decl) })];
  return assemble(plan, pass === 'max' ? `s${si}_rank1max` : `s${si}_store`, t, uniforms, body, 0, STORE_WORKGROUP);
}
