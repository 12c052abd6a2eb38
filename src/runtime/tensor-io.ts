// Tensor I/O: parameters and states read and written by tensor name, whatever chunks, pieces, packing or
// compression hold them on the device; the parameter is one more stored tensor (key 'p', f32 or 16-bit
// codes). The Optimizer extends this (with checkpoints, then steps).
import { codecOf, type KernelModule } from '../codegen-wgsl/index.js';
import { HyperError } from '../diag.js';
import type { Packed } from '../formats/blockwise.js';
import { decodeAs, encodeAs } from '../formats/index.js';
import type { StateFormat } from '../ir/types.js';
import { numel, type ChunkBuffers } from './chunks.js';
import { readBuffer } from './device.js';
import { ShapeError, UnknownStateError, UnknownTensorError, UnsupportedError } from './errors.js';
import type { Piece } from './layout.js';
import type { Rank1Runner } from './rank1.js';

/** The parameter's key among stored tensors (a state cannot be named `p`: it is the parameter's name). */
const PARAM = 'p';

/**
 * States a runner keeps outside the chunks, at shapes of their own: the phased runner's small states (one
 * value per tensor, row or column), a matrix's own-shape states (`matrix(rows, rows)` …, matrix-stages.ts).
 */
export interface SideStates {
  holds(state: string, tensor: string): boolean;
  readState(state: string, tensor: string): Promise<Float32Array>;
  writeState(state: string, tensor: string, data: Float32Array): void;
  stateShape(state: string, tensor: string): number[];
}

export abstract class TensorIO {
  /** Steps taken so far; the next step runs with t = stepCount + 1. */
  stepCount = 0;
  protected readonly pieces = new Map<string, { cb: ChunkBuffers; piece: Piece }[]>();
  /** Step states (`state s: step`), per parameter group, in float64. */
  protected stepStates: Record<string, number>[];

  constructor(readonly device: GPUDevice, readonly module: KernelModule, protected readonly shapes: Map<string, number[]>,
    protected readonly chunks: ChunkBuffers[], protected groupHypers: Record<string, number>[],
    private readonly side?: SideStates, protected readonly rank1?: Rank1Runner, groupInits?: Record<string, number>[]) {
    const stepNames = module.states.filter((s) => s.space === 'step').map((s) => s.name);
    this.stepStates = groupHypers.map((_, g) => Object.fromEntries(stepNames.map((n) => [n, groupInits?.[g]?.[n] ?? 0])));
    for (const name of shapes.keys()) this.pieces.set(name, []);
    for (const cb of chunks) for (const piece of cb.chunk.pieces) this.pieces.get(piece.tensor)!.push({ cb, piece });
  }

  get tensors(): string[] { return [...this.shapes.keys()]; }

  /** Throws when the optimizer can no longer be used (disposed, device lost). */
  protected abstract live(): void;

  /** Resolves when every submitted step has finished on the device. */
  async sync(): Promise<void> { await this.device.queue.onSubmittedWorkDone(); }

  /** A parameter's values as f32 (decoded from f16/bf16 when the optimizer stores it so). */
  async readParam(name: string): Promise<Float32Array> {
    return this.ioOf(name).readStored(PARAM, name);
  }

  /**
   * An f16/bf16 parameter as stored: u32 words, two elements each (element 2k in the low half), laid out
   * as one tensor. Checkpoints save these bits.
   */
  async readParamPacked(name: string): Promise<Uint32Array> {
    return (await this.packedParam(name).readPacked(PARAM, name)).words;
  }

  /** Overwrites an f16/bf16 parameter with stored words (checkpoint restore). */
  writeParamPacked(name: string, words: Uint32Array): void {
    this.packedParam(name).writePacked(PARAM, name, { words, scales: new Float32Array(0) }, `parameter '${name}'`);
  }

  /** A state tensor's values (decoded, for a compressed state). */
  async readState(state: string, name: string): Promise<Float32Array> {
    const io = this.stateCheck(state, name);
    if (io.side?.holds(state, name)) return io.side.readState(state, name);
    if (io.isStepState(state)) return Float32Array.of(io.stepState(state, io.piecesOf(name)[0]?.cb.chunk.group ?? 0));
    return io.readStored(state, name);
  }

  /**
   * A compressed state tensor as stored: its code words and per-block scales, laid out as the CPU
   * quantizer lays out one tensor (the kernel and the interpreter agree on these bit for bit).
   */
  async readStatePacked(state: string, name: string): Promise<Packed> {
    const io = this.stateCheck(state, name);
    if (!codecOf(io.formatOf(state))) throw new UnsupportedError(`state '${state}' is stored as f32; read it with readState`);
    return io.readPacked(state, name);
  }

  /** Overwrites a compressed state tensor with codes and scales (checkpoint restore). */
  writeStatePacked(state: string, name: string, pk: Packed): void {
    const io = this.stateCheck(state, name);
    if (!codecOf(io.formatOf(state))) throw new UnsupportedError(`state '${state}' is stored as f32; write it with writeState`);
    io.writePacked(state, name, pk, `state '${state}' of '${name}'`);
  }

