// Strict JSON for safetensors headers and checkpoint metadata.
//
// JSON.parse keeps the last of duplicate keys and turns 1e400 into Infinity; the spec forbids the first, and
// both would let a corrupted header through. This parser keeps objects as Maps (so `__proto__` is just a
// key), numbers as their text, and rejects duplicates, lone surrogates and nesting deeper than 128.

import { CheckpointError } from './errors.js';

export class JsonNumber {
  constructor(readonly text: string) {}
  /** The value when the literal is a plain non-negative integer below 2^53, else undefined. */
  asUint(): number | undefined {
    if (!/^(0|[1-9][0-9]*)$/.test(this.text)) return undefined;
    const n = Number(this.text);
    return Number.isSafeInteger(n) ? n : undefined;
  }
}
export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | Map<string, JsonValue>;

const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

export function jsonKind(v: JsonValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (v instanceof Map) return 'an object';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof JsonNumber) return `the number ${v.text}`;
  return typeof v === 'string' ? `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}` : String(v);
}

/** Parses `text` as one JSON value. Errors are CheckpointErrors with `field` set to `what`. */
export function parseStrictJson(text: string, what: string): JsonValue {
  let i = 0;
  const fail = (expected: string): never => {
    const found = i >= text.length ? 'the end' : JSON.stringify(text.slice(i, i + 12));
    throw new CheckpointError('header-json', `invalid JSON in ${what} at character ${i}: expected ${expected}, found ${found}`, { field: what });
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const str = (): string => {
    i++; // opening quote
    let out = '';
    for (;;) {
      // Copy the run up to the next quote, backslash, control character or surrogate in one slice.
      let j = i;
      for (let c = text.charCodeAt(j); j < text.length && c !== 0x22 && c !== 0x5c && c >= 0x20 && (c < 0xd800 || c > 0xdfff); c = text.charCodeAt(++j));
      out += text.slice(i, j);
      i = j;
      if (i >= text.length) fail('a closing quote');
      const c = text.charCodeAt(i);
      if (c === 0x22) { i++; return out; }
      if (c < 0x20) fail('an escaped control character');
      if (c >= 0xd800 && c <= 0xdfff) {
        // A pair is one character outside the BMP; a lone half cannot come from UTF-8 but can from a caller.
        const lo = text.charCodeAt(i + 1);
        if (c > 0xdbff || !(lo >= 0xdc00 && lo <= 0xdfff)) fail('well-formed text');
        out += text.slice(i, i + 2);
        i += 2;
        continue;
      }
      const e = text[i + 1];
      if (e !== undefined && e in ESCAPES) { out += ESCAPES[e]; i += 2; continue; }
      if (e !== 'u') fail('an escape sequence');
      const unit = (at: number) => (/^[0-9a-fA-F]{4}$/.test(text.slice(at, at + 4)) ? parseInt(text.slice(at, at + 4), 16) : fail('four hex digits'));
      const hi = unit(i + 2);
      i += 6;
      if (hi >= 0xdc00 && hi <= 0xdfff) fail('a high surrogate before a low one');
      if (hi >= 0xd800 && hi <= 0xdbff) {
        if (text.slice(i, i + 2) !== '\\u') fail('a low surrogate escape after a high one');
        const lo = unit(i + 2);
        if (lo < 0xdc00 || lo > 0xdfff) fail('a low surrogate');
        i += 6;
        out += String.fromCharCode(hi, lo);
      } else {
        out += String.fromCharCode(hi);
      }
    }
  };
  const value = (depth: number): JsonValue => {
    if (depth > 128) fail('nesting at most 128 deep');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj = new Map<string, JsonValue>();
      ws();
      if (text[i] === '}') { i++; return obj; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('a string key');
        const keyAt = i;
        const key = str();
        if (obj.has(key)) {
          throw new CheckpointError('duplicate-key', `${what} repeats the key ${JSON.stringify(key)} (at character ${keyAt}); keys must be unique`, { field: key });
        }
        ws();
        if (text[i] !== ':') fail("':'");
        i++;
        obj.set(key, value(depth + 1));
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return obj; }
        fail("',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const arr: JsonValue[] = [];
      ws();
      if (text[i] === ']') { i++; return arr; }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return arr; }
        fail("',' or ']'");
      }
    }
    if (c === '"') return str();
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (m && m[0] !== '' && m[0] !== '-') { i += m[0].length; return new JsonNumber(m[0]); }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) { i += word.length; return v; }
    }
    return fail('a JSON value');
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail('the end of the JSON text');
  return v;
}
