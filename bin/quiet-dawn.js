#!/usr/bin/env node
// Dawn prints two lines to stderr from native code when it creates its first adapter on a driver that
// reports more dynamic buffers than Dawn supports (lavapipe does):
//   Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit …
// Dawn has no toggle for it and Node cannot redirect a native fprintf, so the commands users run (the
// `optc` CLI, `npm test`) run as a child whose stderr passes through this filter, which drops exactly those
// lines and forwards everything else as it arrives. Usage: `node bin/quiet-dawn.js CMD [ARGS...]`.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

/** The two lines Dawn prints, and nothing else. */
export const DAWN_NOISE = /^Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.\r?$/;

/** Runs `cmd args` with stdin/stdout inherited and stderr filtered; resolves with its exit code. */
export function runQuiet(cmd, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['inherit', 'inherit', 'pipe'], ...options });
    let pending = '';
    const emit = (line) => { if (!DAWN_NOISE.test(line)) process.stderr.write(`${line}\n`); };
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop();
      for (const l of lines) emit(l);
    });
    child.stderr.on('end', () => { if (pending) process.stderr.write(DAWN_NOISE.test(pending) ? '' : pending); pending = ''; });
    // Ctrl-C reaches the child through the process group; the parent only waits for it.
    for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
    child.on('error', (e) => { process.stderr.write(`${cmd}: ${e.message}\n`); resolve(127); });
    child.on('close', (code, signal) => resolve(code ?? 128 + (constants.signals[signal] ?? 0)));
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [cmd, ...args] = process.argv.slice(2);
  if (!cmd) { process.stderr.write('usage: node bin/quiet-dawn.js CMD [ARGS...]\n'); process.exit(2); }
  process.exitCode = await runQuiet(cmd, args);
}
