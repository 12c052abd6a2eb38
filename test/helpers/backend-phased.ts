// Phased programs with compressed state or an f16/bf16 parameter, several tensors at once: the interpreter
// with each tensor's packed codes carried from step to step and reductions folded in the device's order
// (src/ir/reduce-order.ts), and a bit-for-bit comparison of everything the device holds (parameter,
// codes, scales, f32 element states, tensor/row/column states).
import type { KernelModule } from '../../src/codegen-wgsl/index.js';
import { initStates, interpretTensors, stateLength, storedParam, type Program, type ReduceOrder, type TensorIO, type TensorResult } from '../../src/ir/index.js';
import type { Optimizer } from '../../src/runtime/index.js';
import { expectSameBits } from './packed.js';

/** The order in which `module`'s kernels fold reductions, at vector width `width`. */
export function deviceOrder(module: KernelModule, width: 1 | 4): ReduceOrder {
  const ph = module.phased!;
  return { workgroupSize: ph.workgroupSize, width, elemsPerInvocation: ph.elemsPerInvocation, rowBlock: ph.rowBlock, colBlock: ph.colBlock };
}

/** The width the runtime runs a module's chunks at (vec4 where the module has it, unless turned off). */
export const widthOf = (module: KernelModule, vectorize = true): 1 | 4 => (module.variants[4] && (vectorize || !module.variants[1]) ? 4 : 1);

/** Several tensors stepped by the interpreter as the device steps them. */
export class TensorsRun {
  tensors: TensorIO[];
  last: TensorResult[] = [];
  constructor(readonly program: Program, shapes: number[][], p0: Float32Array[], readonly order: ReduceOrder | undefined,
    readonly hypersOf: (k: number) => Record<string, number> = () => ({})) {
    this.tensors = shapes.map((shape, k) => {
      const fill = initStates(program, 1, hypersOf(k));
      const states: Record<string, Float32Array> = {};
      for (const s of program.states) if (s.space !== 'step') states[s.name] = new Float32Array(stateLength(s, shape)).fill(fill[s.name]![0]!);
      // An f16/bf16 parameter starts as the runtime stores an f32 upload: rounded to nearest even.
      return { shape, param: Float32Array.from(storedParam(program, p0[k]!)), inputs: {}, states, hypers: hypersOf(k), index: k };
    });
  }

  /** One step (t: 1-based), or with `entry` one call of that named entry point (t: the step about to run). */
  step(t: number, grads: Float32Array[], entry?: string): TensorResult[] {
    this.tensors.forEach((x, k) => { x.inputs = { g: grads[k]! }; });
    this.last = interpretTensors(this.program, { t, tensors: this.tensors, ...(this.order ? { order: this.order } : {}), ...(entry ? { entry } : {}) });
    this.tensors = this.tensors.map((x, k) => ({ ...x, param: this.last[k]!.param, states: this.last[k]!.states, ...(this.last[k]!.packed ? { packed: this.last[k]!.packed } : {}) }));
    return this.last;
  }
}

/** Parameter, codes and scales of compressed states, every other state: equal bit patterns. */
export async function expectDeviceEquals(label: string, program: Program, opt: Optimizer, names: string[], want: TensorResult[]): Promise<void> {
  for (const [k, name] of names.entries()) {
    expectSameBits(`${label} ${name} p`, await opt.readParam(name), want[k]!.param);
    for (const s of program.states) {
      if (s.space === 'step') continue;
      if (s.format.kind !== 'f32') {
        const pk = await opt.readStatePacked(s.name, name);
        expectSameBits(`${label} ${name} ${s.name} codes`, pk.words, want[k]!.packed![s.name]!.words);
        expectSameBits(`${label} ${name} ${s.name} scales`, pk.scales, want[k]!.packed![s.name]!.scales);
      } else expectSameBits(`${label} ${name} ${s.name}`, await opt.readState(s.name, name), want[k]!.states[s.name]!);
    }
  }
}
