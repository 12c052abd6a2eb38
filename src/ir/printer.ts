// The one textual form of the IR, used by `--emit ir`, `--dump-after`, golden tests and invariant messages.
// Deterministic: values are numbered by position, declarations print in declaration order.
import type { Inst, Program, Stage } from './types.js';

export function fmtNumber(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (Object.is(x, -0)) return '-0';
  return String(x);
}

export function printInst(inst: Inst, id: number): string {
  let rhs: string;
  switch (inst.op) {
    case 'const': rhs = `const ${fmtNumber(inst.value!)}`; break;
    case 'hyper': case 'input': case 'state': case 'scalar': case 'dim': rhs = `${inst.op} ${inst.name}`; break;
    case 'reduce': rhs = `reduce.${inst.name}.${inst.over} %${inst.args[0]}`; break;
    case 'rand': rhs = `rand.${inst.name} %${inst.args[0]}`; break;
    case 'param': rhs = 'param p'; break;
    case 'eye': rhs = 'eye'; break;
    case 'step': rhs = 'step t'; break;
    default: rhs = `${inst.op} ${inst.args.map((a) => `%${a}`).join(', ')}`;
  }
  // Printed for invariant messages too, so a malformed instruction (a mat value without a shape) prints.
  const space = inst.space === 'mat' ? `mat[${inst.shape?.join(', ') ?? '?'}]` : inst.space;
  const type = inst.dtype === 'f32' ? space : `${inst.dtype} ${space}`;
  const lhs = `  %${id} = ${rhs}`;
  return `${lhs.padEnd(34)} : ${type}${inst.label ? `  ; ${inst.label}` : ''}`;
}

/** One line of the phase plan: `stage 1 tensor: reduce %9 %12  -> r, c  (keep old r)`. */
export function printStage(st: Stage, i: number): string {
  switch (st.kind) {
    case 'matmul': {
      const op = (o: typeof st.a) => `${o.buffer}${o.transpose ? 'ᵀ' : ''}${o.orient ? ' (oriented)' : ''}`;
      return `stage ${i} matmul: %${st.mm} = ${op(st.a)} @ ${op(st.b)}${st.root !== st.mm ? `, epilogue %${st.root}` : ''}  -> ${st.out}`;
    }
    case 'map': return `stage ${i} map: %${st.root} over ${st.shape.join(' × ')}  -> ${st.out}`;
    case 'reduce': return `stage ${i} reduce: %${st.root}  -> slot ${st.slot}`;
    case 'copy': return `stage ${i} copy: ${st.from}  -> ${st.to}`;
    default: break;
  }
  const reduces = st.reduces.length ? ` reduce ${st.reduces.map((r) => `%${r}`).join(' ')}` : '';
  const stores = st.kind !== 'global' && st.stores.length ? `  -> ${st.stores.join(', ')}` : '';
  const keep = st.kind === 'tensor' && st.keepOld.length ? `  (keep old ${st.keepOld.join(', ')})` : '';
  return `stage ${i} ${st.kind}:${reduces || ' -'}${stores}${keep}`;
}

export function printIR(p: Program, opts: { spans?: boolean } = {}): string {
  const out: string[] = [`optimizer ${p.name}`];
  for (const h of p.hypers) out.push(`  hyper ${h.name} = ${fmtNumber(h.default)}`);
  for (const s of p.states) {
    const space = s.space === 'mat' ? `mat ${s.shape?.join(', ') ?? '?'}` : s.space;
    out.push(`  state ${s.name}: ${s.format.kind}${space && space !== 'elem' ? ` [${space}]` : ''} = %${s.init}`);
  }
  out.push(`  inputs ${p.inputs.map((i) => i.name).join(', ')}`);
  if (p.scalars?.length) out.push(`  scalars ${p.scalars.map((s) => s.name).join(', ')}`);
  p.insts.forEach((inst, id) => {
    const line = printInst(inst, id);
    out.push(opts.spans && inst.span ? `${line}  @${inst.span.start}..${inst.span.end}` : line);
  });
  for (const s of p.stores) out.push(`  store ${s.target} <- %${s.value}`);
  for (const e of p.entries ?? []) for (const s of e.stores) out.push(`  store ${s.target} <- %${s.value}  @${e.name}`);
  if (p.fallback) out.push('fallback', ...printIR(p.fallback, opts).trimEnd().split('\n').map((l) => `  ${l}`));
  if (p.schedule) {
    const sc = p.schedule;
    out.push('schedule');
    out.push(`  uniforms ${sc.uniforms.length ? sc.uniforms.map((u) => `%${u}`).join(' ') : '(none)'}`);
    out.push(`  vector ${sc.vectorWidth}`);
    for (const k of sc.kernels) {
      const stores = k.stores.length ? `  -> ${k.stores.join(', ')}` : '';
      out.push(`  kernel ${k.name}: ${k.insts.map((i) => `%${i}`).join(' ')}${stores}`);
    }
    sc.stages?.forEach((st, i) => out.push(`  ${printStage(st, i)}`));
    if (sc.matrix) {
      const m = sc.matrix;
      if (m.conds.length) out.push(`  host conditions ${m.conds.map((c) => `%${c}`).join(' ')}`);
      m.variants.forEach((v, bits) => {
        if (m.conds.length) out.push(`  variant ${bits} (${m.conds.map((c, k) => `%${c}=${(bits >> k) & 1}`).join(', ')})`);
        v.stages.forEach((st, i) => out.push(`  ${m.conds.length ? '  ' : ''}${printStage(st, i)}`));
      });
    }
  }
  return out.join('\n') + '\n';
}
