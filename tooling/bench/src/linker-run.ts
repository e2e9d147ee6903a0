/**
 * The inputs and processes of the linker and loaders suites: builds (or finds) the generated
 * sets, writes one manifest per set, and runs one runner once in a fresh plain-node process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { treeSitterGrammars } from '@dl/fixtures';
import type { Sample } from './suite.js';

export const BENCH_DIR: string = dirname(dirname(fileURLToPath(import.meta.url)));
const BUILD = join(BENCH_DIR, '.build');
const ROOT = dirname(dirname(BENCH_DIR));

/**
 * The runners, in table order. `emscripten-*` (Emscripten 3.1.6's loader) and `facade-*` (the
 * same emcc main linked through @dl/emscripten) need emcc; the others run everywhere.
 * `min-link` and `min-link-read` (yardsticks: the least JavaScript that links a generated set,
 * without and with @dl/reader's typed read) run on those only.
 */
export const RUNNERS = [
  'bare-sync',
  'bare-parallel',
  'min-link',
  'min-link-read',
  'dl-sync',
  'dl-batch',
  'emscripten-dlopen',
  'emscripten-preload',
  'facade-dlopen',
  'facade-preload',
] as const;
export type RunnerName = (typeof RUNNERS)[number];

/** One set of side modules to load: a generated set `bm` of size N, or the 16 grammars. */
export interface SetSpec {
  readonly set: 'bm' | 'grammars';
  readonly n: number;
  /** The directory of bm_<i>.so (generated sets). */
  readonly dir: string | null;
  readonly manifest: string;
  /** The checksum every linking runner must print (null: they must agree with each other). */
  readonly expected: number | null;
  readonly runners: readonly RunnerName[];
}

/** What a fresh-process run needs of a set (other suites' sets too: the tree-sitter suite's). */
export type RunSpec = Pick<SetSpec, 'n' | 'dir' | 'manifest'> & { readonly set: string };

/** What preparing the inputs found: the sets to run, and what to tell the reader. */
export interface Inputs {
  readonly sets: readonly SetSpec[];
  readonly notes: readonly string[];
}