  /**
   * A step state's value (`state s: step`, kept on the host in float64) for a parameter group (0: the
   * tensors in no group).
   */
  stepState(state: string, group = 0): number {
    this.stateCheck(state);
    if (!this.isStepState(state)) throw new UnknownStateError(state, `state '${state}' is not a step state`);
    const v = this.stepStates[group]?.[state];
    if (v === undefined) throw new HyperError(state, `no parameter group ${group} (there are ${this.groupHypers.length - 1})`);
    return v;
  }

  /** Overwrites a step state for a parameter group (checkpoint restore, tests). */
  setStepState(state: string, value: number, group = 0): void {
    this.stepState(state, group);
    this.stepStates[group]![state] = value;
  }

  protected isStepState(state: string): boolean { return this.module.states.some((s) => s.name === state && s.space === 'step'); }

  /** The states parameter `name` holds (every one here; a matrix program's other tensors hold its fallback's). */
  statesOf(name: string): KernelModule['states'] { return this.ioOf(name).module.states; }

  /** The shape of a state of one tensor: the parameter's, or a side state's own ([len], [rows, rows] …). */
  stateShape(state: string, name: string): number[] {
    const io = this.stateCheck(state, name);
    return io.side?.holds(state, name) ? io.side.stateShape(state, name) : io.shapes.get(name)!;
  }

  /** The tensor I/O that holds tensor `name`: this one (a matrix program's fallback holds its other tensors). */
  protected ioOf(_name: string): TensorIO { return this; }

  /** Every state tensor, read back (decoded): state name -> parameter name -> values. */
  async state(): Promise<Record<string, Record<string, Float32Array>>> {
    return (await this.read()).state;
  }

  /** Every parameter and state tensor, read back. */
  async read(): Promise<{ params: Record<string, Float32Array>; state: Record<string, Record<string, Float32Array>> }> {
    const params: Record<string, Float32Array> = {};
    const state: Record<string, Record<string, Float32Array>> = {};
    for (const s of this.module.states) state[s.name] = {};
    for (const name of this.tensors) {
      params[name] = await this.readParam(name);
      for (const s of this.statesOf(name)) (state[s.name] ??= {})[name] = await this.readState(s.name, name);
    }
    return { params, state };
  }

  /** Overwrites a state tensor (checkpoint restore, tests). */
  writeState(state: string, name: string, data: Float32Array): void {
    const io = this.stateCheck(state, name);
    if (io.side?.holds(state, name)) { io.side.writeState(state, name, data); return; }
    if (io.isStepState(state)) throw new UnsupportedError(`state '${state}' is a step state, one float64 per parameter group: set it with setStepState`);
    io.writeStored(state, name, data, `state '${state}' of '${name}'`);
  }

  /** Overwrites a parameter tensor (an f16/bf16 one is stored rounded to nearest even). */
  writeParam(name: string, data: Float32Array): void {
    this.ioOf(name).writeStored(PARAM, name, data, `parameter '${name}'`);
  }

  /**
   * Where a parameter's f32 values live on the device: one region per piece (a tensor larger than one
   * binding spans chunks). Framework adapters copy these on the GPU (param-copy.ts); nothing is read back.
   */
  paramRegions(name: string): { buffer: GPUBuffer; byteOffset: number; tensorByteOffset: number; bytes: number }[] {
    const io = this.ioOf(name);
    if (io.module.param) throw new UnsupportedError(`optimizer '${io.module.name}' stores its parameters as ${io.module.param.kind}, not f32`);
    return io.piecesOf(name).filter(({ piece }) => piece.length > 0).map(({ cb, piece }) => ({
      buffer: cb.param.buffer, byteOffset: cb.param.offset + piece.chunkOffset * 4, tensorByteOffset: piece.tensorOffset * 4, bytes: piece.length * 4,
    }));
  }

  /** Checks that the tensor I/O holding tensor `name` (no name: this one) declares `state`; returns that I/O. */
  protected stateCheck(state: string, name?: string): TensorIO {
    const io = name === undefined ? this : this.ioOf(name);
    io.live();
    if (!io.module.states.some((s) => s.name === state)) {
      throw new UnknownStateError(state, `optimizer '${io.module.name}' has no state '${state}'; it declares: ${io.module.states.map((s) => s.name).join(', ') || '(none)'}`);
    }
    // An unknown tensor is refused here, for every state kind and every reader (side states and stateShape too).
    if (name !== undefined) io.piecesOf(name);
    return io;
  }

  protected piecesOf(name: string) {
    this.live();
    const ps = this.pieces.get(name);
    if (!ps) throw new UnknownTensorError(name, `unknown parameter '${name}'; parameters: ${this.tensors.join(', ')}`);
    return ps;
  }

