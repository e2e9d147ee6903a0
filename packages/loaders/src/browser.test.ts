import { fileURLToPath } from 'node:url';
import { bundle, describeInChromium, runInPage, sendInChunks } from '@dl/browser';
import type { TestServer } from '@dl/browser';
import { moduleHeadLength } from '@dl/reader';
import { expect, it } from 'vitest';
import type { LoaderEvent } from './progress.js';
import { clangFiles, fixtureServer } from './test-server.harness.js';

interface Planned {
  readonly replayed: boolean;
  readonly stale: string | null;
  readonly checks: number[];
  readonly digest: string;
  readonly stored: number;
}

interface PageResult {
  readonly checks: Record<string, number>;
  readonly libraries: readonly { readonly name: string; readonly location: string | null }[];
  readonly streamed: readonly string[];
  readonly events: readonly (LoaderEvent & { readonly at: number })[];
}

const slow = clangFiles.get('libneed_c.so')!;
const slowHead = moduleHeadLength(slow)!;
// libneed_c.so arrives in two pieces: its head (and the code section's first byte), then,
// 400 ms later, the rest.
const server = (): Promise<TestServer> =>
  fixtureServer({
    '/lib/libneed_c.so': async (_req, res) => {
      await sendInChunks(res, slow, {
        splitAt: [slowHead + 1],
        delayMs: 400,
        contentType: 'application/wasm',
        headers: { ETag: '"c"' },
      });
    },
  });

describeInChromium('the fetch loader in Chromium', { server }, (chromium) => {
  it('links a main, its libraries and a NEEDED chain, compiling while downloading and reading metadata first', async () => {
    const script = await bundle(fileURLToPath(new URL('./browser-page.harness.ts', import.meta.url)));
    const result = await runInPage<PageResult>({
      browser: chromium.browser,
      url: chromium.server.url,
      script,
      timeoutMs: 30_000,
    });
    expect(result.checks).toEqual({ main_run: 0, need_c_check: 0, rpath_user_check: 0 });
    const lib = `${chromium.server.url}/lib/`;
    expect(result.libraries).toEqual(
      expect.arrayContaining([
        { name: 'libreloc.so', location: `${lib}libreloc.so` },
        { name: 'libneed_a.so', location: `${lib}libneed_a.so` },
        { name: 'librpath_dep.so', location: `${lib}rpath/deps/librpath_dep.so` },
        { name: 'librpath_leaf.so', location: `${lib}rpath/deps/leaf/librpath_leaf.so` },
      ]),
    );
    // Every side module was compiled from its response stream.
    expect(new Set(result.streamed)).toEqual(
      new Set(result.libraries.filter((l) => l.name !== 'main').map((l) => l.location)),
    );
    // libneed_c.so: its head was read after the first piece, long before its body was complete...
    const head = result.events.find((e) => e.type === 'head' && e.name === 'libneed_c.so')!;
    const done = result.events.find((e) => e.type === 'done' && e.name === 'libneed_c.so')!;
    expect(head).toMatchObject({ received: slowHead + 1, total: slow.length });
    expect(done.at - head.at).toBeGreaterThan(300);
    // ...and its NEEDED library was requested while its body was still on the way.
    const c = chromium.server.log.find((r) => r.path === '/lib/libneed_c.so')!;
    const b = chromium.server.log.find((r) => r.path === '/lib/libneed_b.so')!;
    expect(b.start).toBeLessThan(c.end!);
    expect(c.end! - c.start).toBeGreaterThan(350);
  });

  it('keeps a link plan in the Cache API: a later page replays the link (same results, same digest)', async () => {
    const script = await bundle(fileURLToPath(new URL('./browser-plan-page.harness.ts', import.meta.url)));
    const context = await chromium.browser.newContext();
    try {
      const run = (): Promise<Planned> =>
        runInPage<Planned>({ browser: chromium.browser, context, url: chromium.server.url, script });
      const first = await run();
      expect(first).toMatchObject({ replayed: false, stale: null, checks: [0, 0, 0] });
      expect(first.stored).toBeGreaterThan(1000);
      const second = await run();
      expect(second).toEqual({ ...first, replayed: true });
    } finally {
      await context.close();
    }
  });

  it('keeps responses in the Cache API: a later page loads the libraries without the network', async () => {
    const script = await bundle(fileURLToPath(new URL('./browser-store-page.harness.ts', import.meta.url)));
    const context = await chromium.browser.newContext();
    try {
      const libraryGets = (): number => chromium.server.log.filter((r) => r.path.endsWith('.so')).length;
      const first = await runInPage<{ need_c_check: number; stored: string[] }>({
        browser: chromium.browser,
        context,
        url: chromium.server.url,
        script,
      });
      const names = [
        '/lib/libcycle_a.so',
        '/lib/libcycle_b.so',
        '/lib/libneed_a.so',
        '/lib/libneed_b.so',
        '/lib/libneed_c.so',
      ];
      expect(first).toEqual({ need_c_check: 0, stored: names });
      const before = libraryGets();
      const second = await runInPage<{ need_c_check: number; stored: string[] }>({
        browser: chromium.browser,
        context,
        url: chromium.server.url,
        script,
      });
      expect(second).toEqual({ need_c_check: 0, stored: names });
      expect(libraryGets()).toBe(before);
    } finally {
      await context.close();
    }
  });
});
