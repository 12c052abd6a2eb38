// The playground in a real browser: headless Chromium with WebGPU on SwiftShader (test/helpers/browser.ts).
// Every example compiles in the page; Adam trains the page's least-squares problem for 50 steps on the page's
// GPU with the compiled kernels, the loss falls, and the parameters equal the interpreter's; a syntax error
// shows the CLI's diagnostic (code, file:line:col, caret) and a lint mark at the right place; the source
// round-trips through the URL. Saves a screenshot in the OS temp folder (its path is printed); with
// OPTC_UPDATE_DOCS=1 it refreshes docs/playground.png instead, so a plain test run leaves the clone clean.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Server } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, compileIR, CompileError, ir, kernelsOf } from '../src/index.js';
import { launchChromium } from './helpers/browser.js';
import { serveDir } from './helpers/playground-page.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const examples = readdirSync(join(REPO, 'examples')).filter((f) => f.endsWith('.opt')).map((f) => f.slice(0, -4)).sort();
let browser: Browser;
let page: Page;
let server: Server;
let base: string;
const pageErrors: string[] = [];

interface Summary { diagnostics: { code: string; severity: string; span?: { start: number; end: number } }[]; report: string; compiled?: 'kernels' | 'matrix'; interpreterOnly?: string; passes: number; wgsl: number }
/** The editor's lint marks: the line they sit on (1-based), the text they cover, whether a point mark. */
const lintMarks = () => page.waitForSelector('.cm-lintRange-error, .cm-lintPoint-error', { timeout: 10_000 }).then(() => page.$$eval('.cm-lintRange-error, .cm-lintPoint-error', (ms) => ms.map((m) => {
  const lines = [...document.querySelectorAll('.cm-content .cm-line')];
  return { line: lines.findIndex((l) => l.contains(m)) + 1, text: m.textContent, point: m.classList.contains('cm-lintPoint') };
})));
const pg = <T>(fn: string, ...args: unknown[]) => page.evaluate((f, a) => (window as unknown as Record<string, any>).playground[f](...a), fn, args) as Promise<T>;

beforeAll(async () => {
  execFileSync(process.execPath, [join(REPO, 'playground/build.mjs')], { cwd: REPO, stdio: 'pipe' });
  ({ url: base, server } = await serveDir(join(REPO, 'playground/dist')));
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.setViewport({ width: 1400, height: 860 });
  await page.goto(base);
  await page.waitForFunction(() => Boolean((window as unknown as { playground?: unknown }).playground), { timeout: 60_000 });
  await page.evaluate(() => (window as unknown as { playground: { ready: Promise<void> } }).playground.ready);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
});