  /** The tensor I/O holding parameter `name`, which must be stored as f16/bf16. */
  private packedParam(name: string): TensorIO {
    const io = this.ioOf(name);
    io.live();
    if (!io.module.param) throw new UnsupportedError(`optimizer '${io.module.name}' stores its parameters as f32; use readParam/writeParam`);
    return io;
  }

  /** How stored tensor `key` (the parameter, or a per-element state) is kept: f32 when the format has no codec. */
  private formatOf(key: string): StateFormat {
    return key === PARAM ? this.module.param ?? { kind: 'f32' } : this.module.states.find((s) => s.name === key)!.format;
  }

  private async readStored(key: string, name: string): Promise<Float32Array> {
    const format = this.formatOf(key);
    if (!codecOf(format)) return new Float32Array((await this.gatherWords(name, 32, key)).buffer);
    const shape = this.shapes.get(name)!;
    return decodeAs(format, await this.readPacked(key, name), numel(shape), shape);
  }

  private writeStored(key: string, name: string, data: Float32Array, label: string): void {
    this.piecesOf(name); // an unknown name fails here, by name
    const shape = this.shapes.get(name)!;
    if (data.length !== numel(shape)) throw new ShapeError(name, `${label}: got ${data.length} elements, expected ${numel(shape)}`);
    const format = this.formatOf(key);
    if (codecOf(format)) this.writePacked(key, name, encodeAs(format, data, shape), label);
    else this.scatterWords(name, 32, new Uint32Array(data.buffer, data.byteOffset, data.length), key);
  }

  private async readPacked(key: string, name: string): Promise<Packed> {
    const codec = codecOf(this.formatOf(key))!;
    const words = await this.gatherWords(name, codec.info.bitsPerElement, key);
    // Rank-1 scales are per tensor, not per chunk (rank1.ts); block scales are one f32 per block of a piece.
    const scales = this.rank1?.has(key) ? await this.rank1.readScales(key, name)
      : new Float32Array(codec.block ? (await this.gatherWords(name, 32 / codec.block, key, /* scales */ true)).buffer : new ArrayBuffer(0));
    return { words, scales };
  }

  private writePacked(key: string, name: string, pk: Packed, label: string): void {
    this.piecesOf(name);
    const codec = codecOf(this.formatOf(key))!;
    const n = numel(this.shapes.get(name)!);
    const bits = codec.info.bitsPerElement;
    const nScales = this.rank1?.has(key) ? this.rank1.scaleCount(key, name) : codec.block ? Math.ceil(n / codec.block) : 0;
    if (pk.words.length !== Math.ceil((n * bits) / 32) || pk.scales.length !== nScales) {
      throw new ShapeError(name, `${label}: got ${pk.words.length} words and ${pk.scales.length} scales, expected ${Math.ceil((n * bits) / 32)} and ${nScales}`);
    }
    this.scatterWords(name, bits, pk.words, key);
    if (codec.block) this.scatterWords(name, 32 / codec.block, new Uint32Array(pk.scales.buffer, pk.scales.byteOffset, pk.scales.length), key, /* scales */ true);
    if (this.rank1?.has(key)) this.rank1.writeScales(key, name, pk.scales);
  }

  /**
   * A packed tensor (`bits` per element, u32 words; 32 / block for one f32 scale per block) as one tensor's
   * words. Pieces start at 64-element groups, so each starts on a word of the chunk's buffer and of the tensor.
   */
  private async gatherWords(name: string, bits: number, key: string, scales = false): Promise<Uint32Array> {
    const words = new Uint32Array(Math.ceil((numel(this.shapes.get(name)!) * bits) / 32));
    for (const { cb, piece } of this.piecesOf(name)) {
      if (piece.length === 0) continue;
      const { buffer, offset } = where(cb, key, scales);
      const wn = Math.ceil((piece.length * bits) / 32);
      words.set(new Uint32Array(await readBuffer(this.device, buffer, wn * 4, offset + (piece.chunkOffset * bits) / 8)), (piece.tensorOffset * bits) / 32);
    }
    return words;
  }

  /** Writes one tensor's packed words into its pieces (the inverse of gatherWords). */
  private scatterWords(name: string, bits: number, words: Uint32Array, key: string, scales = false): void {
    for (const { cb, piece } of this.piecesOf(name)) {
      if (piece.length === 0) continue;
      const { buffer, offset } = where(cb, key, scales);
      const w0 = (piece.tensorOffset * bits) / 32, wn = Math.ceil((piece.length * bits) / 32);
      this.device.queue.writeBuffer(buffer, offset + (piece.chunkOffset * bits) / 8, words.buffer as ArrayBuffer, words.byteOffset + w0 * 4, wn * 4);
    }
  }
}

/** Where stored tensor `key`'s values or code words (with `scales`: block scales) are in a chunk, from its element 0. */
function where(cb: ChunkBuffers, key: string, scales: boolean): { buffer: GPUBuffer; offset: number } {
  if (key === PARAM) return { buffer: cb.param.buffer, offset: cb.param.offset };
  return { buffer: scales ? cb.states.get(key)!.scales! : cb.states.get(key)!.buf, offset: 0 };
}
