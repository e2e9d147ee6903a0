/**
 * The loaders suite: the 16 tree-sitter grammars and generated sets (N = 100, 500 by default)
 * loaded through @dl/loaders, in node from disk (a fresh process per measurement) and in
 * Chromium over HTTP on 127.0.0.1 (a fresh context and page per measurement, one browser per
 * run). Runs interleave the runners; the table shows medians and ratios to the floor of the
 * same environment, then the targets: graph loading (b) ≤ 1.0× the sequential bare
 * floor, a second load with the compiled cache warm (c) ≤ 0.3×.
 *
 * Options: --n 100,500  --runs 7 (≥ 5 for the verdicts)  --json FILE  --runners a,b
 *          --no-build  --no-grammars  --profile RUNNER (a node runner: one `node --cpu-prof` run)
 */
import { renderTable } from '@dl/cli/report';
import type { BenchArgs } from './args.js';
import { checkBuilt, distStamp, prepareInputs, runOnce } from './linker-run.js';
import type { SetSpec } from './linker-run.js';
import { launchBrowser, runWeb, startWebBench, WEB_RUNNERS, webAvailability } from './loaders-web.js';
import type { WebBench, WebRunner } from './loaders-web.js';
import { profileRun } from './profile.js';
import { ms, parseNs, parseRuns, Samples, spread, times, verdict, wantedRunners, writeCases } from './suite.js';
import type { Summary } from './suite.js';

/** The node runners, in table order; `node-floor` is the linker suite's floor (runners/bare-sync.mjs). */
export const NODE_RUNNERS = ['node-floor', 'node-seq', 'node-graph', 'node-warm'] as const;
type NodeRunner = (typeof NODE_RUNNERS)[number];
export type LoadersRunner = NodeRunner | WebRunner;
const RUNNERS: readonly LoadersRunner[] = [...NODE_RUNNERS, ...WEB_RUNNERS];
const FLOORS: readonly LoadersRunner[] = ['node-floor', 'web-floor'];

const isNode = (r: LoadersRunner): r is NodeRunner => (NODE_RUNNERS as readonly string[]).includes(r);
const scriptOf = (r: NodeRunner): string => (r === 'node-floor' ? 'bare-sync' : r);
const floorOf = (r: LoadersRunner): LoadersRunner => (isNode(r) ? 'node-floor' : 'web-floor');

/** One line of the `--json` output. */
export interface LoadersCase {
  readonly set: string;
  readonly n: number;
  readonly env: 'node' | 'chromium';
  readonly runner: LoadersRunner;
  readonly medianMs: number;
  readonly ratioToFloor: number | null;
}

type Result = LoadersCase & Omit<Summary, 'medianMs' | 'ratioToFloor'>;

const key = (s: SetSpec, r: LoadersRunner): string => `${s.set} ${s.n} ${r}`;

async function measureAll(
  sets: readonly SetSpec[],
  wanted: ReadonlySet<LoadersRunner>,
  runs: number,
  web: WebBench | null,
): Promise<Result[]> {
  const samples = new Samples(runs);
  const nodeRunners = NODE_RUNNERS.filter((r) => wanted.has(r));
  const webRunners = web === null ? [] : WEB_RUNNERS.filter((r) => wanted.has(r));
  for (let run = 1; run <= runs; run++) {
    samples.begin();
    for (const set of sets) for (const r of nodeRunners) samples.add(key(set, r), runOnce(r, set, scriptOf(r)), run);
    if (web !== null && webRunners.length > 0) {
      const browser = await launchBrowser();
      try {
        for (const set of sets)
          for (const r of webRunners) samples.add(key(set, r), await runWeb(web, browser, r, set), run);
      } finally {
        await browser.close();
      }
    }
    samples.end(run);
  }
  const out: Result[] = [];
  for (const set of sets) {
    const linked = RUNNERS.filter((r) => !FLOORS.includes(r))
      .flatMap((r) => samples.get(key(set, r)) ?? [])
      .map((s) => s.checksum);
    if (set.expected === null && new Set(linked).size > 1)
      throw new Error(`${set.set}: the linking runners disagree on the checksum: ${[...new Set(linked)].join(', ')}`);
    for (const runner of RUNNERS) {
      const summary = samples.summary(key(set, runner), key(set, floorOf(runner)));
      if (summary !== undefined)
        out.push({ set: set.set, n: set.n, env: isNode(runner) ? 'node' : 'chromium', runner, ...summary });
    }
  }
  return out;
}

const PHASES = ['resolve', 'check', 'compile', 'instantiate', 'bind', 'init'];

