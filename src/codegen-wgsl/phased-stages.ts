// Phased kernels, one function per kind of stage (src/ir/schedule.ts): element sweeps (`flatKernel`: tiles
// of one tensor piece with reduction partials and the elem stores; `lineKernel`: row or column blocks) and
// finishes (`tensorKernel`: one workgroup per tensor; `globalKernel`: one workgroup).
import type { Stage, ValueId } from '../ir/types.js';
import { SEG, TEN, TEN_ZERO, TENSOR_HEADER, TENSOR_STRIDE, type KernelSpec, type UniformLayout } from './manifest.js';
import { FOLD, IDENT, identPart, invocationIndex, SCALAR, summand, tree, VEC4, WORKGROUP_INDEX, type VecTypes } from './wgsl.js';
import { KernelText, stepRef } from './kernel.js';
import { operand, storedExpr } from './values.js';
import {
  assemble, COL_BLOCK, ELEMS_PER_INVOCATION, emitRoots, findSegment, foldTree, packed, phasedScope, ROW_BLOCK, smallIndex, strided,
  type Plan, type PhasedScope,
} from './phased-kernel.js';

// ---- elem stages --------------------------------------------------------------------------------------

export function flatKernel(plan: Plan, si: number, reduces: ValueId[], stores: string[], v: VecTypes, uniforms: UniformLayout): KernelSpec {
  const { storeValue } = plan;
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
    // The trip count hides behind the run-time zero so the driver keeps the loop (see firstLevel).
    `  for (var k = 0u; k < ${ELEMS_PER_INVOCATION}u + u.pad0; k = k + 1u) {`,
    `    let li = tileBase + k * ${round}u + lid * ${W}u;`,
    `    let i = (chunkOffset + li) / ${W}u;`,
    '    let ti = tensorOffset + li;',
    ...(vec ? [] : ['    let r = ti / max(cols, 1u);', '    let c = ti % max(cols, 1u);']),
  ];
  const scope = phasedScope(t, plan, plan.stages[si]!.at, v, '      ');
  const { fns, args, decls } = accumulators(plan, reduces);
  emitRoots(scope, [...args, ...stores.map((x) => storeValue.get(x)!)]);
  body.push(...decls, ...loopHead, '    if (inSeg && li < seglen) {', ...scope.out);
  fns.forEach((fn, k) => {
    const x = operand(scope, args[k]!, vec);
    if (vec) {
      body.push(`      let m${k} = select(vec4<f32>(${IDENT[fn]}), ${x}, vec4<u32>(li) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(seglen));`);
      body.push(`      acc${k} = ${FOLD[fn]!(`acc${k}`, FOLD[fn]!(FOLD[fn]!(`m${k}.x`, `m${k}.y`), FOLD[fn]!(`m${k}.z`, `m${k}.w`)))};`);
    } else body.push(`      acc${k} = ${FOLD[fn]!(`acc${k}`, summand(fn, x, 'u.pad0'))};`);
  });
  for (const target of stores) {
    body.push(`      ${t.tensor(target, v.f, true)}[i] = ${storedExpr(scope, storeValue.get(target)!)};`);
  }
  body.push('    }', '  }');
  // All of the stage's reductions share one tree (one set of barriers), each in its own workgroup array.
  if (reduces.length) {
    const parts = reduces.map((r) => t.bind('partials', `r${r}`, `part_r${r}`, 'f32', true));
    body.push(...tree(plan.wg, fns, fns.map((_, k) => `acc${k}`), parts.map((part) => `${part}[seg[sb + ${SEG.partBase}u] + tile - tileStart]`), 'u.pad0', 'inSeg'));
  }
  return assemble(plan, `s${si}_elems`, t, uniforms, body, reduces.length);
}

/** The reductions `rs` of an element sweep: their functions, their arguments, and accumulators `acc<k>`. */
function accumulators(plan: Plan, rs: ValueId[]): { fns: string[]; args: ValueId[]; decls: string[] } {
  const fns = rs.map((r) => plan.p.insts[r]!.name!);
  return { fns, args: rs.map((r) => plan.p.insts[r]!.args[0]!), decls: fns.map((fn, k) => `  var acc${k} = ${IDENT[fn]};`) };
}

