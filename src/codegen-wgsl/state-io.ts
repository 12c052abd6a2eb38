// State storage, the table every kernel reads and writes through (`loadState`, `storeAll`): plain f32,
// block-scaled or 16-bit codes (stochastic rounding included; an f16/bf16 parameter is one more coded
// tensor, `p`), and rank-1 q4u (rank1.ts), written cooperatively or serially.
//
// Cooperative (fused kernels with blockAbsmax 'workgroup'): each invocation owns 4 consecutive elements (one
// vec4). A scaled format needs its block's absmax before it can write a code, so the invocations of a block
// meet in workgroup memory: blocks never straddle a workgroup (the workgroup covers 4 * WG elements, a
// multiple of every block size), and every read of a state happens before the first barrier, so rewriting
// a word another invocation read is safe. Serial (`serialStore`): one invocation owns a tile of whole blocks.
import { FORMATS, wgslLibrary, type FormatInfo, type FormatName } from '../formats/index.js';
import { wgslF32, wgslU32 } from '../formats/wgsl.js';
import { srDraw } from '../ir/rng.js';
import { paramFormat, type Program, type StateFormat, type ValueId } from '../ir/types.js';
import type { KernelText } from './kernel.js';
import { rank1Decode, rank1EncodeLane, rank1Max, rank1NewScales, type Rank1Pass } from './rank1.js';
import { identPart, tree, VEC4, type VecTypes } from './wgsl.js';
import { SR_FIELD } from './host.js';

/** Elements per group of the `lanes` table (valid-element counts); tensors start at multiples of it. */
export const LANE_GROUP = 64;

export interface StateCodec {
  info: FormatInfo;
  /** Elements per scale (scaled formats; absent with rank-1 normalization, whose scales rank1.ts handles). */
  block?: number;
  /** Rank-1 normalization (q4u): the block of rank-0/1 tensors (src/codegen-wgsl/rank1.ts). */
  rank1?: { block: number };
}

export function codecOf(f: StateFormat): StateCodec | undefined {
  if (f.kind === 'f32') return undefined;
  const info = FORMATS[f.kind];
  if (f.rank1) return { info, rank1: { block: f.block ?? info.blockSize! } };
  return { info, ...(info.blockSize ? { block: f.block ?? info.blockSize } : {}) };
}

/** How a module stores its tensors, which every kernel of it reads and writes through. */
export interface Storage {
  /** Coded tensors by name: compressed elem states, and an f16/bf16 parameter under the name `p`. */
  codecs: Map<string, StateCodec>;
  /** Store targets that round stochastically, with their srDraw. */
  sr: Map<string, number>;
  /** The value each store target receives. */
  storeValue: Map<string, ValueId>;
}

export function storagePlan(p: Program): Storage {
  const codecs = new Map<string, StateCodec>();
  for (const s of p.states) { const c = codecOf(s.format); if (c && (s.space ?? 'elem') === 'elem') codecs.set(s.name, c); }
  const pc = codecOf(paramFormat(p));
  if (pc) codecs.set('p', pc);
  const formatOf = (target: string) => (target === 'p' ? paramFormat(p) : p.states.find((s) => s.name === target)!.format);
  const sr = new Map(p.stores.filter((st) => formatOf(st.target).rounding === 'stochastic').map((st) => [st.target, srDraw(st.target)]));
  return { codecs, sr, storeValue: new Map(p.stores.map((s) => [s.target, s.value])) };
}

/**
 * WGSL declarations (tables, encode/decode functions) for the formats a kernel uses. Code tables live in
 * workgroup memory, copied from `const` arrays once per workgroup (`fillTables`): indexing a `const` array
 * with a runtime value makes some compilers (lavapipe's among them) materialize the whole array in every
 * invocation, and the quantizer's binary search indexes it 8 times per element.
 */
