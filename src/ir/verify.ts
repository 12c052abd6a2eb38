// Structural checks run after every pass in tests and debug builds. A failure is a compiler bug, reported
// with the printed IR so the offending pass can be read off the dump.
import { InvariantError } from '../diag.js';
import { printIR } from './printer.js';
import { leafSpace, OPS, PARAM_FORMATS, paramFormat, SPACE_RANK, widerSpace, type Program, type Space } from './types.js';
import { resultType, shapeEq, shapeText, valueShape } from './matrix.js';

export function verify(p: Program, after = 'input'): void {
  const fail = (msg: string): never => {
    throw new InvariantError(`IR invalid after '${after}': ${msg}\n${printIR(p)}`);
  };
  const hypers = new Set(p.hypers.map((h) => h.name));
  const states = new Set(p.states.map((s) => s.name));
  const inputs = new Set(p.inputs.map((i) => i.name));
  const scalars = new Set((p.scalars ?? []).map((s) => s.name));
  if (p.inputs[0]?.name !== 'g') fail(`the first input must be 'g'`);
  p.insts.forEach((inst, id) => {
    const info = OPS[inst.op];
    if (!info) fail(`%${id}: unknown op '${inst.op}'`);
    if (inst.args.length !== info.arity) fail(`%${id}: '${inst.op}' takes ${info.arity} arguments, has ${inst.args.length}`);
    inst.args.forEach((a, i) => {
      if (!Number.isInteger(a) || a < 0 || a >= id) fail(`%${id}: argument ${i} (%${a}) is not an earlier value`);
      const arg = p.insts[a]!;
      const want = info.args[i];
      if (want !== 'any' && arg.dtype !== want) fail(`%${id}: argument ${i} of '${inst.op}' is ${arg.dtype}, expected ${want}`);
    });
    let space: Space = info.arity === 0 ? leafSpace(p, inst) : 'step';
    if (info.arity > 0) {
      const r = resultType(inst, inst.args.map((a) => p.insts[a]!));
      if ('error' in r) fail(`%${id}: ${(r as { error: string }).error}`);
      else {
        space = r.space;
        if (r.shape && !(inst.shape && shapeEq(inst.shape, r.shape))) fail(`%${id}: shape is ${inst.shape ? shapeText(inst.shape) : 'missing'}, its arguments make it ${shapeText(r.shape)}`);
      }
    }
    if (inst.space !== 'mat' && inst.shape) fail(`%${id}: a ${inst.space} value with a shape`);
    switch (inst.op) {
      case 'const': if (typeof inst.value !== 'number') fail(`%${id}: const without a value`); space = 'step'; break;
      case 'hyper': if (!hypers.has(inst.name!)) fail(`%${id}: undeclared hyper '${inst.name}'`); space = 'step'; break;
      case 'step': space = 'step'; break;
      case 'param': space = 'elem'; break;
      case 'input': if (!inputs.has(inst.name!)) fail(`%${id}: undeclared input '${inst.name}'`); space = 'elem'; break;
      case 'state': {
        if (!states.has(inst.name!)) fail(`%${id}: undeclared state '${inst.name}'`);
        const decl = p.states.find((s) => s.name === inst.name);
        if ((decl?.space === 'mat') !== Boolean(decl?.shape)) fail(`state '${inst.name}': a shape goes with space 'mat' and only with it`);
        if (decl?.shape && !(inst.shape && shapeEq(inst.shape, decl.shape))) fail(`%${id}: state '${inst.name}' is ${shapeText(decl.shape)}`);
        break;
      }
      case 'eye':
        if (!inst.shape || inst.shape[0] !== inst.shape[1]) fail(`%${id}: eye needs a square shape`);
        break;
      case 'scalar': if (!scalars.has(inst.name!)) fail(`%${id}: undeclared scalar input '${inst.name}'`); break;
      case 'dim': if (!['numel', 'rows', 'cols'].includes(inst.name!)) fail(`%${id}: unknown dim '${inst.name}'`); break;
      case 'reduce': {
        if (!['sum', 'max', 'min'].includes(inst.name!)) fail(`%${id}: unknown reduction '${inst.name}'`);
        const arg = p.insts[inst.args[0]!]!.space;
        const ok = inst.over === 'row' || inst.over === 'col' ? arg === 'elem'
          : inst.over === 'tensor' ? arg === 'elem' || arg === 'row' || arg === 'col' || arg === 'mat'
          : inst.over === 'global' ? arg !== 'step' : false;
        if (!ok) fail(`%${id}: reduce over '${inst.over}' of a ${arg} value`);
        break;
      }
      case 'rand':
        if (!['uniform', 'normal', 'rademacher'].includes(inst.name!)) fail(`%${id}: unknown distribution '${inst.name}'`);
        if (p.insts[inst.args[0]!]!.space !== 'step') fail(`%${id}: the stream of rand must be a step value`);
        break;
      case 'select': {
        const [, a, b] = inst.args.map((x) => p.insts[x]!);
        if (a!.dtype !== b!.dtype) fail(`%${id}: select branches are ${a!.dtype} and ${b!.dtype}`);
        if (inst.dtype !== a!.dtype) fail(`%${id}: select result is ${inst.dtype}, branches are ${a!.dtype}`);
        break;
      }
      default:
        if (info.result !== 'arg1' && inst.dtype !== info.result) fail(`%${id}: '${inst.op}' yields ${info.result}, marked ${inst.dtype}`);
    }
    if (inst.space !== space) fail(`%${id}: space is '${inst.space}', its arguments make it '${space}'`);
  });
  for (const s of p.states) if ((s.space === 'mat') !== Boolean(s.shape)) fail(`state '${s.name}': a shape goes with space 'mat' and only with it`);
  const seen = new Set<string>();
  for (const e of p.entries ?? []) {
    const own = new Set<string>();
    for (const s of e.stores) {
      if (own.has(s.target)) fail(`two stores to '${s.target}' in entry '${e.name}'`);
      own.add(s.target);
      if (s.target !== 'p' && !states.has(s.target)) fail(`entry '${e.name}' stores to '${s.target}', which is neither p nor a state`);
      if (!p.insts[s.value] || p.insts[s.value]!.dtype !== 'f32') fail(`entry '${e.name}' stores a missing or bool value into '${s.target}'`);
    }
  }
  for (const s of p.stores) {
    if (seen.has(s.target)) fail(`two stores to '${s.target}'`);
    seen.add(s.target);
    if (s.target !== 'p' && !states.has(s.target)) fail(`store to '${s.target}', which is neither p nor a state`);
    const v = p.insts[s.value];
    if (!v) fail(`store to '${s.target}' of missing value %${s.value}`);
    if (v!.dtype !== 'f32') fail(`store to '${s.target}' of a ${v!.dtype} value`);
    const decl = s.target === 'p' ? undefined : p.states.find((x) => x.name === s.target)!;
    const into: Space = decl?.space ?? 'elem';
    if (widerSpace(v!.space, into) !== into) fail(`store of a ${v!.space} value into '${s.target}', which holds one value per ${into}`);
    if (into === 'mat' && v!.space === 'mat' && !shapeEq(valueShape(v!)!, decl!.shape!)) fail(`store of a ${shapeText(valueShape(v!)!)} matrix into '${s.target}', which is ${shapeText(decl!.shape!)}`);
  }
  // Stochastic rounding exists for the 16-bit floats; a parameter is stored unscaled (PARAM_FORMATS).
  for (const [what, f] of [...p.states.map((s) => [`state '${s.name}'`, s.format] as const), ['the parameter', paramFormat(p)] as const]) {
    if (f.rounding !== undefined && f.rounding !== 'stochastic') fail(`${what}: unknown rounding '${f.rounding}'`);
    if (f.rounding && f.kind !== 'f16' && f.kind !== 'bf16') fail(`${what}: stochastic rounding of ${f.kind}`);
  }
  if (!PARAM_FORMATS.includes(paramFormat(p).kind)) fail(`the parameter is stored as ${paramFormat(p).kind}; only ${PARAM_FORMATS.join(', ')} are allowed`);
  for (const s of p.states) {
    const v = p.insts[s.init];
    if (!v || v.space !== 'step' || v.dtype !== 'f32') fail(`state '${s.name}' init %${s.init} must be an f32 step value`);
    if (usesStep(p, s.init)) fail(`state '${s.name}' init depends on t`);
  }
  if (p.schedule) {
    const sc = p.schedule;
    for (const u of sc.uniforms) if (p.insts[u]?.space !== 'step') fail(`uniform %${u} is not a step value`);
    const placed = new Set<number>();
    for (const k of sc.kernels) for (const i of k.insts) {
      if (p.insts[i]?.space !== 'elem') fail(`kernel ${k.name} computes %${i}, which is not an elem value`);
      if (placed.has(i)) fail(`%${i} is computed by two kernels`);
      placed.add(i);
    }
  }
  if (p.fallback) {
    if (p.fallback.fallback) fail(`the fallback '${p.fallback.name}' has a fallback of its own`);
    verify(p.fallback, `${after} (fallback '${p.fallback.name}')`);
  }
  void SPACE_RANK;
}

function usesStep(p: Program, id: number): boolean {
  const inst = p.insts[id]!;
  return inst.op === 'step' || inst.args.some((a) => usesStep(p, a));
}
