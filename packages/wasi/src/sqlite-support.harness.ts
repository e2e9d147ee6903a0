/**
 * Test support for the SQLite tests (node only): the statements each extension is checked
 * with, the failures, the WASI driver run under node, and the table of outputs the runs write
 * to `.ci/artifacts/sqlite-table.md`. Not part of the package's API.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteDir, sqliteWasiMain } from '@dl/fixtures/sqlite';
import type { SqliteRun } from '@dl/fixtures/sqlite';
import { runWasiNode } from './node/run.js';

/** Per extension: the statements (argv of the driver) whose output must equal gcc's build. */
export const sqliteCases: Readonly<Record<string, readonly string[]>> = {
  series: [
    "SELECT load_extension('./libseries.so');",
    'SELECT value FROM generate_series(1,5);',
    'SELECT value FROM generate_series(0,100,25);',
    'SELECT value FROM generate_series(1,10,-3);',
    'SELECT count(*), sum(value), min(value), max(value) FROM generate_series(1,1000);',
    'SELECT value, start, stop, step FROM generate_series(5,7);',
    'SELECT value FROM generate_series(1,NULL);',
    'SELECT a.value * b.value FROM generate_series(1,3) a, generate_series(10,30,10) b ORDER BY 1 DESC LIMIT 4;',
    'SELECT value FROM generate_series;',
  ],
  regexp: [
    "SELECT load_extension('./libregexp.so');",
    "CREATE TABLE t(s); INSERT INTO t VALUES ('abc123'), ('xyz'), ('a.b'), ('2024-01-31'), (NULL);",
    "SELECT s, s REGEXP '[0-9]+$', s REGEXP '^[a-z]+$', s REGEXP 'a\\.b' FROM t;",
    "SELECT s FROM t WHERE s REGEXP '^[0-9]+-[0-9]+-[0-9]+$' OR s REGEXP '^x.z$';",
    "SELECT regexp_count('a.', 'banana'), regexp_count('n?a', 'banana'), regexp_count('^b', 'banana');",
    "SELECT 'x' REGEXP '[abc';",
  ],
  stats: [
    "SELECT load_extension('./libstats.so'), load_extension('./libseries.so');",
    'SELECT median(value), stddev(value) FROM generate_series(1,10);',
    'SELECT value % 3 AS k, median(value * 1.5), stddev(value) FROM generate_series(1,20) GROUP BY k;',
    "SELECT rot13('Hello, World'), rot13(rot13('round trip')), median(NULL), stddev(1);",
  ],
  'three extensions by bare name': [
    "SELECT load_extension('libseries.so'); SELECT load_extension('libregexp.so'); SELECT load_extension('libstats.so');",
    "SELECT median(value) FROM generate_series(1,99) WHERE CAST(value AS TEXT) REGEXP '^[1-3]';",
    "SELECT load_extension('libseries.so');",
    'SELECT value FROM generate_series(1,5);',
  ],
};

/** The failures whose error texts the table shows. */
export const sqliteFailures: Readonly<Record<string, readonly string[]>> = {
  'a missing extension': ["SELECT load_extension('./libnope.so');"],
  'an extension with a missing symbol (libbroken)': ["SELECT load_extension('./libbroken');"],
  'a missing entry point': ["SELECT load_extension('./libseries.so', 'sqlite3_nope_init');"],
};

let scratch: string | null = null;
let main: WebAssembly.Module | undefined;
let runs = 0;

/** The WASI driver on the statements under node:wasi, from wasm/sqlite (bare names found there too). */
export function runWasiSqlite(
  statements: readonly string[],
): SqliteRun & { libraries: string[]; loaded: string[]; unloaded: string[] } {
  scratch ??= mkdtempSync(join(tmpdir(), 'dl-sqlite-'));
  main ??= new WebAssembly.Module(readFileSync(sqliteWasiMain));
  const file = join(scratch, `${String(runs++)}.txt`);
  const fd = openSync(file, 'w');
  const loaded: string[] = [];
  const unloaded: string[] = [];
  try {
    const r = runWasiNode({
      main,
      args: ['sqlite', ...statements],
      cwd: sqliteDir,
      searchPath: [sqliteDir],
      stdout: fd,
      linker: {
        onEvent: (e) => {
          if (e.type === 'done') loaded.push(...e.loaded.map((l) => l.name));
          if (e.type === 'unload') unloaded.push(e.library);
        },
      },
    });
    return {
      stdout: readFileSync(file, 'utf8'),
      status: r.exitCode,
      libraries: r.linker.graph().libraries.map((l) => l.name),
      loaded,
      unloaded,
    };
  } finally {
    closeSync(fd);
  }
}

/** Removes the scratch directory of {@link runWasiSqlite}. */
export function cleanUpWasiSqlite(): void {
  if (scratch !== null) rmSync(scratch, { recursive: true, force: true });
  scratch = null;
}

/** The runtimes of the table, in column order (the ground truth first). */
export const TABLE_RUNTIMES = [
  'native (gcc)',
  'WASI node',
  'WASI Chromium',
  'Emscripten node',
  'Emscripten Chromium',
] as const;
/** One column of the table. */
export type TableRuntime = (typeof TABLE_RUNTIMES)[number];

/** One case's runs: statements and what each runtime printed (missing when it did not run). */
export interface TableRow {
  readonly name: string;
  readonly statements: readonly string[];
  readonly outputs: Partial<Record<TableRuntime, SqliteRun>>;
}

const cell = (text: string): string =>
  text === ''
    ? ''
    : text
        .replace(/\n$/, '')
        .split('\n')
        .map((l) => `\`${l.replaceAll('|', '\\|').replaceAll('`', "'")}\``)
        .join('<br>');
const sql = (statements: readonly string[]): string =>
  statements.map((s) => `\`${s.replaceAll('|', '\\|')}\``).join('<br>');

/**
 * The markdown table of the runs: for each extension the native output and, per runtime,
 * `= native` when it printed exactly that (stdout and exit status), else its output; then
 * each failure's error text in every runtime.
 */
export function renderSqliteTable(outputs: readonly TableRow[], failures: readonly TableRow[], header: string): string {
  const head = `| case | SQL (one argument each) | ${TABLE_RUNTIMES.join(' | ')} |\n|${' --- |'.repeat(TABLE_RUNTIMES.length + 2)}\n`;
  const lines: string[] = [
    header,
    '',
    '## Query outputs: native vs WASI vs Emscripten, node and Chromium',
    '',
    head.trimEnd(),
  ];
  for (const row of outputs) {
    const native = row.outputs['native (gcc)'];
    const cells = TABLE_RUNTIMES.map((rt) => {
      const run = row.outputs[rt];
      if (run === undefined) return 'not run';
      if (rt === 'native (gcc)') return `${cell(run.stdout)}<br>(exit ${String(run.status)})`;
      return run.stdout === native?.stdout && run.status === native.status
        ? '**= native** ✓'
        : `**differs** ✗<br>${cell(run.stdout)}<br>(exit ${String(run.status)})`;
    });
    lines.push(`| ${row.name} | ${sql(row.statements)} | ${cells.join(' | ')} |`);
  }
  lines.push(
    '',
    "## Error texts (SQLite's error message; @dl's text inside it on the wasm runtimes)",
    '',
    head.trimEnd(),
  );
  for (const row of failures) {
    const cells = TABLE_RUNTIMES.map((rt) => {
      const run = row.outputs[rt];
      return run === undefined ? 'not run' : cell(run.stdout);
    });
    lines.push(`| ${row.name} | ${sql(row.statements)} | ${cells.join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}
