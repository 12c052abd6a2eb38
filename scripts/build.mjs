// Builds the package into dist/ (run by `npm run build` and by `prepare`, so `npm ci` and `npm pack` build it):
//   dist/index.js, dist/cli.js, dist/tfjs.js  ESM for Node, one bundle with shared chunks (tfjs: the
//                               TF.js adapter; TF.js itself stays a peer dependency). Parser, IR, passes and
//                               runtime are bundled (chevrotain too: loading it file by file costs ~0.4 s
//                               of start-up); the packages in `dependencies` stay imports. ts-morph is
//                               reached only through a dynamic import, so it lands in a chunk that
//                               `optc compile --emit ts` alone loads.
//   dist/browser.js             ESM for pages: navigator.gpu instead of Dawn, no Node built-ins.
//   dist/types/                 .d.ts from tsc (--emitDeclarationOnly, tsconfig.build.json).
// esbuild does the bundling (type-stripping only); tsc still type-checks the sources in CI.
import { build } from 'esbuild';
import { nodeStubs } from './esbuild-plugins.mjs';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
const only = process.argv.slice(2); // e.g. `node scripts/build.mjs browser`: that bundle alone
// OPTC_DIST puts the bundles elsewhere (tests build the browser bundle into a temp dir while another packs).
const dist = process.env.OPTC_DIST ?? join(root, 'dist');

const common = { define: { __OPTC_BUNDLED__: 'true' }, bundle: true, format: 'esm', target: 'es2022', sourcemap: true, logLevel: 'warning', legalComments: 'none' };
const want = (name) => only.length === 0 || only.includes(name);

if (only.length === 0) rmSync(dist, { recursive: true, force: true });

if (want('node')) {
  await build({
    ...common,
    absWorkingDir: root,
    entryPoints: { index: 'src/index.ts', cli: 'src/cli/main.ts', tfjs: 'src/tfjs/index.ts' },
    outdir: dist,
    platform: 'node',
    target: 'node20',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    external,
    // Bundled CommonJS (vega, behind `optc train`'s report) calls require('stream') and the like, which an ESM
    // bundle only has when it defines `require` itself.
    banner: { js: "import { createRequire as __optcRequire } from 'node:module'; const require = __optcRequire(import.meta.url);" },
  });
}

if (want('browser')) {
  await build({
    ...common,
    absWorkingDir: root,
    entryPoints: { browser: 'src/browser.ts' },
    outdir: dist,
    platform: 'browser',
    plugins: [nodeStubs],
  });
}

if (want('types')) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--declarationDir', join(dist, 'types')], { stdio: 'inherit' });
}

// Written by full builds only: a test packs without building again when this is newer than every input.
mkdirSync(dist, { recursive: true });
if (only.length === 0) writeFileSync(join(dist, 'BUILD.json'), JSON.stringify({ version: pkg.version, builtAt: new Date().toISOString() }, null, 2));
