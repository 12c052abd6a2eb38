// Phased programs (src/passes/splitPhases.ts) -> WGSL. Each stage of the plan becomes one or more kernels:
//
//   elem stage    `flat`: one workgroup per tile, a tile being ELEMS_PER_INVOCATION rounds of one element
//                 (or vec4) per invocation of one tensor piece; tiles are numbered per piece in the chunk's
//                 segment table, which the workgroup binary-searches. Each invocation computes what the
//                 stage needs from the leaves, writes the elem stores, and accumulates each reduction's
//                 values; one fixed tree in workgroup memory per stage folds them: one partial per tile.
//                 `rows` / `cols`: one invocation per block of a row (ROW_BLOCK elements) or of a column
//                 (COL_BLOCK rows), looping in order: one partial per block.
//   tensor stage  one workgroup per tensor: folds its partials (strided, then a tree: the same order every
//                 run), then the reductions of row/column values, then the small stores.
//   global stage  one workgroup: folds the per-tensor totals of the global reductions in tensor order.
//
// No float atomics and no dependence on timing: with the same layout, every run is bit-identical. Values a
// stage needs are recomputed from the leaves (which still hold the values before the step) unless a
// reduction or a small store made them available in a buffer (`PhaseInfo.materialized`).
import { invariant } from '../diag.js';
import { hashProgram } from '../ir/hash.js';
import { printIR } from '../ir/printer.js';
import { RNG_WGSL } from '../ir/rng.js';
import { LEAF_OPS, type Program, type Space, type Stage, type ValueId } from '../ir/types.js';
import { elemPhases, inlineClosure, phaseInfo, type PhaseInfo } from '../ir/schedule.js';
import { planHost } from './host.js';
import type { BindingKind, BindingSpec, KernelModule, KernelSpec, UniformLayout } from './manifest.js';
import {
  PHASED_UNIFORM_HEADER, SEG, SEG_STRIDE, TEN, TENSOR_HEADER, TENSOR_STRIDE, type PhasedDispatch, type PhasedInfo,
} from './phased-manifest.js';
import { f32Literal, identPart, invocationIndex, mainSignature, powHelpers, SCALAR, VEC4, wgslOp, WORKGROUP_INDEX, type VecTypes } from './wgsl.js';

export const ROW_BLOCK = 256;
/** Elements (or vec4s) each invocation of an elem kernel handles: more per workgroup, fewer trees. */
export const ELEMS_PER_INVOCATION = 8;
export const COL_BLOCK = 32;

const IDENT: Record<string, string> = { sum: '0.0', max: 'optc_neg_inf(lid)', min: 'optc_pos_inf(lid)' };
const FOLD: Record<string, (a: string, b: string) => string> = {
  sum: (a, b) => `(${a} + ${b})`, max: (a, b) => `max(${a}, ${b})`, min: (a, b) => `min(${a}, ${b})`,
};
/** ±inf made at run time (WGSL rejects infinities in constant expressions). */
const INF_HELPERS = `fn optc_neg_inf(z: u32) -> f32 { return bitcast<f32>(0xff800000u | (z & 0u)); }
fn optc_pos_inf(z: u32) -> f32 { return bitcast<f32>(0x7f800000u | (z & 0u)); }
`;

interface Opts { workgroupSize: number; guard?: boolean }

interface Plan {
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
}