function emccVersion(): string | null {
  const r = spawnSync('emcc', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? (r.stdout.split('\n')[0] ?? '').trim() : null;
}

/** The packages the runners import (built). */
const DIST = ['linker', 'layout', 'symbols', 'reader', 'errors', 'loaders'];

/** Fails early, with the fix, when the packages the runners import are not built. */
export function checkBuilt(): void {
  for (const pkg of DIST) {
    if (!existsSync(join(ROOT, 'packages', pkg, 'dist', 'index.js'))) {
      throw new Error(
        `packages/${pkg}/dist is missing: the benchmarks measure the built packages; run \`pnpm build\` first`,
      );
    }
  }
}

/** Modification times of the dist files the runners import (to notice a rebuild during a run). */
export function distStamp(): string {
  return DIST.map((pkg) => statSync(join(ROOT, 'packages', pkg, 'dist', 'index.js')).mtimeMs).join(',');
}

/** Which code the runners measure: the commit, uncommitted changes under packages/, and when dist was built. */
function provenance(): string {
  const git = (...a: string[]): string => spawnSync('git', ['-C', ROOT, ...a], { encoding: 'utf8' }).stdout.trim();
  const changed = git('status', '--porcelain', '--', 'packages')
    .split('\n')
    .filter((l) => l.length > 0).length;
  const built = statSync(join(ROOT, 'packages', 'linker', 'dist', 'index.js')).mtime.toISOString();
  return `measuring packages/*/dist of commit ${git('rev-parse', '--short', 'HEAD')}${changed > 0 ? ` + ${changed} uncommitted file(s) under packages/` : ''}; linker dist built ${built}`;
}

/** Runs gen/build.sh for the sizes (it skips what is up to date); returns its report lines. */
function build(ns: readonly number[]): string[] {
  process.stderr.write(`gen/build.sh ${ns.join(' ')} (skips what is up to date; a new N=500 set takes 1–2 min)\n`);
  const t0 = performance.now();
  const r = spawnSync('bash', [join(BENCH_DIR, 'gen', 'build.sh'), ...ns.map(String)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`gen/build.sh failed (exit ${r.status ?? r.signal ?? '?'}):\n${r.stdout}`);
  const lines = r.stdout
    .trim()
    .split('\n')
    .filter((l) => l.length > 0);
  return [...lines, `inputs ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`];
}

/** Generated set N (its manifest written), or null when it is not built. */
function bmSet(n: number, runners: readonly RunnerName[]): SetSpec | null {
  const dir = join(BUILD, 'sets', String(n));
  if (!existsSync(join(dir, 'expected.json')) || !existsSync(join(dir, `bm_${n - 1}.so`))) return null;
  const expected = (JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { checksum: number }).checksum;
  const modules = Array.from({ length: n }, (_, i) => ({
    path: join(dir, `bm_${i}.so`),
    name: `bm_${i}.so`,
    symbol: `bm${i}_check`,
  }));
  const manifest = join(BUILD, 'manifests', `bm-${n}.json`);
  writeFileSync(manifest, JSON.stringify({ set: 'bm', kind: 'bm', expected, modules }));
  return { set: 'bm', n, dir, manifest, expected, runners };
}

/** The 16 grammars' set (its manifest written). */
function grammarSet(): SetSpec {
  const modules = treeSitterGrammars().map((g) => ({
    path: g.path,
    name: `${g.id}.wasm`,
    symbol: `tree_sitter_${g.id.replace(/-/g, '_')}`,
  }));
  const manifest = join(BUILD, 'manifests', 'grammars.json');
  writeFileSync(manifest, JSON.stringify({ set: 'grammars', kind: 'grammars', expected: null, modules }));
  return {
    set: 'grammars',
    n: modules.length,
    dir: null,
    manifest,
    expected: null,
    runners: ['bare-sync', 'bare-parallel', 'dl-sync', 'dl-batch'],
  };
}

/**
 * Builds what is missing (when emcc is installed and `build` is set), then describes the sets:
 * bm N for each N whose modules exist, and the grammars. Without emcc or its main, the
 * Emscripten runners are left out (and said so).
 */
export function prepareInputs(
  ns: readonly number[],
  options: { readonly build: boolean; readonly grammars: boolean },
): Inputs {
  const notes: string[] = [provenance()];
  const emcc = emccVersion();
  if (emcc === null)
    notes.push(
      'emcc not found: no sets are built and the Emscripten runners are skipped (apt-get install --no-install-recommends emscripten)',
    );
  else notes.push(emcc);
  if (emcc !== null && options.build && ns.length > 0) notes.push(...build(ns));
  const emccMain = join(BUILD, 'emcc', 'main_emcc.cjs');
  const withEmcc = emcc !== null && existsSync(emccMain);
  if (emcc !== null && !withEmcc)
    notes.push(`${emccMain} is missing: the Emscripten runners are skipped (run gen/build.sh)`);
  mkdirSync(join(BUILD, 'manifests'), { recursive: true });
  const runners = withEmcc ? RUNNERS : RUNNERS.filter((r) => !r.startsWith('emscripten') && !r.startsWith('facade'));
  const sets: SetSpec[] = [];
  for (const n of ns) {
    const set = bmSet(n, runners);
    if (set === null) notes.push(`set ${n} is not built: skipped (bash tooling/bench/gen/build.sh ${n})`);
    else sets.push(set);
  }
  if (options.grammars) sets.push(grammarSet());
  return { sets, notes };
}

/**
 * The command line of one run (a fresh plain-node process: no tsx, no inherited NODE_OPTIONS):
 * `runners/SCRIPT.mjs MANIFEST`, or the Emscripten main for `emscripten-*`.
 */
export function commandOf(script: string, set: RunSpec, extraNodeArgs: readonly string[] = []): string[] {
  const emcc = /^(emscripten|facade)-(dlopen|preload)$/.exec(script);
  if (emcc !== null) {
    const main = emcc[1] === 'facade' ? 'main_emcc_dl.cjs' : 'main_emcc.cjs';
    return [
      '--no-experimental-fetch',
      ...extraNodeArgs,
      join(BUILD, 'emcc', main),
      emcc[2]!,
      String(set.n),
      set.dir ?? '',
    ];
  }
  return [...extraNodeArgs, join(BENCH_DIR, 'runners', `${script}.mjs`), set.manifest];
}

/**
 * Runs `node ARGS` once in a fresh plain-node process (no inherited NODE_OPTIONS) and returns
 * its last stdout line parsed as JSON; throws with its output when it fails or prints no JSON line.
 */
export function spawnRunner(label: string, args: readonly string[]): unknown {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env, cwd: BENCH_DIR, maxBuffer: 1 << 24 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) {
    throw new Error(
      `${label} failed (exit ${r.status ?? r.signal ?? '?'}): node ${args.join(' ')}\n${r.stdout}${r.stderr}`,
    );
  }
  return JSON.parse(line) as unknown;
}

/**
 * Runs one runner once (`script`, default the runner's name); throws with its output when it
 * fails, prints no JSON line, or (a linking runner) reports a checksum other than the set's.
 */
export function runOnce(runner: string, set: SetSpec, script: string = runner): Sample {
  const sample = spawnRunner(`${runner} on ${set.set} ${set.n}`, commandOf(script, set)) as Sample;
  if (
    set.expected !== null &&
    script !== 'bare-sync' &&
    script !== 'bare-parallel' &&
    sample.checksum !== set.expected
  ) {
    throw new Error(
      `${runner} on ${set.set} ${set.n}: checksum ${sample.checksum ?? 'null'}, expected ${set.expected}`,
    );
  }
  return sample;
}
