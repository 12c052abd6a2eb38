// The TextMate grammar (syntaxes/opt.tmLanguage.json) as an editor runs it: vscode-textmate with the
// Oniguruma regex engine, VS Code's own pair. It is generated from the compiler's tables (the committed file
// must equal the generator's output), tokenizes every example without gaps, and gives the expected scopes.
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as oniguruma from 'vscode-oniguruma';
import * as vsctm from 'vscode-textmate';
import { grammarJson } from '../src/parser/highlight.js';
import { lex } from '../src/parser/lexer.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const GRAMMAR = join(REPO, 'syntaxes/opt.tmLanguage.json');
const examples = readdirSync(join(REPO, 'examples')).filter((f) => f.endsWith('.opt')).sort();
let grammar: vsctm.IGrammar;

beforeAll(async () => {
  const wasm = readFileSync(join(dirname(createRequire(import.meta.url).resolve('vscode-oniguruma')), 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p) => new oniguruma.OnigScanner(p), createOnigString: (s) => new oniguruma.OnigString(s) }),
    loadGrammar: async (scope) => (scope === 'source.opt' ? vsctm.parseRawGrammar(readFileSync(GRAMMAR, 'utf8'), GRAMMAR) : null),
  });
  const g = await registry.loadGrammar('source.opt');
  if (!g) throw new Error('vscode-textmate did not load syntaxes/opt.tmLanguage.json');
  grammar = g;
});

interface Tok { text: string; scopes: string[]; line: number; col: number }
function tokenize(source: string): Tok[] {
  const out: Tok[] = [];
  let state = vsctm.INITIAL;
  source.split('\n').forEach((line, i) => {
    const r = grammar.tokenizeLine(line, state);
    for (const t of r.tokens) out.push({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes, line: i + 1, col: t.startIndex + 1 });
    state = r.ruleStack;
  });
  return out;
}
const scopeOf = (toks: Tok[], text: string, nth = 0) => toks.filter((t) => t.text === text)[nth]?.scopes.at(-1);

describe('syntaxes/opt.tmLanguage.json', () => {
  it('is what scripts/gen-grammar.ts generates from the compiler tables', () => {
    expect(readFileSync(GRAMMAR, 'utf8'), 'run: node --import tsx scripts/gen-grammar.ts').toBe(grammarJson());
  });

  it('is a VS Code extension as it stands (syntaxes/package.json names files that exist)', () => {
    const manifest = JSON.parse(readFileSync(join(REPO, 'syntaxes/package.json'), 'utf8'));
    const [lang] = manifest.contributes.languages, [gram] = manifest.contributes.grammars;
    expect(lang.extensions).toEqual(['.opt']);
    expect(gram.scopeName).toBe('source.opt');
    expect(gram.language).toBe(lang.id);
    for (const f of [lang.configuration, gram.path]) expect(() => JSON.parse(readFileSync(join(REPO, 'syntaxes', f), 'utf8')), f).not.toThrow();
  });

  it('scopes every lexer token of every example (no code token is left unscoped)', () => {
    for (const f of examples) {
      const source = readFileSync(join(REPO, 'examples', f), 'utf8');
      const toks = tokenize(source);
      // Every non-blank piece of text the lexer turns into a token gets a scope beyond the file's.
      const lines = source.split('\n');
      const lineStarts = lines.map((_, i) => lines.slice(0, i).reduce((a, l) => a + l.length + 1, 0));
      for (const t of lex(source).tokens) {
        const line = lineStarts.filter((s) => s <= t.startOffset).length;
        const col = t.startOffset - lineStarts[line - 1]! + 1;
        const hit = toks.find((k) => k.line === line && k.col <= col && col < k.col + k.text.length);
        expect(hit?.scopes.length, `${f}:${line}:${col} '${t.image}'`).toBeGreaterThan(1);
      }
    }
  });

  it('gives keywords, functions, numbers, comments, formats and names their scopes', () => {
    const toks = tokenize(readFileSync(join(REPO, 'examples/adam.opt'), 'utf8'));
    expect(scopeOf(toks, 'optimizer')).toBe('storage.type.opt');
    expect(scopeOf(toks, 'adam')).toBe('entity.name.type.opt');
    expect(scopeOf(toks, 'hyper')).toBe('storage.type.opt');
    expect(scopeOf(toks, 'lr')).toBe('variable.other.declaration.opt');
    expect(scopeOf(toks, 'sqrt')).toBe('support.function.builtin.opt');
    expect(scopeOf(toks, '0.001')).toBe('constant.numeric.opt');
    expect(scopeOf(toks, '1e-8')).toBe('constant.numeric.opt');
    expect(toks.find((t) => t.text.startsWith('/// learning rate'))?.scopes.at(-1)).toBe('comment.line.documentation.opt');
    expect(scopeOf(toks, 'g')).toBe('variable.language.opt');
    expect(scopeOf(toks, 'beta1', 1)).toBe('variable.other.opt');
    const q = tokenize('optimizer x {\n  state m: q8 = 0; /* a\n block */ let letter = 1;\n  update { if t > 1 { p = p - inf; } }\n}');
    expect(scopeOf(q, 'q8')).toBe('support.type.format.opt');
    expect(q.find((t) => t.text.startsWith(' block'))?.scopes.at(-1)).toBe('comment.block.opt');
    expect(scopeOf(q, 'letter')).toBe('variable.other.declaration.opt');
    expect(scopeOf(q, 'if')).toBe('keyword.control.opt');
    expect(scopeOf(q, 'inf')).toBe('constant.language.opt');
  });
});
