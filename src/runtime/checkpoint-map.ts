// Checkpoint mapping: which tensors a checkpoint holds for this optimizer (`param/<p>`, `state/<s>/<p>`,
// codes and scales of compressed state, step states as float64 bits) and how they go to and from the
// device. Serialization itself (safetensors, checksums, atomic writes) is src/checkpoint's.
import { codecOf } from '../codegen-wgsl/index.js';
import { loadCheckpoint, saveCheckpoint, type CheckpointTensor, type WriteOps } from '../checkpoint/index.js';
import { overrideHypers } from '../diag.js';
import { scaleCountAs } from '../formats/index.js';
import { numel } from './chunks.js';
import { ShapeError } from './errors.js';
import { TensorIO } from './tensor-io.js';

/** Version of how this runtime lays out state in checkpoints (bump when the packing changes). */
export const STATE_LAYOUT_VERSION = 1;

/** A state tensor of a checkpoint: its data only when read for a save (a load checks dtype and shape). */
interface StateTensor { dtype: 'F32' | 'U32'; shape: number[]; data?: Float32Array | Uint32Array }

export abstract class CheckpointIO extends TensorIO {
  /**
   * Saves optimizer state, step count, hyperparameters (group 0) and, by default, the parameters, as a
   * safetensors file written atomically. Tensors: `state/<state>/<param>`, `param/<param>`.
   */
  async save(file: string, options: { params?: boolean; ops?: WriteOps } = {}): Promise<void> {
    await this.sync();
    const tensors = await this.stateTensors(/* read */ true) as Record<string, CheckpointTensor>;
    if (options.params !== false) for (const name of this.tensors) tensors[`param/${name}`] = await this.paramTensor(name, this.shapes.get(name)!);
    await saveCheckpoint(file, {
      optimizer: this.module.name, programHash: this.module.programHash, formatVersion: STATE_LAYOUT_VERSION,
      step: this.stepCount, hypers: this.checkpointHypers(), tensors,
    }, options.ops ? { ops: options.ops } : {});
  }

  /**
   * Restores what `save` wrote. The file is fully validated first (optimizer, program hash, layout version,
   * every tensor's dtype and shape, checksums); a file that fails leaves this optimizer untouched.
   */
  async load(file: string): Promise<void> {
    this.live();
    const ck = await loadCheckpoint(file, {
      optimizer: this.module.name, programHash: this.module.programHash, formatVersion: STATE_LAYOUT_VERSION,
      hypers: Object.keys(this.checkpointHypers()), tensors: await this.stateTensors(/* read */ false), allowExtraTensors: true,
    });
    const params = this.tensors.filter((n) => ck.tensors[`param/${n}`]);
    for (const n of params) {
      const t = ck.tensors[`param/${n}`]!;
      const shape = this.shapes.get(n)!;
      const pdtype = PARAM_DTYPE[this.ioOf(n).module.param?.kind ?? 'f32'] ?? 'F32';
      // F32 for a 16-bit parameter: a file that saved it decoded (matrix programs did); it encodes back exactly.
      if ((t.dtype !== pdtype && t.dtype !== 'F32') || t.shape.join() !== shape.join()) {
        throw new ShapeError(n, `checkpoint parameter '${n}' is ${t.dtype}${JSON.stringify(t.shape)}, expected ${pdtype}${JSON.stringify(shape)}`);
      }
    }
    const commitHypers = this.restoreHypers(ck.hypers);
    // Validated: from here on nothing can fail, so the state is replaced whole.
    for (const n of params) {
      const data = ck.tensors[`param/${n}`]!.data;
      if (data instanceof Uint16Array) this.writeParamPacked(n, packHalfBits(data));
      else this.writeParam(n, data as Float32Array);
    }
    for (const { name, s, key } of this.tensorStates()) {
      if (!codecOf(s.format)) this.writeState(s.name, name, ck.tensors[key]!.data as Float32Array);
      else this.writeStatePacked(s.name, name, { words: ck.tensors[`${key}/codes`]!.data as Uint32Array, scales: (ck.tensors[`${key}/scales`]?.data as Float32Array | undefined) ?? new Float32Array(0) });
    }
    for (const [g, states] of this.stepStates.entries()) {
      for (const s of Object.keys(states)) states[s] = new Float64Array(new Uint32Array(ck.tensors[`stepstate/${s}/${g}`]!.data as Uint32Array).buffer)[0]!;
    }
    commitHypers();
    this.stepCount = ck.step;
  }

