/**
 * The plans suite: warm starts of the generated set (N = 500 by default) in a NEW node process
 * per measurement — `plan` (linkWithPlan replaying a plan file written by an earlier process)
 * and `snapshot` (restoreSnapshot from a snapshot file: no relocation, no constructor; `snapshot-sync`:
 * restoreSnapshotSync, the same without awaiting) —
 * against the sequential floor `bare-sync`, runs interleaved, medians. The plan and snapshot
 * files are made once per set before the runs (`runners/plan-record.mjs`, untimed), in
 * `.build/plans/`.
 *
 * Options: --n 500  --runs 7 (≥ 5 for the verdicts)  --json FILE  --no-build
 */
import { execSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { renderTable } from '@dl/cli/report';
import type { BenchArgs } from './args.js';
import { BENCH_DIR, checkBuilt, distStamp, prepareInputs, runOnce, spawnRunner } from './linker-run.js';
import type { SetSpec } from './linker-run.js';
import type { Sample } from './suite.js';
import { ms, parseNs, parseRuns, Samples, spread, times, verdict, writeCases } from './suite.js';

export const PLAN_RUNNERS = ['bare-sync', 'plan', 'snapshot', 'snapshot-sync'] as const;
export type PlanRunner = (typeof PLAN_RUNNERS)[number];

/** One line of the `--json` output (the shape). */
export interface PlanCase {
  readonly set: string;
  readonly n: number;
  readonly runner: PlanRunner;
  readonly medianMs: number;
  readonly ratioToFloor: number | null;
}

interface Files {
  readonly plan: string;
  readonly snapshot: string;
}

/** Records the set's plan and snapshot in a process of their own (untimed), after checking the link. */
function record(set: SetSpec): Files {
  const dir = join(BENCH_DIR, '.build', 'plans');
  mkdirSync(dir, { recursive: true });
  const files = { plan: join(dir, `bm-${set.n}.plan`), snapshot: join(dir, `bm-${set.n}.snap`) };
  const script = join(BENCH_DIR, 'runners', 'plan-record.mjs');
  const sample = spawnRunner(`plan-record on bm ${set.n}`, [
    script,
    set.manifest,
    files.plan,
    files.snapshot,
  ]) as Sample;
  if (sample.checksum !== set.expected) throw new Error(`plan-record: checksum ${String(sample.checksum)}`);
  return files;
}

/** One measurement in a fresh process; the checksum must be the set's. */
function runPlanned(runner: PlanRunner, set: SetSpec, files: Files): Sample {
  if (runner === 'bare-sync') return runOnce(runner, set);
  const file = runner === 'plan' ? files.plan : files.snapshot; // snapshot, snapshot-sync: the same file
  const sample = spawnRunner(`${runner} on bm ${set.n}`, [
    join(BENCH_DIR, 'runners', `${runner}.mjs`),
    set.manifest,
    file,
  ]) as Sample;
  if (sample.checksum !== set.expected)
    throw new Error(`${runner} on bm ${set.n}: checksum ${String(sample.checksum)}, expected ${String(set.expected)}`);
  return sample;
}

interface Result extends PlanCase {
  readonly samples: readonly number[];
  readonly phases: Readonly<Record<string, number>> | null;
}

function measure(sets: readonly SetSpec[], runs: number): { results: Result[]; load: number[] } {
  const files = new Map(sets.map((s) => [s, record(s)]));
  const samples = new Samples(runs);
  const key = (s: SetSpec, r: PlanRunner): string => `bm ${s.n} ${r}`;
  const load: number[] = [];
  for (let run = 1; run <= runs; run++) {
    samples.begin();
    load.push(loadavg()[0]!);
    for (const set of sets)
      for (const runner of PLAN_RUNNERS) samples.add(key(set, runner), runPlanned(runner, set, files.get(set)!), run);
    samples.end(run);
  }
  const results: Result[] = [];
  for (const set of sets) {
    for (const runner of PLAN_RUNNERS) {
      const s = samples.summary(key(set, runner), key(set, 'bare-sync'))!;
      results.push({
        set: 'bm',
        n: set.n,
        runner,
        medianMs: s.medianMs,
        ratioToFloor: s.ratioToFloor,
        samples: s.samples,
        phases: s.phases,
      });
    }
  }
  return { results, load };
}

function table(results: readonly Result[]): string {
  const rows = [['set', 'N', 'runner', 'median ms', '× floor', 'spread (min–max)', 'linker phases (median ms)']];
  for (const r of results) {
    const phases =
      r.phases === null
        ? ''
        : Object.entries(r.phases)
            .map(([p, v]) => `${p} ${ms(v)}`)
            .join(', ');
    rows.push([r.set, String(r.n), r.runner, ms(r.medianMs), times(r.ratioToFloor), spread(r.samples), phases]);
  }
  return renderTable(rows, ['left', 'right', 'left', 'right', 'right', 'right', 'left'], '  ');
}

/** Runs the plans suite and returns its report. */
export function plansBench(args: BenchArgs): string {
  const o = args.options;
  const ns = parseNs(o.get('n') ?? '500');
  const runs = parseRuns(o);
  checkBuilt();
  const inputs = prepareInputs(ns, { build: !o.has('no-build'), grammars: false });
  for (const note of inputs.notes) process.stderr.write(`${note}\n`);
  const sets = inputs.sets.filter((s) => s.set === 'bm');
  const stamp = distStamp();
  const uptime = (): string => execSync('uptime', { encoding: 'utf8' }).trim();
  const before = uptime();
  const { results, load } = measure(sets, runs);
  const json = writeCases(
    o,
    results.map(({ set, n, runner, medianMs, ratioToFloor }): PlanCase => ({ set, n, runner, medianMs, ratioToFloor })),
  );
  const get = (n: number, r: PlanRunner): number | undefined =>
    results.find((x) => x.n === n && x.runner === r)?.ratioToFloor ?? undefined;
  const big = Math.max(...sets.map((s) => s.n));
  const lines = [
    `fresh node process per run, ${runs} runs interleaved, medians in ms; floor = bare-sync (sequential compile + instantiate) of the same set`,
    `machine load: before ${before}; 1-min load average at each run's start ${load.map((l) => l.toFixed(2)).join(', ')}; after ${uptime()}`,
    ...(distStamp() !== stamp ? ['  WARNING: packages/*/dist changed during the measurement'] : []),
    '',
    table(results),
    '',
    `targets${runs < 5 ? ' (fewer than 5 runs: indicative only)' : ''}:`,
    verdict(`N=${big}: plan (warm relink, new process) ≤ 0.90× floor`, get(big, 'plan'), (v) => v <= 0.9),
    verdict(`N=${big}: snapshot (restore, new process) ≤ 0.80× floor`, get(big, 'snapshot'), (v) => v <= 0.8),
  ];
  if (json !== undefined) lines.push('', `wrote ${json}`);
  return lines.join('\n');
}
