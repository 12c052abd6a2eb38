// Sanity of the fitness: hand-written optimizers score in the order the literature leads one to expect,
// and a diverging rule gets the worst score instead of crashing the search.
import { describe, expect, it } from 'vitest';
import { CEIL, FLOOR, scoreProgram, scoreProgramAsync } from '../src/search/fitness.js';
import { suite } from '../src/search/tasks.js';
import { loadWarmStart } from '../src/search/space.js';
import { example } from './helpers/search-programs.js';

const A = suite('A');
const score = (name: string, hypers: Record<string, number> = {}) => scoreProgram(example(name, hypers), A);
const task = (f: ReturnType<typeof score>, name: string) => f.tasks.find((t) => t.task === name)!.score;

describe('fitness on task A', () => {
  const sgd = score('sgd'), sgdm = score('sgd', { momentum: 0.9 }), adamw = score('adamw'), lion = score('lion');

  it('AdamW > SGD with momentum > SGD overall', () => {
    expect(adamw.fitness).toBeGreaterThan(sgdm.fitness);
    expect(sgdm.fitness).toBeGreaterThan(sgd.fitness);
  });

  it('on the classifier, AdamW and Lion beat SGD, and momentum helps SGD', () => {
    expect(task(adamw, 'mnist-logreg')).toBeGreaterThan(task(sgd, 'mnist-logreg'));
    expect(task(lion, 'mnist-logreg')).toBeGreaterThan(task(sgd, 'mnist-logreg'));
    expect(task(sgdm, 'mnist-logreg')).toBeGreaterThan(task(sgd, 'mnist-logreg'));
  });

  it('on the ill-conditioned quadratic, AdamW beats SGD', () => {
    expect(task(adamw, 'quadratic')).toBeGreaterThan(task(sgd, 'quadratic') + 0.1);
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

  it('keeps the order AdamW > SGD with momentum > SGD', () => {
    const B = suite('B');
    const f = (n: string, h: Record<string, number> = {}) => scoreProgram(example(n, h), B).fitness;
    const adamw = f('adamw'), sgdm = f('sgd', { momentum: 0.9 }), sgd = f('sgd');
    expect(adamw).toBeGreaterThan(sgdm);
    expect(sgdm).toBeGreaterThan(sgd);
  });
});
