// WGSL for the matrix stages of a schedule (src/passes/placeMatrixStages.ts), for one tensor: its [rows, cols] view fixes
// every size (WGSL constants, one pipeline per shape, as the matmul kernel does) and whether `orient`
// transposes. Three kernel kinds:
//   map      one invocation per entry of the root's shape, computing the root's inlined expression;
//   matmul   src/codegen-wgsl/matmul.ts with transposed operands read in place and the root's expression
//            as the epilogue, `acc` standing for the product's entry;
//   reduce   one workgroup folds the argument's expression over every entry into a per-tensor slot.
// Expressions are emitted at coordinates: an entry (r, c) of the root; a transpose (or an orient on a tall
// tensor) swaps the coordinates its argument is read at, down to the buffers, the identity and the counter
// RNG (whose numbering is row-major in the value's own shape, as in the interpreter).
//
// Kernels are assembled by the one kernel builder (kernel.ts); a binding's spec names its buffer key, its WGSL
// variable its role: every buffer a kernel reads is an `array<f32>` (read-only; the output's key is read
// through the output binding, never bound twice), `steps` holds the module's uniform fields (the step values,
// then the u32 stream keys, written by the runtime through the uniform layout), `scal` the tensor's reduction slots.
import { shapeSize, type View } from '../ir/matrix.js';
import { RNG_WGSL } from '../ir/rng.js';
import type { Inst, MatShape, MatrixStage, MatrixVariant, ValueId } from '../ir/types.js';
import { KernelText, type Assembly } from './kernel.js';
import { spillGrid, type BindingSpec, type KernelModule, type KernelSpec, type MatrixInfo } from './manifest.js';
import { matmulKernel } from './matmul.js';
import { foldTree } from './phased-kernel.js';
import { unknownStage } from '../ir/schedule.js';
import { hidesOperand } from './values.js';
import { f32Literal, FOLD, GRID_X, invocationIndex, opaque, powHelpers, SCALAR, wgslOp } from './wgsl.js';

/** A matrix kernel: its spec (bindings of kind 'matrix', each named by its buffer key) and its grid. */
export interface StageKernel extends KernelSpec { grid: [number, number, number] }

export interface TensorTarget {
  view: View;
  /** The tensor's id: keys its random numbers, as the interpreter's `index`. */
  tensor: number;
}

const WG = 256;

/** Workgroups of `wg` covering `n` invocations, spilling into y past GRID_X (the index is invocationIndex(wg)). */
export const flatGrid = (n: number, wg: number): [number, number, number] => [...spillGrid(Math.max(1, Math.ceil(n / wg)), GRID_X), 1];

/** A kernel from the one kernel builder, its bindings by buffer key (each binding's name). */
export function stageKernel(t: KernelText, name: string, grid: [number, number, number], a: Assembly): StageKernel {
  return { ...t.assemble('matrix', name, a), grid };
}

/**
 * Binds buffer `key` in `t` as `array<type>` named `variable`. Names say a buffer's role, never its key, so
 * kernels that differ only in the buffers they are bound to are one WGSL text (one pipeline).
 */
export const bindBuffer = (t: KernelText, key: string, variable: string, write = false, type = 'f32') =>
  t.bind('matrix', key, variable, type, write);

const shapeOf = (i: Pick<Inst, 'space' | 'shape'>): MatShape => (i.space === 'mat' ? i.shape! : ['rows', 'cols']);

/** hidesOperand's `same` in variant `v`: a kernel reads a value's alias, and a transpose as its argument at swapped coordinates. */
export const readOf = (insts: readonly Inst[], v: MatrixVariant) => function same(x: ValueId): ValueId {
  const y = v.alias[x] ?? x;
  return insts[y]!.op === 'transpose' || insts[y]!.op === 'orient' ? same(insts[y]!.args[0]!) : y;
};

/**
 * The kernels of one variant of a matrix module for one tensor (undefined for copy stages, which the
 * runtime does with buffer copies). `tensor` is the tensor's id, which keys its random numbers.
 */
export function matrixStageKernels(module: KernelModule, variant: number, view: View, tensor: number): (StageKernel | undefined)[] {
  const plan = module.matrix!;
  const v = plan.schedule.variants[variant]!;
  return v.stages.map((stage) => {
    switch (stage.kind) {
      case 'map': return mapKernel(plan, v, stage, { view, tensor });
      case 'reduce': return reduceKernel(plan, v, stage, { view, tensor });
      case 'matmul': return matmulStageKernel(plan, v, stage, { view, tensor });
      case 'copy': return undefined;
      default: return unknownStage(stage);
    }
  });
}

