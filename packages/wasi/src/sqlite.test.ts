import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEmscriptenSqlite, runNativeSqlite, sqliteDir, sqliteGate, sqliteWasiMain } from '@dl/fixtures/sqlite';
import type { SqliteRun } from '@dl/fixtures/sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { runWasiNode } from './node/run.js';

const gate = sqliteGate();
if (gate.mode !== 'run') console.warn(gate.message);
const scratch = mkdtempSync(join(tmpdir(), 'dl-sqlite-'));
afterAll(() => { rmSync(scratch, { recursive: true, force: true }); });

let main: WebAssembly.Module | undefined;
let runs = 0;
/** The WASI driver on the statements, from wasm/sqlite (libraries by bare name found there too). */
function runWasi(statements: readonly string[]): SqliteRun & { libraries: string[] } {
  main ??= new WebAssembly.Module(readFileSync(sqliteWasiMain));
  const file = join(scratch, `${String(runs++)}.txt`);
  const fd = openSync(file, 'w');
  try {
    const r = runWasiNode({ main, args: ['sqlite', ...statements], cwd: sqliteDir, searchPath: [sqliteDir], stdout: fd });
    return { stdout: readFileSync(file, 'utf8'), status: r.exitCode, libraries: r.linker.graph().libraries.map((l) => l.name) };
  } finally {
    closeSync(fd);
  }
}

const cases: Record<string, readonly string[]> = {
  'series': [
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
  'regexp': [
    "SELECT load_extension('./libregexp.so');",
    "CREATE TABLE t(s); INSERT INTO t VALUES ('abc123'), ('xyz'), ('a.b'), ('2024-01-31'), (NULL);",
    "SELECT s, s REGEXP '[0-9]+$', s REGEXP '^[a-z]+$', s REGEXP 'a\\.b' FROM t;",
    "SELECT s FROM t WHERE s REGEXP '^[0-9]+-[0-9]+-[0-9]+$' OR s REGEXP '^x.z$';",
    "SELECT regexp_count('a.', 'banana'), regexp_count('n?a', 'banana'), regexp_count('^b', 'banana');",
    "SELECT 'x' REGEXP '[abc';",
  ],
  'stats': [
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

describe.skipIf(gate.mode === 'skip')('SQLite with loadable extensions: the WASI main on @dl equals the native build', () => {
  it('is built (fails when CI is set and pnpm fixtures did not build it)', () => {
    expect(gate.mode, gate.message).toBe('run');
  });

  it.each(Object.entries(cases))('%s: the same rows as gcc\'s build of the same sources', (_, statements) => {
    const native = runNativeSqlite(statements);
    const wasi = runWasi(statements);
    expect(native.stdout.length).toBeGreaterThan(0);
    expect(wasi.stdout).toBe(native.stdout);
    expect(wasi.status).toBe(native.status);
  });

  it('SELECT load_extension(\'./libseries.so\'); SELECT value FROM generate_series(1,5); prints 1 to 5 after the empty result of load_extension', () => {
    const r = runWasi(["SELECT load_extension('./libseries.so');", 'SELECT value FROM generate_series(1,5);']);
    expect(r.stdout).toBe('\n1\n2\n3\n4\n5\n');
    expect(r.libraries).toEqual(['./libseries.so']);
  });

  it('a missing extension: SQLite\'s error carries @dl\'s message (natively, ld.so\'s)', () => {
    const stmt = ["SELECT load_extension('./libnope.so');"];
    const wasi = runWasi(stmt);
    expect(wasi.stdout).toBe(`Error: ./libnope.so.so: library not found; tried ${join(sqliteDir, 'libnope.so.so')} (not found)\n`);
    expect(runNativeSqlite(stmt).stdout).toBe('Error: ./libnope.so.so: cannot open shared object file: No such file or directory\n');
    expect(wasi.libraries).toEqual([]);
  });

  it('an extension with a missing symbol, and a missing entry point: @dl\'s messages in SQLite\'s error, nothing left loaded', () => {
    const stmts = ["SELECT load_extension('./libbroken');", "SELECT load_extension('./libseries.so', 'sqlite3_nope_init');"];
    const wasi = runWasi(stmts);
    expect(wasi.stdout).toBe([
      'Error: ./libbroken.so: 1 undefined symbol: broken_missing_helper (needed by ./libbroken.so)',
      'Error: ./libseries.so: undefined symbol: sqlite3_nope_init',
      '',
    ].join('\n'));
    expect(runNativeSqlite(stmts).stdout).toBe([
      'Error: ./libbroken.so: undefined symbol: broken_missing_helper',
      'Error: ./libseries.so: undefined symbol: sqlite3_nope_init',
      '',
    ].join('\n'));
    expect(wasi.libraries).toEqual(['./libseries.so']);
  });
});

describe.skipIf(gate.mode === 'skip')('the same SQLite as an Emscripten 3.1.6 MAIN_MODULE linked with @dl/emscripten\'s --js-library', () => {
  it.each(Object.entries(cases))('%s: the same rows as gcc\'s build', (_, statements) => {
    const native = runNativeSqlite(statements);
    const emcc = runEmscriptenSqlite(statements);
    expect(emcc.stderr).toBe('');
    expect(emcc.stdout).toBe(native.stdout);
    expect(emcc.status).toBe(native.status);
  });

  it('failures: SQLite\'s error carries @dl\'s dlerror() text in Emscripten\'s words', () => {
    const emcc = runEmscriptenSqlite(["SELECT load_extension('./libnope.so');", "SELECT load_extension('./libbroken');", "SELECT load_extension('./libseries.so', 'sqlite3_nope_init');"]);
    expect(emcc.stdout).toBe(EMCC_ERRORS);
  });
});

/** Emscripten 3.1.6's dlerror() words around @dl's message; SQLite cuts its error buffer at ~300 bytes. */
const EMCC_ERRORS = [
  'Error: Could not load dynamic lib: libnope.so.so',
  "Error: ENOENT: no such file or directory, open 'libnope.so.so'",
  'Error: Could not load dynamic lib: libbroken.so',
  './libbroken.so: 1 undefined symbol: broken_missing_helper (needed by ./libbroken.so)',
  'to fix: if the main module should provide it (a C library or system library function): build it with -sMAIN_MODULE=1, or keep -sMAIN_MODULE=2 and add _broken_missing_helper to -sEXPOR',
  'Error: Tried to lookup unknown symbol "sqlite3_nope_init" in dynamic lib: ./libseries.so',
  '',
].join('\n');
