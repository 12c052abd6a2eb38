// eliminateDeadCode: keep what the step computes for p and for the states, drop the rest.
//
// Roots are the store to `p`, every state's store, and every entry point's stores. A state the update (or
// an entry point) writes is kept even when p never reads it: an EMA of the weights kept for evaluation, or a statistic a
// user reads back, is often the point of the state. A state nothing writes is kept while something live
// reads it (it holds its initial value). Only a state that nothing writes and nothing reads is removed,
// with warning W0403 at its declaration.
//
//   state m = 0, state ema = 0, state z = 0     state m = 0, state ema = 0
//   m = 0.9*m + g                               m = 0.9*m + g
//   ema = 0.99*ema + 0.01*p                     ema = 0.99*ema + 0.01*p
//   p = p - 0.1*m                               p = p - 0.1*m
//                                               warning[W0403]: state 'z' is never written or read
//
// A hyperparameter nothing live uses is kept, since it is part of the optimizer's API (callers pass it by
// name), with warning W0404. Inputs are kept silently: `g` is always bound, and extra inputs are API too.
//
// A store of a target's own old value (`m = m`, `p = p`) changes nothing and is dropped first; the state
// then simply keeps its value.
import { warning } from '../diag.js';
import type { Program, Store, ValueId } from '../ir/types.js';
import type { Pass } from './pass.js';
import { REMOVED, rewriteProgram } from './rewrite.js';

export const eliminateDeadCode: Pass = (p, ctx) => {
  const stores = p.stores.filter((s) => !isOwnOldValue(p, s));
  const storeOf = new Map(stores.map((s) => [s.target, s]));

  const live = new Uint8Array(p.insts.length);
  const readStates = new Set<string>();
  const usedHypers = new Set<string>();
  const mark = (root: ValueId): void => {
    const stack = [root];
    while (stack.length) {
      const id = stack.pop()!;
      if (live[id]) continue;
      live[id] = 1;
      const inst = p.insts[id]!;
      if (inst.op === 'state') readStates.add(inst.name!);
      if (inst.op === 'hyper') usedHypers.add(inst.name!);
      stack.push(...inst.args);
    }
  };

  const pStore = storeOf.get('p');
  if (pStore) mark(pStore.value);
  // Entry points are roots too: what they store is their whole purpose.
  for (const e of p.entries ?? []) for (const s of e.stores) mark(s.value);
  // A state the step writes is live, whoever reads it; one it does not write is live once something live
  // reads it. A live state's init and update are live too, and may read further states. Each round adds at
  // least one state or stops.
  // A state an entry point writes (`update reset { s = 0; }`) is written too, even when the main update
  // leaves it alone: the entry's store needs the state to exist.
  const entryWritten = new Set([...(p.entries ?? []).flatMap((e) => e.stores.map((s) => s.target)), ...(ctx.options.keepStates ?? [])]);
  const liveStates = new Set<string>();
  for (const s of p.states) {
    if (!storeOf.has(s.name) && !entryWritten.has(s.name)) continue;
    liveStates.add(s.name);
    mark(s.init);
    const st = storeOf.get(s.name);
    if (st) mark(st.value);
  }
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of p.states) {
      if (liveStates.has(s.name) || !readStates.has(s.name)) continue;
      liveStates.add(s.name);
      mark(s.init);
      const st = storeOf.get(s.name);
      if (st) mark(st.value);
      grew = true;
    }
  }

  for (const s of p.states) {
    if (!liveStates.has(s.name)) {
      ctx.diagnostics.push(warning('W0403', `state '${s.name}' is never written or read; it was removed`, s.span,
        `remove the declaration, or assign the state in update`));
    }
  }
  for (const h of p.hypers) {
    if (!usedHypers.has(h.name)) {
      ctx.diagnostics.push(warning('W0404', `hyperparameter '${h.name}' is never used by the update of p`, h.span,
        `it is kept because hyperparameters are part of the optimizer's interface; remove it if it is not needed`));
    }
  }

  const kept: Program = {
    ...p,
    states: p.states.filter((s) => liveStates.has(s.name)),
    stores: stores.filter((s) => s.target === 'p' || liveStates.has(s.target)),
  };
  return rewriteProgram(kept, (inst, w, id) => (live[id] ? w.emit(inst) : REMOVED));
};

/** `m = m` or `p = p`: the stored value is the target's own old value. */
function isOwnOldValue(p: Program, s: Store): boolean {
  const v = p.insts[s.value]!;
  return s.target === 'p' ? v.op === 'param' : v.op === 'state' && v.name === s.target;
}
