/**
 * The threads suite (issue 13): what following a linked program costs a thread.
 *   follow    a worker creating a follower from the image (`followLinker`, `instantiate: 'eager'`:
 *             every library instantiated, as the floor does)
 *   follow-lazy  the same with the default, each library instantiated on its first use: what a
 *             thread costs before it can call any library (no target: the floor instantiates all)
 *   floor     the same compiled modules instantiated in a worker with the same imports made in
 *             advance, and each TLS block set up (the engine's part, no linker)
 *   dlopen-4  one `dlopen` reaching 4 threads: the leader's `dlopenSync` + `ThreadGroup.sync()`
 *             acknowledged by 4 workers
 *   dlopen-2  the same with 2 workers (as many as the machine's cores, here)
 *   dlopen-1  the same `dlopenSync` with no thread following
 *   ideal-4   dlopen-4 with idealised followers: each has only the engine's part of taking a
 *             library (`new WebAssembly.Instance` with imports made in advance), started when
 *             the leader's `dlopenSync` starts and woken through shared memory — the most an eager
 *             follower could ever save
 *   ack-4     dlopen-4 with followers that acknowledge each update at once and take it only
 *             at the end: the least any follower can do (the messages alone)
 * On N generated shared-memory side modules (gen/gen-threads.mjs, clang-16, built by
 * gen/build.sh threads N into .build/threads/N). Every measurement is a fresh node process
 * (runners/threads.mjs); runs interleave the runners; the table shows medians.
 *
 * Options: --n 100,500  --runs 7  --dlopens 20  --json FILE  --no-build
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { renderTable } from '@dl/cli/report';
import type { BenchArgs } from './args.js';
import { BENCH_DIR, checkBuilt, distStamp, spawnRunner } from './linker-run.js';
import { median, ms, parseNs, parseRuns, Samples, spread, times, verdict, writeCases } from './suite.js';
import type { Sample } from './suite.js';

const BUILD = join(BENCH_DIR, '.build');

/** The runners, in table order; each measured case's floor is the runner it is divided by. */
export const THREAD_RUNNERS = [
  'floor',
  'follow',
  'follow-lazy',
  'dlopen-1',
  'dlopen-2',
  'dlopen-4',
  'ideal-4',
  'ack-4',
] as const;
export type ThreadRunner = (typeof THREAD_RUNNERS)[number];
export const FLOOR_OF: Readonly<Record<ThreadRunner, ThreadRunner>> = {
  floor: 'floor',
  follow: 'floor',
  'follow-lazy': 'floor',
  'dlopen-1': 'dlopen-1',
  'dlopen-2': 'dlopen-1',
  'dlopen-4': 'dlopen-1',
  'ideal-4': 'dlopen-1',
  'ack-4': 'dlopen-1',
};

/** The issue's targets: a follower ≤ 1.1× its floor; a dlopen reaching 4 threads ≤ 1.5× a single-threaded one. */
export const THREAD_TARGETS: Readonly<Partial<Record<ThreadRunner, number>>> = { follow: 1.1, 'dlopen-4': 1.5 };

/** One line of the `--json` output (the linker suite's format). */
export interface ThreadCase {
  readonly set: 'thr';
  readonly n: number;
  readonly runner: ThreadRunner;
  readonly medianMs: number;
  readonly ratioToFloor: number | null;
  readonly runs: number;
}

interface ThreadSet {
  readonly n: number;
  readonly manifest: string;
  readonly expected: number;
}

