// The matrix-multiply kernel generator, C = A B for row-major f32 matrices (A: m × k, B: k × n): the matmul
// stages of a matrix program (matrix-kernels.ts) are this kernel with operands read transposed in place and
// the stage's expression fused in as an epilogue.
//
// Each invocation computes a block of `rows` × 4 entries of C (one vec4 per row) and runs over k, keeping its
// block in registers and reading its `rows` rows of A and 4 rows of B straight from storage as vec4: no
// workgroup memory and no barriers. On lavapipe (a CPU) workgroup memory is ordinary memory, a barrier ends
// a coroutine slice of every invocation, and the CPU's caches already give the reuse: this kernel measured
// 2-4x tf.matMul there, where one staging slabs of A and B in workgroup memory (the classic GPU kernel)
// measured about tf.matMul's speed and was dropped (docs/matrix.md has the numbers).
//
// Invocations are indexed by global_invocation_id (lavapipe compiles it far better than an index rebuilt
// from workgroup_id: FACTS.md). The sizes are WGSL constants, so every shape is its own pipeline and the
// compiler can unroll; out-of-range rows and columns are clamped on load and skipped on store, so any m, k, n
// work. With k and n multiples of 4 the operands are bound as vec4 arrays; otherwise as f32 arrays read four
// at a time.
//
// Numerics: each entry is an f32 running sum over k = 0, 1, ..., k-1 of fma(a, b, acc) (one rounding per
// step). The interpreter sums in float64 and rounds once; the two agree within the bound in
// src/ir/interp-matrix.ts, which test/matmul-kernel.test.ts checks on Dawn.

import type { StageKernel } from './matrix-kernels.js';

export interface MatmulOptions {
  m: number;
  k: number;
  n: number;
  /** Rows of C per invocation (default 4). */
  rows?: 1 | 2 | 4 | 8;
  /** Workgroup size [x, y] (default [8, 8]); x counts vec4 columns of C, y blocks of `rows` rows. */
  workgroup?: readonly [number, number];
  /** A is stored transposed (k × m, row-major) and read as its transpose: C = Aᵀ B, never materialized. */
  transA?: boolean;
  /** B is stored transposed (n × k): C = A Bᵀ (Newton-Schulz's X Xᵀ). */
  transB?: boolean;
  /**
   * Elementwise work fused after the product: `fn` defines
   * `fn epilogue(acc: f32, r: u32, c: u32) -> f32`, the entry stored at C[r][c] from the product's entry
   * `acc`, and may read the bindings `decls` declares (numbered from 3). C = a A B + b D is
   * `return a * acc + b * d[r * N + c];`. It may read C's old entries through `ldC(i)` (the invocation
   * that writes an entry is the only one to read it: an in-place update such as L = L + G Gᵀ).
   */
  epilogue?: { decls: string[]; fn: string };
}

