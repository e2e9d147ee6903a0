/**
 * The linker suite: N generated side modules (N = 10, 100, 500 by default) and the 16
 * tree-sitter grammars, loaded by the floor (bare-sync, bare-parallel), by @dl/linker
 * (dl-sync, dl-batch) and by Emscripten 3.1.6's own loader (emscripten-dlopen,
 * emscripten-preload). Every measurement is a fresh node process; runs interleave the
 * runners; the table shows medians and ratios, then the targets of the issue.
 *
 * Options: --n 10,100,500  --runs 7 (≥ 5 for the verdicts)  --json FILE  --runners a,b
 *          --no-build (use what gen/build.sh built)  --no-grammars
 *          --profile RUNNER (instead of measuring: one `node --cpu-prof` run on the largest set)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { renderTable } from '@dl/cli/report';
import type { BenchArgs } from './args.js';
import { checkBuilt, distStamp, median, prepareInputs, RUNNERS, runOnce } from './linker-run.js';
import type { RunnerName, Sample, SetSpec } from './linker-run.js';
import { profileRun } from './profile.js';

/** One line of the `--json` output (the shape). */
export interface LinkerCase {
  readonly set: string;
  readonly n: number;
  readonly runner: RunnerName;
  readonly medianMs: number;
  readonly ratioToFloor: number | null;
}

