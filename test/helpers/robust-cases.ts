// Cases for `optc run` built from a program's declarations: parameters of the given shapes (a matrix and a
// vector together by default), seeded data, every extra input and host scalar it declares.
import type { Program } from '../../src/ir/types.js';
import { Rng } from './prng.js';

export const MIXED_SHAPES: Record<string, number[]> = { W: [65, 64], b: [61] };

export function caseFor(program: Pick<Program, 'inputs' | 'scalars'>, steps: number, seed = 1, shapes = MIXED_SHAPES): Record<string, unknown> {
  const rng = new Rng(seed);
  const data = (n: number, f = () => rng.range(-0.5, 0.5)) => Array.from({ length: n }, f);
  const params = Object.fromEntries(Object.entries(shapes).map(([n, s]) => [n, { shape: s, data: data(s.reduce((a, b) => a * b, 1)) }]));
  const perTensor = (f?: () => number) => Object.fromEntries(Object.entries(params).map(([n, p]) => [n, data(p.data.length, f)]));
  const grads = Array.from({ length: steps }, () => perTensor());
  const extra = program.inputs.slice(1).map((i) => i.name);
  const scalars = (program.scalars ?? []).map((s) => s.name);
  return {
    params, grads,
    ...(extra.length ? { inputs: grads.map(() => Object.fromEntries(extra.map((e) => [e, perTensor(() => rng.uniform())]))) } : {}),
    ...(scalars.length ? { scalars: grads.map(() => Object.fromEntries(scalars.map((s) => [s, rng.range(0, 2)]))) } : {}),
  };
}
