// Regularized evolution (Real et al. 2019, the search behind AutoML-Zero and Lion): a population that ages
// (each new child replaces the oldest member), parents chosen by tournament, one mutation per child.
// Rounds are synchronous: `batch` children are proposed from the same population with the seeded RNG,
// scored together (in-process or on workers, in any order), then inserted in proposal order, so a seed
// fixes the trajectory whatever scores them, and a state saved between rounds resumes it exactly.
//
// Baselines at equal candidates: `random` applies 1-3 mutations to the warm start with no selection;
// `constants` runs the same evolution with constant perturbation as the only mutation.
import type { Program } from '../ir/index.js';
import { behaviour, structuralHash } from './fingerprint.js';
import { FITNESS_VERSION, type Fitness } from './fitness.js';
import { DEFAULT_WEIGHTS, mutateOnce, type MutationKind } from './mutate.js';
import { Rng } from './rng.js';
import { HURDLE, type ScoreRequest, type Scorer } from './scorer.js';
import type { SpaceOptions } from './space.js';
import { invalidReason } from './validate.js';

export type Strategy = 'evolution' | 'random' | 'constants';

export interface SearchConfig {
  seed: number;
  strategy: Strategy;
  population: number;
  tournament: number;
  /** Children proposed (and scored together) per round. */
  batch: number;
  space: SpaceOptions;
  /** Stop after this many candidates (children) ... */
  maxCandidates: number;
  /** ... or after this many seconds of search, whichever comes first. */
  timeSeconds: number;
  /** A candidate must beat the best A fitness sent to B so far (and the warm start's) by this much. */
  margin: number;
  /**
   * Early-stopping hurdle: a candidate whose A fitness after a third of the steps is below this quantile
   * of the earlier candidates' stops there (fitness.ts). Absent: every candidate trains to the end.
   */
  hurdle?: number;
  /**
   * Funnel stages: 2 (A, then B) or 3 (then task C, >= 10x B: a candidate that beats the warm start on B
   * and sets a new best B is re-scored on C, and only those that beat the warm start on C are winners).
   */
  funnel?: 2 | 3;
}

/** Scored candidates needed before the hurdle applies (its quantile means little over fewer). */
export const HURDLE_MIN = 32;

export const DEFAULT_CONFIG: Omit<SearchConfig, 'seed' | 'space'> = {
  strategy: 'evolution', population: 32, tournament: 6, batch: 8, maxCandidates: Infinity, timeSeconds: 180, margin: 0.01,
};

export interface Individual {
  id: number;
  parent: number | null;
  mutation: string;
  /** Behavioural hash (the cache key without its suite). */
  key: string;
  /** Fitness on task A. */
  a: number;
  /** Fitness on task B, for those the funnel re-scored. */
  b?: number;
  /** Fitness on task C (`funnel: 3`), for those the funnel re-scored again. */
  c?: number;
  round: number;
}

export interface SearchState {
  version: 2;
  /** FITNESS_VERSION of the scores in `cache` and `individuals`. */
  fitnessVersion: number;
  config: SearchConfig;
  /** The `--from` argument and its hyperparameter overrides, for reports. */
  from: string;
  rng: number[];
  individuals: Individual[];
  /** Programs of the population, the best few and the winners, by id. */
  programs: Record<number, Program>;
  population: number[];
  /** Scores by `suite:key`. */
  cache: Record<string, Fitness>;
  /** `hurdle`: failed the NaN probe (never scored); `stopped`: stopped by the early-stopping hurdle. */
  stats: { candidates: number; hits: number; scoredA: number; scoredB: number; rejected: number; hurdle: number; rounds: number; elapsedMs: number; stopped?: number; scoredC?: number };
  /** [candidates so far, best A fitness] after each round. */
  curve: [number, number][];
  winners: number[];
  /** Candidates that beat the warm start on A but not on B (meta-overfitting to the proxy). */
  disagreements: number[];
  /** Best A fitness among candidates sent to B. */
  bestSentA: number;
  /** Best B fitness among candidates sent to C (`funnel: 3`). */
  bestSentB?: number;
}

const KEEP_TOP = 12;

function weightsFor(s: Strategy): Partial<Record<MutationKind, number>> {
  return s === 'constants' ? { constant: 1 } : DEFAULT_WEIGHTS;
}

