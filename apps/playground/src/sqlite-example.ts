/**
 * The "SQLite + extensions" example set: SQLite 3.53 built as a wasi-libc main (the driver of
 * tooling/fixtures/sqlite) whose `load_extension` calls C's `dlopen` on `@dl/wasi`, and its
 * extensions as side modules. Those are build outputs, not committed (`pnpm fixtures` builds
 * tooling/fixtures/wasm/sqlite): found with a glob, so the app builds without them and the set
 * then says what to run.
 */
import type { ExampleSet, WasiExample } from './examples.js';

/** The command that builds the SQLite outputs. */
export const SQLITE_BUILD_COMMAND = 'pnpm fixtures';

const DIR = '../../../tooling/fixtures/wasm/sqlite/';
const MAIN = 'sqlite.wasm';
/** The extensions, by library name: three that work and one with an undefined symbol. */
export const SQLITE_EXTENSIONS: readonly string[] = ['libseries.so', 'libregexp.so', 'libstats.so', 'libbroken.so'];

// Eager `?url` imports of whatever is built: vite emits each as an asset; missing files are simply absent.
const built = import.meta.glob<string>(
  '../../../tooling/fixtures/wasm/sqlite/{sqlite.wasm,libseries.so,libregexp.so,libstats.so,libbroken.so}',
  { query: '?url', import: 'default', eager: true },
);

/** A ready query of the set: its button label and its SQL (one statement per line). */
export interface ReadyQuery {
  readonly id: string;
  readonly title: string;
  readonly sql: string;
}

/** The ready queries, one per extension, and the failures. */
export const SQLITE_QUERIES: readonly ReadyQuery[] = [
  {
    id: 'series',
    title: 'generate_series',
    sql: "SELECT load_extension('libseries.so');\nSELECT value FROM generate_series(1,5);",
  },
  {
    id: 'regexp',
    title: 'REGEXP',
    sql: [
      "SELECT load_extension('libregexp.so');",
      "CREATE TABLE t(s); INSERT INTO t VALUES ('abc123'), ('xyz'), ('a.b'), ('2024-01-31');",
      "SELECT s, s REGEXP '[0-9]+$', s REGEXP '^[a-z]+$' FROM t;",
      "SELECT regexp_count('a.', 'banana'), regexp_count('n?a', 'banana');",
    ].join('\n'),
  },
  {
    id: 'stats',
    title: 'median, stddev, rot13',
    sql: [
      "SELECT load_extension('libstats.so'), load_extension('libseries.so');",
      'SELECT median(value), stddev(value) FROM generate_series(1,10);',
      "SELECT rot13('Hello, World');",
    ].join('\n'),
  },
  // SQLite reports dlerror() of its last try: 'libbroken' is tried as libbroken then libbroken.so (which fails on its symbol).
  {
    id: 'broken',
    title: 'a broken extension',
    sql: "SELECT load_extension('libbroken');\nSELECT load_extension('libnope.so');",
  },
];

/**
 * The statements of a query box: one per non-empty line, each run by the driver as one argument
 * (`sqlite3_exec`), so a failing line prints `Error: …` and the next line still runs.
 */
export function statementsOf(sql: string): string[] {
  return sql
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** One printed line of the driver: a row of columns, or SQLite's error text. */
export type OutputLine =
  { readonly kind: 'row'; readonly cells: readonly string[] } | { readonly kind: 'error'; readonly text: string };

/** The driver's stdout as lines: `Error: …` is SQLite's error, anything else a row (columns split at `|`). */
export function outputLines(stdout: string): OutputLine[] {
  const lines = stdout.endsWith('\n') ? stdout.slice(0, -1).split('\n') : stdout === '' ? [] : stdout.split('\n');
  return lines.map((line) =>
    line.startsWith('Error: ') ? { kind: 'error', text: line } : { kind: 'row', cells: line.split('|') },
  );
}

const url = (name: string): string | undefined => built[`${DIR}${name}`];
const missing = [MAIN, ...SQLITE_EXTENSIONS].filter((name) => url(name) === undefined);
const mainUrl = url(MAIN);

const wasi: WasiExample = {
  main: missing.length === 0 && mainUrl !== undefined ? { name: MAIN, url: mainUrl } : null,
  missing,
  buildCommand: SQLITE_BUILD_COMMAND,
  libraries: SQLITE_EXTENSIONS,
  queries: SQLITE_QUERIES,
};

/** The set: the extensions are its files (inspect them); the main runs in the worker per query. */
export const sqliteExample: ExampleSet = {
  id: 'sqlite',
  title: 'SQLite + extensions',
  description:
    missing.length === 0
      ? "SQLite as a WASI program (clang-16, wasi-libc) runs in the worker; its load_extension calls C's dlopen, which @dl/wasi links: generate_series, REGEXP, median/stddev/rot13 from three side modules, and one that fails."
      : `SQLite is not built into this playground (${missing.join(', ')} missing): run ${SQLITE_BUILD_COMMAND}, then build the playground again.`,
  files: missing.length === 0 ? SQLITE_EXTENSIONS.map((name) => ({ name, url: url(name)! })) : [],
  program: { kind: 'host' },
  libraries: [],
  wasi,
};
