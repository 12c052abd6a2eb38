// A column evaluator for candidate programs over many independent "lanes" at once: every element of every
// learning-rate grid point of every task (fitness.ts), or the 16 elements of the fingerprint probe. One op
// runs over the whole column before the next (as numpy would), with f32 rounding wherever the IR
// interpreter rounds (src/ir/numerics.ts): a test checks it against `interpretStep` bit for bit. Per-tensor
// reductions fold each segment (one tensor of one lane) in float64 and round once, as the interpreter does.
//
// The only deliberate difference: `lr` may be a column (one value per lane), so a whole grid of step sizes
// runs as one sweep. Expressions of lr alone are then computed in f32 per element rather than in float64 on
// the host.
import { applyStepOp, signF32 } from '../ir/numerics.js';
import type { Inst, Program } from '../ir/types.js';
import { LR } from './space.js';

type Val = number | Float32Array;

export interface LaneStep {
  t: number;
  param: Float32Array;
  g: Float32Array;
  states: Record<string, Float32Array>;
  /** One learning rate for every lane, or one per element. */
  lr: number | Float32Array;
}

export class LaneProgram {
  private readonly cols: (Float32Array | undefined)[];
  private readonly scratch: Float32Array[];
  /** Element count of each segment's tensor, broadcast (the `numel` leaf). */
  private readonly numel: Float32Array;
  private readonly vals: Val[];
  private readonly out: Map<string, Float32Array>[] = [new Map(), new Map()];
  private flip = 0;

  /**
   * `segments`: boundaries [0, e1, e2, ..., L] of the tensors reductions fold (one segment = one tensor).
   */
  constructor(readonly p: Program, readonly length: number, readonly segments: readonly number[] = [0, length]) {
    this.cols = p.insts.map((i) => (i.space === 'step' || isLeafColumn(i) ? undefined : new Float32Array(length)));
    this.scratch = [new Float32Array(length), new Float32Array(length), new Float32Array(length)];
    this.numel = new Float32Array(length);
    this.vals = new Array(p.insts.length);
    for (let s = 0; s + 1 < segments.length; s++) this.numel.fill(segments[s + 1]! - segments[s]!, segments[s], segments[s + 1]);
  }

  /** Initial states (their init values, which are step values). */
  initStates(lr: number): Record<string, Float32Array> {
    const vals = this.stepValues(1, lr);
    return Object.fromEntries(this.p.states.map((s) => [s.name, new Float32Array(this.length).fill(vals[s.init] as number)]));
  }

  private stepValues(t: number, lr: number): number[] {
    const out: number[] = new Array(this.p.insts.length);
    this.p.insts.forEach((inst, id) => {
      if (inst.space !== 'step') return;
      out[id] = inst.op === 'const' ? inst.value! : inst.op === 'hyper' ? lr : inst.op === 'step' ? t
        : applyStepOp(inst.op, out[inst.args[0]!]!, out[inst.args[1]!] ?? 0, out[inst.args[2]!] ?? 0);
    });
    return out;
  }

  /**
   * One step over every lane. Returns p and the stored states (others are passed through) in arrays this
   * object owns: they stay valid through the next step, which reads them, and are overwritten by the one after.
   */
  step(io: LaneStep): { param: Float32Array; states: Record<string, Float32Array> } {
    const { p, length: L, vals } = this;
    for (let id = 0; id < p.insts.length; id++) {
      const inst = p.insts[id]!;
      switch (inst.op) {
        case 'const': vals[id] = inst.value!; continue;
        case 'step': vals[id] = io.t; continue;
        case 'hyper': vals[id] = io.lr; continue;
        case 'param': vals[id] = io.param; continue;
        case 'input': vals[id] = io.g; continue;
        case 'state': vals[id] = io.states[inst.name!]!; continue;
        case 'dim': vals[id] = this.numel; continue;
        default: break;
      }
      const a = vals[inst.args[0]!]!, b = vals[inst.args[1]!], c = vals[inst.args[2]!];
      if (typeof a === 'number' && (b === undefined || typeof b === 'number') && (c === undefined || typeof c === 'number')) {
        vals[id] = applyStepOp(inst.op, a, b ?? 0, c ?? 0);
        continue;
      }
      const out = (this.cols[id] ??= new Float32Array(L));
      if (inst.op === 'reduce') this.reduce(inst, a as Float32Array, out);
      else run(inst.op, out, this.col(a, 0), b === undefined ? undefined : this.col(b, 1), c === undefined ? undefined : this.col(c, 2), L);
      vals[id] = out;
    }
    // Results go into one of two buffer sets, alternating: this step's inputs (the previous step's results)
    // are never the arrays it writes, and the fingerprint probe allocates nothing per step.
    const bufs = this.out[this.flip]!;
    this.flip ^= 1;
    const states = { ...io.states };
    let param = io.param;
    for (const s of p.stores) {
      const v = vals[s.value]!;
      let x = bufs.get(s.target);
      if (!x) bufs.set(s.target, (x = new Float32Array(L)));
      if (typeof v === 'number') x.fill(v); else x.set(v);
      if (s.target === 'p') param = x; else states[s.target] = x;
    }
    return { param, states };
  }

