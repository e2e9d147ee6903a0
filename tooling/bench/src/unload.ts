/**
 * The unload suite (issue 12): does a program that opens and closes (or reloads) libraries
 * stay the same size? Four cases, each a fresh `node --expose-gc` process per run, on real
 * side modules built with clang-16 (gen/build.sh unload N):
 *   open-close-same      (dl-sync)  one library (libunload.so: constructor, destructors, unload
 *                                   hook, data, table slots) opened and closed N times (default
 *                                   10,000), clang-16 and emcc builds
 *   open-close-same      (bare-sync) the engine's floor of the same: Module + Instance into a
 *                                   shared table (floor.mjs), slots nulled, references dropped
 *   open-close-distinct  (dl-sync)  N distinct libraries (default 2,000), each opened and closed once
 *   open-close-distinct  (dl-batch) batches of 500 loaded at once (linker.load), then all closed
 *   reload               (dl-sync)  libreload.so reloaded N times (default 1,000; builds 1 and 2
 *                                   in turn) while libreload_caller.so calls it through a stored
 *                                   function pointer and directly; clang-16 and emcc builds
 * Growth (linear memory reserved, table length, JS heap after a forced GC) is measured from
 * after the first cycle; the verdicts are the issue's targets.
 *
 * Options: --same 10000  --distinct 2000  --batch 500  --reloads 1000  --runs 3  --json FILE
 *          --cases open-close-same,open-close-distinct,open-close-batch,reload  --no-build
 */
import { renderTable } from '@dl/cli/report';
import type { BenchArgs } from './args.js';
import { checkBuilt, distStamp } from './linker-run.js';
import { median, ms, parseRuns, round3, times, verdict, writeCases } from './suite.js';
import { ISSUE_SIZES, prepareUnload, runUnloadOnce, UNLOAD_CASES } from './unload-run.js';
import type { UnloadCaseKey, UnloadSample, UnloadSizes, UnloadSpec } from './unload-run.js';

/** One line of the `--json` output: the issue's fields, then the details. */
export interface UnloadCase {
  readonly case: UnloadSpec['name'];
  readonly runner: UnloadSpec['runner'];
  readonly toolchain: UnloadSpec['toolchain'];
  readonly n: number;
  readonly runs: number;
  readonly medianMs: number;
  /** Bytes of linear memory reserved (graph().memory) at the end minus after the first cycle; worst run. */
  readonly memoryGrowthBytes: number;
  /** Table length at the end minus after the first cycle; worst run. */
  readonly tableGrowthSlots: number;
  /** JS heap (after a forced GC) at the end minus after the first cycle, per cycle after it; median run. */
  readonly heapGrowthBytesPerCycle: number | null;
  readonly callsVerified?: number;
  /** Median time of one load / one unload (a batch's for dl-batch; one reload for `reload`), median run. */
  readonly loadMedianMs: number | null;
  readonly unloadMedianMs: number | null;
  readonly unloadToLoad: number | null;
  readonly memoryTopGrowthBytes: number;
  readonly memoryPagesGrowthBytes: number;
  readonly tableRangeGrowthSlots: number;
  readonly residentLibrariesAfter: number;
}

function positive(options: ReadonlyMap<string, string>, name: keyof UnloadSizes): number {
  const text = options.get(name);
  if (text === undefined) return ISSUE_SIZES[name];
  const v = Number(text);
  if (!Number.isInteger(v) || v < 2) throw new Error(`--${name} wants an integer ≥ 2, not ${text}`);
  return v;
}

/** The sizes from the options (default: the issue's). */
export function unloadSizes(options: ReadonlyMap<string, string>): UnloadSizes {
  const sizes = {
    same: positive(options, 'same'),
    distinct: positive(options, 'distinct'),
    batch: positive(options, 'batch'),
    reloads: positive(options, 'reloads'),
  };
  if (sizes.batch > sizes.distinct)
    throw new Error(`--batch ${sizes.batch} is larger than --distinct ${sizes.distinct}`);
  return sizes;
}

/** The cases `--cases a,b` names (default: all). */
export function wantedCases(options: ReadonlyMap<string, string>): Set<UnloadCaseKey> {
  const listed = options.get('cases');
  const wanted = new Set(listed === undefined ? UNLOAD_CASES : (listed.split(',') as UnloadCaseKey[]));
  for (const c of wanted)
    if (!UNLOAD_CASES.includes(c)) throw new Error(`unknown case ${c}; cases: ${UNLOAD_CASES.join(', ')}`);
  return wanted;
}

const worst = (xs: readonly number[]): number => xs.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a), 0);
const med = (xs: readonly (number | null | undefined)[]): number | null => {
  const v = xs.filter((x): x is number => typeof x === 'number');
  return v.length === 0 ? null : round3(median(v));
};

