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
import type { StageKernel } from './matrix-kernels.js';
import { codecOf, type StateCodec } from './state-io.js';

const WG = 64;
const MAX_GRID = 65535;

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

function grid(n: number): { grid: [number, number, number]; index: string } {
  const groups = Math.max(1, Math.ceil(n / WG));
  const gx = Math.min(groups, MAX_GRID);
  return { grid: [gx, Math.ceil(groups / gx), 1], index: `gid.x + gid.y * ${gx * WG}u` };
}

/**
 * The decode and encode kernels of state `name` for a tensor of `n` elements. Bindings by key: `leaf`
 * (the f32 working matrix, `st:NAME`), `codes:NAME` (u32 words), `scales:NAME` (f32 per block, scaled formats).
 */
export function matrixStateKernels(name: string, codec: StateCodec, n: number, leaf = `st:${name}`, sr?: StochasticEncode): { decode: StageKernel; encode: StageKernel } {
  const f = codec.info.name as FormatName;
  const perWord = 32 / codec.info.bitsPerElement;
  const B = codec.block;
  const lib = wgslLibrary([f]);
  const decls = (access: 'read' | 'read_write', xAccess: 'read' | 'read_write') => [
    `@group(0) @binding(0) var<storage, ${xAccess}> x: array<f32>;`,
    `@group(0) @binding(1) var<storage, ${access}> codes: array<u32>;`,
    ...(B ? [`@group(0) @binding(2) var<storage, ${access}> scales: array<f32>;`] : []),
  ];
  const bindings = (access: 'read' | 'read_write', xAccess: 'read' | 'read_write') => [
    { binding: 0, buffer: leaf, access: xAccess },
    { binding: 1, buffer: `codes:${name}`, access },
    ...(B ? [{ binding: 2, buffer: `scales:${name}`, access }] : []),
  ];
  const d = grid(n);
  const decode = [
    `// ${name} (${f}): ${n} codes -> f32, one per invocation.`,
    ...decls('read', 'read_write'), lib,
    `@compute @workgroup_size(${WG})`,
    'fn main(@builtin(global_invocation_id) gid: vec3<u32>) {',
    `  let i = ${d.index};`,
    `  if (i >= ${n}u) { return; }`,
    `  x[i] = ${f}_decode(codes[i / ${perWord}u], i % ${perWord}u${B ? `, scales[i / ${B}u]` : ''});`,
    '}',
  ].join('\n');
  const units = B ? Math.ceil(n / B) : Math.ceil(n / perWord);
  const e = grid(units);
  const span = B ?? perWord;
  const sBinding = B ? 3 : 2;
  const code = sr
    ? `${f}_encode_sr(x[i], optc_rng_u32(bitcast<u32>(steps[${sr.field}u]), ${sr.tensor}u, i, ${srDraw(name)}u))`
    : `${f}_encode(x[i]${B ? ', enc' : ''})`;
  const encode = [
    `// ${name} (${f}): f32 -> ${B ? `codes and one scale per block of ${B}` : 'codes'}, one ${B ? 'block' : 'word'} per invocation${sr ? ', rounded stochastically' : ''}.`,
    ...decls('read_write', 'read'),
    ...(sr ? [`@group(0) @binding(${sBinding}) var<storage, read> steps: array<f32>;`, RNG_WGSL] : []),
    lib,
    `@compute @workgroup_size(${WG})`,
    'fn main(@builtin(global_invocation_id) gid: vec3<u32>) {',
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
    '}',
  ].join('\n');
  return {
    decode: { wgsl: decode, entryPoint: 'main', grid: d.grid, bindings: bindings('read', 'read_write'), label: `decode ${name} ${n}` },
    encode: {
      wgsl: encode, entryPoint: 'main', grid: e.grid, label: `encode ${name} ${n}`,
      bindings: [...bindings('read_write', 'read'), ...(sr ? [{ binding: sBinding, buffer: '#steps', access: 'read' as const }] : [])],
    },
  };
}

