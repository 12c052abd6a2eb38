// Scheduled IR -> WGSL kernels + manifest. One kernel per schedule group; each invocation handles one
// element (or one vec4 of elements). Step values arrive through one uniform struct; elem values that cross
// kernels (unfused schedules only) go through temporaries.
import { CompileError, invariant } from '../diag.js';
import { printIR } from '../ir/printer.js';
import { RNG_WGSL, srDraw } from '../ir/rng.js';
import { paramFormat, type Inst, type KernelGroup, type Program, type ValueId } from '../ir/types.js';
import { planHost, SR_FIELD } from './host.js';
import { emitMatrixModule } from './matrix-module.js';
import { emitPhasedModule } from './phased.js';
import { manifestHead, type BindingSpec, type KernelModule, type KernelSpec } from './manifest.js';
import { f32Literal, identPart, MIXES_SCALARS, powHelpers, SCALAR, VEC4, wgslOp, type VecTypes } from './wgsl.js';
import { emitGuardKernel, kernelSpec, type Bound, type EmitCtx } from './fused-kernel.js';
import { wgslU32 } from '../formats/wgsl.js';
import { codecOf, decodeVec4, encodeVec4, fillTables, formatLibrary, LANE_GROUP, serialStore, validLanes, workgroupFor, type SerialStore, type StateCodec } from './state-io.js';
import {
  rank1Bindings, rank1Problem, rank1Decode, rank1EncodeLane, rank1FinalizeKernel, rank1Helpers, rank1Locate, rank1Store, type Rank1Pass,
} from './rank1.js';

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

// 256 measured best for elementwise kernels on lavapipe (bench/profile.ts): 3-6 points of the copy roofline
// at 4M parameters, and at 16M it keeps the grid one-dimensional (64 would need 65,536 workgroups).
/** u32 fields before the step values: work items, and elements that hold data. */
const FUSED_HEADER = [['n', 'n'], ['len', 'len']] as const;

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
  const rank1Error = rank1Problem(p);
  if (rank1Error) throw new CompileError([rank1Error], '');

  // Finite constants are spelled inline; every other step value the kernels read is a uniform field.
  const format = (target: string) => (target === 'p' ? paramFormat(p) : p.states.find((s) => s.name === target)!.format);
  const srStores = p.stores.filter((st) => format(st.target).rounding === 'stochastic');
  const { host, uniforms, fieldOf } = planHost(p, sched.uniforms, FUSED_HEADER, { srKey: srStores.length > 0 });

  // Which kernel defines each elem value; values used outside their kernel become temporaries.
  const defKernel = new Map<ValueId, number>();
  sched.kernels.forEach((k, ki) => k.insts.forEach((id) => defKernel.set(id, ki)));
  const temps = new Set<ValueId>();
  const storeValue = new Map(p.stores.map((s) => [s.target, s.value]));
  sched.kernels.forEach((k, ki) => {
    const uses = [...k.insts.flatMap((id) => p.insts[id]!.args), ...k.stores.map((t) => storeValue.get(t)!)];
    for (const a of uses) {
      const d = defKernel.get(a);
      if (d !== undefined && d !== ki) temps.add(a);
    }
  });

  // Compressed states need whole blocks inside one workgroup, 4 elements per invocation (vec4 only). An
  // f16/bf16 parameter is one more packed tensor, under the name 'p'.
  const codecs = new Map<string, StateCodec>();
  for (const s of p.states) { const c = codecOf(s.format); if (c) codecs.set(s.name, c); }
  const pc = codecOf(paramFormat(p));
  if (pc) codecs.set('p', pc);
  // Rank-1 states the step writes: a maxima sweep before the step and a scale copy after it (rank1.ts).
  // One it only reads gets neither: copying its (empty) maxima over its scales would zero them.
  const rank1Stored = [...codecs].filter(([name, c]) => c.rank1 && p.stores.some((st) => st.target === name));
  const blocks = [...codecs.values()].map((c) => c.block ?? 0);
  // A tile of whole blocks of every scaled state (block sizes are powers of two: the largest is a multiple
  // of the others).
  const tile = opts.blockAbsmax === 'serial' ? Math.max(0, ...blocks) : 0;
  const coop = codecs.size > 0 && tile === 0;
  // Stochastic rounding keys its bits by tensor id and index within the tensor (srBits), which this kernel
  // does not otherwise know. Every SR store is a 16-bit store and so runs in a compressed-state kernel,
  // which reads a per-64-element table (`lanes`); a sibling table (`origins`: tensor id, in-tensor index of
  // the group's first element) gives it the rest, and t arrives as a u32 uniform. Routing SR programs
  // through the phased kernels instead would need compressed state there (E0310), a larger change.
  const sr = new Map(srStores.map((st) => [st.target, srDraw(st.target)]));
  const workgroupSize = coop ? workgroupFor([...codecs.values()], opts.workgroupSize ?? COOP_WORKGROUP)
    : tile ? opts.workgroupSize ?? SERIAL_WORKGROUP : opts.workgroupSize ?? DEFAULTS.workgroupSize;
  const ctx: EmitCtx = { p, fieldOf, temps, defKernel, storeValue, uniforms, workgroupSize, guard: opts.guard, codecs, coop, tile, sr };
  const variant = (v: VecTypes) => [
    ...(opts.guard ? [emitGuardKernel({ ...ctx, coop: false }, v)] : []),
    ...(rank1Stored.length ? [emitKernel(ctx, { ...sched.kernels[0]!, name: 'rank1max' }, v, 'max')] : []),
    ...sched.kernels.map((k) => emitKernel(ctx, k, v)),
    ...rank1Stored.map(([name, c]) => rank1FinalizeKernel(p.name, c, name, opts.guard)),
  ];
  return {
    ...manifestHead(p, [sched, { workgroupSize, guard: opts.guard, tile }]),
    host,
    uniforms,
    temps: [...temps].sort((a, b) => a - b).map((id) => `t${id}`),
    variants: codecs.size ? { 4: variant(VEC4) } : { 1: variant(SCALAR), ...(sched.vectorWidth === 4 ? { 4: variant(VEC4) } : {}) },
    guard: opts.guard,
  };
}

