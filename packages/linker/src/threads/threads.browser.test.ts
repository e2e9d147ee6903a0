import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle, describeInChromium, runInPage, startServer } from '@dl/browser';
import type { TestServer } from '@dl/browser';
import { fixturesDir } from '@dl/fixtures';
import { expect, it } from 'vitest';

/** SharedArrayBuffer needs a cross-origin-isolated page. */
const ISOLATED = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

const lib = (name: string): Uint8Array => new Uint8Array(readFileSync(join(fixturesDir, 'clang16', name)));
const server = (): Promise<TestServer> =>
  startServer({
    '/threads.html': {
      bytes: new TextEncoder().encode('<!doctype html><title>threads</title>'),
      contentType: 'text/html',
      headers: ISOLATED,
    },
    '/lib/libthr_base.so': { bytes: lib('libthr_base.so'), headers: ISOLATED },
    '/lib/libthr_user.so': { bytes: lib('libthr_user.so'), headers: ISOLATED },
    '/lib/libthr_data.so': { bytes: lib('libthr_data.so'), headers: ISOLATED },
    '/lib/libthr_data_user.so': { bytes: lib('libthr_data_user.so'), headers: ISOLATED },
  });

describeInChromium('follower threads in Chromium (Web Workers)', { server }, (chromium) => {
  it('4 Web Workers follow through a ThreadGroup: a library opened after they started reaches all of them, its close too; shared data adds up, thread-locals apart', async () => {
    const worker = await bundle(fileURLToPath(new URL('./follow-web-worker.harness.ts', import.meta.url)));
    const script = await bundle(fileURLToPath(new URL('./threads-page.harness.ts', import.meta.url)), {
      define: { WORKER_CODE: JSON.stringify(worker) },
    });
    const result = await runInPage<{
      isolated: boolean;
      before: unknown[];
      during: unknown[];
      after: unknown[];
      total: number;
    }>({ browser: chromium.browser, url: chromium.server.url, script, pagePath: '/threads.html', timeoutMs: 30_000 });
    expect(result).toEqual({
      isolated: true,
      // Not loaded yet on any thread; loaded everywhere after the sync; dropped everywhere after the close.
      before: [null, null, null, null],
      during: [10, 10, 10, 10],
      after: [null, null, null, null],
      total: 40,
    });
  });

  it('a hot reload that moves data reaches 4 Web Workers: each reads the new build through its GOT entry', async () => {
    const worker = await bundle(fileURLToPath(new URL('./follow-web-worker.harness.ts', import.meta.url)));
    const script = await bundle(fileURLToPath(new URL('./threads-reload-page.harness.ts', import.meta.url)), {
      define: { WORKER_CODE: JSON.stringify(worker) },
    });
    const result = await runInPage<Record<string, unknown>>({
      browser: chromium.browser,
      url: chromium.server.url,
      script,
      pagePath: '/threads.html',
      timeoutMs: 30_000,
    });
    expect(result).toEqual({
      isolated: true,
      before: [42, 42, 42, 42],
      // The new build's data, at its new address, on every thread (it starts at 7).
      moved: [true, true, true, true],
      after: [7, 7, 7, 7],
      set: [9, 9, 9, 9],
      leader: 9,
    });
  });

  it('a Web Worker blocked in Atomics.wait holds an unload back until the page terminates and removes it; then the unload goes on and the other threads keep following', async () => {
    const worker = await bundle(fileURLToPath(new URL('./follow-web-worker.harness.ts', import.meta.url)));
    const script = await bundle(fileURLToPath(new URL('./threads-ended-page.harness.ts', import.meta.url)), {
      define: { WORKER_CODE: JSON.stringify(worker) },
    });
    const result = await runInPage<Record<string, unknown>>({
      browser: chromium.browser,
      url: chromium.server.url,
      script,
      pagePath: '/threads.html',
      timeoutMs: 30_000,
    });
    expect(result).toEqual({
      isolated: true,
      loaded: [1, 1],
      heldBack: true,
      unloaded: true,
      dropped: [null, null],
      // Each thread's own sum (a thread-local of libthr_base.so, resident throughout): 1, then + 2.
      again: [3, 3],
      size: 2,
    });
  });

  it('1,000 dlopen/dlclose cycles interleaved with calls on 4 Web Workers: no wrong call, no deadlock (bounded: the page must answer within 120 s)', async () => {
    const worker = await bundle(fileURLToPath(new URL('./follow-web-worker.harness.ts', import.meta.url)));
    const script = await bundle(fileURLToPath(new URL('./threads-stress-page.harness.ts', import.meta.url)), {
      define: { WORKER_CODE: JSON.stringify(worker), CYCLES: '1000' },
    });
    const result = await runInPage<{ isolated: boolean; wrong: string[]; total: number; resident: string[] }>({
      browser: chromium.browser,
      url: chromium.server.url,
      script,
      pagePath: '/threads.html',
      timeoutMs: 120_000,
    });
    // Every call right (each worker's sum is its cycle count), all 4,000 of them in the shared total.
    expect(result).toEqual({ isolated: true, wrong: [], total: 4000, resident: ['libthr_base.so'] });
  }, 150_000);
});
