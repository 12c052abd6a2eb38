// `node --import tsx src/cli/quiet-run.ts CMD [ARGS...]`: runs CMD with Dawn's native start-up warning
// filtered from its stderr (quiet-dawn.ts). `npm test` runs vitest through it, so the test log is clean.
import { runQuiet } from './quiet-dawn.js';

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  process.stderr.write('usage: node --import tsx src/cli/quiet-run.ts CMD [ARGS...]\n');
  process.exitCode = 2;
} else {
  process.exitCode = await runQuiet(cmd, args);
}