  /** The hyperparameters a checkpoint holds: group 0's. */
  protected checkpointHypers(): Record<string, number> { return { ...this.groupHypers[0]! }; }

  /** Checks a checkpoint's hyperparameters; returns what puts them in place once nothing else can fail. */
  protected restoreHypers(h: Record<string, number>): () => void {
    const hypers = overrideHypers(this.module, this.groupHypers[0]!, h);
    return () => { this.groupHypers[0] = hypers; };
  }

  /**
   * Every state tensor a checkpoint holds, with its dtype and shape (and with `read`, its data): per tensor
   * `state/<s>/<p>`, F32 at the state's shape, or for compressed state its codes and scales as stored, so a
   * restore is bit-exact (decode then encode is not always); per parameter group each step state's float64
   * bits as two u32 words (`stepstate/<s>/<g>`).
   */
  private async stateTensors(read: boolean): Promise<Record<string, StateTensor>> {
    const out: Record<string, StateTensor> = {};
    for (const { name, s, key } of this.tensorStates()) {
      const codec = codecOf(s.format);
      if (!codec) {
        out[key] = { dtype: 'F32', shape: this.stateShape(s.name, name), ...(read ? { data: await this.readState(s.name, name) } : {}) };
        continue;
      }
      const shape = this.shapes.get(name)!;
      const pk = read ? await this.readStatePacked(s.name, name) : undefined;
      out[`${key}/codes`] = { dtype: 'U32', shape: [Math.ceil((numel(shape) * codec.info.bitsPerElement) / 32)], ...(pk ? { data: pk.words } : {}) };
      const scales = scaleCountAs(s.format, shape);
      if (scales) out[`${key}/scales`] = { dtype: 'F32', shape: [scales], ...(pk ? { data: pk.scales } : {}) };
    }
    for (const [g, states] of this.stepStates.entries()) {
      for (const [s, v] of Object.entries(states)) out[`stepstate/${s}/${g}`] = { dtype: 'U32', shape: [2], ...(read ? { data: new Uint32Array(new Float64Array([v]).buffer) } : {}) };
    }
    return out;
  }

  /** Each tensor's states but the step states (kept per group), with their checkpoint key `state/<s>/<p>`. */
  private *tensorStates() {
    for (const name of this.tensors) {
      for (const s of this.statesOf(name)) if (s.space !== 'step') yield { name, s, key: `state/${s.name}/${name}` };
    }
  }

  /** `param/<name>`: F32, or the stored 16-bit patterns as safetensors F16/BF16 (bit-exact, half the bytes). */
  protected async paramTensor(name: string, shape: number[]): Promise<CheckpointTensor> {
    const format = this.ioOf(name).module.param;
    if (!format) return { dtype: 'F32', shape, data: await this.readParam(name) };
    const words = await this.readParamPacked(name);
    return { dtype: PARAM_DTYPE[format.kind]!, shape, data: new Uint16Array(words.buffer, words.byteOffset, numel(shape)) };
  }
}

/** safetensors dtype of a stored parameter format. */
const PARAM_DTYPE: Partial<Record<string, 'F16' | 'BF16'>> = { f16: 'F16', bf16: 'BF16' };

/** 16-bit patterns (one per element) -> u32 words, element 2k in the low half (little-endian, as paramTensor reads them). */
function packHalfBits(h: Uint16Array): Uint32Array {
  const halves = new Uint16Array(Math.ceil(h.length / 2) * 2);
  halves.set(h);
  return new Uint32Array(halves.buffer);
}
