// Builds the playground into playground/dist/ (index.html + main.js: static files any web server can host),
// or, with --serve, builds and serves it on http://localhost:PORT (default 8080), rebuilding on reload.
// It bundles the compiler from src/ (through src/browser.ts), so it needs no prior `npm run build`.
// Usage: node playground/build.mjs [--serve] [--port N]
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nodeStubs } from '../scripts/esbuild-plugins.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const out = join(here, 'dist');
const { values } = parseArgs({ options: { serve: { type: 'boolean' }, port: { type: 'string', default: '8080' } } });

/** `import examples from 'virtual:examples'`: examples/*.opt by name, read at bundle time. */
const examplesPlugin = {
  name: 'examples',
  setup(b) {
    b.onResolve({ filter: /^virtual:examples$/ }, () => ({ path: 'examples', namespace: 'virtual' }));
    b.onLoad({ filter: /.*/, namespace: 'virtual' }, () => {
      const dir = join(root, 'examples');
      const files = readdirSync(dir).filter((f) => f.endsWith('.opt')).sort();
      const table = Object.fromEntries(files.map((f) => [f.slice(0, -4), readFileSync(join(dir, f), 'utf8')]));
      return { contents: `export default ${JSON.stringify(table)};`, loader: 'js', watchFiles: files.map((f) => join(dir, f)) };
    });
  },
};

const options = {
  absWorkingDir: root,
  entryPoints: { main: 'playground/src/main.ts' },
  outdir: out,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  define: { __OPTC_BUNDLED__: 'true' },
  plugins: [examplesPlugin, nodeStubs],
  logLevel: 'warning',
};

mkdirSync(out, { recursive: true });
copyFileSync(join(here, 'index.html'), join(out, 'index.html'));
if (values.serve) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  const { port } = await ctx.serve({ servedir: out, host: '127.0.0.1', port: Number(values.port) });
  console.log(`optc playground: http://localhost:${port}/`);
} else {
  await esbuild.build(options);
  console.log(`built ${out}`);
}
