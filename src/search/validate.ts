// Which programs may reach evaluation: the IR verifier's checks plus the search space's limits. A mutant
// that fails is discarded and its parent mutated again, so nothing invalid is ever scored.
import { verify, type Program } from '../ir/index.js';
import type { SpaceOptions } from './space.js';

/** Why `p` (a pruned mutant: every instruction live) is not a valid candidate, or undefined when it is. */
export function invalidReason(p: Program, space: SpaceOptions): string | undefined {
  if (p.insts.length > space.maxInsts) return `${p.insts.length} instructions (limit ${space.maxInsts})`;
  if (p.states.length > space.maxStates) return `${p.states.length} states (limit ${space.maxStates})`;
  const pStore = p.stores.find((s) => s.target === 'p');
  if (!pStore) return 'p is never updated';
  try { verify(p, 'mutation'); } catch (e) { return (e as Error).message.split('\n')[0]; }
  for (const s of p.states) if ((s.space ?? 'elem') !== 'elem' || s.format.kind !== 'f32') return `state '${s.name}' is not an f32 tensor`;
  // An update that never reads the gradient cannot optimize anything: not worth a fingerprint.
  if (!p.insts.some((i) => i.op === 'input')) return 'the update does not read g';
  for (const i of p.insts) {
    if (i.op === 'reduce' && i.over !== 'tensor') return `a ${i.over} reduction`;
    if (i.op === 'rand' || i.space === 'mat') return `${i.op} is outside the space`;
  }
  return undefined;
}
