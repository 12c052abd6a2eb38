// Structural identity of a program for search and caching: labels, spans and docs do not count.
import type { Program } from './types.js';

/** Canonical JSON of everything that affects the program's meaning. */
export function canonicalJSON(p: Program): string {
  return JSON.stringify({
    hypers: p.hypers.map((h) => [h.name, h.default]),
    states: p.states.map((s) => (s.shape ? [s.name, s.init, s.format, s.space, s.shape]
      : s.space && s.space !== 'elem' ? [s.name, s.init, s.format, s.space] : [s.name, s.init, s.format])),
    inputs: p.inputs.map((i) => i.name),
    ...(p.scalars?.length ? { scalars: p.scalars.map((s) => s.name) } : {}),
    insts: p.insts.map((i) => (i.shape ? [i.op, i.args, i.dtype, i.value ?? null, i.name ?? null, i.over ?? null, i.shape]
      : i.over ? [i.op, i.args, i.dtype, i.value ?? null, i.name ?? null, i.over] : [i.op, i.args, i.dtype, i.value ?? null, i.name ?? null])),
    stores: p.stores.map((s) => [s.target, s.value]),
    // Only a declared non-f32 parameter joins the key, so every f32 program keeps its hash.
    ...(p.param && p.param.kind !== 'f32' ? { param: p.param } : {}),
    ...(p.entries?.length ? { entries: p.entries.map((e) => [e.name, e.stores.map((s) => [s.target, s.value])]) } : {}),
    ...(p.fallback ? { fallback: [p.fallback.name, canonicalJSON(p.fallback)] } : {}),
  });
}

/** 64-bit FNV-1a of the canonical JSON, as 16 hex digits. */
export function hashProgram(p: Program): string {
  const s = canonicalJSON(p);
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = (1n << 64n) - 1n;
  for (let i = 0; i < s.length; i++) h = ((h ^ BigInt(s.charCodeAt(i))) * prime) & mask;
  return h.toString(16).padStart(16, '0');
}

export function cloneProgram(p: Program): Program { return structuredClone(p); }
