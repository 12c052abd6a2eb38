// Phased kernels (src/codegen-wgsl/phased.ts), the shared part: the plan every stage kernel reads, value
// emission (loads of leaves and materialized values, operands, `let` chains), workgroup trees, the guard's
// check and kernel assembly (bindings, uniform struct, helpers, the entry point).
import { invariant } from '../diag.js';
import { printIR } from '../ir/printer.js';
import { RNG_WGSL } from '../ir/rng.js';
import { LEAF_OPS, type Program, type Space, type Stage, type ValueId } from '../ir/types.js';
import { inlineClosure, type PhaseInfo } from '../ir/schedule.js';
import type { BindingKind, BindingSpec, KernelSpec, UniformLayout } from './manifest.js';
import { decodeScalar, decodeVec4, formatLibrary, type StateCodec } from './state-io.js';
import { rank1Bindings, rank1Decode, rank1Helpers, rank1LocateOnce, type Rank1Pass } from './rank1.js';
import { SEG, SEG_STRIDE } from './phased-manifest.js';
import { f32Literal, identPart, invocationIndex, mainSignature, powHelpers, SCALAR, VEC4, wgslOp, type VecTypes } from './wgsl.js';

export const ROW_BLOCK = 256;
/** Elements (or vec4s) each invocation of an elem kernel handles: more per workgroup, fewer trees. */
export const ELEMS_PER_INVOCATION = 8;
export const COL_BLOCK = 32;

export const IDENT: Record<string, string> = { sum: '0.0', max: 'optc_neg_inf(lid)', min: 'optc_pos_inf(lid)' };
export const FOLD: Record<string, (a: string, b: string) => string> = {
  sum: (a, b) => `(${a} + ${b})`, max: (a, b) => `max(${a}, ${b})`, min: (a, b) => `min(${a}, ${b})`,
};
/**
 * A summand the driver may not merge into the running sum. Mesa fuses `y + z * w` into an ffma, moves an
 * addend into it (`acc + ffma(z, w, y)` -> `ffma(z, w, acc + y)`) and then lowers ffma back to a multiply
 * and an add: `acc + (y + z * w)` becomes `(acc + y) + z * w`, a different sum (SPIR-V without
 * NoContraction; found by test/phased-fuzz.test.ts in a row sum). A select on a run-time zero (`zero`: a
 * u32 expression the compiler cannot see is 0) keeps the summand whole; only sums need it (max and min
 * are exact in any order).
 */
export function summand(fn: string, x: string, zero: string): string {
  return fn === 'sum' ? `select(${x}, 0.0, ${zero} != 0u)` : x;
}

/** ±inf made at run time (WGSL rejects infinities in constant expressions). */
export const INF_HELPERS = `fn optc_neg_inf(z: u32) -> f32 { return bitcast<f32>(0xff800000u | (z & 0u)); }
fn optc_pos_inf(z: u32) -> f32 { return bitcast<f32>(0x7f800000u | (z & 0u)); }
`;

export interface Opts { workgroupSize: number; guard?: boolean; maxStorageBuffers?: number }

export interface Plan {
  p: Program;
  info: PhaseInfo;
  stages: Stage[];
  /** Stage index (E_k = 3k, S_k = 3k + 1, G_k = 3k + 2) of each entry of `stages`. */
  at: number[];
  fieldOf: Map<ValueId, string>;
  /** Host-uniform position of each step value read by a kernel (for the per-group scalar table). */
  scalarIndex: Map<ValueId, number>;
  streamField: Map<ValueId, string>;
  /** Small state -> stage index of its store; keepOld states. */
  smallStoreAt: Map<string, number>;
  keepOld: Set<string>;
  /** Value stored into a small state -> that state. */
  storedSmall: Map<ValueId, string>;
  wg: number;
  /** The non-finite guard: a first kernel raises the skip flag; every other kernel returns when it is set. */
  guard: boolean;
  /** Storage buffers per kernel a tensor stage is split to fit (CodegenOptions.maxStorageBuffers). */
  maxStorage: number;
  /**
   * Compressed elem states and an f16/bf16 parameter (`p`), by name: every sweep decodes them from their
   * stored codes (state-io.ts), and the last one writes them through the store sweep (phased-store.ts).
   */
  codecs: Map<string, StateCodec>;
  /** Store targets that round stochastically, with their srDraw. */
  sr: Map<string, number>;
}

