import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle, describeInChromium, runInPage, startServer } from '@dl/browser';
import type { Browser, TestServer } from '@dl/browser';
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

/**
 * Runs a threads page (its harness file next to this one) in a fresh page of `browser`, with
 * the Web Worker script it starts (follow-web-worker.harness) bundled in as `WORKER_CODE`.
 */
async function threadsPage<T>(
  chromium: { readonly browser: Browser; readonly server: TestServer },
  page: string,
  options: { readonly define?: Record<string, string>; readonly timeoutMs?: number } = {},
): Promise<T> {
  const worker = await bundle(fileURLToPath(new URL('./follow-web-worker.harness.ts', import.meta.url)));
  const script = await bundle(fileURLToPath(new URL(`./${page}`, import.meta.url)), {
    define: { WORKER_CODE: JSON.stringify(worker), ...options.define },
  });
  return runInPage<T>({
    browser: chromium.browser,
    url: chromium.server.url,
    script,
    pagePath: '/threads.html',
    timeoutMs: options.timeoutMs ?? 30_000,
  });
}

describeInChromium('follower threads in Chromium (Web Workers)', { server }, (chromium) => {
  it('4 Web Workers follow through a ThreadGroup: a library opened after they started reaches all of them, its close too; shared data adds up, thread-locals apart', async () => {
    const result = await threadsPage<{
      isolated: boolean;
      before: unknown[];
      during: unknown[];
      after: unknown[];
      total: number;
    }>(chromium, 'threads-page.harness.ts');
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
    const result = await threadsPage<Record<string, unknown>>(chromium, 'threads-reload-page.harness.ts');
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
    const result = await threadsPage<Record<string, unknown>>(chromium, 'threads-ended-page.harness.ts');
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

  it('ThreadGroup.start makes Web Workers already following, stop ends them; a worker script that does not load rejects start with DL_THREAD_SYNC_FAILED and leaves nothing reserved; a worker removed while it runs is told so and refuses to be added again', async () => {
    const { missing, ...result } = await threadsPage<Record<string, unknown>>(
      chromium,
      'threads-start-page.harness.ts',
    );
    const { removed, ...rest } = result;
    expect(rest).toEqual({ isolated: true, following: 2, sums: [3, 3], after: 0, released: true });
    expect(missing).toMatch(/^DL_THREAD_SYNC_FAILED: thread 4 ended before it followed the program: /);
    // A worker removed while it runs: told so, it loads nothing; added again, it refuses a second image.
    expect(removed).toMatchObject({
      loadedForRemoved: false,
      size: 1,
      sameReserved: true,
      goneAnswers: 'number',
      keptLoads: 'libthr_user.so',
    });
    expect((removed as { asked: string }).asked).toMatch(/^error: this thread no longer follows the program/);
    expect((removed as { readded: string }).readded).toMatch(
      /^DL_THREAD_SYNC_FAILED: thread 3 could not take the load: .*already follows a program/,
    );
  });

  it('1,000 dlopen/dlclose cycles interleaved with calls on 4 Web Workers: no wrong call, no deadlock (bounded: the page must answer within 120 s)', async () => {
    const result = await threadsPage<{ isolated: boolean; wrong: string[]; total: number; resident: string[] }>(
      chromium,
      'threads-stress-page.harness.ts',
      { define: { CYCLES: '1000' }, timeoutMs: 120_000 },
    );
    // Every call right (each worker's sum is its cycle count), all 4,000 of them in the shared total.
    expect(result).toEqual({ isolated: true, wrong: [], total: 4000, resident: ['libthr_base.so'] });
  }, 150_000);
});
