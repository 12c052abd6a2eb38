// Diagnostics shared by every stage: problems in the user's program are data (collected, never thrown),
// compiler bugs are `invariant` failures. Spans are offsets; line/column are worked out only when printed.

export interface Span { start: number; end: number }

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  /** Stable code such as `E0102`, for tests and docs. */
  code: string;
  message: string;
  span?: Span;
  /** Suggestion shown after the caret: how to fix it. */
  hint?: string;
}

export function error(code: string, message: string, span?: Span, hint?: string): Diagnostic {
  return { severity: 'error', code, message, span, hint };
}

export function warning(code: string, message: string, span?: Span, hint?: string): Diagnostic {
  return { severity: 'warning', code, message, span, hint };
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === 'error');
}

/**
 * Offsets of the line starts of the last source asked about. Diagnostics of one file are formatted together,
 * so one scan serves them all and each lookup is a binary search: a file with thousands of diagnostics stays
 * linear instead of rescanning the text from the start for each.
 */
let lineIndex: { source: string; starts: number[] } | undefined;

function lineStarts(source: string): number[] {
  if (lineIndex?.source === source) return lineIndex.starts;
  const starts = [0];
  for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
  lineIndex = { source, starts };
  return starts;
}

export function lineCol(source: string, offset: number): { line: number; col: number } {
  const starts = lineStarts(source);
  const at = Math.max(0, Math.min(offset, source.length));
  let lo = 0, hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= at) lo = mid; else hi = mid - 1;
  }
  return { line: lo + 1, col: offset - starts[lo]! + 1 };
}

/** Source lines longer than this are shown as a window around the caret (a minified or corrupted file). */
const MAX_SHOWN_LINE = 160;
/** At most this many diagnostics are printed; the rest are counted. */
export const MAX_SHOWN_DIAGNOSTICS = 50;

/**
 * `file:line:col: error[E0102]: message`, the source line, a caret under the span, and the hint.
 * Spans that run past the end of their line are underlined to the end of the line.
 */
export function formatDiagnostic(d: Diagnostic, source: string, file = '<input>'): string {
  const head = `${d.severity}[${d.code}]: ${d.message}`;
  if (!d.span) return `${file}: ${head}${d.hint ? `\n  hint: ${d.hint}` : ''}`;
  const { line, col } = lineCol(source, d.span.start);
  const lineStart = d.span.start - (col - 1);
  let lineEnd = source.indexOf('\n', lineStart);
  if (lineEnd < 0) lineEnd = source.length;
  // Show at most MAX_SHOWN_LINE characters of the line, starting a little before the span on long lines.
  const from = lineEnd - lineStart <= MAX_SHOWN_LINE ? lineStart : Math.max(lineStart, d.span.start - 40);
  const to = Math.min(lineEnd, from + MAX_SHOWN_LINE);
  const text = (from > lineStart ? '…' : '') + source.slice(from, to).replace(/\t/g, ' ') + (to < lineEnd ? '…' : '');
  const caretCol = d.span.start - from + (from > lineStart ? 1 : 0);
  const width = Math.max(1, Math.min(d.span.end, to) - d.span.start);
  const gutter = String(line).length;
  const pad = ' '.repeat(gutter);
  const out = [
    `${file}:${line}:${col}: ${head}`,
    `${pad} |`,
    `${line} | ${text}`,
    `${pad} | ${' '.repeat(caretCol)}${'^'.repeat(width)}`,
  ];
  if (d.hint) out.push(`${pad} = hint: ${d.hint}`);
  return out.join('\n');
}

/** Every diagnostic up to MAX_SHOWN_DIAGNOSTICS, then a count of the rest. */
export function formatDiagnostics(ds: readonly Diagnostic[], source: string, file?: string): string {
  const shown = ds.slice(0, MAX_SHOWN_DIAGNOSTICS).map((d) => formatDiagnostic(d, source, file));
  if (ds.length > MAX_SHOWN_DIAGNOSTICS) {
    const rest = ds.slice(MAX_SHOWN_DIAGNOSTICS);
    const errors = rest.filter((d) => d.severity === 'error').length;
    shown.push(`… and ${rest.length} more (${errors} errors, ${rest.length - errors} warnings) not shown; fix the ones above first`);
  }
  return shown.join('\n\n');
}

/** Thrown when the user's program has errors; carries every diagnostic. */
export class CompileError extends Error {
  constructor(readonly diagnostics: Diagnostic[], readonly source: string, readonly file = '<input>') {
    super(formatDiagnostics(diagnostics.filter((d) => d.severity === 'error'), source, file));
    this.name = 'CompileError';
  }
}

/** A compiler bug, never the user's fault. `detail` (usually the printed IR) is computed lazily. */
export class InvariantError extends Error {
  constructor(message: string) { super(`internal compiler error: ${message}`); this.name = 'InvariantError'; }
}

export function invariant(cond: unknown, msg: () => string): asserts cond {
  if (!cond) throw new InvariantError(msg());
}

/** A hyperparameter name or value the optimizer does not accept (at compile or run time). */
export class HyperError extends Error {
  constructor(readonly hyper: string, message: string) { super(message); this.name = 'HyperError'; }
}

/**
 * `base` with `overrides` applied, each checked: an unknown name or a non-number is a HyperError naming the
 * hyperparameter. Shared by the interpreter and the runtime so both refuse the same things in the same words.
 */
export function overrideHypers(owner: { name: string; hypers: readonly { name: string }[] }, base: Record<string, number>,
  overrides: Record<string, number>): Record<string, number> {
  const out = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    if (!(k in out)) {
      const known = owner.hypers.map((h) => h.name).join(', ') || '(none)';
      throw new HyperError(k, `unknown hyperparameter '${k}' for optimizer '${owner.name}'; it declares: ${known}`);
    }
    if (typeof v !== 'number' || Number.isNaN(v)) throw new HyperError(k, `hyperparameter '${k}' must be a number, got ${JSON.stringify(v)}`);
    out[k] = v;
  }
  return out;
}