export function emitPhasedModule(p: Program, options: Opts): KernelModule {
  const sched = p.schedule!;
  const stages = sched.stages!;
  for (const s of p.states) invariant(s.format.kind === 'f32', () => `phased codegen: state '${s.name}' is ${s.format.kind} (splitPhases reports E0310)`);
  invariant(sched.phases, () => `phased codegen: the schedule has stages but no phase facts\n${printIR(p)}`);
  const info = phaseInfo(sched.phases);
  const at = stages.map((s) => s.at);

  // Uniform fields: the u32 header, f32 host scalars (finite constants are inlined), u32 streams of `rand`.
  const streams = [...new Set(p.insts.filter((i) => i.op === 'rand').map((i) => i.args[0]!))];
  const { host, uniforms, fieldOf, hostUniforms, streamField } = planHost(p, sched.uniforms, PHASED_UNIFORM_HEADER, { streams });

  const keepOld = new Set(stages.flatMap((s) => (s.kind === 'tensor' ? s.keepOld : [])));
  const storedSmall = new Map<ValueId, string>();
  for (const s of p.stores) if (info.smallStoreAt.has(s.target)) storedSmall.set(s.value, s.target);
  const plan: Plan = {
    p, info, stages, at, fieldOf, scalarIndex: new Map(hostUniforms.map((id, k) => [id, k])), streamField,
    smallStoreAt: info.smallStoreAt, keepOld, storedSmall, wg: options.workgroupSize, guard: !!options.guard,
  };

  const variant = (v: VecTypes): { kernels: KernelSpec[]; dispatches: PhasedDispatch[] } => {
    const kernels: KernelSpec[] = [];
    const dispatches: PhasedDispatch[] = [];
    if (plan.guard) { dispatches.push({ kernel: 0, grid: 'items', stage: -1 }); kernels.push(guardKernel(plan, v, uniforms)); }
    stages.forEach((st, si) => {
      const add = (k: KernelSpec, grid: PhasedDispatch['grid']) => { dispatches.push({ kernel: kernels.length, grid, stage: si }); kernels.push(k); };
      if (st.kind === 'elem') {
        const byOver = (o: string) => st.reduces.filter((r) => p.insts[r]!.over === o);
        const flat = st.reduces.filter((r) => p.insts[r]!.over === 'tensor' || p.insts[r]!.over === 'global');
        // Row and column sums first: they read the leaves (p, elem states) as they were before the step,
        // and the flat kernel stores the new values (found by the kernel fuzzer: `row_mean(p)` read the new p).
        if (byOver('row').length) add(lineKernel(plan, si, byOver('row'), 'row', uniforms), 'rows');
        if (byOver('col').length) add(lineKernel(plan, si, byOver('col'), 'col', uniforms), 'cols');
        if (flat.length || st.stores.length || (!byOver('row').length && !byOver('col').length)) add(flatKernel(plan, si, flat, st.stores, v, uniforms), 'elems');
      } else if (st.kind === 'tensor') add(tensorKernel(plan, si, st, hostUniforms.length), 'tensors');
      else add(globalKernel(plan, si, st), 'one');
    });
    return { kernels, dispatches };
  };
  const scalarVariant = variant(SCALAR);
  const vec = sched.vectorWidth === 4 ? variant(VEC4) : undefined;

  const reductions = p.insts.flatMap((inst, id) => (inst.op === 'reduce'
    ? [{ name: `r${id}`, fn: inst.name as 'sum', over: inst.over!, fromElem: p.insts[inst.args[0]!]!.space === 'elem' }] : []));
  const phased: PhasedInfo = {
    dispatches: scalarVariant.dispatches,
    reductions,
    smallStates: p.states.filter((s) => s.space === 'tensor' || s.space === 'row' || s.space === 'col')
      .map((s) => ({ name: s.name, space: s.space as 'tensor', keepOld: keepOld.has(s.name) })),
    elemPhases: elemPhases(stages),
    workgroupSize: options.workgroupSize,
    elemsPerInvocation: ELEMS_PER_INVOCATION,
    rowBlock: ROW_BLOCK,
    colBlock: COL_BLOCK,
    rowsCols: p.insts.some((i) => i.space === 'row' || i.space === 'col') || p.states.some((s) => s.space === 'row' || s.space === 'col'),
  };
  const programHash = hashProgram(p);
  return {
    name: p.name,
    ...(p.doc ? { doc: p.doc } : {}),
    key: `${programHash}:${JSON.stringify(sched)}:${JSON.stringify({ workgroupSize: options.workgroupSize, guard: plan.guard })}:phased`,
    programHash,
    hypers: p.hypers.map((h) => ({ name: h.name, default: h.default, ...(h.doc ? { doc: h.doc } : {}) })),
    states: p.states.map((s) => ({ name: s.name, format: s.format, ...(s.space && s.space !== 'elem' ? { space: s.space } : {}), ...(s.doc ? { doc: s.doc } : {}) })),
    inputs: p.inputs.map((i) => i.name),
    host,
    uniforms,
    temps: [],
    variants: { 1: scalarVariant.kernels, ...(vec ? { 4: vec.kernels } : {}) },
    guard: plan.guard,
    phased,
  };
}

