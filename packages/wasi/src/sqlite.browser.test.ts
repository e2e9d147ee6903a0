/**
 * SQLite with its extensions on every runtime, against gcc's build of the same sources (the
 * ground truth): the WASI main (node:wasi; Chromium with @bjorn3/browser_wasi_shim) and the
 * Emscripten 3.1.6 main linked with @dl/emscripten's --js-library (node with NODERAWFS; Chromium
 * with the web build, extensions in MEMFS). Writes the table of the runs' outputs and error
 * texts to `.ci/artifacts/sqlite-table.md`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle, describeInChromium, runInPage, startServer } from '@dl/browser';
import type { RouteMap } from '@dl/browser';
import {
  runEmscriptenSqlite,
  runNativeSqlite,
  sqliteDir,
  sqliteEmccDir,
  sqliteEmccWebFiles,
  sqliteGate,
  sqliteWasiMain,
} from '@dl/fixtures/sqlite';
import type { SqliteRun } from '@dl/fixtures/sqlite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { WasiJob, WasiPageResult } from './browser-page.harness.js';
import type { EmccJob, EmccPageResult } from './sqlite-emscripten-page.harness.js';
import {
  cleanUpWasiSqlite,
  renderSqliteTable,
  runWasiSqlite,
  sqliteCases,
  sqliteFailures,
} from './sqlite-support.harness.js';
import type { TableRow, TableRuntime } from './sqlite-support.harness.js';

const EXTENSIONS = ['libseries.so', 'libregexp.so', 'libstats.so', 'libbroken.so'];
const PAGE = '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>sqlite-dl-web</title>\n';
const table = fileURLToPath(new URL('../../../.ci/artifacts/sqlite-table.md', import.meta.url));

function routes(): RouteMap {
  const map: Record<string, RouteMap[string]> = { '/sqlite.wasm': { file: sqliteWasiMain }, '/emcc/index.html': PAGE };
  for (const name of EXTENSIONS) {
    map[`/lib/${name}`] = { file: join(sqliteDir, name) };
    map[`/emcc/${name}`] = { file: join(sqliteEmccDir, name) };
  }
  for (const name of sqliteEmccWebFiles) map[`/emcc/${name}`] = { file: join(sqliteEmccDir, name) };
  return map;
}

describeInChromium(
  'SQLite and its extensions: native vs WASI vs Emscripten 3.1.6, in node and Chromium',
  { gates: [sqliteGate()], server: () => startServer(routes()) },
  (chromium) => {
    let wasiScript = '';
    let emccScript = '';
    const outputs: TableRow[] = [];
    const failures: TableRow[] = [];

    beforeAll(async () => {
      wasiScript = await bundle(fileURLToPath(new URL('./browser-page.harness.ts', import.meta.url)));
      emccScript = await bundle(fileURLToPath(new URL('./sqlite-emscripten-page.harness.ts', import.meta.url)));
    }, 120_000);
    afterAll(() => {
      cleanUpWasiSqlite();
      if (outputs.length === 0 && failures.length === 0) return;
      mkdirSync(join(table, '..'), { recursive: true });
      const header = `# SQLite loadable extensions on every runtime (written by packages/wasi/src/sqlite.browser.test.ts, ${new Date().toISOString()})`;
      writeFileSync(table, renderSqliteTable(outputs, failures, header));
    });

    const wasiChromium = async (statements: readonly string[]): Promise<SqliteRun> => {
      const job: WasiJob = { main: '/sqlite.wasm', libraries: EXTENSIONS, args: ['sqlite', ...statements] };
      const r = await runInPage<WasiPageResult>({
        browser: chromium.browser,
        url: chromium.server.url,
        script: `globalThis.__wasiJob = ${JSON.stringify(job)};\n${wasiScript}`,
        timeoutMs: 60_000,
      });
      return { stdout: r.stdout, status: r.exitCode };
    };
    const emccChromium = async (
      statements: readonly string[],
    ): Promise<SqliteRun & { stderr: string; error: string | null }> => {
      const job: EmccJob = { js: 'sqlite-dl-web.js', libraries: EXTENSIONS, args: [...statements] };
      const r = await runInPage<EmccPageResult>({
        browser: chromium.browser,
        url: chromium.server.url,
        pagePath: '/emcc/index.html',
        script: `globalThis.__emccJob = ${JSON.stringify(job)};\n${emccScript}`,
        timeoutMs: 60_000,
      });
      return { stdout: r.stdout, status: r.status ?? -1, stderr: r.stderr, error: r.error };
    };
    /** Every runtime on the statements. */
    const runAll = async (
      statements: readonly string[],
    ): Promise<Record<TableRuntime, SqliteRun> & { emccStderr: string; emccError: string | null }> => {
      const emcc = await emccChromium(statements);
      const { libraries: _libraries, loaded: _loaded, unloaded: _unloaded, ...wasiNode } = runWasiSqlite(statements);
      const { stderr: emccNodeStderr, ...emccNode } = runEmscriptenSqlite(statements);
      return {
        'native (gcc)': runNativeSqlite(statements),
        'WASI node': wasiNode,
        'WASI Chromium': await wasiChromium(statements),
        'Emscripten node': emccNode,
        'Emscripten Chromium': { stdout: emcc.stdout, status: emcc.status },
        emccStderr: emccNodeStderr + emcc.stderr,
        emccError: emcc.error,
      };
    };

    it.each(Object.entries(sqliteCases))("%s: every runtime prints exactly gcc's rows", async (name, statements) => {
      const { emccStderr, emccError, ...runs } = await runAll(statements);
      outputs.push({ name, statements, outputs: runs });
      const native = runs['native (gcc)'];
      expect(native.stdout.length).toBeGreaterThan(0);
      expect({ emccStderr, emccError }).toEqual({ emccStderr: '', emccError: null });
      for (const [runtime, run] of Object.entries(runs)) expect({ runtime, ...run }).toEqual({ runtime, ...native });
    });

    it("failures: SQLite's error texts carry @dl's message on every wasm runtime", async () => {
      const texts: Record<string, Record<TableRuntime, SqliteRun>> = {};
      for (const [name, statements] of Object.entries(sqliteFailures)) {
        const { emccStderr: _stderr, emccError, ...runs } = await runAll(statements);
        expect(emccError).toBeNull();
        failures.push({ name, statements, outputs: runs });
        texts[name] = runs;
        for (const run of Object.values(runs)) expect(run.status).toBe(1);
      }
      const missing = texts['a missing extension']!;
      expect(missing['native (gcc)'].stdout).toBe(
        'Error: ./libnope.so.so: cannot open shared object file: No such file or directory\n',
      );
      expect(missing['WASI node'].stdout).toBe(
        `Error: ./libnope.so.so: library not found; tried ${join(sqliteDir, 'libnope.so.so')} (not found)\n`,
      );
      expect(missing['WASI Chromium'].stdout).toBe(
        'Error: ./libnope.so.so: library "./libnope.so.so" not found; looked in the in-memory loader for "./libnope.so.so" and "libnope.so.so"\n',
      );
      // Emscripten's words around @dl's: the reader's error in node, the facade's in the browser (no synchronous fetch).
      expect(missing['Emscripten node'].stdout).toBe(
        "Error: Could not load dynamic lib: libnope.so.so\nError: ENOENT: no such file or directory, open 'libnope.so.so'\n",
      );
      expect(missing['Emscripten Chromium'].stdout).toBe(
        'Error: Could not load dynamic lib: libnope.so.so\nError: libnope.so.so: file not found, and synchronous loading of external files is not available\n',
      );
      const broken = texts['an extension with a missing symbol (libbroken)']!;
      expect(broken['native (gcc)'].stdout).toBe('Error: ./libbroken.so: undefined symbol: broken_missing_helper\n');
      expect(broken['WASI node'].stdout).toBe(
        'Error: ./libbroken.so: 1 undefined symbol: broken_missing_helper (needed by ./libbroken.so)\n',
      );
      // The page's in-memory loader knows the files by bare name: @dl's message names libbroken.so.
      expect(broken['WASI Chromium'].stdout).toBe(
        'Error: libbroken.so: 1 undefined symbol: broken_missing_helper (needed by libbroken.so)\n',
      );
      for (const rt of ['Emscripten node', 'Emscripten Chromium'] as const) {
        expect(broken[rt].stdout).toContain(
          'Error: Could not load dynamic lib: libbroken.so\n./libbroken.so: 1 undefined symbol: broken_missing_helper (needed by ./libbroken.so)\n',
        );
      }
      const entry = texts['a missing entry point']!;
      expect(entry['native (gcc)'].stdout).toBe('Error: ./libseries.so: undefined symbol: sqlite3_nope_init\n');
      // WASI: the core's dlsym error is ld.so's wording, so @dl prints exactly what native SQLite prints.
      expect(entry['WASI node'].stdout).toBe(entry['native (gcc)'].stdout);
      expect(entry['WASI Chromium'].stdout).toBe('Error: libseries.so: undefined symbol: sqlite3_nope_init\n');
      // Emscripten: the facade's dlerror() is Emscripten's own text, word for word.
      for (const rt of ['Emscripten node', 'Emscripten Chromium'] as const) {
        expect(entry[rt].stdout).toBe(
          'Error: Tried to lookup unknown symbol "sqlite3_nope_init" in dynamic lib: ./libseries.so\n',
        );
      }
    });
  },
);
