// Tensor I/O: parameters and states read and written by tensor name, whatever chunks, pieces, packing or
// compression hold them on the device. The Optimizer extends this (with checkpoints, then steps).
import { codecOf, type KernelModule } from '../codegen-wgsl/index.js';
import { HyperError } from '../diag.js';
import type { Packed } from '../formats/blockwise.js';
import { decodeAs, encodeAs, FORMATS } from '../formats/index.js';
import { numel, type ChunkBuffers } from './chunks.js';
import { readBuffer } from './device.js';
import { ShapeError, UnknownStateError, UnknownTensorError, UnsupportedError } from './errors.js';
import type { Piece } from './layout.js';
import type { PhasedRunner } from './phased.js';
import type { Rank1Runner } from './rank1.js';

/** Where a tensor's pieces live in each chunk: a buffer and the byte offset of the chunk's element 0. */
type Where = (cb: ChunkBuffers) => { buffer: GPUBuffer; offset: number };
const paramAt: Where = (cb) => ({ buffer: cb.param.buffer, offset: cb.param.offset });
const stateAt = (state: string): Where => (cb) => ({ buffer: cb.states.get(state)!.buf, offset: 0 });
const scalesAt = (state: string): Where => (cb) => ({ buffer: cb.states.get(state)!.scales!, offset: 0 });

export abstract class TensorIO {
  /** Steps taken so far; the next step runs with t = stepCount + 1. */
  stepCount = 0;
  protected readonly pieces = new Map<string, { cb: ChunkBuffers; piece: Piece }[]>();
  /** Step states (`state s: step`), per parameter group, in float64. */
  protected stepStates: Record<string, number>[];

  constructor(readonly device: GPUDevice, readonly module: KernelModule, protected readonly shapes: Map<string, number[]>,
    protected readonly chunks: ChunkBuffers[], protected groupHypers: Record<string, number>[],
    protected readonly phased?: PhasedRunner, protected readonly rank1?: Rank1Runner, groupInits?: Record<string, number>[]) {
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
    if (!this.module.param) return this.gather(name, paramAt);
    return decodeAs(this.module.param, { words: await this.readParamPacked(name), scales: new Float32Array(0) }, numel(this.shapes.get(name)!));
  }

  /**
   * An f16/bf16 parameter as stored: u32 words, two elements each (element 2k in the low half), laid out
   * as one tensor. Checkpoints save these bits.
   */
  async readParamPacked(name: string): Promise<Uint32Array> {
    return this.gatherWords(name, this.packedParamBits(), paramAt);
  }

  /** Overwrites an f16/bf16 parameter with stored words (checkpoint restore). */
  writeParamPacked(name: string, words: Uint32Array): void {
    const bits = this.packedParamBits();
    const n = numel(this.shapes.get(name)!);
    if (words.length !== Math.ceil((n * bits) / 32)) throw new ShapeError(name, `parameter '${name}': got ${words.length} words, expected ${Math.ceil((n * bits) / 32)}`);
    this.scatterWords(name, bits, words, paramAt);
  }

  protected packedParamBits(): number {
    this.live();
    if (!this.module.param) throw new UnsupportedError(`optimizer '${this.module.name}' stores its parameters as f32; use readParam/writeParam`);
    return FORMATS[this.module.param.kind].bitsPerElement;
  }

  /** A state tensor's values (decoded, for a compressed state). */
  async readState(state: string, name: string): Promise<Float32Array> {
    this.stateCheck(state);
    if (this.phased?.isSmall(state)) { this.piecesOf(name); return this.phased.readSmall(state, name); }
    if (this.isStepState(state)) return Float32Array.of(this.stepState(state, this.groupOfTensor(name)));
    const format = this.module.states.find((s) => s.name === state)!.format;
    if (!codecOf(format)) return this.gather(name, stateAt(state));
    const pk = await this.readStatePacked(state, name);
    const shape = this.shapes.get(name)!;
    return decodeAs(format, pk, numel(shape), shape);
  }