export function formatLibrary(codecs: StateCodec[], tables: 'workgroup' | 'const' = 'workgroup'): string {
  const names = [...new Set(codecs.map((c) => c.info.name))] as FormatName[];
  // Serial-block kernels have no barrier to fill workgroup memory behind; lavapipe measured no difference.
  if (tables === 'const') return wgslLibrary(names);
  const decls = codeTables(codecs).flatMap(([name, values]) => [
    `const ${name}_C = array<f32, ${values.length}>(${Array.from(values, wgslF32).join(', ')});`,
    `var<workgroup> ${name}: array<f32, ${values.length}>;`,
  ]);
  return [...decls, wgslLibrary(names, { tables: 'external' })].join('\n');
}

/** The code tables (values, then midpoints) of the formats of `codecs` that have them, by WGSL name. */
function codeTables(codecs: StateCodec[]): [string, ArrayLike<number>][] {
  return [...new Set(codecs.map((c) => c.info.name))].flatMap((n) => {
    const info = FORMATS[n];
    return info.table ? [[`${n}_TABLE`, info.table], [`${n}_MIDS`, info.midpoints!]] as [string, ArrayLike<number>][] : [];
  });
}

/** Statements copying the code tables into workgroup memory; a barrier follows. */
export function fillTables(codecs: StateCodec[], wg: number): string[] {
  const out = codeTables(codecs).map(([name, values]) => `  for (var k = lid; k < ${values.length}u; k += ${wg}u) { ${name}[k] = ${name}_C[k]; }`);
  return out.length ? [...out, '  workgroupBarrier();'] : [];
}

/** A vec4<f32> expression decoding elements 4j..4j+3 of a compressed state from its `codes` and `scales` buffers. */
export function decodeVec4(c: StateCodec, codes: string, scales: string, j: string): string {
  const P = c.info.name;
  const bits = c.info.bitsPerElement;
  const scale = c.block ? `, ${scales}[(${j} * 4u) / ${c.block}u]` : '';
  // 16-bit: two words per vec4; 8-bit: one; 4-bit: two invocations share a word, the odd one owns lanes 4..7.
  const word = (k: number) => (bits === 16 ? `${codes}[2u * ${j}${k < 2 ? '' : ' + 1u'}]` : bits === 8 ? `${codes}[${j}]` : `${codes}[${j} / 2u]`);
  const lane = (k: number) => (bits === 16 ? `${k % 2}u` : bits === 8 ? `${k}u` : `((${j} % 2u) * 4u) + ${k}u`);
  return `vec4<f32>(${[0, 1, 2, 3].map((k) => `${P}_decode(${word(k)}, ${lane(k)}${scale})`).join(', ')})`;
}

/**
 * Lane k's code of `x_<target>`, 0 for a padding lane: rank-1 with the new maxima (rank1.ts), stochastic
 * when `rand` is given, else with `enc`.
 */
function laneCode(c: StateCodec, target: string, enc: string, rand?: (lane: number) => string): (k: number) => string {
  const P = c.info.name, xv = `x_${identPart(target)}`;
  const custom = c.rank1 ? rank1EncodeLane(c, target) : undefined;
  return (k) => `select(0u, ${custom ? custom(k) : rand ? `${P}_encode_sr(${xv}[${k}], ${rand(k)})` : `${P}_encode(${xv}[${k}]${enc})`}, valid[${k}])`;
}

/**
 * A u32 word packing the codes of `lanes` (indices into the vec4) in order: lane slots 0, 1, … of the word,
 * or, with `base` (4-bit: `(j % 2) * 4 + `), slots base + k.
 */
function packedWord(P: string, code: (k: number) => string, lanes: number[], base = ''): string {
  return lanes.reduce((w, k, n) => `${P}_pack(${w}, ${base}${base ? k : n}u, ${code(k)})`, '0u');
}

/** Statements writing the codes of vec4 `j` in 16- or 8-bit words (two vec4s share a 4-bit word: see the callers). */
function codeWords(P: string, bits: number, code: (k: number) => string, codes: string, j: string): string[] {
  if (bits === 8) return [`${codes}[${j}] = ${packedWord(P, code, [0, 1, 2, 3])};`];
  return [`${codes}[2u * ${j}] = ${packedWord(P, code, [0, 1])};`, `${codes}[2u * ${j} + 1u] = ${packedWord(P, code, [2, 3])};`];
}

