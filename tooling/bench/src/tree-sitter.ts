/**
 * The tree-sitter suite (issue 17, item 4): web-tree-sitter 0.27.1 with its own loader (`own`)
 * and through @dl/emscripten's run-time route (`facade`), against the engine floor of the same
 * bytes (`floor`: compile + instantiate of the main and every grammar). Sets: `modern`, the 16
 * dylink.0 grammars of @vscode/tree-sitter-wasm (all three runners), and `legacy`, the 33
 * tree-sitter-wasms grammars the emscripten tests parse (the legacy `dylink` section: `facade`
 * and the floor; the suite first checks that `own` refuses every one of them).
 *
 * Every measurement is a fresh plain-node process (runners/ts-*.mjs, the built packages); runs
 * interleave the runners; medians. A case's time is set-up plus every `Language.load` (the
 * loader's work, what the floor is the floor of); each grammar then parses its sample once
 * (untimed in the case, reported as parse ms): the trees must be the same in every run, and
 * those of `own` and `facade` equal; on modern none may need error recovery. (Legacy: lua's
 * tree has an ERROR when every grammar is loaded before the parses — web-tree-sitter's own
 * loader gives the same tree on the grammar rewritten to dylink.0, checksum 872015061.)
 *
 * Options: --runs 7 (≥ 5 for the verdicts)  --json FILE  --sets modern,legacy
 *          --profile own|facade (instead of measuring: one `node --cpu-prof` run on modern)
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { treeSitterGrammars, treeSitterLegacyGrammars } from '@dl/fixtures';
import type { RealModule } from '@dl/fixtures';
import { treeSitterSample } from '@dl/fixtures/tree-sitter-samples';
import { renderTable } from '@dl/cli/report';
import type { BenchArgs } from './args.js';
import { BENCH_DIR, checkBuilt, spawnRunner } from './linker-run.js';
import type { RunSpec } from './linker-run.js';
import { profileRun } from './profile.js';
import { median, ms, parseRuns, round3, spread, times, verdict, writeCases } from './suite.js';

/** The runners of the suite, in table order (`floor` is every ratio's denominator). */
export const TS_RUNNERS = ['floor', 'own', 'facade'] as const;
export type TreeSitterRunner = (typeof TS_RUNNERS)[number];
export type TreeSitterSet = 'modern' | 'legacy';

/** One line of the `--json` output (the shape, plus set-up and parse medians). */
export interface TreeSitterCase {
  readonly set: TreeSitterSet;
  readonly n: number;
  readonly runner: TreeSitterRunner;
  readonly medianMs: number;
  readonly ratioToFloor: number | null;
  /** Set-up alone: Parser.init (own), instantiating the main through @dl + attach (facade), the main's compile + instantiate (floor). */
  readonly setupMs: number;
  /** The parses after the loads (null for the floor, which does not parse). */
  readonly parseMs: number | null;
}

/** What one runner process printed. */
interface Line {
  readonly totalMs: number;
  readonly setupMs: number;
  readonly loadedMs?: number;
  readonly checksum: number;
  readonly recovered: number;
}

/** One set: its manifest and the runners that can load it. */
interface TreeSitterSpec extends RunSpec {
  readonly set: TreeSitterSet;
  readonly runners: readonly TreeSitterRunner[];
}

/** tree-sitter-wasms grammars the tests leave out: older than web-tree-sitter 0.27 accepts (elm, ql), and yaml, which needs operator new (compat). */
const LEGACY_LEFT_OUT = new Set(['elm', 'ql', 'yaml']);

/** The grammars of a set: modern (16), legacy (33). */
export function grammarsOf(set: TreeSitterSet): readonly RealModule[] {
  return set === 'modern' ? treeSitterGrammars() : treeSitterLegacyGrammars().filter((g) => !LEGACY_LEFT_OUT.has(g.id));
}

function prepare(sets: readonly TreeSitterSet[]): TreeSitterSpec[] {
  const main = createRequire(join(BENCH_DIR, 'package.json')).resolve('web-tree-sitter/web-tree-sitter.wasm');
  const dir = join(BENCH_DIR, '.build', 'manifests');
  mkdirSync(dir, { recursive: true });
  return sets.map((set) => {
    const modules = grammarsOf(set).map((g) => ({ path: g.path, id: g.id, sample: treeSitterSample(g.id) }));
    const manifest = join(dir, `tree-sitter-${set}.json`);
    writeFileSync(manifest, JSON.stringify({ set, kind: 'tree-sitter', main, expected: null, modules }));
    const runners: readonly TreeSitterRunner[] = set === 'modern' ? TS_RUNNERS : ['floor', 'facade'];
    return { set, n: modules.length, dir: null, manifest, runners };
  });
}

/** Runs `own --refusals` on the legacy set: web-tree-sitter's loader must refuse every grammar. */
function ownRefusals(spec: TreeSitterSpec): string {
  const r = spawnRunner('own --refusals on legacy', [
    join(BENCH_DIR, 'runners', 'ts-own.mjs'),
    spec.manifest,
    '--refusals',
  ]) as {
    refused: number;
    of: number;
    messages: string[];
  };
  if (r.refused !== r.of || r.of !== spec.n)
    throw new Error(`web-tree-sitter's own loader loaded ${r.of - r.refused} of the ${spec.n} legacy grammars`);
  return `legacy: own (web-tree-sitter's loader) refuses ${r.refused} of ${r.of} (${r.messages.join('; ')}): not a runner of this set`;
}

interface Result extends TreeSitterCase {
  readonly samples: readonly number[];
}

