/**
 * The Chromium half of the loaders suite: one HTTP server on 127.0.0.1 serving every set, the
 * page entry (runners/web-page.mjs) bundled once, Chromium launched once per run, and each
 * measurement in a fresh browser context and page (web-store: two pages in one context).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, join } from 'node:path';
import { bundle, chromiumAvailable, chromiumExecutable, launchChromium, runInPage, startServer } from '@dl/browser';
import type { Browser, RouteValue, TestServer } from '@dl/browser';
import { BENCH_DIR } from './linker-run.js';
import type { SetSpec } from './linker-run.js';
import type { Sample } from './suite.js';

/** The Chromium runners, in table order; `web-floor` is their floor. */
export const WEB_RUNNERS = ['web-floor', 'web-seq', 'web-graph', 'web-graph-32', 'web-warm', 'web-store'] as const;
export type WebRunner = (typeof WEB_RUNNERS)[number];

/** A page may take this long (the grammars' first load over HTTP takes well under a second). */
const PAGE_TIMEOUT_MS = 120_000;

/** The URL directory of a set: its manifest's name (`bm-500`, `grammars`). */
export const setId = (set: SetSpec): string => basename(set.manifest, '.json');

interface Manifest {
  readonly kind: string;
  readonly expected: number | null;
  readonly modules: readonly { readonly path: string; readonly symbol: string }[];
}

/**
 * A module served like a static file server with validators: `application/wasm`, an ETag (a
 * hash of the bytes), `Cache-Control: no-cache` (every reuse revalidates) and 304 when the
 * request's `If-None-Match` matches. Bytes are held in memory (no disk reads in the timings).
 */
export function wasmRoute(bytes: Uint8Array): (req: IncomingMessage, res: ServerResponse) => void {
  const etag = `"${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}"`;
  return (req, res) => {
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', 'no-cache');
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304);
      res.end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/wasm', 'Content-Length': String(bytes.byteLength) });
    res.end(bytes);
  };
}

/** What the Chromium runners need: a server with every set, the bundled page, and a browser per run. */
export interface WebBench {
  readonly server: TestServer;
  readonly script: string;
  close(): Promise<void>;
}

/** Whether the web runners can run here, and why not. */
export function webAvailability(): string | null {
  return chromiumAvailable()
    ? null
    : `no executable Chromium at ${chromiumExecutable()}: the web runners are skipped (set DL_CHROMIUM, or apt-get install chromium)`;
}

/** Starts the server for `sets` and bundles the page entry. */
export async function startWebBench(sets: readonly SetSpec[]): Promise<WebBench> {
  const routes: Record<string, RouteValue> = {};
  for (const set of sets) {
    const m = JSON.parse(readFileSync(set.manifest, 'utf8')) as Manifest;
    const modules = m.modules.map(({ path, symbol }) => ({ name: basename(path), symbol }));
    for (const { path } of m.modules)
      routes[`/${setId(set)}/${basename(path)}`] = { handler: wasmRoute(readFileSync(path)) };
    routes[`/${setId(set)}/manifest.json`] = {
      text: JSON.stringify({ kind: m.kind, expected: m.expected, modules }),
      contentType: 'application/json',
    };
  }
  const server = await startServer(routes);
  const script = await bundle(join(BENCH_DIR, 'runners', 'web-page.mjs'));
  return { server, script, close: () => server.close() };
}

/** Launches the browser for one run (one batch of web measurements). */
export function launchBrowser(): Promise<Browser> {
  return launchChromium();
}

/**
 * One measurement of `runner` on `set` in a fresh context: web-store first primes the store
 * in one page (untimed), then measures in a second page of the same context. Throws when the
 * page fails or a linking runner's checksum is not the set's.
 */
export async function runWeb(web: WebBench, browser: Browser, runner: WebRunner, set: SetSpec): Promise<Sample> {
  const page = (name: string): string => `/__dl/blank.html?set=${encodeURIComponent(setId(set))}&runner=${name}`;
  const run = { browser, url: web.server.url, script: web.script, timeoutMs: PAGE_TIMEOUT_MS };
  let sample: Sample;
  if (runner === 'web-store') {
    const context = await browser.newContext();
    try {
      await runInPage({ ...run, context, pagePath: page('web-store-prime') });
      const before = web.server.log.length;
      sample = await runInPage<Sample>({ ...run, context, pagePath: page(runner) });
      const fetched = web.server.log
        .slice(before)
        .filter((r) => r.path.startsWith(`/${setId(set)}/`) && !r.path.endsWith('/manifest.json')).length;
      if (fetched > 0)
        throw new Error(
          `web-store on ${set.set} ${set.n}: the second page requested ${fetched} modules from the server instead of the store`,
        );
    } finally {
      await context.close();
    }
  } else {
    sample = await runInPage<Sample>({ ...run, pagePath: page(runner) });
  }
  const expected = runner === 'web-floor' ? set.n : set.expected;
  if (expected !== null && sample.checksum !== expected) {
    throw new Error(`${runner} on ${set.set} ${set.n}: checksum ${sample.checksum ?? 'null'}, expected ${expected}`);
  }
  return sample;
}
