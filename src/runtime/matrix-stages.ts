// The matrix stages of a module (docs/matrix.md, "On the GPU") on a device: per matrix tensor, its
// parameter, inputs and states as buffers of their own shapes (a `matrix(rows, rows)` state is rows × rows
// f32), its reduction slots, and the kernels of each variant specialized to its shape (through the code
// generator's index); temporaries come from a pool shared by all tensors (tensors run one after another, so
// a temporary is reused once its last reader has run). `encode` records one step of every tensor into the
// caller's command encoder. The optimizer (matrix-optimizer.ts) owns the step: host values, the variant,
// inputs, the fallback rule's tensors.
//
// A compressed per-element state (matrix-states.ts) keeps its codes (`codes:NAME`) and block scales
// (`scales:NAME`) per tensor; its `st:NAME` leaf, which the stages read and write, is an f32 working matrix
// shared by every tensor of that size (tensors run one after another): decoded before a tensor's stages,
// encoded after them. Each tensor's parameter and per-element states are also a one-piece chunk (`io`), so
// the runtime's tensor I/O (tensor-io.ts) reads and writes them as it does any chunk's; the states at shapes
// of their own it reads and writes here (these stages are its SideStates).
import { codecOf, matrixFoldKernel, matrixStageKernels, matrixStateKernels, packedMatrixStates, shapeSize, stateBytes, type KernelModule, type StageKernel, type View } from '../codegen-wgsl/index.js';
import { getOrCreate, storageBuffer, writeF32 } from './buffers.js';
import { numel, type ChunkBuffers, type TensorSpec } from './chunks.js';
import { createComputePipeline, readF32 } from './device.js';
import { OptcRuntimeError, ShapeError, UnsupportedError } from './errors.js';
import { kernelOverLimit } from './limits.js';
import type { SideStates } from './tensor-io.js';

/** A kernel bound to buffers: what one dispatch needs. */
export interface Bound { kernel: StageKernel; pipeline: GPUComputePipeline; group: GPUBindGroup }

/**
 * A kernel's pipeline (one per WGSL text and device) and a bind group resolving each binding's buffer key
 * with `resource`. The bind group layout is built from the kernel's binding list (no `layout: 'auto'`).
 */
export async function bindKernel(device: GPUDevice, kernel: StageKernel, resource: (key: string) => GPUBufferBinding): Promise<Bound> {
  const pipeline = await createComputePipeline(device, kernel.wgsl, kernel.entryPoint, kernel.name, kernel.bindings);
  const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: kernel.bindings.map((b) => ({ binding: b.binding, resource: resource(b.name) })) });
  return { kernel, pipeline, group };
}

/** Records one compute pass of `enc` dispatching `kernels` in order (undefined: none); returns how many it dispatched. */
export function recordPass(enc: GPUCommandEncoder, label: string, kernels: readonly (Bound | undefined)[]): number {
  const pass = enc.beginComputePass({ label });
  let n = 0;
  for (const b of kernels) {
    if (!b) continue;
    pass.setPipeline(b.pipeline);
    pass.setBindGroup(0, b.group);
    pass.dispatchWorkgroups(...b.kernel.grid);
    n++;
  }
  pass.end();
  return n;
}

/**
 * A variant for one tensor: its stages bound (undefined: a copy stage), the copies that run after them, and
 * the encodes of the compressed states it writes.
 */
interface Prepared { stages: (Bound | undefined)[]; copies: { from: GPUBuffer; to: GPUBuffer; bytes: number }[]; encodes: Bound[] }

/** A tensor with no elements ([0, 4]): the step leaves it alone (matmul kernels need every dimension > 0). */
const isEmpty = (t: MatrixTensor) => t.shape.some((d) => d === 0);
/** Bytes of an f32 buffer of `n` elements as storageBuffer rounds them (the size working matrices and temporaries share by). */
const bytesOf = (n: number) => Math.max(16, Math.ceil((4 * n) / 16) * 16);

