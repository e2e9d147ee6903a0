// The differential suite in Chromium: the web builds (-sENVIRONMENT=web, MAIN_MODULE=2) of the
// load-time and dlopen programs, stock and facade, with the same assertions as in node.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle, describeInChromium, runInPage, startServer } from '@dl/browser';
import type { RouteMap } from '@dl/browser';
import { gateFor } from '@dl/fixtures/gate';
import {
  emsuiteDir,
  emsuiteExpected,
  emsuiteSourceDir,
  emsuiteGate,
  emsuitePrograms,
  emsuiteVariant,
} from '@dl/fixtures/emsuite';
import type { EmsuiteVariant } from '@dl/fixtures/emsuite';
import { emsuiteThreadPrograms } from '@dl/fixtures/emsuite-matrix';
import { expect, it } from 'vitest';
import type { PageOutcome } from './differential-page.harness.js';

/** Where Emscripten 3.1.6's own loader, in the browser, does not do what `expected.txt` says. */
const stockFailures: readonly {
  readonly program: string;
  readonly what: string;
  readonly status: number;
  readonly stdout: RegExp;
}[] = [
  {
    program: 'dlopen_async',
    status: 4,
    what: "emscripten_dlopen's onerror: dlerror() has no file name, 'Could not load dynamic lib: ' (as in node)",
    stdout: /second: onerror\(second\): dlerror\(\) = "Could not load dynamic lib: "\n/,
  },
];

const web = emsuitePrograms.filter((p) => p.web);
const PAGE = '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>emsuite</title>\n';
const pagePath = (program: string): string => `/emsuite/${program}/index.html`;

/** Every file of the web programs' directories, and a page in each (relative URLs resolve there). */
function routes(): RouteMap {
  const map: Record<string, RouteMap[string]> = {};
  for (const p of web) {
    const dir = join(emsuiteDir, p.name);
    for (const f of readdirSync(dir)) map[`/emsuite/${p.name}/${f}`] = { file: join(dir, f) };
    map[pagePath(p.name)] = PAGE;
  }
  return map;
}

