// A fresh project outside the repository with only the packed optc tarball installed (and what the tarball
// declares): the consumer test's sandbox. npm works from its cache first (--prefer-offline), so this runs
// without a network once `npm ci` has filled the cache.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Newest modification time under `path` (a file or a directory tree). */
function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((f) => newest(join(path, f))));
}

/** Whether dist/ was built after every input of the build changed (then packing need not build again). */
export function distIsFresh(repo: string): boolean {
  const stamp = join(repo, 'dist', 'BUILD.json');
  if (!existsSync(stamp)) return false;
  const inputs = ['src', 'scripts/build.mjs', 'scripts/esbuild-plugins.mjs', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];
  return statSync(stamp).mtimeMs > Math.max(...inputs.map((f) => newest(join(repo, f))));
}

/**
 * `npm pack` of the repository; returns the tarball's path. Its `prepare` script builds dist/ first, unless
 * dist/ is newer than everything it is built from (CI's `npm ci` has just built it).
 */
export async function packRepo(repo: string, into: string): Promise<string> {
  const args = ['pack', '--pack-destination', into, '--silent', ...(distIsFresh(repo) ? ['--ignore-scripts'] : [])];
  await run(npm, args, { cwd: repo, maxBuffer: 1 << 24 });
  const tgz = readdirSync(into).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error(`npm pack wrote no tarball into ${into}`);
  return join(into, tgz);
}

/** An empty ESM project in a temp dir with the tarball installed; returns the project's path. */
export async function consumerProject(tarball: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'optc-consumer-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'optc-consumer', private: true, type: 'module' }, null, 2));
  await run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--silent', tarball], { cwd: dir, maxBuffer: 1 << 24 });
  return dir;
}