/** A matrix parameter to allocate: its id (position among all parameters), group and caller's spec. */
export interface MatrixSpec { name: string; index: number; group: number; spec: TensorSpec }

export interface MatrixTensor {
  name: string;
  /** The tensor's id (its position among all parameters): keys its random numbers. */
  index: number;
  /** Its parameter group (0: none), whose step values it reads. */
  group: number;
  shape: number[];
  view: View;
  leaves: Map<string, GPUBuffer>;
  /** Leaves the caller owns (a parameter buffer it passed) or shared working matrices: not destroyed with it. */
  foreign: Set<string>;
  /** The parameter and per-element states as a one-piece chunk, for tensor-io.ts. */
  io: ChunkBuffers;
  prepared: Map<number, Prepared>;
  /** Temporaries this tensor keeps across a global fold (the pool is shared only within a segment). */
  own: GPUBuffer[];
  /** Compressed states: decode before the stages, encode after them (made when the first variant is prepared). */
  codecs?: { decode: Bound[]; encode: Bound[] };
}

export class MatrixStages implements SideStates {
  private readonly pool = new Map<number, GPUBuffer[]>();
  /** The f32 working matrices of compressed states, by size (or per tensor when global folds interleave tensors). */
  private readonly work = new Map<string, GPUBuffer>();
  readonly tensors: MatrixTensor[] = [];

  /** Per parameter group: the module's uniform fields (step values, stream keys), written each step. */
  readonly steps: GPUBuffer[];
  /** Every tensor's reduction slots, `scalStride` bytes apart (bound per tensor at its offset). */
  private readonly scal: GPUBuffer;
  private readonly scalStride: number;
  private readonly folds = new Map<string, Bound>();

