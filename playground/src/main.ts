// The optc playground: edit a `.opt` program, see its diagnostics as you type, its AST, IR after each pass,
// WGSL and plan, and train a small problem with it on this page's WebGPU device (docs/browser.md).
import { basicSetup, EditorView } from 'codemirror';
import { setDiagnostics, type Diagnostic as CmDiagnostic } from '@codemirror/lint';
import { adapterDescription, getDevice } from '../../src/browser.js';
import examples from 'virtual:examples';
import { optHighlight, optLanguage } from './highlight.js';
import { lossPlot } from './plot.js';
import { cannotRun, train, type StepInfo } from './train.js';
import { sourceFromHash, sourceToHash } from './url.js';
import { views, type Views } from './views.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const exampleSelect = $<HTMLSelectElement>('examples');
const passSelect = $<HTMLSelectElement>('pass');
const diagnosticsPre = $<HTMLPreElement>('diagnostics');
const viewPre = $<HTMLPreElement>('view');
const runButton = $<HTMLButtonElement>('run');
const runStatus = $<HTMLDivElement>('run-status');
const stepsInput = $<HTMLInputElement>('steps');
const lrInput = $<HTMLInputElement>('lr');

let device: GPUDevice | undefined;
let tab = 'ast';
let current: Views;
let timer: ReturnType<typeof setTimeout> | undefined;

const names = Object.keys(examples).sort();
for (const n of names) exampleSelect.add(new Option(n, n));
const initial = sourceFromHash(location.hash) ?? examples.adam ?? examples[names[0]!]!;
if (!sourceFromHash(location.hash)) exampleSelect.value = 'adam'; else exampleSelect.value = '';

const editor = new EditorView({
  doc: initial,
  parent: $('editor'),
  extensions: [basicSetup, optLanguage, optHighlight, EditorView.updateListener.of((u) => {
    if (!u.docChanged) return;
    clearTimeout(timer);
    timer = setTimeout(refresh, 150);
  })],
});

/** Recompiles the editor's text and updates the lint marks, the diagnostics panel, the tabs and the URL. */
function refresh(): Views {
  clearTimeout(timer);
  const source = editor.state.doc.toString();
  current = views(source);
  const marks: CmDiagnostic[] = current.diagnostics.filter((d) => d.span).map((d) => ({
    from: Math.min(d.span!.start, source.length), to: Math.min(Math.max(d.span!.end, d.span!.start + 1), source.length),
    severity: d.severity, source: d.code, message: `${d.code}: ${d.message}${d.hint ? `\nhint: ${d.hint}` : ''}`,
  }));
  editor.dispatch(setDiagnostics(editor.state, marks));
  const errors = current.diagnostics.filter((d) => d.severity === 'error').length;
  diagnosticsPre.textContent = current.report || 'no diagnostics';
  diagnosticsPre.dataset.errors = String(errors);
  diagnosticsPre.className = errors ? 'error' : current.diagnostics.length ? 'warning' : 'ok';
  passSelect.replaceChildren(...current.passes.map((p, i) => new Option(p.after, String(i))));
  passSelect.value = String(Math.max(0, current.passes.length - 1));
  render();
  history.replaceState(null, '', sourceToHash(source));
  const why = current.runnable ? cannotRun(current.runnable) : current.interpreterOnly ?? 'fix the errors first';
  runButton.disabled = Boolean(why) || !device;
  runButton.title = why ?? '';
  document.body.dataset.compiled = String(Date.now());
  return current;
}

function render() {
  passSelect.hidden = tab !== 'ir';
  for (const b of document.querySelectorAll<HTMLButtonElement>('#tabs button')) b.classList.toggle('active', b.dataset.tab === tab);
  $('run-panel').hidden = tab !== 'run';
  viewPre.hidden = tab === 'run';
  viewPre.textContent = tab === 'ast' ? current.ast
    : tab === 'ir' ? current.passes[Number(passSelect.value)]?.ir ?? '(no IR: the program has errors)'
    : tab === 'wgsl' ? current.wgsl || '(no WGSL: the program has errors)'
    : tab === 'plan' ? current.plan || '(no plan: the program has errors)' : '';
}

for (const b of document.querySelectorAll<HTMLButtonElement>('#tabs button')) b.onclick = () => { tab = b.dataset.tab!; render(); };
passSelect.onchange = render;
exampleSelect.onchange = () => {
  const src = examples[exampleSelect.value];
  if (src === undefined) return;
  editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: src } });
  refresh();
};

const plotReady = lossPlot($('plot'));

async function run(): Promise<StepInfo[]> {
  const r = refresh().runnable;
  if (!r || !device) throw new Error(runButton.title || 'no WebGPU device');
  tab = 'run'; render();
  runButton.disabled = true;
  delete runStatus.dataset.done;
  const plot = await plotReady;
  await plot.clear();
  const lr = Number(lrInput.value);
  const hypers: Record<string, number> = r.c.program.hypers.some((h) => h.name === 'lr') && Number.isFinite(lr) ? { lr } : {};
  try {
    const steps = await train(device, r, Math.max(1, Math.min(2000, Number(stepsInput.value) || 50)), hypers, async (s) => {
      await plot.add(s.t, s.loss);
      runStatus.textContent = `step ${s.t}: loss ${s.loss.toPrecision(5)} (interpreter ${s.interpLoss.toPrecision(5)}), max |GPU − interpreter| over the parameters ${s.maxDiff.toExponential(2)}, ${s.ms.toFixed(1)} ms`;
    });
    const first = steps[0]!, last = steps[steps.length - 1]!;
    runStatus.textContent += `\nloss ${first.loss.toPrecision(5)} → ${last.loss.toPrecision(5)} in ${last.t} steps; largest |GPU − interpreter| of any step ${Math.max(...steps.map((s) => s.maxDiff)).toExponential(2)}`;
    runStatus.dataset.done = 'true';
    return steps;
  } catch (e) {
    runStatus.textContent = `error: ${(e as Error).message}`;
    runStatus.dataset.done = 'error';
    throw e;
  } finally {
    runButton.disabled = false;
  }
}
runButton.onclick = () => { run().catch(() => undefined); };

const ready = (async () => {
  try {
    device = await getDevice();
    $('device').textContent = `WebGPU: ${adapterDescription(device)}`;
  } catch (e) {
    $('device').textContent = (e as Error).message;
  }
  refresh();
})();

/** For tests and the console: the same actions as the UI. */
(window as unknown as { playground: unknown }).playground = {
  ready, examples: names, run,
  setSource(text: string) { editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text } }); return summary(refresh()); },
  summary: () => summary(current),
  get device() { return device ? adapterDescription(device) : undefined; },
};
function summary(v: Views) {
  return { diagnostics: v.diagnostics, report: v.report, compiled: v.runnable?.kind, interpreterOnly: v.interpreterOnly, passes: v.passes.length, wgsl: v.wgsl.length };
}
