// Where fitness is computed: in this process, or on a worker pool (queue.ts). A request is keyed by the
// suite and the candidate's behavioural hash, so equal keys share one score wherever it was computed.
import type { Program } from '../ir/index.js';
import { FLOOR, scoreProgram, scoreProgramAsync, type Fitness } from './fitness.js';
import { suite, type Suite, type SuiteName } from './tasks.js';

export interface ScoreRequest {
  key: string;
  suite: SuiteName;
  program: Program;
  /** Early-stopping hurdle on the fitness after a third of the steps (fitness.ts); none when absent. */
  hurdle?: number;
}

export interface Scorer {
  /** Scores every request (each key once) and returns the scores by key. */
  score(reqs: readonly ScoreRequest[]): Promise<Map<string, Fitness>>;
  close(): Promise<void>;
}

/** The fitness of a candidate that failed the hurdle (NaN or infinity on the probe): the worst, unscored. */
export const HURDLE: Fitness = { fitness: FLOOR, tasks: [] };

const suites = new Map<string, Suite>();
function suiteOf(name: SuiteName): Suite {
  let s = suites.get(name);
  if (!s) suites.set(name, (s = suite(name)));
  return s;
}

/** Scores one request: the same computation runs in-process and in `optc worker`. */
export function scoreRequest(r: Pick<ScoreRequest, 'suite' | 'program' | 'hurdle'>): Fitness { return scoreProgram(r.program, suiteOf(r.suite), undefined, r.hurdle); }
/** `scoreRequest`, yielding to the event loop now and then (workers). */
export function scoreRequestAsync(r: Pick<ScoreRequest, 'suite' | 'program' | 'hurdle'>): Promise<Fitness> { return scoreProgramAsync(r.program, suiteOf(r.suite), undefined, r.hurdle); }

export class LocalScorer implements Scorer {
  /** Unique candidates scored, per suite. */
  readonly scored = { A: 0, B: 0, C: 0 };
  async score(reqs: readonly ScoreRequest[]): Promise<Map<string, Fitness>> {
    const out = new Map<string, Fitness>();
    for (const r of reqs) {
      if (out.has(r.key)) continue;
      out.set(r.key, scoreRequest(r));
      this.scored[r.suite]++;
    }
    return out;
  }
  async close(): Promise<void> {}
}