/** One case's runs as its JSON line: medians of times and heap, the worst run's memory and table growth. */
export function summarise(spec: UnloadSpec, samples: readonly UnloadSample[]): UnloadCase {
  const reload = spec.key === 'reload';
  const verified = samples.map((s) => s.callsVerified ?? 0);
  return {
    case: spec.name,
    runner: spec.runner,
    toolchain: spec.toolchain,
    n: spec.n,
    runs: samples.length,
    medianMs: round3(median(samples.map((s) => s.totalMs))),
    memoryGrowthBytes: worst(samples.map((s) => s.memoryGrowthBytes)),
    tableGrowthSlots: worst(samples.map((s) => s.tableGrowthSlots)),
    heapGrowthBytesPerCycle: med(samples.map((s) => s.heapGrowthBytesPerCycle)),
    ...(reload ? { callsVerified: Math.min(...verified) } : {}),
    loadMedianMs: med(samples.map((s) => s.loadMedianMs)),
    unloadMedianMs: med(samples.map((s) => (reload ? s.reloadMedianMs : s.unloadMedianMs))),
    unloadToLoad: reload ? null : med(samples.map((s) => s.unloadToLoad)),
    memoryTopGrowthBytes: worst(samples.map((s) => s.memoryTopGrowthBytes)),
    memoryPagesGrowthBytes: worst(samples.map((s) => s.memoryPagesGrowthBytes)),
    tableRangeGrowthSlots: worst(samples.map((s) => s.tableRangeGrowthSlots)),
    residentLibrariesAfter: Math.max(...samples.map((s) => s.residentLibraries)),
  };
}

function table(cases: readonly UnloadCase[]): string {
  const rows: string[][] = [
    [
      'case',
      'runner',
      'toolchain',
      'N',
      'median ms',
      'memory +B',
      'table +slots',
      'heap +B/cycle',
      'load ms',
      'unload ms',
      'unload ÷ load',
      'calls verified',
      'resident after',
    ],
  ];
  for (const c of cases)
    rows.push([
      c.case,
      c.runner,
      c.toolchain,
      String(c.n),
      ms(c.medianMs),
      String(c.memoryGrowthBytes),
      String(c.tableGrowthSlots),
      c.heapGrowthBytesPerCycle === null ? '' : String(c.heapGrowthBytesPerCycle),
      c.loadMedianMs === null ? '' : c.loadMedianMs.toFixed(3),
      c.unloadMedianMs === null ? '' : c.unloadMedianMs.toFixed(3),
      times(c.unloadToLoad),
      c.callsVerified === undefined ? '' : String(c.callsVerified),
      String(c.residentLibrariesAfter),
    ]);
  return renderTable(
    rows,
    ['left', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    '  ',
  );
}

/** The issue's targets, per case that ran. */
export function unloadVerdicts(cases: readonly UnloadCase[], sizes: UnloadSizes): string[] {
  const lines: string[] = [];
  const small = (Object.keys(ISSUE_SIZES) as (keyof UnloadSizes)[]).filter((k) => sizes[k] < ISSUE_SIZES[k]);
  if (small.length > 0)
    lines.push(`  (below the issue's sizes: ${small.map((k) => `--${k} ${sizes[k]} < ${ISSUE_SIZES[k]}`).join(', ')})`);
  const bytes = (v: number): string => `${v} B`;
  for (const c of cases) {
    if (c.runner === 'bare-sync') continue;
    const label = `${c.case} (${c.runner}, ${c.toolchain}, N=${c.n})`;
    lines.push(verdict(`${label}: memoryGrowthBytes = 0`, c.memoryGrowthBytes, (v) => v === 0, bytes));
    lines.push(verdict(`${label}: tableGrowthSlots = 0`, c.tableGrowthSlots, (v) => v === 0, String));
    if (c.case === 'reload') {
      const calls = 3 * (c.n + 1);
      lines.push(
        verdict(
          `${label}: every call correct`,
          c.callsVerified,
          (v) => v === calls,
          (v) => `${v} of ${calls}`,
        ),
      );
    } else {
      lines.push(verdict(`${label}: heapGrowthBytesPerCycle ≤ 64`, c.heapGrowthBytesPerCycle, (v) => v <= 64, bytes));
      lines.push(verdict(`${label}: unloading ≤ 0.25× loading`, c.unloadToLoad, (v) => v <= 0.25));
    }
  }
  return lines;
}

/** Runs the unload suite and returns its report. */
export function unloadBench(args: BenchArgs): string {
  const o = args.options;
  const sizes = unloadSizes(o);
  const runs = o.has('runs') ? parseRuns(o) : 3;
  checkBuilt();
  const { specs, notes } = prepareUnload(sizes, wantedCases(o), { build: !o.has('no-build') });
  for (const note of notes) process.stderr.write(`${note}\n`);
  const stamp = distStamp();
  const samples = new Map<UnloadSpec, UnloadSample[]>();
  for (let run = 1; run <= runs; run++) {
    const t0 = performance.now();
    for (const spec of specs) samples.set(spec, [...(samples.get(spec) ?? []), runUnloadOnce(spec)]);
    process.stderr.write(`run ${run}/${runs} done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  const cases = specs.map((spec) => summarise(spec, samples.get(spec) ?? []));
  const json = writeCases(o, cases);
  const lines = [
    `fresh node --expose-gc process per run, ${runs} runs; growth from after the first cycle (memory and table: the worst run; heap: the median run); load/unload: the median operation of the median run`,
    ...notes.map((n) => `  ${n}`),
    ...(distStamp() !== stamp
      ? ['  WARNING: packages/*/dist changed during the measurement: the runs mix two builds']
      : []),
    '',
    table(cases),
    '',
    'targets:',
    ...unloadVerdicts(cases, sizes),
  ];
  if (json !== undefined) lines.push('', `wrote ${json}`);
  return lines.join('\n');
}
