// A case for a fuzzed program: a matrix and a vector (so row/column values and 1-D tensors both occur),
// seeded data, and every extra input and host scalar the program declares.
import type { Case } from '../cli/case.js';
import type { Program } from '../ir/types.js';
import type { FuzzRng } from './rng.js';

export function fuzzCase(rng: FuzzRng, program: Pick<Program, 'inputs' | 'scalars'>, steps: number,
  shapes: Record<string, number[]> = { W: [rng.int(1, 24), rng.int(1, 40)], b: [rng.int(1, 70)] }): Case {
  const data = (n: number, scale = 1) => Array.from({ length: n }, () => Math.fround((rng.uniform() * 2 - 1) * scale));
  const params = Object.fromEntries(Object.entries(shapes).map(([n, s]) => [n, { shape: s, data: data(s.reduce((a, b) => a * b, 1)) }]));
  const perTensor = () => Object.fromEntries(Object.entries(params).map(([n, p]) => [n, data(p.data.length)]));
  const grads = Array.from({ length: steps }, perTensor);
  const extra = program.inputs.slice(1).map((i) => i.name);
  const scalars = (program.scalars ?? []).map((s) => s.name);
  return {
    hyper: {}, params, grads,
    ...(extra.length ? { inputs: grads.map(() => Object.fromEntries(extra.map((e) => [e, perTensor()]))) } : {}),
    ...(scalars.length ? { scalars: grads.map(() => Object.fromEntries(scalars.map((s) => [s, Math.fround(rng.uniform() * 2)]))) } : {}),
  };
}
