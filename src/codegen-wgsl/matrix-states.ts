// Compressed per-element states of a matrix program (`state momentum_buffer: q8 = 0;` in Muon). Matrix stage
// kernels read and write every state as an f32 matrix; a compressed one keeps its codes and block scales
// per tensor, and each step brackets its stages with two kernels: `decode` (codes -> an f32 working matrix,
// before the first stage) and `encode` (the working matrix -> codes and scales, after the last). The
// interpreter does the same — decode where the step reads, encode with the same quantizer where it writes —
// so the codes agree bit for bit wherever the stored value is computed elementwise.
//
// encode: one invocation per block (per u32 word for unscaled formats) walks its block twice, as the CPU
// quantizer does: its absmax, then each word of codes; lanes past the tensor's end stay 0.
import { wgslLibrary, type FormatName } from '../formats/index.js';
import { RNG_WGSL, srDraw } from '../ir/rng.js';
import type { KernelModule } from './manifest.js';
import { flatGrid, StageDecls, stageWgsl, type StageKernel } from './matrix-kernels.js';
import { codecOf, type StateCodec } from './state-io.js';

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
 * Stochastic rounding in the encode kernel: the random bits of element i are srBits(t, tensor, i, name)
 * (src/ir/rng.ts), as the interpreter draws them; t is the module's u32 uniform field `field`.
 */
export interface StochasticEncode { field: number; tensor: number }

/**
 * The decode and encode kernels of state `name` for a tensor of `n` elements. Bindings by key: `leaf`
 * (the f32 working matrix, `st:NAME`), `codes:NAME` (u32 words), `scales:NAME` (f32 per block, scaled formats).
 */
export function matrixStateKernels(name: string, codec: StateCodec, n: number, leaf = `st:${name}`, sr?: StochasticEncode): { decode: StageKernel; encode: StageKernel } {
  const f = codec.info.name as FormatName;
  const perWord = 32 / codec.info.bitsPerElement;
  const B = codec.block;
  const lib = wgslLibrary([f]);
  const declare = (access: 'read' | 'read_write', xAccess: 'read' | 'read_write') => {
    const d = new StageDecls().add('x', leaf, xAccess).add('codes', `codes:${name}`, access, 'u32');
    return B ? d.add('scales', `scales:${name}`, access) : d;
  };
  const d = flatGrid(n, WG);
  const dec = declare('read', 'read_write');
  const decode = stageWgsl([`// ${name} (${f}): ${n} codes -> f32, one per invocation.`, ...dec.decls, lib], WG, [
    `  let i = ${d.index};`,
    `  if (i >= ${n}u) { return; }`,
    `  x[i] = ${f}_decode(codes[i / ${perWord}u], i % ${perWord}u${B ? `, scales[i / ${B}u]` : ''});`,
  ]);
  const units = B ? Math.ceil(n / B) : Math.ceil(n / perWord);
  const e = flatGrid(units, WG);
  const span = B ?? perWord;
  const enc = sr ? declare('read_write', 'read').add('steps', '#steps', 'read') : declare('read_write', 'read');
  const code = sr
    ? `${f}_encode_sr(x[i], optc_rng_u32(bitcast<u32>(steps[${sr.field}u]), ${sr.tensor}u, i, ${srDraw(name)}u))`
    : `${f}_encode(x[i]${B ? ', enc' : ''})`;
  const encode = stageWgsl([
    `// ${name} (${f}): f32 -> ${B ? `codes and one scale per block of ${B}` : 'codes'}, one ${B ? 'block' : 'word'} per invocation${sr ? ', rounded stochastically' : ''}.`,
    ...enc.decls, ...(sr ? [RNG_WGSL] : []), lib,
  ], WG, [
    `  let b = ${e.index};`,
    `  if (b >= ${units}u) { return; }`,
    `  let start = b * ${span}u;`,
    `  let end = min(${n}u, start + ${span}u);`,
    ...(B ? [
      '  var m = 0.0;',
      '  for (var i = start; i < end; i++) { m = max(m, abs(x[i])); }',
      `  scales[b] = ${f}_scale(m);`,
      `  let enc = ${f}_encoder(m);`,
    ] : []),
    `  for (var w = start / ${perWord}u; w * ${perWord}u < end; w++) {`,
    '    var word = 0u;',
    `    for (var lane = 0u; lane < ${perWord}u; lane++) {`,
    `      let i = w * ${perWord}u + lane;`,
    `      if (i < end) { word = ${f}_pack(word, lane, ${code}); }`,
    '    }',
    '    codes[w] = word;',
    '  }',
  ]);
  return {
    decode: { wgsl: decode, entryPoint: 'main', grid: d.grid, bindings: dec.bindings, label: `decode ${name} ${n}` },
    encode: { wgsl: encode, entryPoint: 'main', grid: e.grid, bindings: enc.bindings, label: `encode ${name} ${n}` },
  };
}
