// The main job of the quick start: compile an example optimizer, run it on Dawn against an ill-conditioned
// quadratic, and check every step against the interpreter.
import { readFileSync } from 'node:fs';
import { compile } from '../compile.js';
import { kernelsOf } from '../codegen-wgsl/index.js';
import { initialState, interpretStep, type StepResult } from '../ir/interp.js';
import { adapterDescription, createOptimizer, getDevice } from '../runtime/index.js';

export async function demo(file = new URL('../../examples/adam.opt', import.meta.url).pathname): Promise<void> {
  const source = readFileSync(file, 'utf8');
  const t0 = performance.now();
  const c = compile(source, { file });
  const ms = performance.now() - t0;
  const kernels = kernelsOf(c.module);
  console.log(`compiled ${file} -> '${c.module.name}' in ${ms.toFixed(1)} ms: ${kernels.length} kernel(s) per step, ` +
    `${c.module.host.uniforms.length} per-step scalar(s) computed on the host, vec${c.module.variants[4] ? 4 : 1}`);
  const device = await getDevice();
  console.log(`device: ${adapterDescription(device)}`);

  // f(w) = 1/2 sum_i c_i (w_i - w*_i)^2 with curvatures c_i from 0.1 to 10.
  const n = 10_000;
  const curv = Float32Array.from({ length: n }, (_, i) => Math.fround(0.1 * Math.pow(100, i / (n - 1))));
  const target = Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i)));
  const loss = (w: Float32Array) => { let s = 0; for (let i = 0; i < n; i++) s += 0.5 * curv[i]! * (w[i]! - target[i]!) ** 2; return s; };
  const grad = (w: Float32Array) => Float32Array.from(w, (x, i) => Math.fround(curv[i]! * Math.fround(x - target[i]!)));
  const hypers: Record<string, number> = c.module.hypers.some((h) => h.name === 'lr') ? { lr: 0.05 } : {};
  const w0 = new Float32Array(n);
  const opt = await createOptimizer(device, c.module, { w: { shape: [n], data: w0 } }, { hypers });
  let ref: StepResult = { param: w0, ...initialState(c.program, n, hypers) };
  let w: Float32Array = w0;
  let worst = 0;
  console.log(`step   loss (Dawn)      |Dawn - interpreter|max`);
  for (let t = 1; t <= 200; t++) {
    const g = grad(w);
    opt.step({ w: g });
    ref = interpretStep(c.program, { hypers, t, param: ref.param, inputs: { g }, states: ref.states, ...(ref.packed ? { packed: ref.packed } : {}) });
    w = await opt.readParam('w');
    let d = 0; for (let i = 0; i < n; i++) d = Math.max(d, Math.abs(w[i]! - ref.param[i]!));
    worst = Math.max(worst, d);
    if (t === 1 || t % 40 === 0) console.log(`${String(t).padStart(4)}   ${loss(w).toExponential(6).padEnd(16)} ${d.toExponential(2)}`);
  }
  console.log(`loss ${loss(w0).toExponential(3)} -> ${loss(w).toExponential(3)}; largest Dawn/interpreter difference over 200 steps: ${worst.toExponential(2)}`);
  opt.dispose();
  device.destroy();
}