/**
 * Emits the expression of `root` at entry (r, c) as WGSL `let`s, binding in `t` the buffers it reads;
 * `outKey` is read through `readOut` instead.
 */
class ExprEmitter {
  readonly lines: string[] = [];
  /** The buffers read, by key: `in0`, `in1`, … in the order first read. */
  private readonly reads = new Map<string, string>();
  private readonly memo = new Map<string, string>();
  private readonly tall: boolean;

  constructor(
    private readonly plan: MatrixInfo, private readonly v: MatrixVariant, private readonly target: TensorTarget, private readonly t: KernelText,
    private readonly root: ValueId, private readonly opts: { acc?: ValueId; outKey?: string; readOut?: (idx: string) => string } = {},
  ) { this.tall = target.view.rows > target.view.cols; }

  private A(id: ValueId): ValueId { return this.v.alias[id] ?? id; }

  /** The value of `id` at the root's entry (r, c), or at (c, r) when `t`. */
  value(id0: ValueId, t = false): string {
    const id = this.A(id0);
    const inst = this.plan.insts[id]!;
    const key = inst.space === 'mat' || inst.space === 'elem' ? `${id}:${t}` : `${id}`;
    let out = this.memo.get(key);
    if (!out) this.memo.set(key, (out = this.compute(id, inst, t)));
    return out;
  }

  private compute(id: ValueId, inst: Inst, t: boolean): string {
    const [i, j] = t ? ['c', 'r'] : ['r', 'c'];
    const { view } = this.target;
    if (inst.space === 'step') {
      // Finite constants are spelled inline unless the layout has a field for them (host.ts: the ones a
      // kernel adds, subtracts or multiplies, which a driver could reassociate around a literal).
      if (inst.op === 'const' && Number.isFinite(inst.value) && this.plan.stepField[id] === undefined) return inst.dtype === 'bool' ? `${inst.value !== 0}` : f32Literal(inst.value!);
      const s = `${bindBuffer(this.t, '#steps', 'steps')}[${this.plan.stepField[id]}]`;
      return inst.dtype === 'bool' ? `(${s} != 0.0)` : s;
    }
    if (id === this.opts.acc) return 'acc';
    const buffer = id === this.root ? undefined : this.v.buffers[id];
    if (buffer !== undefined) {
      const [, cols] = shapeSize(shapeOf(inst), view);
      const idx = `${i} * ${cols}u + ${j}`;
      if (buffer === this.opts.outKey) return this.opts.readOut!(idx);
      let name = this.reads.get(buffer);
      if (!name) this.reads.set(buffer, (name = bindBuffer(this.t, buffer, `in${this.reads.size}`)));
      return this.let(`${name}[${idx}]`);
    }
    const slot = this.v.slots[id];
    if (slot !== undefined) return `${bindBuffer(this.t, '#scal', 'scal')}[${slot}]`;
    switch (inst.op) {
      case 'const': return f32Literal(inst.value!);
      case 'dim': return f32Literal(inst.name === 'numel' ? view.rows * view.cols : inst.name === 'rows' ? view.rows : view.cols);
      case 'eye': return `select(0.0, 1.0, ${i} == ${j})`;
      case 'rand': {
        this.t.usesRng = true;
        const [, cols] = shapeSize(shapeOf(inst), view);
        const stream = `bitcast<u32>(${bindBuffer(this.t, '#steps', 'steps')}[${this.plan.streamField[inst.args[0]!]}])`;
        return this.let(`optc_rand_${inst.name}(${stream}, ${this.target.tensor}u, ${i} * ${cols}u + ${j})`);
      }
      case 'transpose': return this.value(inst.args[0]!, !t);
      case 'orient': return this.value(inst.args[0]!, this.tall ? !t : t);
      case 'matmul': case 'reduce': case 'param': case 'input': case 'state': case 'hyper': case 'step': case 'scalar':
        throw new Error(`matrix kernel: %${id} (${inst.op}) should be a buffer, a slot or a step value here`);
      default: {
        const f = wgslOp[inst.op];
        if (!f) throw new Error(`matrix kernel: no WGSL for '${inst.op}'`);
        if (inst.op === 'pow') this.t.pow.add(false);
        const args = inst.args.map((a) => this.value(a, t));
        if (hidesOperand(this.plan, id, readOf(this.plan.insts, this.v))) args[0] = opaque(args[0]!, `bitcast<u32>(${bindBuffer(this.t, '#steps', 'steps')}[${this.plan.zeroField!}])`);
        return this.let(f(args, SCALAR));
      }
    }
  }

  private let(e: string): string {
    const name = `v${this.lines.length}`;
    this.lines.push(`  let ${name} = ${e};`);
    return name;
  }
}

