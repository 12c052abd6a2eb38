// Atomic file replacement: the bytes go to a temp file in the target's directory, which is fsynced, closed and
// renamed over the target; then the directory is fsynced so the rename itself survives a power cut. A reader
// sees the old file or the new one, never a mix, and a failure at any point (full disk, read-only directory,
// a killed process) leaves the old file as it was. All file system calls go through `WriteOps`, so tests can
// inject each failure.

import { open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { CheckpointError } from './errors.js';

/** The file operations an atomic write uses; tests inject failures through this. */
export interface WriteOps {
  /** Creates `path`, failing if it exists. */
  create(path: string): Promise<WritableFile>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  /** Makes a rename in `dir` durable. Best effort: some platforms cannot fsync a directory. */
  syncDir(dir: string): Promise<void>;
  /** Names in `dir` (to find temp files a killed writer left); without it nothing is cleaned up. */
  list?(dir: string): Promise<string[]>;
}
export interface WritableFile {
  /** Writes all of `bytes` at the current end of the file. */
  write(bytes: Uint8Array): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** fs writes take at most 2 GiB - 1 bytes per call; larger buffers go in pieces. */
export const IO_CHUNK = 1 << 28;

export const nodeWriteOps: WriteOps = {
  async create(p) {
    const fh = await open(p, 'wx');
    return {
      async write(bytes) {
        for (let at = 0; at < bytes.length;) {
          const { bytesWritten } = await fh.write(bytes, at, Math.min(IO_CHUNK, bytes.length - at));
          at += bytesWritten;
        }
      },
      sync: () => fh.sync(),
      close: () => fh.close(),
    };
  },
  rename: (from, to) => rename(from, to),
  remove: (p) => unlink(p),
  list: (dir) => readdir(dir),
  async syncDir(dir) {
    let fh: FileHandle | undefined;
    try {
      fh = await open(dir, 'r');
      await fh.sync();
    } catch {
      // Windows cannot open directories; some file systems refuse fsync on them. The rename has happened.
    } finally {
      await fh?.close().catch(() => {});
    }
  },
};

export interface AtomicWriteOptions {
  /** Replaces the file system calls (tests use it to inject failures). */
  ops?: WriteOps;
  /** What the file is, for messages ("checkpoint"). */
  what?: string;
}

/** The temp file name for `file`: hidden, beside it, unique per process and call. */
export function tempPathFor(file: string): string {
  const dir = path.dirname(path.resolve(file));
  return path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Whether process `pid` exists on this machine (EPERM: it exists but is not ours). */
function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as { code?: string }).code === 'EPERM'; }
}

/**
 * Removes temp files of `file` left by writers that were killed (their process no longer exists), so a crash
 * loop cannot fill the disk with half-written copies. Only names of tempPathFor's exact shape for this target
 * are touched. Best effort: errors are ignored. (A writer on another machine sharing the directory would look
 * dead; its save would then fail with 'io' and keep the previous file, as any failed save does.)
 */
export async function removeStaleTemps(file: string, ops: WriteOps = nodeWriteOps): Promise<string[]> {
  if (!ops.list) return [];
  const dir = path.dirname(path.resolve(file));
  const base = path.basename(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const shape = new RegExp(`^\\.${base}\\.(\\d+)\\.[0-9a-f]{12}\\.tmp$`);
  const removed: string[] = [];
  try {
    for (const name of await ops.list(dir)) {
      const pid = Number(shape.exec(name)?.[1]);
      if (!pid || pid === process.pid || alive(pid)) continue;
      await ops.remove(path.join(dir, name)).then(() => removed.push(name), () => {});
    }
  } catch {
    // Listing failed: nothing to clean, and the save itself succeeded.
  }
  return removed;
}

/**
 * Replaces `file` with the concatenation of `parts`, atomically (see the top of this file). Throws a
 * CheckpointError with reason 'io' and the fs error as `cause`; when it throws, the temp file is gone and
 * `file` holds what it held before.
 */
export async function writeFileAtomic(file: string, parts: Iterable<Uint8Array>, options: AtomicWriteOptions = {}): Promise<void> {
  const ops = options.ops ?? nodeWriteOps;
  const what = options.what ?? 'file';
  // Same directory: rename is atomic only within one file system.
  const dir = path.dirname(path.resolve(file));
  const tmp = tempPathFor(file);
  let created = false;
  try {
    const out = await ops.create(tmp);
    created = true;
    try {
      for (const p of parts) await out.write(p);
      await out.sync();
    } finally {
      await out.close();
    }
    await ops.rename(tmp, file);
    created = false;
  } catch (cause) {
    if (created) await ops.remove(tmp).catch(() => {});
    if (cause instanceof CheckpointError) throw cause;
    throw new CheckpointError('io', `could not write ${what} '${file}': ${(cause as Error)?.message ?? String(cause)}; the previous file, if any, is unchanged`, { cause });
  }
  try {
    await ops.syncDir(dir);
  } catch (cause) {
    // The new file is in place and readable; only its survival of a power cut is in doubt.
    throw new CheckpointError('io', `wrote ${what} '${file}' but could not fsync its directory: ${(cause as Error)?.message ?? String(cause)}; the new file is in place but may not survive a power cut`, { cause });
  }
  await removeStaleTemps(file, ops);
}