function varName(inst: Inst, id: ValueId): string {
  return `v${id}${inst.label ? `_${identPart(inst.label)}` : ''}`;
}

/** The buffer of the parameter ('p') or of a state. */
function tensorBuffer(name: string): { kind: 'param' | 'state'; name: string; variable: string } {
  return name === 'p' ? { kind: 'param', name: 'p', variable: 'param' } : { kind: 'state', name, variable: `st_${identPart(name)}` };
}

/** The storage buffer a tensor leaf or temp is read from / written to. */
function bufferOf(ctx: EmitCtx, id: ValueId): { kind: BindingSpec['kind']; name: string; variable: string } {
  const inst = ctx.p.insts[id]!;
  switch (inst.op) {
    case 'param': return tensorBuffer('p');
    case 'input': return { kind: 'input', name: inst.name!, variable: `in_${identPart(inst.name!)}` };
    case 'state': return tensorBuffer(inst.name!);
    default: return { kind: 'temp', name: `t${id}`, variable: `tmp${id}` };
  }
}

function emitKernel(ctx: EmitCtx, k: KernelGroup, v: VecTypes, pass: Rank1Pass = 'encode'): KernelSpec {
  const { p } = ctx;
  const body: string[] = [];
  const bound = new Map<string, Bound>();
  const bindVar = (b: Omit<Bound, 'binding' | 'access'>, write: boolean) => {
    const prev = bound.get(b.variable);
    if (prev) { if (write) prev.access = 'read_write'; return b.variable; }
    bound.set(b.variable, { binding: 0, access: write ? 'read_write' : 'read', ...b });
    return b.variable;
  };
  const bind = (id: ValueId, write: boolean) => bindVar(bufferOf(ctx, id), write);
  /** Codes and scales buffers of a compressed state. */
  const bindCodec = (name: string, write: boolean) => {
    const c = ctx.codecs.get(name)!;
    const codes = bindVar({ ...tensorBuffer(name), type: 'u32' }, write);
    if (c.rank1) for (const { write: w, ...b } of rank1Bindings(name, pass)) bindVar(b, w);
    const scales = c.block ? bindVar({ kind: 'scales', name, variable: `sc_${identPart(name)}`, type: 'f32' }, write) : '';
    return { c, codes, scales };
  };
  // Loads index with `ix`: in cooperative kernels a dead invocation reads a clamped (real) element.
  const ix = ctx.coop || ctx.tile ? 'j' : 'i';
  const local = new Map<ValueId, string>();
  let usesPow = false;

  const stepExpr = (id: ValueId): string => {
    const inst = p.insts[id]!;
    const field = ctx.fieldOf.get(id);
    if (field === undefined) {
      invariant(inst.op === 'const', () => `step value %${id} is read by a kernel but is not a uniform\n${printIR(p)}`);
      return f32Literal(inst.value!);
    }
    return inst.dtype === 'bool' ? `(u.${field} != 0.0)` : `u.${field}`;
  };
  /** An operand as WGSL: elem values by local name, step values from the uniform, splatted when needed. */
  const operand = (id: ValueId, splat: boolean): string => {
    const inst = p.insts[id]!;
    if (inst.space === 'elem') return load(id);
    const s = stepExpr(id);
    return splat && v === VEC4 ? `${inst.dtype === 'bool' ? v.b : v.f}(${s})` : s;
  };
  /** Loads a tensor leaf or a temporary into a local the first time this kernel needs it. */
  const load = (id: ValueId): string => {
    const have = local.get(id);
    if (have) return have;
    const inst = p.insts[id]!;
    const name = varName(inst, id);
    const packed = inst.op === 'param' ? 'p' : inst.op === 'state' ? inst.name! : undefined;
    if (packed !== undefined && ctx.codecs.has(packed)) {
      const { c, codes, scales } = bindCodec(packed, false);
      body.push(`  let ${name} = ${c.rank1 ? rank1Decode(c, packed, ix) : decodeVec4(c, codes, scales, ix).expr};`);
    } else {
      const buf = bind(id, false);
      body.push(inst.dtype === 'bool' ? `  let ${name} = ${buf}[${ix}] != ${v.f}(0.0);` : `  let ${name} = ${buf}[${ix}];`);
    }
    local.set(id, name);
    return name;
  };
  /** A value as a full-width f32 expression, for writing to memory. */
  const asStored = (id: ValueId): string => {
    const inst = p.insts[id]!;
    const e = operand(id, true);
    return inst.dtype === 'bool' ? `select(${v.f}(0.0), ${v.f}(1.0), ${e})` : e;
  };

  for (const id of k.insts) {
    const inst = p.insts[id]!;
    const spell = wgslOp[inst.op];
    invariant(spell, () => `no WGSL spelling for '${inst.op}' (%${id})`);
    if (inst.op === 'pow') usesPow = true;
    const args = inst.args.map((a) => operand(a, !MIXES_SCALARS.has(inst.op)));
    const name = varName(inst, id);
    body.push(`  let ${name} = ${spell(args, v)};`);
    local.set(id, name);
  }
  // Serial-block kernels run the body twice (absmax, then update): writes go to the second walk only.
  const writes: string[] = ctx.tile ? [] : body;
  const serial: SerialStore[] = [];
  const write = (variable: string, e: string) => writes.push(ctx.coop ? `  if (live) { ${variable}[i] = ${e}; }` : `  ${variable}[${ix}] = ${e};`);
  for (const id of k.insts) {
    if (!ctx.temps.has(id) || pass === 'max') continue;
    write(bind(id, true), asStored(id));
  }
  let usesRed = false, usesPk = false, usesValid = false, usesSr = false;
  /** Tensor id and in-tensor index of element e0, for stochastic rounding. */
  const originLines = () => {
    bindVar({ kind: 'origins', name: 'origins', variable: 'origins', type: 'u32' }, false);
    return [`  let og = min(e0, u.len - 1u) / ${LANE_GROUP}u;`, '  let o_tensor = origins[2u * og];', `  let o_index = origins[2u * og + 1u] + e0 % ${LANE_GROUP}u;`];
  };
  for (const target of k.stores) {
    const value = ctx.storeValue.get(target)!;
    const codec = ctx.codecs.get(target);
    // The maxima sweep stores nothing but the rank-1 maxima.
    if (pass === 'max' && !codec?.rank1) continue;
    if (codec?.rank1) {
      // The maxima sweep binds the codes only where the step reads the old value (auto layouts drop unused bindings).
      const codes = pass === 'encode' ? bindCodec(target, true).codes : '';
      if (pass === 'max') for (const { write: w, ...bd } of rank1Bindings(target, pass)) bindVar(bd, w);
      usesValid = true;
      if (pass === 'encode' && !ctx.tile) usesPk = true;
      if (ctx.tile && pass === 'encode') {
        // Serial-block kernel: the scales are the max sweep's, so no absmax walk; the word as block-wise 4-bit.
        const st = serialStore(codec, asStored(value), codes, '', identPart(target), ctx.tile, { encodeLane: rank1EncodeLane(codec, target) });
        writes.push(...st.encode);
        serial.push(st);
        continue;
      }
      body.push(...rank1Store(codec, target, asStored(value), pass));
      continue;
    }
    if (codec) {
      const { codes, scales } = bindCodec(target, true);
      usesValid = true;
      const draw = ctx.sr.get(target);
      if (draw !== undefined) usesSr = true;
      const rand = draw === undefined ? undefined : (k: number) => `optc_rng_u32(u.${SR_FIELD}, o_tensor, o_index + ${k}u, ${wgslU32(draw)})`;
      if (ctx.tile) {
        const st = serialStore(codec, asStored(value), codes, scales, identPart(target), ctx.tile, { rand });
        writes.push(...st.encode);
        serial.push(st);
        continue;
      }
      if (codec.block) usesRed = true;
      if (codec.info.bitsPerElement === 4) usesPk = true;
      body.push(...encodeVec4(codec, asStored(value), codes, scales, identPart(target), ctx.workgroupSize, rand));
      continue;
    }
    write(bindVar(tensorBuffer(target), true), asStored(value));
  }

  const head: string[] = [];
  const rank1States = [...ctx.codecs].filter(([name, c]) => c.rank1 && bound.has(`r1t_${identPart(name)}`)).map(([name]) => name);
  if (ctx.coop) {
    head.push(...fillTables([...ctx.codecs.values()], ctx.workgroupSize));
    head.push(`  let live = i < u.n${ctx.guard ? ' && skip[0] == 0u' : ''};`, '  let j = min(i, u.n - 1u);');
    if (usesValid) {
      // Which of this invocation's 4 elements hold data: tensors start at multiples of LANE_GROUP
      // elements, and lanes[] holds the count of real elements of each group.
      bindVar({ kind: 'lanes', name: 'lanes', variable: 'lanes', type: 'u32' }, false);
      head.push(`  let e0 = i * 4u;`, `  let valid = (${validLanes('e0')}) & vec4<bool>(live);`);
    }
    if (usesSr) head.push(...originLines());
    for (const name of rank1States) { const at = rank1Locate(name, 'j'); head.push(...at.decl, ...at.each); }
  } else if (ctx.guard) head.push('  if (skip[0] != 0u) { return; }');
  let main = [...head, ...body];
  if (ctx.tile) {
    // Invocation i owns vec4s j0..j1 of one tile. The first walk only folds each block's absmax (its
    // stores are dead code), the second recomputes the same values, writes them and encodes; scales are
    // written last, since the second walk still decodes the old codes with the old scales.
    const per = ctx.tile / 4;
    const lanes = serial.length || usesValid;
    if (lanes) bindVar({ kind: 'lanes', name: 'lanes', variable: 'lanes', type: 'u32' }, false);
    const valid = lanes ? [`  let e0 = j * 4u;`, `  let valid = ${validLanes('e0')};`,
      ...(usesSr ? originLines() : [])] : [];
    const located = rank1States.map((name) => rank1Locate(name, 'j'));
    for (const at of located) valid.push(...at.each);
    // Each walk places its own rank-1 cursors (rank1.ts) at j0.
    const loop = (lines: string[]) => ['  for (var j = j0; j < j1; j++) {', ...[...valid, ...body, ...lines].map((l) => `  ${l}`), '  }'];
    const walk = (lines: string[]) => (located.length
      ? ['  {', ...located.flatMap((at) => at.decl), ...loop(lines), '  }'].map((l, n, all) => (n === 0 || n === all.length - 1 ? l : `  ${l}`))
      : loop(lines));
    main = [
      ...head,
      `  let j0 = i * ${per}u;`,
      '  if (j0 >= u.n) { return; }',
      `  let j1 = min(j0 + ${per}u, u.n);`,
      ...serial.flatMap((st) => st.decl),
      ...(serial.some((st) => st.absmax.length) ? walk(serial.flatMap((st) => st.absmax)) : []),
      ...serial.flatMap((st) => st.mid),
      ...walk(writes),
      ...serial.flatMap((st) => st.finish),
    ];
  }
  const bindings = [...bound.values()];
  if (ctx.guard) bindings.push({ binding: 0, kind: 'flag', name: 'skip', access: 'read', variable: 'skip' });
  const shared = [
    ...(usesRed ? [`var<workgroup> red: array<f32, ${ctx.workgroupSize}>;`] : []),
    ...(usesPk ? [`var<workgroup> pk: array<u32, ${ctx.workgroupSize}>;`] : []),
  ];
  const library = ctx.coop ? [formatLibrary([...ctx.codecs.values()])] : ctx.tile ? [formatLibrary([...ctx.codecs.values()], 'const')] : [];
  const helpers = [...shared, ...(usesPow ? [powHelpers(v === VEC4)] : []), ...library, ...(usesSr ? [RNG_WGSL] : []),
    ...rank1States.map((name) => rank1Helpers(ctx.codecs.get(name)!, name, pass))];
  return kernelSpec(ctx, k.name, v, bindings, helpers, main);
}
