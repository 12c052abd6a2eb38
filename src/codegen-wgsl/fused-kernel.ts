// Fused (elementwise) kernels, the shared part: the context every kernel of one module is emitted in, and
// assembly (uniform struct, bindings numbered in order, helpers, the indexed entry point), with the
// non-finite guard's check kernel.
import type { Program, ValueId } from '../ir/types.js';
import type { BindingSpec, KernelSpec, UniformLayout } from './manifest.js';
import type { StateCodec } from './state-io.js';
import { identPart, invocationIndex, mainSignature, VEC4, type VecTypes } from './wgsl.js';

export interface EmitCtx {
  p: Program;
  fieldOf: Map<ValueId, string>;
  temps: Set<ValueId>;
  defKernel: Map<ValueId, number>;
  storeValue: Map<string, ValueId>;
  uniforms: UniformLayout;
  workgroupSize: number;
  guard: boolean;
  /** Compressed states by name. */
  codecs: Map<string, StateCodec>;
  /**
   * Cooperative kernels (any compressed state): invocations past the end stay alive until the last
   * barrier, so they compute on clamped indices and only `live` invocations write.
   */
  coop: boolean;
  /**
   * Serial-block kernels (blockAbsmax 'serial' and a block-scaled state): elements per invocation, a
   * multiple of every block size; 0 otherwise.
   */
  tile: number;
  /** Store targets that round stochastically, with their srDraw. */
  sr: Map<string, number>;
}

export type Bound = BindingSpec & { variable: string; type?: string };

/** Assembles a kernel: uniform struct, bindings (numbered from 1 in order), helpers, the indexed body. */
export function kernelSpec(ctx: EmitCtx, name: string, v: VecTypes, bindings: Bound[], helpers: string[], body: string[]): KernelSpec {
  bindings.forEach((b, n) => { b.binding = n + 1; });
  const elemType = (b: Bound) => b.type ?? (b.kind === 'flag' ? (b.access === 'read' ? 'u32' : 'atomic<u32>') : v.f);
  const decls = [
    `struct Uniforms {\n${ctx.uniforms.fields.map((f) => `  ${f.name}: ${f.type},`).join('\n')}\n}`,
    `@group(0) @binding(0) var<uniform> u: Uniforms;`,
    ...bindings.map((b) => `@group(0) @binding(${b.binding}) var<storage, ${b.access}> ${b.variable}: array<${elemType(b)}>;`),
  ];
  const wg = ctx.workgroupSize;
  const main = [
    // Large tensors need more than 65,535 workgroups in x; the runtime spills into y.
    `  let i = ${invocationIndex(wg)};`,
    ...(ctx.coop || ctx.tile ? [] : [`  if (i >= u.n) { return; }`]),
    ...body,
  ];
  const wgsl = [
    `// ${ctx.p.name}: kernel ${name} (${v === VEC4 ? 'vec4' : 'scalar'})`,
    ...decls,
    '',
    ...helpers,
    `@compute @workgroup_size(${wg})`,
    mainSignature(main),
    ...main,
    `}`,
    '',
  ].join('\n');
  return {
    name,
    wgsl,
    entryPoint: 'main',
    workgroupSize: wg,
    ...(ctx.tile ? { itemsPerInvocation: ctx.tile / 4 } : {}),
    bindings: [{ binding: 0, kind: 'uniform', name: 'u', access: 'read' }, ...bindings.map(({ variable: _v, ...b }) => b)],
  };
}

/**
 * The guard's first kernel: raises the skip flag if any valid element of any input is NaN or ±inf
 * (exponent bits all ones). Lanes past `u.len` (vec4 padding, a caller's slack) are not looked at.
 */
export function emitGuardKernel(ctx: EmitCtx, v: VecTypes): KernelSpec {
  const vec = v === VEC4;
  const bindings: Bound[] = ctx.p.inputs.map((inp) =>
    ({ binding: 0, kind: 'input' as const, name: inp.name, access: 'read' as const, variable: `in_${identPart(inp.name)}` }));
  bindings.push({ binding: 0, kind: 'flag', name: 'skip', access: 'read_write', variable: 'skip' });
  const U = vec ? 'vec4<u32>' : 'u32';
  const body = [
    vec ? '  let valid = vec4<u32>(i * 4u) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(u.len);' : '  let valid = i < u.len;',
    '  var bad = false;',
    ...bindings.filter((b) => b.kind === 'input').map((b) =>
      `  bad = bad | any(((bitcast<${U}>(${b.variable}[i]) & ${U}(0x7f800000u)) == ${U}(0x7f800000u)) & valid);`),
    '  if (bad) { atomicStore(&skip[0], 1u); }',
  ];
  return kernelSpec({ ...ctx, tile: 0 }, 'guard', v, bindings, [], body);
}