describe('playground in headless Chromium', () => {
  it('has a WebGPU device from navigator.gpu', async () => {
    const device = await page.evaluate(() => (window as unknown as { playground: { device?: string } }).playground.device);
    expect(device, 'no WebGPU in Chromium: see ../shared/FACTS.md for the flags, bash scripts/setup.sh for chromium').toBeTruthy();
    expect(await page.$eval('#device', (e) => e.textContent)).toMatch(/^WebGPU: /);
  });

  it('compiles every example from the menu, as the CLI does', async () => {
    const menu = await page.$$eval('#examples option', (os) => os.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
    expect(menu).toEqual(examples);
    for (const name of examples) {
      await page.select('#examples', name);
      const s = await pg<Summary>('summary');
      const source = readFileSync(join(REPO, 'examples', `${name}.opt`), 'utf8');
      const front = compileIR(source);
      const wgslOnNode = front.input.fallback || ir.hasMatrixStages(front.input) ? undefined : compile(source);
      expect(s.diagnostics.filter((d) => d.severity === 'error'), name).toEqual([]);
      expect(s.passes, name).toBeGreaterThan(1);
      if (wgslOnNode) {
        expect(s.compiled, name).toBe('kernels');
        expect(s.wgsl, name).toBe(kernelsOf(wgslOnNode.module).map((k) => k.wgsl).join('\n').length);
      } else {
        // Matrix programs: their matrix stages when the GPU stages take them, else the interpreter (E0331).
        let gpu = true;
        try { compile(source); } catch (e) { if (e instanceof CompileError && e.diagnostics.some((d) => d.code === 'E0331')) gpu = false; else throw e; }
        if (gpu) expect(s.compiled, name).toBe('matrix');
        else expect(s.interpreterOnly, name).toMatch(/interpreter/);
      }
    }
  });

  it('Run: Adam for 50 steps on the page GPU, loss falls, parameters equal the interpreter', async () => {
    await page.select('#examples', 'adam');
    await page.$eval('#steps', (e) => { (e as HTMLInputElement).value = '50'; });
    await page.click('#run');
    await page.waitForSelector('#run-status[data-done]', { timeout: 120_000 });
    expect(await page.$eval('#run-status', (e) => (e as HTMLElement).dataset.done)).toBe('true');
    const steps = await page.evaluate(() => new Promise<{ t: number; loss: number; interpLoss: number; maxDiff: number }[]>((ok, bad) => {
      // The button's run is done; a second run through the same code path returns the per-step numbers.
      (window as unknown as { playground: { run: () => Promise<never> } }).playground.run().then(ok, bad);
    }));
    expect(steps).toHaveLength(50);
    expect(steps[49]!.loss).toBeLessThan(steps[0]!.loss / 10);
    for (const s of steps) {
      expect(s.maxDiff, `step ${s.t}`).toBeLessThanOrEqual(1e-6);
      expect(Math.abs(s.loss - s.interpLoss), `step ${s.t}`).toBeLessThanOrEqual(1e-6 * s.loss);
    }
    expect(await page.$$eval('#plot svg path', (ps) => ps.length)).toBeGreaterThan(0);
    const shot = process.env.OPTC_UPDATE_DOCS === '1' ? join(REPO, 'docs/playground.png') : join(tmpdir(), 'optc-playground.png');
    await page.screenshot({ path: shot });
    console.log(`playground screenshot: ${shot}`);
  });

  it('Run: Muon (matrix stages) on the page GPU follows the interpreter', async () => {
    await page.select('#examples', 'muon');
    expect((await pg<Summary>('summary')).compiled).toBe('matrix');
    await page.$eval('#steps', (e) => { (e as HTMLInputElement).value = '20'; });
    const steps = await page.evaluate(() => (window as unknown as { playground: { run: () => Promise<{ t: number; loss: number; interpLoss: number; maxDiff: number }[]> } }).playground.run());
    expect(steps).toHaveLength(20);
    expect(steps[19]!.loss).toBeLessThan(steps[0]!.loss);
    // f32 matrix products on the GPU against the interpreter's float64-accumulated ones: close, not equal.
    for (const s of steps) expect(s.maxDiff, `step ${s.t}`).toBeLessThan(1e-3);
    await page.$eval('#steps', (e) => { (e as HTMLInputElement).value = '50'; });
  });

  it('shows a syntax error where it is, with the CLI code, caret and hint', async () => {
    const bad = 'optimizer broken {\n  hyper lr = 0.01\n  update { p = p - lr * g; }\n}\n';
    const s = await pg<Summary>('setSource', bad);
    let expected = '';
    try { compile(bad, { file: 'playground.opt' }); } catch (e) { expected = (e as CompileError).message; }
    expect(expected).toMatch(/error\[E\d{4}\]/);
    // The same text as `optc check` prints: code, playground.opt:line:col, the line, the caret, the hint.
    expect(s.report).toBe(expected);
    expect(await page.$eval('#diagnostics', (e) => e.textContent)).toBe(expected);
    expect(await page.$eval('#diagnostics', (e) => e.className)).toBe('error');
    const d = s.diagnostics[0]!;
    const { line, col } = /playground\.opt:(?<line>\d+):(?<col>\d+)/.exec(expected)!.groups!;
    expect(Number(line)).toBe(bad.slice(0, d.span!.start).split('\n').length);
    expect(Number(col)).toBe(d.span!.start - bad.lastIndexOf('\n', d.span!.start - 1));
    // The editor marks the same place: a missing ';' is a point at the end of line 2.
    expect(await lintMarks()).toEqual([{ line: Number(line), text: '', point: true }]);
    // An unknown name: the mark covers exactly the name, and the panel says what the CLI says.
    const unknown = 'optimizer broken {\n  hyper lr = 0.01;\n  update { p = p - lr * gradient; }\n}\n';
    const u = await pg<Summary>('setSource', unknown);
    expect(u.report).toMatch(/playground\.opt:3:\d+: error\[E\d{4}\]/);
    expect(u.report).toContain('^^^^^^^^');
    expect(await lintMarks()).toEqual([{ line: 3, text: 'gradient', point: false }]);
  });

  it("docs/browser.md's example runs in a page on dist/browser.js (import map, no bundler)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'optc-browser-doc-'));
    try {
      execFileSync(process.execPath, [join(REPO, 'scripts/build.mjs'), 'browser'], { cwd: REPO, env: { ...process.env, OPTC_DIST: dir }, stdio: 'pipe' });
      const block = /```js\n([\s\S]*?)\n```/.exec(readFileSync(join(REPO, 'docs/browser.md'), 'utf8'))![1]!;
      writeFileSync(join(dir, 'doc.js'), block);
      writeFileSync(join(dir, 'index.html'), `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="importmap">{ "imports": { "optc/browser": "./browser.js" } }</script>
<script type="module">
  const logged = [];
  const log = console.log;
  console.log = (...a) => { logged.push(a); log(...a); };
  window.docRun = import('./doc.js').then(() => ({ ok: true, logged: logged.map((a) => a.map((x) => x instanceof Float32Array ? Array.from(x) : String(x))) }), (e) => ({ ok: false, error: String(e) }));
</script>`);
      const { url, server: s } = await serveDir(dir);
      const p = await browser.newPage();
      try {
        await p.goto(url);
        await p.waitForFunction(() => Boolean((window as unknown as { docRun?: unknown }).docRun), { timeout: 30_000 });
        const r = await p.evaluate(() => (window as unknown as { docRun: Promise<{ ok: boolean; error?: string; logged?: unknown[][] }> }).docRun);
        expect(r.error).toBeUndefined();
        expect(r.ok).toBe(true);
        // It printed the parameters after 100 Adam steps on a quadratic: all moved toward 0.
        const w = r.logged!.at(-1)![0] as number[];
        expect(w).toHaveLength(1024);
        expect(Math.max(...w.map(Math.abs))).toBeLessThan(0.5);
      } finally {
        await p.close();
        s.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the source in the URL: a reload restores it', async () => {
    const src = 'optimizer sgd_link {\n  hyper lr = 0.5;\n  update { p = p - lr * g; }\n}\n';
    await pg('setSource', src);
    const url = page.url();
    expect(url).toMatch(/#src=/);
    const other = await browser.newPage();
    await other.goto(url);
    await other.waitForFunction(() => Boolean((window as unknown as { playground?: unknown }).playground), { timeout: 60_000 });
    const restored = await other.evaluate(async () => {
      const p = (window as unknown as { playground: { ready: Promise<void>; summary: () => { compiled: boolean } } }).playground;
      await p.ready;
      return { text: document.querySelector('.cm-content')?.textContent, compiled: p.summary().compiled };
    });
    expect(restored.text).toContain('optimizer sgd_link {');
    expect(restored.compiled).toBe('kernels');
    await other.close();
    expect(pageErrors).toEqual([]);
  });
});