/** A fresh search from `warm` (scored on A and B here). */
export async function initSearch(config: SearchConfig, warm: Program, from: string, scorer: Scorer): Promise<SearchState> {
  const key = behaviour(warm).hash;
  const three = config.funnel === 3;
  const scores = await scorer.score([{ key: `A:${key}`, suite: 'A', program: warm }, { key: `B:${key}`, suite: 'B', program: warm },
    ...(three ? [{ key: `C:${key}`, suite: 'C' as const, program: warm }] : [])]);
  const a = scores.get(`A:${key}`)!, b = scores.get(`B:${key}`)!, c = scores.get(`C:${key}`);
  return {
    version: 2, fitnessVersion: FITNESS_VERSION, config, from,
    rng: new Rng(config.seed).state(),
    individuals: [{ id: 0, parent: null, mutation: 'warm start', key, a: a.fitness, b: b.fitness, ...(c ? { c: c.fitness } : {}), round: 0 }],
    programs: { 0: warm },
    population: [0],
    cache: { [`A:${key}`]: a, [`B:${key}`]: b, ...(c ? { [`C:${key}`]: c } : {}) },
    stats: { candidates: 0, hits: 0, scoredA: 1, scoredB: 1, rejected: 0, hurdle: 0, rounds: 0, elapsedMs: 0, ...(c ? { scoredC: 1 } : {}) },
    curve: [[0, a.fitness]],
    winners: [], disagreements: [], bestSentA: a.fitness, ...(c ? { bestSentB: b.fitness } : {}),
  };
}

export interface RunHooks {
  /** Called after every round (progress bars, checkpoints). */
  onRound?: (s: SearchState) => void | Promise<void>;
  /** Polled between rounds: true stops the run (an interrupt); the state stays resumable. */
  stop?: () => boolean;
}

/** Memo of structural hash -> behaviour: exact duplicates skip the probe. Not saved; only speed depends on it. */
const behaviourMemo = new Map<string, ReturnType<typeof behaviour>>();

function fingerprint(p: Program): ReturnType<typeof behaviour> {
  const s = structuralHash(p);
  let b = behaviourMemo.get(s);
  if (!b) {
    if (behaviourMemo.size > 200_000) behaviourMemo.clear();
    behaviourMemo.set(s, (b = behaviour(p)));
  }
  return b;
}

interface Child { ind: Individual; program: Program; nonFinite: boolean }

function tournament(s: SearchState, rng: Rng): number {
  let best = -1;
  for (let k = 0; k < s.config.tournament; k++) {
    const id = s.population[rng.int(s.population.length)]!;
    if (best < 0 || s.individuals[id]!.a > s.individuals[best]!.a) best = id;
  }
  return best;
}

function propose(s: SearchState, rng: Rng, nextId: number, round: number): Child {
  const { strategy, space } = s.config;
  const parentId = strategy === 'random' ? 0 : tournament(s, rng);
  let program = s.programs[parentId]!;
  const steps: string[] = [];
  const n = strategy === 'random' ? 1 + rng.int(3) : 1;
  for (let k = 0; k < n; k++) {
    let done = false;
    for (let tries = 0; tries < 100 && !done; tries++) {
      const m = mutateOnce(program, rng, space, weightsFor(strategy));
      if (!m || invalidReason(m.program, space)) { s.stats.rejected++; continue; }
      program = m.program;
      steps.push(m.mutation);
      done = true;
    }
  }
  const fp = fingerprint(program);
  return { ind: { id: nextId, parent: parentId, mutation: steps.join('; ') || 'none', key: fp.hash, a: NaN, round }, program, nonFinite: fp.nonFinite };
}

/** Runs rounds until a budget is spent or `hooks.stop()`; `s` is updated in place and stays resumable. */
export async function runSearch(s: SearchState, scorer: Scorer, hooks: RunHooks = {}): Promise<SearchState> {
  const { config } = s;
  while (s.stats.candidates < config.maxCandidates && s.stats.elapsedMs < config.timeSeconds * 1000 && !hooks.stop?.()) {
    const t0 = performance.now();
    const rng = new Rng(s.rng);
    const round = s.stats.rounds + 1;
    const children: Child[] = [];
    const count = Math.min(config.batch, config.maxCandidates - s.stats.candidates);
    for (let k = 0; k < count; k++) children.push(propose(s, rng, s.individuals.length + k, round));
    // Score what the cache does not know yet, each behaviour once.
    const pending = new Map<string, ScoreRequest>();
    const hurdle = config.hurdle === undefined ? undefined : hurdleValue(s, config.hurdle);
    for (const c of children) {
      const key = `A:${c.ind.key}`;
      if (c.nonFinite) { s.stats.hurdle++; continue; }
      if (s.cache[key] || pending.has(key)) s.stats.hits++;
      else pending.set(key, hurdle === undefined ? { key, suite: 'A', program: c.program } : { key, suite: 'A', program: c.program, hurdle });
    }
    const scored = await scorer.score([...pending.values()]);
    for (const [k, f] of scored) {
      s.cache[k] = f;
      if (f.stopped) s.stats.stopped = (s.stats.stopped ?? 0) + 1;
    }
    s.stats.scoredA += pending.size;
    for (const c of children) {
      c.ind.a = c.nonFinite ? HURDLE.fitness : s.cache[`A:${c.ind.key}`]!.fitness;
      s.individuals.push(c.ind);
      s.programs[c.ind.id] = c.program;
      s.population.push(c.ind.id);
      if (s.population.length > config.population) s.population.shift();
    }
    s.stats.candidates += children.length;
    await funnel(s, scorer, children);
    prunePrograms(s);
    s.rng = rng.state();
    s.stats.rounds = round;
    s.stats.elapsedMs += performance.now() - t0;
    s.curve.push([s.stats.candidates, bestA(s)]);
    await hooks.onRound?.(s);
    // In-process scoring never leaves the microtask queue: let signals (Ctrl-C) and timers in between rounds.
    await new Promise((r) => setImmediate(r));
  }
  return s;
}

