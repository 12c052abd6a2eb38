// IR Program -> `.opt` source that parses back to the same program. Symbolic search mutates Programs and
// needs to show (and re-compile) them as source; golden tests and bug reports want readable text.
//
// Exactness. The parser lowers in a fixed order (docs/language.md, "Lowering"): hypers, extra inputs, states
// (initial value, then leaf), then the update block as a post-order walk in which `p`, `g`, `t` and
// constants become instructions at their first use and are deduplicated. This printer replays that order:
// it walks the instructions, keeps not-yet-printed values on a stack of pending expressions (like a
// decompiler for stack code), inlines a value into its single user when the user's post-order would emit
// it at exactly the same point, and otherwise binds it with `let` first. So whenever a Program *can* be
// written in that order — anything the parser produced, anything built with the Builder in declaration
// order, anything this printer printed — the reparse has the same `hashProgram`. (A state's initial value
// is printed inline, since declarations have no `let`, so it must be in post-order too.) Programs no source
// can spell (duplicate constants or leaves, a hyper read before the declarations end) still print to an
// equivalent program: same declarations, same expression DAG for every store and init.
//
// All assignments come last, so inside the update block a state's name always means its value before the
// step, exactly like the IR's `state` leaf.
import { InvariantError } from '../diag.js';
import { postOrder } from './walk.js';
import { LEAF_OPS, type Inst, type Op, type Program, type StateFormat, type ValueId } from './types.js';

// Precedence levels of the grammar (docs/language.md); a higher level binds tighter.
const TERNARY = 1, OR = 2, AND = 3, CMP = 4, ADD = 5, MUL = 6, UNARY = 7, POW = 8, ATOM = 9;

interface Text { text: string; prec: number }

/** Infix ops: their level and the minimum levels of their operands (left-assoc: right needs one more). */
const INFIX: Partial<Record<Op, [string, number, number, number]>> = {
  or: ['||', OR, OR, AND], and: ['&&', AND, AND, CMP],
  lt: ['<', CMP, ADD, ADD], le: ['<=', CMP, ADD, ADD], gt: ['>', CMP, ADD, ADD], ge: ['>=', CMP, ADD, ADD],
  eq: ['==', CMP, ADD, ADD], ne: ['!=', CMP, ADD, ADD],
  add: ['+', ADD, ADD, MUL], sub: ['-', ADD, ADD, MUL], mul: ['*', MUL, MUL, UNARY], div: ['/', MUL, MUL, UNARY],
  matmul: ['@', MUL, MUL, UNARY],
  // right-associative, and its exponent may be a unary: 2 ^ -x
  pow: ['^', POW, ATOM, UNARY],
};

const KEYWORDS = new Set(['optimizer', 'hyper', 'state', 'input', 'update', 'let', 'if', 'else', 'every', 'const', 'var', 'repeat', 'fallback']);
const BUILTINS = new Set(['p', 'g', 't', 'inf', 'nan', 'numel', 'nrows', 'ncols']);
/** `let` names also avoid function names: legal, but `let max = ...; max(max, 1)` reads badly. */
const RESERVED = new Set([...KEYWORDS, ...BUILTINS,
  'sqrt', 'rsqrt', 'abs', 'sign', 'exp', 'log', 'square', 'min', 'max', 'pow', 'clamp', 'lerp', 'select',
  'sum', 'mean', 'absmax', 'norm', 'rms', 'dot', 'floor', 'cos', 'sin', 'mod', 'randn', 'randu', 'rademacher',
  'matmul', 'transpose', 'orient', 'identity', 'trace']);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

const wrap = (t: Text, min: number): string => (t.prec >= min ? t.text : `(${t.text})`);

/** Constants are float64 step values: JS's shortest round-trip spelling reads back as the same double. */
const shortest = (v: number): string => String(v);

function constText(v: number): Text {
  if (Number.isNaN(v)) return { text: 'nan', prec: ATOM };
  if (v === Infinity) return { text: 'inf', prec: ATOM };
  if (v === -Infinity) return { text: '-inf', prec: UNARY };
  if (v < 0 || Object.is(v, -0)) return { text: `-${shortest(-v)}`, prec: UNARY };
  return { text: shortest(v), prec: ATOM };
}

/** Hyper defaults are doubles (never rounded), so they print exactly. */
function numberText(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return Object.is(v, -0) ? '-0' : String(v);
}

