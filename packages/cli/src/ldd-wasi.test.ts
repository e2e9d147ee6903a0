import { realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePath, wasiFixtures } from '@dl/fixtures';
import { sqliteDir, sqliteEmccDir, sqliteExtensions, sqliteGate, sqliteWasiMain } from '@dl/fixtures/sqlite';
import { describe, expect, it } from 'vitest';
import type { LddReport } from './report/ldd.js';
import { run } from './run-in-process.js';

/** The size as the text report prints it: digits grouped by commas. */
const bytes = (path: string): string => `${statSync(path).size.toLocaleString('en-US')} bytes`;

/** Checks `dl ldd` on a side module without NEEDED entries: one root line, exit 0, and the same as --json. */
async function expectLeaf(path: string): Promise<void> {
  const real = realpathSync(path);
  const r = await run('ldd', path);
  expect(r, path).toEqual({ code: 0, stdout: `${real} (${bytes(path)})\n`, stderr: '' });
  const json = await run('ldd', path, '--json');
  expect(json.code).toBe(0);
  expect(JSON.parse(json.stdout) as LddReport).toEqual({
    root: real,
    libraries: [
      {
        key: real,
        name: real,
        location: real,
        size: statSync(path).size,
        runtimePaths: [],
        needed: [],
        via: { step: 'path', entry: real },
        tried: [],
      },
    ],
    problems: [],
    cycles: [],
  });
}

describe('dl ldd on WASI side modules (clang-16 against wasi-libc, for @dl/wasi mains)', () => {
  const sides = wasiFixtures.filter((f) => f.kind === 'side');

  it('lists the catalogued WASI side modules', () => {
    expect(sides.map((f) => f.file)).toEqual(['wasi/libwasi_text.so', 'wasi/libwasi_user.so']);
  });

  it.each(sides.map((f) => [f.file, fixturePath(f)] as const))(
    '%s: the root alone, no NEEDED, exit 0',
    async (_, path) => {
      await expectLeaf(path);
    },
  );

  it('rejects the WASI main (no dylink.0 section) with DL_NOT_SIDE_MODULE; exit 1', async () => {
    const main = fixturePath(wasiFixtures.find((f) => f.id === 'wasi_dl_main')!);
    const r = await run('ldd', main);
    const why = `${main}: the first section is the type section, not a dylink.0 custom section (at byte 8) [DL_NOT_SIDE_MODULE]`;
    expect(r).toEqual({ code: 1, stdout: `${main} => error DL_NOT_SIDE_MODULE\n  ${why}\n`, stderr: `dl: ${why}\n` });
  });
});

const gate = sqliteGate();
if (gate.mode !== 'run') console.warn(gate.message);

describe.skipIf(gate.mode === 'skip')('dl ldd on the SQLite extensions', () => {
  const files = [...sqliteExtensions, 'broken'].flatMap((e) => [
    [`wasi lib${e}.so`, join(sqliteDir, `lib${e}.so`)] as const,
    [`emcc lib${e}.so`, join(sqliteEmccDir, `lib${e}.so`)] as const,
  ]);

  it.each(files)('%s: the root alone, no NEEDED, exit 0', async (_, path) => {
    expect(gate.mode, gate.message).toBe('run');
    await expectLeaf(path);
  });

  it('rejects the WASI SQLite main with DL_NOT_SIDE_MODULE; exit 1', async () => {
    expect(gate.mode, gate.message).toBe('run');
    const r = await run('ldd', sqliteWasiMain, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      root: null,
      libraries: [],
      problems: [{ name: sqliteWasiMain, code: 'DL_NOT_SIDE_MODULE', neededBy: [], parent: null, tried: [] }],
      cycles: [],
    });
  });
});
