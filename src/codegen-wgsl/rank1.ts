// Rank-1 normalization of q4u states (Li et al. 2023, §4.2; docs/formats.md), in every kind of step.
//
// Element e of a tensor is encoded with the min over the tensor's axes of the absmax of the *new* values
// across the other axes (rank 0 and 1: one axis of blocks). Those maxima span the whole tensor, and a
// tensor may be packed with others or split over chunks, so no workgroup sees all of them. The step
// therefore becomes three kernel-major sweeps (every chunk's dispatch of one kernel before the next
// kernel's):
//
//   rank1max   the step's kernel with every store but the rank-1 ones dropped: it recomputes the update and
//              folds |v_new| into the second half of the state's scale buffer with atomicMax on the u32
//              bits. Bits of non-negative floats order like the floats, and max is exact and
//              order-independent, so the result does not depend on scheduling.
//   main       the fused kernel: decodes the old v with the stored scales (first half), encodes the new v
//              with the new maxima (second half, flushed below 2^-90 as the CPU flushes them).
//   rank1_<s>  one dispatch per state over its scale slots: stored = flush(max), max = 0 for the next step.
//
// The old scales must stay readable until every chunk's main kernel has run, which is why the copy is a
// third sweep rather than a write in the main kernel. Unfused steps run a maxima sweep before each kernel
// that stores a rank-1 state (it reads the temporaries the kernels before it wrote); phased programs
// (src/codegen-wgsl/phased-store.ts) run the three around their last element sweep: a maxima sweep, the
// store sweep, the copy; entry points (`update NAME { }`) are steps of their own and do the same. Cursors
// work at either width: at width 1 a group is one element.
//
// Where an element finds its scales: a per-chunk, per-state table (u32 words):
//   header  [pieces, scale slots of the state (all tensors), 0, 0]
//   pieces  R1_PIECE words each, sorted by chunk offset, zero-length pieces left out:
//           [chunkOffset, tensorOffset, first axis word, axis count]
//   axes    R1_AXIS words each: [dim, stride, base]; element et of the tensor reads slot
//           base + (et / stride) % dim (formats' `rank1Layout`, with base offset by the tensor's first slot).
// Pieces start at multiples of 64 elements (LANE_GROUP), so the 4 elements of an invocation share one piece.
import type { KernelSpec } from './manifest.js';
import type { StateCodec } from './state-io.js';
import { identPart, invocationIndex } from './wgsl.js';
import { KernelText } from './kernel.js';
import { FORMATS } from '../formats/index.js';

export const R1_HEADER = 4;
export const R1_PIECE = 4;
export const R1_AXIS = 3;

/** Which sweep a fused kernel is emitted for: the maxima (`max`) or the step itself (`encode`). */
export type Rank1Pass = 'max' | 'encode';

/** WGSL names of a rank-1 state: its identifier part, codes, scales [stored | new maxima] and table. */
export const vars = (state: string) => {
  const t = identPart(state);
  return { t, codes: `st_${t}`, scales: `r1s_${t}`, table: `r1t_${t}` };
};

/**
 * WGSL helpers for one rank-1 state. An element's scale slots come from a cursor, not from dividing its
 * index: `r1_open` reads a piece's axes (in the lanes of a vec4<u32>; a tensor of fewer than 4 axes repeats
 * axis 0, which leaves the min and the maxima unchanged, and one of at most 2, `!deep`, skips lanes z and
 * w: matrices read 2 maxima per lookup, not 4) and places the cursor with one division per axis,
 * `r1_next` moves it one element on (the remainder within the stride wraps into the next slot). The
 * serial kernel carries the cursor along its tile and reopens only where a piece begins; before, four
 * divisions per element per lookup made the step 8x slower than block-wise 4-bit. Tensors of more than 4
 * axes take the dividing path (`wide`). `half` 0 reads the stored scales, the slot count the new maxima.
 * A vec4's lanes look their scales up together (`r1_scales`, `r1_decode`). In the max pass the scale
 * buffer is atomic, and it also gets `r1_max4_<s>`.
 */