/** One kernel: WGSL, how to dispatch it, and what it binds (A, B read; C written; an epilogue's own bindings are its caller's to list). */
export function matmulKernel(opts: MatmulOptions): StageKernel {
  const o = { rows: 4, workgroup: [8, 8], transA: false, transB: false, ...opts } as Required<MatmulOptions>;
  const { m, k, n, rows } = o;
  for (const [what, v] of [['m', m], ['k', k], ['n', n]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`matmulKernel: ${what} must be a positive integer, got ${v}`);
  }
  const [wx, wy] = o.workgroup;
  const cols4 = Math.ceil(n / 4), rowBlocks = Math.ceil(m / rows);
  const grid: [number, number, number] = [Math.ceil(cols4 / wx), Math.ceil(rowBlocks / wy), 1];
  // Which operands are bound as vec4 arrays: a transposed A when a block of 4 rows is 4 consecutive values
  // (m a multiple of 4, 4 rows per invocation), a transposed B when its rows (B's columns) are in k.
  const vecA = o.transA ? m % 4 === 0 && rows === 4 : k % 4 === 0;
  const vecB = o.transB ? k % 4 === 0 : n % 4 === 0;
  const vecC = n % 4 === 0;
  const wgsl = [
    `// C = ${o.transA ? 'Aᵀ' : 'A'} ${o.transB ? 'Bᵀ' : 'B'}: C ${m} × ${n}, inner ${k}; ${rows} × 4 entries of C per invocation, registers tiles${o.epilogue ? ', fused epilogue' : ''}.`,
    `const M = ${m}u;`, `const K = ${k}u;`, `const N = ${n}u;`,
    `@group(0) @binding(0) var<storage, read> a: array<${vecA ? 'vec4<f32>' : 'f32'}>;`,
    `@group(0) @binding(1) var<storage, read> b: array<${vecB ? 'vec4<f32>' : 'f32'}>;`,
    `@group(0) @binding(2) var<storage, read_write> c: array<${vecC ? 'vec4<f32>' : 'f32'}>;`,
    ...(o.epilogue?.decls ?? []),
    '',
    storeC(vecC, o.epilogue),
    registerBody(o, vecA, vecB),
  ].join('\n');
  return {
    wgsl, entryPoint: 'main', grid, name: `matmul ${m}x${k}x${n}`, workgroupSize: wx * wy,
    bindings: [{ binding: 0, kind: 'matrix', name: 'a', access: 'read' }, { binding: 1, kind: 'matrix', name: 'b', access: 'read' },
      { binding: 2, kind: 'matrix', name: 'c', access: 'read_write' }],
  };
}

/**
 * `stC(r, j4, v)` stores entries C[r][4 j4 .. 4 j4 + 3] (those < N), through the epilogue when there is one;
 * `ldC(i)` reads C's flat entry i (for an epilogue that updates C in place).
 */
function storeC(vecC: boolean, epilogue: MatmulOptions['epilogue']): string {
  const out: string[] = [];
  if (epilogue) {
    out.push(vecC ? 'fn ldC(i: u32) -> f32 { return c[i / 4u][i % 4u]; }' : 'fn ldC(i: u32) -> f32 { return c[i]; }');
    out.push(epilogue.fn);
    // Columns past N (n not a multiple of 4) are computed on a clamped column and never stored.
    out.push(`fn ep4(r: u32, j4: u32, v: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(${[0, 1, 2, 3].map((q) => `epilogue(v[${q}], r, min(4u * j4 + ${q}u, N - 1u))`).join(', ')});
}`);
  }
  const v = epilogue ? 'ep4(r, j4, v0)' : 'v0';
  out.push(vecC
    ? `fn stC(r: u32, j4: u32, v0: vec4<f32>) { c[r * (N / 4u) + j4] = ${v}; }`
    : `fn stC(r: u32, j4: u32, v0: vec4<f32>) { let v = ${v}; for (var q = 0u; q < 4u && 4u * j4 + q < N; q++) { c[r * N + 4u * j4 + q] = v[q]; } }`);
  return out.join('\n') + '\n';
}

/**
 * The operand loads of one k-step (kk .. kk + 3): `a0 .. a{rows-1}` (rows row0 + i of A, entries kk .. kk + 3)
 * and `b0 .. b3` (rows kk + q of B, columns 4 jc .. 4 jc + 3). Rows past M are clamped to the last row on
 * load (valid memory) and never stored. Past K (k not a multiple of 4) A gives zeros and B's rows are zeroed
 * too (a clamped row times zero would still turn an infinity in B into NaN); an operand not bound as vec4 is
 * read as four scalars, zero past the end of its row. A transposed operand stored as vec4 loads a 4 × 4 block
 * as four vec4 and transposes it in registers, so it costs the loads a plain one does.
 */
