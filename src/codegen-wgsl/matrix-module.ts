// The kernel module of a matrix program (docs/matrix.md, "On the GPU"): the same manifest as every other
// module — host program, uniform layout, states, inputs — with its matrix stages (`module.matrix`) in
// place of elementwise kernels. Matrix stage kernels have every size as a WGSL constant (one pipeline per
// shape, as the matmul kernel measured best), so they are generated when the module is bound to tensors of
// known shape: `matrixStageKernels(module, variant, view, tensor)`, which the runtime calls through this
// directory's index. The uniform layout has no dispatch header (a `zero` word at most): field k is `steps[k]`.
import { invariant } from '../diag.js';
import { printIR } from '../ir/printer.js';
import { paramFormat, type Program } from '../ir/types.js';
import { planHost } from './host.js';
import { manifestHead, type KernelModule } from './manifest.js';
import { hidesOperand } from './values.js';
import { KernelText } from './kernel.js';
import { bindBuffer, flatGrid, readOf, stageKernel, type StageKernel } from './matrix-kernels.js';
import { FOLD, invocationIndex } from './wgsl.js';

export function emitMatrixModule(p: Program, options: { guard?: boolean } = {}): KernelModule {
  const m = p.schedule?.matrix;
  invariant(m, () => `emitMatrixModule needs a program scheduled by placeMatrixStages\n${printIR(p)}`);
  const sr = paramFormat(p).rounding === 'stochastic' || p.states.some((s) => s.format.rounding === 'stochastic');
  // A run-time zero only where a stage hides an operand (values.ts `hidesOperand`), read as the field `zero`.
  const zero = m.variants.some((v) => p.insts.some((_, id) => hidesOperand(p, id, readOf(p.insts, v))));
  const { host, uniforms, fieldOf, streamField } = planHost(p, m.steps, zero ? [['zero', 'zero']] : [], { srKey: sr });
  const srField = uniforms.fields.findIndex((f) => f.source.from === 'srKey');
  // Stage kernels read field k as `steps[k]`: each value's and stream's field by its index.
  const index = new Map(uniforms.fields.map((f, k) => [f.name, k]));
  const fieldIndex = (of: Map<number, string>): Record<number, number> => Object.fromEntries([...of].map(([id, name]) => [id, index.get(name)!]));
  const stepField = fieldIndex(fieldOf);
  const streams = fieldIndex(streamField);
  const conds = m.conds.map((c) => {
    const f = uniforms.fields[stepField[c]!];
    invariant(f && f.source.from === 'host', () => `matrix module: condition %${c} is not a host value\n${printIR(p)}`);
    return f.source.value;
  });
  return {
    ...manifestHead(p, ['matrix']),
    host,
    uniforms,
    temps: [],
    variants: {},
    // The non-finite guard: the runtime checks every tensor's inputs before anything runs (matrixGuardKernel).
    guard: Boolean(options.guard),
    matrix: { insts: p.insts, schedule: m, stepField, streamField: streams, conds, ...(srField >= 0 ? { srField } : {}), ...(zero ? { zeroField: 0 } : {}) },
  };
}

/**
 * The fold of a variant's global reductions across `tensors` tensors: every tensor's partials sit in one
 * scalar buffer, `stride` floats per tensor; one invocation per reduction folds slot j of every tensor in
 * tensor order (f32, as each partial was) and writes the total back into every tensor's slot j, where the
 * later stages read it.
 */
export function matrixFoldKernel(module: KernelModule, variant: number, fold: number, tensors: number, stride: number): StageKernel {
  const info = module.matrix!;
  const v = info.schedule.variants[variant]!;
  const f = v.folds[fold]!;
  const t = new KernelText();
  const scal = bindBuffer(t, '#scal', 'scal', true);
  const lines = f.reduces.flatMap((r, j) => {
    const fn = info.insts[r]!.name!;
    const slot = v.slots[r]!;
    return [
      `  if (j == ${j}u) {`,
      `    var acc = ${fn === 'sum' ? '0.0' : `${scal}[${slot}u]`};`,
      `    for (var k = ${fn === 'sum' ? 0 : 1}u; k < ${tensors}u; k++) { acc = ${FOLD[fn]!('acc', `${scal}[k * ${stride}u + ${slot}u]`)}; }`,
      `    for (var k = 0u; k < ${tensors}u; k++) { ${scal}[k * ${stride}u + ${slot}u] = acc; }`,
      '  }',
    ];
  });
  const ids = f.reduces.map((r) => `%${r}`);
  const title = `Global reductions ${ids.join(', ')}: every tensor's partial folded across ${tensors} tensors.`;
  return stageKernel(t, `global fold ${ids.join(' ')} x${tensors}`, [1, 1, 1], { title, wg: 64, body: ['  let j = gid.x;', ...lines] });
}

/**
 * The guard's check of one input of `n` elements: any NaN or ±inf raises `flag` (an exponent of all ones;
 * every invocation that finds one writes the same 1, so no atomics are needed).
 */
export function matrixGuardKernel(n: number): StageKernel {
  const t = new KernelText();
  const [x, flag] = [bindBuffer(t, 'x', 'x'), bindBuffer(t, '#flag', 'flag', true, 'u32')];
  return stageKernel(t, `guard ${n}`, flatGrid(n, 256), { title: `non-finite guard: ${n} values`, wg: 256, body: [
    `  let i = ${invocationIndex(256)};`,
    `  if (i < ${n}u && (bitcast<u32>(${x}[i]) & 0x7f800000u) == 0x7f800000u) { ${flag}[0] = 1u; }`,
  ] });
}