/** A coded store, as lines for each part of its kernel (a cooperative one has only `encode`). */
export interface SerialStore {
  /** Before both walks: the per-block absmax accumulators (and the 4-bit word being assembled). */
  decl: string[];
  /** First walk, per vec4 `j`: fold the new value into its block's absmax. */
  absmax: string[];
  /** Between the walks. */
  mid: string[];
  /** Second walk, per vec4 `j`: encode and write the codes. */
  encode: string[];
  /** After the second walk: write each block's scale. */
  finish: string[];
}

/**
 * Encoding of the vec4 `x` into a coded state. Padding lanes (`valid` false) count as 0 for the absmax and
 * are written as code 0, as the CPU quantizer pads; a rank-1 state encodes with its new maxima (rank1.ts):
 * no absmax. `rand(k)`: lane k's u32 for stochastic rounding (f16/bf16 only); absent: round to nearest even.
 * - Serial (`tile` > 0): `x` is elements 4j..4j+3 of the tile of vec4s j0..j1 (`tile` elements, a multiple
 *   of the block) that this invocation owns alone, so nothing waits. `count`: the chunk's vec4s.
 * - Cooperative (`tile` 0): `x` is vec4 `i`; the invocations of a block meet in workgroup memory (`red0`,
 *   and `pk` for a 4-bit word two of them share). Runs in uniform control flow (it contains barriers);
 *   `live` says whether this invocation's elements exist.
 */
export function serialStore(c: StateCodec, x: string, codes: string, scales: string, target: string, tile: number, rand?: (lane: number) => string, count = 'u.n'): SerialStore {
  const tag = identPart(target);
  const P = c.info.name;
  const bits = c.info.bitsPerElement;
  const xv = `x_${tag}`, a4 = `a4_${tag}`, am = `amax_${tag}`;
  const decl: string[] = [], absmax: string[] = [], mid: string[] = [], encode: string[] = [], finish: string[] = [];
  const value = `  let ${xv} = select(vec4<f32>(0.0), ${x}, valid);`;
  const vecMax = `max(max(${a4}.x, ${a4}.y), max(${a4}.z, ${a4}.w))`;
  if (!c.block) encode.push(value, ...(c.rank1 ? [rank1NewScales(target)] : []));
  else if (!tile) {
    // Block absmax: a tree over the block's B/4 invocations, in a fixed order (deterministic).
    const seg = c.block / 4;
    encode.push(value, `  let ${a4} = abs(${xv});`, ...tree(seg, ['max'], [vecMax], [], '0u', '', seg), `  let ${am} = red0[lid - lid % ${seg}u];`);
    encode.push('  workgroupBarrier();', `  let enc_${tag} = ${P}_encoder(${am});`);
    encode.push(`  if (live && lid % ${seg}u == 0u) { ${scales}[(i * 4u) / ${c.block}u] = ${P}_scale(${am}); }`);
  } else {
    const per = tile / c.block;
    // One accumulator per block of the tile; an array only when the tile holds several of this state's blocks.
    const slot = per > 1 ? `${am}[((j - j0) * 4u) / ${c.block}u]` : am;
    decl.push(per > 1 ? `  var ${am}: array<f32, ${per}>;` : `  var ${am} = 0.0;`);
    absmax.push(value, `  let ${a4} = abs(${xv});`, `  ${slot} = max(${slot}, ${vecMax});`);
    encode.push(value);
    // FP8's encoder divides (exactly, in software): once per tile when the tile is one block.
    (per > 1 ? encode : mid).push(`  let enc_${tag} = ${P}_encoder(${slot});`);
    const first = `(j0 * 4u) / ${c.block}u`;
    finish.push(per > 1
      ? `  for (var s = 0u; s < ${per}u && j0 + s * ${c.block / 4}u < ${count}; s++) { ${scales}[${first} + s] = ${P}_scale(${am}[s]); }`
      : `  ${scales}[${first}] = ${P}_scale(${am});`);
  }
  const code = laneCode(c, target, c.block ? `, enc_${tag}` : '', rand);
  const j = tile ? 'j' : 'i', w = `word_${tag}`;
  if (bits !== 4) {
    const words = codeWords(P, bits, code, codes, j);
    encode.push(...(tile ? words.map((l) => `  ${l}`) : ['  if (live) {', ...words.map((l) => `    ${l}`), '  }']));
  } else if (!tile) {
    encode.push(`  pk[lid] = select(0u, ${packedWord(P, code, [0, 1, 2, 3], '(i % 2u) * 4u + ')}, live);`, '  workgroupBarrier();');
    encode.push(`  if (live && i % 2u == 0u) { ${codes}[i / 2u] = pk[lid] | pk[lid + 1u]; }`, '  workgroupBarrier();');
  } else {
    // Two vec4s share a word: the even one's codes wait in a variable until the odd one (or the tile's
    // end) writes the word, after both have decoded the old codes from it.
    decl.push(`  var ${w} = 0u;`);
    encode.push(`  ${w} = select(${w}, 0u, j % 2u == 0u) | ${packedWord(P, code, [0, 1, 2, 3], '(j % 2u) * 4u + ')};`);
    encode.push(`  if (j % 2u == 1u || j + 1u == j1) { ${codes}[j / 2u] = ${w}; }`);
  }
  return { decl, absmax, mid, encode, finish };
}

