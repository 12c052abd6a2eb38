// Syntax highlighting for the editor: a CodeMirror stream mode built from the same vocabulary as the
// TextMate grammar (src/parser/highlight.ts: the lexer's keywords and number pattern, the built-in values,
// functions and formats), so the page colours exactly what syntaxes/opt.tmLanguage.json colours.
import { HighlightStyle, StreamLanguage, syntaxHighlighting } from '@codemirror/language';
import { tags as t } from '@lezer/highlight';
import { vocabulary } from '../../src/parser/highlight.js';

const v = vocabulary();
const sets = {
  declaration: new Set(v.declarations), control: new Set(v.control), fn: new Set(v.functions),
  variable: new Set(v.variables), constant: new Set(v.constants), format: new Set(v.formats),
};
const number = new RegExp(v.number);

interface State { inBlock: boolean; afterColon: boolean; afterDecl: boolean }

export const optLanguage = StreamLanguage.define<State>({
  name: 'opt',
  startState: () => ({ inBlock: false, afterColon: false, afterDecl: false }),
  token(stream, s) {
    if (s.inBlock) {
      if (stream.skipTo('*/')) { stream.match('*/'); s.inBlock = false; } else stream.skipToEnd();
      return 'blockComment';
    }
    if (stream.eatSpace()) return null;
    if (stream.match(/^\/\/\/(?!\/).*/)) return 'docComment';
    if (stream.match(/^\/\/.*/)) return 'lineComment';
    if (stream.match('/*')) { s.inBlock = true; return 'blockComment'; }
    if (stream.match(number)) { s.afterColon = false; return 'number'; }
    const word = stream.match(/^[A-Za-z_][A-Za-z0-9_]*/) as RegExpMatchArray | null;
    if (word) {
      const w = word[0];
      const wasColon = s.afterColon, wasDecl = s.afterDecl;
      s.afterColon = false;
      s.afterDecl = sets.declaration.has(w);
      if (s.afterDecl) return 'keyword';
      if (sets.control.has(w)) return 'controlKeyword';
      if (wasDecl) return 'definition';
      if (wasColon && sets.format.has(w)) return 'typeName';
      if (sets.fn.has(w) && stream.match(/^\s*(?=\()/, false)) return 'standard';
      if (sets.constant.has(w)) return 'atom';
      if (sets.variable.has(w)) return 'special';
      return 'variableName';
    }
    const ch = stream.next()!;
    s.afterColon = ch === ':';
    s.afterDecl = false;
    return /[{}()]/.test(ch) ? 'bracket' : /[;,]/.test(ch) ? 'punctuation' : 'operator';
  },
  tokenTable: {
    docComment: t.docComment, lineComment: t.lineComment, blockComment: t.blockComment, number: t.number,
    keyword: t.definitionKeyword, controlKeyword: t.controlKeyword, definition: t.definition(t.variableName),
    typeName: t.typeName, standard: t.standard(t.function(t.variableName)), atom: t.atom, special: t.special(t.variableName),
    variableName: t.variableName, bracket: t.bracket, punctuation: t.punctuation, operator: t.operator,
  },
  languageData: { commentTokens: { line: '//', block: { open: '/*', close: '*/' } } },
});

export const optHighlight = syntaxHighlighting(HighlightStyle.define([
  { tag: [t.docComment], color: '#5a7f3c', fontStyle: 'italic' },
  { tag: [t.lineComment, t.blockComment], color: '#8a8a8a', fontStyle: 'italic' },
  { tag: t.definitionKeyword, color: '#7b36b3', fontWeight: 'bold' },
  { tag: t.controlKeyword, color: '#b3366c', fontWeight: 'bold' },
  { tag: t.definition(t.variableName), color: '#1f5fa8' },
  { tag: t.typeName, color: '#a35d00' },
  { tag: t.standard(t.function(t.variableName)), color: '#00798a' },
  { tag: [t.atom, t.number], color: '#a35d00' },
  { tag: t.special(t.variableName), color: '#b3366c' },
  { tag: t.operator, color: '#555' },
]));