/** Row sums (`row`: each invocation one block of ROW_BLOCK columns of a row) or column sums (`col`). */
export function lineKernel(plan: Plan, si: number, reduces: ValueId[], which: 'row' | 'col', uniforms: UniformLayout, suffix = ''): KernelSpec {
  const t = new KernelText();
  t.bind('segments', 'seg', 'seg', 'u32');
  const byRow = which === 'row';
  // A row item is block b of row r (nb blocks per row); a column item, block b of column c (mb per column).
  const [start, block, along] = byRow ? [SEG.rowItemStart, ROW_BLOCK, 'cols'] : [SEG.colItemStart, COL_BLOCK, 'rows'];
  const body: string[] = [
    `  let item = ${invocationIndex(plan.wg)};`,
    `  if (item >= u.${byRow ? 'nrow' : 'ncol'}) { return; }`,
    ...findSegment('item', start),
    `  let local = item - seg[sb + ${start}u];`,
    ...(byRow ? [`  let nb = seg[sb + ${SEG.rowBlocks}u];`, '  let r = local / nb;', '  let b = local % nb;']
      : [`  let mb = (rows + ${COL_BLOCK - 1}u) / ${COL_BLOCK}u;`, '  let b = local / cols;', '  let c = local % cols;']),
    `  let k0 = b * ${block}u;`,
    `  let k1 = min(${along}, k0 + ${block}u);`,
  ];
  const { fns, args, decls } = accumulators(plan, reduces);
  const scope = phasedScope(t, plan, plan.stages[si]!.at, SCALAR, '    ');
  emitRoots(scope, args);
  body.push(
    ...decls,
    '  for (var k = k0; k < k1; k = k + 1u) {',
    ...(byRow ? ['    let c = k;'] : ['    let r = k;']),
    '    let ti = r * cols + c;',
    '    let i = chunkOffset + ti;',
    ...scope.out,
    ...fns.map((fn, k) => `    acc${k} = ${FOLD[fn]!(`acc${k}`, summand(fn, operand(scope, args[k]!, false), 'u.pad0'))};`),
    '  }',
  );
  const [partBase, at] = byRow ? [SEG.rowPartBase, 'r * nb + b'] : [SEG.colPartBase, 'c * mb + b'];
  reduces.forEach((r, k) => body.push(`  ${t.bind('partials', `r${r}`, `part_r${r}`, 'f32', true)}[seg[sb + ${partBase}u] + ${at}] = acc${k};`));
  return assemble(plan, `s${si}_${which}s${suffix}`, t, uniforms, body, 0);
}

// ---- tensor and global stages --------------------------------------------------------------------------

/**
 * A tensor stage: one workgroup per tensor. Its parts (each reduction, the row, column and per-tensor
 * stores) go into one kernel, or, when together they bind more than `plan.maxStorage` storage buffers, into
 * consecutive kernels (dispatches in order see each other's writes), so no kernel exceeds the device limit.
 */
export function tensorKernels(plan: Plan, si: number, st: Extract<Stage, { kind: 'tensor' }>): KernelSpec[] {
  const { p, wg, storeValue } = plan;
  const stage = plan.stages[si]!.at;
  const scalars = [...plan.fieldOf.keys()];
  const scalar = (id: ValueId) => (scalars.includes(id) ? `gs[grp * ${scalars.length}u + ${scalars.indexOf(id)}u]` : undefined);
  const scope = (t: KernelText, indent: string) => phasedScope(t, plan, stage, SCALAR, indent, stepRef(p, scalar), TEN_ZERO);
  const loop = (domain: 'row' | 'col') => domain === 'row'
    ? `  for (var r = lid; r < rows; r = r + ${wg}u) {` : `  for (var c = lid; c < cols; c = c + ${wg}u) {`;
  const barrier = ['  storageBarrier();', '  workgroupBarrier();'];
  /** The parts, each writing its lines into the kernel it lands in. */
  const parts: ((t: KernelText) => string[])[] = [];

  for (const r of st.reduces) parts.push((t) => {
    const inst = p.insts[r]!;
    const fn = inst.name!;
    const a = inst.args[0]!;
    const argSpace = p.insts[a]!.space;
    const dest = inst.over === 'global' ? `${t.bind('totals', `r${r}`, `tot_r${r}`, 'f32', true)}[tns]`
      : `${t.bind('result', `r${r}`, `res_r${r}`, 'f32', true)}[${smallIndex(inst.space, false)}]`;
    if (argSpace === 'elem') {
      const part = t.bind('partials', `r${r}`, `part_r${r}`, 'f32');
      if (inst.over === 'row' || inst.over === 'col') {
        const [n, base, idx] = inst.over === 'row' ? ['rowBlocks', 'rowPartStart', 'r'] : ['colBlocks', 'colPartStart', 'c'];
        return [loop(inst.over), `    var a = ${IDENT[fn]};`,
          `    for (var b = 0u; b < ${n}; b = b + 1u) { a = ${FOLD[fn]!('a', `${part}[${base} + ${idx} * ${n} + b]`)}; }`,
          `    ${dest} = a;`, '  }', ...barrier];
      }
      return [...foldTree(wg, fn, [strided(wg, fn, 'partCount', `${part}[partStart + k]`)], dest, TEN_ZERO), ...barrier];
    }
    // A line reduction of a value narrower than elem (constant folding can leave one: `row_mean(c ? h : g)`
    // with `c` false) has no partials: fold the broadcast value along the line here, as the interpreter does.
    if (inst.over === 'row' || inst.over === 'col') return [...lineOfNarrow((indent) => scope(t, indent), loop, inst.over, argSpace, fn, a, dest), ...barrier];
    const s = scope(t, '    ');
    emitRoots(s, [a]);
    const x = operand(s, a, false);
    if (argSpace === 'row' || argSpace === 'col') {
      return [...foldTree(wg, fn, [loop(argSpace), ...s.out, `    a = ${FOLD[fn]!('a', summand(fn, x, TEN_ZERO))};`, '  }'], dest, TEN_ZERO), ...barrier];
    }
    // A global reduction of a tensor value: this tensor's term.
    return ['  if (lid == 0u) {', ...s.out, `    ${dest} = ${x};`, '  }', ...barrier];
  });

  // Small stores: rows, then columns (each invocation computes every value of its index before writing any),
  // then, once every loop has read what it needs, the per-tensor ones.
  const spaceOf = (x: string) => p.states.find((s) => s.name === x)!.space!;
  const small = (t: KernelText, targets: string[]) => {
    const s = scope(t, '    ');
    emitRoots(s, targets.map((x) => storeValue.get(x)!));
    const sm = (x: string) => `${t.bind('small', x, `sm_${identPart(x)}`, 'f32', true)}[${smallIndex(spaceOf(x), false)}]`;
    for (const x of targets) {
      const now = sm(x);
      if (plan.keepOld.has(x)) s.out.push(`    ${t.bind('oldsmall', x, `old_${identPart(x)}`, 'f32', true)}[${smallIndex(spaceOf(x), false)}] = ${now};`);
    }
    for (const x of targets) s.out.push(`    ${sm(x)} = ${storedExpr(s, storeValue.get(x)!)};`);
    return s.out;
  };
  for (const domain of ['row', 'col'] as const) {
    const targets = st.stores.filter((x) => spaceOf(x) === domain);
    if (targets.length) parts.push((t) => [loop(domain), ...small(t, targets), '  }']);
  }
  const tensorTargets = st.stores.filter((x) => spaceOf(x) === 'tensor');
  if (tensorTargets.length) parts.push((t) => [...barrier, '  if (lid == 0u) {', ...small(t, tensorTargets), '  }']);

  const header = [
    `  let tns = ${WORKGROUP_INDEX};`,
    `  let tb = ${TENSOR_HEADER}u + tns * ${TENSOR_STRIDE}u;`,
    ...Object.entries(TEN).map(([k, off]) => `  let ${k === 'group' ? 'grp' : k} = ten[tb + ${off}u];`),
  ];
  const kernel = (group: typeof parts, suffix = '') => {
    const t = new KernelText();
    t.bind('tensors', 'ten', 'ten', 'u32');
    t.bind('gscalars', 'gs', 'gs', 'f32');
    return assemble(plan, `s${si}_tensors${suffix}`, t, undefined, [...header, ...group.flatMap((part) => part(t))], 1);
  };
  return parts.length ? packed(plan.maxStorage, parts, kernel) : [kernel([])];
}

