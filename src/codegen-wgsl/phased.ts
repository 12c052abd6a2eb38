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
import { printIR } from '../ir/printer.js';
import type { Program } from '../ir/types.js';
import { elemPhases, phaseInfo } from '../ir/schedule.js';
import { planHost } from './host.js';
import { moduleOf, PHASED_UNIFORM_HEADER, type KernelModule, type KernelSpec, type PhasedDispatch, type PhasedInfo } from './manifest.js';
import { SCALAR, VEC4, type VecTypes } from './wgsl.js';
import { guardKernel } from './kernel.js';
import { COL_BLOCK, ELEMS_PER_INVOCATION, packed, ROW_BLOCK, type Plan } from './phased-kernel.js';
import { flatKernel, globalKernel, lineKernel, tensorKernels } from './phased-stages.js';
import { storeKernel, storeTile, STORE_WORKGROUP } from './phased-store.js';
import { storagePlan } from './state-io.js';
import { rank1FinalizeKernel } from './rank1.js';

export function emitPhasedModule(p: Program, options: { workgroupSize: number; guard: boolean; maxStorageBuffers: number }): KernelModule {
  const sched = p.schedule!;
  const stages = sched.stages!;
  invariant(sched.phases, () => `phased codegen: the schedule has stages but no phase facts\n${printIR(p)}`);
  const info = phaseInfo(sched.phases);

  // Compressed elem states and an f16/bf16 parameter: decoded by every sweep, encoded by the store sweep.
  const storage = storagePlan(p);
  const { codecs } = storage;
  // Uniform fields: the u32 header, f32 host scalars (finite constants are inlined), u32 streams of `rand`.
  const { host, uniforms, fieldOf, streamField } = planHost(p, sched.uniforms, PHASED_UNIFORM_HEADER, { srKey: storage.sr.size > 0 });

  const keepOld = new Set(stages.flatMap((s) => (s.kind === 'tensor' ? s.keepOld : [])));
  const storedSmall = new Map(p.stores.filter((s) => info.smallStoreAt.has(s.target)).map((s) => [s.value, s.target]));
  const plan: Plan = {
    p, info, stages, fieldOf, streamField,
    keepOld, storedSmall, wg: options.workgroupSize, guard: options.guard, maxStorage: options.maxStorageBuffers, ...storage,
  };

  const variant = (v: VecTypes): { kernels: KernelSpec[]; dispatches: PhasedDispatch[] } => {
    const kernels: KernelSpec[] = [];
    const dispatches: PhasedDispatch[] = [];
    if (plan.guard) { dispatches.push({ kernel: 0, grid: 'items', stage: -1 }); kernels.push(guardKernel(p, v, { title: 'guard', wg: plan.wg, uniforms })); }
    stages.forEach((st, si) => {
      const add = (k: KernelSpec, grid: PhasedDispatch['grid'], extra: Partial<PhasedDispatch> = {}) => {
        dispatches.push({ kernel: kernels.length, grid, stage: si, ...extra });
        kernels.push(k);
      };
      if (st.kind === 'elem') {
        const byOver = (o: string) => st.reduces.filter((r) => p.insts[r]!.over === o);
        const flat = st.reduces.filter((r) => p.insts[r]!.over === 'tensor' || p.insts[r]!.over === 'global');
        // Compressed targets are written by the store sweep, after every kernel of the stage has read them.
        const sweep = st.stores.some((x) => codecs.has(x));
        const flatStores = sweep ? [] : st.stores;
        // Row and column sums first: they read the leaves (p, elem states) as they were before the step,
        // and the flat kernel stores the new values (found by the kernel fuzzer: `row_mean(p)` read the new p).
        // Row/column sum kernels are split (their reductions shared out) until each fits in plan.maxStorage.
        for (const o of ['row', 'col'] as const) for (const k of packed(plan.maxStorage, byOver(o), (rs, suffix) => lineKernel(plan, si, rs, o, uniforms, suffix))) add(k, o === 'row' ? 'rows' : 'cols');
        // The elem sweep is not split: each kernel of it reads every parameter again, which costs more than
        // a device with more than 8 storage buffers per stage would need (the runtime refuses one past its limit).
        if (flat.length || flatStores.length || (!sweep && !byOver('row').length && !byOver('col').length)) add(flatKernel(plan, si, flat, flatStores, v, uniforms), 'elems');
        if (sweep) {
          const blocks = { elemsPerInvocation: storeTile(plan), workgroupSize: STORE_WORKGROUP };
          // Rank-1 states: the maxima of the new values over each axis first, then the store sweep encodes
          // with them, then each state's scale copy (once per step: stored scales = the maxima, flushed).
          const rank1 = st.stores.filter((x) => codecs.get(x)?.rank1);
          if (rank1.length) add(storeKernel(plan, si, st.stores, v, uniforms, 'max'), 'blocks', blocks);
          add(storeKernel(plan, si, st.stores, v, uniforms), 'blocks', blocks);
          for (const x of rank1) add(rank1FinalizeKernel(p.name, codecs.get(x)!, x, plan.guard), 'scales');
        }
      } else if (st.kind === 'tensor') for (const k of tensorKernels(plan, si, st)) add(k, 'tensors');
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
  const key = [sched, { workgroupSize: options.workgroupSize, guard: plan.guard, maxStorage: plan.maxStorage }, 'phased'];
  return moduleOf(p, key, { host, uniforms }, plan.guard, { 1: scalarVariant.kernels, ...(vec ? { 4: vec.kernels } : {}) }, { phased });
}