// ---- emission helpers ------------------------------------------------------------------------------

export interface Binding extends BindingSpec { variable: string; type: string }

export class KernelText {
  readonly bindings = new Map<string, Binding>();
  readonly lines: string[] = [];
  usesPow = false;
  usesRng = false;
  usesInf = false;
  /** Formats whose decode/encode functions the kernel calls. */
  readonly codecs = new Set<StateCodec>();
  /** Rank-1 states the kernel locates, with the pass their helpers are emitted for (rank1.ts). */
  readonly rank1 = new Map<string, Rank1Pass>();

  bind(kind: BindingKind, name: string, variable: string, type: string, write = false): string {
    const b = this.bindings.get(variable);
    if (b) { if (write) b.access = 'read_write'; return variable; }
    this.bindings.set(variable, { binding: 0, kind, name, access: write ? 'read_write' : 'read', variable, type });
    return variable;
  }
}

/** Where the code being emitted runs: which index variables exist and how wide elem values are. */
export interface Scope {
  t: KernelText;
  plan: Plan;
  stage: number;
  /** The loop domain: per element (with `i`, `ti`, `r`, `c`), per row (`r`), per column (`c`), per tensor. */
  domain: 'elem' | 'row' | 'col' | 'tensor';
  v: VecTypes;
  /** Step values: uniform fields (elem kernels) or the per-group scalar table (tensor stages). */
  stepRef: (id: ValueId) => string;
  names: Map<ValueId, string>;
  out: string[];
  indent: string;
  /** Rank-1 states whose scale cursor this scope has placed at vec4 `i` (`locateRank1`). */
  located?: Set<string>;
}

const vname = (p: Program, id: ValueId) => `v${id}${p.insts[id]!.label ? `_${identPart(p.insts[id]!.label!)}` : ''}`;

/** Index expression of a small value of `space` in the current scope. */
export function smallIndex(space: Space, global: boolean): string {
  if (global) return '0u';
  return space === 'row' ? 'rowBase + r' : space === 'col' ? 'colBase + c' : 'tns';
}

/** A load of a leaf or of a value some earlier stage (or step) left in a buffer. */
export function loadExpr(s: Scope, id: ValueId): string {
  const { p, info } = s.plan;
  const inst = p.insts[id]!;
  const m = info.materialized.get(id);
  if (inst.op === 'reduce') {
    invariant(m !== undefined && m <= s.stage, () => `reduction %${id} read at stage ${s.stage} before it is finished (${m})\n${printIR(p)}`);
    const v = s.t.bind('result', `r${id}`, `res_r${id}`, 'f32');
    return `${v}[${smallIndex(inst.space, inst.over === 'global')}]`;
  }
  const target = s.plan.storedSmall.get(id);
  if (target !== undefined && m !== undefined && m < s.stage) {
    const v = s.t.bind('small', target, `sm_${identPart(target)}`, 'f32');
    return `${v}[${smallIndex(inst.space, false)}]`;
  }
  switch (inst.op) {
    case 'param': return elemLoad(s, 'p');
    case 'input': return `${s.t.bind('input', inst.name!, `in_${identPart(inst.name!)}`, s.v.f)}[i]`;
    case 'dim': return inst.name === 'numel' ? 'f32(rows * cols)' : `f32(${inst.name})`;
    case 'state': {
      if (inst.space === 'elem') return elemLoad(s, inst.name!);
      const storedAt = s.plan.smallStoreAt.get(inst.name!);
      const old = storedAt !== undefined && storedAt < s.stage;
      invariant(!old || s.plan.keepOld.has(inst.name!), () => `state '${inst.name}' is read after its store without an old copy\n${printIR(p)}`);
      const v = old ? s.t.bind('oldsmall', inst.name!, `old_${identPart(inst.name!)}`, 'f32') : s.t.bind('small', inst.name!, `sm_${identPart(inst.name!)}`, 'f32');
      return `${v}[${smallIndex(inst.space, false)}]`;
    }
    default: throw new Error(`phased codegen: no load for '${inst.op}' (%${id})`);
  }
}