// Both Chromium and the suite's outputs (pnpm fixtures): skipped without either, failing when CI is set.
describeInChromium(
  'the differential suite in Chromium: Emscripten 3.1.6 stock vs @dl/emscripten',
  { gates: [emsuiteGate()], server: () => startServer(routes()) },
  (chromium) => {
    /** Runs a web variant; `fs` overrides the files put in FS. Also returns the paths it fetched. */
    async function run(
      variant: EmsuiteVariant,
      fs: readonly string[] = variant.program.webFs ?? [],
    ): Promise<PageOutcome & { fetched: string[] }> {
      const config = {
        js: variant.file,
        facade: variant.linker === 'dl',
        fs,
        dynamicLibraries: variant.program.module?.dynamicLibraries ?? [],
        timeoutMs: 10_000,
      };
      const script = await bundle(fileURLToPath(new URL('./differential-page.harness.ts', import.meta.url)), {
        define: { EMSUITE_CONFIG: JSON.stringify(config) },
      });
      const from = chromium.server.log.length;
      const outcome = await runInPage<PageOutcome>({
        browser: chromium.browser,
        url: chromium.server.url,
        script,
        pagePath: pagePath(variant.program.name),
        timeoutMs: 30_000,
      });
      const fetched = chromium.server.log
        .slice(from)
        .map((r) => `${r.path.slice(`/emsuite/${variant.program.name}/`.length)} ${r.status}`);
      return { ...outcome, fetched };
    }

    it.each(web.map((p) => ({ program: p.name })))('$program (web, MAIN_MODULE=2)', async ({ program }) => {
      const expected = emsuiteExpected(program, 2);
      const stock = await run(emsuiteVariant(program, 2, 'stock', 'web'));
      const facade = await run(emsuiteVariant(program, 2, 'dl', 'web'));
      const shown = (o: PageOutcome): string => JSON.stringify(o, null, 2);
      expect(facade.stdout, shown(facade)).toBe(expected.stdout);
      expect(facade.status, shown(facade)).toBe(expected.status);
      expect({ stderr: facade.stderr, error: facade.error }).toEqual({ stderr: '', error: null });

      const failure = stockFailures.find((f) => f.program === program);
      const stockCorrect = stock.stdout === expected.stdout && stock.status === expected.status;
      if (failure === undefined) {
        expect(stockCorrect, `stock does not print expected.txt:\n${shown(stock)}`).toBe(true);
        const { fetched: _s, ...s } = stock;
        const { fetched: _f, ...f } = facade;
        expect(f).toEqual(s);
      } else {
        expect(stockCorrect, `stock now works; drop its row (${failure.what})`).toBe(false);
        expect(stock.status, shown(stock)).toBe(failure.status);
        expect(stock.stdout, shown(stock)).toMatch(failure.stdout);
      }
      // Side modules not put in FS came over HTTP, through Emscripten's readAsync (stock) and the
      // facade's loader alike: the same requests.
      expect(facade.fetched.filter((r) => r.includes('.so')).sort()).toEqual(
        stock.fetched.filter((r) => r.includes('.so')).sort(),
      );
      if (program === 'dlopen_async')
        expect(facade.fetched).toEqual(
          expect.arrayContaining(['libasync.so 200', 'libasync_dep.so 200', 'libnope.so 404']),
        );
      if (program === 'loadtime')
        expect(facade.fetched).toEqual(expect.arrayContaining(['libneed.so 200', 'libextra.so 200']));
    });

    it('neither loads a library synchronously from the network: dlopen needs it in FS', async () => {
      const stock = await run(emsuiteVariant('dlopen', 2, 'stock', 'web'), []);
      const facade = await run(emsuiteVariant('dlopen', 2, 'dl', 'web'), []);
      const failed = /dlopen\(liba\.so\): NULL\n {2}dlerror\(\) = "Could not load dynamic lib: liba\.so" \+ detail\n$/;
      expect(stock.stdout).toMatch(failed);
      expect(facade.stdout).toBe(stock.stdout);
      expect([stock.status, facade.status]).toEqual([1, 1]);
    });
  },
);

// --- issue 13's pthreads programs in Chromium (web builds: -pthread -sENVIRONMENT=web,worker,
// MAIN_MODULE=2, -O2), on a cross-origin-isolated page. The facade's workers load the built
// @dl/emscripten/worker script (pnpm build) from next to the program, as a deployment would.
const ISOLATED = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const threadPrograms = emsuiteThreadPrograms.filter((p) => p.web);
const workerScript = fileURLToPath(new URL('../dist/dl-emscripten-worker.global.js', import.meta.url));
/** The thread programs' web builds and the built worker script (Chromium's gate is added by the block). */
const threadsMissing = [
  ...threadPrograms.flatMap((p) =>
    ['web-main2.js', 'web-main2-dl.js', 'web-main2-dl.worker.js'].map((f) => join(emsuiteDir, p.name, f)),
  ),
  workerScript,
].filter((f) => !existsSync(f));
const threadsBuilt = gateFor(
  threadsMissing,
  `the pthreads web builds or @dl/emscripten's dist are missing (${threadsMissing[0] ?? ''}): run pnpm fixtures and pnpm build`,
);

/** 3.1.6's runtime warns when the page's main thread waits (pthread_join): stock and facade alike. */
const BLOCKING =
  'Blocking on the main thread is very dangerous, see https://emscripten.org/docs/porting/pthreads.html#blocking-on-the-main-browser-thread\n';

