import { fileURLToPath } from 'node:url';
import { bundle, describeInChromium, runInPage, startServer } from '@dl/browser';
import type { TestServer } from '@dl/browser';
import { withDylinkEntries } from '@dl/fixtures/writer';
import { afterAll, expect, it } from 'vitest';
import type { Outcome } from './browser-hardening-page.harness.js';
import { clangFiles, fixtureServer, misbehaving } from './test-server.harness.js';

/** The page's origin is `app`; `other` is another origin (another port), closed after the block. */
let other: TestServer | undefined;
async function app(): Promise<TestServer> {
  const libA = clangFiles.get('libneed_a.so')!;
  const needB = clangFiles.get('libneed_b.so')!;
  // Another origin (another port): libneed_a.so without CORS headers, and with them.
  other = await startServer({
    '/nocors/libneed_a.so': { bytes: libA, contentType: 'application/wasm' },
    '/cors/libneed_a.so': {
      bytes: libA,
      contentType: 'application/wasm',
      headers: { 'Access-Control-Allow-Origin': '*' },
    },
  });
  const o = other.url;
  const wasm = (bytes: Uint8Array) => ({ bytes, contentType: 'application/wasm' });
  const dataUrl = `data:application/wasm;base64,${Buffer.from(libA).toString('base64')}`;
  return fixtureServer({
    '/config.json': { text: JSON.stringify({ other: o }), contentType: 'application/json' },
    '/lib/silent/libneed_b.so': wasm(needB),
    '/lib/silent/libneed_a.so': misbehaving.silent,
    '/lib/stalls/libneed_b.so': wasm(needB),
    '/lib/stalls/libneed_a.so': misbehaving.stalls,
    '/lib/trickles/libneed_b.so': wasm(needB),
    '/lib/trickles/libneed_a.so': misbehaving.trickles,
    '/lib/endless/libneed_b.so': wasm(needB),
    '/lib/endless/libneed_a.so': misbehaving.endless,
    '/lib/huge/libneed_b.so': wasm(needB),
    '/lib/huge/libneed_a.so': misbehaving.huge,
    '/lib/cross-nocors.so': wasm(withDylinkEntries(needB, [`${o}/nocors/libneed_a.so`])),
    '/lib/cross-cors.so': wasm(withDylinkEntries(needB, [`${o}/cors/libneed_a.so`])),
    '/lib/redirect.so': wasm(withDylinkEntries(needB, ['moved/libneed_a.so'])),
    '/lib/moved/libneed_a.so': { text: '', status: 302, headers: { Location: `${o}/cors/libneed_a.so` } },
    '/lib/data.so': wasm(withDylinkEntries(needB, [dataUrl])),
  });
}

describeInChromium(
  "the fetch loader's limits and origin policy in Chromium (issue 15 items 1, 2)",
  { server: app },
  (chromium) => {
    afterAll(async () => {
      await other?.close();
    });

    it('limits, cancellation, what CORS refuses and what the policy adds', async () => {
      const script = await bundle(fileURLToPath(new URL('./browser-hardening-page.harness.ts', import.meta.url)));
      const r = await runInPage<Record<string, Outcome>>({
        browser: chromium.browser,
        url: chromium.server.url,
        script,
        timeoutMs: 30_000,
      });
      const o = other!.url;
      expect(r.headers).toMatchObject({
        code: 'DL_NETWORK',
        message: expect.stringContaining('(limits.headersMs)') as unknown,
      });
      expect(r.idle).toMatchObject({
        code: 'DL_NETWORK',
        message: expect.stringContaining('(limits.idleMs)') as unknown,
      });
      expect(r.total).toMatchObject({
        code: 'DL_NETWORK',
        message: expect.stringContaining('(limits.totalMs)') as unknown,
      });
      expect(r.endless).toMatchObject({
        code: 'DL_LIMIT',
        message: expect.stringContaining('limits.maxBytes') as unknown,
      });
      expect(r.huge).toMatchObject({
        code: 'DL_LIMIT',
        message: expect.stringContaining('announces 4000000000 bytes') as unknown,
      });
      expect(r.aborted).toMatchObject({ code: 'DL_ABORTED' });
      // CORS: the browser refuses the response; the loader reports the failed request.
      expect(r.corsRefused).toMatchObject({
        code: 'DL_NETWORK',
        message: expect.stringContaining(`fetching ${o}/nocors/libneed_a.so failed`) as unknown,
      });
      // The policy: refused before any request, unless listed.
      expect(r.policyRefused).toMatchObject({
        code: 'DL_NOT_FOUND',
        message: expect.stringContaining(
          `refused by the origin policy: ${o} is not the origin of cross-cors.so`,
        ) as unknown,
      });
      expect(r.policyAllowed).toMatchObject({
        code: 'ok',
        libraries: expect.arrayContaining([`${o}/cors/libneed_a.so`]) as unknown,
      });
      expect(r.redirected).toMatchObject({
        code: 'DL_NOT_FOUND',
        message: expect.stringContaining(`(redirected from ${chromium.server.url}/lib/moved/libneed_a.so)`) as unknown,
      });
      expect(r.dataUrl).toMatchObject({
        code: 'DL_NOT_FOUND',
        message: expect.stringContaining('data: URLs are not allowed') as unknown,
      });
      // Only the allowed load (and the redirect fetch follows itself) reached the other origin.
      expect(other!.log.filter((q) => q.path === '/cors/libneed_a.so').length).toBe(2);
    }, 60_000);
  },
);