  /** Allocates every matrix's leaves. */
  constructor(private readonly device: GPUDevice, readonly module: KernelModule, specs: MatrixSpec[]) {
    const groups = Math.max(1, ...specs.map((s) => s.group + 1));
    this.steps = Array.from({ length: groups }, (_, g) => storageBuffer(device, module.uniforms.size, `${module.name} steps group ${g}`));
    const slots = Math.max(1, ...module.matrix!.schedule.variants.map((v) => v.scalarSlots));
    const align = device.limits.minStorageBufferOffsetAlignment;
    this.scalStride = Math.ceil((4 * slots) / align) * align;
    this.scal = storageBuffer(device, this.scalStride * specs.length, `${module.name} scalars`);
    try {
      for (const s of specs) this.allocate(s);
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /**
   * One matrix tensor's leaves: p (the caller's buffer, or ours), inputs, states. Initial values are written
   * through tensor I/O once the optimizer exists (matrix-optimizer.ts), as for any other module.
   */
  private allocate({ name, index, group, spec: p }: MatrixSpec): void {
    const { device, module } = this;
    const shape = p.shape;
    const view = { rows: shape[0]!, cols: shape[1]! };
    const leaves = new Map<string, GPUBuffer>();
    const foreign = new Set<string>();
    const info = module.matrix!;
    const packed = new Map(packedMatrixStates(module).map((x) => [x.leaf, x]));
    const t: MatrixTensor = { name, index, group, shape, view, leaves, foreign, io: undefined!, prepared: new Map(), own: [] };
    this.tensors.push(t);
    for (const leaf of info.schedule.leaves) {
      const [r, c] = shapeSize(leaf.shape, view);
      if (leaf.key === 'p' && p.buffer) {
        if (packed.has('p')) throw new UnsupportedError(`parameter '${name}': '${module.name}' stores parameters as ${module.param!.kind}; give it the values (data), not an f32 buffer`);
        if (p.buffer.size < 4 * r * c) throw new ShapeError(name, `parameter '${name}': buffer holds ${p.buffer.size} bytes, shape ${JSON.stringify(shape)} needs ${4 * r * c}`);
        leaves.set('p', p.buffer);
        foreign.add('p');
        continue;
      }
      const pk = packed.get(leaf.key);
      if (pk) {
        // Codes and scales of this tensor; the f32 working matrix is shared by the tensors unless global folds
        // interleave them (then each keeps its own).
        const bytes = stateBytes(pk.codec, r * c);
        leaves.set(`codes:${pk.name}`, storageBuffer(device, bytes.codes, `${name} codes:${pk.name}`));
        if (pk.codec.block) leaves.set(`scales:${pk.name}`, storageBuffer(device, bytes.scales, `${name} scales:${pk.name}`));
        const wkey = `${leaf.key}:${bytesOf(r * c)}${info.schedule.variants.some((v) => v.folds.length) ? `:${name}` : ''}`;
        leaves.set(leaf.key, getOrCreate(this.work, wkey, () => storageBuffer(device, 4 * r * c, `${leaf.key} f32 work ${r}x${c}`)));
        foreign.add(leaf.key);
        continue;
      }
      leaves.set(leaf.key, storageBuffer(device, 4 * r * c, `${name} ${leaf.key}`));
    }
    const n = numel(shape);
    const elemStates = module.states.filter((s) => !s.space && leaves.has(`st:${s.name}`));
    t.io = {
      chunk: { group, n, pieces: [{ tensor: name, tensorOffset: 0, chunkOffset: 0, length: n }] }, width: 1,
      param: { buffer: leaves.get('codes:p') ?? leaves.get('p')!, offset: 0, owned: !p.buffer },
      states: new Map(elemStates.map((s) => [s.name, {
        buf: leaves.get(`codes:${s.name}`) ?? leaves.get(`st:${s.name}`)!, scales: leaves.get(`scales:${s.name}`), codec: codecOf(s.format),
      }])),
      inputs: new Map(), temps: new Map(), uniform: this.steps[group]!, bindGroups: new Map(),
    };
  }

  /** The variant step values `vals` select (bit k: condition k holds). */
  variantOf(vals: readonly number[]): number {
    return this.module.matrix!.conds.reduce((b, c, k) => (vals[c] ? b | (1 << k) : b), 0);
  }

  /**
   * Kernels, pipelines, temporaries and bind groups of every variant for every tensor, built now so that
   * any step can be recorded without waiting.
   */
  async prepareAll(): Promise<void> {
    await Promise.all(this.module.matrix!.schedule.variants.map(async (v, variant) => {
      await Promise.all(this.tensors.map((t) => this.prepareTensor(t, variant)));
      for (let f = 0; f < v.folds.length; f++) {
        const kernel = matrixFoldKernel(this.module, variant, f, this.tensors.length, this.scalStride / 4);
        this.folds.set(`${variant}:${f}`, await bindKernel(this.device, kernel, () => ({ buffer: this.scal })));
      }
    }));
  }

  /**
   * Records every stage of `variant` for every tensor; returns the dispatches and copies recorded. Global
   * folds cut the stages into segments: every tensor runs a segment before the fold, then the next one.
   */
  encode(enc: GPUCommandEncoder, variantOf: (t: MatrixTensor) => number): number {
    const variants = this.module.matrix!.schedule.variants;
    const vs = this.tensors.map(variantOf);
    const variant = vs[0] ?? 0;
    const v = variants[variant]!;
    const mixed = vs.some((x) => x !== variant);
    // Parameter groups whose step conditions differ run different variants; a global fold needs one.
    if (mixed && vs.some((x) => variants[x]!.folds.length)) throw new OptcRuntimeError(`optimizer '${this.module.name}': parameter groups take different branches this step, and its global reductions need every tensor in one (give the groups the same hyperparameters the conditions read)`);
    const cuts = mixed ? [Infinity] : [...v.folds.map((f) => f.after + 1), v.stages.length];
    let n = 0;
    let from = 0;
    cuts.forEach((to, seg) => {
      const first = seg === 0, last = seg === cuts.length - 1;
      this.tensors.forEach((t, ti) => {
        if (isEmpty(t)) return; // nothing to update; its kernels would have a zero dimension
        const prep = t.prepared.get(vs[ti]!)!;
        n += recordPass(enc, `${this.module.name} ${t.name}`, [...(first ? t.codecs!.decode : []), ...prep.stages.slice(from, to)]);
        if (!last) return;
        for (const c of prep.copies) { enc.copyBufferToBuffer(c.from, 0, c.to, 0, c.bytes); n++; }
        if (prep.encodes.length) n += recordPass(enc, `${this.module.name} ${t.name} encode`, prep.encodes);
      });
      if (!last) n += recordPass(enc, `${this.module.name} global fold`, [this.folds.get(`${variant}:${seg}`)!]);
      from = to;
    });
    return n;
  }

  /** Whether matrix `name` keeps `state` at a shape of its own (`matrix(rows, rows)` …), which its chunk `io` does not hold. */
  holds(state: string, name: string): boolean {
    const t = this.tensors.find((x) => x.name === name);
    return !!t && t.leaves.has(`st:${state}`) && !t.io.states.has(state);
  }

  /** Such a state's values, row-major. */
  readState(state: string, name: string): Promise<Float32Array> {
    const { buffer, shape } = this.leaf(name, `st:${state}`);
    return readF32(this.device, buffer, 0, numel(shape));
  }

  writeState(state: string, name: string, data: Float32Array): void {
    const { buffer, shape } = this.leaf(name, `st:${state}`);
    const n = numel(shape);
    if (data.length !== n) throw new ShapeError(name, `state '${state}' of '${name}': got ${data.length} elements, expected ${n}`);
    writeF32(this.device, buffer, 0, data);
  }

  /** Such a state's shape ([rows, rows], [short, rank] …). */
  stateShape(state: string, name: string): number[] { return this.leaf(name, `st:${state}`).shape; }

  /** A leaf of one tensor (`p`, `in:g`, `st:B`) and its shape. */
  private leaf(name: string, key: string): { buffer: GPUBuffer; shape: number[] } {
    const t = this.tensors.find((x) => x.name === name)!;
    const leaf = this.module.matrix!.schedule.leaves.find((l) => l.key === key)!;
    return { buffer: t.leaves.get(key)!, shape: shapeSize(leaf.shape, t.view) };
  }

  /**
   * Bytes of the matrix states (at their own shapes; the parameter and per-element states are the chunks'
   * `io`) and of the temporaries (the pool, and the working matrices of compressed states).
   */
  memory(): { stateBytes: number; tempBytes: number } {
    let stateBytes = 0, tempBytes = 0;
    for (const t of this.tensors) {
      for (const key of t.leaves.keys()) if (key.startsWith('st:') && this.holds(key.slice(3), t.name)) stateBytes += 4 * numel(this.leaf(t.name, key).shape);
      for (const b of t.own) tempBytes += b.size;
    }
    for (const [bytes, list] of this.pool) tempBytes += bytes * list.length;
    for (const b of this.work.values()) tempBytes += b.size;
    return { stateBytes, tempBytes };
  }

  dispose(): void {
    for (const t of this.tensors) {
      for (const [k, b] of t.leaves) if (!t.foreign.has(k)) b.destroy();
      for (const b of t.own) b.destroy();
    }
    this.scal.destroy();
    for (const list of this.pool.values()) for (const b of list) b.destroy();
    for (const b of this.work.values()) b.destroy();
    for (const b of this.steps) b.destroy();
  }

  private async prepareTensor(t: MatrixTensor, variant: number): Promise<void> {
    if (isEmpty(t)) {
      t.prepared.set(variant, { stages: [], copies: [], encodes: [] });
      return;
    }
    const kernels = matrixStageKernels(this.module, variant, t.view, t.index);
    const over = kernels.map((k) => k && kernelOverLimit(this.module, k, this.device.limits)).find(Boolean);
    if (over) throw new UnsupportedError(over);
    const temps = this.assignTemps(t, variant);
    const at = this.tensors.indexOf(t);
    const maxBinding = this.device.limits.maxStorageBufferBindingSize;
    // Every binding of the tensor's kernels (stages and codecs) resolves here, so the size check sees them all.
    const resolve = (key: string): GPUBufferBinding => {
      if (key === '#steps') return { buffer: this.steps[t.group]! };
      if (key === '#scal') return { buffer: this.scal, offset: at * this.scalStride, size: this.scalStride };
      const b = t.leaves.get(key) ?? temps.get(key);
      if (!b) throw new Error(`matrix stages: no buffer '${key}' for '${t.name}'`);
      if (b.size > maxBinding) {
        throw new UnsupportedError(`tensor '${t.name}' [${t.shape.join(', ')}]: its kernels bind ${b.size} bytes (${key}); this device binds at most ${maxBinding} (split the tensor, or give it to the fallback rule)`);
      }
      return { buffer: b };
    };
    const stages = await Promise.all(kernels.map((k) => (k ? bindKernel(this.device, k, resolve) : undefined)));
    if (!t.codecs) {
      // The decode and encode kernels of each compressed state (the parameter's too, when f16/bf16).
      const codecs = { decode: [] as Bound[], encode: [] as Bound[] };
      for (const { name, leaf, codec, stochastic } of packedMatrixStates(this.module)) {
        const sr = stochastic ? { field: this.module.matrix!.srField!, tensor: t.index } : undefined;
        const ks = matrixStateKernels(name, codec, numel(t.shape), leaf, sr);
        codecs.decode.push(await bindKernel(this.device, ks.decode, resolve));
        codecs.encode.push(await bindKernel(this.device, ks.encode, resolve));
      }
      t.codecs ??= codecs;
    }
    const v = this.module.matrix!.schedule.variants[variant]!;
    const copies = v.stages.flatMap((s) => (s.kind === 'copy' ? [{ from: resolve(s.from).buffer, to: resolve(s.to).buffer, bytes: 4 * numel(shapeSize(s.shape, t.view)) }] : []));
    // Only what this variant stores is encoded again (an `every k` block leaves its states' codes as they are).
    const written = new Set(v.stages.flatMap((x) => (x.kind === 'map' || x.kind === 'matmul' ? [x.out] : x.kind === 'copy' ? [x.to] : [])));
    t.prepared.set(variant, { stages, copies, encodes: t.codecs.encode.filter((c) => written.has(c.kernel.bindings[0]!.name)) });
  }

  /** Temporaries from the shared pool: a buffer is reused once the last stage reading it has run. */
  private assignTemps(t: MatrixTensor, variant: number): Map<string, GPUBuffer> {
    const v = this.module.matrix!.schedule.variants[variant]!;
    const out = new Map<string, GPUBuffer>();
    // Per size, the last stage that reads each pool slot's buffer (temporaries are listed by their first stage).
    const lastReads = new Map<number, number[]>();
    for (const tmp of v.temps) {
      const [r, c] = shapeSize(tmp.shape, t.view);
      const bytes = bytesOf(r * c);
      // Live across a global fold: other tensors run in between, so this tensor keeps its own buffer.
      if (v.folds.some((f) => tmp.first <= f.after && f.after < tmp.last)) {
        const own = storageBuffer(this.device, bytes, `${t.name} ${tmp.key}`);
        t.own.push(own);
        out.set(tmp.key, own);
        continue;
      }
      const lasts = getOrCreate(lastReads, bytes, (): number[] => []);
      const free = lasts.findIndex((last) => last < tmp.first);
      const slot = free < 0 ? lasts.length : free;
      lasts[slot] = tmp.last;
      const list = getOrCreate(this.pool, bytes, (): GPUBuffer[] => []);
      while (list.length <= slot) list.push(storageBuffer(this.device, bytes, `matrix temp ${bytes}B #${list.length}`));
      out.set(tmp.key, list[slot]!);
    }
    return out;
  }
}
