/** Result of timing a function: the median of its runs, in milliseconds. */
export interface Timing {
  readonly medianMs: number;
  readonly runs: number;
}

/**
 * Times `fn` after a warm-up: repeats it in batches until `minTimeMs` has passed and at least
 * `minRuns` batches ran, and returns the median time per call. `setup(i)` runs outside the
 * timed region before call `i` (e.g. to pick distinct input bytes).
 */
export function measure(
  fn: (i: number) => unknown,
  options: { minTimeMs?: number; minRuns?: number; batch?: number; warmup?: number } = {},
): Timing {
  const { minTimeMs = 300, minRuns = 7, batch = 1, warmup = 3 } = options;
  let sink: unknown;
  let call = 0;
  for (let i = 0; i < warmup * batch; i++) sink = fn(call++);
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < minRuns || performance.now() - start < minTimeMs) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) sink = fn(call++);
    samples.push((performance.now() - t0) / batch);
    if (samples.length > 100_000) break;
  }
  if (sink === Symbol.for('never')) console.log(sink);
  samples.sort((a, b) => a - b);
  return { medianMs: samples[samples.length >> 1]!, runs: samples.length };
}

/** Formats milliseconds with a unit that keeps 3 significant digits. */
export function formatMs(ms: number): string {
  if (ms < 0.001) return `${(ms * 1e6).toPrecision(3)} ns`;
  if (ms < 1) return `${(ms * 1e3).toPrecision(3)} µs`;
  return `${ms.toPrecision(3)} ms`;
}

/** Formats a byte count as B/KB/MB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
