// Runtime faults as typed errors, with nothing lost. WebGPU reports most failures late and quietly: a lost
// device turns every call into a no-op, an allocation over the limits returns a buffer that fails when used,
// a bind group with a buffer from another device makes the whole command buffer a no-op — and the caller's
// `step()` would count a step that never ran. These guards turn each into an error naming what it concerns:
// - device loss: noticed from `device.lost` or from a failed read-back; afterwards every call throws
//   DeviceLostError listing what was on the device;
// - allocation: buffers are created inside out-of-memory and validation error scopes; a failure releases
//   everything the call made and throws AllocationError naming the tensor;
// - caller buffers: usage flags are checked at once; the device a buffer belongs to can only be checked by
//   the device, so each new buffer is probed once (a bind group or a copy inside an error scope), and a
//   step that touches a caller's buffer is submitted inside a validation scope until the buffer has passed
//   one (the caller may also have destroyed it since): a refused step ran nothing, so the step count is
//   rolled back and parameters and state are as they were. A buffer that passed (and cannot be mapped)
//   stays trusted, with no scope and no round trip, until its destroy() is called (wrapped to tell).
// Error scopes are a per-device stack shared by all callers, so every scope here is pushed and popped within
// one synchronous stretch of code; only the results are awaited.

import { getOrCreate } from './buffers.js';
import { AllocationError, BufferError, DeviceError, DeviceLostError, type OptcRuntimeError } from './errors.js';

// ---- device loss ----

interface LostInfo { reason: string; message: string }
const lostDevices = new WeakMap<GPUDevice, LostInfo>();
/**
 * What lives on each watched device, for the DeviceLostError message: one describer per live optimizer. Held
 * weakly, so an optimizer dropped without dispose() is still collected.
 */
interface Owner { ref: WeakRef<object>; describe: (owner: object) => string }
const owners = new WeakMap<GPUDevice, Set<Owner>>();

function markLost(device: GPUDevice, info: { reason?: string; message?: string }): LostInfo {
  return getOrCreate(lostDevices, device, () => ({ reason: info.reason ?? 'unknown', message: info.message || '(no message)' }));
}

/**
 * Records `owner` as living on `device` until the returned function is called, and starts watching
 * `device.lost`. `describe(owner)` says what it holds ("optimizer 'adamw' (parameters w, b; states m, v)");
 * it must not capture `owner`, which is held weakly.
 */
export function watchDevice<T extends object>(device: GPUDevice, owner: T, describe: (owner: T) => string): () => void {
  const entry: Owner = { ref: new WeakRef(owner), describe: describe as (owner: object) => string };
  const set = getOrCreate(owners, device, () => {
    device.lost.then((info) => markLost(device, info), () => {});
    return new Set();
  });
  for (const e of set) if (!e.ref.deref()) set.delete(e); // optimizers collected without dispose()
  set.add(entry);
  return () => set.delete(entry);
}

function lostError(device: GPUDevice, info: LostInfo, context: string): DeviceLostError {
  const held = [...(owners.get(device) ?? [])].flatMap(({ ref, describe }) => (ref.deref() ? [describe(ref.deref()!)] : []));
  const what = held.length ? `; lost with it: ${held.join('; ')}` : '';
  return new DeviceLostError(info.reason,
    `the GPU device was lost (${info.reason}: ${info.message}) ${context}${what}. Nothing on the device can be read back: ` +
    'create a new device and optimizer, and load the last checkpoint');
}

/** Throws DeviceLostError if `device` is known to be lost. `context()` says what was being done. */
export function checkDevice(device: GPUDevice, context: () => string): void {
  const info = lostDevices.get(device);
  if (info) throw lostError(device, info, context());
}

/**
 * The error for a failed read-back (`mapAsync` rejected). A lost device rejects every map, but `device.lost`
 * may resolve a little later, so it is awaited for up to `waitMs`: never a hang.
 */
export async function readBackError(device: GPUDevice, label: string, cause: unknown, waitMs = 2000): Promise<OptcRuntimeError> {
  let cancel = () => {};
  const info = lostDevices.get(device) ?? await Promise.race([
    device.lost.then((i) => markLost(device, i)),
    new Promise<undefined>((resolve) => { const h = setTimeout(resolve, waitMs); cancel = () => clearTimeout(h); }),
  ]).finally(() => cancel());
  if (info) return lostError(device, info, `while reading back '${label}'`);
  const err = new DeviceError(`reading back '${label}' failed: ${(cause as Error)?.message || String(cause)}`);
  err.cause = cause;
  return err;
}