export function rank1Helpers(c: StateCodec, state: string, pass: Rank1Pass): string {
  const { t, scales: S, table: T } = vars(state);
  const P = c.info.name;
  const read = (k: string) => (pass === 'max' ? `atomicLoad(&${S}[${k}])` : `${S}[${k}]`);
  const slot = (ax: string, et = 'et') => `${T}[${ax} + 2u] + (${et} / ${T}[${ax} + 1u]) % ${T}[${ax}]`;
  const lanes = ['x', 'y', 'z', 'w'];
  return `
// The axes of a piece, and where the next piece begins (the cursor reopens there).
struct R1Piece_${t} { stride: vec4<u32>, lo: vec4<u32>, hi: vec4<u32>, off: u32, end: u32, pc: u32, deep: bool, wide: bool }
// Element et's remainder within each axis's stride and its scale slot along each axis.
struct R1At_${t} { rem: vec4<u32>, slot: vec4<u32> }

// The last piece of this chunk starting at or before chunk element e.
fn r1_piece_${t}(e: u32) -> u32 {
  var lo = 0u;
  var hi = max(${T}[0], 1u) - 1u;
  loop {
    if (lo >= hi) { break; }
    let mid = (lo + hi + 1u) / 2u;
    if (${T}[${R1_HEADER}u + ${R1_PIECE}u * mid] <= e) { lo = mid; } else { hi = mid - 1u; }
  }
  return lo;
}

fn r1_open_${t}(e: u32) -> R1Piece_${t} {
  let pc = r1_piece_${t}(e);
  let r = ${R1_HEADER}u + ${R1_PIECE}u * pc;
  let n = ${T}[r + 3u];
  var ax: R1Piece_${t};
${lanes.map((l, a) => `  let w${l} = ${T}[r + 2u] + ${R1_AXIS}u * select(${a}u, 0u, ${a}u >= n);
  ax.stride.${l} = ${T}[w${l} + 1u];
  ax.lo.${l} = ${T}[w${l} + 2u];
  ax.hi.${l} = ax.lo.${l} + ${T}[w${l}];`).join('\n')}
  ax.off = ${T}[r + 1u] - ${T}[r];
  ax.end = select(0xffffffffu, ${T}[r + ${R1_PIECE}u], pc + 1u < ${T}[0]);
  ax.pc = pc;
  ax.deep = n > 2u;
  ax.wide = n > 4u;
  return ax;
}

fn r1_at_${t}(ax: R1Piece_${t}, et: u32) -> R1At_${t} {
  let q = vec4<u32>(et) / ax.stride;
  return R1At_${t}(vec4<u32>(et) - q * ax.stride, ax.lo + q % (ax.hi - ax.lo));
}

fn r1_next_${t}(ax: R1Piece_${t}, c: R1At_${t}) -> R1At_${t} {
  let rem = c.rem + vec4<u32>(1u);
  let carry = rem == ax.stride;
  let s = c.slot + select(vec4<u32>(0u), vec4<u32>(1u), carry);
  return R1At_${t}(select(rem, vec4<u32>(0u), carry), select(s, ax.lo, s == ax.hi));
}

// min over the axes; each maximum flushed as ${P}_scale flushes a block's (stored scales are already).
fn r1_scale_${t}(ax: R1Piece_${t}, s: vec4<u32>, et: u32, half: u32) -> f32 {
  if (ax.wide) { return r1_scale_wide_${t}(ax.pc, et, half); }
  return r1_fast_${t}(ax, s, half);
}

fn r1_fast_${t}(ax: R1Piece_${t}, s: vec4<u32>, half: u32) -> f32 {
  let m = min(${lanes.slice(0, 2).map((l) => `${P}_scale(bitcast<f32>(${read(`half + s.${l}`)}))`).join(', ')});
  if (!ax.deep) { return m; }
  return min(m, min(${lanes.slice(2).map((l) => `${P}_scale(bitcast<f32>(${read(`half + s.${l}`)}))`).join(', ')}));
}

// The lanes of a located vec4 (slots s0..s3). The dividing path runs in a loop whose trip count the
// compiler cannot see (table word 2 is 0): unrolled, its 4 copies per use made lavapipe take 3x longer to
// compile a rank-1 kernel (adamw4bit_rank1: 27 s instead of 9).
fn r1_scales_${t}(ax: R1Piece_${t}, s0: vec4<u32>, s1: vec4<u32>, s2: vec4<u32>, s3: vec4<u32>, et: u32, half: u32) -> vec4<f32> {
  if (ax.wide) {
    var r: vec4<f32>;
    for (var k = 0u; k < 4u + ${T}[2]; k++) { r[k] = r1_scale_wide_${t}(ax.pc, et + k, half); }
    return r;
  }
  return vec4<f32>(r1_fast_${t}(ax, s0, half), r1_fast_${t}(ax, s1, half), r1_fast_${t}(ax, s2, half), r1_fast_${t}(ax, s3, half));
}

fn r1_decode_${t}(word: u32, base: u32, s: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(${[0, 1, 2, 3].map((k) => `${P}_decode(word, base + ${k}u, s[${k}])`).join(', ')});
}

fn r1_scale_wide_${t}(pc: u32, et: u32, half: u32) -> f32 {
  let r = ${R1_HEADER}u + ${R1_PIECE}u * pc;
  let a0 = ${T}[r + 2u];
  var s = ${P}_scale(bitcast<f32>(${read(`half + ${slot('a0')}`)}));
  for (var a = 1u; a < ${T}[r + 3u]; a++) {
    let ax = a0 + ${R1_AXIS}u * a;
    s = min(s, ${P}_scale(bitcast<f32>(${read(`half + ${slot('ax')}`)})));
  }
  return s;
}
${pass === 'max' ? `
// Folds |x| (as u32 bits: non-negative floats order like their bits) into maximum k. Most elements are
// below the maximum already; the plain load spares them the atomic.
fn r1_fold_${t}(k: u32, bits: u32) {
  if (bits > atomicLoad(&${S}[k])) { atomicMax(&${S}[k], bits); }
}

// Folds the valid lanes of a located vec4 into every axis maximum of their elements.
fn r1_max4_${t}(ax: R1Piece_${t}, s0: vec4<u32>, s1: vec4<u32>, s2: vec4<u32>, s3: vec4<u32>, et: u32, bits: vec4<u32>, valid: vec4<bool>) {
  let h = ${T}[1];
  if (ax.wide) {
    let r = ${R1_HEADER}u + ${R1_PIECE}u * ax.pc;
    for (var k = 0u; k < 4u + ${T}[2]; k++) {
      for (var a = 0u; a < ${T}[r + 3u] && valid[k]; a++) {
        let w = ${T}[r + 2u] + ${R1_AXIS}u * a;
        r1_fold_${t}(h + ${slot('w', '(et + k)')}, bits[k]);
      }
    }
    return;
  }
${[0, 1, 2, 3].map((k) => `  if (valid[${k}]) {
${lanes.slice(0, 2).map((l) => `    r1_fold_${t}(h + s${k}.${l}, bits[${k}]);`).join('\n')}
    if (ax.deep) { ${lanes.slice(2).map((l) => `r1_fold_${t}(h + s${k}.${l}, bits[${k}]);`).join(' ')} }
  }`).join('\n')}
}
` : ''}`;
}

