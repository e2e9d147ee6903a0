/**
 * The inputs and processes of the unload suite: builds (or finds) the standalone set
 * (gen/build.sh unload N, clang-16), takes the real libraries from @dl/fixtures (libunload.so,
 * libreload.so / libreload_v2.so / libreload_caller.so, both toolchains), writes one manifest
 * per case, and runs a case's runner once in a fresh `node --expose-gc` process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, fixturePath } from '@dl/fixtures';
import type { Toolchain } from '@dl/fixtures';
import { BENCH_DIR, spawnRunner } from './linker-run.js';

const BUILD = join(BENCH_DIR, '.build');

/** The cases, in table order (the issue's names). */
export const UNLOAD_CASES = ['open-close-same', 'open-close-distinct', 'open-close-batch', 'reload'] as const;
export type UnloadCaseKey = (typeof UNLOAD_CASES)[number];

/** The sizes of a run of the suite (`--same`, `--distinct`, `--batch`, `--reloads`). */
export interface UnloadSizes {
  readonly same: number;
  readonly distinct: number;
  readonly batch: number;
  readonly reloads: number;
}

/** The issue's sizes: the least that counts for its targets. */
export const ISSUE_SIZES: UnloadSizes = { same: 10_000, distinct: 2_000, batch: 500, reloads: 1_000 };

/** One case to run: its name in the JSON, the runner, the script and its manifest. */
export interface UnloadSpec {
  readonly key: UnloadCaseKey;
  /** The issue's case name (the batch case is `open-close-distinct` with runner `dl-batch`). */
  readonly name: 'open-close-same' | 'open-close-distinct' | 'reload';
  /** `bare-sync`: the engine's floor (no linker: floor.mjs), for comparison; no verdicts. */
  readonly runner: 'dl-sync' | 'dl-batch' | 'bare-sync';
  /** Who built the libraries: the fixtures' clang-16 recipe, or emcc 3.1.6 -sSIDE_MODULE. */
  readonly toolchain: 'clang-16' | 'emcc';
  readonly n: number;
  readonly script: string;
  readonly manifest: string;
}

/** What a runner prints (runners/unload-common.mjs). */
export interface UnloadSample {
  readonly totalMs: number;
  readonly cycles: number;
  readonly memoryGrowthBytes: number;
  readonly memoryTopGrowthBytes: number;
  readonly memoryPagesGrowthBytes: number;
  readonly tableGrowthSlots: number;
  readonly tableRangeGrowthSlots: number;
  readonly heapGrowthBytesPerCycle: number | null;
  readonly residentLibraries: number;
  readonly loadMedianMs?: number | null;
  readonly unloadMedianMs?: number | null;
  readonly unloadToLoad?: number | null;
  readonly callsVerified?: number;
  readonly reloadMedianMs?: number | null;
}