/** The buffer of an elem state or of the parameter (`p`): f32 values, or codes (u32 words) for a codec. */
export function elemBuffer(t: KernelText, plan: Plan, target: string, v: VecTypes, write = false): string {
  const codec = plan.codecs.get(target);
  const type = codec ? 'u32' : v.f;
  return target === 'p' ? t.bind('param', 'p', 'param', type, write) : t.bind('state', target, `st_${identPart(target)}`, type, write);
}

/** The block scales of a compressed state ('' for a format without them). */
export function scalesBuffer(t: KernelText, plan: Plan, target: string, write = false): string {
  return plan.codecs.get(target)?.block ? t.bind('scales', target, `sc_${identPart(target)}`, 'f32', write) : '';
}

/** The value before the step of an elem state or of `p` at index `i` (an element, or a vec4 at width 4). */
function elemLoad(s: Scope, target: string): string {
  const buf = elemBuffer(s.t, s.plan, target, s.v);
  const codec = s.plan.codecs.get(target);
  if (!codec) return `${buf}[i]`;
  s.t.codecs.add(codec);
  if (codec.rank1) {
    locateRank1(s, target, 'encode');
    return rank1Decode(codec, target, 'i');
  }
  const scales = scalesBuffer(s.t, s.plan, target);
  return s.v === VEC4 ? decodeVec4(codec, buf, scales, 'i').expr : decodeScalar(codec, buf, scales, 'i');
}

/**
 * Places a rank-1 state's scale cursor at vec4 `i` in this scope (once), binding its scales and table for
 * `pass` (the maxima sweep folds into them atomically). Vec4 kernels only: splitPhases refuses rank-1 in
 * programs that run at width 1 (E0315).
 */
export function locateRank1(s: Scope, target: string, pass: Rank1Pass): void {
  if (!s.t.rank1.has(target)) s.t.rank1.set(target, pass);
  for (const { write, ...b } of rank1Bindings(target, s.t.rank1.get(target)!)) s.t.bind(b.kind, b.name, b.variable, b.type, write);
  s.located ??= new Set();
  if (s.located.has(target)) return;
  s.located.add(target);
  s.out.push(...rank1LocateOnce(target, 'i').map((l) => `${s.indent}${l.trimStart()}`));
}

export const isVec = (s: Scope, id: ValueId) => s.v === VEC4 && s.plan.p.insts[id]!.space === 'elem';

/** An operand: by name, or a step value; splatted to vec4 when an elem op reads a narrower value. */
export function operand(s: Scope, id: ValueId, wantVec: boolean): string {
  const inst = s.plan.p.insts[id]!;
  const e = inst.space === 'step' ? s.stepRef(id) : s.names.get(id)!;
  invariant(e !== undefined, () => `phased codegen: %${id} used before it is computed\n${printIR(s.plan.p)}`);
  if (!wantVec || isVec(s, id)) return e;
  return inst.dtype === 'bool' ? `vec4<bool>(${e})` : `vec4<f32>(${e})`;
}

/** Emits `let` lines for everything `roots` need in this scope (in id order: topological). */
export function emitValues(s: Scope, roots: ValueId[]): void {
  const { p, info } = s.plan;
  const closure = [...inlineClosure(p, info, s.stage, roots)].sort((a, b) => a - b);
  for (const id of closure) {
    if (s.names.has(id)) continue;
    const inst = p.insts[id]!;
    const name = vname(p, id);
    const m = info.materialized.get(id);
    if (LEAF_OPS.has(inst.op) || inst.op === 'reduce' || (m !== undefined && m < s.stage)) {
      const e = loadExpr(s, id);
      s.out.push(`${s.indent}let ${name} = ${inst.dtype === 'bool' ? `${e} != 0.0` : e};`);
    } else if (inst.op === 'rand') {
      s.t.usesRng = true;
      const stream = `u.${s.plan.streamField.get(inst.args[0]!)}`;
      const one = (lane: string) => `optc_rand_${inst.name}(${stream}, tns, ti${lane})`;
      s.out.push(`${s.indent}let ${name} = ${s.v === VEC4 ? `vec4<f32>(${one('')}, ${one(' + 1u')}, ${one(' + 2u')}, ${one(' + 3u')})` : one('')};`);
    } else {
      const spell = wgslOp[inst.op];
      invariant(spell, () => `no WGSL spelling for '${inst.op}'`);
      if (inst.op === 'pow') s.t.usesPow = true;
      const wantVec = s.v === VEC4 && inst.space === 'elem';
      const args = inst.args.map((a) => operand(s, a, wantVec));
      s.out.push(`${s.indent}let ${name} = ${spell(args, wantVec ? VEC4 : SCALAR)};`);
    }
    s.names.set(id, name);
  }
}