/** Task B for candidates that set a new best on A (beyond the warm start); winners beat the warm start on B. */
async function funnel(s: SearchState, scorer: Scorer, children: Child[]): Promise<void> {
  const warm = s.individuals[0]!;
  const sent: Child[] = [];
  for (const c of children) {
    if (c.ind.a > Math.max(warm.a, s.bestSentA) + s.config.margin) { sent.push(c); s.bestSentA = c.ind.a; }
  }
  if (!sent.length) return;
  const reqs = sent.filter((c) => !s.cache[`B:${c.ind.key}`]).map((c): ScoreRequest => ({ key: `B:${c.ind.key}`, suite: 'B', program: c.program }));
  const scored = await scorer.score(reqs);
  for (const [k, f] of scored) s.cache[k] = f;
  s.stats.scoredB += scored.size;
  const toC: Child[] = [];
  for (const c of sent) {
    c.ind.b = s.cache[`B:${c.ind.key}`]!.fitness;
    if (s.config.funnel !== 3) { (c.ind.b > warm.b! ? s.winners : s.disagreements).push(c.ind.id); continue; }
    if (c.ind.b <= warm.b!) s.disagreements.push(c.ind.id);
    else if (c.ind.b > Math.max(warm.b!, s.bestSentB ?? -Infinity) + s.config.margin) { toC.push(c); s.bestSentB = c.ind.b; }
  }
  if (!toC.length) return;
  // The third stage: a new best on B (beyond the warm start) is re-scored on C; winners beat the warm start there.
  const cReqs = toC.filter((c) => !s.cache[`C:${c.ind.key}`]).map((c): ScoreRequest => ({ key: `C:${c.ind.key}`, suite: 'C', program: c.program }));
  const cScored = await scorer.score(cReqs);
  for (const [k, f] of cScored) s.cache[k] = f;
  s.stats.scoredC = (s.stats.scoredC ?? 0) + cScored.size;
  for (const c of toC) {
    c.ind.c = s.cache[`C:${c.ind.key}`]!.fitness;
    (c.ind.c > warm.c! ? s.winners : s.disagreements).push(c.ind.id);
  }
}

/** The `q` quantile of the early A fitness of every candidate scored so far, once there are enough. */
function hurdleValue(s: SearchState, q: number): number | undefined {
  const early: number[] = [];
  for (const [k, f] of Object.entries(s.cache)) if (k.startsWith('A:') && f.early !== undefined) early.push(f.early);
  if (early.length < HURDLE_MIN) return undefined;
  early.sort((a, b) => a - b);
  return early[Math.min(early.length - 1, Math.floor(q * early.length))];
}

function bestA(s: SearchState): number {
  let b = -Infinity;
  for (const i of s.individuals) if (i.a > b) b = i.a;
  return b;
}

/** Keeps the programs of the warm start, the population, the winners and the best few on A. */
function prunePrograms(s: SearchState): void {
  const keep = new Set<number>([0, ...s.population, ...s.winners]);
  const top = s.individuals.filter((i) => i.id in s.programs).sort((x, y) => y.a - x.a || x.id - y.id).slice(0, KEEP_TOP);
  for (const i of top) keep.add(i.id);
  for (const id of Object.keys(s.programs)) if (!keep.has(Number(id))) delete s.programs[Number(id)];
}

/** The mutations from the warm start to `id`, oldest first. */
export function lineage(s: SearchState, id: number): Individual[] {
  const out: Individual[] = [];
  for (let cur: number | null = id; cur !== null; cur = s.individuals[cur]!.parent) out.push(s.individuals[cur]!);
  return out.reverse();
}

/**
 * The result: the winner with the best fitness on the last funnel stage (B, or C with `funnel: 3`), or the
 * warm start when nothing beat it there.
 */
export function bestWinner(s: SearchState): Individual {
  const last = (i: Individual) => (s.config.funnel === 3 ? i.c! : i.b!);
  let best = s.individuals[0]!;
  for (const id of s.winners) if (last(s.individuals[id]!) > last(best)) best = s.individuals[id]!;
  return best;
}
