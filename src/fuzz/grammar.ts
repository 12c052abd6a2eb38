// Random programs from the language's grammar: declarations of every kind (hypers, states in every format
// and space, per-element and scalar inputs, `param p`), and an update of lets, conditionals, `every`
// blocks, reductions, schedules and random streams, plus named entry points.
//
// The generator tracks, for each value, its space (step < tensor < row/col < elem) and whether the GPU
// computes it bit for bit like the interpreter ("exact": + - * min max abs select ... on exact operands;
// step values are computed on the host by the same code for both). Division, sqrt, exp, log, pow, the
// normal random stream and reductions (whose summation order differs) are "approximate". Only exact values
// reach a comparison, `sign` or a compressed state, so a one-ulp difference can never flip a branch or a
// code; the kernel fuzzer then checks exact programs bit for bit and the rest within a stated tolerance.
import type { FuzzRng } from './rng.js';

type Space = 'step' | 'tensor' | 'row' | 'col' | 'elem';
interface Val { text: string; space: Space; exact: boolean }

const RANK: Record<Space, number> = { step: 0, tensor: 1, row: 2, col: 2, elem: 3 };
function join(a: Space, b: Space): Space {
  if (a === b) return a;
  if (RANK[a] === 2 && RANK[b] === 2) return 'elem'; // a row value times a column value varies per element
  return RANK[a] >= RANK[b] ? a : b;
}

export interface GenOptions {
  /**
   * Raise the odds of compressed states. (Compressed states and f16/bf16 parameters compose with reductions,
   * row/column state, randomness and entry points; the generator never writes rank-1 states, which phased
   * programs still refuse.)
   */
  refusable?: boolean;
  /** Largest number of `let`s. */
  maxLets?: number;
}

export interface Generated {
  source: string;
  /** Every per-element value the GPU computes is bit-exact with the interpreter. */
  exact: boolean;
  /** Named entry points, to run between steps. */
  entries: string[];
  features: string[];
}

const ELEM_FORMATS = ['f16', 'bf16', 'q8', 'q8u', 'q4', 'fp8e4m3', 'f16(rounding = stochastic)', 'q8(block = 64)'];

