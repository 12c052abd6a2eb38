// Winners as readable `.opt` files: the candidate simplified by the compiler's own passes (constant folding,
// CSE, algebraic simplification, dead-code removal), printed by `toSource`, with its fitness on every task
// and its mutation lineage as comments. The file parses back to exactly the program written (same
// `hashProgram`), and that program computes what the candidate computed (same behavioural hash).
import { hasErrors } from '../diag.js';
import { hashProgram, toSource, type Program } from '../ir/index.js';
import { parseProgram } from '../parser/index.js';
import { runPipeline } from '../passes/index.js';
import { lineage, type Individual, type SearchState } from './evolution.js';
import { foldIdentities, reorder } from './canonical.js';
import { behaviour } from './fingerprint.js';
import type { Fitness } from './fitness.js';

/** Winners are printed for a reader: single-use values inlined (src/ir/to-source.ts). */
const READABLE = { readable: true };

/**
 * The simplified program as `.opt` source parses it (a fixed point of print + parse). The finite-input
 * identities and the reordering of canonical.ts are kept only if the program still computes what it did
 * (same behavioural hash); otherwise the passes' exact simplification alone is printed.
 */
export function simplify(p: Program, name: string): Program {
  const exact = runPipeline({ ...p, name }, { stopAfter: 'eliminateDeadCode' }).program;
  const before = behaviour(exact).hash;
  const readable = reorder(runPipeline(foldIdentities(exact), { stopAfter: 'eliminateDeadCode' }).program);
  const out = behaviour(readable).hash === before ? readable : exact;
  let prog = reparse(toSource({ ...out, schedule: undefined }, READABLE));
  // Print + parse can reorder instructions once (into lowering order); after that it is stable.
  for (let k = 0; k < 3; k++) {
    const again = reparse(toSource(prog, READABLE));
    if (hashProgram(again) === hashProgram(prog)) return prog;
    prog = again;
  }
  return prog;
}

function reparse(src: string): Program {
  const r = parseProgram(src);
  if (!r.program || hasErrors(r.diagnostics)) throw new Error(`search: a winner does not re-parse:\n${src}`);
  return r.program;
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : String(x));

function fitnessLines(label: string, f: Fitness | undefined): string[] {
  if (!f) return [`task ${label}: not scored`];
  return [`task ${label}: fitness ${fmt(f.fitness)} (decades of loss reduction, mean over tasks)`,
    ...f.tasks.map((t) => `  ${t.task}: ${fmt(t.score)} at lr ${t.lr} (loss ${t.loss0.toPrecision(4)} -> ${t.loss.toPrecision(4)})`)];
}

export interface WrittenWinner { source: string; program: Program; ind: Individual }

/** The `.opt` text of individual `ind`: doc comment (provenance, scores, lineage) + simplified source. */
export function winnerSource(s: SearchState, ind: Individual, name: string): WrittenWinner {
  const program = simplify(s.programs[ind.id]!, name);
  if (behaviour(program).hash !== ind.key) throw new Error(`search: simplifying candidate ${ind.id} changed what it computes`);
  const warm = s.individuals[0]!;
  const doc = [
    `Found by \`optc search\` (strategy ${s.config.strategy}, seed ${s.config.seed}) from ${s.from}: candidate #${ind.id}.`,
    `Fitness: A ${fmt(ind.a)}, B ${ind.b === undefined ? 'not scored' : fmt(ind.b)}${warm.c === undefined ? '' : `, C ${ind.c === undefined ? 'not scored' : fmt(ind.c)}`}; the warm start: A ${fmt(warm.a)}, B ${fmt(warm.b!)}${warm.c === undefined ? '' : `, C ${fmt(warm.c)}`}.`,
    `lr is chosen per task from a grid (docs/search.md); the program's own lr default is the warm start's.`,
    '',
    ...fitnessLines('A', s.cache[`A:${ind.key}`]),
    ...fitnessLines('B', s.cache[`B:${ind.key}`]),
    ...fitnessLines('C', s.cache[`C:${ind.key}`]),
    '',
    'Lineage (mutations from the warm start):',
    ...lineage(s, ind.id).slice(1).map((l) => `  #${l.id} (A ${fmt(l.a)}): ${l.mutation}`),
  ];
  const text = `${doc.map((l) => `///${l ? ` ${l}` : ''}`).join('\n')}\n${toSource(program, READABLE)}`;
  const back = reparse(text);
  if (hashProgram(back) !== hashProgram(program)) throw new Error(`search: the written winner #${ind.id} does not re-parse to the same program`);
  return { source: text, program, ind };
}
