// Walks over the instruction graph with an explicit stack: a program made by a machine can hold a chain of
// thousands of dependent instructions (`g + g + … + g`), deeper than the call stack allows to recurse.
import type { Inst, ValueId } from './types.js';

/**
 * Every instruction reachable from `roots` through `args`, each once, operands before their users, in the
 * order a recursive post-order walk visiting args left to right would produce.
 */
export function postOrder(insts: readonly Pick<Inst, 'args'>[], roots: Iterable<ValueId>): ValueId[] {
  const out: ValueId[] = [];
  const seen = new Set<ValueId>();
  const stack: { id: ValueId; next: number }[] = [];
  for (const root of roots) {
    if (seen.has(root)) continue;
    seen.add(root);
    stack.push({ id: root, next: 0 });
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const args = insts[top.id]!.args;
      if (top.next < args.length) {
        const a = args[top.next++]!;
        if (!seen.has(a)) { seen.add(a); stack.push({ id: a, next: 0 }); }
      } else {
        out.push(top.id);
        stack.pop();
      }
    }
  }
  return out;
}
