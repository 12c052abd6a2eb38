// Symbolic optimizer search (docs/search.md): programs of the IR, mutated, fingerprinted, scored on proxy
// tasks and evolved; `optc search` and `optc worker` are in cli.ts.
export { DEFAULT_SPACE, loadWarmStart, normalizeProgram, SpaceError, type SpaceOptions } from './space.js';
export { mutateOnce, DEFAULT_WEIGHTS, type MutationKind, type Mutant } from './mutate.js';
export { invalidReason } from './validate.js';
export { behaviour, structuralHash, type Behaviour } from './fingerprint.js';
export { LaneProgram } from './lanes.js';
export { scoreProgram, scoreProgramAsync, LR_GRID, FLOOR, CEIL, type Fitness, type TaskScore } from './fitness.js';
export { suite, quadratic, rosenbrock, mnistClassifier, type Task, type Suite } from './tasks.js';
export { initSearch, runSearch, lineage, bestWinner, DEFAULT_CONFIG, type SearchConfig, type SearchState, type Individual, type Strategy } from './evolution.js';
export { LocalScorer, scoreRequest, type Scorer, type ScoreRequest } from './scorer.js';
export { saveState, loadState } from './state.js';
export { simplify, winnerSource } from './winners.js';
