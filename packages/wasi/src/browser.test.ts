import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle, describeInChromium, runInPage, startServer } from '@dl/browser';
import type { TestServer } from '@dl/browser';
import { fixture, fixturePath, fixturesDir } from '@dl/fixtures';
import { runNativeSqlite, sqliteDir, sqliteGate, sqliteWasiMain } from '@dl/fixtures/sqlite';
import { memoryLoader } from '@dl/linker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { WasiJob, WasiPageResult } from './browser-page.harness.js';
import { runWasiNode } from './node/run.js';

const sqlite = sqliteGate();

const dirs = [join(fixturesDir, 'wasi'), join(fixturesDir, 'clang16')];
const libFiles = new Map<string, string>();
for (const d of dirs)
  for (const f of readdirSync(d)) if (f.endsWith('.so') && !libFiles.has(f)) libFiles.set(f, join(d, f));
const sqliteLibs = sqlite.mode === 'run' ? ['libseries.so', 'libregexp.so', 'libstats.so', 'libbroken.so'] : [];
const scratch = mkdtempSync(join(tmpdir(), 'dl-wasi-browser-'));

/** The same main and libraries in node, with the same in-memory loader as the page. */
function inNode(
  main: string,
  libraries: readonly string[],
  args: readonly string[],
  files: (name: string) => string,
): WasiPageResult {
  const out = join(scratch, `${String(Math.random()).slice(2)}.txt`);
  const fd = openSync(out, 'w');
  try {
    const loader = memoryLoader(Object.fromEntries(libraries.map((n) => [n, new Uint8Array(readFileSync(files(n)))])));
    const r = runWasiNode({ main, args, loader, stdout: fd });
    return {
      stdout: readFileSync(out, 'utf8'),
      exitCode: r.exitCode,
      libraries: r.linker.graph().libraries.map((l) => l.name),
      fetched: [],
    };
  } finally {
    closeSync(fd);
  }
}

/** The WASI main, its libraries and, when built, SQLite's. */
function server(): Promise<TestServer> {
  const routes: Record<string, { file: string }> = {
    '/dl_main.wasm': { file: fixturePath(fixture('wasi_dl_main', 'clang16')) },
  };
  for (const [name, file] of libFiles) routes[`/lib/${name}`] = { file };
  if (sqlite.mode === 'run') {
    routes['/sqlite.wasm'] = { file: sqliteWasiMain };
    for (const n of sqliteLibs) routes[`/lib/${n}`] = { file: join(sqliteDir, n) };
  }
  return startServer(routes);
}

describeInChromium('WASI mains with dlopen in Chromium (@bjorn3/browser_wasi_shim)', { server }, (chromium) => {
  let script = '';
  const run = (job: WasiJob): Promise<WasiPageResult> =>
    runInPage<WasiPageResult>({
      browser: chromium.browser,
      url: chromium.server.url,
      script: `globalThis.__wasiJob = ${JSON.stringify(job)};\n${script}`,
      timeoutMs: 60_000,
    });
  beforeAll(async () => {
    script = await bundle(fileURLToPath(new URL('./browser-page.harness.ts', import.meta.url)));
  }, 120_000);
  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it('dl_main.wasm prints in Chromium exactly what it prints in node (NEEDED, LOCAL/GLOBAL, RTLD_DEFAULT, weak, dlerror)', async () => {
    const libraries = [...libFiles.keys()].sort();
    const job: WasiJob = { main: '/dl_main.wasm', libraries, args: ['dl_main'] };
    const page = await run(job);
    const node = inNode(fixturePath(fixture('wasi_dl_main', 'clang16')), libraries, job.args, (n) => libFiles.get(n)!);
    expect(page.stdout).toContain('chain: need_c_check=0 need_b_check=0');
    expect(page.stdout).toContain(
      'fail: dlopen libmissing.so: libmissing.so: library "libmissing.so" not found; looked in the in-memory loader',
    );
    expect(page.stdout).toContain('exit: atexit handler');
    expect({ ...page, fetched: [] }).toEqual(node);
    expect([...page.fetched].sort()).toEqual(libraries);
  });

  it("JSPI: nothing preloaded, C's dlopen suspends while @dl fetches the library and its NEEDED", async () => {
    const libraries = [...libFiles.keys()].sort();
    const args = ['dl_main'];
    const preloaded = await run({ main: '/dl_main.wasm', libraries, args });
    const jspi = await run({ main: '/dl_main.wasm', libraries, args, jspi: true });
    const missing = (l: string): boolean => l.startsWith('fail: dlopen libmissing.so');
    expect(jspi.stdout.split('\n').filter((l) => !missing(l))).toEqual(
      preloaded.stdout.split('\n').filter((l) => !missing(l)),
    );
    expect(jspi.stdout.split('\n').filter(missing)).toEqual([
      expect.stringMatching(/^fail: dlopen libmissing\.so: .*libmissing\.so/),
    ]);
    expect(jspi.exitCode).toBe(0);
    // Only what C opened was fetched (the chain and its NEEDED, the failed names), nothing else.
    expect(jspi.fetched).toEqual(
      expect.arrayContaining(['libneed_c.so', 'libneed_b.so', 'libneed_a.so', 'libwasi_text.so', 'libmissing.so']),
    );
    expect(jspi.fetched).not.toContain('libreloc.so');
  });

  it.skipIf(sqlite.mode === 'skip')("SQLite with three extensions in Chromium prints gcc's rows", async () => {
    if (sqlite.mode === 'fail') throw new Error(sqlite.message);
    const args = [
      'sqlite',
      "SELECT load_extension('./libseries.so'), load_extension('./libregexp.so'), load_extension('./libstats.so');",
      'SELECT value FROM generate_series(1,5);',
      "SELECT median(value), stddev(value), rot13('Chromium') FROM generate_series(1,10) WHERE CAST(value AS TEXT) REGEXP '^[0-9]$';",
      "SELECT load_extension('./libbroken');",
    ];
    const page = await run({ main: '/sqlite.wasm', libraries: sqliteLibs, args });
    const native = runNativeSqlite(args.slice(1));
    const lines = page.stdout.split('\n');
    expect(lines.slice(0, -2)).toEqual(native.stdout.split('\n').slice(0, -2));
    expect(lines.at(-2)).toBe(
      'Error: libbroken.so: 1 undefined symbol: broken_missing_helper (needed by libbroken.so)',
    );
    expect(page.exitCode).toBe(1);
  });
});