/** Builds what is missing (gen/build.sh unload N: it skips what is up to date); returns its lines. */
function build(n: number): string[] {
  process.stderr.write(`gen/build.sh unload ${n} (skips what is up to date; 2,000 modules take about a minute)\n`);
  const r = spawnSync('bash', [join(BENCH_DIR, 'gen', 'build.sh'), 'unload', String(n)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0)
    throw new Error(`gen/build.sh unload ${n} failed (exit ${r.status ?? r.signal ?? '?'}):\n${r.stdout}`);
  return r.stdout
    .trim()
    .split('\n')
    .filter((l) => l.length > 0);
}

interface Expected {
  readonly checks: readonly number[];
}

/**
 * The size of the standalone set to use for `n` modules: the smallest one built with at least
 * `n` (module i is the same in every set), else `n` itself.
 */
function setSize(n: number): number {
  const root = join(BUILD, 'unload');
  const built = existsSync(root)
    ? readdirSync(root)
        .map((d) => /^standalone-(\d+)$/.exec(d)?.[1])
        .filter((d): d is string => d !== undefined && existsSync(join(root, `standalone-${d}`, 'expected.json')))
        .map(Number)
        .filter((size) => size >= n)
    : [];
  return built.length === 0 ? n : Math.min(...built);
}

/** The modules of the standalone set of size `n` (the first `count` of them) with their check values. */
function modules(n: number, count: number): object[] {
  const dir = join(BUILD, 'unload', `standalone-${n}`);
  const { checks } = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;
  return Array.from({ length: count }, (_, i) => ({
    path: join(dir, `bm_${i}.so`),
    name: `bm_${i}.so`,
    symbol: `bm${i}_check`,
    check: checks[i],
  }));
}

/** Writes one case's manifest (`unload-KEY.json`) and returns its path. */
type WriteManifest = (key: string, data: object) => string;

const TOOLCHAINS = [
  ['clang-16', 'clang16'],
  ['emcc', 'emcc'],
] as const;

const fixtureFile = (id: string, t: Toolchain): string => fixturePath(fixture(id, t));

/** The open/close cases: one library again and again (each toolchain, and the floor), distinct ones, batches. */
function openCloseCases(n: number, sizes: UnloadSizes, write: WriteManifest): UnloadSpec[] {
  const batches = Math.max(1, Math.floor(sizes.distinct / sizes.batch));
  return [
    ...TOOLCHAINS.map(([toolchain, t]): UnloadSpec => ({
      key: 'open-close-same',
      name: 'open-close-same',
      runner: 'dl-sync',
      toolchain,
      n: sizes.same,
      script: 'unload-same',
      manifest: write(`open-close-same-${t}`, { n: sizes.same, library: fixtureFile('unload', t) }),
    })),
    {
      key: 'open-close-same',
      name: 'open-close-same',
      runner: 'bare-sync',
      toolchain: 'clang-16',
      n: sizes.same,
      script: 'unload-floor',
      manifest: write('open-close-same-clang16', { n: sizes.same, library: fixtureFile('unload', 'clang16') }),
    },
    {
      key: 'open-close-distinct',
      name: 'open-close-distinct',
      runner: 'dl-sync',
      toolchain: 'clang-16',
      n: sizes.distinct,
      script: 'unload-distinct',
      manifest: write('open-close-distinct', { n: sizes.distinct, modules: modules(n, sizes.distinct) }),
    },
    {
      key: 'open-close-batch',
      name: 'open-close-distinct',
      runner: 'dl-batch',
      toolchain: 'clang-16',
      n: sizes.batch,
      script: 'unload-batch',
      manifest: write('open-close-batch', {
        n: sizes.batch,
        batch: sizes.batch,
        modules: modules(n, batches * sizes.batch),
      }),
    },
  ];
}

/** The reload cases: one library replaced by its other build, for each toolchain. */
function reloadCases(sizes: UnloadSizes, write: WriteManifest): UnloadSpec[] {
  return TOOLCHAINS.map(([toolchain, t]): UnloadSpec => ({
    key: 'reload',
    name: 'reload',
    runner: 'dl-sync',
    toolchain,
    n: sizes.reloads,
    script: 'unload-reload',
    manifest: write(`reload-${t}`, {
      n: sizes.reloads,
      builds: [fixtureFile('reload', t), fixtureFile('reload_v2', t)],
      caller: fixtureFile('reload_caller', t),
    }),
  }));
}

/**
 * Builds the inputs (unless `build` is false: then they must exist) and writes the manifests of
 * the wanted cases. The standalone set has at least max(distinct, batch) modules.
 */
export function prepareUnload(
  sizes: UnloadSizes,
  wanted: ReadonlySet<UnloadCaseKey>,
  options: { readonly build: boolean },
): { readonly specs: UnloadSpec[]; readonly notes: string[] } {
  const n = setSize(Math.max(sizes.distinct, sizes.batch, 1));
  const notes = options.build ? build(n) : [];
  const dir = join(BUILD, 'unload', `standalone-${n}`);
  if (!existsSync(join(dir, 'expected.json')))
    throw new Error(`the unload inputs are not built: bash tooling/bench/gen/build.sh unload ${n}`);
  mkdirSync(join(BUILD, 'manifests'), { recursive: true });
  const write = (key: string, data: object): string => {
    const file = join(BUILD, 'manifests', `unload-${key}.json`);
    writeFileSync(file, JSON.stringify({ case: key, ...data }));
    return file;
  };
  const all = [...openCloseCases(n, sizes, write), ...reloadCases(sizes, write)];
  return { specs: all.filter((s) => wanted.has(s.key)), notes };
}

/** Runs one case once: `node --expose-gc runners/SCRIPT.mjs MANIFEST`. */
export function runUnloadOnce(spec: UnloadSpec): UnloadSample {
  return spawnRunner(`${spec.key} (${spec.runner}, ${spec.toolchain}, n=${spec.n})`, [
    '--expose-gc',
    join(BENCH_DIR, 'runners', `${spec.script}.mjs`),
    spec.manifest,
  ]) as UnloadSample;
}