/** Where 3.1.6's own loader, in Chromium, does not do what `expected.txt` says. */
const stockThreadFailures: readonly {
  readonly program: string;
  readonly what: string;
  readonly status: number;
  readonly stdout: RegExp;
  readonly stderr: RegExp;
}[] = [
  {
    program: 'thr_late',
    status: 1,
    what: "as in node: a library dlopen()ed on the main thread after a pthread started never reaches it (3.1.6 syncs a worker's libraries only at a thread start), so the pthread's dlsym finds no LDSO entry: TypeError … 'module', the worker's error ends the program",
    stdout: /^main: early\(1\) = 2\nmain: late\(0\) = 100\n$/,
    stderr:
      /worker sent an error! .*web-main2\.worker\.js:\d+: Uncaught TypeError: Cannot read properties of undefined \(reading 'module'\)/,
  },
  {
    program: 'thr_tls',
    status: 0,
    what: "as in node: dlsym of a side module's _Thread_local is no thread's &tv, not even the main's (_dlsym_js answers the export relocated as data; registerTlsInit relocates only the GOT's copy to each __tls_base); every other line as the facade's",
    stdout:
      /^main: tv = 1\n(?:thread \d: tv = 7 at start, 10\d after the barrier\n){3}&tv distinct on every thread: 1\ndlsym\(tv\) == &tv on the main: 0\n(?:dlsym\(tv\) == &tv on thread \d: 0\n){3}$/,
    stderr: /^(?:Blocking on the main thread is very dangerous[^\n]*\n)?$/,
  },
  {
    program: 'thr_four',
    status: 1,
    what: 'as thr_late, with 4 pthreads: libafter.so, opened on the main thread while they run, never reaches them',
    stdout: /^main: 4 threads running; after\(0\) = 1000\n$/,
    stderr:
      /worker sent an error! .*web-main2\.worker\.js:\d+: Uncaught TypeError: Cannot read properties of undefined \(reading 'module'\)/,
  },
];

function threadRoutes(): RouteMap {
  const map: Record<string, RouteMap[string]> = {};
  for (const p of threadPrograms) {
    const dir = join(emsuiteDir, p.name);
    for (const f of readdirSync(dir)) map[`/emsuite/${p.name}/${f}`] = { file: join(dir, f), headers: ISOLATED };
    map[`/emsuite/${p.name}/dl-emscripten-worker.global.js`] = { file: workerScript, headers: ISOLATED };
    map[pagePath(p.name)] = { text: PAGE, contentType: 'text/html', headers: ISOLATED };
  }
  return map;
}

describeInChromium(
  'pthreads programs in Chromium: Emscripten 3.1.6 stock vs @dl/emscripten (cross-origin isolated)',
  { gates: [threadsBuilt], server: () => startServer(threadRoutes()) },
  (chromium) => {
    async function run(program: string, facade: boolean): Promise<PageOutcome> {
      const p = threadPrograms.find((x) => x.name === program)!;
      // The main thread's synchronous dlopen reads FS (a web main thread has no synchronous reader).
      const config = {
        js: `web-main2${facade ? '-dl' : ''}.js`,
        facade,
        fs: p.sides,
        dynamicLibraries: [],
        timeoutMs: 20_000,
      };
      const script = await bundle(fileURLToPath(new URL('./differential-page.harness.ts', import.meta.url)), {
        define: { EMSUITE_CONFIG: JSON.stringify(config) },
      });
      return runInPage<PageOutcome>({
        browser: chromium.browser,
        url: chromium.server.url,
        script,
        pagePath: pagePath(program),
        timeoutMs: 40_000,
      });
    }

    it.each(threadPrograms.map((p) => ({ program: p.name })))(
      '$program (web, -pthread, MAIN_MODULE=2, -O2)',
      async ({ program }) => {
        const expected = { stdout: readFileSync(join(emsuiteSourceDir, program, 'expected.txt'), 'utf8') };
        const facade = await run(program, true);
        const stock = await run(program, false);
        const shown = (o: PageOutcome): string => JSON.stringify(o, null, 2);
        expect(facade, shown(facade)).toEqual({ stdout: expected.stdout, stderr: BLOCKING, status: 0, error: null });
        const failure = stockThreadFailures.find((f) => f.program === program);
        if (failure === undefined) expect(stock, shown(stock)).toEqual(facade);
        else {
          expect(
            stock.stdout === expected.stdout && stock.status === 0,
            `stock now works; drop its row (${failure.what})`,
          ).toBe(false);
          expect(stock.status, shown(stock)).toBe(failure.status);
          expect(stock.stdout, shown(stock)).toMatch(failure.stdout);
          expect(stock.stderr, shown(stock)).toMatch(failure.stderr);
        }
      },
    );
  },
);
