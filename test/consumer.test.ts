// optc as a user gets it: `npm pack` the repository, install the tarball into an empty project, and use it
// there with nothing from this repository on the path. The CLI compiles and runs an example on Dawn, a
// plain Node ESM script imports the API and steps an optimizer, and a TypeScript consumer of the API and of
// an `--emit ts` wrapper passes `tsc --strict` with only optc and its declared dependencies installed.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerProject, packRepo, run } from './helpers/package-consumer.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
let packDir: string;
let dir: string;
const optc = (...args: string[]) => run(join(dir, 'node_modules/.bin/optc'), args, { cwd: dir, maxBuffer: 1 << 24 });

beforeAll(async () => {
  packDir = mkdtempSync(join(tmpdir(), 'optc-pack-'));
  dir = await consumerProject(await packRepo(REPO, packDir));
}, 180_000);

afterAll(() => {
  for (const d of [packDir, dir]) if (d) rmSync(d, { recursive: true, force: true });
});

describe('the installed package', () => {
  it('holds the built entries and no development tooling', () => {
    const pkg = join(dir, 'node_modules/optc');
    for (const f of ['dist/index.js', 'dist/cli.js', 'dist/browser.js', 'dist/tfjs.js', 'dist/types/tfjs/index.d.ts', 'dist/types/index.d.ts', 'dist/types/browser.d.ts', 'examples/adam.opt'])
      expect(existsSync(join(pkg, f)), f).toBe(true);
    expect(existsSync(join(pkg, 'src'))).toBe(false);
    // tsx ran the CLI before there was a build; chevrotain is bundled into dist/.
    for (const dev of ['tsx', 'vitest', 'chevrotain', 'esbuild']) expect(existsSync(join(dir, 'node_modules', dev)), dev).toBe(false);
  });

  it('starts without loading heavy packages: static imports of the CLI reach only webgpu and node built-ins', () => {
    // What `optc check` loads before it runs: dist/cli.js and the chunks it imports statically (dynamic
    // imports — ts-morph for --emit ts, the search's progress bars, plots and queue — load on demand).
    const distDir = join(dir, 'node_modules/optc/dist');
    const bare = new Set<string>();
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^import\s(?:[^'"]*?\sfrom\s)?["']([^"']+)["'];?$/gms)) {
        const spec = m[1]!;
        if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
        else if (!spec.startsWith('node:')) bare.add(spec);
      }
    };
    visit(join(distDir, 'cli.js'));
    expect(seen.size).toBeGreaterThan(1);
    expect([...bare]).toEqual(['webgpu']);
  });

  it('optc check / compile / run work from node_modules/.bin', async () => {
    const check = await optc('check', 'node_modules/optc/examples/adam.opt');
    expect(check.stdout).toContain('ok (0 warnings)');
    const wgsl = await optc('compile', 'node_modules/optc/examples/adamw.opt', '--emit', 'wgsl');
    expect(wgsl.stdout).toMatch(/@compute @workgroup_size\(/);
    writeFileSync(join(dir, 'case.json'), JSON.stringify({
      hyper: { lr: 0.1 }, params: { w: { shape: [3], data: [1, 2, 3] } }, grads: [{ w: [0.5, -1, 2] }, { w: [0.5, -1, 2] }],
    }));
    const out = JSON.parse((await optc('run', 'node_modules/optc/examples/sgd.opt', '--case', 'case.json')).stdout);
    const interp = JSON.parse((await optc('run', 'node_modules/optc/examples/sgd.opt', '--case', 'case.json', '--backend', 'interp')).stdout);
    expect(out.backend).toBe('webgpu');
    expect(out.params.w.data).toEqual(interp.params.w.data);
    expect(out.params.w.data[0]).toBeLessThan(1);
    // A syntax error: file:line:col, caret, exit code 1.
    writeFileSync(join(dir, 'bad.opt'), 'optimizer bad {\n  hyper lr = ;\n}\n');
    const bad = await optc('check', 'bad.opt').then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect(bad?.code).toBe(1);
    expect(bad?.stderr).toMatch(/bad\.opt:2:\d+: error\[E\d{4}\]/);
  });

  it('a plain Node ESM script imports the API and steps an optimizer on Dawn', async () => {
    writeFileSync(join(dir, 'step.mjs'), `
import { readFileSync } from 'node:fs';
import { compile, createOptimizer, getDevice, ir } from 'optc';
const c = compile(readFileSync('node_modules/optc/examples/adam.opt', 'utf8'), { file: 'adam.opt' });
const device = await getDevice();
const p0 = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i));
const g = Float32Array.from({ length: 1000 }, (_, i) => Math.cos(i));
const opt = await createOptimizer(device, c.module, { w: { shape: [1000], data: p0 } }, { hypers: { lr: 0.01 } });
await opt.step({ w: g });
const gpu = await opt.readParam('w');
const cpu = ir.interpretStep(c.program, { t: 1, hypers: { lr: 0.01 }, param: p0, inputs: { g }, states: ir.initStates(c.program, 1000) });
let diff = 0;
for (let i = 0; i < 1000; i++) diff = Math.max(diff, Math.abs(gpu[i] - cpu.param[i]));
console.log(JSON.stringify({ moved: Math.abs(gpu[0] - p0[0]), diff }));
opt.dispose();
device.destroy();
`);
    const { stdout } = await run(process.execPath, ['step.mjs'], { cwd: dir });
    const r = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(r.moved).toBeGreaterThan(0.005);
    expect(r.diff).toBeLessThan(1e-6);
  });

  it('a TypeScript consumer of the API and of an --emit ts wrapper passes tsc --strict', async () => {
    await optc('compile', 'node_modules/optc/examples/adamw.opt', '--emit', 'ts', '-o', 'Adamw.ts');
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', noEmit: true, skipLibCheck: false, lib: ['ES2022', 'DOM'] },
      include: ['*.ts'],
    }));
    writeFileSync(join(dir, 'main.ts'), `
import { compile, CompileError, createOptimizer, getDevice, type Compiled } from 'optc';
import { Adamw, ADAMW_DEFAULTS } from './Adamw.js';

const c: Compiled = compile('optimizer sgd { hyper lr = 0.1; update { p = p - lr * g; } }');
const device: GPUDevice = await getDevice();
const opt = await createOptimizer(device, c, { w: { shape: [4], data: new Float32Array(4) } });
await opt.step({ w: new Float32Array([1, 2, 3, 4]) });
const typed = await Adamw.create(device, { w: { shape: [4] } }, { lr: ADAMW_DEFAULTS.lr * 2 });
await typed.step({ w: new Float32Array(4) });
try { compile('optimizer x {'); } catch (e) { if (e instanceof CompileError) console.log(e.diagnostics[0]?.code); }
`);
    // …and misuse must not: the wrapper's hyperparameters are a closed set. One tsc run checks both: its only
    // errors must be the one in wrong.ts.
    writeFileSync(join(dir, 'wrong.ts'), `import { Adamw } from './Adamw.js';\nexport const o = (d: GPUDevice) => Adamw.create(d, { w: { shape: [1] } }, { learning_rate: 1 });\n`);
    // The compiler is the repository's; every type it sees comes from the consumer's node_modules.
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const out = await run(process.execPath, [tsc, '-p', dir], { cwd: dir }).then(() => '', (e: { stdout: string }) => e.stdout);
    const errors = out.split('\n').filter((l) => /error TS\d+/.test(l));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^wrong\.ts\(2,\d+\): error TS\d+: .*learning_rate/);
    rmSync(join(dir, 'wrong.ts'));
  });

  it('ships the README and the TextMate grammar', () => {
    expect(readFileSync(join(dir, 'node_modules/optc/README.md'), 'utf8')).toContain('optc');
    expect(JSON.parse(readFileSync(join(dir, 'node_modules/optc/syntaxes/opt.tmLanguage.json'), 'utf8')).scopeName).toBe('source.opt');
  });
});