/** The source form of one op applied to already-printed operands. */
function opText(inst: Inst, args: Text[]): Text {
  const infix = INFIX[inst.op];
  if (infix) {
    const [sym, prec, minL, minR] = infix;
    return { text: `${wrap(args[0]!, minL)} ${sym} ${wrap(args[1]!, minR)}`, prec };
  }
  switch (inst.op) {
    case 'neg': case 'not': {
      const sym = inst.op === 'neg' ? '-' : '!';
      // `-0.5` would read back as a negative constant, and `- -x` is hard to read: parenthesize both.
      const operand = args[0]!.prec > UNARY && !/^[\d.]|^inf$|^nan$/.test(args[0]!.text) ? args[0]!.text : `(${args[0]!.text})`;
      return { text: `${sym}${operand}`, prec: UNARY };
    }
    case 'select':
      return { text: `${wrap(args[0]!, OR)} ? ${wrap(args[1]!, OR)} : ${wrap(args[2]!, OR)}`, prec: TERNARY };
    case 'reduce': {
      // The library function whose expansion is exactly this reduction (src/parser/library.ts).
      const fn = inst.over === 'tensor' ? (inst.name === 'sum' ? 'sum' : inst.name!) : `${inst.over}_${inst.name}`;
      return { text: `${fn}(${args[0]!.text})`, prec: ATOM };
    }
    case 'rand': {
      const sides = inst.shape ? `, ${inst.shape.join(', ')}` : '';
      return { text: `${inst.name === 'normal' ? 'randn' : inst.name === 'uniform' ? 'randu' : 'rademacher'}(${args[0]!.text}${sides})`, prec: ATOM };
    }
    default:
      return { text: `${inst.op}(${args.map((a) => a.text).join(', ')})`, prec: ATOM };
  }
}

/** `f32`, or `q8(block = 256)` for a format with parameters (every field but `kind` is one; flags print as 1). */
function formatText(f: StateFormat): string {
  const params = Object.entries(f).filter(([k]) => k !== 'kind');
  return params.length ? `${f.kind}(${params.map(([k, v]) => `${k} = ${v === true ? 1 : String(v)}`).join(', ')})` : f.kind;
}

/** How a state declares its space in source: `state r: row = 0;` (elem states have no annotation). */
function stateType(s: { format: StateFormat; space?: string; shape?: readonly (string | number)[] }): string {
  if (s.shape) return `matrix(${s.shape.join(', ')})`;
  return s.space && s.space !== 'elem' ? s.space : formatText(s.format);
}

const DIM_NAMES: Record<string, string> = { numel: 'numel', rows: 'nrows', cols: 'ncols' };

const leafKey = (i: Inst): string =>
  i.op === 'const' ? `const:${Object.is(i.value, -0) ? '-0' : String(i.value!)}` : i.op === 'eye' ? `eye:${i.shape![0]}` : `${i.op}:${i.name ?? ''}`;

/**
 * `readable`: print for a reader rather than for the exact instruction order — every value used once is
 * inlined and only values used more than once (or named in source) get a `let`. The text still parses to a
 * program that computes the same thing, but possibly with its instructions in another order; printing that
 * program again gives the same text (symbolic search writes its winners this way).
 */
export interface SourceOptions { readable?: boolean }

