/**
 * Benchmark helpers: run a function repeatedly after a warm-up and report the median time per call.
 * Benchmarks print figures and never fail on a time.
 */

/** Median milliseconds per call of `fn` over `runs` runs (after `warmup` untimed runs). */
export async function medianMs(
  fn: () => unknown,
  runs: number,
  warmup = Math.max(3, Math.ceil(runs / 5)),
): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/**
 * Median milliseconds per call of each function, measured in interleaved rounds (one call of each per
 * round) so that every candidate sees the same machine load; figures compared with each other are fair
 * even on a busy machine.
 */
export async function interleavedMedians<K extends string>(
  fns: Record<K, () => unknown>,
  rounds: number,
  warmup = 3,
): Promise<Record<K, number>> {
  const names = Object.keys(fns) as K[];
  for (let i = 0; i < warmup; i++) for (const n of names) await fns[n]();
  const times = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r < rounds; r++) {
    for (const n of names) {
      const t = performance.now();
      await fns[n]();
      times[n].push(performance.now() - t);
    }
  }
  return Object.fromEntries(names.map((n) => [n, percentile(times[n], 50)])) as Record<K, number>;
}

/** Percentile (0–100) of a list of numbers. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** The median of a list of numbers: the middle one, or the mean of the two middle ones. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Print a table row: a label and figures, aligned. */
export function row(label: string, ...figures: string[]): void {
  console.log(`  ${label.padEnd(48)} ${figures.map((f) => f.padStart(14)).join(' ')}`);
}

/** Fill a buffer with random bytes (getRandomValues takes at most 64 KiB at a time). */
export function randomData(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += 65536) crypto.getRandomValues(out.subarray(i, i + 65536));
  return out;
}
