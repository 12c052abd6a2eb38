// The one kernel builder of the WGSL back end, fused and phased kernels alike: it owns the bindings (numbered
// in the order the body first uses them, each with its WGSL type; pipelines are built from the list, so a
// kernel binds only what it reads or writes), what the body calls (pow, the RNG, codecs, rank-1 states),
// and assembly into a KernelSpec: uniform struct, bindings, workgroup variables, helpers, entry point.
// Value emission over it is values.ts; the storage lowerings it binds through are state-io.ts.
import { invariant } from '../diag.js';
import { printIR } from '../ir/printer.js';
import { RNG_WGSL } from '../ir/rng.js';
import type { Program, ValueId } from '../ir/types.js';
import type { BindingKind, BindingSpec, KernelSpec, UniformLayout } from './manifest.js';
import { rank1Helpers, vars as rank1Vars, type Rank1Pass } from './rank1.js';
import { formatLibrary, type StateCodec, type Storage } from './state-io.js';
import { boolUniform, f32Literal, identPart, INF_HELPERS, invocationIndex, mainSignature, powHelpers, VEC4, type VecTypes } from './wgsl.js';

export interface Binding extends BindingSpec { variable: string; type: string }

/** What every kernel of one module is emitted with. */
export interface ModuleCtx extends Storage {
  p: Program;
  /** WGSL field of each step value kernels read from the uniform buffer (finite constants are inlined). */
  fieldOf: Map<ValueId, string>;
  /** The non-finite guard: a first kernel raises the skip flag; every other kernel skips the step when it is set. */
  guard: boolean;
}

/** What assembly puts around a body. */
export interface Assembly {
  /** The first line: `// <program>: <title>`. */
  title: string;
  wg: number;
  uniforms?: UniformLayout;
  /** Workgroup arrays `red0` .. `red<trees-1>` of the body's reduction trees (wgsl.ts `tree`), `wg` wide. */
  trees?: number;
  /** Declarations after the trees' arrays: workgroup variables (or the library of a kernel without helpers). */
  decls?: string[];
  body: string[];
  /** Where the format library keeps its code tables: `const` arrays, or workgroup copies (`fillTables`). */
  tables?: 'workgroup' | 'const';
  itemsPerInvocation?: number;
}

export class KernelText {
  readonly bindings = new Map<string, Binding>();
  /** Widths of the pow helpers the body calls (`optc_pow`: false, `optc_pow4`: true). */
  readonly pow = new Set<boolean>();
  usesRng = false;
  /** Formats whose decode/encode functions the kernel calls. */
  readonly codecs = new Set<StateCodec>();
  /** Rank-1 states the kernel binds, with their codec and the pass their bindings and helpers are for (rank1.ts). */
  readonly rank1 = new Map<string, { codec: StateCodec; pass: Rank1Pass }>();

  bind(kind: BindingKind, name: string, variable: string, type: string, write = false): string {
    const b = this.bindings.get(variable);
    if (b) { if (write) b.access = 'read_write'; return variable; }
    this.bindings.set(variable, { binding: 0, kind, name, access: write ? 'read_write' : 'read', variable, type });
    return variable;
  }

  /** The buffer of an elem state or of the parameter (`p`): f32 values, or a codec's u32 code words. */
  tensor(target: string, type: string, write = false): string {
    return target === 'p' ? this.bind('param', 'p', 'param', type, write) : this.bind('state', target, `st_${identPart(target)}`, type, write);
  }

  /** The block scales of a compressed state ('' for a format without them). */
  scales(target: string, codec: StateCodec | undefined, write = false): string {
    return codec?.block ? this.bind('scales', target, `sc_${identPart(target)}`, 'f32', write) : '';
  }

  /** A rank-1 state's scales (atomic in the maxima sweep) and table, for the pass the kernel first bound them for. */
  bindRank1(state: string, codec: StateCodec, pass: Rank1Pass): void {
    if (!this.rank1.has(state)) this.rank1.set(state, { codec, pass });
    const max = this.rank1.get(state)!.pass === 'max', v = rank1Vars(state);
    this.bind('r1scales', state, v.scales, max ? 'atomic<u32>' : 'u32', max);
    this.bind('r1table', state, v.table, 'u32');
  }

