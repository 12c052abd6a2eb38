// Saving and resuming a search. The state file is the whole run (configuration, RNG state, population,
// history, cache), written atomically after rounds, so an interrupted search resumes where it stopped and
// continues the same trajectory.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { SearchState } from './evolution.js';
import { FITNESS_VERSION } from './fitness.js';

export function saveState(file: string, s: SearchState): void {
  // JSON has no Infinity: an unlimited budget is saved as null.
  const json = JSON.stringify(s, (k, v) => ((k === 'maxCandidates' || k === 'timeSeconds') && v === Infinity ? null : k === 'span' ? undefined : v));
  writeFileSync(`${file}.tmp`, json);
  renameSync(`${file}.tmp`, file);
}

export function loadState(file: string): SearchState {
  const s = JSON.parse(readFileSync(file, 'utf8')) as SearchState;
  if ((s.version as number) !== 1 && s.version !== 2) throw new Error(`${file}: not a search state of this version`);
  if ((s.fitnessVersion ?? 1) !== FITNESS_VERSION) {
    throw new Error(`${file}: its scores come from fitness version ${s.fitnessVersion ?? 1}, this optc scores with version ${FITNESS_VERSION}; start a new search`);
  }
  if (s.config.maxCandidates === null) s.config.maxCandidates = Infinity;
  if (s.config.timeSeconds === null) s.config.timeSeconds = Infinity;
  return s;
}