  /**
   * A compressed state tensor as stored: its code words and per-block scales, laid out as the CPU
   * quantizer lays out one tensor (the kernel and the interpreter agree on these bit for bit).
   */
  async readStatePacked(state: string, name: string): Promise<Packed> {
    this.stateCheck(state);
    const codec = codecOf(this.module.states.find((s) => s.name === state)!.format);
    if (!codec) throw new UnsupportedError(`state '${state}' is stored as f32; read it with readState`);
    const words = await this.gatherWords(name, codec.info.bitsPerElement, stateAt(state));
    // Rank-1 scales are per tensor, not per chunk (rank1.ts); block scales are one f32 per block of a piece.
    const scales = this.rank1?.has(state) ? await this.rank1.readScales(state, name)
      : new Float32Array(codec.block ? (await this.gatherWords(name, 32 / codec.block, scalesAt(state))).buffer : new ArrayBuffer(0));
    return { words, scales };
  }

  /** Overwrites a compressed state tensor with codes and scales (checkpoint restore). */
  writeStatePacked(state: string, name: string, pk: Packed): void {
    this.stateCheck(state);
    const codec = codecOf(this.module.states.find((s) => s.name === state)!.format);
    if (!codec) throw new UnsupportedError(`state '${state}' is stored as f32; write it with writeState`);
    const n = numel(this.shapes.get(name)!);
    const bits = codec.info.bitsPerElement;
    const nScales = this.rank1?.has(state) ? this.rank1.scaleCount(state, name) : codec.block ? Math.ceil(n / codec.block) : 0;
    if (pk.words.length !== Math.ceil((n * bits) / 32) || pk.scales.length !== nScales) {
      throw new ShapeError(name, `state '${state}' of '${name}': got ${pk.words.length} words and ${pk.scales.length} scales, expected ${Math.ceil((n * bits) / 32)} and ${nScales}`);
    }
    this.scatterWords(name, bits, pk.words, stateAt(state));
    if (codec.block) this.scatterWords(name, 32 / codec.block, new Uint32Array(pk.scales.buffer, pk.scales.byteOffset, pk.scales.length), scalesAt(state));
    if (this.rank1?.has(state)) this.rank1.writeScales(state, name, pk.scales);
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

  protected groupOfTensor(name: string): number { return this.piecesOf(name)[0]?.cb.chunk.group ?? 0; }

  /** The states parameter `name` holds (every one here; a matrix program's other tensors hold its fallback's). */
  statesOf(_name: string): KernelModule['states'] { return this.module.states; }

  /** Every state tensor, read back (decoded): state name -> parameter name -> values. */
  async state(): Promise<Record<string, Record<string, Float32Array>>> {
    return (await this.read()).state;
  }

  /** Every parameter and state tensor, read back. */
  async read(): Promise<{ params: Record<string, Float32Array>; state: Record<string, Record<string, Float32Array>> }> {
    const params: Record<string, Float32Array> = {};
    const state: Record<string, Record<string, Float32Array>> = {};
    for (const name of this.tensors) params[name] = await this.readParam(name);
    for (const s of this.module.states) {
      state[s.name] = {};
      for (const name of this.tensors) state[s.name]![name] = await this.readState(s.name, name);
    }
    return { params, state };
  }

  /** Overwrites a state tensor (checkpoint restore, tests). */
  writeState(state: string, name: string, data: Float32Array): void {
    this.stateCheck(state);
    if (this.phased?.isSmall(state)) { this.piecesOf(name); this.phased.writeSmall(state, name, data); return; }
    if (this.isStepState(state)) throw new UnsupportedError(`state '${state}' is a step state, one float64 per parameter group: set it with setStepState`);
    const format = this.module.states.find((s) => s.name === state)!.format;
    if (codecOf(format)) {
      const n = numel(this.shapes.get(name)!);
      if (data.length !== n) throw new ShapeError(name, `state '${state}' of '${name}': got ${data.length} elements, expected ${n}`);
      this.writeStatePacked(state, name, encodeAs(format, data, this.shapes.get(name)!));
      return;
    }
    this.scatter(name, data, `state '${state}' of '${name}'`, stateAt(state));
  }

  /** Overwrites a parameter tensor (an f16/bf16 one is stored rounded to nearest even). */
  writeParam(name: string, data: Float32Array): void {
    if (this.module.param) {
      this.piecesOf(name);
      const n = numel(this.shapes.get(name)!);
      if (data.length !== n) throw new ShapeError(name, `parameter '${name}': got ${data.length} elements, expected ${n}`);
      this.writeParamPacked(name, encodeAs(this.module.param, data).words);
      return;
    }
    this.scatter(name, data, `parameter '${name}'`, paramAt);
  }

  /**
   * Where a parameter's f32 values live on the device: one region per piece (a tensor larger than one
   * binding spans chunks). Framework adapters copy these on the GPU (param-copy.ts); nothing is read back.
   */
  paramRegions(name: string): { buffer: GPUBuffer; byteOffset: number; tensorByteOffset: number; bytes: number }[] {
    if (this.module.param) throw new UnsupportedError(`optimizer '${this.module.name}' stores its parameters as ${this.module.param.kind}, not f32`);
    return this.piecesOf(name).filter(({ piece }) => piece.length > 0).map(({ cb, piece }) => ({
      buffer: cb.param.buffer, byteOffset: cb.param.offset + piece.chunkOffset * 4, tensorByteOffset: piece.tensorOffset * 4, bytes: piece.length * 4,
    }));
  }

  protected stateCheck(state: string) {
    this.live();
    if (!this.module.states.some((s) => s.name === state)) {
      throw new UnknownStateError(state, `optimizer '${this.module.name}' has no state '${state}'; it declares: ${this.module.states.map((s) => s.name).join(', ') || '(none)'}`);
    }
  }

  protected piecesOf(name: string) {
    this.live();
    const ps = this.pieces.get(name);
    if (!ps) throw new UnknownTensorError(name, `unknown parameter '${name}'; parameters: ${this.tensors.join(', ')}`);
    return ps;
  }

  protected async gather(name: string, where: Where): Promise<Float32Array> {
    return new Float32Array((await this.gatherWords(name, 32, where)).buffer);
  }

  /**
   * A packed tensor (`bits` per element, u32 words; 32 / block for one f32 scale per block) as one tensor's words. Pieces start at 64-element
   * groups, so each starts on a word of the chunk's buffer and of the tensor.
   */
  protected async gatherWords(name: string, bits: number, where: Where): Promise<Uint32Array> {
    const words = new Uint32Array(Math.ceil((numel(this.shapes.get(name)!) * bits) / 32));
    for (const { cb, piece } of this.piecesOf(name)) {
      if (piece.length === 0) continue;
      const { buffer, offset } = where(cb);
      const wn = Math.ceil((piece.length * bits) / 32);
      words.set(new Uint32Array(await readBuffer(this.device, buffer, wn * 4, offset + (piece.chunkOffset * bits) / 8)), (piece.tensorOffset * bits) / 32);
    }
    return words;
  }

  /** Writes one tensor's packed words into its pieces (the inverse of gatherWords). */
  protected scatterWords(name: string, bits: number, words: Uint32Array, where: Where): void {
    for (const { cb, piece } of this.piecesOf(name)) {
      if (piece.length === 0) continue;
      const { buffer, offset } = where(cb);
      const w0 = (piece.tensorOffset * bits) / 32, wn = Math.ceil((piece.length * bits) / 32);
      this.device.queue.writeBuffer(buffer, offset + (piece.chunkOffset * bits) / 8, words.buffer as ArrayBuffer, words.byteOffset + w0 * 4, wn * 4);
    }
  }

  protected scatter(name: string, data: Float32Array, label: string, where: Where): void {
    this.piecesOf(name); // an unknown name fails here, by name
    const n = numel(this.shapes.get(name)!);
    if (data.length !== n) throw new ShapeError(name, `${label}: got ${data.length} elements, expected ${n}`);
    this.scatterWords(name, 32, new Uint32Array(data.buffer, data.byteOffset, data.length), where);
  }
}
