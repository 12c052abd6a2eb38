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
// encoded after them.
import { matrixFoldKernel, matrixStageKernels, matrixStateKernels, packedMatrixStates, shapeSize, stateBytes, type KernelModule, type StageKernel, type View } from '../codegen-wgsl/index.js';
import { encodeAs, type Packed } from '../formats/index.js';

import { createComputePipeline, readBuffer } from './device.js';
import { OptcRuntimeError, ShapeError, UnsupportedError } from './errors.js';

interface Prepared { kernels: (StageKernel | undefined)[]; pipelines: (GPUComputePipeline | undefined)[]; groups: (GPUBindGroup | undefined)[]; resolve: (key: string) => GPUBufferBinding }
/** A tensor with no elements ([0, 4]): the step leaves it alone (matmul kernels need every dimension > 0). */
const isEmpty = (t: MatrixTensor) => t.shape.some((d) => d === 0);

interface Coded { kernel: StageKernel; pipeline: GPUComputePipeline; group: GPUBindGroup }

export interface MatrixTensor {
  name: string;
  /** The tensor's id (its position among all parameters): keys its random numbers. */
  index: number;
  /** Its parameter group (0: none), whose step values it reads. */
  group: number;
  shape: number[];
  view: View;
  leaves: Map<string, GPUBuffer>;
  /** Leaves the caller owns (a parameter buffer it passed): not destroyed here. */
  foreign: Set<string>;
  prepared: Map<number, Prepared>;
  /** Temporaries this tensor keeps across a global fold (the pool is shared only within a segment). */
  own: GPUBuffer[];
  /** Compressed states: decode before the stages, encode after them (made by `prepare`). */
  codecs?: { decode: Coded[]; encode: Coded[] };
}

const USAGE = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
const bytesOf = (n: number) => Math.max(16, Math.ceil((4 * n) / 16) * 16);

export class MatrixStages {
  private readonly pipelineCache = new Map<string, Promise<GPUComputePipeline>>();
  private readonly pool = new Map<number, GPUBuffer[]>();

  /** Per parameter group: the module's uniform fields (step values, stream keys), written each step. */
  readonly steps: GPUBuffer[];
  /** Every tensor's reduction slots, `scalStride` bytes apart (bound per tensor at its offset). */
  private readonly scal: GPUBuffer;
  private readonly scalStride: number;
  private readonly folds = new Map<string, Coded>();

  /** `work`: the f32 working matrices of compressed states that `tensor` made (these stages own them). */
  constructor(private readonly device: GPUDevice, readonly module: KernelModule, readonly tensors: MatrixTensor[],
    private readonly work: Map<string, GPUBuffer> = new Map()) {
    const groups = Math.max(1, ...tensors.map((t) => t.group + 1));
    this.steps = Array.from({ length: groups }, (_, g) => device.createBuffer({ size: Math.max(16, module.uniforms.size), usage: USAGE(), label: `${module.name} steps group ${g}` }));
    const slots = Math.max(1, ...module.matrix!.schedule.variants.map((v) => v.scalarSlots));
    const align = device.limits.minStorageBufferOffsetAlignment;
    this.scalStride = Math.ceil((4 * slots) / align) * align;
    this.scal = device.createBuffer({ size: Math.max(16, this.scalStride * tensors.length), usage: USAGE(), label: `${module.name} scalars` });
  }