// ---- error scopes ----

/** Pops one scope; a rejected pop (lost device, empty stack) counts as no error. */
const pop = (device: GPUDevice) => device.popErrorScope().catch(() => null);

/** The buffer label Dawn quotes in its messages (`[Buffer "chunk0.m"]`, `[BufferDescriptor ""chunk0.m""]`). */
export function labelIn(message: string): string | undefined {
  return /\[Buffer(?:Descriptor)? "+([^"]*)"+\]/.exec(message)?.[1] || undefined;
}

/**
 * Watches the buffers an optimizer allocates. `begin()`/`end()` bracket synchronous stretches of allocation;
 * `run` builds the object, then awaits every bracket's errors. On any error, thrown or reported by the device,
 * everything is released (`cleanup` before the object exists, `dispose` after) and the error is typed.
 */
export class AllocationGuard {
  private open = 0;
  private readonly results: Promise<{ kind: 'out-of-memory' | 'validation'; error: GPUError } | undefined>[] = [];

  constructor(private readonly device: GPUDevice) {}

  begin(): void {
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    this.open++;
  }

  end(): void {
    if (this.open === 0) return;
    this.open--;
    const validation = pop(this.device), oom = pop(this.device);
    this.results.push(Promise.all([oom, validation]).then(([o, v]) =>
      (o ? { kind: 'out-of-memory' as const, error: o } : v ? { kind: 'validation' as const, error: v } : undefined)));
  }

  /**
   * `ownerOf(label)` names the tensor a buffer label belongs to and describes the buffer; undefined for labels
   * it does not know (the error then names `fallback`).
   */
  async run<T extends { dispose(): void }>(build: () => Promise<T>, cleanup: () => void,
    ownerOf: (label: string) => { tensor: string; what: string } | undefined, fallback: string): Promise<T> {
    let made: T;
    try {
      made = await build();
    } catch (e) {
      while (this.open > 0) this.end();
      await Promise.all(this.results);
      cleanup();
      throw e;
    }
    const failure = (await Promise.all(this.results)).find((r) => r);
    if (!failure) return made;
    made.dispose();
    const label = labelIn(failure.error.message);
    const owner = label !== undefined ? ownerOf(label) : undefined;
    const what = owner?.what ?? `a buffer of '${fallback}'`;
    const problem = failure.kind === 'out-of-memory' ? 'the device is out of memory' : 'the device refused the allocation';
    throw new AllocationError(owner?.tensor ?? fallback, failure.kind,
      `could not allocate ${what}: ${problem} (${failure.error.message.split('\n')[0]}); everything this call allocated was released`);
  }
}

// ---- caller buffers ----

/** Buffers already shown to work on a device (a buffer belongs to exactly one device). */
const vetted = new WeakMap<GPUBuffer, GPUDevice>();
/** Per device, what a probe binds a STORAGE buffer with, and copies another buffer's first word into. */
const probes = new WeakMap<GPUDevice, { layout: GPUBindGroupLayout; target: GPUBuffer }>();

export interface CallerBuffer { tensor: string; label: string; buffer: GPUBuffer }

/** Usage flags, checked at once: a buffer without them can never work. `need` is a GPUBufferUsage mask. */
export function checkUsage(b: CallerBuffer, need: number, needText: string): void {
  // need 0: any way to read it (bound as STORAGE, or copied with COPY_SRC).
  const ok = need === 0 ? (b.buffer.usage & (GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC)) !== 0 : (b.buffer.usage & need) === need;
  if (!ok) {
    throw new BufferError(b.tensor, `${b.label} is a GPUBuffer without usage ${needText} (its usage is 0x${b.buffer.usage.toString(16)}); create it with GPUBufferUsage.${needText.split(/ \| | or /).join(' | GPUBufferUsage.')}`);
  }
}

/**
 * Starts a probe of every buffer not yet vetted on `device`: a bind group (STORAGE buffers) or a copy (the
 * others), each in its own validation scope. Returns undefined when all are known good, else a promise of
 * the first bad one as a BufferError (undefined when all pass; they are then vetted).
 */
