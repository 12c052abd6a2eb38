// The CLI's view of compressed state (issue 4, "Inspection"), spawned as a user runs it:
//   - `optc formats --json` lists every format with its bytes per element, block size and code table;
//     `optc formats` prints the same as a table;
//   - `optc run` RESULT.json carries "memory": {paramBytes, stateBytes} (webgpu: what the device holds,
//     from Optimizer.memory(); interp: what the formats' bytes(n) define) and "state" as decoded values,
//     and both backends agree bit for bit on a compressed-state example.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../src/index.js';
import { FORMAT_NAMES, FORMATS } from '../src/formats/index.js';
import { decodeState, initStates, interpretStep, type StepResult } from '../src/ir/index.js';
import { gradientSequence, numel, randomTensor } from './helpers/data.js';
import { Rng } from './helpers/prng.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
const optc = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root });
const dir = mkdtempSync(join(tmpdir(), 'optc-compressed-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface FormatJson {
  name: string; kind: string; bitsPerElement: number; blockSize: number | null; bytesPerElement: number;
  signed: boolean; table: number[] | null; summary: string;
}
interface Tensor { shape: number[]; data: number[] }
interface Result {
  steps: number; backend: string; memory: { paramBytes: number; stateBytes: number };
  params: Record<string, Tensor>; state: Record<string, Record<string, Tensor>>;
}

describe.concurrent('optc formats', () => {
  it('--json: every format with bytes per element, block size and its exact code table', async ({ expect }) => {
    const list = JSON.parse((await optc('formats', '--json')).stdout) as FormatJson[];
    expect(list.map((f) => f.name)).toEqual([...FORMAT_NAMES]);
    for (const f of list) {
      const info = FORMATS[f.name as keyof typeof FORMATS];
      expect(f.bitsPerElement, f.name).toBe(info.bitsPerElement);
      expect(f.blockSize, f.name).toBe(info.blockSize ?? null);
      expect(f.bytesPerElement, f.name).toBe(f.bitsPerElement / 8 + (f.blockSize ? 4 / f.blockSize : 0));
      // For a large tensor the format's own byte count per element converges to the listed figure.
      expect(info.bytesPerElement(1 << 22), f.name).toBeCloseTo(f.bytesPerElement, 12);
      if (!info.table) { expect(f.table, f.name).toBeNull(); continue; }
      // JSON numbers print the f32 values exactly: they read back to the same bits.
      expect(f.table!.length, f.name).toBe(2 ** f.bitsPerElement);
      expect(f.table!.every((x, i) => Math.fround(x) === x && x === info.table![i]), f.name).toBe(true);
    }
    const q8 = list.find((f) => f.name === 'q8')!;
    expect([q8.table![0], q8.table![127], q8.table![255]]).toEqual([Math.fround(-0.992968738079071), 0, 1]);
    expect(list.find((f) => f.name === 'q4u')!.table).toEqual(Array.from({ length: 16 }, (_, k) => (k + 1) / 16));
  });

  it('prints a table by default', async ({ expect }) => {
    const { stdout } = await optc('formats');
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^name\s+kind\s+bits\s+block\s+bytes\/elem\s+signed\s+summary$/);
    for (const name of FORMAT_NAMES) expect(lines.some((l) => l.startsWith(`${name} `)), name).toBe(true);
    expect(lines.find((l) => l.startsWith('q8 '))).toMatch(/^q8\s+table\s+8\s+256\s+1\.015625\s+yes\s+signed 8-bit dynamic map/);
    expect(lines.find((l) => l.startsWith('f32 '))).toMatch(/^f32\s+float\s+32\s+-\s+4\s+yes/);
  });
});

describe('optc run: memory and decoded state in RESULT.json', () => {
  const shapes: Record<string, number[]> = { w: [33, 35], b: [7] };
  const STEPS = 6;
  const rng = new Rng(99);
  const params = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, { shape: s, data: Array.from(randomTensor(rng, numel(s))) }]));
  const grads = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, gradientSequence(rng, numel(s), STEPS)]));
  const kase = { hyper: { lr: 0.01 }, params, grads: Array.from({ length: STEPS }, (_, t) => Object.fromEntries(Object.keys(shapes).map((k) => [k, Array.from(grads[k]![t]!)]))) };
  const casePath = join(dir, 'CASE.json');
  writeFileSync(casePath, JSON.stringify(kase));

  async function result(file: string, backend: string): Promise<Result> {
    const out = join(dir, `${file.replace(/\W/g, '_')}.${backend}.json`);
    await optc('run', file, '--case', casePath, '--out', out, '--backend', backend);
    return JSON.parse(readFileSync(out, 'utf8')) as Result;
  }

  for (const name of ['adamw8bit', 'adamw4bit', 'adamwfp8', 'adamw_bf16', 'adamw']) {
    it(`${name}: both backends report memory and agree bit for bit on params and decoded state`, async () => {
      const file = `examples/${name}.opt`;
      const [interp, gpu] = await Promise.all([result(file, 'interp'), result(file, 'webgpu')]);
      const program = compile(readFileSync(join(root, file), 'utf8')).program;

      // interp: exactly what the formats define for these two tensors.
      const ns = Object.values(shapes).map(numel);
      const want = ns.reduce((s, n) => s + program.states.reduce((t, st) => t + FORMATS[st.format.kind].bytes(n), 0), 0);
      const paramBytes = ns.reduce((s, n) => s + FORMATS[program.param?.kind ?? 'f32'].bytes(n), 0);
      expect(interp.memory).toEqual({ paramBytes, stateBytes: want });
      if (name === 'adamw_bf16') expect(paramBytes).toBe(2 * (ns[0]! + 1) + 2 * (ns[1]! + 1)); // whole words: 1155 and 7 are odd
      // webgpu: what the device holds, at least that (tensors start on whole blocks, buffers are 16-byte multiples).
      expect(gpu.memory.stateBytes).toBeGreaterThanOrEqual(want);
      expect(gpu.memory.paramBytes).toBeGreaterThanOrEqual(interp.memory.paramBytes);
      if (name === 'adamw') expect(interp.memory.stateBytes).toBe(8 * (ns[0]! + ns[1]!));

      expect(gpu.params).toEqual(interp.params);
      expect(gpu.state).toEqual(interp.state);

      // "state" is the decoded codes: replay the interpreter with packed state and decode.
      for (const [tensorIndex, [k, shape]] of Object.entries(shapes).entries()) {
        const n = numel(shape);
        let cur: StepResult = { param: Float32Array.from(params[k]!.data), states: initStates(program, n, kase.hyper) };
        for (let t = 0; t < STEPS; t++) {
          cur = interpretStep(program, { t: t + 1, hypers: kase.hyper, param: cur.param, inputs: { g: grads[k]![t]! }, states: cur.states, tensorIndex, ...(cur.packed ? { packed: cur.packed } : {}) });
        }
        for (const s of program.states) {
          const values = cur.packed?.[s.name] ? decodeState(s, cur.packed[s.name]!, n) : cur.states[s.name]!;
          expect(interp.state[s.name]![k]!.data, `${s.name}.${k}`).toEqual(Array.from(values));
        }
      }
    });
  }
});
