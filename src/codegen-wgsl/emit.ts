// Scheduled IR -> WGSL kernels + manifest. One kernel per schedule group; each invocation handles one
// element (or one vec4 of elements). Step values arrive through one uniform struct; elem values that cross
// kernels (unfused schedules only) go through temporaries. Kernels are built with the one kernel builder
// (kernel.ts), values and state storage as every phased stage emits them (values.ts, state-io.ts).
import { invariant } from '../diag.js';
import { printIR } from '../ir/printer.js';
import type { KernelGroup, Program, ValueId } from '../ir/types.js';
import { planHost } from './host.js';
import { guardKernel, KernelText, uniformRef, type ModuleCtx } from './kernel.js';
import { emitMatrixModule } from './matrix-module.js';
import { emitPhasedModule } from './phased.js';
import { moduleOf, type KernelModule, type KernelSpec, type UniformLayout } from './manifest.js';
import { identPart, invocationIndex, SCALAR, VEC4, type VecTypes } from './wgsl.js';
import {
  fillTables, LANE_GROUP, loadState, storagePlan, storeAll, tileWalks, validLanes, type StoreMode,
} from './state-io.js';
import { rank1FinalizeKernel, rank1Locate, type Rank1Pass } from './rank1.js';
import { emitValues, hidesOperand, storedExpr, type Scope } from './values.js';

export interface CodegenOptions {
  /** Invocations per workgroup. */
  workgroupSize?: number;
  /**
   * Skip the whole step when any input element (g, extra inputs) is NaN or ±inf: a first kernel raises a
   * flag, every update kernel returns early when it is set, so nothing anywhere changes.
   */
  guard?: boolean;
  /**
   * Storage buffers a kernel may bind; a phased tensor stage that needs more is split into consecutive
   * kernels (default 8, WebGPU's guaranteed maxStorageBuffersPerShaderStage, so modules run on any device).
   */
  maxStorageBuffers?: number;
  /**
   * How a kernel that writes a block-scaled state finds each block's absmax before it writes a code.
   * 'serial' (default): one invocation owns a tile of whole blocks and walks it twice (absmax, then
   * update and encode), with no barriers. 'workgroup': one vec4 per invocation, the invocations of a
   * block meet in workgroup memory (a barrier tree). On lavapipe (llvmpipe runs a workgroup as SIMD
   * loops, split into coroutines at every barrier) serial measured 2.5-3x faster (docs/performance.md);
   * on a hardware GPU, where one invocation per 256 elements means uncoalesced loads and few threads,
   * 'workgroup' is the expected choice (not measured: no such device here).
   */
  blockAbsmax?: 'serial' | 'workgroup';
}

/** u32 fields before the step values: work items, and elements that hold data. */
const FUSED_HEADER = [['n', 'n'], ['len', 'len']] as const;

// 256 measured best for elementwise kernels on lavapipe (bench/profile.ts): 3-6 points of the copy roofline
// at 4M parameters, and at 16M it keeps the grid one-dimensional (64 would need 65,536 workgroups).
const DEFAULTS: Required<CodegenOptions> = { workgroupSize: 256, guard: false, maxStorageBuffers: 8, blockAbsmax: 'serial' };
/** Cooperative (compressed-state) kernels: narrower workgroups measured faster (fewer invocations per barrier). */
const COOP_WORKGROUP = 64;
/** Serial-block kernels: 64 invocations of one tile each (16,384 elements per workgroup at blocks of 256). */
const SERIAL_WORKGROUP = 64;