/**
 * Per-row (per-column) fold of `a`, whose space is narrower than elem, over the line's elements. A value
 * constant along the line (its own line space, tensor, step) folds to `f32(n) * x` for a sum, which is the
 * interpreter's float64 sum of n copies rounded once, and to `x` for max/min; a value of the other line
 * space is folded element by element.
 */
function lineOfNarrow(scope: (indent: string) => PhasedScope, loop: (d: 'row' | 'col') => string,
  line: 'row' | 'col', argSpace: string, fn: string, a: ValueId, dest: string): string[] {
  const [other, n, j] = line === 'row' ? ['col', 'cols', 'c'] as const : ['row', 'rows', 'r'] as const;
  if (argSpace === other) {
    const s = scope('      ');
    emitRoots(s, [a]);
    return [loop(line), `    var a = ${IDENT[fn]};`, `    for (var ${j} = 0u; ${j} < ${n}; ${j} = ${j} + 1u) {`, ...s.out,
      `      a = ${FOLD[fn]!('a', summand(fn, operand(s, a, false), TEN_ZERO))};`, '    }', `    ${dest} = a;`, '  }'];
  }
  const s = scope('    ');
  emitRoots(s, [a]);
  const x = operand(s, a, false);
  return [loop(line), ...s.out, `    ${dest} = ${fn === 'sum' ? `f32(${n}) * ${x}` : x};`, '  }'];
}

export function globalKernel(plan: Plan, si: number, st: Extract<Stage, { kind: 'global' }>): KernelSpec {
  const { p } = plan;
  const t = new KernelText();
  const ten = t.bind('tensors', 'ten', 'ten', 'u32');
  const body: string[] = [`  let ntensors = ${ten}[0];`];
  for (const r of st.reduces) {
    const fn = p.insts[r]!.name!;
    const tot = t.bind('totals', `r${r}`, `tot_r${r}`, 'f32');
    const res = t.bind('result', `r${r}`, `res_r${r}`, 'f32', true);
    body.push(...foldTree(plan.wg, fn, [strided(plan.wg, fn, 'ntensors', `${tot}[k]`)], `${res}[0]`, TEN_ZERO));
  }
  return assemble(plan, `s${si}_global`, t, undefined, body, 1);
}