export function toSource(program: Program, options: SourceOptions = {}): string {
  const { insts } = program;
  // Names the source cannot spell would make the output unparsable; a Program with them is malformed.
  const declared = [...program.hypers.map((h) => h.name), ...program.states.map((s) => s.name), ...program.inputs.slice(1).map((i) => i.name),
    ...(program.scalars ?? []).map((s) => s.name)];
  for (const n of [program.name, ...declared]) {
    if (!IDENT.test(n) || KEYWORDS.has(n) || (n !== program.name && BUILTINS.has(n))) {
      throw new InvariantError(`toSource: '${n}' cannot be written as a name in .opt source`);
    }
  }

  const uses = new Array<number>(insts.length).fill(0);
  for (const inst of insts) for (const a of inst.args) uses[a]!++;
  const stored = new Set<ValueId>();
  for (const s of program.stores) { stored.add(s.value); uses[s.value]!++; }

  // let names: a unique, valid label, else v<id>; never a declared or reserved name.
  const taken = new Set([...RESERVED, ...declared]);
  const labelCount = new Map<string, number>();
  for (const i of insts) if (i.label && !LEAF_OPS.has(i.op)) labelCount.set(i.label, (labelCount.get(i.label) ?? 0) + 1);
  const names = new Map<ValueId, string>();
  const bindName = (id: ValueId, prefer?: string): string => {
    const label = insts[id]!.label;
    let name = label && IDENT.test(label) && labelCount.get(label) === 1 && !taken.has(label) ? label : prefer ?? `v${id}`;
    while (taken.has(name)) name += '_';
    taken.add(name);
    names.set(id, name);
    return name;
  };

  const leafText = (i: Inst): Text =>
    i.op === 'const' ? constText(i.value!)
      : i.op === 'eye' ? { text: `identity(${i.shape![0]})`, prec: ATOM }
      : { text: i.op === 'param' ? 'p' : i.op === 'step' ? 't' : i.op === 'dim' ? DIM_NAMES[i.name!]! : i.name!, prec: ATOM };
  /** A value printed in full, for the declarations (which cannot use `let`). */
  const fullText = (id: ValueId): Text => {
    // Operands first, in a loop (a chain can be longer than the stack is deep), each text kept for its users.
    const texts = new Map<ValueId, Text>();
    for (const k of postOrder(insts, [id])) {
      const inst = insts[k]!;
      texts.set(k, LEAF_OPS.has(inst.op) ? leafText(inst) : opText(inst, inst.args.map((a) => texts.get(a)!)));
    }
    return texts.get(id)!;
  };

  // Replay the declarations' emission to learn which instructions they account for.
  const emittedKeys = new Set<string>();
  const emitted = new Set<ValueId>();
  const firstLeaf = (op: Op, name: string) => insts.findIndex((i) => i.op === op && i.name === name);
  const declare = (op: Op, name: string) => {
    emittedKeys.add(`${op}:${name}`);
    const id = firstLeaf(op, name);
    if (id >= 0) emitted.add(id);
  };
  const emitTree = (root: ValueId): void => {
    for (const id of postOrder(insts, [root])) {
      const inst = insts[id]!;
      if (!LEAF_OPS.has(inst.op)) { emitted.add(id); continue; }
      const key = leafKey(inst);
      if (!emittedKeys.has(key)) { emittedKeys.add(key); emitted.add(id); }
    }
  };

  const out: string[] = [];
  const doc = (text: string | undefined, indent: string) => {
    if (text !== undefined) for (const line of text.split('\n')) out.push(`${indent}///${line ? ` ${line}` : ''}`);
  };
  doc(program.doc, '');
  out.push(`optimizer ${program.name} {`);
  for (const h of program.hypers) {
    doc(h.doc, '  ');
    out.push(`  hyper ${h.name} = ${numberText(h.default)};`);
    declare('hyper', h.name);
  }
  for (const i of program.inputs.slice(1)) {
    out.push(`  input ${i.name};`);
    declare('input', i.name);
  }
  for (const s of program.scalars ?? []) {
    doc(s.doc, '  ');
    out.push(`  input ${s.name}: scalar;`);
    declare('scalar', s.name);
  }
  // How p is stored; an f32 parameter needs no declaration.
  if (program.param && (program.param.kind !== 'f32' || program.param.rounding)) out.push(`  param p: ${formatText(program.param)};`);
  for (const s of program.states) {
    doc(s.doc, '  ');
    emitTree(s.init);
    out.push(`  state ${s.name}: ${stateType(s)} = ${fullText(s.init).text};`);
    declare('state', s.name);
  }
  // Values only entry points use are printed in full inside their blocks, not in the main update.
  const mainLive = new Set<ValueId>(postOrder(insts, [...program.stores.map((s) => s.value), ...program.states.map((s) => s.init)]));
  if (program.entries?.length) insts.forEach((_, id) => { if (!mainLive.has(id)) emitted.add(id); });
  out.push('  update {');
  const cx = { uses, stored, names, bindName, emitted, emittedKeys, leafText, fullText };
  out.push(...(options.readable ? printReadable(program, cx) : printUpdate(program, cx)));
  out.push('  }');
  for (const e of program.entries ?? []) {
    out.push(`  update ${e.name} {`);
    for (const s of e.stores) out.push(`    ${s.target} = ${fullText(s.value).text};`);
    out.push('  }');
  }
  // The rule for parameters that are not matrices: its own optimizer, printed the same way, nested.
  if (program.fallback) {
    const inner = toSource(program.fallback).trimEnd().split('\n');
    const at = inner.findIndex((l) => l.startsWith('optimizer '));
    inner[at] = inner[at]!.replace(/^optimizer /, 'fallback ');
    out.push('', ...inner.map((l) => `  ${l}`));
  }
  out.push('}');
  return out.join('\n') + '\n';
}

