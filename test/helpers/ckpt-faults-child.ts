// A separate process for checkpoint fault tests (test/runtime-faults.test.ts): it saves a checkpoint to the
// file named by argv[3], in one of two ways (argv[2]):
//   save       an ordinary save; prints "saved", or "error <reason> <message>" (run as another user to meet
//              a read-only directory, since root writes anywhere)
//   slow-save  a save of 16 MiB whose writes go in 64 KiB pieces with a pause between them; prints "writing"
//              after the first piece so the parent can SIGKILL it mid-write
import { saveCheckpoint, nodeWriteOps, type Checkpoint, type WriteOps } from '../../src/checkpoint/index.js';

const [mode, file] = process.argv.slice(2) as [string, string];

function checkpoint(step: number, n: number): Checkpoint {
  return {
    optimizer: 'faults', programHash: 'child', formatVersion: 1, step, hypers: { lr: 0.5 },
    tensors: { 'state/m/w': { dtype: 'F32', shape: [n], data: new Float32Array(n).fill(step) } },
  };
}

const slowOps: WriteOps = {
  ...nodeWriteOps,
  async create(p) {
    const f = await nodeWriteOps.create(p);
    let announced = false;
    return {
      ...f,
      async write(bytes) {
        for (let at = 0; at < bytes.length; at += 1 << 16) {
          await f.write(bytes.subarray(at, at + (1 << 16)));
          if (!announced) { announced = true; process.stdout.write('writing\n'); }
          await new Promise((r) => setTimeout(r, 20));
        }
      },
    };
  },
};

try {
  if (mode === 'slow-save') await saveCheckpoint(file, checkpoint(2, 4 << 20), { ops: slowOps });
  else await saveCheckpoint(file, checkpoint(2, 16));
  process.stdout.write('saved\n');
} catch (e) {
  process.stdout.write(`error ${(e as { reason?: string }).reason} ${(e as Error).message}\n`);
}
