#!/usr/bin/env node
// Runs the TypeScript CLI through tsx (no build step needed), with Dawn's start-up noise filtered from
// stderr (bin/quiet-dawn.js).
import { fileURLToPath } from 'node:url';
import { runQuiet } from './quiet-dawn.js';
const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
process.exitCode = await runQuiet(process.execPath, ['--import', 'tsx', main, ...process.argv.slice(2)]);
