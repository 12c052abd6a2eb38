// Golden WGSL per example (test/helpers/golden-wgsl.ts): the emitted code must equal the reviewed dump.
// After an intended codegen change: `npm run golden`, then review `git diff test/golden/`.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GOLDEN_DIR, goldenDumps } from './helpers/golden-wgsl.js';

describe('golden WGSL of every example', () => {
  const dumps = goldenDumps();
  it('covers every example', () => expect(dumps.size).toBeGreaterThan(20));
  for (const [name, text] of dumps) {
    it(name, () => {
      const file = new URL(`${name}.wgsl`, GOLDEN_DIR);
      expect(existsSync(file), `test/golden/${name}.wgsl is missing: run \`npm run golden\``).toBe(true);
      if (readFileSync(file, 'utf8') !== text) {
        expect.fail(`test/golden/${name}.wgsl differs from the emitted WGSL: run \`npm run golden\` and review the diff`);
      }
    });
  }
});
