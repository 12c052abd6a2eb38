// Compressed per-element states of a matrix program (`state momentum_buffer: q8 = 0;` in Muon). Matrix stage
// kernels read and write every state as an f32 matrix; a compressed one keeps its codes and block scales
// per tensor, and each step brackets its stages with two kernels: `decode` (codes -> an f32 working matrix,
// before the first stage) and `encode` (the working matrix -> codes and scales, after the last). The
// interpreter does the same — decode where the step reads, encode with the same quantizer where it writes —
// so the codes agree bit for bit wherever the stored value is computed elementwise.
//
// Both are the storage table's lowerings (state-io.ts): decode reads codes as every kernel does; encode is
// its serial store, one invocation per block (per 8 elements for unscaled formats) walking it twice, as the
// CPU quantizer does: its absmax, then each word of codes; lanes past the tensor's end are written as code 0.
import { srDraw } from '../ir/rng.js';
import { KernelText } from './kernel.js';
import type { KernelModule } from './manifest.js';
import { bindBuffer, flatGrid, stageKernel, type StageKernel } from './matrix-kernels.js';
import { codecOf, decodeScalar, serialStore, serialWalks, type StateCodec } from './state-io.js';
import { invocationIndex } from './wgsl.js';

const WG = 64;

/**
 * The per-element tensors of a matrix module stored compressed, with their codecs: states (leaf
 * `st:NAME`) and an f16/bf16 parameter (name and leaf `p`).
 */
export function packedMatrixStates(module: KernelModule): { name: string; leaf: string; codec: StateCodec; stochastic: boolean }[] {
  if (!module.matrix) return [];
  const states = module.states.flatMap((s) => {
    const codec = (s.space ?? 'elem') === 'elem' ? codecOf(s.format) : undefined;
    return codec ? [{ name: s.name, leaf: `st:${s.name}`, codec, stochastic: s.format.rounding === 'stochastic' }] : [];
  });
  const p = module.param ? codecOf(module.param) : undefined;
  return p ? [{ name: 'p', leaf: 'p', codec: p, stochastic: module.param!.rounding === 'stochastic' }, ...states] : states;
}

/**
 * The decode and encode kernels of state `name` for a tensor of `n` elements. Bindings by key: `leaf`
 * (the f32 working matrix, `st:NAME`), `codes:NAME` (u32 words), `scales:NAME` (f32 per block, scaled formats).
 * With `sr`, the encode rounds stochastically: element i's random bits are srBits(t, tensor, i, name)
 * (src/ir/rng.ts), as the interpreter draws them, t being the module's u32 uniform field `field`.
 */
export function matrixStateKernels(name: string, codec: StateCodec, n: number, leaf = `st:${name}`,
  sr?: { field: number; tensor: number }): { decode: StageKernel; encode: StageKernel } {
  const f = codec.info.name;
  const B = codec.block;
  const [dt, et] = [new KernelText(), new KernelText()];
  const bind = (t: KernelText, write: boolean) => {
    t.codecs.add(codec);
    return [bindBuffer(t, `codes:${name}`, 'codes', write, 'u32'), B ? bindBuffer(t, `scales:${name}`, 'scales', write) : ''] as const;
  };
  const x = bindBuffer(dt, leaf, 'x', true);
  const decode = stageKernel(dt, `decode ${name} ${n}`, flatGrid(n, WG), {
    title: `${name} (${f}): ${n} codes -> f32, one per invocation.`, wg: WG,
    body: [`  let i = ${invocationIndex(WG)};`, `  if (i >= ${n}u) { return; }`, `  ${x}[i] = ${decodeScalar(codec, ...bind(dt, false), 'i')};`],
  });
  // A tile of whole blocks (of 8 elements, two vec4s, unscaled: a 4-bit word's), read as vec4s of the working matrix.
  const tile = B ?? 8;
  const [xv, codes, scales] = [bindBuffer(et, leaf, 'x', false, 'vec4<f32>'), ...bind(et, true)];
  const steps = sr ? bindBuffer(et, '#steps', 'steps') : '';
  et.usesRng = Boolean(sr);
  const rand = sr && ((k: number) => `optc_rng_u32(bitcast<u32>(${steps}[${sr.field}u]), ${sr.tensor}u, 4u * j + ${k}u, ${srDraw(name)}u)`);
  const st = serialStore(codec, `${xv}[j]`, codes, scales, name, tile, rand);
  const walk = (lines: string[]) => [
    '  for (var j = j0; j < j1; j++) {',
    `    let valid = vec4<u32>(4u * j) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(${n}u);`,
    ...lines.map((l) => `  ${l}`),
    '  }',
  ];
  const units = Math.ceil(n / tile);
  const what = B ? `codes and one scale per block of ${B}` : 'codes';
  const encode = stageKernel(et, `encode ${name} ${n}`, flatGrid(units, WG), {
    title: `${name} (${f}): f32 -> ${what}, ${tile} elements per invocation${sr ? ', rounded stochastically' : ''}.`,
    wg: WG, body: [
      `  let b = ${invocationIndex(WG)};`,
      `  if (b >= ${units}u) { return; }`,
      `  let j0 = b * ${tile / 4}u;`,
      `  let j1 = min(${Math.ceil(n / 4)}u, j0 + ${tile / 4}u);`,
      ...serialWalks([st], walk, st.encode),
    ],
  });
  return { decode, encode };
}
