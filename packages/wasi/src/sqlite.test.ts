import { join } from 'node:path';
import { runEmscriptenSqlite, runNativeSqlite, sqliteDir, sqliteGate } from '@dl/fixtures/sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanUpWasiSqlite, runWasiSqlite, sqliteCases } from './sqlite-support.harness.js';

const gate = sqliteGate();
if (gate.mode !== 'run') console.warn(gate.message);
afterAll(cleanUpWasiSqlite);

const cases = sqliteCases;
const runWasi = runWasiSqlite;

describe.skipIf(gate.mode === 'skip')(
  'SQLite with loadable extensions: the WASI main on @dl equals the native build',
  () => {
    it('is built (fails when CI is set and pnpm fixtures did not build it)', () => {
      expect(gate.mode, gate.message).toBe('run');
    });

    it.each(Object.entries(cases))("%s: the same rows as gcc's build of the same sources", (_, statements) => {
      const native = runNativeSqlite(statements);
      const wasi = runWasi(statements);
      expect(native.stdout.length).toBeGreaterThan(0);
      expect(wasi.stdout).toBe(native.stdout);
      expect(wasi.status).toBe(native.status);
    });

    it("SELECT load_extension('./libseries.so'); SELECT value FROM generate_series(1,5); prints 1 to 5 after the empty result of load_extension", () => {
      const r = runWasi(["SELECT load_extension('./libseries.so');", 'SELECT value FROM generate_series(1,5);']);
      expect(r.stdout).toBe('\n1\n2\n3\n4\n5\n');
      // Loaded by load_extension, and really unloaded when SQLite closed the database (sqlite3_close dlcloses it).
      expect(r.loaded).toEqual(['./libseries.so']);
      expect(r.unloaded).toEqual(['./libseries.so']);
      expect(r.libraries).toEqual([]);
    });

    it("a missing extension: SQLite's error carries @dl's message (natively, ld.so's)", () => {
      const stmt = ["SELECT load_extension('./libnope.so');"];
      const wasi = runWasi(stmt);
      expect(wasi.stdout).toBe(
        `Error: ./libnope.so.so: library not found; tried ${join(sqliteDir, 'libnope.so.so')} (not found)\n`,
      );
      expect(runNativeSqlite(stmt).stdout).toBe(
        'Error: ./libnope.so.so: cannot open shared object file: No such file or directory\n',
      );
      expect(wasi.libraries).toEqual([]);
    });

    it("an extension with a missing symbol, and a missing entry point: @dl's messages in SQLite's error, nothing left loaded", () => {
      const stmts = [
        "SELECT load_extension('./libbroken');",
        "SELECT load_extension('./libseries.so', 'sqlite3_nope_init');",
      ];
      const wasi = runWasi(stmts);
      expect(wasi.stdout).toBe(
        [
          'Error: ./libbroken.so: 1 undefined symbol: broken_missing_helper (needed by ./libbroken.so)',
          'Error: ./libseries.so: undefined symbol: sqlite3_nope_init',
          '',
        ].join('\n'),
      );
      expect(runNativeSqlite(stmts).stdout).toBe(
        [
          'Error: ./libbroken.so: undefined symbol: broken_missing_helper',
          'Error: ./libseries.so: undefined symbol: sqlite3_nope_init',
          '',
        ].join('\n'),
      );
      // The failed entry point: SQLite dlcloses the library at once, and it is unloaded.
      expect(wasi.loaded).toEqual(['./libseries.so']);
      expect(wasi.unloaded).toEqual(['./libseries.so']);
      expect(wasi.libraries).toEqual([]);
    });
  },
);

describe.skipIf(gate.mode === 'skip')(
  "the same SQLite as an Emscripten 3.1.6 MAIN_MODULE linked with @dl/emscripten's --js-library",
  () => {
    it.each(Object.entries(cases))("%s: the same rows as gcc's build", (_, statements) => {
      const native = runNativeSqlite(statements);
      const emcc = runEmscriptenSqlite(statements);
      expect(emcc.stderr).toBe('');
      expect(emcc.stdout).toBe(native.stdout);
      expect(emcc.status).toBe(native.status);
    });

    it("failures: SQLite's error carries @dl's dlerror() text in Emscripten's words", () => {
      const emcc = runEmscriptenSqlite([
        "SELECT load_extension('./libnope.so');",
        "SELECT load_extension('./libbroken');",
        "SELECT load_extension('./libseries.so', 'sqlite3_nope_init');",
      ]);
      expect(emcc.stdout).toBe(EMCC_ERRORS);
    });
  },
);

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
