import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestServer } from '@dl/browser';
import { concat, custom } from '@dl/fixtures/writer';
import { createLinker, RTLD } from '@dl/linker';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ModuleCache } from './cache.js';
import { fetchLoader } from './fetch-loader.js';
import { fsLoader } from './node/fs-loader.js';
import { clangFiles, fixtureServer } from './test-server.harness.js';

let server: TestServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});
const names = ['libneed_a.so', 'libneed_b.so', 'libneed_c.so'];
/** The chain c → b → a, each padded past 1 MiB with a custom section (read asynchronously, as large files are). */
const lib = mkdtempSync(join(tmpdir(), 'dl-cache-share-'));
for (const n of names)
  writeFileSync(join(lib, n), concat(clangFiles.get(n)!, custom('padding', new Uint8Array(1.2 * 1024 * 1024))));
afterAll(() => {
  rmSync(lib, { recursive: true, force: true });
});

describe('a ModuleCache shared by concurrent loads compiles each library once (issue 15 item 6)', () => {
  it('two fsLoaders, two linkers, at the same time: 3 compilations and 3 hits for 3 libraries', async () => {
    const cache = new ModuleCache();
    const linkers = await Promise.all(
      [1, 2].map(() => createLinker({ loader: fsLoader({ searchPath: [lib], cache }) })),
    );
    await Promise.all(linkers.map((l) => l.dlopen('libneed_c.so', RTLD.NOW)));
    expect(cache.stats()).toMatchObject({ compilations: 3, hits: 3, entries: 3 });
  });

  it('two fetchLoaders, two linkers, at the same time: each URL compiled once', async () => {
    // Headers at once, the body 50 ms later: both loaders have their responses before either has a head.
    const routes = Object.fromEntries(
      names.map((n) => [
        `/lib/${n}`,
        async (_req: unknown, res: ServerResponse) => {
          res.writeHead(200, { 'Content-Type': 'application/wasm', ETag: `"${n}"` });
          res.flushHeaders();
          await new Promise((r) => setTimeout(r, 50));
          res.end(clangFiles.get(n));
        },
      ]),
    );
    server = await fixtureServer(routes);
    const cache = new ModuleCache();
    const url = server.url;
    const linkers = await Promise.all(
      [1, 2].map(() => createLinker({ loader: fetchLoader({ base: `${url}/lib/`, cache }) })),
    );
    await Promise.all(linkers.map((l) => l.dlopen('libneed_c.so', RTLD.NOW)));
    expect(cache.stats()).toMatchObject({ compilations: 3, hits: 3, entries: 3 });
  });
});