export function generateProgram(rng: FuzzRng, name: string, opts: GenOptions = {}): Generated {
  const features = new Set<string>();
  const decls: string[] = [];
  const body: string[] = [];
  const hypers: Val[] = [];
  const nh = rng.int(1, 4);
  for (let i = 0; i < nh; i++) {
    const v = rng.pick([0.001, 0.01, 0.1, 0.5, 0.9, 0.999, 1, 2, 1e-8, 0]);
    decls.push(`hyper h${i} = ${v};`);
    hypers.push({ text: `h${i}`, space: 'step', exact: true });
  }
  decls.unshift('hyper lr = 0.01;');
  const leaves: Val[] = [
    { text: 'g', space: 'elem', exact: true }, { text: 't', space: 'step', exact: true }, ...hypers,
  ];
  if (rng.chance(0.3)) { decls.push('input e;'); leaves.push({ text: 'e', space: 'elem', exact: true }); features.add('input'); }
  if (rng.chance(0.15)) { decls.push('input s: scalar;'); leaves.push({ text: 's', space: 'step', exact: true }); features.add('scalar'); }

  // States: an exact state is only ever assigned exact values, so reading it is exact at every step.
  interface St { name: string; space: Space; exact: boolean; format?: string }
  const states: St[] = [];
  // Now and then many states: more storage buffers than a stage may bind (a real resource limit).
  const ns = rng.chance(0.04) ? rng.int(10, 24) : rng.int(0, 4);
  for (let i = 0; i < ns; i++) {
    const space = rng.pick<Space>(['elem', 'elem', 'elem', 'row', 'col', 'tensor', 'step']);
    const exact = space === 'elem' || space === 'step' ? rng.chance(0.5) : false;
    const compressed = space === 'elem' && exact && rng.chance(opts.refusable ? 0.4 : 0.2);
    const format = compressed ? rng.pick(ELEM_FORMATS) : space === 'elem' ? undefined : space;
    states.push({ name: `s${i}`, space, exact, format });
    const init = rng.chance(0.7) ? '0' : rng.pick(['1', 'h0', '0.5 * h0', '-1']);
    decls.push(`state s${i}${format ? `: ${format}` : ''} = ${init};`);
    if (format) features.add(`state:${format.replace(/\(.*/, '')}`);
  }
  const pExact = rng.chance(0.5);
  let paramFormat: string | undefined;
  if (pExact && rng.chance(0.1)) { paramFormat = rng.pick(['bf16', 'f16']); decls.push(`param p: ${paramFormat};`); features.add(`param:${paramFormat}`); }
  leaves.push({ text: 'p', space: 'elem', exact: pExact });
  for (const s of states) leaves.push({ text: s.name, space: s.space, exact: s.exact });

  const lets: Val[] = [];
  const pickLeaf = (exact: boolean, maxSpace: Space = 'elem'): Val => {
    const ok = [...leaves, ...lets].filter((v) => (!exact || v.exact) && RANK[v.space] <= RANK[maxSpace] && (maxSpace !== 'row' || v.space !== 'col') && (maxSpace !== 'col' || v.space !== 'row'));
    return ok.length ? rng.pick(ok) : { text: String(rng.pick([0.5, 1, 2, 0.25])), space: 'step', exact: true };
  };
  const num = (): Val => ({ text: String(rng.pick([0.5, 2, 0.9, 0.1, 3, 1])), space: 'step', exact: true });

  /** An expression; `exact` asks for an exact one; `maxSpace` bounds its space (a row state takes row values). */
  const expr = (depth: number, exact: boolean, maxSpace: Space = 'elem'): Val => {
    if (depth <= 0 || rng.chance(0.25)) return rng.chance(0.8) ? pickLeaf(exact, maxSpace) : num();
    const a = () => expr(depth - 1, exact, maxSpace);
    const r = rng.uniform();
    if (r < 0.35) { // exact binary arithmetic
      const x = a(), y = a(), op = rng.pick(['+', '-', '*']);
      return { text: `(${x.text} ${op} ${y.text})`, space: join(x.space, y.space), exact: x.exact && y.exact };
    }
    if (r < 0.5) { // exact functions
      const x = a(), y = a();
      // lerp is WGSL's mix(), which the GPU may evaluate with an FMA: approximate.
      const f = rng.pick(['min', 'max', 'abs', 'square', 'neg', 'clamp', 'lerp']);
      const text = f === 'abs' || f === 'square' ? `${f}(${x.text})` : f === 'neg' ? `-${x.text}` : f === 'clamp' ? `clamp(${x.text}, -1, 1)`
        : f === 'lerp' ? `lerp(${x.text}, ${y.text}, 0.25)` : `${f}(${x.text}, ${y.text})`;
      const space = f === 'min' || f === 'max' || f === 'lerp' ? join(x.space, y.space) : x.space;
      return { text, space, exact: x.exact && y.exact && (f !== 'lerp' || space === 'step') };
    }
    if (r < 0.62) { // a conditional on exact operands
      const c1 = expr(depth - 1, true, maxSpace), c2 = rng.chance(0.5) ? num() : expr(depth - 1, true, maxSpace);
      const x = a(), y = a();
      const cmp = rng.pick(['<', '>', '<=', '>=', '!=']);
      const space = join(join(c1.space, c2.space), join(x.space, y.space));
      return rng.chance(0.5)
        ? { text: `(${c1.text} ${cmp} ${c2.text} ? ${x.text} : ${y.text})`, space, exact: x.exact && y.exact }
        : { text: `select(${c1.text} ${cmp} ${c2.text}, ${x.text}, ${y.text})`, space, exact: x.exact && y.exact };
    }
    if (r < 0.7) { // sign of an exact value
      const x = expr(depth - 1, true, maxSpace);
      return { text: `sign(${x.text})`, space: x.space, exact: true };
    }
    if (exact) return pickLeaf(true, maxSpace);
    if (r < 0.85) { // approximate functions on tame domains
      const x = a();
      const f = rng.pick(['sqrt(abs(X))', 'rsqrt(abs(X) + 1)', 'exp(-abs(X))', 'log(abs(X) + 1)', 'X / (abs(X) + 1)', 'pow(abs(X) + 1, 0.5)', '(X ^ 2)']);
      return { text: f.replaceAll('X', x.text), space: x.space, exact: x.space === 'step' };
    }
    if (r < 0.95 && RANK[maxSpace] >= 1) { // reductions of per-element values
      const x = expr(depth - 1, false, 'elem');
      if (x.space !== 'elem') return x;
      const row = maxSpace === 'elem' || maxSpace === 'row', col = maxSpace === 'elem' || maxSpace === 'col';
      const fs = ['mean', 'norm', 'rms', 'sum', 'absmax', ...(row ? ['row_mean', 'row_max'] : []), ...(col ? ['col_mean', 'col_sum'] : []), 'global_norm'];
      const f = rng.pick(fs);
      features.add(`reduce:${f}`);
      const space: Space = f.startsWith('row') ? 'row' : f.startsWith('col') ? 'col' : 'tensor';
      const inner = f === 'sum' || f === 'global_norm' ? `${f}(${x.text}) / numel` : `${f}(${x.text})`;
      return { text: f === 'global_norm' ? `(${f}(${x.text}) * 0.01)` : inner, space, exact: false };
    }
    if (maxSpace === 'elem') { // random streams
      const f = rng.pick(['randn', 'randu', 'rademacher']);
      features.add(`rand:${f}`);
      return { text: `${f}(h0 * 1000 + t)`, space: 'elem', exact: f !== 'randn' };
    }
    const s = rng.pick(['linear_warmup(t, 3)', 'cosine_decay(t, 10, 0.1)', 'inv_sqrt(t, 2)', 'warmup_cosine(t, 2, 10, 0)']);
    features.add('schedule');
    return { text: s, space: 'step', exact: true };
  };

  // Now and then a long flat chain (machine-made code): a big kernel, not deep nesting.
  if (rng.chance(0.03)) {
    const n = rng.int(100, 2000);
    body.push(`let chain = ${Array.from({ length: n }, (_, k) => (k % 3 === 0 ? 'g' : k % 3 === 1 ? 'p' : 'h0')).join(' + ')};`);
    lets.push({ text: 'chain', space: 'elem', exact: pExact });
    features.add('long-chain');
  }
  const maxLets = opts.maxLets ?? 6;
  for (let i = rng.int(0, maxLets); i > 0; i--) {
    const v = expr(rng.int(1, 4), rng.chance(0.4));
    body.push(`let l${lets.length} = ${v.text};`);
    lets.push({ ...v, text: `l${lets.length}` });
  }
  // Stores: each state once, its value of its own space; some inside `if` on t or `every`.
  const stores: string[] = [];
  for (const s of states) {
    let v: Val;
    if (s.space === 'step') v = expr(2, true, 'step');
    else if (s.space === 'elem') v = expr(3, s.exact);
    else {
      const red = s.space === 'row' ? 'row_mean' : s.space === 'col' ? 'col_mean' : 'mean';
      const x = expr(2, false);
      v = { text: `0.9 * ${s.name} + 0.1 * ${red}(${x.space === 'elem' ? x.text : `g * ${x.text}`})`, space: s.space, exact: false };
    }
    const stmt = `${s.name} = ${v.text};`;
    const wrap = rng.uniform();
    if (wrap < 0.15) { stores.push(`if (t > ${rng.int(1, 3)}) { ${stmt} }`); features.add('if'); }
    else if (wrap < 0.25) { stores.push(`every ${rng.int(2, 3)} { ${stmt} }`); features.add('every'); }
    else stores.push(stmt);
  }
  const dp = expr(3, pExact);
  stores.push(`p = p - lr * ${dp.text};`);
  const entries: string[] = [];
  const elemStates = states.filter((s) => s.space === 'elem' && !s.format);
  if (elemStates.length && rng.chance(0.2)) {
    const s = rng.pick(elemStates);
    decls.push(`update reset { ${s.name} = ${s.exact ? '0' : '0.5 * ' + s.name}; }`);
    entries.push('reset');
    features.add('entry');
  }
  const exact = dp.exact && states.every((s) => s.exact) && pExact;
  const source = `optimizer ${name} {\n  ${decls.filter((d) => !d.startsWith('update')).join('\n  ')}\n  update {\n    ${[...body, ...stores].join('\n    ')}\n  }\n${decls.filter((d) => d.startsWith('update')).map((d) => `  ${d}\n`).join('')}}\n`;
  return { source, exact, entries, features: [...features].sort() };
}

/** A near-valid variant: one to three token-level edits (a token dropped, doubled, swapped or replaced). */
export function nearValid(rng: FuzzRng, source: string): string {
  const toks = source.match(/[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d*)?(?:e-?\d+)?|&&|\|\||[<>=!]=|\S|\s+/g) ?? [];
  for (let n = rng.int(1, 3); n > 0; n--) {
    const i = rng.int(0, toks.length - 1);
    switch (rng.int(0, 3)) {
      case 0: toks.splice(i, 1); break;
      case 1: toks.splice(i, 0, toks[i]!); break;
      case 2: { const j = rng.int(0, toks.length - 1); [toks[i], toks[j]] = [toks[j]!, toks[i]!]; break; }
      default: toks[i] = rng.pick([';', '(', ')', '{', '}', '=', '?', ':', 'let', 'state', 'g', '1', 'lr', 'sqrt', ',', '^', 'row', 'q8', 'p', 'if', 'every']);
    }
  }
  return toks.join('');
}
