// Start-up time of the installed CLI: `npm pack`, install the tarball into a temp project, then time
// `optc check examples/adam.opt` there (node_modules/.bin/optc, as `npx optc` runs it) N times, alternating
// with the source launcher (`node --import tsx src/cli/main.ts`) as the baseline measured in the same run.
// Usage: npm run bench:startup [-- --runs 20]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { consumerProject, packRepo } from '../test/helpers/package-consumer.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const runs = Number(values.runs);

const packDir = mkdtempSync(join(tmpdir(), 'optc-pack-'));
const dir = await consumerProject(await packRepo(REPO, packDir));

// GNU time (Debian's `time` package) adds the child's CPU time, which other jobs on the machine do not inflate
// the way they inflate wall time.
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const cpu: Record<string, number[]> = {};

function time(cmd: string, args: string[], cwd: string, key: string): number {
  const t0 = process.hrtime.bigint();
  const r = GNU_TIME ? spawnSync(GNU_TIME, ['-f', 'cpu %U %S', cmd, ...args], { cwd, encoding: 'utf8' }) : spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const m = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  if (m) (cpu[key] ??= []).push((Number(m[1]) + Number(m[2])) * 1000);
  return ms;
}
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]!; };

const installed: number[] = [];
const source: number[] = [];
time(join(dir, 'node_modules/.bin/optc'), ['check', 'node_modules/optc/examples/adam.opt'], dir, 'warm-up'); // warm the file cache
for (let i = 0; i < runs; i++) {
  installed.push(time(join(dir, 'node_modules/.bin/optc'), ['check', 'node_modules/optc/examples/adam.opt'], dir, 'installed'));
  source.push(time(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'check', 'examples/adam.opt'], REPO, 'source'));
  time(process.execPath, ['-e', '0'], REPO, 'node');
}
const fmt = (xs: number[], key: string) => `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})${cpu[key] ? `, CPU median ${median(cpu[key]!).toFixed(0)} ms` : ''}`;
console.log(`optc check examples/adam.opt, ${runs} runs each, interleaved:`);
console.log(`  installed package (node_modules/.bin/optc): ${fmt(installed, 'installed')}`);
console.log(`  from source (node --import tsx src/cli/main.ts): ${fmt(source, 'source')}`);
if (cpu.node) console.log(`  node -e 0 (Node's own start): CPU median ${median(cpu.node).toFixed(0)} ms`);
console.log(`  load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`  ratio source / installed: ${(median(source) / median(installed)).toFixed(1)}x`);
rmSync(packDir, { recursive: true, force: true });
rmSync(dir, { recursive: true, force: true });
