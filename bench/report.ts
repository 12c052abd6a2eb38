// results.json's shape and the plain-text table `npm run bench` prints (also pasted into docs/performance.md).

import type { CaseResult } from './suite.js';
import { sizeLabel } from './data.js';

export interface Results {
  device: string;
  date: string;
  node: string;
  commit: string;
  quick: boolean;
  method: { warmup: number; iters: number; statistic: 'median'; waitedPerStep: true; interleaved: true };
  limits: Record<string, number>;
  cases: CaseResult[];
}

const f = (x: number | undefined, digits: number, suffix = '') => (x === undefined ? '' : `${x.toFixed(digits)}${suffix}`);

const ALL_COLUMNS: { head: string; cell: (r: CaseResult) => string; left?: boolean }[] = [
  { head: 'group', cell: (r) => r.group, left: true },
  { head: 'case', cell: (r) => r.name, left: true },
  { head: 'n', cell: (r) => (r.n ? sizeLabel(r.n) : '') },
  { head: 'ms', cell: (r) => (r.skipped ? '—' : f(r.ms, r.ms !== undefined && r.ms < 1 ? 3 : 2)) },
  { head: 'B/param', cell: (r) => f(r.bytesPerParam, 0) },
  { head: 'GB/s', cell: (r) => f(r.gbPerS, 2) },
  { head: 'roofline', cell: (r) => f(r.rooflineFraction, 2) },
  { head: 'vs TF.js', cell: (r) => f(r.vsTfjs, 1, '×') },
  { head: 'vs unfused', cell: (r) => f(r.vsUnfused, 2, '×') },
  { head: 'vs hand', cell: (r) => f(r.vsHand, 2, '×') },
  { head: 'vs f32', cell: (r) => f(r.vsF32 as number | undefined, 2, '×') },
  { head: 'vs flat', cell: (r) => f(r.vsFlat as number | undefined, 2, '×') },
  { head: 'dispatches', cell: (r) => (r.dispatchesPerStep === undefined ? '' : String(r.dispatchesPerStep)) },
];

/** A Markdown table (GitHub renders it; it also reads fine in a terminal). Columns empty in every row are left out. */
export function formatTable(cases: CaseResult[]): string {
  const COLUMNS = ALL_COLUMNS.filter((c, i) => i < 4 || cases.some((r) => c.cell(r) !== ''));
  const rows = cases.map((r) => COLUMNS.map((c) => c.cell(r)));
  const widths = COLUMNS.map((c, i) => Math.max(c.head.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((s, i) => (COLUMNS[i]!.left ? s.padEnd(widths[i]!) : s.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (COLUMNS[i]!.left ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(COLUMNS.map((c) => c.head)), rule, ...rows.map(line)].join('\n');
}

/** Skipped cases with their reasons, one per line. */
export function formatSkipped(cases: CaseResult[]): string {
  return cases
    .filter((r) => r.skipped)
    .map((r) => `- ${r.name}${r.n ? ` @${sizeLabel(r.n)}` : ''}: ${r.skipped}`)
    .join('\n');
}
