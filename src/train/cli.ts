// `optc train FILE.opt [FILE.opt …] --out DIR`: trains the MNIST MLP once per optimizer (and once with
// tf.train.adam), prints a summary table, writes the HTML report, and ends with the first optimizer's final
// test accuracy. See docs/training.md.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { compile, compileIR } from '../compile.js';
import { OptcRuntimeError } from '../runtime/errors.js';
import { openTfjsOnDawn } from '../tfjs/dawn.js';
import { loadMnist, take } from './data.js';
import { pct, SUMMARY_HEAD, summaryRows, writeReport } from './report.js';
import { trainOne, type OptimizerEntry, type RunResult, type TrainConfig } from './run.js';

export const TRAIN_USAGE = `optc train FILE.opt [FILE.opt ...] --out DIR   train an MLP on MNIST digits with each optimizer (and tf.train.adam)
      [--epochs 8] [--batch 32] [--seed 1] [--hyper [NAME.]H=V ...] [--hidden 256] [--no-shift] [--no-baseline] [--train-size N]`;

/** Bad arguments to `optc train`. */
export class TrainUsageError extends OptcRuntimeError {}

/** The label of tf.train.adam's row, also the NAME in `--hyper tfjs-adam.lr=…`. */
export const BASELINE = 'tfjs-adam';

interface Parsed { files: string[]; out: string; cfg: TrainConfig; hypers: { scope?: string; name: string; value: number }[]; baseline: boolean; trainSize?: number }

function intOption(v: string | undefined, name: string, def: number, min = 1): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new TrainUsageError(`--${name} expects an integer >= ${min}, got '${v}'`);
  return n;
}

export function parseTrainArgs(argv: string[]): Parsed {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true,
      options: {
        out: { type: 'string' }, epochs: { type: 'string' }, batch: { type: 'string' }, seed: { type: 'string' },
        hyper: { type: 'string', multiple: true }, hidden: { type: 'string' }, 'no-shift': { type: 'boolean' },
        'no-baseline': { type: 'boolean' }, 'train-size': { type: 'string' },
      },
    });
  } catch (e) {
    throw new TrainUsageError(`${(e as Error).message}\n${TRAIN_USAGE}`);
  }
  const { values: v, positionals: files } = parsed;
  if (!files.length) throw new TrainUsageError(`optc train needs at least one FILE.opt\n${TRAIN_USAGE}`);
  if (!v.out) throw new TrainUsageError(`optc train needs --out DIR (where the report goes)\n${TRAIN_USAGE}`);
  const hidden = (v.hidden ?? '256').split(',').map((w) => intOption(w.trim(), 'hidden', 0));
  const hypers = (v.hyper ?? []).map((h) => {
    const m = /^(?:([A-Za-z_][\w-]*)\.)?([A-Za-z_]\w*)=(.+)$/.exec(h);
    const value = m ? Number(m[3]) : NaN;
    if (!m || !Number.isFinite(value)) throw new TrainUsageError(`--hyper expects [OPTIMIZER.]NAME=NUMBER, got '${h}'`);
    return { ...(m[1] ? { scope: m[1] } : {}), name: m[2]!, value };
  });
  return {
    files, out: v.out, hypers, baseline: !v['no-baseline'],
    cfg: { epochs: intOption(v.epochs, 'epochs', 8), batch: intOption(v.batch, 'batch', 32), seed: intOption(v.seed, 'seed', 1, 0), hidden, shift: !v['no-shift'] },
    ...(v['train-size'] ? { trainSize: intOption(v['train-size'], 'train-size', 1) } : {}),
  };
}

