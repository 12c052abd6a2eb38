// Fitness of a candidate on a suite of proxy tasks. The candidate's update runs over one long column that
// holds every task's parameters once per learning rate of the grid (LaneProgram: one sweep per step updates
// all of them), so a step size is chosen per task from the grid and a good rule is not lost to a bad one.
//
// Score of a task at one step size: decades of loss reduction, log10(loss0 / lossT), clipped to
// [FLOOR, CEIL]; a NaN or infinite loss is FLOOR, the worst. A task's score is its best over the grid; the
// fitness is the mean over tasks (higher is better).
//
// Every task trains with a cosine learning-rate schedule, lr_t = lr * (1 + cos(pi (t - 1) / T)) / 2, as
// practical training runs and the Lion paper's experiments do. Without one, a rule whose steps have a
// fixed size (sign-based: Lion, signum) cannot converge: after T steps it hovers at the scale of lr around
// the minimum, so the score measured lr rather than the rule, and Lion ranked below plain SGD. With the
// decay, every rule's last steps are small and the score compares the directions the rules take.
import type { Program } from '../ir/index.js';
import { LaneProgram } from './lanes.js';
import type { Suite } from './tasks.js';

/** 10^-4 ... 10^(2/3) in steps of 10^(2/3) (x 4.64). */
export const LR_GRID: readonly number[] = Array.from({ length: 8 }, (_, k) => Number((10 ** (-4 + (2 * k) / 3)).toPrecision(3)));
export const FLOOR = -3;
/**
 * Changes whenever a score would change for the same program (cache keys in Redis and the state file
 * carry it, so scores from an earlier fitness are never mixed in). 2: the cosine schedule.
 */
export const FITNESS_VERSION = 2;

/** The schedule's factor at step t (1-based) of `steps`: 1 at t = 1, falling to ~0 at the last step. */
export function lrScale(t: number, steps: number): number {
  return 0.5 * (1 + Math.cos((Math.PI * (t - 1)) / steps));
}
export const CEIL = 6;

export interface TaskScore { task: string; score: number; lr: number; loss: number; loss0: number }
export interface Fitness {
  fitness: number;
  tasks: TaskScore[];
  /** The fitness after the hurdle step (the same score, of the parameters then): what hurdles compare. */
  early?: number;
  /** Stopped at the hurdle step (early < the hurdle it was given): `fitness` is then `early`. */
  stopped?: boolean;
}

/**
 * Early-stopping hurdle (AutoML-Zero's): every candidate's fitness after a third of the steps is recorded
 * as `early`; given a `hurdle`, a candidate whose early fitness is below it stops there and keeps that
 * fitness (a lower bound in practice: it rises with training). The search sets the hurdle to a quantile
 * of the early fitness of the candidates scored before (evolution.ts).
 */
export const hurdleStep = (s: Suite): number => Math.max(1, Math.round(s.steps / 3));

export function scoreProgram(p: Program, s: Suite, grid: readonly number[] = LR_GRID, hurdle?: number): Fitness {
  const it = scoreSteps(p, s, grid, hurdle);
  for (;;) { const r = it.next(); if (r.done) return r.value; }
}

/** The same score, yielding to the event loop every few milliseconds (a worker keeps its job lock alive). */
export async function scoreProgramAsync(p: Program, s: Suite, grid: readonly number[] = LR_GRID, hurdle?: number): Promise<Fitness> {
  const it = scoreSteps(p, s, grid, hurdle);
  let last = performance.now();
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
    if (performance.now() - last > 20) { await new Promise((res) => setImmediate(res)); last = performance.now(); }
  }
}

/** Scoring as a generator that yields after every step. */
function* scoreSteps(p: Program, s: Suite, grid: readonly number[], hurdle: number | undefined): Generator<void, Fitness> {
  const sizes = s.tasks.map((t) => t.tensors.reduce((a, b) => a + b, 0));
  const n = sizes.reduce((a, b) => a + b, 0);
  const offsets = sizes.map((_, k) => sizes.slice(0, k).reduce((a, b) => a + b, 0));
  const G = grid.length, L = G * n;
  const segments = [0];
  for (let l = 0; l < G; l++) for (const t of s.tasks) for (const size of t.tensors) segments.push(segments[segments.length - 1]! + size);
  const lanes = new LaneProgram(p, L, segments);
  const lr = new Float32Array(L);
  let param: Float32Array = new Float32Array(L);
  const x0 = s.tasks.map((t) => t.init());
  for (let l = 0; l < G; l++) s.tasks.forEach((_, k) => param.set(x0[k]!, l * n + offsets[k]!));
  let states = lanes.initStates(grid[0]!);
  const g = new Float32Array(L);
  const at = (l: number, k: number) => param.subarray(l * n + offsets[k]!, l * n + offsets[k]! + sizes[k]!);
  const stopAt = hurdleStep(s);
  let early: number | undefined;
  for (let t = 1; t <= s.steps; t++) {
    const f = lrScale(t, s.steps);
    for (let l = 0; l < G; l++) lr.fill(grid[l]! * f, l * n, (l + 1) * n);
    for (let l = 0; l < G; l++) {
      s.tasks.forEach((task, k) => {
        const o = l * n + offsets[k]!;
        task.grad(param.subarray(o, o + sizes[k]!), g.subarray(o, o + sizes[k]!), t);
      });
    }
    const r = lanes.step({ t, param, g, states, lr });
    param = r.param;
    states = r.states;
    if (t === stopAt) {
      const e = fitnessOf(s, grid, x0, at);
      early = e.fitness;
      if (hurdle !== undefined && early < hurdle) return { ...e, early, stopped: true };
    }
    yield;
  }
  return { ...fitnessOf(s, grid, x0, at), early };
}

/**
 * The fitness from the trained parameters: `trained(l, k)` is task k's parameters after training at grid
 * point l, `x0[k]` its initial ones. Shared by the CPU and WebGPU scorers (gpu/scorer.ts).
 */
export function fitnessOf(s: Suite, grid: readonly number[], x0: Float32Array[], trained: (l: number, k: number) => Float32Array): Fitness {
  const tasks = s.tasks.map((task, k): TaskScore => {
    const loss0 = task.loss(x0[k]!);
    let best: TaskScore = { task: task.name, score: -Infinity, lr: grid[0]!, loss: NaN, loss0 };
    for (let l = 0; l < grid.length; l++) {
      const loss = task.loss(trained(l, k));
      const score = Number.isFinite(loss) ? Math.min(CEIL, Math.max(FLOOR, Math.log10(loss0 / Math.max(loss, 1e-300)))) : FLOOR;
      if (score > best.score) best = { task: task.name, score, lr: grid[l]!, loss, loss0 };
    }
    return best;
  });
  return { fitness: tasks.reduce((a, t) => a + t.score, 0) / tasks.length, tasks };
}