/**
 * The storage table, loads: the value before the step of an elem state or of `p` at `index` (an element,
 * or a vec4 at width 4): f32 as stored, or decoded. A rank-1 state decodes with the scales of a cursor
 * that `locate` places first (rank1.ts), its bindings for the kernel's `pass`; `locate` returns the lane
 * of the cursor that `index` is (width 1).
 */
export function loadState(t: KernelText, codecs: Map<string, StateCodec>, target: string, v: VecTypes, index: string, pass: Rank1Pass, locate?: () => number): string {
  const codec = codecs.get(target);
  const buf = t.tensor(target, codec ? 'u32' : v.f);
  if (!codec) return `${buf}[${index}]`;
  t.codecs.add(codec);
  if (codec.rank1) {
    t.bindRank1(target, codec, pass);
    const lane = locate?.() ?? 0;
    return rank1Decode(codec, target, index, v === VEC4 ? 4 : 1, lane);
  }
  const scales = t.scales(target, codec);
  return v === VEC4 ? decodeVec4(codec, buf, scales, index) : decodeScalar(codec, buf, scales, index);
}

/**
 * How a kernel writes a coded state: `coop`, the invocations of a block meeting in workgroup memory; `serial`,
 * one invocation per `tile` of whole blocks (`count`: the chunk's vec4s); `max`, the rank-1 maxima sweep.
 * `origin`: the tensor id and in-tensor index of lane 0, which stochastic rounding keys its bits by.
 */
export type StoreMode = { kind: 'coop' | 'max'; origin: [string, string] } | { kind: 'serial'; origin: [string, string]; tile: number; count?: string };

/**
 * The storage table, stores: lines writing each of `targets` (new value `x(target)`), an f32 one through
 * `plain(buffer, x)`, a coded one in `mode` (a serial store's parts around its walks go to `serial`).
 */
