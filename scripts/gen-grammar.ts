// Writes syntaxes/opt.tmLanguage.json, the TextMate grammar of `.opt` files (VS Code, Sublime, GitHub's
// linguist and shiki read this format), from the compiler's own tables: the lexer's keywords and number
// pattern, the built-in values, functions and storage formats. test/grammar.test.ts fails when the committed
// file differs from what this prints, so the grammar cannot drift from the language.
// Usage: node --import tsx scripts/gen-grammar.ts [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { grammarJson } from '../src/parser/highlight.js';

const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'syntaxes', 'opt.tmLanguage.json');
const text = grammarJson();
if (process.argv.includes('--check')) {
  if (readFileSync(file, 'utf8') !== text) { console.error(`${file} is out of date: run node --import tsx scripts/gen-grammar.ts`); process.exit(1); }
} else {
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}
