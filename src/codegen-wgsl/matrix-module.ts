// The kernel module of a matrix program (docs/matrix.md, "On the GPU"): the same manifest as every other
// module — host program, uniform layout, states, inputs — with its matrix stages (`module.matrix`) in
// place of elementwise kernels. Matrix stage kernels have every size as a WGSL constant (one pipeline per
// shape, as the matmul kernel measured best), so they are generated when the module is bound to tensors of
// known shape: `matrixStageKernels(module, variant, view, tensor)`, which the runtime calls through this
// directory's index. The uniform layout has no dispatch header: field k is `steps[k]` in every stage kernel.
import { invariant } from '../diag.js';
import type { View } from '../ir/matrix.js';
import { printIR } from '../ir/printer.js';
import type { Program } from '../ir/types.js';
import { planHost } from './host.js';
import { manifestHead, type KernelModule } from './manifest.js';
import { stageKernel, type StageKernel } from './matrix-kernels.js';

export function emitMatrixModule(p: Program): KernelModule {
  const m = p.schedule?.matrix;
  invariant(m, () => `emitMatrixModule needs a program scheduled by placeMatrixStages\n${printIR(p)}`);
  const { host, uniforms, fieldOf, streamField } = planHost(p, m.steps, [], { streams: m.streams });
  const index = new Map(uniforms.fields.map((f, k) => [f.name, k]));
  const stepField: Record<number, number> = {};
  for (const [id, name] of fieldOf) stepField[id] = index.get(name)!;
  const streams: Record<number, number> = {};
  for (const [id, name] of streamField) streams[id] = index.get(name)!;
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
    guard: false,
    matrix: { insts: p.insts, schedule: m, stepField, streamField: streams, conds },
  };
}

/**
 * The kernels of one variant of a matrix module for one tensor (undefined for copy stages, which the
 * runtime does with buffer copies). `tensor` is the tensor's id, which keys its random numbers.
 */
export function matrixStageKernels(module: KernelModule, variant: number, view: View, tensor: number): (StageKernel | undefined)[] {
  const info = module.matrix!;
  const v = info.schedule.variants[variant]!;
  return v.stages.map((s) => (s.kind === 'copy' ? undefined : stageKernel(info, v, s, { view, tensor })));
}

export type { StageKernel, StageBinding } from './matrix-kernels.js';
