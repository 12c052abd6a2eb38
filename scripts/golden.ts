// `npm run golden`: rewrites test/golden/<example>.wgsl from what the compiler emits now. Review the diff
// like code before committing it (test/golden.test.ts compares them).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { GOLDEN_DIR, goldenDumps } from '../test/helpers/golden-wgsl.js';

mkdirSync(GOLDEN_DIR, { recursive: true });
const dumps = goldenDumps();
for (const f of readdirSync(GOLDEN_DIR)) if (f.endsWith('.wgsl') && !dumps.has(f.replace(/\.wgsl$/, ''))) rmSync(new URL(f, GOLDEN_DIR));
for (const [name, text] of dumps) writeFileSync(new URL(`${name}.wgsl`, GOLDEN_DIR), text);
console.log(`wrote ${dumps.size} golden WGSL dumps to test/golden/`);
