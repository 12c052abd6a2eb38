// A fresh project outside the repository with only the packed optc tarball installed (and what the tarball
// declares): the consumer test's sandbox. npm works from its cache first (--prefer-offline), so this runs
// without a network once `npm ci` has filled the cache.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** `npm pack` of the repository (its `prepare` script builds dist/ first); returns the tarball's path. */
export async function packRepo(repo: string, into: string): Promise<string> {
  await run(npm, ['pack', '--pack-destination', into, '--silent'], { cwd: repo, maxBuffer: 1 << 24 });
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