// ---- emission helpers ------------------------------------------------------------------------------

interface Binding extends BindingSpec { variable: string; type: string }

class KernelText {
  readonly bindings = new Map<string, Binding>();
  readonly lines: string[] = [];
  usesPow = false;
  usesRng = false;
  usesInf = false;

  bind(kind: BindingKind, name: string, variable: string, type: string, write = false): string {
    const b = this.bindings.get(variable);
    if (b) { if (write) b.access = 'read_write'; return variable; }
    this.bindings.set(variable, { binding: 0, kind, name, access: write ? 'read_write' : 'read', variable, type });
    return variable;
  }
}

/** Where the code being emitted runs: which index variables exist and how wide elem values are. */
interface Scope {
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
}

const vname = (p: Program, id: ValueId) => `v${id}${p.insts[id]!.label ? `_${identPart(p.insts[id]!.label!)}` : ''}`;

/** Index expression of a small value of `space` in the current scope. */
function smallIndex(space: Space, global: boolean): string {
  if (global) return '0u';
  return space === 'row' ? 'rowBase + r' : space === 'col' ? 'colBase + c' : 'tns';
}

/** A load of a leaf or of a value some earlier stage (or step) left in a buffer. */
function loadExpr(s: Scope, id: ValueId): string {
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
    case 'param': return `${s.t.bind('param', 'p', 'param', s.v.f)}[i]`;
    case 'input': return `${s.t.bind('input', inst.name!, `in_${identPart(inst.name!)}`, s.v.f)}[i]`;
    case 'dim': return inst.name === 'numel' ? 'f32(rows * cols)' : `f32(${inst.name})`;
    case 'state': {
      if (inst.space === 'elem') return `${s.t.bind('state', inst.name!, `st_${identPart(inst.name!)}`, s.v.f)}[i]`;
      const storedAt = s.plan.smallStoreAt.get(inst.name!);
      const old = storedAt !== undefined && storedAt < s.stage;
      invariant(!old || s.plan.keepOld.has(inst.name!), () => `state '${inst.name}' is read after its store without an old copy\n${printIR(p)}`);
      const v = old ? s.t.bind('oldsmall', inst.name!, `old_${identPart(inst.name!)}`, 'f32') : s.t.bind('small', inst.name!, `sm_${identPart(inst.name!)}`, 'f32');
      return `${v}[${smallIndex(inst.space, false)}]`;
    }
    default: throw new Error(`phased codegen: no load for '${inst.op}' (%${id})`);
  }
}

const isVec = (s: Scope, id: ValueId) => s.v === VEC4 && s.plan.p.insts[id]!.space === 'elem';

/** An operand: by name, or a step value; splatted to vec4 when an elem op reads a narrower value. */
function operand(s: Scope, id: ValueId, wantVec: boolean): string {
  const inst = s.plan.p.insts[id]!;
  const e = inst.space === 'step' ? s.stepRef(id) : s.names.get(id)!;
  invariant(e !== undefined, () => `phased codegen: %${id} used before it is computed\n${printIR(s.plan.p)}`);
  if (!wantVec || isVec(s, id)) return e;
  return inst.dtype === 'bool' ? `vec4<bool>(${e})` : `vec4<f32>(${e})`;
}