/**
 * Statements locating chunk elements w*j .. w*j+w-1 (`width` w: 4, or 1 in scalar kernels) in their
 * tensor: the piece, the element index `r1et` of the first, and each lane's slots `r1sl<k>`. `decl` goes
 * before a walk over consecutive groups (a zero `end` opens the cursor at the first), `each` inside it;
 * the cursor moves on by the w elements. With `open`, `decl` opens it at group j, for one group on its own
 * (phased kernels, whose loops jump between groups; a `var` without initializer inside a loop is not reset
 * each iteration on every compiler: found in a phased norm sweep, whose second round kept the first's cursor).
 */
export function rank1Locate(state: string, j: string, width: 1 | 4 = 4, open = false): { decl: string[]; each: string[] } {
  const { t } = vars(state);
  const ax = `r1ax_${t}`, cur = `r1c_${t}`;
  return {
    decl: open ? [`  var ${ax} = r1_open_${t}(${j} * ${width}u);`, `  var ${cur} = r1_at_${t}(${ax}, ${j} * ${width}u + ${ax}.off);`]
      : [`  var ${ax}: R1Piece_${t};`, `  var ${cur}: R1At_${t};`],
    each: [
      `  let r1e0_${t} = ${j} * ${width}u;`,
      `  if (r1e0_${t} >= ${ax}.end) { ${ax} = r1_open_${t}(r1e0_${t}); ${cur} = r1_at_${t}(${ax}, r1e0_${t} + ${ax}.off); }`,
      `  let r1et_${t} = r1e0_${t} + ${ax}.off;`,
      `  let r1sl0_${t} = ${cur}.slot;`,
      ...Array.from({ length: width }, (_, n) => n + 1).flatMap((k) => [`  ${k === 1 ? 'var ' : ''}r1n_${t} = r1_next_${t}(${ax}, ${k === 1 ? cur : `r1n_${t}`});`, ...(k < width ? [`  let r1sl${k}_${t} = r1n_${t}.slot;`] : [])]),
      `  ${cur} = r1n_${t};`,
    ],
  };
}

