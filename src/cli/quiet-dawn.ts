// Dawn prints two lines to stderr from native code when it creates its first adapter on a driver that
// reports more dynamic buffers than Dawn supports (lavapipe does):
//   Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit …
// Dawn has no toggle for it and Node cannot redirect a native fprintf, so a command that creates a device
// runs itself again as a child whose stderr passes through `runQuiet`, which drops exactly those lines and
// forwards everything else as it arrives. `npm test` runs vitest the same way (quiet-run.ts).
import { spawn, type SpawnOptions } from 'node:child_process';
import { constants } from 'node:os';

/** The two lines Dawn prints, and nothing else. */
export const DAWN_NOISE = /^Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.\r?$/;

/** Set in the child, so it does not start another. */
const CHILD_ENV = 'OPTC_DAWN_FILTERED';

/** Runs `cmd args` with stdin/stdout inherited and stderr filtered; resolves with its exit code. */
export function runQuiet(cmd: string, args: string[], options: SpawnOptions = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { ...options, stdio: ['inherit', 'inherit', 'pipe'] });
    let pending = '';
    const emit = (line: string) => { if (!DAWN_NOISE.test(line)) process.stderr.write(`${line}\n`); };
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop()!;
      for (const l of lines) emit(l);
    });
    child.stderr!.on('end', () => { if (pending && !DAWN_NOISE.test(pending)) process.stderr.write(pending); pending = ''; });
    // Ctrl-C reaches the child through the process group; the parent forwards a kill and waits for it.
    const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
    process.on('SIGINT', forward('SIGINT')).on('SIGTERM', forward('SIGTERM'));
    child.on('error', (e) => { process.stderr.write(`${cmd}: ${e.message}\n`); resolve(127); });
    child.on('close', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}

/**
 * When this process is about to create a Dawn device and is not already the filtered child: runs the same
 * command line again as a filtered child and resolves with its exit code. Otherwise resolves undefined and
 * the caller goes on.
 */
export async function rerunQuietly(): Promise<number | undefined> {
  if (process.env[CHILD_ENV] === '1') return undefined;
  return runQuiet(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { env: { ...process.env, [CHILD_ENV]: '1' } });
}
