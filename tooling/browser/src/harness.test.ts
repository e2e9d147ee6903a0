import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundle } from './bundle.js';
import { runInPage } from './chromium.js';
import { sendInChunks, startServer } from './server.js';
import type { TestServer } from './server.js';
import { describeInChromium } from './suite.js';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const libneedA = new URL('../../fixtures/wasm/clang16/libneed_a.so', import.meta.url);
const DELAY_MS = 250;
/**
 * The page timestamps a chunk when read() resolves, not when it arrived: the first one also waits
 * for fetch() to resolve, so on a busy machine the measured gap can be a ms or two short of the
 * server's pause (seen: 248.7 ms for 250). Without the pause the gap is ~0, so this still fails.
 */
const JITTER_MS = 25;
const bytes = new Uint8Array(await readFile(libneedA));

describe('bundle', () => {
  it('refuses code that imports a node built-in, with esbuild’s message', async () => {
    await expect(bundle(fixture('node-fs-entry.ts'))).rejects.toThrow(
      /failed with 1 error:[\s\S]*Could not resolve "node:fs"/,
    );
  });

  it('bundles an entry and its imports into one module with an inline source map', async () => {
    const code = await bundle(fixture('smoke-entry.ts'));
    expect(code).toContain('__dlResult');
    expect(code).toContain('compileStreaming');
    expect(code).not.toMatch(/^\s*import\s/m);
    expect(code).toContain('//# sourceMappingURL=data:application/json;base64,');
  });
});

const chunkTimes = new Map<string, number[]>();
const server = (): Promise<TestServer> =>
  startServer({
    '/libneed_a.so': { file: libneedA },
    '/chunked.bin': async (req, res) => {
      const chunked = new URL(req.url ?? '/', 'http://x').searchParams.has('chunked');
      chunkTimes.set(req.url ?? '', await sendInChunks(res, bytes, { splitAt: [100], delayMs: DELAY_MS, chunked }));
    },
  });

describeInChromium('in headless Chromium', { server }, (chromium) => {
  it('compileStreaming compiles a served side module; the server logged the request', async () => {
    const result = await runInPage<{
      contentType: string;
      imports: { module: string; name: string }[];
      exports: { name: string }[];
    }>({
      browser: chromium.browser,
      url: chromium.server.url,
      script: await bundle(fixture('smoke-entry.ts')),
    });
    expect(result.contentType).toBe('application/wasm');
    expect(result.exports.map((e) => e.name)).toContain('need_a_check');
    expect(result.imports.map((i) => `${i.module}.${i.name}`)).toContain('env.memory');
    const request = chromium.server.log.find((entry) => entry.path === '/libneed_a.so');
    expect(request).toMatchObject({ method: 'GET', status: 200, completed: true });
    expect(request!.end! - request!.start).toBeGreaterThanOrEqual(0);
  });

  it.each([
    { mode: 'Content-Length', query: '' },
    { mode: 'Transfer-Encoding: chunked', query: '?chunked' },
  ])('sendInChunks delivers the body in pieces the page reads as they arrive ($mode)', async ({ query }) => {
    const script = await bundle(fixture('chunks-entry.ts'), {
      define: { CHUNKS_URL: JSON.stringify(`/chunked.bin${query}`) },
    });
    const result = await runInPage<{
      chunks: { bytes: number; at: number; epoch: number }[];
      transferEncoding: string | null;
      contentLength: string | null;
    }>({
      browser: chromium.browser,
      url: chromium.server.url,
      script,
    });
    const { chunks } = result;
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    expect(chunks.reduce((sum, chunk) => sum + chunk.bytes, 0)).toBe(bytes.length);
    // The biggest gap between chunks is the server's pause, and it splits the body at byte 100.
    const gaps = chunks.slice(1).map((chunk, i) => chunk.at - chunks[i]!.at);
    const widest = gaps.indexOf(Math.max(...gaps));
    expect(gaps[widest]).toBeGreaterThanOrEqual(DELAY_MS - JITTER_MS);
    expect(chunks.slice(0, widest + 1).reduce((sum, chunk) => sum + chunk.bytes, 0)).toBe(100);
    // The page had the first bytes before the server even wrote the rest.
    const written = chunkTimes.get(`/chunked.bin${query}`);
    expect(written).toHaveLength(2);
    expect(chunks[widest]!.epoch).toBeLessThan(written![1]!);
    if (query === '') expect(result.contentLength).toBe(String(bytes.length));
    else expect(result.transferEncoding).toBe('chunked');
  });

  it('a failing page script rejects with its error and console output', async () => {
    const run = runInPage({
      browser: chromium.browser,
      url: chromium.server.url,
      script: await bundle(fixture('fail-entry.ts')),
    });
    await expect(run).rejects.toThrow(/deliberate failure[\s\S]*console:\n {2}\[log\] fail-entry: about to fail/);
  });

  it('a page script that never reports times out with its console output', async () => {
    const run = runInPage({
      browser: chromium.browser,
      url: chromium.server.url,
      script: await bundle(fixture('hang-entry.ts')),
      timeoutMs: 1_000,
    });
    await expect(run).rejects.toThrow(/timed out after 1000 ms[\s\S]*\[warning\] hang-entry: waiting forever/);
  });
});
