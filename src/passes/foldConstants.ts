// foldConstants: an op whose arguments are all constants becomes a constant.
//
// Constants are step values, and step values are float64 (see src/ir/numerics.ts). Folding calls
// `applyStepOp`, the function the interpreter and the host-side uniform computation use, so a folded
// value is bit-identical to what the program computed before (NaN, -0 and all).
//
//   before                     after
//   %0 = const 0.9             %0 = const 0.9
//   %1 = const 1               %1 = const 1
//   %2 = sub %1, %0            %2 = const 0.09999999999999998     (1 - 0.9 in float64)
//
// There is no bool constant in the IR, so a comparison of constants is not replaced; its value is
// remembered instead, and whatever consumes it folds: `select` picks its branch, `and`/`or`/`not` pass the
// known value on. The comparison itself is left for eliminateDeadCode.
//
// Hyperparameters and t are runtime values (changing a hyperparameter never recompiles), so nothing that
// depends on them folds.
import { applyStepOp } from '../ir/numerics.js';
import { LEAF_OPS, MATRIX_OPS, type ValueId } from '../ir/types.js';
import { hasMatrixStages } from '../ir/matrix.js';
import type { Pass } from './pass.js';
import { rewriteProgram } from './rewrite.js';

export const foldConstants: Pass = (p) => {
  // Known values of the new program's instructions: consts, and bools computed from consts (0/1).
  const known = new Map<ValueId, number>();
  // In a matrix program a select must keep its shape (a matrix product cannot take the number `c ? A : 0`
  // would narrow to), so a known condition picks its branch only when the branch has the select's space.
  const keepShape = hasMatrixStages(p);
  return rewriteProgram(p, (inst, w) => {
    if (inst.op === 'const') {
      const id = w.emit(inst);
      known.set(id, inst.value!);
      return id;
    }
    // Leaves, and ops that are not a function of their arguments alone (per tensor, per element).
    if (LEAF_OPS.has(inst.op) || inst.op === 'reduce' || inst.op === 'rand' || MATRIX_OPS.has(inst.op)) return w.emit(inst);

    const vals = inst.args.map((a) => known.get(a));
    const [a, b] = vals;
    switch (inst.op) {
      // A known condition picks a branch whatever the branches are (they need not be constants).
      case 'select':
        if (a !== undefined) {
          const pick = a ? inst.args[1]! : inst.args[2]!;
          if (!keepShape || w.insts[pick]!.space === inst.space) return pick;
        }
        break;
      // true && x = x and false || x = x exactly, since bools are always 0/1.
      case 'and':
        if (a === 1) return inst.args[1]!;
        if (b === 1) return inst.args[0]!;
        if (a === 0 || b === 0) return remember(w.emit(inst), 0);
        break;
      case 'or':
        if (a === 0) return inst.args[1]!;
        if (b === 0) return inst.args[0]!;
        if (a === 1 || b === 1) return remember(w.emit(inst), 1);
        break;
    }
    if (!vals.every((x) => x !== undefined)) return w.emit(inst);

    const value = applyStepOp(inst.op, ...(vals as [number, number?, number?]));
    if (inst.dtype === 'bool') return remember(w.emit(inst), value);
    return remember(w.const(value, inst.span), value);
  });

  function remember(id: ValueId, value: number): ValueId {
    known.set(id, value);
    return id;
  }
};