/** A value as an f32 expression to store (bools as 0/1). */
export function storedExpr(s: Scope, id: ValueId): string {
  const inst = s.plan.p.insts[id]!;
  const wantVec = s.domain === 'elem' && s.v === VEC4;
  const e = operand(s, id, wantVec);
  if (inst.dtype !== 'bool') return e;
  return wantVec ? `select(vec4<f32>(0.0), vec4<f32>(1.0), ${e})` : `select(0.0, 1.0, ${e})`;
}

export function elemStepRef(plan: Plan): (id: ValueId) => string {
  return (id) => {
    const inst = plan.p.insts[id]!;
    const f = plan.fieldOf.get(id);
    if (f === undefined) {
      invariant(inst.op === 'const', () => `step value %${id} is read by a kernel but is not a uniform\n${printIR(plan.p)}`);
      return f32Literal(inst.value!);
    }
    return inst.dtype === 'bool' ? `(u.${f} != 0.0)` : `u.${f}`;
  };
}

/**
 * The first level of a workgroup tree, `wg / 2` plus a run-time zero (`zero`: a u32 expression the compiler
 * cannot see is 0). lavapipe unrolls a loop with a constant trip count, and a tree's barriers make each
 * unrolled level a separate resumable section: a sweep with two reductions took 2.4 s to compile with its
 * trees and element loop unrolled, 0.35 s without (kernels compile on their first dispatch).
 */
const firstLevel = (wg: number, zero: string) => `${wg / 2}u + ${zero}`;

/** Workgroup trees over `red0`, `red1`, ... side by side (one barrier per level for all of them). */
export function treeMulti(wg: number, fns: string[], accs: string[], dests: string[], cond: string, zero: string): string[] {
  return [
    ...accs.map((a, k) => `  red${k}[lid] = ${a};`),
    '  workgroupBarrier();',
    `  for (var s = ${firstLevel(wg, zero)}; s > 0u; s = s >> 1u) {`,
    '    if (lid < s) {',
    ...fns.map((fn, k) => `      red${k}[lid] = ${FOLD[fn]!(`red${k}[lid]`, `red${k}[lid + s]`)};`),
    '    }',
    '    workgroupBarrier();',
    '  }',
    `  if (lid == 0u && ${cond}) {`,
    ...dests.map((d, k) => `    ${d} = red${k}[0];`),
    '  }',
  ];
}

/** Workgroup tree over `red` (size wg); `dest` receives the total from invocation 0. */
export function tree(wg: number, fn: string, acc: string, dest: string, zero: string): string[] {
  return [
    `  red[lid] = ${acc};`,
    '  workgroupBarrier();',
    `  for (var s = ${firstLevel(wg, zero)}; s > 0u; s = s >> 1u) {`,
    `    if (lid < s) { red[lid] = ${FOLD[fn]!('red[lid]', 'red[lid + s]')}; }`,
    '    workgroupBarrier();',
    '  }',
    `  if (lid == 0u) { ${dest} = red[0]; }`,
    '  workgroupBarrier();',
  ];
}

