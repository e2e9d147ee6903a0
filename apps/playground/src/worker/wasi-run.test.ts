import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runNativeSqlite, sqliteDir, sqliteGate, sqliteWasiMain } from '@dl/fixtures/sqlite';
import { describe, expect, it } from 'vitest';
import { SQLITE_EXTENSIONS, SQLITE_QUERIES, statementsOf } from '../sqlite-example.js';
import { FileSet } from './files.js';
import { runWasi } from './wasi-run.js';

const gate = sqliteGate();
if (gate.mode !== 'run') console.warn(gate.message);

/** The worker's files and request, with the SQLite build's bytes as dropped blobs. */
async function setUp(): Promise<{ files: FileSet; main: Blob }> {
  const files = new FileSet();
  const blobs = await Promise.all(
    SQLITE_EXTENSIONS.map(async (name) => ({
      name,
      source: { kind: 'blob' as const, blob: new Blob([await readFile(join(sqliteDir, name))]) },
    })),
  );
  await files.open(blobs, () => undefined);
  return { files, main: new Blob([await readFile(sqliteWasiMain)]) };
}

describe.skipIf(gate.mode === 'skip')("the worker's WASI program run (browser_wasi_shim + @dl/wasi, in node)", () => {
  it("prints each ready query's rows as gcc's build does, a fresh instance per run", async () => {
    if (gate.mode === 'fail') throw new Error(gate.message);
    const { files, main } = await setUp();
    for (const query of SQLITE_QUERIES.filter((q) => q.id !== 'broken')) {
      const args = statementsOf(query.sql);
      const outcome = await runWasi(files, {
        main: { name: 'sqlite.wasm', source: { kind: 'blob', blob: main } },
        args,
        libraries: SQLITE_EXTENSIONS,
      });
      expect(outcome).toMatchObject({ ok: true, stdout: runNativeSqlite(args).stdout, stderr: '', exitCode: 0 });
      // What load_extension loaded while it ran, though SQLite's exit closed (and so unloaded) it.
      const named = SQLITE_EXTENSIONS.filter((name) => query.sql.includes(`'${name}'`));
      expect(outcome.ok && [...outcome.loaded].sort()).toEqual([...named].sort());
    }
  });

  it("a broken extension is SQLite's error with @dl's message; nothing stays loaded; an unusable main is an outcome, not a throw", async () => {
    if (gate.mode === 'fail') throw new Error(gate.message);
    const { files, main } = await setUp();
    const outcome = await runWasi(files, {
      main: { name: 'sqlite.wasm', source: { kind: 'blob', blob: main } },
      args: ["SELECT load_extension('libbroken');"],
      libraries: SQLITE_EXTENSIONS,
    });
    expect(outcome).toMatchObject({
      ok: true,
      stdout: 'Error: libbroken.so: 1 undefined symbol: broken_missing_helper (needed by libbroken.so)\n',
      exitCode: 1,
      loaded: [],
    });
    const bad = await runWasi(files, {
      main: { name: 'notes.txt', source: { kind: 'blob', blob: new Blob(['not wasm']) } },
      args: [],
      libraries: [],
    });
    expect(bad).toMatchObject({ ok: false, error: { name: 'CompileError' } });
  });
});