interface UpdateCtx {
  uses: number[];
  stored: Set<ValueId>;
  names: Map<ValueId, string>;
  bindName: (id: ValueId, prefer?: string) => string;
  emitted: Set<ValueId>;
  emittedKeys: Set<string>;
  leafText: (i: Inst) => Text;
  fullText: (id: ValueId) => Text;
}

/** The target (`p` or a state) whose old value a leaf reads, if any. */
const targetOf = (i: Inst): string | undefined => (i.op === 'param' ? 'p' : i.op === 'state' ? i.name! : undefined);

/** A value emitted but not yet printed, and the leaves whose first emission happens inside its text. */
interface Entry { id: ValueId; text: Text; fresh: Set<ValueId> }

/** The update block: `let` statements in instruction order, then one assignment per store. */
function printUpdate(program: Program, cx: UpdateCtx): string[] {
  const { insts } = program;
  const lines: string[] = [];
  /** Values emitted (in the replayed order) but not yet printed: candidates for inlining into their user. */
  const stack: Entry[] = [];
  const pending = new Set<ValueId>();

  const bind = (id: ValueId, text: Text) => { lines.push(`    let ${cx.bindName(id)} = ${text.text};`); };
  const flush = (n: number) => {
    for (const e of stack.splice(0, n)) { pending.delete(e.id); bind(e.id, e.text); }
  };
  /** How an operand that is not being inlined is referred to. */
  const ref = (id: ValueId): Text => {
    const name = cx.names.get(id);
    if (name !== undefined) return { text: name, prec: ATOM };
    const inst = insts[id]!;
    if (LEAF_OPS.has(inst.op)) return cx.leafText(inst);
    if (cx.emitted.has(id)) return cx.fullText(id); // shared with a state's initial value: spell it out again
    throw new InvariantError(`toSource: %${id} is used before it is printed`);
  };

  insts.forEach((inst, id) => {
    if (cx.emitted.has(id)) return;
    if (LEAF_OPS.has(inst.op)) {
      const key = leafKey(inst);
      if (cx.emittedKeys.has(key)) return; // a duplicate leaf: reading it back yields the first one
      cx.emittedKeys.add(key);
      stack.push({ id, text: cx.leafText(inst), fresh: new Set([id]) });
      pending.add(id);
      return;
    }
    // Pending operands in the order the reparse's post-order walk would emit them.
    const want: ValueId[] = [];
    for (const a of inst.args) if (pending.has(a) && !want.includes(a)) want.push(a);
    // The longest top of the stack made of wanted operands in that order can be inlined; if that is not all
    // of them, everything below is bound with `let` first so the emission order still matches.
    let j = stack.length - 1;
    let last = Infinity;
    while (j >= 0) {
      const k = want.indexOf(stack[j]!.id);
      if (k < 0 || k >= last) break;
      last = k;
      j--;
    }
    let take = stack.length - 1 - j;
    if (take < want.length) { flush(j + 1); take = stack.length; }
    // A leaf read by name at operand i is emitted right there by the reparse (its first occurrence in the
    // text). If an inlined operand after i was counted on to emit it, bind that operand first.
    let cut = -1;
    inst.args.forEach((a, i) => {
      if (!LEAF_OPS.has(insts[a]!.op) || pending.has(a)) return;
      for (let s = stack.length - take; s < stack.length; s++) {
        if (inst.args.indexOf(stack[s]!.id) > i && stack[s]!.fresh.has(a)) cut = Math.max(cut, s);
      }
    });
    if (cut >= 0) { flush(cut + 1); take = stack.length; }
    const inlined = new Map<ValueId, Text>();
    const fresh = new Set<ValueId>();
    for (const e of stack.splice(stack.length - take)) {
      pending.delete(e.id);
      inlined.set(e.id, e.text);
      for (const f of e.fresh) fresh.add(f);
    }
    // A leaf used twice (`g * g`) is inlined at its first use; the second reads the existing leaf by name.
    const args = inst.args.map((a, i) => (inst.args.indexOf(a) === i ? inlined.get(a) : undefined) ?? ref(a));
    const text = opText(inst, args);
    if (cx.uses[id] !== 1 || cx.stored.has(id) || inst.label) {
      flush(stack.length);
      bind(id, text);
    } else {
      stack.push({ id, text, fresh });
      pending.add(id);
    }
  });

  // An assignment that stores the old value of `p` or a state (`s1 = s0;`) after that target was assigned
  // (`s0 = ...;` earlier) would read the new value: such old values get a `let` before the assignments.
  const assigned = new Set<string>();
  const keepOld: ValueId[] = [];
  for (const s of program.stores) {
    const target = targetOf(insts[s.value]!);
    if (target !== undefined && assigned.has(target) && !keepOld.includes(s.value)) keepOld.push(s.value);
    assigned.add(s.target);
  }
  // Leaves still pending are read first by the assignments; those get emitted there, in store order, so
  // they need no `let` unless that order differs.
  const storeOrder: ValueId[] = [];
  for (const s of program.stores) if (pending.has(s.value) && !storeOrder.includes(s.value)) storeOrder.push(s.value);
  const inOrder = storeOrder.length === stack.length && storeOrder.every((id, i) => stack[i]!.id === id);
  if (!inOrder || keepOld.some((id) => pending.has(id))) flush(stack.length);
  for (const id of keepOld) if (!cx.names.has(id)) bind(id, cx.leafText(insts[id]!));
  for (const s of program.stores) lines.push(`    ${s.target} = ${ref(s.value).text};`);
  return lines;
}