/** Builds (gen/build.sh threads N: skips what is up to date) and writes one manifest per set. */
function prepare(ns: readonly number[], dlopens: number, build: boolean): { sets: ThreadSet[]; notes: string[] } {
  const notes: string[] = [];
  if (build) {
    process.stderr.write(`gen/build.sh threads ${ns.join(' ')} (skips what is up to date; 500 modules take 1–3 min)\n`);
    const r = spawnSync('bash', [join(BENCH_DIR, 'gen', 'build.sh'), 'threads', ...ns.map(String)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (r.status !== 0)
      throw new Error(`gen/build.sh threads failed (exit ${r.status ?? r.signal ?? '?'}):\n${r.stdout}`);
    notes.push(...r.stdout.split('\n').filter((l) => l.length > 0));
  }
  mkdirSync(join(BUILD, 'manifests'), { recursive: true });
  const sets = ns.map((n): ThreadSet => {
    const dir = join(BUILD, 'threads', String(n));
    if (!existsSync(join(dir, 'expected.json')))
      throw new Error(`the threads set ${n} is not built: bash tooling/bench/gen/build.sh threads ${n}`);
    const e = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as {
      checksum: number;
      checks: number[];
      tls: number[];
    };
    const modules = Array.from({ length: n }, (_, i) => ({
      path: join(dir, `bm_${i}.so`),
      name: `bm_${i}.so`,
      symbol: `bm${i}_check`,
      check: e.checks[i],
      tls: e.tls[i],
    }));
    const manifest = join(BUILD, 'manifests', `threads-${n}.json`);
    writeFileSync(manifest, JSON.stringify({ n, expected: e.checksum, dlopens: Math.min(dlopens, n - 1), modules }));
    return { n, manifest, expected: e.checksum };
  });
  return { sets, notes };
}

/** The cases of the samples, in table order. */
export function threadCases(samples: Samples, ns: readonly number[]): ThreadCase[] {
  const cases: ThreadCase[] = [];
  for (const n of ns)
    for (const runner of THREAD_RUNNERS) {
      const s = samples.summary(`${n} ${runner}`, `${n} ${FLOOR_OF[runner]}`);
      if (s !== undefined)
        cases.push({
          set: 'thr',
          n,
          runner,
          medianMs: s.medianMs,
          ratioToFloor: s.ratioToFloor,
          runs: s.samples.length,
        });
    }
  return cases;
}

/** The issue's targets for the cases that ran. */
export function threadVerdicts(cases: readonly ThreadCase[]): string[] {
  return cases.flatMap((c) => {
    const target = THREAD_TARGETS[c.runner];
    if (target === undefined) return [];
    return [verdict(`${c.runner} ≤ ${target}× ${FLOOR_OF[c.runner]}, N=${c.n}`, c.ratioToFloor, (v) => v <= target)];
  });
}

/**
 * The floor with its imports made inside the clock (what a follower cannot avoid: a mutable
 * `WebAssembly.Global` per GOT entry does not cross threads), and the follower against it.
 */
export function madeImports(cases: readonly ThreadCase[], importsMs: ReadonlyMap<number, readonly number[]>): string[] {
  const lines: string[] = [];
  for (const [n, list] of importsMs) {
    const floor = cases.find((c) => c.n === n && c.runner === 'floor');
    const follow = cases.find((c) => c.n === n && c.runner === 'follow');
    if (floor === undefined || follow === undefined || list.length === 0) continue;
    const made = median(list);
    lines.push(
      `N=${n}: making the floor's imports (before its clock) took ${ms(made)} ms; follow ÷ (floor + imports) = ${times(follow.medianMs / (floor.medianMs + made))}`,
    );
  }
  return lines.length === 0 ? [] : [...lines, ''];
}

/** What the runners report besides `totalMs`, per `N runner`: the medians the report's notes use. */
export type Extras = Map<string, Record<ExtraMeasure, number[]>>;

/** What a runner may report besides `totalMs` (see {@link extraNotes}). */
const EXTRA_MEASURES = ['cpuMs', 'instantiateMs', 'applyMs', 'imageMs', 'nextImageMs', 'compiledMs'] as const;
type ExtraMeasure = (typeof EXTRA_MEASURES)[number];

/**
 * Keeps a runner's extra measures (thread CPU time, the leader's instantiation, a worker's
 * apply, the leader's image of the program for a new thread and for one more).
 */
export function keepExtras(extras: Extras, key: string, sample: Partial<Record<ExtraMeasure, number>>): void {
  const e = extras.get(key) ?? {
    cpuMs: [],
    instantiateMs: [],
    applyMs: [],
    imageMs: [],
    nextImageMs: [],
    compiledMs: [],
  };
  for (const k of EXTRA_MEASURES) {
    const v = sample[k];
    if (typeof v === 'number') e[k].push(v);
  }
  extras.set(key, e);
}

/**
 * The notes under the table: the follower against the floor in this thread's CPU time (what
 * the scheduler's delays do not inflate), and per dlopen case where its time goes — the
 * leader's instantiation inside `dlopenSync`, a worker's apply of the update (mostly its own
 * `new WebAssembly.Instance`), and the least a sync can take with K workers on C cores when each
 * applies in series on its core: dlopen-1 + ⌈K / C⌉ × apply — and the least any eager follower
 * can take, however well scheduled: it can start no earlier than the leader has compiled the
 * library (`compiledMs` into dlopen-1) and must then at least instantiate it as the leader does,
 * so the rest of the leader's dlopen-1 and K instantiations share C cores from that point on.
 */
export function extraNotes(
  ns: readonly number[],
  cases: readonly ThreadCase[],
  extras: Extras,
  cores: number,
): string[] {
  const lines: string[] = [];
  const med = (key: string, k: ExtraMeasure): number | null => {
    const list = extras.get(key)?.[k] ?? [];
    return list.length === 0 ? null : median(list);
  };
  for (const n of ns) {
    const follow = med(`${n} follow`, 'cpuMs');
    const floor = med(`${n} floor`, 'cpuMs');
    if (follow !== null && floor !== null)
      lines.push(
        `N=${n}: thread CPU time: follow ${ms(follow)} ms, floor ${ms(floor)} ms: follow ÷ floor = ${times(follow / floor)}`,
      );
    const image = med(`${n} follow`, 'imageMs');
    const next = med(`${n} follow`, 'nextImageMs');
    if (image !== null && next !== null)
      lines.push(
        `N=${n}: the leading thread's image of the program (threadImage): ${ms(image)} ms for the first thread, ${ms(next)} ms for one more`,
      );
    const one = cases.find((c) => c.n === n && c.runner === 'dlopen-1');
    for (const k of [2, 4]) {
      const apply = med(`${n} dlopen-${k}`, 'applyMs');
      if (one === undefined || apply === null) continue;
      const bound = one.medianMs + Math.ceil(k / cores) * apply;
      lines.push(
        `N=${n}: dlopen-${k}: a worker applies an update in ${ms(apply)} ms (the leader’s dlopenSync instantiates in ${ms(med(`${n} dlopen-1`, 'instantiateMs') ?? NaN)} ms); with ${k} workers on ${cores} cores at least dlopen-1 + ${Math.ceil(k / cores)} × apply = ${ms(bound)} ms = ${times(bound / one.medianMs)} dlopen-1`,
      );
      const compiled = med(`${n} dlopen-1`, 'compiledMs');
      const inst = med(`${n} dlopen-1`, 'instantiateMs');
      if (compiled === null || inst === null) continue;
      const work = Math.max(one.medianMs, compiled + (one.medianMs - compiled + k * inst) / cores);
      const measured = cases.find((c) => c.n === n && c.runner === `dlopen-${k}`)?.medianMs ?? NaN;
      lines.push(
        `N=${n}: dlopen-${k}: an eager follower, however scheduled, starts once the leader has compiled the library (${ms(compiled)} ms into dlopen-1) and instantiates it (${ms(inst)} ms): at least ${ms(compiled)} + (dlopen-1 − ${ms(compiled)} + ${k} × ${ms(inst)}) / ${cores} cores = ${ms(work)} ms = ${times(work / one.medianMs)} dlopen-1 (measured: ${times(measured / one.medianMs)})`,
      );
    }
    const ideal = cases.find((c) => c.n === n && c.runner === 'ideal-4');
    if (ideal !== undefined && one !== undefined)
      lines.push(
        `N=${n}: ideal-4: 4 followers that only instantiate, ready in advance and started with dlopenSync: ${ms(ideal.medianMs)} ms = ${times(ideal.medianMs / one.medianMs)} dlopen-1, the best an eager follower could do here`,
      );
    const ack = cases.find((c) => c.n === n && c.runner === 'ack-4');
    if (ack !== undefined && one !== undefined)
      lines.push(
        `N=${n}: ack-4: 4 followers that only acknowledge (taking each update later, as one that instantiates a library when first used would): ${ms(ack.medianMs)} ms = ${times(ack.medianMs / one.medianMs)} dlopen-1`,
      );
  }
  return lines.length === 0 ? [] : [...lines, ''];
}

/** `--dlopens`: how many of the last modules each dlopen process opens (its sample is their median). */
function parseDlopens(options: ReadonlyMap<string, string>): number {
  const v = Number(options.get('dlopens') ?? '20');
  if (!Number.isInteger(v) || v < 1)
    throw new Error(`--dlopens wants a positive integer, not ${options.get('dlopens') ?? ''}`);
  return v;
}

/** Runs the threads suite and returns its report. */
export function threadsBench(args: BenchArgs): string {
  const o = args.options;
  const ns = parseNs(o.get('n') ?? '100,500');
  const runs = parseRuns(o);
  const dlopens = parseDlopens(o);
  checkBuilt();
  const { sets, notes } = prepare(ns, dlopens, !o.has('no-build'));
  for (const note of notes) process.stderr.write(`${note}\n`);
  const stamp = distStamp();
  const load = [loadavg()[0]!];
  const samples = new Samples(runs);
  // The floor's import objects are made before its clock; what making them took, per N.
  const importsMs = new Map<number, number[]>();
  const extras: Extras = new Map();
  for (let run = 1; run <= runs; run++) {
    samples.begin();
    for (const set of sets)
      for (const runner of THREAD_RUNNERS) {
        const args = [join(BENCH_DIR, 'runners', 'threads.mjs'), set.manifest, runner];
        const sample = spawnRunner(`threads ${runner} on N=${set.n}`, args) as Sample &
          Partial<Record<ExtraMeasure | 'importsMs', number>>;
        keepExtras(extras, `${set.n} ${runner}`, sample);
        if (sample.importsMs !== undefined) importsMs.set(set.n, [...(importsMs.get(set.n) ?? []), sample.importsMs]);
        samples.add(`${set.n} ${runner}`, sample, run);
      }
    samples.end(run);
    load.push(loadavg()[0]!);
  }
  const cases = threadCases(samples, ns);
  const json = writeCases(o, cases);
  const rows: string[][] = [['set', 'N', 'runner', 'median ms', '× floor', 'floor', 'min–max']];
  for (const c of cases)
    rows.push([
      c.set,
      String(c.n),
      c.runner,
      ms(c.medianMs),
      times(c.ratioToFloor),
      FLOOR_OF[c.runner],
      spread(samples.get(`${c.n} ${c.runner}`)!.map((s) => s.totalMs)),
    ]);
  const lines = [
    `fresh node process per measurement, ${runs} runs interleaved; dlopen-*: median of the last ${dlopens} dlopens of each process; 1-min load average ${load.map((l) => l.toFixed(1)).join(' → ')}`,
    ...notes.map((n) => `  ${n}`),
    ...(distStamp() !== stamp
      ? ['  WARNING: packages/*/dist changed during the measurement: the runs mix two builds']
      : []),
    '',
    renderTable(rows, ['left', 'right', 'left', 'right', 'right', 'left', 'right'], '  '),
    '',
    ...madeImports(cases, importsMs),
    ...extraNotes(ns, cases, extras, availableParallelism()),
    'targets:',
    ...threadVerdicts(cases),
  ];
  if (json !== undefined) lines.push('', `wrote ${json}`);
  return lines.join('\n');
}
