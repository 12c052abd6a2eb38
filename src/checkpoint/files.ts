// Checkpoint files: saveCheckpoint streams `codec.ts`'s encoding through an atomic write; loadCheckpoint reads
// the header first, checks everything that needs no tensor data, then reads each tensor into its own buffer.

import { open, type FileHandle } from 'node:fs/promises';
import { CheckpointError } from './errors.js';
import { headerEnd } from './safetensors.js';
import { type Checkpoint, type CheckpointExpect, type LoadedCheckpoint, planCheckpoint, requireLittleEndian } from './codec.js';
import { TensorCollector, validateHeader } from './decode.js';
import { IO_CHUNK, writeFileAtomic, type WriteOps } from './atomic-write.js';

export interface SaveOptions {
  /** Replaces the file system calls (tests use it to inject failures). */
  ops?: WriteOps;
}

/**
 * Writes the checkpoint to `file` atomically: a temp file beside it is written, fsynced and renamed over it.
 * On any failure the temp file is removed, `file` keeps its previous contents, and a CheckpointError is
 * thrown (reason 'io' with the fs error as `cause`, or the validation reason for bad input).
 */
export async function saveCheckpoint(file: string, ckpt: Checkpoint, options: SaveOptions = {}): Promise<void> {
  const plan = planCheckpoint(ckpt); // validates before touching the disk
  await writeFileAtomic(file, [plan.prefix, ...plan.chunks], { ...(options.ops ? { ops: options.ops } : {}), what: 'checkpoint' });
}

/** Reads exactly `dest.length` bytes at `position`, or throws 'truncated' (the file shrank while we read). */
async function readExactly(fh: FileHandle, position: number, dest: Uint8Array, file: string) {
  for (let at = 0; at < dest.length;) {
    const { bytesRead } = await fh.read(dest, at, Math.min(IO_CHUNK, dest.length - at), position + at);
    if (bytesRead === 0) throw new CheckpointError('truncated', `checkpoint '${file}' ended at byte ${position + at} while reading; was it modified during the load?`);
    at += bytesRead;
  }
}

/**
 * Loads and validates a checkpoint file. The header and every check that needs no tensor data run first;
 * then each tensor is read into its own buffer and checked against its checksum. Returns only when all of
 * it passed; otherwise throws a CheckpointError and returns nothing.
 */
export async function loadCheckpoint(file: string, expect: CheckpointExpect = {}): Promise<LoadedCheckpoint> {
  requireLittleEndian();
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (cause) {
    throw new CheckpointError('io', `could not open checkpoint '${file}': ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
  try {
    const size = (await fh.stat()).size;
    const first8 = new Uint8Array(Math.min(8, size));
    await readExactly(fh, 0, first8, file);
    const prefix = new Uint8Array(headerEnd(first8, size));
    await readExactly(fh, 0, prefix, file);
    const v = validateHeader(prefix, size, expect);
    const out = new TensorCollector(v);
    for (const e of v.header.entries) {
      const buf = new ArrayBuffer(e.end - e.begin);
      await readExactly(fh, v.header.dataStart + e.begin, new Uint8Array(buf), file);
      out.add(e, buf);
    }
    return out.finish();
  } catch (cause) {
    if (cause instanceof CheckpointError) throw cause;
    throw new CheckpointError('io', `could not read checkpoint '${file}': ${(cause as Error)?.message ?? String(cause)}`, { cause });
  } finally {
    await fh.close().catch(() => {});
  }
}