/** The update block for a reader: `let` only for shared or named values, every other value inlined. */
function printReadable(program: Program, cx: UpdateCtx): string[] {
  const { insts } = program;
  const live = new Set(postOrder(insts, program.stores.map((s) => s.value)));
  const lines: string[] = [];
  const texts = new Map<ValueId, Text>();
  /** The state/parameter leaves each inlined text reads (an assignment before it would change them). */
  const reads = new Map<ValueId, Set<string>>();
  const ref = (id: ValueId): Text => {
    const name = cx.names.get(id);
    if (name !== undefined) return { text: name, prec: ATOM };
    return LEAF_OPS.has(insts[id]!.op) ? cx.leafText(insts[id]!) : texts.get(id)!;
  };
  // A shared stored value reads best under its target's name (`let m_new = ...; m = m_new;`).
  const prefer = new Map<ValueId, string>();
  for (const s of program.stores) if (!prefer.has(s.value)) prefer.set(s.value, `${s.target}_new`);
  const bind = (id: ValueId) => {
    lines.push(`    let ${cx.bindName(id, prefer.get(id))} = ${texts.get(id)!.text};`);
    reads.set(id, new Set()); };
  insts.forEach((inst, id) => {
    if (LEAF_OPS.has(inst.op) || !live.has(id)) return;
    texts.set(id, opText(inst, inst.args.map(ref)));
    const r = new Set<string>();
    for (const a of inst.args) {
      const t = targetOf(insts[a]!);
      if (t !== undefined) r.add(t);
      else if (!cx.names.has(a)) for (const x of reads.get(a) ?? []) r.add(x);
    }
    reads.set(id, r);
    const named = inst.label !== undefined && IDENT.test(inst.label);
    if (cx.uses[id]! > 1 || named) bind(id);
  });
  // Assignments come last; one whose inlined value reads a target assigned before it is bound first, and
  // so is a bare old value (`s1 = s0;` after `s0 = ...;`).
  const assigned = new Set<string>();
  const later: Set<ValueId> = new Set();
  for (const s of program.stores) {
    const v = insts[s.value]!;
    const old = targetOf(v);
    if (old !== undefined ? assigned.has(old) : [...(reads.get(s.value) ?? [])].some((x) => assigned.has(x))) later.add(s.value);
    assigned.add(s.target);
  }
  // Old values (bare leaves) go first: a reparse keeps no label on a leaf, so elsewhere is no fixed point.
  const olds: string[] = [];
  for (const id of later) if (!cx.names.has(id)) {
    if (!LEAF_OPS.has(insts[id]!.op)) { bind(id); continue; }
    olds.push(`    let ${cx.bindName(id, prefer.get(id))} = ${cx.leafText(insts[id]!).text};`);
  }
  lines.unshift(...olds);
  for (const s of program.stores) lines.push(`    ${s.target} = ${ref(s.value).text};`);
  return lines;
}