function measure(specs: readonly TreeSitterSpec[], runs: number): Result[] {
  const lines = new Map<string, Line[]>();
  const key = (s: TreeSitterSpec, r: TreeSitterRunner): string => `${s.set} ${r}`;
  for (let run = 1; run <= runs; run++) {
    const t0 = performance.now();
    for (const spec of specs)
      for (const runner of spec.runners) {
        const script = `ts-${runner}`;
        const line = spawnRunner(`${runner} on ${spec.set}`, [
          join(BENCH_DIR, 'runners', `${script}.mjs`),
          spec.manifest,
        ]) as Line;
        if (line.recovered !== 0 && spec.set === 'modern')
          throw new Error(`${runner} on ${spec.set}: ${line.recovered} sample tree(s) needed error recovery`);
        lines.set(key(spec, runner), [...(lines.get(key(spec, runner)) ?? []), line]);
      }
    process.stderr.write(`run ${run}/${runs} done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  const out: Result[] = [];
  for (const spec of specs) {
    const trees = new Set(
      spec.runners.filter((r) => r !== 'floor').flatMap((r) => (lines.get(key(spec, r)) ?? []).map((l) => l.checksum)),
    );
    if (trees.size > 1)
      throw new Error(
        `${spec.set}: the runs built different trees (${[...trees].join(', ')}): own and facade, or run to run`,
      );
    const floorLines = lines.get(key(spec, 'floor')) ?? [];
    const floor = median(floorLines.map((l) => l.totalMs));
    for (const runner of spec.runners) {
      const list = lines.get(key(spec, runner)) ?? [];
      const loaded = list.map((l) => l.loadedMs ?? l.totalMs);
      const medianMs = median(loaded);
      out.push({
        set: spec.set,
        n: spec.n,
        runner,
        medianMs: round3(medianMs),
        ratioToFloor: round3(medianMs / floor),
        setupMs: round3(median(list.map((l) => l.setupMs))),
        parseMs: runner === 'floor' ? null : round3(median(list.map((l) => l.totalMs - (l.loadedMs ?? l.totalMs)))),
        samples: loaded,
      });
    }
  }
  return out;
}

function table(results: readonly Result[]): string {
  const rows = [
    ['set', 'N', 'runner', 'median ms', '× floor', 'ms/grammar', 'set-up ms', 'parse ms', 'spread (min–max)'],
  ];
  for (const r of results)
    rows.push([
      r.set,
      String(r.n),
      r.runner,
      ms(r.medianMs),
      times(r.ratioToFloor),
      (r.medianMs / r.n).toFixed(2),
      ms(r.setupMs),
      ms(r.parseMs),
      spread(r.samples),
    ]);
  return renderTable(rows, ['left', 'right', 'left', 'right', 'right', 'right', 'right', 'right', 'right'], '  ');
}

/** The two targets on the modern set: facade ≤ 0.95× own, facade set-up ≤ Parser.init. */
export function treeSitterVerdicts(results: readonly TreeSitterCase[]): string[] {
  const get = (runner: TreeSitterRunner): TreeSitterCase | undefined =>
    results.find((r) => r.set === 'modern' && r.runner === runner);
  const own = get('own');
  const facade = get('facade');
  return [
    verdict(
      'modern: facade ≤ 0.95× own (set-up + 16 Language.load)',
      own && facade ? facade.medianMs / own.medianMs : undefined,
      (v) => v <= 0.95,
      (v) => `${times(v)} (${ms(facade?.medianMs ?? null)} vs ${ms(own?.medianMs ?? null)} ms)`,
    ),
    verdict(
      'modern: facade set-up ≤ Parser.init',
      own && facade ? facade.setupMs / own.setupMs : undefined,
      (v) => v <= 1,
      (v) => `${times(v)} (${ms(facade?.setupMs ?? null)} vs ${ms(own?.setupMs ?? null)} ms)`,
    ),
  ];
}

/** Runs the tree-sitter suite and returns its report. */
export function treeSitterBench(args: BenchArgs): string {
  const o = args.options;
  const runs = parseRuns(o);
  const sets = (o.get('sets') ?? 'modern,legacy').split(',').map((s): TreeSitterSet => {
    if (s !== 'modern' && s !== 'legacy') throw new Error(`unknown set ${s}; sets: modern, legacy`);
    return s;
  });
  checkBuilt();
  if (!existsSync(join(BENCH_DIR, '..', '..', 'packages', 'emscripten', 'dist', 'index.js')))
    throw new Error('packages/emscripten/dist is missing: run `pnpm build` first');
  const specs = prepare(sets);
  const profile = o.get('profile');
  if (profile !== undefined) {
    if (profile !== 'own' && profile !== 'facade' && profile !== 'floor')
      throw new Error(`--profile wants own, facade or floor, not ${profile}`);
    const spec = specs.find((s) => s.set === 'modern') ?? prepare(['modern'])[0]!;
    return profileRun(profile, spec, `ts-${profile}`, 25);
  }
  const notes = specs.filter((s) => s.set === 'legacy').map(ownRefusals);
  const results = measure(specs, runs);
  const json = writeCases(
    o,
    results.map(({ samples: _, ...c }): TreeSitterCase => c),
  );
  const lines = [
    `fresh node process per run, ${runs} runs, medians in ms of set-up + every Language.load (then one parse per grammar, the parse ms column); floor = compile + instantiate of the same main and grammars`,
    ...notes.map((n) => `  ${n}`),
    '',
    table(results),
    '',
    `targets${runs < 5 ? ' (fewer than 5 runs: indicative only)' : ''}:`,
    ...treeSitterVerdicts(results),
  ];
  if (json !== undefined) lines.push('', `wrote ${json}`);
  return lines.join('\n');
}
