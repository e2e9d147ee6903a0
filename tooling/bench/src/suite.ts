/**
 * What the fresh-process suites (`linker`, `loaders`) share: their options, the samples of
 * interleaved runs with progress on stderr, medians and ratios, number formats, verdict lines
 * and the `--json` file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** What a runner reports for one measurement (node: its JSON line; Chromium: the page's result). */
export interface Sample {
  readonly totalMs: number;
  readonly compileMs?: number;
  readonly instantiateMs?: number;
  readonly checksum: number | null;
  /** Sums of @dl/linker's `done` event phases (linking runners). */
  readonly phases?: Readonly<Record<string, number>>;
}

/** The medians of one case's samples. */
export interface Summary {
  readonly medianMs: number;
  readonly ratioToFloor: number | null;
  readonly compileMs: number | null;
  readonly instantiateMs: number | null;
  readonly phases: Readonly<Record<string, number>> | null;
  readonly samples: readonly number[];
}

/** The median of some numbers (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const round3 = (x: number): number => Math.round(x * 1000) / 1000;
/** Milliseconds with 3 significant digits (at least 2 decimals below 10). */
export const ms = (x: number | null): string =>
  x === null ? '' : x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0);
export const times = (x: number | null): string => (x === null || !Number.isFinite(x) ? '' : `${x.toFixed(2)}×`);
export const spread = (samples: readonly number[]): string => `${ms(Math.min(...samples))}–${ms(Math.max(...samples))}`;

/** `--n 10,100,500`: the set sizes. */
export function parseNs(text: string): number[] {
  const ns = text.split(',').map((s) => Number(s.trim()));
  if (ns.some((n) => !Number.isInteger(n) || n < 2))
    throw new Error(`--n wants sizes ≥ 2 like 10,100,500, not ${text}`);
  return ns;
}

/** `--runs`: a positive integer (default 7). */
export function parseRuns(options: ReadonlyMap<string, string>): number {
  const runs = Number(options.get('runs') ?? '7');
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs wants a positive integer, not ${options.get('runs') ?? ''}`);
  return runs;
}

/** `--runners a,b`: those (plus the floors, which every ratio needs), or all of them. */
export function wantedRunners<T extends string>(
  options: ReadonlyMap<string, string>,
  all: readonly T[],
  floors: readonly T[],
): Set<T> {
  const listed = options.get('runners');
  const wanted = new Set<T>(listed === undefined ? all : [...floors, ...(listed.split(',') as T[])]);
  for (const r of wanted) if (!all.includes(r)) throw new Error(`unknown runner ${r}; runners: ${all.join(', ')}`);
  return wanted;
}

/** Samples by case over interleaved runs; prints progress on stderr (one line per run without a TTY). */
export class Samples {
  private readonly lists = new Map<string, Sample[]>();
  private readonly tty = process.stderr.isTTY;
  private started = performance.now();

  constructor(private readonly runs: number) {}

  /** Starts a run (its time is printed by {@link Samples.end}). */
  begin(): void {
    this.started = performance.now();
  }

  add(key: string, sample: Sample, run: number): void {
    if (this.tty) process.stderr.write(`\rrun ${run}/${this.runs}: ${key} ${sample.totalMs.toFixed(1)} ms`.padEnd(70));
    const list = this.lists.get(key) ?? [];
    list.push(sample);
    this.lists.set(key, list);
  }

  /** Ends run `run`; after the last, ends the progress line. */
  end(run: number): void {
    if (!this.tty)
      process.stderr.write(
        `run ${run}/${this.runs} done in ${((performance.now() - this.started) / 1000).toFixed(1)} s\n`,
      );
    else if (run === this.runs) process.stderr.write('\n');
  }

  get(key: string): readonly Sample[] | undefined {
    return this.lists.get(key);
  }

  /** The medians of a case, its ratio to the floor case's median; undefined when it did not run. */
  summary(key: string, floorKey: string): Summary | undefined {
    const list = this.lists.get(key);
    if (list === undefined) return undefined;
    const floorList = this.lists.get(floorKey);
    const floor = floorList === undefined ? null : median(floorList.map((s) => s.totalMs));
    const medianMs = median(list.map((s) => s.totalMs));
    const part = (f: (s: Sample) => number | undefined): number | null =>
      list.every((s) => f(s) !== undefined) ? median(list.map((s) => f(s)!)) : null;
    const names = [...new Set(list.flatMap((s) => Object.keys(s.phases ?? {})))];
    const phases =
      names.length === 0
        ? null
        : Object.fromEntries(names.map((p) => [p, round3(median(list.map((s) => s.phases?.[p] ?? 0)))]));
    return {
      medianMs: round3(medianMs),
      ratioToFloor: floor === null ? null : round3(medianMs / floor),
      compileMs: part((s) => s.compileMs),
      instantiateMs: part((s) => s.instantiateMs),
      phases,
      samples: list.map((s) => s.totalMs),
    };
  }
}

/** One line of the targets: `[ met ]`, `[MISSED]` or `[ n/a ]` (not measured). */
export function verdict(
  label: string,
  value: number | null | undefined,
  ok: (v: number) => boolean,
  fmt: (v: number) => string = times,
): string {
  return value === undefined || value === null || !Number.isFinite(value)
    ? `  [ n/a ] ${label}: not measured`
    : `  [${ok(value) ? ' met ' : 'MISSED'}] ${label}: ${fmt(value)}`;
}

/** The cases written so far in this process, by file, and the suite running (see {@link beginSuite}). */
const written = new Map<string, object[]>();
let current: string | null = null;

/**
 * Called by `pnpm bench` before each suite when several run in one go: from then on the cases
 * written carry `"suite": name`, and a `--json` file collects the cases of every suite.
 */
export function beginSuite(name: string): void {
  current = name;
}

/**
 * `--json FILE`: writes `{ "cases": [...] }` (FILE relative to where `pnpm bench` was typed:
 * pnpm runs the script inside tooling/bench); returns the path written, if any. Several suites
 * in one process add to the same file (each case tagged with its suite).
 */
export function writeCases(options: ReadonlyMap<string, string>, cases: readonly object[]): string | undefined {
  const arg = options.get('json');
  if (arg === undefined) return undefined;
  const file = resolve(process.env.INIT_CWD ?? process.cwd(), arg);
  const suite = current;
  const all = [...(written.get(file) ?? []), ...(suite === null ? cases : cases.map((c) => ({ suite, ...c })))];
  written.set(file, all);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ cases: all }, null, 2)}\n`);
  return file;
}