  /** The bindings numbered from `first` in the order first bound: their WGSL declarations and their specs. */
  declare(first: number): { lines: string[]; specs: BindingSpec[] } {
    const bindings = [...this.bindings.values()];
    bindings.forEach((b, n) => { b.binding = n + first; });
    return {
      lines: bindings.map((b) => `@group(0) @binding(${b.binding}) var<storage, ${b.access}> ${b.variable}: array<${b.type}>;`),
      specs: bindings.map(({ variable: _v, type: _t, ...b }) => b),
    };
  }

  /**
   * The kernel: bindings numbered after the uniform buffer (binding 0 when there is one), then what the body
   * calls, in one order for every kernel: pow, the format library, the RNG, ±inf, rank-1 states (as bound).
   */
  assemble(program: string, name: string, a: Assembly): KernelSpec {
    const { lines, specs } = this.declare(a.uniforms ? 1 : 0);
    const wgsl = [
      `// ${program}: ${a.title}`,
      ...(a.uniforms ? [`struct Uniforms {\n${a.uniforms.fields.map((f) => `  ${f.name}: ${f.type},`).join('\n')}\n}`, '@group(0) @binding(0) var<uniform> u: Uniforms;'] : []),
      ...lines,
      ...Array.from({ length: a.trees ?? 0 }, (_, k) => `var<workgroup> red${k}: array<f32, ${a.wg}>;`),
      ...(a.decls ?? []),
      '',
      ...[false, true].filter((vec) => this.pow.has(vec)).map(powHelpers),
      ...(this.codecs.size ? [formatLibrary([...this.codecs], a.tables ?? 'const')] : []),
      ...(this.usesRng ? [RNG_WGSL] : []),
      ...(a.body.some((l) => /optc_(neg|pos)_inf/.test(l)) ? [INF_HELPERS] : []),
      ...[...this.rank1].map(([s, r]) => rank1Helpers(r.codec, s, r.pass)),
      `@compute @workgroup_size(${a.wg})`,
      mainSignature(a.body),
      ...a.body,
      '}',
      '',
    ].join('\n');
    return {
      name, wgsl, entryPoint: 'main', workgroupSize: a.wg, ...(a.itemsPerInvocation ? { itemsPerInvocation: a.itemsPerInvocation } : {}),
      bindings: a.uniforms ? [{ binding: 0, kind: 'uniform', name: 'u', access: 'read' }, ...specs] : specs,
    };
  }
}

/**
 * Step values as a kernel reads them: `field(id)` spells where (a uniform field, a table entry); finite
 * constants without one are spelled inline.
 */
export function stepRef(p: Program, field: (id: ValueId) => string | undefined): (id: ValueId) => string {
  return (id) => {
    const inst = p.insts[id]!;
    const e = field(id);
    if (e === undefined) {
      invariant(inst.op === 'const', () => `step value %${id} is read by a kernel but is not a uniform\n${printIR(p)}`);
      return f32Literal(inst.value!);
    }
    return inst.dtype === 'bool' ? boolUniform(e) : e;
  };
}

/** Step values read from the uniform buffer's fields. */
export const uniformRef = (p: Program, fieldOf: Map<ValueId, string>) => stepRef(p, (id) => (fieldOf.has(id) ? `u.${fieldOf.get(id)}` : undefined));

/**
 * The non-finite guard's check kernel, first in every guarded module: raises the skip flag if any element
 * with data of any input is NaN or ±inf (exponent bits all ones). Lanes past `u.len` (vec4 padding, a
 * caller's slack) are not looked at.
 */
export function guardKernel(p: Program, v: VecTypes, a: Pick<Assembly, 'title' | 'wg' | 'uniforms'>): KernelSpec {
  const t = new KernelText();
  const U = v === VEC4 ? 'vec4<u32>' : 'u32';
  const ins = p.inputs.map((inp) => t.bind('input', inp.name, `in_${identPart(inp.name)}`, v.f));
  t.bind('flag', 'skip', 'skip', 'atomic<u32>', true);
  const body = [
    `  let i = ${invocationIndex(a.wg)};`,
    '  if (i >= u.n) { return; }',
    v === VEC4 ? '  let valid = vec4<u32>(i * 4u) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(u.len);' : '  let valid = i < u.len;',
    '  var bad = false;',
    ...ins.map((x) => `  bad = bad | any(((bitcast<${U}>(${x}[i]) & ${U}(0x7f800000u)) == ${U}(0x7f800000u)) & valid);`),
    '  if (bad) { atomicStore(&skip[0], 1u); }',
  ];
  return t.assemble(p.name, 'guard', { ...a, body });
}
