// Sanity of the fitness: hand-written optimizers score in the order the literature leads one to expect
// (Lion and AdamW above SGD with momentum above SGD, overall and on the tasks where it should hold), and a
// diverging rule gets the worst score instead of crashing the search.
import { describe, expect, it } from 'vitest';
import { CEIL, FLOOR, lrScale, scoreProgram, scoreProgramAsync } from '../src/search/fitness.js';
import { suite } from '../src/search/tasks.js';
import { loadWarmStart } from '../src/search/space.js';
import { example } from './helpers/search-programs.js';

const A = suite('A');
const score = (name: string, hypers: Record<string, number> = {}) => scoreProgram(example(name, hypers), A);
const task = (f: ReturnType<typeof score>, name: string) => f.tasks.find((t) => t.task === name)!.score;

describe('fitness on task A', () => {
  const sgd = score('sgd'), sgdm = score('sgd', { momentum: 0.9 }), adamw = score('adamw'), lion = score('lion');

  it('Lion and AdamW > SGD with momentum > SGD overall', () => {
    expect(lion.fitness).toBeGreaterThan(sgdm.fitness + 0.1);
    expect(adamw.fitness).toBeGreaterThan(sgdm.fitness + 0.1);
    expect(sgdm.fitness).toBeGreaterThan(sgd.fitness + 0.1);
  });

  it('Lion and AdamW beat SGD with momentum on the quadratic, Rosenbrock and the classifier; momentum helps SGD', () => {
    for (const t of ['quadratic', 'rosenbrock', 'mnist-logreg']) {
      expect(task(lion, t), `Lion on ${t}`).toBeGreaterThan(task(sgdm, t));
      expect(task(adamw, t), `AdamW on ${t}`).toBeGreaterThan(task(sgdm, t));
      expect(task(sgdm, t), `SGD-momentum on ${t}`).toBeGreaterThan(task(sgd, t));
    }
  });

  it('the learning rate follows a cosine from lr to ~0 over the run', () => {
    expect(lrScale(1, 60)).toBe(1);
    expect(lrScale(31, 60)).toBeCloseTo(0.5, 12);
    expect(lrScale(60, 60)).toBeLessThan(1e-3);
  });

  it('picks a step size per task from the grid: sign-based Lion takes smaller ones than SGD', () => {
    const lr = (f: ReturnType<typeof score>, t: string) => f.tasks.find((x) => x.task === t)!.lr;
    expect(lr(lion, 'mnist-logreg')).toBeLessThan(lr(sgd, 'mnist-logreg'));
    for (const f of [sgd, sgdm, adamw, lion]) for (const t of f.tasks) {
      expect(t.score).toBeGreaterThanOrEqual(FLOOR);
      expect(t.score).toBeLessThanOrEqual(CEIL);
    }
  });

  it('a rule that produces NaN everywhere gets the worst fitness, not an exception', () => {
    const nan = loadWarmStart('optimizer x { hyper lr = 0.1; update { p = p - lr * log(g); } }', 'x.opt');
    const f = scoreProgram(nan, A);
    expect(f.fitness).toBe(FLOOR);
    expect(f.tasks.every((t) => t.score === FLOOR)).toBe(true);
  });

  it('records the fitness after a third of the steps, and a hurdle above it stops the candidate there', () => {
    expect(sgd.early).toBeDefined();
    expect(sgd.stopped).toBeUndefined();
    expect(sgd.early!).toBeLessThan(sgd.fitness);
    const stopped = scoreProgram(example('sgd'), A, undefined, sgd.early! + 0.01);
    expect(stopped.stopped).toBe(true);
    expect(stopped.fitness).toBe(sgd.early);
    const passed = scoreProgram(example('sgd'), A, undefined, sgd.early! - 0.01);
    expect(passed).toEqual(sgd);
  });

  it('the worker path (yielding to the event loop) computes the same score', async () => {
    expect(await scoreProgramAsync(example('lion'), A)).toEqual(lion);
  });
});

describe('fitness on task B (>= 10x larger)', () => {
  it('is at least 10x larger than A in parameters and in work', () => {
    const B = suite('B');
    const size = (s: typeof A) => s.tasks.reduce((n, t) => n + t.tensors.reduce((a, b) => a + b, 0), 0);
    expect(size(B)).toBeGreaterThanOrEqual(10 * size(A));
    expect(size(B) * B.steps).toBeGreaterThanOrEqual(10 * size(A) * A.steps);
  });

  it('task C (the third funnel stage) is at least 10x B in parameters x steps, and 5x in parameters', () => {
    const B = suite('B'), C = suite('C');
    const size = (s: typeof A) => s.tasks.reduce((n, t) => n + t.tensors.reduce((a, b) => a + b, 0), 0);
    expect(size(C)).toBeGreaterThanOrEqual(5 * size(B));
    expect(size(C) * C.steps).toBeGreaterThanOrEqual(10 * size(B) * B.steps);
    // Every task's data is real: the classifiers' splits fit in the package's rarest digit.
    for (const s of [A, B, C]) for (const t of s.tasks) expect(Number.isFinite(t.loss(t.init())), `${s.name} ${t.name}`).toBe(true);
  });

  it('keeps the order Lion and AdamW > SGD with momentum > SGD, overall and on the classifier', () => {
    const B = suite('B');
    const f = (n: string, h: Record<string, number> = {}) => scoreProgram(example(n, h), B);
    const adamw = f('adamw'), lion = f('lion'), sgdm = f('sgd', { momentum: 0.9 }), sgd = f('sgd');
    expect(lion.fitness).toBeGreaterThan(sgdm.fitness + 0.1);
    expect(adamw.fitness).toBeGreaterThan(sgdm.fitness + 0.1);
    expect(sgdm.fitness).toBeGreaterThan(sgd.fitness + 0.1);
    for (const x of [lion, adamw, sgdm]) expect(task(x, 'mnist-mlp')).toBeGreaterThan(task(sgd, 'mnist-mlp'));
  });
});
