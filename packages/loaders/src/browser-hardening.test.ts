import { fileURLToPath } from 'node:url';
import { bundle, chromiumGate, launchChromium, runInPage, startServer } from '@dl/browser';
import type { Browser, TestServer } from '@dl/browser';
import { withDylinkEntries } from '@dl/fixtures/writer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Outcome } from './browser-hardening-page.harness.js';
import { clangFiles, fixtureServer, misbehaving } from './test-server.harness.js';

const gate = chromiumGate();
if (gate.mode === 'skip') console.warn(gate.message);

describe.skipIf(gate.mode === 'skip')(
  "the fetch loader's limits and origin policy in Chromium (issue 15 items 1, 2)",
  () => {
    let browser: Browser | undefined;
    let app: TestServer | undefined;
    let other: TestServer | undefined;
    beforeEach(() => {
      if (gate.mode === 'fail') throw new Error(gate.message);
    });
    beforeAll(async () => {
      if (gate.mode === 'fail') return;
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
      app = await fixtureServer({
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
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await app?.close();
      await other?.close();
    });

    it('limits, cancellation, what CORS refuses and what the policy adds', async () => {
      const script = await bundle(fileURLToPath(new URL('./browser-hardening-page.harness.ts', import.meta.url)));
      const r = await runInPage<Record<string, Outcome>>({
        browser: browser!,
        url: app!.url,
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
        message: expect.stringContaining(`(redirected from ${app!.url}/lib/moved/libneed_a.so)`) as unknown,
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
