// splitPhases: the stage plan of a program with tensor, row or column values (reductions, per-tensor and
// factored state, dims, randomness).
//
// A reduction's consumers can only run once every element has contributed, so the step becomes a sequence
// of stages, each one dispatch (per chunk for elem stages):
//
//   E_k  elem stage: sweeps every element; computes the arguments of the reductions whose inputs are ready
//        and writes one partial per workgroup (rows and columns: per row/column block); the last E stage
//        performs every elem store (p, elem states).
//   S_k  tensor stage: one workgroup per tensor finishes those reductions in a fixed order, reduces row and
//        column values (`mean(r)`), and writes small states (tensor/row/col).
//   G_k  global stage: one workgroup folds the per-tensor totals of `global` reductions.
//
// Stages are numbered E_k = 3k, S_k = 3k + 1, G_k = 3k + 2 and `ready[v]` is the first stage at which v can
// be computed: leaves and step values at once; an elem value at the first E stage after its arguments; a
// small (tensor/row/col) value as soon as its arguments; a reduction of elem values one S stage after the E
// stage that computes its argument (a global one, the G stage after that). Nothing is kept between stages
// but reduction results and small states: an elem value a later stage needs is recomputed there from the
// leaves, which are still the values before the step, since elem stores all happen in the last E stage.
//
//   LAMB                                   Adafactor (factored v)
//   stage 0 elem: reduce %20 %24           stage 0 elem: reduce %9 %12 %30     (row sums, col sums, |p|^2)
//   stage 1 tensor: reduce %20 %24         stage 1 tensor: reduce %9 %12 %30 %19 -> r, c
//   stage 2 elem: -  -> m, v, p            stage 2 elem: reduce %40           (|u|^2)
//                                          stage 3 tensor: reduce %40
//                                          stage 4 elem: -  -> p
//
// A small state stored in S_k whose old value a later stage still reads is copied first (`keepOld`).
import { error, invariant } from '../diag.js';
import { printIR } from '../ir/printer.js';
import { LEAF_OPS, SMALL_SPACES, type Program, type PhasedStage as Stage, type ValueId } from '../ir/types.js';
import { inlineClosure, phaseFacts, type PhaseInfo } from '../ir/schedule.js';
import type { Pass } from './pass.js';
import { withSchedule } from './rewrite.js';

const E = (k: number) => 3 * k, S = (k: number) => 3 * k + 1, G = (k: number) => 3 * k + 2;
const ceilE = (x: number) => Math.ceil(x / 3) * 3;
const ceilS = (x: number) => (x <= 1 ? 1 : Math.ceil((x - 1) / 3) * 3 + 1);

/** Whether a program needs the phased plan: anything per tensor, row or column, or tensor-relative indices. */
export function needsPhases(p: Program): boolean {
  if (p.states.some((s) => s.space && SMALL_SPACES.has(s.space))) return true;
  return p.insts.some((i) => SMALL_SPACES.has(i.space) || i.op === 'reduce' || i.op === 'rand' || i.op === 'dim');
}

export function analyzePhases(p: Program): PhaseInfo {
  const ready: number[] = new Array(p.insts.length).fill(0);
  p.insts.forEach((inst, id) => {
    if (inst.space === 'step' || LEAF_OPS.has(inst.op)) return;
    const args = Math.max(0, ...inst.args.map((a) => ready[a]!));
    if (inst.op === 'reduce') {
      const a = inst.args[0]!;
      const fromElem = p.insts[a]!.space === 'elem';
      const finish = fromElem ? ceilE(args) + 1 : ceilS(args); // the S stage with the per-tensor totals
      ready[id] = inst.over === 'global' ? finish + 1 : finish;
    } else if (inst.space === 'elem') ready[id] = ceilE(args);
    else ready[id] = args;
  });
  const materialized = new Map<ValueId, number>();
  p.insts.forEach((inst, id) => { if (inst.op === 'reduce') materialized.set(id, ready[id]!); });

  const spaceOf = (target: string) => (target === 'p' ? 'elem' : p.states.find((s) => s.name === target)!.space ?? 'elem');
  let lastE = 0;
  for (const s of p.stores) if (spaceOf(s.target) === 'elem') lastE = Math.max(lastE, ceilE(ready[s.value]!));
  // Partials of reductions of elem values are produced in E stages; the last E stage is the last of them.
  p.insts.forEach((inst) => {
    if (inst.op === 'reduce' && p.insts[inst.args[0]!]!.space === 'elem') lastE = Math.max(lastE, ceilE(ready[inst.args[0]!]!));
  });
  const smallStoreAt = new Map<string, number>();
  for (const s of p.stores) {
    const sp = spaceOf(s.target);
    if (sp === 'elem' || sp === 'step') continue;
    const at = ceilS(ready[s.value]!);
    smallStoreAt.set(s.target, at);
    if (!materialized.has(s.value)) materialized.set(s.value, at);
  }
  return { ready, materialized, smallStoreAt, lastE };
}

