#!/usr/bin/env node
// Development launcher: runs the TypeScript CLI from src/ through tsx, no build needed (`npm run optc` does
// the same). The published package's `optc` is dist/cli.js, built by `npm run build` (scripts/build.mjs).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const r = spawnSync(process.execPath, ['--import', 'tsx', main, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