function mapKernel(plan: MatrixInfo, v: MatrixVariant, stage: Extract<MatrixStage, { kind: 'map' }>, target: TensorTarget): StageKernel {
  const [R, C] = shapeSize(stage.shape, target.view);
  const t = new KernelText();
  const out = bindBuffer(t, stage.out, 'out', true);
  const e = new ExprEmitter(plan, v, target, t, stage.root, { outKey: stage.out, readOut: (idx) => `${out}[${idx}]` });
  const value = e.value(stage.root);
  return stageKernel(t, `map %${stage.root} ${R}x${C}`, flatGrid(R * C, WG), {
    title: `${plan.insts[stage.root]!.label ?? `%${stage.root}`}: ${R} × ${C} entries, one per invocation.`, wg: WG, body: [
      `  let i = ${invocationIndex(WG)};`,
      `  if (i >= ${R * C}u) { return; }`,
      `  let r = i / ${C}u;`, `  let c = i % ${C}u;`,
      ...e.lines,
      `  ${out}[i] = ${value};`,
    ],
  });
}

function reduceKernel(plan: MatrixInfo, v: MatrixVariant, stage: Extract<MatrixStage, { kind: 'reduce' }>, target: TensorTarget): StageKernel {
  const inst = plan.insts[stage.root]!;
  const arg = v.alias[inst.args[0]!] ?? inst.args[0]!;
  const argInst = plan.insts[arg]!;
  const [R, C] = argInst.space === 'mat' || argInst.space === 'elem' ? shapeSize(shapeOf(argInst), target.view) : [1, 1];
  const t = new KernelText();
  const scal = bindBuffer(t, '#scal', 'scal', true);
  const e = new ExprEmitter(plan, v, target, t, stage.root);
  const value = e.value(arg);
  // One workgroup: each invocation folds a strided share in f32, then a tree in workgroup memory. The
  // interpreter sums in float64 and rounds once; the difference is within the f32 summation bound.
  const share = [`  for (var i = lid; i < ${R * C}u; i += ${WG}u) {`, `    let r = i / ${C}u;`, `    let c = i % ${C}u;`];
  share.push(...e.lines.map((l) => `  ${l}`), `    a = ${FOLD[inst.name!]!('a', value)};`, '  }');
  return stageKernel(t, `reduce %${stage.root} ${R}x${C}`, [1, 1, 1], {
    title: `${inst.label ?? `%${stage.root}`}: reduce.${inst.name} over ${R} × ${C} entries into slot ${stage.slot}.`, wg: WG,
    trees: 1,
    body: foldTree(WG, inst.name!, share, `${scal}[${stage.slot}]`, '0u'),
  });
}

function matmulStageKernel(plan: MatrixInfo, v: MatrixVariant, stage: Extract<MatrixStage, { kind: 'matmul' }>, target: TensorTarget): StageKernel {
  const { view } = target;
  const tall = view.rows > view.cols;
  const mm = plan.insts[stage.mm]!;
  const [m, n] = shapeSize(shapeOf(mm), view);
  const aInst = plan.insts[mm.args[0]!]!;
  const [, k] = shapeSize(shapeOf(aInst), view);
  const transA = stage.a.transpose !== (stage.a.orient && tall);
  const transB = stage.b.transpose !== (stage.b.orient && tall);
  let epilogue: { decls: string[]; fn: string } | undefined;
  let extra: BindingSpec[] = [];
  if (stage.root !== stage.mm) {
    // The epilogue's buffers are bound after the product's A, B and C.
    const t = new KernelText();
    const e = new ExprEmitter(plan, v, target, t, stage.root, { acc: stage.mm, outKey: stage.out, readOut: (idx) => `ldC(${idx})` });
    const value = e.value(stage.root);
    const { lines, specs } = t.declare(3);
    extra = specs;
    const helpers = (t.pow.size ? powHelpers(false) : '') + (t.usesRng ? RNG_WGSL : '');
    epilogue = { decls: [...lines, helpers], fn: ['fn epilogue(acc: f32, r: u32, c: u32) -> f32 {', ...e.lines, `  return ${value};`, '}'].join('\n') };
  }
  const kernel = matmulKernel({ m, k, n, transA, transB, ...(epilogue ? { epilogue } : {}) });
  // The product's A, B and C bound to the stage's buffers, then the epilogue's.
  const [a, b, c] = kernel.bindings.map((x, i) => ({ ...x, name: [stage.a.buffer, stage.b.buffer, stage.out][i]! }));
  return {
    ...kernel, bindings: [a!, b!, c!, ...extra],
    name: `matmul %${stage.root} ${m}x${k}x${n}${transA ? ' Aᵀ' : ''}${transB ? ' Bᵀ' : ''}`,
  };
}
