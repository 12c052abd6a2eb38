// The report building blocks: charts render to SVG in Node with their data, and a page opens in headless
// Chromium with every figure drawn and no console errors.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { barChart, escapeHtml, figure, htmlPage, lineChart, table } from '../src/report/index.js';
import { launchChromium, watchedPage } from './helpers/browser.js';

describe('report', () => {
  it('a line chart is an SVG with one path per series; non-finite and (log) non-positive points are dropped', async () => {
    const svg = await lineChart({
      title: 'loss', x: 'step', y: 'loss', logY: true,
      series: [{ name: 'adamw', points: [[0, 2], [1, 1], [2, NaN], [3, 0.5]] }, { name: 'lion', points: [[0, 2], [1, 0], [2, 1.5]] }],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('adamw');
    expect(svg).toContain('lion');
    expect(svg.match(/<path[^>]*aria-roledescription="line mark"/g)?.length).toBe(2);
  });

  it('a bar chart names every bar', async () => {
    const svg = await barChart({ title: 'state', x: 'optimizer', y: 'bytes/param', bars: [{ name: 'adamw', value: 8 }, { name: 'adamw8bit', value: 2.03 }] });
    expect(svg).toContain('adamw8bit');
  });

  it('tables and text are escaped', () => {
    expect(escapeHtml('<a & "b">')).toBe('&lt;a &amp; &quot;b&quot;&gt;');
    expect(table(['a', 'n'], [['<x>', 1.5]])).toBe('<table><thead><tr><th>a</th><th>n</th></tr></thead><tbody><tr><td>&lt;x&gt;</td><td class="num">1.5</td></tr></tbody></table>');
  });

  it('a page renders in headless Chromium with its figures and no console errors', async () => {
    const svg = await lineChart({ title: 't', x: 'x', y: 'y', series: [{ name: 's', points: [[0, 1], [1, 2]] }] });
    const dir = mkdtempSync(join(tmpdir(), 'optc-report-'));
    const file = join(dir, 'index.html');
    writeFileSync(file, htmlPage('Report', [{ heading: 'Loss', html: figure(svg, 'loss vs step') }]));
    const browser = await launchChromium();
    try {
      const { page, errors } = await watchedPage(browser);
      await page.goto(`file://${file}`);
      const boxes = await page.$$eval('figure.plot svg', (els) => els.map((e) => { const r = e.getBoundingClientRect(); return [r.width, r.height]; }));
      expect(boxes.length).toBe(1);
      expect(boxes[0]![0]).toBeGreaterThan(100);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