/** Compiles each file and resolves its --hyper overrides (an unscoped one applies to every optimizer declaring it). */
export function optimizerEntries(p: Parsed): OptimizerEntry[] {
  const entries: OptimizerEntry[] = [];
  const used = new Set<number>();
  for (const file of p.files) {
    let source: string;
    try { source = readFileSync(file, 'utf8'); } catch (e) { throw new TrainUsageError(`cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
    const m = compile(source, { file }).module;
    let label = m.name;
    for (let k = 2; entries.some((e) => e.label === label); k++) label = `${m.name}-${k}`;
    const hypers: Record<string, number> = {};
    p.hypers.forEach((h, i) => {
      const mine = h.scope === undefined || h.scope === label || h.scope === m.name || h.scope === basename(file, '.opt');
      if (!mine) return;
      if (!m.hypers.some((d) => d.name === h.name)) {
        if (h.scope !== undefined) throw new TrainUsageError(`--hyper ${h.scope}.${h.name}: optimizer '${m.name}' has no hyperparameter '${h.name}' (it declares: ${m.hypers.map((d) => d.name).join(', ')})`);
        return;
      }
      hypers[h.name] = h.value;
      used.add(i);
    });
    entries.push({ kind: 'optc', label, file, source, hypers });
  }
  if (p.baseline) {
    const lr = [...p.hypers.entries()].filter(([, h]) => h.name === 'lr' && (h.scope === undefined || h.scope === BASELINE));
    for (const [i] of lr) used.add(i);
    entries.push({ kind: 'tfjs-adam', label: BASELINE, lr: lr.at(-1)?.[1].value ?? 1e-3 });
  }
  p.hypers.forEach((h, i) => {
    if (!used.has(i)) throw new TrainUsageError(`--hyper ${h.scope ? `${h.scope}.` : ''}${h.name}: no optimizer of this run declares '${h.name}'${h.scope ? ` under the name '${h.scope}'` : ''}`);
  });
  return entries;
}

/** Plain-text table for the terminal. */
export function textTable(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [head, ...rows].map((r) => r.map(String));
  const width = head.map((_, k) => Math.max(...cells.map((r) => r[k]!.length)));
  return cells.map((r) => r.map((c, k) => (k === 0 ? c.padEnd(width[k]!) : c.padStart(width[k]!))).join('  ')).join('\n');
}

export async function trainCommand(argv: string[]): Promise<number> {
  const p = parseTrainArgs(argv);
  const entries = optimizerEntries(p);
  const dawn = await openTfjsOnDawn();
  try {
    const split = loadMnist();
    const data = p.trainSize ? { ...split, train: take(split.train, p.trainSize) } : split;
    const results: RunResult[] = [];
    // optc's launcher filters Dawn's start-up noise out of stderr through a pipe (src/cli/quiet-dawn.ts), so in
    // a terminal the bar, and the epoch lines beside it, go to stdout; elsewhere the bar stays silent.
    const stream = process.stdout.isTTY ? process.stdout : process.stderr;
    const say = (line: string) => stream.write(`${line}\n`);
    say(`optc train: ${data.train.n} training / ${data.test.n} test digits, MLP 784-${[...p.cfg.hidden, 10].join('-')}, ${p.cfg.epochs} epochs of batch ${p.cfg.batch}, seed ${p.cfg.seed}, on ${dawn.description}`);
    for (const entry of entries) {
      const bar = new SingleBar({
        format: `${entry.label.padEnd(12)} epoch {epoch}/${p.cfg.epochs} [{bar}] {value}/{total} loss {loss}`,
        barsize: 30, hideCursor: true, clearOnComplete: true, stream,
      });
      results.push(await trainOne(entry, data, p.cfg, {
        epochStart: (e, steps) => bar.start(steps, 0, { epoch: e + 1, loss: '-' }),
        step: (s, loss) => bar.update(s, { loss: loss.toFixed(4) }),
        epochEnd: (e, acc, loss) => {
          bar.stop();
          say(`${entry.label.padEnd(12)} epoch ${e + 1}/${p.cfg.epochs}: test accuracy ${pct(acc)}, test loss ${loss.toFixed(4)}`);
        },
      }));
    }
    const file = await writeReport(p.out, results, {
      config: p.cfg, trainImages: data.train.n, testImages: data.test.n, device: dawn.description, date: new Date().toISOString(),
    });
    console.log(textTable(SUMMARY_HEAD, summaryRows(results)));
    console.log(`report: ${file}`);
    const first = results[0]!;
    console.log(`test accuracy: ${(100 * first.testAccuracy.at(-1)!).toFixed(1)}% (${first.label})`);
    return 0;
  } finally {
    dawn.close();
  }
}
