// Timing method shared by every case: a few warm-up steps (pipeline creation, first-touch page faults, buffer
// pools), then `iters` timed steps, each one submitted *and waited on* (`onSubmittedWorkDone`) before the next
// starts, so a sample is one step's full latency: host work + queue + kernels. The median resists the noise of
// a 2-core machine where the software GPU (lavapipe) shares the cores with Node.

import { rng } from './data.js';

export interface Timing {
  /** Median wall time of one step, milliseconds. */
  ms: number;
  /** Fastest and slowest sample, milliseconds. */
  min: number;
  max: number;
  /** Every timed sample in the order taken, milliseconds. */
  samples: number[];
}

export interface TimeOptions {
  warmup: number;
  iters: number;
}

/** A step: issues the work (may be async) and resolves when it has *completed* on the device. */
export type Step = () => Promise<void> | void;

export async function timeSteps(step: Step, opts: TimeOptions): Promise<Timing> {
  for (let i = 0; i < opts.warmup; i++) await step();
  const samples: number[] = [];
  for (let i = 0; i < opts.iters; i++) {
    const t0 = performance.now();
    await step();
    samples.push(performance.now() - t0);
  }
  return summarize(samples);
}

export function summarize(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const ms = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { ms, min: sorted[0]!, max: sorted[sorted.length - 1]!, samples };
}

/**
 * Times several steps round-robin: warm-up each, then one sample of each in turn, `iters` rounds. When the
 * machine slows down (another process, thermal, lavapipe's thread pool) all compared cases see it alike, so
 * ratios between them stay meaningful even when absolute times drift. Each round runs the cases in a new
 * (seeded) order, so no case always runs right after the same one: a case that follows one sharing its
 * buffers (the hand-written AdamW reads optc's gradient buffer) finds them in cache, and a fixed order would
 * give that to one side of a ratio every round.
 */
export async function timeInterleaved(steps: Record<string, Step>, opts: TimeOptions): Promise<Record<string, Timing>> {
  const names = Object.keys(steps);
  for (const n of names) for (let i = 0; i < opts.warmup; i++) await steps[n]!();
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const next = rng(1);
  for (let r = 0; r < opts.iters; r++) {
    for (const n of shuffled(names, next)) {
      const t0 = performance.now();
      await steps[n]!();
      samples[n]!.push(performance.now() - t0);
    }
  }
  return Object.fromEntries(names.map((n) => [n, summarize(samples[n]!)]));
}

/** A seeded Fisher–Yates shuffle of a copy of `xs`. */
function shuffled<T>(xs: readonly T[], next: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Waits until everything submitted to the device's queue so far has finished. */
export function deviceIdle(device: GPUDevice): Promise<void> {
  return device.queue.onSubmittedWorkDone();
}

/**
 * Median over rounds of `num[r] / den[r]` for samples taken in the same interleaved round: a paired estimate
 * that cancels slow drifts (another process, lavapipe's thread pool) better than a ratio of two medians.
 */
export function pairedRatio(num: Timing, den: Timing): number {
  const n = Math.min(num.samples.length, den.samples.length);
  const ratios = Array.from({ length: n }, (_, i) => num.samples[i]! / den.samples[i]!);
  return summarize(ratios).ms;
}