interface Result extends LinkerCase {
  readonly compileMs: number | null;
  readonly instantiateMs: number | null;
  readonly samples: readonly number[];
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const ms = (x: number | null): string => (x === null ? '' : x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
const times = (x: number | null): string => (x === null || !Number.isFinite(x) ? '' : `${x.toFixed(2)}×`);

function parseNs(text: string): number[] {
  const ns = text.split(',').map((s) => Number(s.trim()));
  if (ns.some((n) => !Number.isInteger(n) || n < 2)) throw new Error(`--n wants sizes ≥ 2 like 10,100,500, not ${text}`);
  return ns;
}

function measureAll(sets: readonly SetSpec[], runners: ReadonlySet<RunnerName>, runs: number): Result[] {
  const samples = new Map<string, Sample[]>();
  const key = (s: SetSpec, r: RunnerName): string => `${s.set}/${s.n}/${r}`;
  const tty = process.stderr.isTTY;
  for (let run = 1; run <= runs; run++) {
    const t0 = performance.now();
    for (const set of sets) {
      for (const runner of set.runners) {
        if (!runners.has(runner)) continue;
        const sample = runOnce(runner, set);
        if (tty) process.stderr.write(`\rrun ${run}/${runs}: ${set.set} ${set.n} ${runner} ${sample.totalMs.toFixed(1)} ms`.padEnd(70));
        const list = samples.get(key(set, runner)) ?? [];
        list.push(sample);
        samples.set(key(set, runner), list);
      }
    }
    if (!tty) process.stderr.write(`run ${run}/${runs} done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  if (tty) process.stderr.write('\n');
  const out: Result[] = [];
  for (const set of sets) {
    const linked = set.runners.filter((r) => r.startsWith('dl-')).flatMap((r) => samples.get(key(set, r)) ?? []).map((s) => s.checksum);
    if (set.expected === null && new Set(linked).size > 1) throw new Error(`${set.set}: the linking runners disagree on the checksum: ${[...new Set(linked)].join(', ')}`);
    const floorSamples = samples.get(key(set, 'bare-sync'));
    const floor = floorSamples === undefined ? null : median(floorSamples.map((s) => s.totalMs));
    for (const runner of set.runners) {
      const list = samples.get(key(set, runner));
      if (list === undefined) continue;
      const medianMs = median(list.map((s) => s.totalMs));
      const part = (f: (s: Sample) => number | undefined): number | null => (list.every((s) => f(s) !== undefined) ? median(list.map((s) => f(s)!)) : null);
      out.push({
        set: set.set, n: set.n, runner, medianMs: round3(medianMs), ratioToFloor: floor === null ? null : round3(medianMs / floor),
        compileMs: part((s) => s.compileMs), instantiateMs: part((s) => s.instantiateMs), samples: list.map((s) => s.totalMs),
      });
    }
  }
  return out;
}

function table(results: readonly Result[]): string {
  const find = (r: Result, runner: RunnerName): Result | undefined => results.find((x) => x.set === r.set && x.n === r.n && x.runner === runner);
  const rows: string[][] = [['set', 'N', 'runner', 'median ms', '× floor', 'ms/module', 'compile', 'instantiate', 'emcc-dlopen ÷', 'emcc-preload ÷', 'spread (min–max)']];
  for (const r of results) {
    const dlopen = find(r, 'emscripten-dlopen');
    const preload = find(r, 'emscripten-preload');
    rows.push([
      r.set, String(r.n), r.runner, ms(r.medianMs), times(r.ratioToFloor), (r.medianMs / r.n).toFixed(3), ms(r.compileMs), ms(r.instantiateMs),
      dlopen === undefined ? '' : times(dlopen.medianMs / r.medianMs), preload === undefined ? '' : times(preload.medianMs / r.medianMs),
      `${ms(Math.min(...r.samples))}–${ms(Math.max(...r.samples))}`,
    ]);
  }
  return renderTable(rows, ['left', 'right', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'], '  ');
}

/** The targets, for the sizes that ran. */
function verdicts(results: readonly Result[], ns: readonly number[]): string[] {
  const get = (set: string, n: number, runner: RunnerName): Result | undefined => results.find((x) => x.set === set && x.n === n && x.runner === runner);
  const lines: string[] = [];
  const check = (label: string, value: number | undefined, ok: (v: number) => boolean, fmt: (v: number) => string): void => {
    lines.push(value === undefined || !Number.isFinite(value) ? `  [ n/a ] ${label}: not measured` : `  [${ok(value) ? ' met ' : 'MISSED'}] ${label}: ${fmt(value)}`);
  };
  const sorted = [...ns].sort((a, b) => a - b);
  const big = sorted[sorted.length - 1];
  const mid = sorted.includes(100) && big !== 100 ? 100 : sorted[sorted.length - 2];
  if (big !== undefined && big !== 500) lines.push(`  (the issue's targets are for N=500; evaluated at N=${big} here)`);
  if (big !== undefined) {
    const sync = get('bm', big, 'dl-sync');
    const batch = get('bm', big, 'dl-batch');
    check(`N=${big}: dl-sync ≤ 1.25× floor (sequential)`, sync?.ratioToFloor ?? undefined, (v) => v <= 1.25, times);
    check(`N=${big}: dl-batch ≤ 1.00× floor (parallel compile)`, batch?.ratioToFloor ?? undefined, (v) => v <= 1.0, times);
    if (mid !== undefined) {
      for (const runner of ['dl-sync', 'dl-batch'] as const) {
        const a = get('bm', big, runner);
        const b = get('bm', mid, runner);
        const growth = a === undefined || b === undefined ? undefined : a.medianMs / big / (b.medianMs / mid);
        check(`${runner}: per-module cost at N=${big} within 1.2× of N=${mid}`, growth, (v) => v <= 1.2, (v) => `${times(v)} (${((a?.medianMs ?? 0) / big).toFixed(3)} vs ${((b?.medianMs ?? 0) / mid).toFixed(3)} ms/module)`);
      }
    }
    const dlopen = get('bm', big, 'emscripten-dlopen');
    const preload = get('bm', big, 'emscripten-preload');
    check(`N=${big}: dl-sync ≥ 10× faster than emscripten-dlopen`, dlopen && sync ? dlopen.medianMs / sync.medianMs : undefined, (v) => v >= 10, (v) => `${times(v)} faster`);
    check(`N=${big}: dl-batch ≥ 4× faster than emscripten-preload`, preload && batch ? preload.medianMs / batch.medianMs : undefined, (v) => v >= 4, (v) => `${times(v)} faster`);
  }
  for (const runner of ['dl-sync', 'dl-batch'] as const) {
    const g = results.find((x) => x.set === 'grammars' && x.runner === runner);
    check(`grammars: ${runner} ≤ 1.3× floor`, g?.ratioToFloor ?? undefined, (v) => v <= 1.3, times);
  }
  return lines;
}

/** Runs the linker suite and returns its report. */
export function linkerBench(args: BenchArgs): string {
  const o = args.options;
  const ns = parseNs(o.get('n') ?? '10,100,500');
  const runs = Number(o.get('runs') ?? '7');
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs wants a positive integer, not ${o.get('runs') ?? ''}`);
  const wanted = new Set<RunnerName>(o.has('runners') ? ['bare-sync', ...(o.get('runners')!.split(',') as RunnerName[])] : RUNNERS);
  for (const r of wanted) if (!RUNNERS.includes(r)) throw new Error(`unknown runner ${r}; runners: ${RUNNERS.join(', ')}`);
  checkBuilt();
  const inputs = prepareInputs(ns, { build: !o.has('no-build'), grammars: !o.has('no-grammars') });
  for (const note of inputs.notes) process.stderr.write(`${note}\n`);
  const profile = o.get('profile') as RunnerName | undefined;
  if (profile !== undefined) {
    const set = [...inputs.sets].filter((s) => s.runners.includes(profile)).sort((a, b) => b.n - a.n)[0];
    if (set === undefined) throw new Error(`--profile ${profile}: no set to run it on`);
    return profileRun(profile, set);
  }
  const stamp = distStamp();
  const results = measureAll(inputs.sets, wanted, runs);
  const rebuilt = distStamp() !== stamp;

  // Relative to where `pnpm bench` was typed (pnpm runs the script inside tooling/bench).
  const jsonArg = o.get('json');
  const json = jsonArg === undefined ? undefined : resolve(process.env.INIT_CWD ?? process.cwd(), jsonArg);
  if (json !== undefined) {
    mkdirSync(dirname(json), { recursive: true });
    const cases: LinkerCase[] = results.map(({ set, n, runner, medianMs, ratioToFloor }) => ({ set, n, runner, medianMs, ratioToFloor }));
    writeFileSync(json, `${JSON.stringify({ cases }, null, 2)}\n`);
  }
  const lines = [
    `fresh node process per run, ${runs} runs, medians in ms; floor = bare-sync of the same set; "emcc-x ÷" = how many times faster than Emscripten 3.1.6's loader`,
    ...inputs.notes.map((n) => `  ${n}`),
    ...(rebuilt ? ['  WARNING: packages/*/dist changed during the measurement (someone ran pnpm build): the runs mix two builds'] : []),
    '',
    table(results),
    '',
    `targets${runs < 5 ? ' (fewer than 5 runs: indicative only)' : ''}:`,
    ...verdicts(results, inputs.sets.filter((s) => s.set === 'bm').map((s) => s.n)),
  ];
  if (json !== undefined) lines.push('', `wrote ${json}`);
  return lines.join('\n');
}
