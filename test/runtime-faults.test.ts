// Runtime faults as typed errors with nothing lost (docs/robustness.md, "Runtime faults"): a lost device, an
// allocation the device refuses, a disposed optimizer, unusable GPUBuffers, a checkpoint write that fails
// midway (full disk, read-only directory, killed process) and a step that fails partway. Each fault must
// throw an error naming what it concerns, never hang, and leave parameters, state and the last checkpoint
// as they were.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  AllocationError, BufferError, CheckpointError, DeviceLostError, DisposedError, ShapeError, compile, createOptimizer, getDevice,
  loadCheckpoint, type Optimizer, type TensorSpec,
} from '../src/index.js';
import { nodeWriteOps, saveCheckpoint, type WriteOps } from '../src/checkpoint/index.js';

const REPO = resolve(import.meta.dirname, '..');
const ADAMW = readFileSync(join(REPO, 'examples/adamw.opt'), 'utf8');
const STORAGE_RW = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
const N = 1000;
const grad = (seed: number, n = N) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed));
const params = (): Record<string, TensorSpec> => ({ w: { shape: [N], data: grad(9) }, b: { shape: [10], data: grad(3, 10) } });

let device: GPUDevice;
let dir: string;
beforeAll(async () => {
  device = await getDevice();
  dir = mkdtempSync(join(tmpdir(), 'optc-faults-'));
  chmodSync(dir, 0o755); // the read-only-directory test runs a child as another user
});
afterAll(() => { device?.destroy(); rmSync(dir, { recursive: true, force: true }); });

/** Everything an optimizer holds, read back: parameters, states, step count. */
async function snapshot(opt: Optimizer) {
  const { params: p, state } = await opt.read();
  return { p, state, step: opt.stepCount };
}