export function probeBuffers(device: GPUDevice, bufs: readonly CallerBuffer[]): Promise<BufferError | undefined> | undefined {
  const fresh = bufs.filter((b) => vetted.get(b.buffer) !== device && b.buffer.size >= 4);
  if (fresh.length === 0) return undefined;
  const { layout, target } = getOrCreate(probes, device, () => ({
    layout: device.createBindGroupLayout({ label: 'optc buffer probe', entries: [{ binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } }] }),
    target: device.createBuffer({ size: 4, usage: GPUBufferUsage.COPY_DST, label: 'optc buffer probe' }),
  }));
  const checks = fresh.map((b) => {
    device.pushErrorScope('validation');
    if (b.buffer.usage & GPUBufferUsage.STORAGE) {
      device.createBindGroup({ layout, entries: [{ binding: 0, resource: { buffer: b.buffer, offset: 0, size: 4 } }] });
    } else {
      const enc = device.createCommandEncoder();
      enc.copyBufferToBuffer(b.buffer, 0, target, 0, 4);
      enc.finish();
    }
    return pop(device).then((e) => ({ b, e }));
  });
  return Promise.all(checks).then((rs) => {
    const bad = rs.find((r) => r.e);
    if (!bad) { for (const { b } of rs) vetted.set(b.buffer, device); return undefined; }
    return bufferProblem(bad.b, bad.e!.message);
  });
}

/**
 * Caller buffers by what is known of them: 'watched' (destroy() wrapped), the device a scoped submit used
 * them on without error (trusted there), or 'destroyed'. WebGPU cannot say whether a buffer was destroyed,
 * so the buffer's own destroy() tells; one destroyed through the prototype is missed, as it would be by
 * any object-level check. A buffer whose destroy() cannot be wrapped is never trusted, nor is one with
 * MAP_READ or MAP_WRITE usage: its owner may map it between steps, and a submit cannot use it then.
 */
const trust = new WeakMap<GPUBuffer, GPUDevice | 'watched' | 'destroyed'>();

function watchDestroy(b: GPUBuffer): void {
  if (trust.has(b) || b.usage & (GPUBufferUsage.MAP_READ | GPUBufferUsage.MAP_WRITE)) return;
  const destroy = b.destroy;
  try {
    Object.defineProperty(b, 'destroy', { configurable: true, writable: true, value(this: GPUBuffer) { trust.set(b, 'destroyed'); return destroy.call(this); } });
    trust.set(b, 'watched');
  } catch { /* not extensible: every step that uses it stays scoped */ }
}

/** The BufferError for `b`, given the device's message about it. */
function bufferProblem(b: CallerBuffer, message: string): BufferError {
  const why = /associated with|cannot be used with/i.test(message) ? 'belongs to another GPUDevice'
    : /destroyed/i.test(message) ? 'was destroyed' : 'cannot be used';
  return new BufferError(b.tensor, `${b.label} is a GPUBuffer that ${why}: ${message.split('\n')[0]}`);
}

/**
 * Runs `encode` (which records and submits a step). When the step touches caller buffers (`callers`) not all
 * trusted, it is submitted inside a validation scope, since a caller may have destroyed a buffer or passed one
 * from another device; resolves to the error that made the device refuse the step, or undefined. A refused
 * step ran nothing. Otherwise nothing is checked and undefined is returned at once.
 */
export function submitChecked(device: GPUDevice, callers: readonly CallerBuffer[], what: () => string,
  encode: () => void): Promise<OptcRuntimeError | undefined> | undefined {
  // The scope's answer costs a round trip to the device, on lavapipe a visible part of a small step
  // (docs/performance.md), so trusted buffers go without: the scope would find nothing to refuse. A buffer
  // bound twice (a parameter also passed as its gradient) may alias a writable binding: always checked.
  if (callers.every((c) => trust.get(c.buffer) === device)
    && (callers.length < 2 || new Set(callers.map((c) => c.buffer)).size === callers.length)) {
    encode();
    return undefined;
  }
  const probe = probeBuffers(device, callers);
  for (const c of callers) watchDestroy(c.buffer);
  device.pushErrorScope('validation');
  let scope: Promise<GPUError | null>;
  try {
    encode();
  } finally {
    scope = pop(device);
  }
  const check = (bad: BufferError | undefined, e: GPUError | null) => {
    if (!bad && !e) for (const c of callers) if (trust.get(c.buffer) === 'watched') trust.set(c.buffer, device);
    if (bad || !e) return bad;
    // A buffer the probe passed (say, destroyed since): Dawn's message quotes its label, when it has one.
    const named = callers.find((c) => c.buffer.label && e.message.includes(`"${c.buffer.label}"`));
    return named ? bufferProblem(named, e.message) : new DeviceError(`the device refused ${what()}, so none of it ran: ${e.message.split('\n')[0]}`);
  };
  // Buffers seen before (every step after the first) need no probe: wait on the scope alone.
  return probe ? Promise.all([probe, scope]).then(([bad, e]) => check(bad, e)) : scope.then((e) => check(undefined, e));
}