export function storeAll(t: KernelText, s: Storage, targets: string[], x: (target: string) => string, mode: StoreMode,
  plain: (buf: string, x: string) => string, f: string): { lines: string[]; serial: SerialStore[] } {
  const lines: string[] = [], serial: SerialStore[] = [];
  const [tensor, index] = mode.origin;
  for (const target of targets) {
    const codec = s.codecs.get(target), draw = s.sr.get(target);
    if (!codec) lines.push(plain(t.tensor(target, f, true), x(target)));
    else if (mode.kind === 'max') {
      t.bindRank1(target, codec, 'max');
      lines.push(...rank1Max(target, x(target)));
    } else {
      const codes = t.tensor(target, 'u32', true);
      if (codec.rank1) t.bindRank1(target, codec, 'encode');
      const scales = t.scales(target, codec, true);
      t.codecs.add(codec);
      if (draw !== undefined) t.usesRng = true;
      const rand = draw === undefined ? undefined : (k: number) => `optc_rng_u32(u.${SR_FIELD}, ${tensor}, ${index} + ${k}u, ${wgslU32(draw)})`;
      const serialMode = mode.kind === 'serial' ? mode : undefined;
      const st = serialStore(codec, x(target), codes, scales, target, serialMode?.tile ?? 0, rand, serialMode?.count);
      if (serialMode) serial.push(st);
      lines.push(...st.encode);
    }
  }
  return { lines, serial };
}

/**
 * A serial-block body: invocation `index` owns vec4s j0..j1 of a tile (`per` vec4s; `count`: the chunk's)
 * and walks them twice: the first only folds each block's absmax (when a store needs one), the second
 * recomputes the values (`each`) and `writes`; scales are written last, since the second walk still
 * decodes the old codes with the old scales. `head`: lines after the tile's bounds; `cursors`: what each
 * walk opens with (rank-1 cursors, rank1.ts, placed at j0 by each walk).
 */
export function tileWalks(o: { index: string; per: number; count: string; head?: string[]; each: string[]; serial: SerialStore[]; writes: string[]; cursors?: string[] }): string[] {
  const loop = (lines: string[]) => ['  for (var j = j0; j < j1; j++) {', ...[...o.each, ...lines].map((l) => `  ${l}`), '  }'];
  const walk = (lines: string[]) => (o.cursors?.length ? ['  {', ...[...o.cursors, ...loop(lines)].map((l) => `  ${l}`), '  }'] : loop(lines));
  return [
    `  let j0 = ${o.index} * ${o.per}u;`,
    `  if (j0 >= ${o.count}) { return; }`,
    `  let j1 = min(j0 + ${o.per}u, ${o.count});`,
    ...(o.head ?? []),
    ...serialWalks(o.serial, walk, o.writes),
  ];
}

/** A serial-block body around its two walks over the tile (`walk`): see `tileWalks`. */
export function serialWalks(serial: SerialStore[], walk: (lines: string[]) => string[], writes: string[]): string[] {
  return [
    ...serial.flatMap((st) => st.decl),
    ...(serial.some((st) => st.absmax.length) ? walk(serial.flatMap((st) => st.absmax)) : []),
    ...serial.flatMap((st) => st.mid),
    ...walk(writes),
    ...serial.flatMap((st) => st.finish),
  ];
}

/**
 * A f32 expression decoding chunk element `e` of a compressed state, one element at a time (phased kernels
 * that run at width 1 read states this way): the same words and scales `decodeVec4` reads.
 */
export function decodeScalar(c: StateCodec, codes: string, scales: string, e: string): string {
  const perWord = 32 / c.info.bitsPerElement;
  const scale = c.block ? `, ${scales}[(${e}) / ${c.block}u]` : '';
  return `${c.info.name}_decode(${codes}[(${e}) / ${perWord}u], (${e}) % ${perWord}u${scale})`;
}

/**
 * Which of the 4 elements from chunk element `e0` hold data (a vec4<bool>). Tensors start at multiples of
 * LANE_GROUP elements, and `lanes[]` holds the count of real elements of each group.
 */
export function validLanes(e0: string): string {
  return `vec4<u32>(${e0} % ${LANE_GROUP}u) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(lanes[min(${e0}, u.len - 1u) / ${LANE_GROUP}u])`;
}

/** Bytes of the codes buffer and the scales buffer for `n` elements (n a multiple of the block). */
export function stateBytes(c: StateCodec | undefined, n: number): { codes: number; scales: number } {
  if (!c) return { codes: n * 4, scales: 0 };
  return { codes: Math.ceil((n * c.info.bitsPerElement) / 32) * 4, scales: c.block ? Math.ceil(n / c.block) * 4 : 0 };
}