  /** Allocates one matrix tensor's leaves: p (the caller's buffer, or ours filled with `data`), inputs, states. */
  static tensor(device: GPUDevice, module: KernelModule, name: string, index: number, shape: number[], init: Record<string, number>,
    p: { data?: Float32Array; buffer?: GPUBuffer }, work: Map<string, GPUBuffer>, group = 0): MatrixTensor {
    const view = { rows: shape[0]!, cols: shape[1]! };
    const leaves = new Map<string, GPUBuffer>();
    const foreign = new Set<string>();
    const info = module.matrix!;
    const packed = new Map(packedMatrixStates(module).map((x) => [x.leaf, x]));
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
        // Codes and scales of this tensor, holding the fill encoded as the interpreter encodes it; the f32
        // working matrix is shared (`work`, set when the stages are made).
        const st = pk.name;
        const fill = st === 'p'
          ? encodeAs(module.param!, p.data ?? new Float32Array(r * c))
          : encodeAs(module.states.find((x) => x.name === st)!.format, new Float32Array(r * c).fill(init[st] ?? 0), [r, c]);
        const size = stateBytes(pk.codec, r * c);
        const codes = device.createBuffer({ size: Math.max(16, Math.ceil(size.codes / 16) * 16), usage: USAGE(), label: `${name} codes:${st}` });
        device.queue.writeBuffer(codes, 0, fill.words.buffer as ArrayBuffer, fill.words.byteOffset, fill.words.byteLength);
        leaves.set(`codes:${st}`, codes);
        if (pk.codec.block) {
          const scales = device.createBuffer({ size: Math.max(16, Math.ceil(size.scales / 16) * 16), usage: USAGE(), label: `${name} scales:${st}` });
          device.queue.writeBuffer(scales, 0, fill.scales.buffer as ArrayBuffer, fill.scales.byteOffset, fill.scales.byteLength);
          leaves.set(`scales:${st}`, scales);
        }
        // Shared by the tensors unless global folds interleave them (then each keeps its own).
        const wkey = `${leaf.key}:${bytesOf(r * c)}${info.schedule.variants.some((v) => v.folds.length) ? `:${name}` : ''}`;
        if (!work.has(wkey)) work.set(wkey, device.createBuffer({ size: bytesOf(r * c), usage: USAGE(), label: `${leaf.key} f32 work ${r}x${c}` }));
        leaves.set(leaf.key, work.get(wkey)!);
        foreign.add(leaf.key);
        continue;
      }
      const buf = device.createBuffer({ size: bytesOf(r * c), usage: USAGE(), label: `${name} ${leaf.key}` });
      if (leaf.key === 'p' && p.data) device.queue.writeBuffer(buf, 0, p.data.buffer as ArrayBuffer, p.data.byteOffset, p.data.byteLength);
      if (leaf.key.startsWith('st:')) {
        const v = init[leaf.key.slice(3)] ?? 0;
        if (v !== 0) device.queue.writeBuffer(buf, 0, new Float32Array(r * c).fill(v));
      }
      leaves.set(leaf.key, buf);
    }
    return { name, index, group, shape, view, leaves, foreign, prepared: new Map(), own: [] };
  }

  /** The variant step values `vals` select (bit k: condition k holds). */
  variantOf(vals: readonly number[]): number {
    return this.module.matrix!.conds.reduce((b, c, k) => (vals[c] ? b | (1 << k) : b), 0);
  }

  /** Kernels, pipelines, temporaries and bind groups of one variant for every tensor (made on first use). */
  async prepare(variant: number): Promise<void> {
    await Promise.all(this.tensors.map((t) => this.prepareTensor(t, variant)));
    const v = this.module.matrix!.schedule.variants[variant]!;
    for (let f = 0; f < v.folds.length; f++) {
      const key = `${variant}:${f}`;
      if (this.folds.has(key)) continue;
      const kernel = matrixFoldKernel(this.module, variant, f, this.tensors.length, this.scalStride / 4);
      const pipeline = await this.pipeline(kernel);
      const group = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: this.scal } }] });
      this.folds.set(key, { kernel, pipeline, group });
    }
  }

  /** Builds every variant now, so that any step can be recorded without waiting. */
  async prepareAll(): Promise<void> {
    await Promise.all(this.module.matrix!.schedule.variants.map((_, v) => this.prepare(v)));
  }

  isPrepared(variant: number): boolean { return this.tensors.every((t) => t.prepared.has(variant)); }

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
    const preps = this.tensors.map((t, i) => {
      const prep = t.prepared.get(vs[i]!);
      if (!prep) throw new OptcRuntimeError(`optimizer '${this.module.name}': variant ${vs[i]} of its matrix stages is not prepared for '${t.name}'`);
      return prep;
    });
    let from = 0;
    cuts.forEach((to, seg) => {
      const first = seg === 0, last = seg === cuts.length - 1;
      this.tensors.forEach((t, ti) => {
        if (isEmpty(t)) return; // nothing to update; its kernels would have a zero dimension
        const prep = preps[ti]!;
        const stages = variants[vs[ti]!]!.stages;
        const pass = enc.beginComputePass({ label: `${this.module.name} ${t.name}` });
        const run = (c: Coded) => { pass.setPipeline(c.pipeline); pass.setBindGroup(0, c.group); pass.dispatchWorkgroups(...c.kernel.grid); n++; };
        if (first) t.codecs?.decode.forEach(run);
        for (let k = from; k < Math.min(to, stages.length); k++) {
          if (stages[k]!.kind === 'copy') continue;
          pass.setPipeline(prep.pipelines[k]!);
          pass.setBindGroup(0, prep.groups[k]!);
          pass.dispatchWorkgroups(...prep.kernels[k]!.grid);
          n++;
        }
        pass.end();
        if (!last) return;
        for (const s of stages) {
          if (s.kind !== 'copy') continue;
          const [r, c] = shapeSize(s.shape, t.view);
          enc.copyBufferToBuffer(prep.resolve(s.from).buffer, 0, prep.resolve(s.to).buffer, 0, 4 * r * c);
          n++;
        }
        // Only what this variant stores is encoded again (an `every k` block leaves its states' codes as they are).
        const written = new Set(stages.flatMap((x) => (x.kind === 'map' || x.kind === 'matmul' ? [x.out] : x.kind === 'copy' ? [x.to] : [])));
        const encodes = t.codecs?.encode.filter((c) => written.has(c.kernel.bindings[0]!.buffer)) ?? [];
        if (encodes.length) {
          const after = enc.beginComputePass({ label: `${this.module.name} ${t.name} encode` });
          for (const c of encodes) { after.setPipeline(c.pipeline); after.setBindGroup(0, c.group); after.dispatchWorkgroups(...c.kernel.grid); n++; }
          after.end();
        }
      });
      if (!last) {
        const fold = this.folds.get(`${variant}:${seg}`)!;
        const pass = enc.beginComputePass({ label: `${this.module.name} global fold` });
        pass.setPipeline(fold.pipeline);
        pass.setBindGroup(0, fold.group);
        pass.dispatchWorkgroups(...fold.kernel.grid);
        pass.end();
        n++;
      }
      from = to;
    });
    return n;
  }

  /** A leaf of one tensor (`p`, `in:g`, `st:B`) and its element count. */
  leaf(t: MatrixTensor, key: string): { buffer: GPUBuffer; n: number } {
    const leaf = this.module.matrix!.schedule.leaves.find((l) => l.key === key)!;
    const [r, c] = shapeSize(leaf.shape, t.view);
    return { buffer: t.leaves.get(key)!, n: r * c };
  }

  async readLeaf(t: MatrixTensor, key: string): Promise<Float32Array> {
    const { buffer, n } = this.leaf(t, key);
    return new Float32Array(await readBuffer(this.device, buffer, 4 * n));
  }

  /** Whether state `st` of `t` is stored compressed (codes and scales). */
  isPacked(t: MatrixTensor, st: string): boolean { return t.leaves.has(`codes:${st}`); }

  /** A compressed state of one tensor as stored: words and block scales. */
  async readPacked(t: MatrixTensor, st: string): Promise<Packed> {
    const codes = t.leaves.get(`codes:${st}`)!, scales = t.leaves.get(`scales:${st}`);
    const x = packedMatrixStates(this.module).find((y) => y.name === st)!;
    const size = stateBytes(x.codec, this.leaf(t, x.leaf).n);
    return {
      words: new Uint32Array(await readBuffer(this.device, codes, size.codes)),
      scales: scales ? new Float32Array(await readBuffer(this.device, scales, size.scales)) : new Float32Array(0),
    };
  }

  writePacked(t: MatrixTensor, st: string, pk: Packed): void {
    const x = packedMatrixStates(this.module).find((y) => y.name === st)!;
    const size = stateBytes(x.codec, this.leaf(t, x.leaf).n);
    if (pk.words.byteLength !== size.codes || pk.scales.byteLength !== size.scales) {
      throw new ShapeError(t.name, `state '${st}' of '${t.name}': got ${pk.words.length} words and ${pk.scales.length} scales, expected ${size.codes / 4} and ${size.scales / 4}`);
    }
    this.device.queue.writeBuffer(t.leaves.get(`codes:${st}`)!, 0, pk.words.buffer as ArrayBuffer, pk.words.byteOffset, pk.words.byteLength);
    if (pk.scales.length) this.device.queue.writeBuffer(t.leaves.get(`scales:${st}`)!, 0, pk.scales.buffer as ArrayBuffer, pk.scales.byteOffset, pk.scales.byteLength);
  }

  writeLeaf(t: MatrixTensor, key: string, data: Float32Array, label: string): void {
    const { buffer, n } = this.leaf(t, key);
    if (data.length !== n) throw new ShapeError(t.name, `${label}: got ${data.length} elements, expected ${n}`);
    this.device.queue.writeBuffer(buffer, 0, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
  }

  /**
   * Bytes of states (matrix states at their own shapes, compressed ones as codes and scales) and of the
   * temporaries (the pool, and the working matrices of compressed states).
   */
  memory(): { paramBytes: number; stateBytes: number; tempBytes: number } {
    let paramBytes = 0, stateBytes = 0, tempBytes = 0;
    for (const t of this.tensors) {
      for (const leaf of this.module.matrix!.schedule.leaves) {
        const [r, c] = shapeSize(leaf.shape, t.view);
        const st = leaf.key === 'p' ? 'p' : leaf.key.slice(3);
        if (t.leaves.has(`codes:${st}`)) {
          const b = t.leaves.get(`codes:${st}`)!.size + (t.leaves.get(`scales:${st}`)?.size ?? 0);
          if (st === 'p') paramBytes += b; else stateBytes += b;
        } else if (leaf.key === 'p') { if (!t.foreign.has('p')) paramBytes += 4 * r * c; }
        else if (leaf.key.startsWith('st:')) stateBytes += 4 * r * c;
      }
    }
    for (const [bytes, list] of this.pool) tempBytes += bytes * list.length;
    for (const b of this.work.values()) tempBytes += b.size;
    for (const t of this.tensors) for (const b of t.own) tempBytes += b.size;
    return { paramBytes, stateBytes, tempBytes };
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

  private pipeline(k: StageKernel): Promise<GPUComputePipeline> {
    let p = this.pipelineCache.get(k.wgsl);
    if (!p) {
      // Explicit bind group layouts from the kernel's binding list (no `layout: 'auto'`).
      p = createComputePipeline(this.device, k.wgsl, k.entryPoint, k.label, k.bindings.map((b) => ({ binding: b.binding, kind: 'storage', access: b.access })));
      p.catch(() => this.pipelineCache.delete(k.wgsl));
      this.pipelineCache.set(k.wgsl, p);
    }
    return p;
  }

  private async prepareTensor(t: MatrixTensor, variant: number): Promise<Prepared> {
    const hit = t.prepared.get(variant);
    if (hit) return hit;
    if (isEmpty(t)) {
      const empty: Prepared = { kernels: [], pipelines: [], groups: [], resolve: () => { throw new Error(`matrix stages: '${t.name}' has no elements`); } };
      t.prepared.set(variant, empty);
      return empty;
    }
    const kernels = matrixStageKernels(this.module, variant, t.view, t.index);
    const limit = this.device.limits.maxStorageBuffersPerShaderStage;
    for (const k of kernels) if (k && k.bindings.length > limit) throw new UnsupportedError(`kernel '${k.label}' of '${this.module.name}' needs ${k.bindings.length} storage buffers; this device allows ${limit}`);
    const pipelines = await Promise.all(kernels.map((k) => (k ? this.pipeline(k) : undefined)));
    const temps = this.assignTemps(t, variant);
    const at = this.tensors.indexOf(t);
    const resolve = (key: string): GPUBufferBinding => {
      if (key === '#steps') return { buffer: this.steps[t.group]! };
      if (key === '#scal') return { buffer: this.scal, offset: at * this.scalStride, size: this.scalStride };
      const b = t.leaves.get(key) ?? temps.get(key);
      if (!b) throw new Error(`matrix stages: no buffer '${key}' for '${t.name}'`);
      return { buffer: b };
    };
    const maxBinding = this.device.limits.maxStorageBufferBindingSize;
    for (const k of kernels) {
      for (const b of k?.bindings ?? []) {
        const size = resolve(b.buffer).buffer.size;
        if (size > maxBinding) throw new UnsupportedError(`tensor '${t.name}' [${t.shape.join(', ')}]: kernel '${k!.label}' binds ${size} bytes (${b.buffer}); this device binds at most ${maxBinding} (split the tensor, or give it to the fallback rule)`);
      }
    }
    const groups = kernels.map((k, i) => (k ? this.device.createBindGroup({
      layout: pipelines[i]!.getBindGroupLayout(0),
      entries: k.bindings.map((b) => ({ binding: b.binding, resource: resolve(b.buffer) })),
    }) : undefined));
    const prep: Prepared = { kernels, pipelines, groups, resolve };
    t.codecs ??= await this.codecKernels(t, resolve);
    t.prepared.set(variant, prep);
    return prep;
  }

  /** The decode and encode kernels of each compressed state of `t`, with their pipelines and bind groups. */
  private async codecKernels(t: MatrixTensor, resolve: (key: string) => GPUBufferBinding): Promise<{ decode: Coded[]; encode: Coded[] }> {
    const decode: Coded[] = [], encode: Coded[] = [];
    for (const { name, leaf, codec, stochastic } of packedMatrixStates(this.module)) {
      const sr = stochastic ? { field: this.module.matrix!.srField!, tensor: t.index } : undefined;
      const ks = matrixStateKernels(name, codec, this.leaf(t, leaf).n, leaf, sr);
      for (const [kernel, list] of [[ks.decode, decode], [ks.encode, encode]] as const) {
        const pipeline = await this.pipeline(kernel);
        const group = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: kernel.bindings.map((b) => ({ binding: b.binding, resource: resolve(b.buffer) })) });
        list.push({ kernel, pipeline, group });
      }
    }
    return { decode, encode };
  }

  /** Temporaries from the shared pool: a buffer is reused once the last stage reading it has run. */
  private assignTemps(t: MatrixTensor, variant: number): Map<string, GPUBuffer> {
    const v = this.module.matrix!.schedule.variants[variant]!;
    const out = new Map<string, GPUBuffer>();
    const busy = new Map<number, Set<number>>();
    const held: { bytes: number; slot: number; last: number }[] = [];
    v.stages.forEach((_, k) => {
      for (const tmp of v.temps.filter((x) => x.first === k)) {
        const [r, c] = shapeSize(tmp.shape, t.view);
        const bytes = bytesOf(r * c);
        // Live across a global fold: other tensors run in between, so this tensor keeps its own buffer.
        if (v.folds.some((f) => tmp.first <= f.after && f.after < tmp.last)) {
          const own = this.device.createBuffer({ size: bytes, usage: USAGE(), label: `${t.name} ${tmp.key}` });
          t.own.push(own);
          out.set(tmp.key, own);
          continue;
        }
        const used = busy.get(bytes) ?? busy.set(bytes, new Set()).get(bytes)!;
        let slot = 0;
        while (used.has(slot)) slot++;
        used.add(slot);
        const list = this.pool.get(bytes) ?? this.pool.set(bytes, []).get(bytes)!;
        while (list.length <= slot) list.push(this.device.createBuffer({ size: bytes, usage: USAGE(), label: `matrix temp ${bytes}B #${list.length}` }));
        out.set(tmp.key, list[slot]!);
        held.push({ bytes, slot, last: tmp.last });
      }
      for (let i = held.length - 1; i >= 0; i--) if (held[i]!.last <= k) { busy.get(held[i]!.bytes)!.delete(held[i]!.slot); held.splice(i, 1); }
    });
    return out;
  }
}
