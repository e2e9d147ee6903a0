import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundle, startServer } from '@dl/browser';
import { BENCH_DIR } from './linker-run.js';
import { WEB_RUNNERS, wasmRoute } from './loaders-web.js';

describe('the loaders suite in Chromium', () => {
  it('serves modules as application/wasm with an ETag, and 304 to a matching If-None-Match', async () => {
    const server = await startServer({
      '/set/m.wasm': { handler: wasmRoute(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])) },
    });
    try {
      const first = await fetch(`${server.url}/set/m.wasm`);
      expect(first.status).toBe(200);
      expect(first.headers.get('content-type')).toBe('application/wasm');
      expect(first.headers.get('cache-control')).toBe('no-cache');
      expect((await first.arrayBuffer()).byteLength).toBe(8);
      const etag = first.headers.get('etag')!;
      expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
      const again = await fetch(`${server.url}/set/m.wasm`, { headers: { 'If-None-Match': etag } });
      expect(again.status).toBe(304);
      expect(again.headers.get('etag')).toBe(etag);
      const other = await fetch(`${server.url}/set/m.wasm`, { headers: { 'If-None-Match': '"stale"' } });
      expect(other.status).toBe(200);
      await other.arrayBuffer();
    } finally {
      await server.close();
    }
  });

  it('bundles the page entry for the browser (no node built-ins), with every web runner', async () => {
    const script = await bundle(join(BENCH_DIR, 'runners', 'web-page.mjs'));
    const missing = [...WEB_RUNNERS, 'web-store-prime'].filter(
      (r) => !script.includes(`"${r}"`) && !script.includes(`'${r}'`),
    );
    expect(missing).toEqual([]);
  });
});
