// Start-up time of the installed CLI: `npm pack`, install the tarball into a temp project, then time
// `optc check examples/adam.opt` there (node_modules/.bin/optc, as `npx optc` runs it) N times, alternating
// with the source launcher (`node --import tsx src/cli/main.ts`) as the baseline measured in the same run.
// Usage: npm run bench:startup [-- --runs 20]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { consumerProject, packRepo } from '../test/helpers/package-consumer.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const runs = Number(values.runs);

const packDir = mkdtempSync(join(tmpdir(), 'optc-pack-'));
const dir = await consumerProject(await packRepo(REPO, packDir));

function time(cmd: string, args: string[], cwd: string): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return ms;
}
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]!; };

const installed: number[] = [];
const source: number[] = [];
time(join(dir, 'node_modules/.bin/optc'), ['check', 'node_modules/optc/examples/adam.opt'], dir); // warm the file cache
for (let i = 0; i < runs; i++) {
  installed.push(time(join(dir, 'node_modules/.bin/optc'), ['check', 'node_modules/optc/examples/adam.opt'], dir));
  source.push(time(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'check', 'examples/adam.opt'], REPO));
}
const fmt = (xs: number[]) => `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;
console.log(`optc check examples/adam.opt, ${runs} runs each, interleaved:`);
console.log(`  installed package (node_modules/.bin/optc): ${fmt(installed)}`);
console.log(`  from source (node --import tsx src/cli/main.ts): ${fmt(source)}`);
console.log(`  ratio source / installed: ${(median(source) / median(installed)).toFixed(1)}x`);
rmSync(packDir, { recursive: true, force: true });
rmSync(dir, { recursive: true, force: true });