function operandLoads(o: Required<MatmulOptions>, vecA: boolean, vecB: boolean): string[] {
  const { rows } = o;
  const idx = Array.from({ length: rows }, (_, i) => i);
  const quad = [0, 1, 2, 3];
  const inK = (q: number) => `kk + ${q}u < K`;
  const kq = (q: number) => `min(kk + ${q}u, K - 1u)`;
  const row = (i: number) => `min(row0 + ${i}u, M - 1u)`;
  const lines: string[] = [];
  if (!o.transA) {
    lines.push(...idx.flatMap((i) => (vecA ? [`    let a${i} = a[(${row(i)} * K + kk) / 4u];`] : [`    let at${i} = ${row(i)} * K + kk;`,
      `    let a${i} = vec4<f32>(${quad.map((q) => `select(0.0, a[at${i} + ${q}u], ${q}u < K - kk)`).join(', ')});`])));
  } else if (vecA) {
    // A stored k × m: a[(kk + q) M / 4 + row0 / 4] holds A[row0 .. row0 + 3][kk + q].
    lines.push(...quad.map((q) => `    let d${q} = select(vec4<f32>(0.0), a[(${kq(q)} * M + min(row0, M - 4u)) / 4u], ${inK(q)});`));
    lines.push(...idx.map((i) => `    let a${i} = vec4<f32>(d0[${i}], d1[${i}], d2[${i}], d3[${i}]);`));
  } else {
    lines.push(...idx.map((i) => `    let a${i} = vec4<f32>(${quad.map((q) => `select(0.0, a[${kq(q)} * M + ${row(i)}], ${inK(q)})`).join(', ')});`));
  }
  if (!o.transB) {
    const ldB = (r: string) => (vecB ? `b[${r} * (N / 4u) + jc]`
      : `vec4<f32>(${quad.map((j) => `select(0.0, b[${r} * N + 4u * jc + ${j}u], ${j}u < N - 4u * jc)`).join(', ')})`);
    const inRange = (q: number) => (o.k % 4 === 0 ? ldB(`(kk + ${q}u)`) : `select(vec4<f32>(0.0), ${ldB(kq(q))}, ${inK(q)})`);
    lines.push(...quad.map((q) => `    let b${q} = ${inRange(q)};`));
  } else if (vecB) {
    // B stored n × k with k a multiple of 4: b[col K / 4 + kk / 4] holds B[kk .. kk + 3][col].
    lines.push(...quad.map((j) => `    let e${j} = b[(min(4u * jc + ${j}u, N - 1u) * K + kk) / 4u];`));
    lines.push(...quad.map((q) => `    let b${q} = vec4<f32>(e0[${q}], e1[${q}], e2[${q}], e3[${q}]);`));
  } else {
    lines.push(...quad.map((q) => `    let b${q} = vec4<f32>(${quad.map((j) => `select(0.0, b[min(4u * jc + ${j}u, N - 1u) * K + ${kq(q)}], ${inK(q)})`).join(', ')});`));
  }
  return lines;
}

/**
 * The entry point: per k-step the operand loads and `rows` × 4 multiply-adds into vec4 accumulators, then
 * the block's store (rows and columns past the end skipped).
 */
function registerBody(o: Required<MatmulOptions>, vecA: boolean, vecB: boolean): string {
  const { rows, workgroup: [wx, wy] } = o;
  const idx = Array.from({ length: rows }, (_, i) => i);
  return [
    `@compute @workgroup_size(${wx}, ${wy})`,
    'fn main(@builtin(global_invocation_id) gid: vec3<u32>) {',
    '  let j4 = gid.x;',
    `  let row0 = gid.y * ${rows}u;`,
    '  let jc = min(j4, (N + 3u) / 4u - 1u);',
    ...idx.map((i) => `  var acc${i} = vec4<f32>(0.0);`),
    '  for (var kk = 0u; kk < K; kk += 4u) {',
    ...operandLoads(o, vecA, vecB),
    ...idx.flatMap((i) => [0, 1, 2, 3].map((q) => `    acc${i} = fma(vec4<f32>(a${i}[${q}]), b${q}, acc${i});`)),
    '  }',
    '  if (j4 * 4u >= N) { return; }',
    ...idx.map((i) => `  if (row0 + ${i}u < M) { stC(row0 + ${i}u, j4, acc${i}); }`),
    '}',
  ].join('\n');
}