function tables(results: readonly Result[]): string[] {
  const rows = [
    ['set', 'N', 'runner', 'median ms', '× floor', 'ms/module', 'compile', 'instantiate', 'spread (min–max)'],
  ];
  for (const r of results) {
    rows.push([
      r.set,
      String(r.n),
      r.runner,
      ms(r.medianMs),
      times(r.ratioToFloor),
      (r.medianMs / r.n).toFixed(3),
      ms(r.compileMs),
      ms(r.instantiateMs),
      spread(r.samples),
    ]);
  }
  const phased = results.filter((r) => r.phases !== null);
  const phaseRows = [['set', 'N', 'runner', ...PHASES]];
  for (const r of phased)
    phaseRows.push([r.set, String(r.n), r.runner, ...PHASES.map((p) => ms(r.phases?.[p] ?? null))]);
  return [
    renderTable(rows, ['left', 'right', 'left', 'right', 'right', 'right', 'right', 'right', 'right'], '  '),
    '',
    'the linker\'s phases (medians of its `done` events, ms; "resolve" includes waiting for the loader):',
    renderTable(phaseRows, ['left', 'right', 'left', ...PHASES.map(() => 'right' as const)], '  '),
  ];
}

/** The targets, per environment and set. */
function verdicts(results: readonly Result[]): string[] {
  const lines: string[] = [];
  const sets = [...new Map(results.map((r) => [`${r.set} ${r.n}`, r])).values()];
  const targets: readonly [string, LoadersRunner, number][] = [
    ['(b) graph', 'node-graph', 1.0],
    ['(c) warm', 'node-warm', 0.3],
    ['(b) graph, 6 downloads', 'web-graph', 1.0],
    ['(b) graph, 32 downloads', 'web-graph-32', 1.0],
    ['(c) warm, in-process cache', 'web-warm', 0.3],
    ['(c) store, new page', 'web-store', 0.3],
  ];
  for (const [label, runner, limit] of targets) {
    for (const s of sets) {
      const r = results.find((x) => x.set === s.set && x.n === s.n && x.runner === runner);
      if (r === undefined) continue;
      lines.push(
        verdict(
          `${r.env} ${s.set} ${s.n}: ${label} (${runner}) ≤ ${limit.toFixed(1)}× ${floorOf(runner)}`,
          r.ratioToFloor,
          (v) => v <= limit,
        ),
      );
    }
  }
  return lines.length > 0 ? lines : ['  [ n/a ] nothing measured'];
}

/** Runs the loaders suite and returns its report. */
export async function loadersBench(args: BenchArgs): Promise<string> {
  const o = args.options;
  const ns = parseNs(o.get('n') ?? '100,500');
  const runs = parseRuns(o);
  const wanted = wantedRunners<LoadersRunner>(o, RUNNERS, FLOORS);
  checkBuilt();
  const inputs = prepareInputs(ns, { build: !o.has('no-build'), grammars: !o.has('no-grammars') });
  for (const note of inputs.notes) process.stderr.write(`${note}\n`);
  const profile = o.get('profile') as LoadersRunner | undefined;
  if (profile !== undefined) {
    if (!isNode(profile)) throw new Error(`--profile takes a node runner (${NODE_RUNNERS.join(', ')}), not ${profile}`);
    const set = [...inputs.sets].sort((a, b) => b.n - a.n)[0];
    if (set === undefined) throw new Error(`--profile ${profile}: no set to run it on`);
    return profileRun(profile, set, scriptOf(profile));
  }
  const notes = [...inputs.notes];
  const noWeb = WEB_RUNNERS.some((r) => wanted.has(r)) ? webAvailability() : 'no web runner asked for';
  if (noWeb !== null) notes.push(noWeb);
  const web = noWeb === null ? await startWebBench(inputs.sets) : null;
  const stamp = distStamp();
  let results: Result[];
  try {
    results = await measureAll(inputs.sets, wanted, runs, web);
  } finally {
    await web?.close();
  }
  const rebuilt = distStamp() !== stamp;
  const json = writeCases(
    o,
    results.map(({ set, n, env, runner, medianMs, ratioToFloor }): LoadersCase => ({
      set,
      n,
      env,
      runner,
      medianMs,
      ratioToFloor,
    })),
  );
  const lines = [
    `${runs} runs, medians in ms; node: a fresh process per measurement, packages/*/dist; chromium: a fresh context and page per measurement, @dl/* bundled from source, one browser per run; × floor = ratio to node-floor / web-floor of the same set`,
    ...notes.map((n) => `  ${n}`),
    ...(rebuilt
      ? ['  WARNING: packages/*/dist changed during the measurement (someone ran pnpm build): the runs mix two builds']
      : []),
    '',
    ...tables(results),
    '',
    `targets${runs < 5 ? ' (fewer than 5 runs: indicative only)' : ''}:`,
    ...verdicts(results),
  ];
  if (json !== undefined) lines.push('', `wrote ${json}`);
  return lines.join('\n');
}
