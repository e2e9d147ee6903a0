/**
 * The startup suite: what a short-lived process (a CLI, a serverless function) pays before its
 * first library works. Every measurement is a fresh plain-node process (runners/startup.mjs)
 * importing the built entries (packages/NAME/dist/index.js): importing @dl/linker, creating a
 * linker (`createLinkerSync()`, the default JS host program), its first `dlopenSync` of a small
 * real side module (tooling/fixtures libneed_a.so, 543 B), and the floor: the same bytes'
 * first compile + instantiate in a process of its own; importing @dl/emscripten; importing
 * `@dl/linker/follow` (what a worker following a program imports). Runs interleave the four
 * processes; the table shows medians, then issue 17's targets: import @dl/linker ≤ 10 ms,
 * @dl/emscripten ≤ 15 ms, first dlopen within 2 ms of the floor.
 *
 * Options: --runs 11 (≥ 5 for the verdicts)  --json FILE
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderTable } from '@dl/cli/report';
import type { BenchArgs } from './args.js';
import { BENCH_DIR } from './linker-run.js';
import { ms, parseRuns, Samples, spread, times, verdict, writeCases } from './suite.js';
import type { Sample } from './suite.js';

const ROOT = dirname(dirname(BENCH_DIR));
const FIXTURE = join(ROOT, 'tooling', 'fixtures', 'wasm', 'clang16', 'libneed_a.so');

/** The cases, in table order; `bare-first` is the floor of `first-dlopen`. */
export const STARTUP_RUNNERS = [
  'import-linker',
  'create',
  'first-dlopen',
  'bare-first',
  'import-emscripten',
  'import-follow',
] as const;
export type StartupRunner = (typeof STARTUP_RUNNERS)[number];

/** One line of the `--json` output. */
export interface StartupCase {
  readonly set: 'startup';
  readonly n: 1;
  readonly runner: StartupRunner;
  readonly medianMs: number;
  readonly ratioToFloor: number | null;
}

/** What one runner process printed. */
interface StartupLine {
  readonly totalMs: number;
  readonly importMs?: number;
  readonly createMs?: number;
  readonly dlopenMs?: number;
  readonly checksum: number | null;
}

/** Runs `node runners/startup.mjs MODE FIXTURE` once in a fresh process (no NODE_OPTIONS). */
function runStartup(mode: 'linker' | 'emscripten' | 'follow' | 'bare'): StartupLine {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const args = [join(BENCH_DIR, 'runners', 'startup.mjs'), mode, FIXTURE];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env, cwd: BENCH_DIR });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{'))
    throw new Error(
      `startup ${mode} failed (exit ${r.status ?? r.signal ?? '?'}): node ${args.join(' ')}\n${r.stdout}${r.stderr}`,
    );
  const sample = JSON.parse(line) as StartupLine;
  // need_a_check() is 0 when the library's data was placed and relocated.
  if (mode === 'linker' && sample.checksum !== 0)
    throw new Error(`startup linker: need_a_check() returned ${sample.checksum ?? 'nothing'}, expected 0`);
  return sample;
}

const part = (totalMs: number | undefined): Sample => ({ totalMs: totalMs ?? Number.NaN, checksum: null });

/** Fails early, with the fix, when an entry the runner imports is not built. */
function checkEntries(): void {
  for (const [pkg, entry] of [
    ['linker', 'index'],
    ['linker', 'follow'],
    ['emscripten', 'index'],
  ] as const) {
    if (!existsSync(join(ROOT, 'packages', pkg, 'dist', `${entry}.js`)))
      throw new Error(
        `packages/${pkg}/dist is missing: the startup suite measures the built packages; run \`pnpm build\` first`,
      );
  }
}

/** `pnpm bench startup`: the table, the targets' verdicts and (with `--json`) the cases. */
export function startupBench(args: BenchArgs): string {
  checkEntries();
  const runs = Number(args.options.get('runs') ?? '11');
  parseRuns(args.options);
  const samples = new Samples(runs);
  for (let run = 1; run <= runs; run++) {
    samples.begin();
    const bare = runStartup('bare');
    samples.add('bare-first', part(bare.totalMs), run);
    const linker = runStartup('linker');
    samples.add('import-linker', part(linker.importMs), run);
    samples.add('create', part(linker.createMs), run);
    samples.add('first-dlopen', part(linker.dlopenMs), run);
    samples.add('import-emscripten', part(runStartup('emscripten').importMs), run);
    samples.add('import-follow', part(runStartup('follow').importMs), run);
    samples.end(run);
  }
  const cases: (StartupCase & { readonly samples: readonly number[] })[] = STARTUP_RUNNERS.map((runner) => {
    const s = samples.summary(runner, runner === 'first-dlopen' ? 'bare-first' : '')!;
    return { set: 'startup', n: 1, runner, medianMs: s.medianMs, ratioToFloor: s.ratioToFloor, samples: s.samples };
  });
  const median = (r: StartupRunner): number => cases.find((c) => c.runner === r)!.medianMs;
  const rows = [
    ['case', 'median ms', 'spread', '× floor'],
    ...cases.map((c) => [c.runner, ms(c.medianMs), spread(c.samples), times(c.ratioToFloor)]),
  ];
  const file = writeCases(
    args.options,
    cases.map(({ samples: _, ...c }) => c),
  );
  const over = median('first-dlopen') - median('bare-first');
  return [
    `fresh node ${process.version} processes, ${runs} interleaved runs; fixture ${FIXTURE.slice(ROOT.length + 1)}`,
    renderTable(rows, ['left', 'right', 'right', 'right'], '  '),
    '',
    `targets (issue 17, medians${runs < 5 ? '; fewer than 5 runs: indicative only' : ''}):`,
    verdict(
      'import @dl/linker ≤ 10 ms',
      median('import-linker'),
      (v) => v <= 10,
      (v) => `${ms(v)} ms`,
    ),
    verdict(
      'import @dl/emscripten ≤ 15 ms',
      median('import-emscripten'),
      (v) => v <= 15,
      (v) => `${ms(v)} ms`,
    ),
    verdict(
      'first dlopen ≤ bare + 2 ms',
      over,
      (v) => v <= 2,
      (v) => `+${ms(v)} ms`,
    ),
    ...(file === undefined ? [] : [`wrote ${file}`]),
  ].join('\n');
}