/** Emits `let` lines for everything `roots` need in this scope (in id order: topological). */
function emitValues(s: Scope, roots: ValueId[]): void {
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
function storedExpr(s: Scope, id: ValueId): string {
  const inst = s.plan.p.insts[id]!;
  const wantVec = s.domain === 'elem' && s.v === VEC4;
  const e = operand(s, id, wantVec);
  if (inst.dtype !== 'bool') return e;
  return wantVec ? `select(vec4<f32>(0.0), vec4<f32>(1.0), ${e})` : `select(0.0, 1.0, ${e})`;
}

function elemStepRef(plan: Plan): (id: ValueId) => string {
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

/** Workgroup trees over `red0`, `red1`, ... side by side (one barrier per level for all of them). */
function treeMulti(wg: number, fns: string[], accs: string[], dests: string[], cond: string): string[] {
  return [
    ...accs.map((a, k) => `  red${k}[lid] = ${a};`),
    '  workgroupBarrier();',
    `  for (var s = ${wg / 2}u; s > 0u; s = s >> 1u) {`,
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
function tree(wg: number, fn: string, acc: string, dest: string, cond = 'true'): string[] {
  return [
    `  red[lid] = ${acc};`,
    '  workgroupBarrier();',
    `  for (var s = ${wg / 2}u; s > 0u; s = s >> 1u) {`,
    `    if (lid < s) { red[lid] = ${FOLD[fn]!('red[lid]', 'red[lid + s]')}; }`,
    '    workgroupBarrier();',
    '  }',
    `  if (lid == 0u && ${cond}) { ${dest} = red[0]; }`,
    '  workgroupBarrier();',
  ];
}

/** `shared`: true for one workgroup array `red`, a count n for arrays `red0` .. `red{n-1}`. */
function assemble(plan: Plan, name: string, t: KernelText, uniforms: UniformLayout | undefined, body0: string[], shared: boolean | number): KernelSpec {
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
  ];
  const wgsl = [
    `// ${plan.p.name}: ${name}`,
    ...decls,
    '',
    ...helpers,
    `@compute @workgroup_size(${plan.wg})`,
    mainSignature(),
    ...body,
    '}',
    '',
  ].join('\n');
  return { name, wgsl, entryPoint: 'main', workgroupSize: plan.wg, bindings: all.map(({ variable: _v, type: _t, ...b }) => b) };
}

/**
 * The guard's check: raises the skip flag if any element with data of any input is NaN or ±inf (exponent
 * bits all ones). Lanes past `u.len` are not looked at.
 */
function guardKernel(plan: Plan, v: VecTypes, uniforms: UniformLayout): KernelSpec {
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
function findSegment(key: string, startField: number): string[] {
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

// ---- elem stages --------------------------------------------------------------------------------------

function flatKernel(plan: Plan, si: number, reduces: ValueId[], stores: string[], v: VecTypes, uniforms: UniformLayout): KernelSpec {
  const { p } = plan;
  const t = new KernelText();
  t.bind('segments', 'seg', 'seg', 'u32');
  const vec = v === VEC4;
  const W = vec ? 4 : 1;
  // A workgroup's tile is ELEMS_PER_INVOCATION rounds of wg invocations (one element or vec4 each); tiles
  // are numbered per piece, so a tile never spans two tensors and there are no tiles over padding.
  const round = plan.wg * W;
  const body: string[] = [
    `  let tile = ${WORKGROUP_INDEX};`,
    ...findSegment('tile', SEG.tileStart),
    `  let tileStart = seg[sb + ${SEG.tileStart}u];`,
    `  let inSeg = u.nseg > 0u && tile >= tileStart && tile < tileStart + seg[sb + ${SEG.tileCount}u];`,
    `  let tileBase = (tile - tileStart) * ${round * ELEMS_PER_INVOCATION}u;`,
  ];
  const loopHead = [
    `  for (var k = 0u; k < ${ELEMS_PER_INVOCATION}u; k = k + 1u) {`,
    `    let li = tileBase + k * ${round}u + lid * ${W}u;`,
    `    let i = (chunkOffset + li) / ${W}u;`,
    '    let ti = tensorOffset + li;',
    ...(vec ? [] : ['    let r = ti / max(cols, 1u);', '    let c = ti % max(cols, 1u);']),
  ];
  const storeValue = new Map(p.stores.map((s) => [s.target, s.value]));
  const scope: Scope = { t, plan, stage: plan.at[si]!, domain: 'elem', v, stepRef: elemStepRef(plan), names: new Map(), out: [], indent: '      ' };
  const args = reduces.map((r) => p.insts[r]!.args[0]!);
  emitValues(scope, [...args, ...stores.map((x) => storeValue.get(x)!)]);
  const accs = reduces.map((r, k) => {
    const fn = p.insts[r]!.name!;
    body.push(`  var acc${k} = ${IDENT[fn]};`);
    return fn;
  });
  body.push(...loopHead, '    if (inSeg && li < seglen) {', ...scope.out);
  reduces.forEach((r, k) => {
    const fn = accs[k]!;
    const x = operand(scope, args[k]!, vec);
    if (vec) {
      body.push(`      let m${k} = select(vec4<f32>(${IDENT[fn]}), ${x}, vec4<u32>(li) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(seglen));`);
      body.push(`      acc${k} = ${FOLD[fn]!(`acc${k}`, FOLD[fn]!(FOLD[fn]!(`m${k}.x`, `m${k}.y`), FOLD[fn]!(`m${k}.z`, `m${k}.w`)))};`);
    } else body.push(`      acc${k} = ${FOLD[fn]!(`acc${k}`, x)};`);
  });
  for (const target of stores) {
    const variable = target === 'p' ? t.bind('param', 'p', 'param', v.f, true) : t.bind('state', target, `st_${identPart(target)}`, v.f, true);
    body.push(`      ${variable}[i] = ${storedExpr(scope, storeValue.get(target)!)};`);
  }
  body.push('    }', '  }');
  // All of the stage's reductions share one tree (one set of barriers), each in its own workgroup array.
  if (reduces.length) {
    const parts = reduces.map((r) => t.bind('partials', `r${r}`, `part_r${r}`, 'f32', true));
    body.push(...treeMulti(plan.wg, accs, accs.map((_, k) => `acc${k}`), parts.map((part) => `${part}[seg[sb + ${SEG.partBase}u] + tile - tileStart]`), 'inSeg'));
  }
  const name = `s${si}_elems`;
  return assemble(plan, name, t, uniforms, body, reduces.length);
}

/** Row sums (`row`: each invocation one block of ROW_BLOCK columns of a row) or column sums (`col`). */
function lineKernel(plan: Plan, si: number, reduces: ValueId[], which: 'row' | 'col', uniforms: UniformLayout): KernelSpec {
  const { p } = plan;
  const t = new KernelText();
  t.bind('segments', 'seg', 'seg', 'u32');
  const byRow = which === 'row';
  const body: string[] = [
    `  let item = ${invocationIndex(plan.wg)};`,
    `  if (item >= u.${byRow ? 'nrow' : 'ncol'}) { return; }`,
    ...findSegment('item', byRow ? SEG.rowItemStart : SEG.colItemStart),
    `  let local = item - seg[sb + ${byRow ? SEG.rowItemStart : SEG.colItemStart}u];`,
  ];
  if (byRow) {
    body.push(
      `  let nb = seg[sb + ${SEG.rowBlocks}u];`,
      '  let r = local / nb;',
      '  let b = local % nb;',
      `  let k0 = b * ${ROW_BLOCK}u;`,
      `  let k1 = min(cols, k0 + ${ROW_BLOCK}u);`,
    );
  } else {
    body.push(
      `  let mb = (rows + ${COL_BLOCK - 1}u) / ${COL_BLOCK}u;`,
      '  let b = local / cols;',
      '  let c = local % cols;',
      `  let k0 = b * ${COL_BLOCK}u;`,
      `  let k1 = min(rows, k0 + ${COL_BLOCK}u);`,
    );
  }
  const args = reduces.map((r) => p.insts[r]!.args[0]!);
  reduces.forEach((r, k) => body.push(`  var acc${k} = ${IDENT[p.insts[r]!.name!]};`));
  const scope: Scope = { t, plan, stage: plan.at[si]!, domain: 'elem', v: SCALAR, stepRef: elemStepRef(plan), names: new Map(), out: [], indent: '    ' };
  emitValues(scope, args);
  body.push(
    '  for (var k = k0; k < k1; k = k + 1u) {',
    ...(byRow ? ['    let c = k;'] : ['    let r = k;']),
    '    let ti = r * cols + c;',
    '    let i = chunkOffset + ti;',
    ...scope.out,
  );
  reduces.forEach((r, k) => body.push(`    acc${k} = ${FOLD[p.insts[r]!.name!]!(`acc${k}`, operand(scope, args[k]!, false))};`));
  body.push('  }');
  reduces.forEach((r, k) => {
    const part = t.bind('partials', `r${r}`, `part_r${r}`, 'f32', true);
    body.push(byRow ? `  ${part}[seg[sb + ${SEG.rowPartBase}u] + r * nb + b] = acc${k};` : `  ${part}[seg[sb + ${SEG.colPartBase}u] + c * mb + b] = acc${k};`);
  });
  return assemble(plan, `s${si}_${which}s`, t, uniforms, body, false);
}

// ---- tensor and global stages --------------------------------------------------------------------------

function tensorKernel(plan: Plan, si: number, st: Extract<Stage, { kind: 'tensor' }>, nScalars: number): KernelSpec {
  const { p } = plan;
  const t = new KernelText();
  const ten = t.bind('tensors', 'ten', 'ten', 'u32');
  const gs = t.bind('gscalars', 'gs', 'gs', 'f32');
  const stage = plan.at[si]!;
  const stepRef = (id: ValueId): string => {
    const inst = p.insts[id]!;
    const k = plan.scalarIndex.get(id);
    if (k === undefined) {
      invariant(inst.op === 'const', () => `step value %${id} is read by a tensor stage but is not a uniform\n${printIR(p)}`);
      return f32Literal(inst.value!);
    }
    const e = `${gs}[grp * ${nScalars}u + ${k}u]`;
    return inst.dtype === 'bool' ? `(${e} != 0.0)` : e;
  };
  const wg = plan.wg;
  const body: string[] = [
    `  let tns = ${WORKGROUP_INDEX};`,
    `  let tb = ${TENSOR_HEADER}u + tns * ${TENSOR_STRIDE}u;`,
    ...Object.entries(TEN).map(([k, off]) => `  let ${k === 'group' ? 'grp' : k} = ${ten}[tb + ${off}u];`),
  ];
  const scope = (domain: Scope['domain'], indent: string): Scope => ({ t, plan, stage, domain, v: SCALAR, stepRef, names: new Map(), out: [], indent });
  const loop = (domain: 'row' | 'col') => domain === 'row'
    ? `  for (var r = lid; r < rows; r = r + ${wg}u) {` : `  for (var c = lid; c < cols; c = c + ${wg}u) {`;
  const barrier = ['  storageBarrier();', '  workgroupBarrier();'];

  for (const r of st.reduces) {
    const inst = p.insts[r]!;
    const fn = inst.name!;
    const a = inst.args[0]!;
    const argSpace = p.insts[a]!.space;
    const global = inst.over === 'global';
    const dest = global ? `${t.bind('totals', `r${r}`, `tot_r${r}`, 'f32', true)}[tns]`
      : `${t.bind('result', `r${r}`, `res_r${r}`, 'f32', true)}[${smallIndex(inst.space, false)}]`;
    if (argSpace === 'elem') {
      const part = t.bind('partials', `r${r}`, `part_r${r}`, 'f32');
      if (inst.over === 'row' || inst.over === 'col') {
        const [n, base, idx] = inst.over === 'row' ? ['rowBlocks', 'rowPartStart', 'r'] : ['colBlocks', 'colPartStart', 'c'];
        body.push(loop(inst.over), `    var a = ${IDENT[fn]};`,
          `    for (var b = 0u; b < ${n}; b = b + 1u) { a = ${FOLD[fn]!('a', `${part}[${base} + ${idx} * ${n} + b]`)}; }`,
          `    ${dest} = a;`, '  }');
      } else {
        body.push('  {', `  var a = ${IDENT[fn]};`,
          `  for (var k = lid; k < partCount; k = k + ${wg}u) { a = ${FOLD[fn]!('a', `${part}[partStart + k]`)}; }`,
          ...tree(wg, fn, 'a', dest), '  }');
      }
    } else if (argSpace === 'row' || argSpace === 'col') {
      const s = scope(argSpace, '    ');
      emitValues(s, [a]);
      body.push('  {', `  var a = ${IDENT[fn]};`, loop(argSpace), ...s.out, `    a = ${FOLD[fn]!('a', operand(s, a, false))};`, '  }',
        ...tree(wg, fn, 'a', dest), '  }');
    } else {
      // A global reduction of a tensor value: this tensor's term.
      const s = scope('tensor', '    ');
      emitValues(s, [a]);
      body.push('  if (lid == 0u) {', ...s.out, `    ${dest} = ${operand(s, a, false)};`, '  }');
    }
    body.push(...barrier);
  }

  // Small stores: rows, then columns (each invocation computes every value of its index before writing any),
  // then, once every loop has read what it needs, the per-tensor ones.
  const storeValue = new Map(p.stores.map((s) => [s.target, s.value]));
  const spaceOf = (x: string) => p.states.find((s) => s.name === x)!.space!;
  const write = (s: Scope, targets: string[]) => {
    for (const x of targets) {
      const idx = smallIndex(spaceOf(x), false);
      const sm = t.bind('small', x, `sm_${identPart(x)}`, 'f32', true);
      if (plan.keepOld.has(x)) s.out.push(`${s.indent}${t.bind('oldsmall', x, `old_${identPart(x)}`, 'f32', true)}[${idx}] = ${sm}[${idx}];`);
    }
    for (const x of targets) s.out.push(`${s.indent}${t.bind('small', x, `sm_${identPart(x)}`, 'f32', true)}[${smallIndex(spaceOf(x), false)}] = ${storedExpr(s, storeValue.get(x)!)};`);
  };
  for (const domain of ['row', 'col'] as const) {
    const targets = st.stores.filter((x) => spaceOf(x) === domain);
    if (!targets.length) continue;
    const s = scope(domain, '    ');
    emitValues(s, targets.map((x) => storeValue.get(x)!));
    write(s, targets);
    body.push(loop(domain), ...s.out, '  }');
  }
  const tensorTargets = st.stores.filter((x) => spaceOf(x) === 'tensor');
  if (tensorTargets.length) {
    const s = scope('tensor', '    ');
    emitValues(s, tensorTargets.map((x) => storeValue.get(x)!));
    write(s, tensorTargets);
    body.push(...barrier, '  if (lid == 0u) {', ...s.out, '  }');
  }
  return assemble(plan, `s${si}_tensors`, t, undefined, body, true);
}

function globalKernel(plan: Plan, si: number, st: Extract<Stage, { kind: 'global' }>): KernelSpec {
  const { p } = plan;
  const t = new KernelText();
  const ten = t.bind('tensors', 'ten', 'ten', 'u32');
  const body: string[] = [`  let ntensors = ${ten}[0];`];
  for (const r of st.reduces) {
    const fn = p.insts[r]!.name!;
    const tot = t.bind('totals', `r${r}`, `tot_r${r}`, 'f32');
    const res = t.bind('result', `r${r}`, `res_r${r}`, 'f32', true);
    body.push('  {', `  var a = ${IDENT[fn]};`,
      `  for (var k = lid; k < ntensors; k = k + ${plan.wg}u) { a = ${FOLD[fn]!('a', `${tot}[k]`)}; }`,
      ...tree(plan.wg, fn, 'a', `${res}[0]`), '  }');
  }
  return assemble(plan, `s${si}_global`, t, undefined, body, true);
}