/** The slots of the located vec4's lanes, as the per-vec4 helpers take them. */
const slots4 = (t: string) => `r1ax_${t}, ${[0, 1, 2, 3].map((k) => `r1sl${k}_${t}`).join(', ')}, r1et_${t}`;

/**
 * Decoding with the stored scales: at width 4 the located vec4 `j` (a vec4<f32>), at width 1 element `j`,
 * lane `lane` of the located group (an f32).
 */
export function rank1Decode(c: StateCodec, state: string, j: string, width: 1 | 4 = 4, lane = 0): string {
  const v = vars(state);
  const P = c.info.name;
  if (width === 1) return `${P}_decode(${v.codes}[${j} / 8u], ${j} % 8u, r1_scale_${v.t}(r1ax_${v.t}, r1sl${lane}_${v.t}, r1et_${v.t} + ${lane}u, 0u))`;
  return `r1_decode_${v.t}(${v.codes}[${j} / 2u], (${j} % 2u) * 4u, r1_scales_${v.t}(${slots4(v.t)}, 0u))`;
}

/** A statement naming the new scales (the maxima) of the located vec4's lanes, `r1new_<s>`, for rank1EncodeLane. */
export function rank1NewScales(state: string): string {
  const v = vars(state);
  return `  let r1new_${v.t} = r1_scales_${v.t}(${slots4(v.t)}, ${v.table}[1]);`;
}

/** Lane k's code of `x_<state>` with the new maxima (`rank1NewScales`). */
export function rank1EncodeLane(c: StateCodec, state: string): (k: number) => string {
  const { t } = vars(state);
  return (k) => `${c.info.name}_encode(x_${t}[${k}], r1new_${t}[${k}])`;
}

/** Statements folding the valid lanes of the vec4 `x` into the new maxima (the max pass). */
export function rank1Max(state: string, x: string): string[] {
  const { t } = vars(state);
  return [`  let x_${t} = select(vec4<f32>(0.0), ${x}, valid);`, `  r1_max4_${t}(${slots4(t)}, bitcast<vec4<u32>>(abs(x_${t})), valid);`];
}

const FINALIZE_WG = 64;

/**
 * The third sweep for one state: one invocation per scale slot (every tensor's), dispatched once per
 * step over `scalesOf`'s slots. Skipped steps (the guard) leave both halves as they are: the max pass
 * folded nothing.
 */
export function rank1FinalizeKernel(optimizer: string, c: StateCodec, state: string, guard: boolean): KernelSpec {
  const v = vars(state);
  const P = c.info.name;
  const t = new KernelText();
  t.bind('r1scales', state, v.scales, 'u32', true);
  t.bind('r1table', state, v.table, 'u32');
  if (guard) t.bind('flag', 'skip', 'skip', 'u32');
  const body = [
    `  let i = ${invocationIndex(FINALIZE_WG)};`,
    `  let n = ${v.table}[1];`,
    `  if (i >= n${guard ? ' || skip[0] != 0u' : ''}) { return; }`,
    `  ${v.scales}[i] = bitcast<u32>(${P}_scale(bitcast<f32>(${v.scales}[n + i])));`,
    `  ${v.scales}[n + i] = 0u;`,
  ];
  const title = `kernel rank1_${v.t} (stored scales = flushed new maxima; maxima = 0)`;
  // The format's library, declared with the bindings (the kernel has no helpers of its own).
  const k = t.assemble(optimizer, `rank1_${v.t}`, { title, wg: FINALIZE_WG, decls: [FORMATS[P].wgsl().replace(/\n$/, '')], body });
  return { ...k, scalesOf: state };
}
