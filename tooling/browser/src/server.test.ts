import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendInChunks, startServer } from './server.js';
import type { TestServer } from './server.js';

const bytes = new Uint8Array(300).map((_, i) => i & 0xff);

describe('startServer (node fetch, no browser)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer([
      { path: '/a.wasm', bytes },
      {
        path: '/b.so',
        bytes,
        contentType: 'application/octet-stream',
        headers: { ETag: '"v1"', 'Cache-Control': 'max-age=60' },
      },
      { path: '/page', text: '<!doctype html><p>hi</p>' },
      { path: '/x.mjs', text: 'export {};' },
      { path: '/html-as.wasm', text: '<!doctype html><title>not wasm</title>', contentType: 'text/html' },
      { path: '/gone', handler: (_req, res) => void res.writeHead(410).end() },
      {
        path: '/cut.wasm',
        handler: async (_req, res) => {
          await sendInChunks(res, bytes, {
            splitAt: [100],
            delayMs: 10,
            abortAfterPieces: 1,
            contentType: 'application/wasm',
          });
        },
      },
    ]);
  });
  afterAll(async () => {
    await server.close();
  });

  it('serves routes with content types by extension, overrides and extra headers, and nothing else', async () => {
    const wasm = await fetch(`${server.url}/a.wasm?v=1`);
    expect([wasm.status, wasm.headers.get('content-type'), wasm.headers.get('content-length')]).toEqual([
      200,
      'application/wasm',
      '300',
    ]);
    expect(new Uint8Array(await wasm.arrayBuffer())).toEqual(bytes);
    expect(wasm.headers.get('cache-control')).toBeNull();
    expect(wasm.headers.get('etag')).toBeNull();
    const so = await fetch(`${server.url}/b.so`);
    expect([so.headers.get('content-type'), so.headers.get('etag'), so.headers.get('cache-control')]).toEqual([
      'application/octet-stream',
      '"v1"',
      'max-age=60',
    ]);
    expect((await fetch(`${server.url}/page`)).headers.get('content-type')).toMatch(/^text\/html/);
    expect((await fetch(`${server.url}/x.mjs`)).headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await fetch(`${server.url}/html-as.wasm`)).headers.get('content-type')).toBe('text/html');
    expect((await fetch(`${server.url}/gone`)).status).toBe(410);
    expect((await fetch(`${server.url}/missing.wasm`)).status).toBe(404);
    expect(server.log.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      'GET /a.wasm 200',
      'GET /b.so 200',
      'GET /page 200',
      'GET /x.mjs 200',
      'GET /html-as.wasm 200',
      'GET /gone 410',
      'GET /missing.wasm 404',
    ]);
    expect(server.log[0]!.url).toBe('/a.wasm?v=1');
  });

  it('abortAfterPieces cuts the body short: the client sees an error, the log an incomplete response', async () => {
    const response = await fetch(`${server.url}/cut.wasm`);
    expect(response.headers.get('content-length')).toBe('300');
    const reader = response.body!.getReader();
    let received = 0;
    const failure = await (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return undefined;
        received += value.byteLength;
      }
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(received).toBe(100);
    await new Promise((wait) => setTimeout(wait, 20));
    expect(server.log.at(-1)).toMatchObject({ path: '/cut.wasm', status: 200, completed: false });
  });
});
