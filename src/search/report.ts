// The HTML report of a search (`--out DIR/report.html`): best fitness against candidates, counts, the top
// programs' source with their lineage, and the A/B disagreements. Charts and page come from src/report.
import { escapeHtml, figure, htmlPage, lineChart, table } from '../report/index.js';
import type { SearchState } from './evolution.js';
import type { WrittenWinner } from './winners.js';

export async function searchReport(s: SearchState, top: readonly WrittenWinner[], files: readonly string[]): Promise<string> {
  const warm = s.individuals[0]!;
  const plot = await lineChart({
    title: 'Best fitness on task A', x: 'candidates', y: 'fitness (decades of loss reduction)',
    series: [{ name: s.config.strategy, points: s.curve }, { name: 'warm start', points: [[0, warm.a], [s.stats.candidates, warm.a]] }],
  });
  const st = s.stats;
  const hit = st.candidates ? (st.hits / st.candidates) : 0;
  const counts = table(['', 'value'], [
    ['from', s.from], ['strategy', s.config.strategy], ['seed', s.config.seed], ['rounds', st.rounds],
    ['candidates (valid children)', st.candidates], ['rejected mutants (invalid, mutated again)', st.rejected],
    ['failed the NaN/inf hurdle', st.hurdle], ['cache hits', st.hits], ['hit rate', `${(100 * hit).toFixed(1)}%`],
    ['unique candidates scored on A', st.scoredA],
    ['stopped at the early-stopping hurdle', s.config.hurdle === undefined ? 'off' : `${st.stopped ?? 0} (quantile ${s.config.hurdle})`], ['scored on B (funnel)', st.scoredB], ['winners (beat the warm start on B)', s.winners.length],
    ['A/B disagreements', s.disagreements.length], ['search time', `${(st.elapsedMs / 1000).toFixed(1)} s`],
    ['warm start fitness A / B', `${warm.a.toFixed(3)} / ${warm.b!.toFixed(3)}`],
    ...(warm.c === undefined ? [] : [['third funnel stage: scored on C / warm start on C', `${st.scoredC ?? 0} / ${warm.c.toFixed(3)}`]]),
  ]);
  const progs = top.map((w, k) => `<h3>${k + 1}. ${escapeHtml(files[k] ?? '')} — A ${w.ind.a.toFixed(3)}, B ${w.ind.b?.toFixed(3) ?? '-'}${w.ind.c === undefined ? '' : `, C ${w.ind.c.toFixed(3)}`}</h3><pre>${escapeHtml(w.source)}</pre>`).join('\n');
  const dis = s.disagreements.length
    ? table(['candidate', 'A', 'B', 'mutation'], s.disagreements.map((id) => { const i = s.individuals[id]!; return [`#${id}`, i.a.toFixed(3), i.b!.toFixed(3), i.mutation]; }))
    : '<p>None: every candidate that set a new best on A also beat the warm start on B.</p>';
  return htmlPage(`optc search: ${s.from}`, [
    { heading: 'Progress', html: figure(plot, 'Best A fitness among all candidates so far, against candidates proposed.') + counts },
    { heading: 'Top programs and their lineage', html: progs || '<p>No candidate beat the warm start on both tasks.</p>' },
    { heading: 'A/B disagreements (better on A, not on B)', html: dis },
  ]);
}