  /** A column for an operand: itself, or a step value broadcast as the f32 uniform a kernel reads. */
  private col(v: Val, k: number): Float32Array {
    if (typeof v !== 'number') return v;
    return this.scratch[k]!.fill(Math.fround(v));
  }

  private reduce(inst: Inst, x: Float32Array, out: Float32Array): void {
    const seg = this.segments;
    const fn = inst.name;
    for (let s = 0; s + 1 < seg.length; s++) {
      const lo = seg[s]!, hi = seg[s + 1]!;
      let acc = fn === 'sum' ? 0 : fn === 'max' ? -Infinity : Infinity;
      if (fn === 'sum') for (let i = lo; i < hi; i++) acc += x[i]!;
      else if (fn === 'max') for (let i = lo; i < hi; i++) acc = Math.max(acc, x[i]!);
      else for (let i = lo; i < hi; i++) acc = Math.min(acc, x[i]!);
      out.fill(Math.fround(acc), lo, hi);
    }
  }
}

const isLeafColumn = (i: Inst) => i.op === 'param' || i.op === 'input' || i.op === 'state' || i.op === 'dim' || (i.op === 'hyper' && i.name === LR);

/** One elementwise op over a column; Float32Array stores round each result to f32 as `applyOp` does. */
function run(op: Inst['op'], o: Float32Array, a: Float32Array, b: Float32Array | undefined, c: Float32Array | undefined, n: number): void {
  switch (op) {
    case 'neg': for (let i = 0; i < n; i++) o[i] = -a[i]!; return;
    case 'sqrt': for (let i = 0; i < n; i++) o[i] = Math.sqrt(a[i]!); return;
    case 'rsqrt': for (let i = 0; i < n; i++) o[i] = 1 / Math.fround(Math.sqrt(a[i]!)); return;
    case 'abs': for (let i = 0; i < n; i++) o[i] = Math.abs(a[i]!); return;
    case 'sign': for (let i = 0; i < n; i++) o[i] = signF32(a[i]!); return;
    case 'exp': for (let i = 0; i < n; i++) o[i] = Math.exp(a[i]!); return;
    case 'log': for (let i = 0; i < n; i++) o[i] = Math.log(a[i]!); return;
    case 'floor': for (let i = 0; i < n; i++) o[i] = Math.floor(a[i]!); return;
    case 'cos': for (let i = 0; i < n; i++) o[i] = Math.cos(a[i]!); return;
    case 'sin': for (let i = 0; i < n; i++) o[i] = Math.sin(a[i]!); return;
    case 'not': for (let i = 0; i < n; i++) o[i] = a[i] ? 0 : 1; return;
    default: break;
  }
  const y = b!;
  switch (op) {
    case 'add': for (let i = 0; i < n; i++) o[i] = a[i]! + y[i]!; return;
    case 'sub': for (let i = 0; i < n; i++) o[i] = a[i]! - y[i]!; return;
    case 'mul': for (let i = 0; i < n; i++) o[i] = a[i]! * y[i]!; return;
    case 'div': for (let i = 0; i < n; i++) o[i] = a[i]! / y[i]!; return;
    case 'pow': for (let i = 0; i < n; i++) o[i] = Math.pow(a[i]!, y[i]!); return;
    case 'min': for (let i = 0; i < n; i++) o[i] = Math.min(a[i]!, y[i]!); return;
    case 'max': for (let i = 0; i < n; i++) o[i] = Math.max(a[i]!, y[i]!); return;
    case 'lt': for (let i = 0; i < n; i++) o[i] = a[i]! < y[i]! ? 1 : 0; return;
    case 'le': for (let i = 0; i < n; i++) o[i] = a[i]! <= y[i]! ? 1 : 0; return;
    case 'gt': for (let i = 0; i < n; i++) o[i] = a[i]! > y[i]! ? 1 : 0; return;
    case 'ge': for (let i = 0; i < n; i++) o[i] = a[i]! >= y[i]! ? 1 : 0; return;
    case 'eq': for (let i = 0; i < n; i++) o[i] = a[i]! === y[i]! ? 1 : 0; return;
    case 'ne': for (let i = 0; i < n; i++) o[i] = a[i]! !== y[i]! ? 1 : 0; return;
    case 'and': for (let i = 0; i < n; i++) o[i] = a[i] && y[i] ? 1 : 0; return;
    case 'or': for (let i = 0; i < n; i++) o[i] = a[i] || y[i] ? 1 : 0; return;
    case 'select': { const z = c!; for (let i = 0; i < n; i++) o[i] = a[i] ? y[i]! : z[i]!; return; }
    default: throw new Error(`LaneProgram: '${op}' is outside the search space`);
  }
}
