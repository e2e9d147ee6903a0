import { copyFileSync, mkdtempSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, fixturePath, fixturesDir } from '@dl/fixtures';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { LddReport } from './report/ldd.js';
import { run } from './run-in-process.js';

/** The loader prints canonical real paths. */
const clang16 = realpathSync(join(fixturesDir, 'clang16'));
const lib = (id: string): string => realpathSync(fixturePath(fixture(id, 'clang16')));
const size = (path: string): number => statSync(path).size;
const cwd = realpathSync(process.cwd());

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});
/** A temporary directory holding libneed_c.so and libneed_b.so, without libneed_a.so. */
function chainWithoutA(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'dl-ldd-')));
  temps.push(dir);
  for (const id of ['need_c', 'need_b']) copyFileSync(lib(id), join(dir, `lib${id}.so`));
  return dir;
}

describe('dl ldd', () => {
  it('walks the NEEDED chain c → b → a, root first, with the step and entry that found each', async () => {
    const r = await run('ldd', lib('need_c'), '-L', clang16);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(
      [
        `${lib('need_c')} (${size(lib('need_c'))} bytes)`,
        `└─ libneed_b.so => ${lib('need_b')} (search-path ${clang16})`,
        `   └─ libneed_a.so => ${lib('need_a')} (search-path ${clang16})`,
        '',
      ].join('\n'),
    );
  });

  it('shows how a root without a slash was found', async () => {
    const r = await run('ldd', 'libneed_b.so', '-L', join(clang16, 'rpath'), '-L', clang16);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(0, 2)).toEqual([
      `${lib('need_b')} (${size(lib('need_b'))} bytes, search-path ${clang16})`,
      `│ tried ${join(clang16, 'rpath', 'libneed_b.so')} (not found; search-path ${join(clang16, 'rpath')})`,
    ]);
  });

  it('follows RUNTIME_PATH with $ORIGIN and ${ORIGIN} and lists the entries tried first, expanded', async () => {
    const r = await run('ldd', lib('rpath_user'));
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const skipped = join(cwd, 'lib', clang16, 'rpath', 'x', 'librpath_dep.so');
    expect(r.stdout).toBe(
      [
        `${lib('rpath_user')} (${size(lib('rpath_user'))} bytes)`,
        `└─ librpath_dep.so => ${lib('rpath_dep')} (runtime-path \${ORIGIN}/../rpath/deps)`,
        `   │ tried ${skipped} (not found; runtime-path lib/$ORIGIN/x)`,
        `   └─ librpath_leaf.so => ${lib('rpath_leaf')} (runtime-path $ORIGIN/leaf)`,
        '',
      ].join('\n'),
    );
    const report = JSON.parse((await run('ldd', lib('rpath_user'), '--json')).stdout) as LddReport;
    expect(report.libraries.map((l) => [l.location, l.via])).toEqual([
      [lib('rpath_user'), { step: 'path', entry: lib('rpath_user') }],
      [lib('rpath_dep'), { step: 'runtime-path', entry: '${ORIGIN}/../rpath/deps' }],
      [lib('rpath_leaf'), { step: 'runtime-path', entry: '$ORIGIN/leaf' }],
    ]);
    expect(report.libraries[1]!.tried).toEqual([
      { location: skipped, step: 'runtime-path', entry: 'lib/$ORIGIN/x', reason: 'not found' },
    ]);
  });

  it('marks a NEEDED cycle, shows each library once and stops', async () => {
    const [a, b] = [lib('cycle_a'), lib('cycle_b')];
    const r = await run('ldd', a, '-L', clang16);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(
      [
        `${a} (${size(a)} bytes) (cycle: libcycle_a.so ↔ libcycle_b.so)`,
        `└─ libcycle_b.so => ${b} (search-path ${clang16}) (cycle: libcycle_a.so ↔ libcycle_b.so)`,
        `   └─ libcycle_a.so => ${a} (already shown)`,
        '',
      ].join('\n'),
    );
    const report = JSON.parse((await run('ldd', b, '-L', clang16, '--json')).stdout) as LddReport;
    expect(report.cycles).toEqual([[b, a]]);
  });

  it('reports a missing library with every place tried and the libraries that needed it; exit 1', async () => {
    const dir = chainWithoutA();
    const r = await run('ldd', join(dir, 'libneed_c.so'), '-L', dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      [
        `${dir}/libneed_c.so (${size(lib('need_c'))} bytes)`,
        `└─ libneed_b.so => ${dir}/libneed_b.so (search-path ${dir})`,
        `   └─ libneed_a.so => not found (needed by libneed_b.so, ${dir}/libneed_c.so)`,
        `        tried ${dir}/libneed_a.so (not found; search-path ${dir})`,
        `        tried ${cwd}/libneed_a.so (not found; default .)`,
        '',
      ].join('\n'),
    );
    expect(r.stderr).toBe(
      `dl: libneed_a.so: library not found (needed by libneed_b.so, needed by ${dir}/libneed_c.so); tried ${dir}/libneed_a.so (not found), ${cwd}/libneed_a.so (not found) [DL_NOT_FOUND]\n`,
    );
    const report = JSON.parse((await run('ldd', join(dir, 'libneed_c.so'), '-L', dir, '--json')).stdout) as LddReport;
    expect(report.problems).toEqual([
      {
        name: 'libneed_a.so',
        neededBy: ['libneed_b.so', `${dir}/libneed_c.so`],
        parent: `${dir}/libneed_b.so`,
        code: 'DL_NOT_FOUND',
        message: expect.stringContaining('library not found') as unknown,
        tried: [
          { location: `${dir}/libneed_a.so`, step: 'search-path', entry: dir, reason: 'not found' },
          { location: `${cwd}/libneed_a.so`, step: 'default', entry: '.', reason: 'not found' },
        ],
      },
    ]);
    expect(report.libraries[1]!.needed).toEqual([{ name: 'libneed_a.so', key: null, via: null, tried: [] }]);
  });

  it('searches LD_LIBRARY_PATH only with --env', async () => {
    const dir = chainWithoutA();
    vi.stubEnv('LD_LIBRARY_PATH', `/nonexistent-dl-dir:${clang16}`);
    try {
      const without = await run('ldd', join(dir, 'libneed_c.so'), '-L', dir);
      expect(without.code).toBe(1);
      const r = await run('ldd', join(dir, 'libneed_c.so'), '-L', dir, '--env');
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout).toContain(
        [
          `   └─ libneed_a.so => ${lib('need_a')} (environment ${clang16})`,
          `        tried ${dir}/libneed_a.so (not found; search-path ${dir})`,
          '        tried /nonexistent-dl-dir/libneed_a.so (not found; environment /nonexistent-dl-dir)',
        ].join('\n'),
      );
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('shows the code and message of a dependency that is not wasm; exit 1', async () => {
    const dir = chainWithoutA();
    writeFileSync(join(dir, 'libneed_a.so'), '<!DOCTYPE html>\n<html><body>404 Not Found</body></html>\n');
    const r = await run('ldd', join(dir, 'libneed_c.so'), '-L', dir);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.slice(2)).toEqual([
      `   └─ libneed_a.so => error DL_BAD_MAGIC (needed by libneed_b.so, ${dir}/libneed_c.so)`,
      expect.stringMatching(
        /^ {8}libneed_a\.so: not a WebAssembly binary: it starts with the bytes 3c 21 44 4f, .* \[DL_BAD_MAGIC\]$/,
      ),
    ]);
    expect(r.stderr).toMatch(/^dl: libneed_a\.so: not a WebAssembly binary: .* \[DL_BAD_MAGIC\]\n$/);
  });

  it('reports a FILE that cannot be used on its own line', async () => {
    const missing = await run('ldd', 'no/such/libx.so');
    expect(missing).toMatchObject({
      code: 1,
      stdout: `no/such/libx.so => not found\n  tried ${cwd}/no/such/libx.so (not found; path no/such/libx.so)\n`,
    });
    const plain = await run('ldd', join(fixturesDir, 'malformed', 'html-404.so'), '--json');
    expect(plain.code).toBe(1);
    expect(JSON.parse(plain.stdout)).toMatchObject({
      root: null,
      libraries: [],
      problems: [{ code: 'DL_BAD_MAGIC', neededBy: [], parent: null, tried: [] }],
      cycles: [],
    });
  });

  it('--json: root, libraries in tree order, problems and cycles as plain data', async () => {
    const r = await run('ldd', lib('need_c'), '-L', clang16, '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as LddReport;
    expect(Object.keys(report)).toEqual(['root', 'libraries', 'problems', 'cycles']);
    expect(report).toMatchObject({ root: lib('need_c'), problems: [], cycles: [] });
    expect(report.libraries.map((l) => Object.keys(l))).toEqual(
      Array(3).fill(['key', 'name', 'location', 'size', 'runtimePaths', 'needed', 'via', 'tried']),
    );
    expect(report.libraries).toEqual([
      {
        key: lib('need_c'),
        name: lib('need_c'),
        location: lib('need_c'),
        size: size(lib('need_c')),
        runtimePaths: [],
        needed: [{ name: 'libneed_b.so', key: lib('need_b'), via: { step: 'search-path', entry: clang16 }, tried: [] }],
        via: { step: 'path', entry: lib('need_c') },
        tried: [],
      },
      {
        key: lib('need_b'),
        name: 'libneed_b.so',
        location: lib('need_b'),
        size: size(lib('need_b')),
        runtimePaths: [],
        needed: [{ name: 'libneed_a.so', key: lib('need_a'), via: { step: 'search-path', entry: clang16 }, tried: [] }],
        via: { step: 'search-path', entry: clang16 },
        tried: [],
      },
      {
        key: lib('need_a'),
        name: 'libneed_a.so',
        location: lib('need_a'),
        size: size(lib('need_a')),
        runtimePaths: [],
        needed: [],
        via: { step: 'search-path', entry: clang16 },
        tried: [],
      },
    ]);
  });

  it('prints its help, and exits 2 with the reason and the help on usage errors', async () => {
    expect(await run('help', 'ldd')).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('Usage: dl ldd FILE [-L DIR]... [--env] [--json]') as unknown,
    });
    expect(await run('ldd', '-h')).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('Usage: dl ldd') as unknown,
    });
    expect((await run('help')).stdout).toContain('dl ldd FILE [-L DIR]... [--env] [--json]');
    const file = lib('need_c');
    for (const argv of [
      ['ldd'],
      ['ldd', '--json'],
      ['ldd', file, '--bogus'],
      ['ldd', file, '-L'],
      ['ldd', file, '-L', '--json'],
      ['ldd', file, '-L', ''],
      ['ldd', file, file],
    ]) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toMatch(/^dl: [^\n]+(\n[^\n]+)*\n\nUsage: dl ldd /);
      expect(r.stdout).toBe('');
    }
  });
});