export function emitModule(p: Program, options: CodegenOptions = {}): KernelModule {
  // Only codegen's own options: compile() passes its whole option bag (file name, dumps) through.
  const opts = { workgroupSize: options.workgroupSize, guard: options.guard ?? DEFAULTS.guard, blockAbsmax: options.blockAbsmax ?? DEFAULTS.blockAbsmax };
  const sched = p.schedule;
  invariant(sched, () => `emitModule needs a scheduled program (run the pass pipeline first)\n${printIR(p)}`);
  // Matrix products, matrix states, fallback rules: matrix stages, specialized per tensor shape at bind time.
  if (sched.matrix) return emitMatrixModule(p, { guard: opts.guard });
  // Reductions, per-tensor/row/column values, randomness: the stage plan's kernels (phased.ts).
  if (sched.stages) return emitPhasedModule(p, { workgroupSize: opts.workgroupSize ?? DEFAULTS.workgroupSize, guard: opts.guard, maxStorageBuffers: options.maxStorageBuffers ?? DEFAULTS.maxStorageBuffers });

  // Compressed states need whole blocks inside one workgroup, 4 elements per invocation (vec4 only). An
  // f16/bf16 parameter is one more packed tensor, under the name 'p'. Stochastic rounding keys its bits by
  // tensor id and index within the tensor (srBits), which this kernel does not otherwise know. Every SR
  // store is a 16-bit store and so runs in a compressed-state kernel, which reads a per-64-element table
  // (`lanes`); a sibling table (`origins`: tensor id, in-tensor index of the group's first element) gives
  // it the rest, and t arrives as a u32 uniform.
  const storage = storagePlan(p);
  const { codecs, sr, storeValue } = storage;
  // Finite constants are spelled inline; every other step value the kernels read is a uniform field.
  // A run-time zero only where an operand must be hidden from the driver (values.ts `hidesOperand`).
  const zero = p.insts.some((_, id) => hidesOperand(p, id));
  const header = zero ? [...FUSED_HEADER, ['pad0', 'zero'] as const] : FUSED_HEADER;
  const { host, uniforms, fieldOf } = planHost(p, sched.uniforms, header, { srKey: sr.size > 0 });

  // Which kernel defines each elem value; values used outside their kernel become temporaries.
  const defKernel = new Map(sched.kernels.flatMap((k, ki) => k.insts.map((id) => [id, ki] as const)));
  const temps = new Set(sched.kernels.flatMap((k, ki) => [...k.insts.flatMap((id) => p.insts[id]!.args), ...k.stores.map((t) => storeValue.get(t)!)]
    .filter((a) => defKernel.has(a) && defKernel.get(a) !== ki)));

  // Rank-1 states the step writes: a maxima sweep before the kernel that stores them and a scale copy after
  // the step (rank1.ts). One it only reads gets neither: copying its (empty) maxima over its scales would
  // zero them.
  const rank1Stored = [...codecs].filter(([name, c]) => c.rank1 && p.stores.some((st) => st.target === name));
  const maxima = (k: KernelGroup) => k.stores.some((x) => codecs.get(x)?.rank1);
  const blocks = [...codecs.values()].map((c) => c.block ?? 0);
  // A tile of whole blocks of every scaled state (block sizes are powers of two: the largest is a multiple
  // of the others).
  const tile = opts.blockAbsmax === 'serial' ? Math.max(0, ...blocks) : 0;
  const coop = codecs.size > 0 && tile === 0;
  // A cooperative workgroup holds a whole block of every compressed state.
  const workgroupSize = coop ? Math.max(opts.workgroupSize ?? COOP_WORKGROUP, ...blocks.map((b) => b / 4))
    : tile ? opts.workgroupSize ?? SERIAL_WORKGROUP : opts.workgroupSize ?? DEFAULTS.workgroupSize;
  const ctx: EmitCtx = { p, fieldOf, temps, uniforms, workgroupSize, guard: opts.guard, coop, tile, ...storage };
  const variant = (v: VecTypes) => [
    ...(opts.guard ? [guardKernel(p, v, { title: title('guard', v), wg: workgroupSize, uniforms })] : []),
    ...sched.kernels.flatMap((k) => [
      ...(maxima(k) ? [emitKernel(ctx, { ...k, name: sched.kernels.length > 1 ? `rank1max_${k.name}` : 'rank1max' }, v, 'max')] : []),
      emitKernel(ctx, k, v),
    ]),
    ...rank1Stored.map(([name, c]) => rank1FinalizeKernel(p.name, c, name, opts.guard)),
  ];
  const variants = codecs.size ? { 4: variant(VEC4) } : { 1: variant(SCALAR), ...(sched.vectorWidth === 4 ? { 4: variant(VEC4) } : {}) };
  const tempNames = [...temps].sort((a, b) => a - b).map((id) => `t${id}`);
  return moduleOf(p, [sched, { workgroupSize, guard: opts.guard, tile }], { host, uniforms }, opts.guard, variants, { temps: tempNames });
}

/** The context every kernel of one fused module is emitted in. */
interface EmitCtx extends ModuleCtx {
  temps: Set<ValueId>;
  uniforms: UniformLayout;
  workgroupSize: number;
  /**
   * Cooperative kernels (any compressed state): invocations past the end stay alive until the last
   * barrier, so they compute on clamped indices and only `live` invocations write.
   */
  coop: boolean;
  /**
   * Serial-block kernels (blockAbsmax 'serial' and a block-scaled state): elements per invocation, a
   * multiple of every block size; 0 otherwise.
   */
  tile: number;
}

const title = (name: string, v: VecTypes) => `kernel ${name} (${v === VEC4 ? 'vec4' : 'scalar'})`;

