/**
 * The "SQLite + extensions" set end to end: the playground built with vite, served by vite's
 * preview server, driven in Debian's Chromium. The WASI SQLite runs in the worker; its rows
 * must be what gcc's build of the same sources prints (the ground truth). Without the SQLite
 * outputs (`pnpm fixtures`), the built app must say so and name that command.
 */
import { join } from 'node:path';
import { runNativeSqlite, sqliteGate } from '@dl/fixtures/sqlite';
import { describe, expect, it } from 'vitest';
import { artifacts, gate, usePlayground } from './e2e.harness.js';
import { outputLines, SQLITE_BUILD_COMMAND, SQLITE_QUERIES, sqliteExample, statementsOf } from './sqlite-example.js';

const sqlite = sqliteGate();
if (sqlite.mode !== 'run') console.warn(sqlite.message);

describe("the SQLite example set's helpers", () => {
  it.skipIf(sqlite.mode === 'skip')('SQLite is built (fails when CI is set and pnpm fixtures did not build it)', () => {
    expect(sqlite.mode, sqlite.message).toBe('run');
  });

  it('splits a query box into one statement per non-empty line', () => {
    expect(
      statementsOf("SELECT load_extension('libseries.so');\n\n  SELECT value FROM generate_series(1,5);  \n"),
    ).toEqual(["SELECT load_extension('libseries.so');", 'SELECT value FROM generate_series(1,5);']);
  });

  it("reads the driver's output as rows split at | and SQLite's Error: lines", () => {
    expect(outputLines('\n1|a\nError: no such function: x\n')).toEqual([
      { kind: 'row', cells: [''] },
      { kind: 'row', cells: ['1', 'a'] },
      { kind: 'error', text: 'Error: no such function: x' },
    ]);
    expect(outputLines('')).toEqual([]);
  });

  it('offers the set with its extensions when SQLite is built, else names the command that builds it', () => {
    const wasi = sqliteExample.wasi!;
    if (sqlite.mode === 'run') {
      expect(wasi.missing).toEqual([]);
      expect(sqliteExample.files.map((f) => f.name)).toEqual([
        'libseries.so',
        'libregexp.so',
        'libstats.so',
        'libbroken.so',
      ]);
    } else {
      expect(wasi.main).toBeNull();
      expect(sqliteExample.description).toContain(SQLITE_BUILD_COMMAND);
    }
  });
});

describe.skipIf(gate.mode === 'skip')('the SQLite example set in Chromium', { timeout: 90_000 }, () => {
  const playground = usePlayground('axe-sqlite.json');

  /** Runs the query box's SQL and waits for this run's output. */
  const runQuery = async (click: () => Promise<void>): Promise<{ stdout: string; rows: string[][] }> => {
    const before = await playground.page.locator('#view-run').getAttribute('data-runs');
    await click();
    await expect
      .poll(() => playground.page.locator('#view-run').getAttribute('data-runs'), { timeout: 30_000 })
      .not.toBe(before);
    await playground.page.locator('#view-run[data-state="done"]').waitFor({ timeout: 30_000 });
    const stdout = (await playground.page.locator('#sqlite-stdout').textContent()) ?? '';
    const rows = await playground.page
      .locator('#sqlite-output tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    return { stdout, rows };
  };

  it.runIf(sqlite.mode !== 'run')('without the SQLite outputs, the set says which command builds them', async () => {
    await playground.page.goto(`${playground.origin}#example=sqlite`);
    const gateBox = playground.page.locator('#sqlite-gate');
    await gateBox.waitFor();
    expect(await gateBox.textContent()).toContain(SQLITE_BUILD_COMMAND);
    expect(await playground.page.locator('#example-description').textContent()).toContain(SQLITE_BUILD_COMMAND);
    await playground.page.screenshot({ path: join(artifacts, 'run-sqlite-not-built.png') });
  });

  it.runIf(sqlite.mode === 'run')(
    'opens the set from the URL in the Run tab, with its extensions inspectable',
    async () => {
      await playground.page.goto(`${playground.origin}#example=sqlite`);
      await playground.page.locator('#sqlite-console').waitFor();
      for (const name of ['libseries.so', 'libregexp.so', 'libstats.so', 'libbroken.so']) {
        await playground.page.locator(`#file-list li[data-file="${name}"][data-state="ok"]`).waitFor();
      }
      // The run view's function list is not shown for a WASI program.
      expect(await playground.page.locator('#function-list').isVisible()).toBe(false);
      expect(await playground.page.locator('button.ready-query').count()).toBe(SQLITE_QUERIES.length);
    },
  );

  it.runIf(sqlite.mode === 'run')(
    "the query typed in the box: load_extension('libseries.so') then generate_series(1,5) gives 1 to 5, as gcc's build",
    async () => {
      const sql = "SELECT load_extension('libseries.so');\nSELECT value FROM generate_series(1,5);";
      await playground.page.fill('#sqlite-query', sql);
      const { stdout, rows } = await runQuery(() => playground.page.click('#sqlite-run'));
      expect(stdout).toBe(runNativeSqlite(statementsOf(sql)).stdout);
      expect(rows).toEqual([['NULL'], ['1'], ['2'], ['3'], ['4'], ['5']]);
      expect(await playground.page.locator('#sqlite-status').textContent()).toMatch(
        /^Exit status 0 in .* loaded libseries\.so$/,
      );
      await playground.page.screenshot({ path: join(artifacts, 'run-sqlite-series.png') });
    },
  );

  it.runIf(sqlite.mode === 'run').each(SQLITE_QUERIES.filter((q) => q.id !== 'broken').map((q) => [q.id, q] as const))(
    'ready query %s: the rows equal the native ground truth',
    async (id, query) => {
      const { stdout, rows } = await runQuery(() => playground.page.click(`button.ready-query[data-query="${id}"]`));
      const native = runNativeSqlite(statementsOf(query.sql));
      expect(native.status).toBe(0);
      expect(stdout).toBe(native.stdout);
      expect(rows.length).toBe(outputLines(native.stdout).length);
      expect(await playground.page.locator('#view-run').getAttribute('data-exit')).toBe('0');
    },
  );

  it.runIf(sqlite.mode === 'run')(
    "the broken extension: SQLite's error rows carry @dl's message, and the missing one @dl's loader text",
    async () => {
      const { stdout, rows } = await runQuery(() => playground.page.click('button.ready-query[data-query="broken"]'));
      expect(rows).toEqual([
        ['Error: libbroken.so: 1 undefined symbol: broken_missing_helper (needed by libbroken.so)'],
        [
          'Error: libnope.so.so: library "libnope.so.so" not found; looked in the in-memory loader for "libnope.so.so" and "libnope.so.so"',
        ],
      ]);
      // gcc's build fails on the same statements, with ld.so's words.
      const native = runNativeSqlite(statementsOf(SQLITE_QUERIES.find((q) => q.id === 'broken')!.sql));
      expect(native.stdout).toMatch(
        /^Error: \S*libbroken\.so: undefined symbol: broken_missing_helper\nError: libnope\.so\.so: cannot open shared object file: No such file or directory\n$/,
      );
      expect(stdout.split('\n').length).toBe(native.stdout.split('\n').length);
      expect(await playground.page.locator('#view-run').getAttribute('data-exit')).toBe('1');
      await playground.page.screenshot({ path: join(artifacts, 'run-sqlite-broken.png') });
      expect(playground.pageErrors).toEqual([]);
    },
  );
});