/** Rejects within `ms` or fails the test: a fault must never hang. */
function within<T>(p: Promise<T>, ms = 10_000): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms: a hang`)), ms))]);
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try { await within(p); } catch (e) { return e as Error; }
  throw new Error('expected a rejection');
}

function thrown(f: () => unknown): Error {
  try { f(); } catch (e) { return e as Error; }
  throw new Error('expected a throw');
}

describe('device lost', () => {
  it('reads and steps after device.destroy() throw DeviceLostError naming what was lost; the last checkpoint restores on a new device', async () => {
    const dev = await getDevice();
    const opt = await createOptimizer(dev, compile(ADAMW), params());
    await opt.step({ w: grad(1), b: grad(1, 10) });
    const file = join(dir, 'lost.safetensors');
    await opt.save(file);
    const saved = await snapshot(opt);
    dev.destroy();

    const e = await rejection(opt.readParam('w'));
    expect(e).toBeInstanceOf(DeviceLostError);
    expect((e as DeviceLostError).reason).toBe('destroyed');
    expect(e.message).toMatch(/optimizer 'adamw' at step 1 \(parameters 'w', 'b'; states m, v\)/);
    expect(e.message).toMatch(/load the last checkpoint/);
    expect(() => opt.step({ w: grad(2), b: grad(2, 10) })).toThrow(DeviceLostError);
    await expect(within(opt.readState('m', 'w'))).rejects.toThrow(DeviceLostError);
    await expect(within(opt.save(join(dir, 'never.safetensors')))).rejects.toThrow(DeviceLostError);
    await expect(within(createOptimizer(dev, compile(ADAMW), params()))).rejects.toThrow(DeviceLostError);
    expect(opt.stepCount).toBe(1);
    opt.dispose();

    // Nothing lost that was saved: a new device picks up from the checkpoint.
    const fresh = await createOptimizer(device, compile(ADAMW), params());
    await fresh.load(file);
    expect(await snapshot(fresh)).toEqual(saved);
    fresh.dispose();
  });

  it('createOptimizer on a device destroyed a moment before returns without hanging; the first read throws DeviceLostError', async () => {
    const dev = await getDevice();
    dev.destroy();
    const opt = await within(createOptimizer(dev, compile(ADAMW), params()));
    await expect(within(opt.readParam('w'))).rejects.toThrow(DeviceLostError);
    expect(() => opt.step({ w: grad(1), b: grad(1, 10) })).toThrow(DeviceLostError);
    opt.dispose();
  });

  it('a step that waits for the guard flag when the device goes rejects with DeviceLostError and does not count', async () => {
    const dev = await getDevice();
    const opt = await createOptimizer(dev, compile(ADAMW, { guard: true }), params());
    await opt.step({ w: grad(1), b: grad(1, 10) });
    dev.destroy();
    await within(dev.lost);
    expect(() => opt.step({ w: grad(2), b: grad(2, 10) })).toThrow(DeviceLostError);
    expect(opt.stepCount).toBe(1);
    opt.dispose();
  });
});

describe('allocation', () => {
  /**
   * A device whose createBuffer makes the first buffer labelled `victim` over the size limit (as a device out of
   * memory refuses a buffer: the call returns, the error comes later); records every buffer.
   */
  async function failingDevice(victim: RegExp) {
    const dev = await getDevice();
    const made: { label: string; destroyed: boolean }[] = [];
    const create = dev.createBuffer.bind(dev);
    let armed = true;
    dev.createBuffer = (desc: GPUBufferDescriptor) => {
      const hit = armed && victim.test(desc.label ?? '');
      if (hit) armed = false;
      const big = hit ? { ...desc, size: dev.limits.maxBufferSize + 4 } : desc;
      const buf = create(big);
      const rec = { label: desc.label ?? '', destroyed: false };
      made.push(rec);
      const destroy = buf.destroy.bind(buf);
      buf.destroy = () => { rec.destroyed = true; destroy(); };
      return buf;
    };
    return { dev, made };
  }

  it('a buffer the device refuses: AllocationError naming the tensor and state, and nothing left allocated', async () => {
    const { dev, made } = await failingDevice(/^chunk0\.v$/);
    const e = await rejection(createOptimizer(dev, compile(ADAMW), params()));
    expect(e).toBeInstanceOf(AllocationError);
    expect((e as AllocationError).tensor).toBe('w');
    expect((e as AllocationError).kind).toBe('validation');
    expect(e.message).toMatch(/could not allocate state 'v' of 'w', 'b' \(chunk0\.v\)/);
    expect(made.length).toBeGreaterThanOrEqual(4); // parameter, m, v, uniforms
    expect(made.filter((m) => !m.destroyed).map((m) => m.label)).toEqual([]);
    // The device is still usable.
    made.length = 0;
    const opt = await createOptimizer(dev, compile(ADAMW), { w: { shape: [4], data: new Float32Array(4) } });
    await opt.step({ w: new Float32Array([1, 2, 3, 4]) });
    expect(Array.from(await opt.readParam('w')).every((x) => x < 0)).toBe(true);
    opt.dispose();
    dev.destroy();
  });

  it('a failure after the buffers were made (pipeline creation) releases them too', async () => {
    const { dev, made } = await failingDevice(/^$never/);
    dev.createComputePipelineAsync = () => Promise.reject(new Error('injected pipeline failure'));
    const e = await rejection(createOptimizer(dev, compile(ADAMW), params()));
    expect(e.message).toMatch(/injected pipeline failure/);
    expect(made.length).toBeGreaterThanOrEqual(4);
    expect(made.filter((m) => !m.destroyed).map((m) => m.label)).toEqual([]);
    dev.destroy();
  });
});

describe('misuse', () => {
  it('a step, read or save on a disposed optimizer throws DisposedError', async () => {
    const opt = await createOptimizer(device, compile(ADAMW), params());
    opt.dispose();
    expect(thrown(() => opt.step({ w: grad(1), b: grad(1, 10) }))).toBeInstanceOf(DisposedError);
    expect(thrown(() => opt.step({ w: grad(1), b: grad(1, 10) })).message).toMatch(/optimizer 'adamw' was disposed/);
    await expect(opt.readParam('w')).rejects.toThrow(DisposedError);
    await expect(opt.save(join(dir, 'disposed.safetensors'))).rejects.toThrow(DisposedError);
    expect(readdirSync(dir).filter((f) => f.includes('disposed'))).toEqual([]);
  });

  it('parameter GPUBuffers: too small, missing STORAGE, or from another device: typed errors naming the tensor', async () => {
    const other = await getDevice();
    const cases: [string, GPUBuffer, new (...a: never[]) => Error, RegExp][] = [
      ['too small', device.createBuffer({ size: 8, usage: STORAGE_RW() }), ShapeError, /buffer holds 8 bytes/],
      ['no STORAGE', device.createBuffer({ size: N * 4, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST }), BufferError, /without usage STORAGE \| COPY_SRC \| COPY_DST/],
      ['other device', other.createBuffer({ size: N * 4, usage: STORAGE_RW() }), BufferError, /belongs to another GPUDevice/],
    ];
    for (const [what, buffer, type, message] of cases) {
      const e = await rejection(createOptimizer(device, compile(ADAMW), { w: { shape: [N], buffer } }));
      expect(e, what).toBeInstanceOf(type);
      expect((e as BufferError).tensor, what).toBe('w');
      expect(e.message, what).toMatch(message);
      buffer.destroy();
    }
    other.destroy();
  });

  it('gradient GPUBuffers: too small or unreadable throw at once; nothing changes', async () => {
    const opt = await createOptimizer(device, compile(ADAMW), params());
    await opt.step({ w: grad(1), b: grad(1, 10) });
    const before = await snapshot(opt);
    const small = device.createBuffer({ size: 16, usage: STORAGE_RW() });
    const unreadable = device.createBuffer({ size: N * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const e1 = thrown(() => opt.step({ w: small, b: grad(2, 10) }));
    expect(e1).toBeInstanceOf(ShapeError);
    expect((e1 as ShapeError).tensor).toBe('w');
    const e2 = thrown(() => opt.step({ w: unreadable, b: grad(2, 10) }));
    expect(e2).toBeInstanceOf(BufferError);
    expect(e2.message).toMatch(/gradient of 'w' is a GPUBuffer without usage STORAGE or COPY_SRC/);
    expect(await snapshot(opt)).toEqual(before);
    small.destroy(); unreadable.destroy(); opt.dispose();
  });

  for (const guard of [false, true]) {
    it(`a gradient GPUBuffer from another device (guard ${guard}): the step rejects with BufferError and changes nothing`, async () => {
      const other = await getDevice();
      // Two optimizers in step: the second never sees the bad step, so the first must match it after.
      const [opt, twin] = await Promise.all([0, 1].map(() => createOptimizer(device, compile(ADAMW, { guard }), { w: { shape: [N], data: grad(9) } })));
      await Promise.all([opt!.step({ w: grad(1) }), twin!.step({ w: grad(1) })]);
      const before = await snapshot(opt!);
      const foreign = other.createBuffer({ size: N * 4, usage: STORAGE_RW() });
      const e = await rejection(opt!.step({ w: foreign }));
      expect(e).toBeInstanceOf(BufferError);
      expect((e as BufferError).tensor).toBe('w');
      expect(e.message).toMatch(/gradient of 'w' is a GPUBuffer that belongs to another GPUDevice/);
      expect(await snapshot(opt!)).toEqual(before);
      // The next good step runs as step 2, exactly as on the twin.
      const g = device.createBuffer({ size: N * 4, usage: STORAGE_RW() });
      device.queue.writeBuffer(g, 0, grad(2));
      expect(await opt!.step({ w: g })).toEqual({ t: 2, skipped: false });
      await twin!.step({ w: grad(2) });
      expect(await snapshot(opt!)).toEqual(await snapshot(twin!));
      foreign.destroy(); g.destroy(); opt!.dispose(); twin!.dispose(); other.destroy();
    });
  }

  it('a caller buffer destroyed after it was used: the step rejects with BufferError naming the tensor and changes nothing', async () => {
    const g = device.createBuffer({ size: N * 4, usage: STORAGE_RW(), label: 'grad w' });
    device.queue.writeBuffer(g, 0, grad(1));
    const opt = await createOptimizer(device, compile(ADAMW), { w: { shape: [N], data: grad(9) } });
    await opt.step({ w: g });
    const before = await snapshot(opt);
    g.destroy();
    const e = await rejection(opt.step({ w: g }));
    expect(e).toBeInstanceOf(BufferError);
    expect((e as BufferError).tensor).toBe('w');
    expect(e.message).toMatch(/gradient of 'w' is a GPUBuffer that was destroyed/);
    expect(await snapshot(opt)).toEqual(before);
    opt.dispose();

    // A parameter buffer of the caller's, destroyed: the same.
    const pbuf = device.createBuffer({ size: N * 4, usage: STORAGE_RW(), label: 'param w' });
    const owner = await createOptimizer(device, compile(ADAMW), { w: { shape: [N], buffer: pbuf } });
    await owner.step({ w: grad(1) });
    pbuf.destroy();
    const e2 = await rejection(owner.step({ w: grad(2) }));
    expect(e2).toBeInstanceOf(BufferError);
    expect(e2.message).toMatch(/parameter 'w' is a GPUBuffer that was destroyed/);
    expect(owner.stepCount).toBe(1);
    owner.dispose();
  });

  it('a caller buffer one scoped step proved good goes unscoped until destroyed or mapped; then scoped and refused again', async () => {
    let scopes = 0;
    const dev = await getDevice();
    const push = dev.pushErrorScope.bind(dev);
    dev.pushErrorScope = (filter) => { scopes++; push(filter); };
    const opt = await createOptimizer(dev, compile(ADAMW), { w: { shape: [N], data: grad(9) } });
    const g = dev.createBuffer({ size: N * 4, usage: STORAGE_RW(), label: 'grad w' });
    dev.queue.writeBuffer(g, 0, grad(1));
    await opt.step({ w: g }); // probed and scoped: proves g
    scopes = 0;
    for (let i = 0; i < 3; i++) await opt.step({ w: g });
    expect(scopes).toBe(0);
    const before = await snapshot(opt);
    g.destroy();
    const e = await rejection(opt.step({ w: g }));
    expect(scopes).toBe(1);
    expect(e.message).toMatch(/gradient of 'w' is a GPUBuffer that was destroyed/);
    expect(await snapshot(opt)).toEqual(before);
    // A buffer mapped by its owner cannot be used by a submit: checked by the device again, and refused.
    const mapped = dev.createBuffer({ size: N * 4, usage: STORAGE_RW(), mappedAtCreation: true, label: 'mapped w' });
    const e2 = await rejection(opt.step({ w: mapped }));
    expect(e2).toBeInstanceOf(BufferError);
    expect(opt.stepCount).toBe(4);
    opt.dispose();
    dev.destroy();
  });

  it('bind groups reused across steps follow the buffers passed, also after a step refused partway through its checks', async () => {
    // One tensor per chunk, each a whole number of vec4s: the gradients are bound where they are.
    const make = () => createOptimizer(device, compile(ADAMW), { w: { shape: [N], data: grad(9) }, b: { shape: [12], data: grad(3, 12) } }, { pack: false });
    const [opt, twin] = await Promise.all([make(), make()]);
    const buf = (data: Float32Array<ArrayBuffer>) => {
      const b = device.createBuffer({ size: data.byteLength, usage: STORAGE_RW() });
      device.queue.writeBuffer(b, 0, data);
      return b;
    };
    const [w1, w2, b1, b2] = [buf(grad(1)), buf(grad(2)), buf(grad(1, 12)), buf(grad(2, 12))];
    const small = buf(grad(3, 4));
    await opt.step({ w: w1, b: b1 });
    await opt.step({ w: w1, b: b1 }); // the same buffers: the last step's bind groups
    expect(thrown(() => opt.step({ w: w2, b: small }))).toBeInstanceOf(ShapeError); // w2 checked, then refused
    await opt.step({ w: w2, b: b1 });
    await opt.step({ w: w2, b: b2 });
    await opt.step({ w: w1, b: b2 });
    for (const [w, b] of [[1, 1], [1, 1], [2, 1], [2, 2], [1, 2]]) await twin.step({ w: grad(w!), b: grad(b!, 12) });
    expect(await snapshot(opt)).toEqual(await snapshot(twin));
    for (const b of [w1, w2, b1, b2, small]) b.destroy();
    opt.dispose(); twin.dispose();
  });

  it('an error thrown partway through a step (a packed gradient that cannot be copied) leaves everything as it was', async () => {
    // w and b share a chunk, so a GPUBuffer gradient is copied into it: STORAGE alone is not enough. The
    // throw comes after the encoder was made and b's gradient was queued for upload.
    const opt = await createOptimizer(device, compile(ADAMW), params());
    await opt.step({ w: grad(1), b: grad(1, 10) });
    const before = await snapshot(opt);
    const storageOnly = device.createBuffer({ size: 10 * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    const e = thrown(() => opt.step({ w: grad(2), b: storageOnly }));
    expect(e).toBeInstanceOf(BufferError);
    expect((e as BufferError).tensor).toBe('b');
    expect(e.message).toMatch(/gradient of 'b' shares a chunk with other tensors, so it is copied: its GPUBuffer needs usage COPY_SRC/);
    expect(await snapshot(opt)).toEqual(before);
    expect(await opt.step({ w: grad(2), b: grad(2, 10) })).toEqual({ t: 2, skipped: false });
    storageOnly.destroy(); opt.dispose();
  });
});

describe('checkpoint writes that fail midway keep the previous checkpoint', () => {
  /** An optimizer at step 1 with its checkpoint saved to `file`; returns what that checkpoint must restore. */
  async function savedAtStep1(file: string) {
    const opt = await createOptimizer(device, compile(ADAMW), params());
    await opt.step({ w: grad(1), b: grad(1, 10) });
    await opt.save(file);
    const saved = await snapshot(opt);
    await opt.step({ w: grad(2), b: grad(2, 10) });
    return { opt, saved };
  }

  async function expectRestores(file: string, saved: Awaited<ReturnType<typeof snapshot>>) {
    const fresh = await createOptimizer(device, compile(ADAMW), params());
    await fresh.load(file);
    expect(await snapshot(fresh)).toEqual(saved);
    fresh.dispose();
  }

  const tempFiles = (d: string) => readdirSync(d).filter((f) => f.endsWith('.tmp'));

  it('full disk: a write that fails with ENOSPC after 3000 bytes', async () => {
    const file = join(dir, 'full.safetensors');
    const { opt, saved } = await savedAtStep1(file);
    let room = 3000;
    const fullDisk: WriteOps = {
      ...nodeWriteOps,
      async create(p) {
        const f = await nodeWriteOps.create(p);
        return {
          ...f,
          async write(bytes) {
            const fits = Math.min(room, bytes.length);
            await f.write(bytes.subarray(0, fits));
            room -= fits;
            if (fits < bytes.length) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          },
        };
      },
    };
    const e = await rejection(opt.save(file, { ops: fullDisk }));
    expect(e).toBeInstanceOf(CheckpointError);
    expect((e as CheckpointError).reason).toBe('io');
    expect(e.message).toMatch(/ENOSPC.*the previous file, if any, is unchanged/);
    expect(tempFiles(dir)).toEqual([]);
    await expectRestores(file, saved);
    opt.dispose();
  });

  it('read-only directory: a real one (the save runs in a process without write permission)', async () => {
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    const file = join(ro, 'ckpt.safetensors');
    const { opt, saved } = await savedAtStep1(file);
    chmodSync(ro, 0o555);
    try {
      // Root ignores permissions, so as root the child runs as nobody.
      const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/helpers/ckpt-faults-child.ts', 'save', file], { cwd: REPO, encoding: 'utf8', timeout: 30_000, ...asUser });
      expect(r.stdout.trim(), r.stderr).toMatch(/^error io could not write checkpoint .*EACCES.*the previous file, if any, is unchanged$/);
      expect(tempFiles(ro)).toEqual([]);
      await expectRestores(file, saved);
    } finally {
      chmodSync(ro, 0o755);
      opt.dispose();
    }
  });

  it('a process SIGKILLed in the middle of writing: the previous checkpoint loads; the next save removes the stale temp file', async () => {
    const file = join(dir, 'killed.safetensors');
    const { opt, saved } = await savedAtStep1(file);
    const before = readFileSync(file);
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/ckpt-faults-child.ts', 'slow-save', file], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    await within(new Promise<void>((res, rej) => {
      child.stdout.on('data', (d) => { out += d; if (out.includes('writing')) res(); });
      child.on('exit', () => rej(new Error(`child exited before writing: ${out} ${err}`)));
    }), 30_000);
    child.kill('SIGKILL');
    const signal = await within(new Promise((res) => child.on('exit', (_code, sig) => res(sig))));
    expect(signal).toBe('SIGKILL');
    expect(out).not.toMatch(/saved/);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(tempFiles(dir).length).toBe(1); // the half-written temp file: never mistaken for a checkpoint
    await expectRestores(file, saved);
    const ck = await loadCheckpoint(file);
    expect(ck.step).toBe(1);
    // The next save removes the dead writer's temp file, so a crash loop cannot fill the disk.
    await opt.save(file);
    expect(tempFiles(dir)).toEqual([]);
    expect((await loadCheckpoint(file)).step).toBe(2);
    opt.dispose();
  }, 60_000);

  it('the clean-up removes only temp files of this target whose writer is gone', async () => {
    const sub = join(dir, 'stale');
    mkdirSync(sub);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const names = [
      `.x.safetensors.${dead}.0123456789ab.tmp`, // dead writer: removed
      `.x.safetensors.${process.pid}.0123456789ab.tmp`, // a live writer (this process): kept
      `.y.safetensors.${dead}.0123456789ab.tmp`, // another target: kept
      `.x.safetensors.${dead}.zz.tmp`, // not the temp shape: kept
      `x.safetensors.${dead}.0123456789ab.tmp`, // not hidden: kept
    ];
    for (const n of names) writeFileSync(join(sub, n), 'partial');
    await saveCheckpoint(join(sub, 'x.safetensors'), { optimizer: 'o', programHash: 'h', formatVersion: 1, step: 1, hypers: {}, tensors: {} });
    expect(readdirSync(sub).sort()).toEqual([...names.slice(1), 'x.safetensors'].sort());
  });
});