export const splitPhases: Pass = (p, ctx) => {
  if (!needsPhases(p)) return p;
  // Compressed state and f16/bf16 parameters are decoded by every sweep and encoded by the last one
  // (src/codegen-wgsl/phased-store.ts), at either width.
  return withSchedule(p, { kernels: [], stages: planStages(p), phases: phaseFacts(analyzePhases(p)) });
};

/** The stage plan, each stage with its index (E_k = 3k, S_k = 3k + 1, G_k = 3k + 2). */
export function planStages(p: Program): Stage[] {
  const info = analyzePhases(p);
  const { ready, smallStoreAt, lastE } = info;
  const reduces = p.insts.flatMap((inst, id) => (inst.op === 'reduce' ? [id] : []));
  const spaceOf = (target: string) => (target === 'p' ? 'elem' : p.states.find((s) => s.name === target)!.space ?? 'elem');

  const last = Math.max(lastE, ...[...smallStoreAt.values()], ...reduces.map((r) => ready[r]!));
  const stages: Stage[] = [];
  for (let k = 0; 3 * k <= last; k++) {
    // E_k: partials of reductions of elem values computed here; elem stores in the last one.
    const partials = reduces.filter((r) => p.insts[p.insts[r]!.args[0]!]!.space === 'elem' && ceilE(ready[p.insts[r]!.args[0]!]!) === E(k));
    const elemStores = E(k) === lastE ? p.stores.filter((s) => spaceOf(s.target) === 'elem').map((s) => s.target) : [];
    if (partials.length || elemStores.length || E(k) === lastE) stages.push({ kind: 'elem', reduces: partials, stores: elemStores, at: E(k) });
    // S_k: per-tensor totals and small reductions, small stores.
    const finished = reduces.filter((r) => (p.insts[r]!.over === 'global' ? ready[r]! - 1 : ready[r]!) === S(k));
    const small = [...smallStoreAt].filter(([, at]) => at === S(k)).map(([t]) => t);
    if (finished.length || small.length) stages.push({ kind: 'tensor', reduces: finished, stores: small, keepOld: [], at: S(k) });
    const globals = reduces.filter((r) => p.insts[r]!.over === 'global' && ready[r]! === G(k));
    if (globals.length) stages.push({ kind: 'global', reduces: globals, at: G(k) });
  }

  // Old values of small states that stages after their store still read.
  for (const st of stages) {
    if (st.kind !== 'tensor') continue;
    for (const target of st.stores) {
      const leaf = p.insts.findIndex((x) => x.op === 'state' && x.name === target);
      if (leaf < 0) continue;
      const later = stages.filter((s) => s.at > st.at);
      if (later.some((s) => inlineClosure(p, info, s.at, stageRoots(p, s)).has(leaf))) st.keepOld.push(target);
    }
  }
  return stages;
}

/** The values a stage must produce: reduction arguments (E: elem ones, S: small ones) and stored values. */
export function stageRoots(p: Program, st: Stage): ValueId[] {
  const storeValue = new Map(p.stores.map((s) => [s.target, s.value]));
  const args = st.reduces.map((r) => p.insts[r]!.args[0]!).filter((a) => (st.kind === 'elem') === (p.insts[a]!.space === 'elem'));
  const stores = st.kind === 'global' ? [] : st.stores.map((t) => storeValue.get(t)!);
  return [...args, ...stores];
}
