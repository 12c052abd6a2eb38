// A self-contained HTML report page: inline CSS and inline SVG figures, no scripts, no network.
export interface ReportSection {
  heading: string;
  /** Trusted HTML (figures from plot.ts, tables from `table`); plain text goes through `escapeHtml`. */
  html: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A table from rows of cells (escaped); numbers are right-aligned. */
export function table(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cell = (c: string | number, tag: 'td' | 'th') =>
    `<${tag}${typeof c === 'number' ? ' class="num"' : ''}>${escapeHtml(String(c))}</${tag}>`;
  return `<table><thead><tr>${head.map((h) => cell(h, 'th')).join('')}</tr></thead><tbody>${
    rows.map((r) => `<tr>${r.map((c) => cell(c, 'td')).join('')}</tr>`).join('')}</tbody></table>`;
}

/** A figure: an SVG from plot.ts with a caption, marked so tests can find every plot. */
export function figure(svg: string, caption: string): string {
  return `<figure class="plot">${svg}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

export function htmlPage(title: string, sections: readonly ReportSection[], intro = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 980px; color: #222; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.5em 0; } th, td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto; font-size: 12.5px; }
figure.plot { margin: 1em 0; } figcaption { color: #666; font-size: 0.9em; }
</style></head>
<body><h1>${escapeHtml(title)}</h1>${intro}
${sections.map((s) => `<section><h2>${escapeHtml(s.heading)}</h2>\n${s.html}\n</section>`).join('\n')}
</body></html>
`;
}