function emitKernel(ctx: EmitCtx, k: KernelGroup, v: VecTypes, pass: Rank1Pass = 'encode'): KernelSpec {
  const { p } = ctx;
  const t = new KernelText();
  // Compressed-state kernels carry the library of every format of the module (the code tables they fill).
  for (const c of ctx.codecs.values()) t.codecs.add(c);
  // Loads index with `ix`: in cooperative kernels a dead invocation reads a clamped (real) element.
  const ix = ctx.coop || ctx.tile ? 'j' : 'i';
  const temp = (id: ValueId, write = false) => t.bind('temp', `t${id}`, `tmp${id}`, v.f, write);
  const load = (id: ValueId): string => {
    const inst = p.insts[id]!;
    if (inst.op === 'param' || inst.op === 'state') return loadState(t, ctx.codecs, inst.op === 'param' ? 'p' : inst.name!, v, ix, pass);
    const buf = inst.op === 'input' ? t.bind('input', inst.name!, `in_${identPart(inst.name!)}`, v.f) : temp(id);
    return inst.dtype === 'bool' ? `${buf}[${ix}] != ${v.f}(0.0)` : `${buf}[${ix}]`;
  };
  const s: Scope = { t, p, v, stepRef: uniformRef(p, ctx.fieldOf), load, names: new Map(), out: [], indent: '  ', zero: 'u.pad0' };
  emitValues(s, k.insts);

  // Serial-block kernels run the body twice (absmax, then update): writes go to the second walk only.
  const write = (variable: string, e: string) => (ctx.coop ? `  if (live) { ${variable}[i] = ${e}; }` : `  ${variable}[${ix}] = ${e};`);
  const writes: string[] = ctx.tile ? [] : s.out;
  if (pass === 'encode') for (const id of k.insts) if (ctx.temps.has(id)) writes.push(write(temp(id, true), storedExpr(s, id)));
  // The maxima sweep stores nothing but the rank-1 maxima.
  const targets = k.stores.filter((target) => pass !== 'max' || ctx.codecs.get(target)?.rank1);
  // Every stored value is named before the first store is written: a value that reads a state another
  // store overwrites (`let old = s0; s0 = ...; s1 = old;`) must load it first (fuzz seed 4002 #8849: s1
  // got the new value of an f16 s0).
  const stored = new Map(targets.map((target) => [target, storedExpr(s, ctx.storeValue.get(target)!)]));
  const origin: [string, string] = ['o_tensor', 'o_index'];
  const mode: StoreMode = pass === 'max' ? { kind: 'max', origin } : ctx.tile ? { kind: 'serial', origin, tile: ctx.tile } : { kind: 'coop', origin };
  const { lines, serial } = storeAll(t, ctx, targets, (target) => stored.get(target)!, mode, write, v.f);
  writes.push(...lines);
  const coded = targets.map((target) => ctx.codecs.get(target)).filter((c) => c !== undefined);
  const coop = mode.kind === 'coop';
  const usesRed = coop && coded.some((c) => c.block), usesPk = coop && coded.some((c) => c.rank1 || c.info.bitsPerElement === 4);
  // Which of vec4 `j`'s lanes hold data (tensors start at multiples of LANE_GROUP elements, and lanes[] holds
  // the count of real elements of each group), and for stochastic rounding the tensor id and in-tensor index.
  const lanes = (j: string, live?: string) => {
    t.bind('lanes', 'lanes', 'lanes', 'u32');
    const valid = [`  let e0 = ${j} * 4u;`, `  let valid = ${live ? `(${validLanes('e0')}) & vec4<bool>(${live})` : validLanes('e0')};`];
    if (!t.usesRng) return valid;
    t.bind('origins', 'origins', 'origins', 'u32');
    return [...valid, `  let og = min(e0, u.len - 1u) / ${LANE_GROUP}u;`, '  let o_tensor = origins[2u * og];', `  let o_index = origins[2u * og + 1u] + e0 % ${LANE_GROUP}u;`];
  };

  const head: string[] = [];
  if (ctx.coop) {
    head.push(...fillTables([...t.codecs], ctx.workgroupSize));
    head.push(`  let live = i < u.n${ctx.guard ? ' && skip[0] == 0u' : ''};`, '  let j = min(i, u.n - 1u);');
    if (coded.length) head.push(...lanes('i', 'live'));
    for (const name of t.rank1.keys()) { const at = rank1Locate(name, 'j'); head.push(...at.decl, ...at.each); }
  } else if (ctx.guard) head.push('  if (skip[0] != 0u) { return; }');
  let main = [...head, ...s.out];
  if (ctx.tile) {
    // Invocation i owns vec4s j0..j1 of one tile, walked twice; each walk places its own rank-1 cursors at j0.
    const located = [...t.rank1.keys()].map((name) => rank1Locate(name, 'j'));
    const each = [...(coded.length ? lanes('j') : []), ...located.flatMap((at) => at.each), ...s.out];
    main = [...head, ...tileWalks({ index: 'i', per: ctx.tile / 4, count: 'u.n', each, serial, writes, cursors: located.flatMap((at) => at.decl) })];
  }
  if (ctx.guard) t.bind('flag', 'skip', 'skip', 'u32');
  const wg = ctx.workgroupSize;
  const decls = usesPk ? [`var<workgroup> pk: array<u32, ${wg}>;`] : [];
  // Large tensors need more than 65,535 workgroups in x; the runtime spills into y.
  const body = [`  let i = ${invocationIndex(wg)};`, ...(ctx.coop || ctx.tile ? [] : ['  if (i >= u.n) { return; }']), ...main];
  const tables = ctx.coop ? 'workgroup' : 'const';
  const trees = usesRed ? 1 : 0, itemsPerInvocation = ctx.tile / 4;
  return t.assemble(p.name, k.name, { title: title(k.name, v), wg, uniforms: ctx.uniforms, trees, decls, tables, body, itemsPerInvocation });
}