/** `shared`: true for one workgroup array `red`, a count n for arrays `red0` .. `red{n-1}`. */
export function assemble(plan: Plan, name: string, t: KernelText, uniforms: UniformLayout | undefined, body0: string[], shared: boolean | number,
  wg = plan.wg): KernelSpec {
  let body = body0;
  // Under the guard every kernel but the check returns when the flag is up. The flag is read through
  // workgroupUniformLoad, so the return is uniform and the workgroup trees' barriers after it stay valid.
  const guarded = plan.guard && name !== 'guard';
  if (guarded) {
    t.bind('flag', 'skip', 'skip', 'u32');
    body = ['  if (lid == 0u) { optc_skip = skip[0]; }', '  if (workgroupUniformLoad(&optc_skip) != 0u) { return; }', ...body];
  }
  // Every binding is declared and listed: the runtime builds the pipeline layout from the list.
  const bindings = [...t.bindings.values()];
  const all: Binding[] = uniforms ? [{ binding: 0, kind: 'uniform', name: 'u', access: 'read', variable: 'u', type: '' }, ...bindings] : bindings;
  all.forEach((b, n) => { b.binding = n; });
  const decls = [
    ...(uniforms ? [`struct Uniforms {\n${uniforms.fields.map((f) => `  ${f.name}: ${f.type},`).join('\n')}\n}`, '@group(0) @binding(0) var<uniform> u: Uniforms;'] : []),
    ...bindings.map((b) => `@group(0) @binding(${b.binding}) var<storage, ${b.access}> ${b.variable}: array<${b.type}>;`),
    ...(shared === true ? [`var<workgroup> red: array<f32, ${plan.wg}>;`] : []),
    ...(typeof shared === 'number' ? Array.from({ length: shared }, (_, k) => `var<workgroup> red${k}: array<f32, ${plan.wg}>;`) : []),
    ...(guarded ? ['var<workgroup> optc_skip: u32;'] : []),
  ];
  const helpers = [
    ...(t.usesPow ? [powHelpers(false), powHelpers(true)] : []),
    ...(t.usesRng ? [RNG_WGSL] : []),
    ...(t.usesInf || body.some((l) => l.includes('optc_'+'neg_inf') || l.includes('optc_pos_inf')) ? [INF_HELPERS] : []),
    ...(t.codecs.size ? [formatLibrary([...t.codecs], 'const')] : []),
    ...[...t.rank1].map(([name, pass]) => rank1Helpers(plan.codecs.get(name)!, name, pass)),
  ];
  const wgsl = [
    `// ${plan.p.name}: ${name}`,
    ...decls,
    '',
    ...helpers,
    `@compute @workgroup_size(${wg})`,
    mainSignature(),
    ...body,
    '}',
    '',
  ].join('\n');
  return { name, wgsl, entryPoint: 'main', workgroupSize: wg, bindings: all.map(({ variable: _v, type: _t, ...b }) => b) };
}

/**
 * The guard's check: raises the skip flag if any element with data of any input is NaN or ±inf (exponent
 * bits all ones). Lanes past `u.len` are not looked at.
 */
export function guardKernel(plan: Plan, v: VecTypes, uniforms: UniformLayout): KernelSpec {
  const t = new KernelText();
  const vec = v === VEC4;
  const U = vec ? 'vec4<u32>' : 'u32';
  const ins = plan.p.inputs.map((inp) => t.bind('input', inp.name, `in_${identPart(inp.name)}`, v.f));
  t.bind('flag', 'skip', 'skip', 'atomic<u32>', true);
  const body = [
    `  let i = ${invocationIndex(plan.wg)};`,
    '  if (i >= u.n) { return; }',
    vec ? '  let valid = vec4<u32>(i * 4u) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(u.len);' : '  let valid = i < u.len;',
    '  var bad = false;',
    ...ins.map((x) => `  bad = bad | any(((bitcast<${U}>(${x}[i]) & ${U}(0x7f800000u)) == ${U}(0x7f800000u)) & valid);`),
    '  if (bad) { atomicStore(&skip[0], 1u); }',
  ];
  return assemble(plan, 'guard', t, uniforms, body, false);
}

/** Binary search of the chunk's segment table for the record whose range (field `start`, `count`) holds `key`. */
export function findSegment(key: string, startField: number): string[] {
  return [
    '  var lo = 0u;',
    '  var hi = u.nseg;',
    '  loop {',
    '    if (hi - lo <= 1u) { break; }',
    '    let mid = (lo + hi) / 2u;',
    `    if (seg[mid * ${SEG_STRIDE}u + ${startField}u] <= ${key}) { lo = mid; } else { hi = mid; }`,
    '  }',
    `  let sb = lo * ${SEG_STRIDE}u;`,
    `  let chunkOffset = seg[sb + ${SEG.chunkOffset}u];`,
    `  let seglen = seg[sb + ${SEG.length}u];`,
    `  let tns = seg[sb + ${SEG.tensor}u];`,
    `  let tensorOffset = seg[sb + ${SEG.tensorOffset}u];`,
    `  let rows = seg[sb + ${SEG.rows}u];`,
    `  let cols = seg[sb + ${SEG.cols}u];`,
    `  let rowBase = seg[sb + ${SEG.rowBase}u];`,
    `  let colBase = seg[sb + ${SEG.colBase}u];`,
  ];
}
