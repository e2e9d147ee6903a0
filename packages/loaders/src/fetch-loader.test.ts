import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sendInChunks } from '@dl/browser';
import type { TestServer } from '@dl/browser';
import { createLinker, RTLD } from '@dl/linker';
import type { Linker } from '@dl/linker';
import { moduleHeadLength } from '@dl/reader';
import { afterEach, describe, expect, it } from 'vitest';
import { ModuleCache } from './cache.js';
import { LibraryNotFoundError } from './errors.js';
import { fetchLoader } from './fetch-loader.js';
import type { FetchLoaderOptions } from './fetch-loader.js';
import { diskStore } from './node/disk-store.js';
import { trackProgress } from './progress.js';
import type { LoaderEvent, Progress } from './progress.js';
import { clangFiles, fixtureServer } from './test-server.harness.js';

let server: TestServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const call = (linker: Linker, name: string): number => {
  const s = linker.dlsym(null, name);
  if (s.kind !== 'function') throw new Error(`${name} is not a function`);
  return (s.func as () => number)();
};
const loaderOn = (s: TestServer, options: Partial<FetchLoaderOptions> = {}): ReturnType<typeof fetchLoader> =>
  fetchLoader({ base: `${s.url}/lib/`, cache: new ModuleCache(), ...options });
const rejection = async (p: Promise<unknown>): Promise<Error & { code?: string; library?: string }> =>
  p.then(
    () => {
      throw new Error('resolved');
    },
    (e: unknown) => e as Error,
  );

describe('fetchLoader', () => {
  it('links a NEEDED chain found through RUNTIME_PATH URLs, each URL fetched once', async () => {
    server = await fixtureServer();
    const linker = await createLinker({ loader: loaderOn(server) });
    await linker.dlopen('rpath/librpath_user.so', RTLD.NOW | RTLD.GLOBAL);
    expect(call(linker, 'rpath_user_check')).toBe(0);
    const byName = new Map(linker.graph().libraries.map((l) => [l.name, l.location]));
    expect(byName.get('librpath_dep.so')).toBe(`${server.url}/lib/rpath/deps/librpath_dep.so`);
    expect(byName.get('librpath_leaf.so')).toBe(`${server.url}/lib/rpath/deps/leaf/librpath_leaf.so`);
    const gets = server.log.filter((r) => r.status === 200).map((r) => r.path);
    expect(gets).toEqual([
      '/lib/rpath/librpath_user.so',
      '/lib/rpath/deps/librpath_dep.so',
      '/lib/rpath/deps/leaf/librpath_leaf.so',
    ]);
    // `lib/$ORIGIN/x` expands in the middle of the entry to a URL that does not exist: tried first.
    expect(server.log.find((r) => r.status === 404)?.path).toContain('/lib/lib/http:/');
  });

  it("has a library's metadata and starts its NEEDED downloads before its body has arrived", async () => {
    const bytes = clangFiles.get('libneed_c.so')!;
    const head = moduleHeadLength(bytes)!;
    server = await fixtureServer({
      '/lib/libneed_c.so': async (_req, res) => {
        await sendInChunks(res, bytes, {
          splitAt: [head + 1],
          delayMs: 300,
          contentType: 'application/wasm',
          headers: { ETag: '"c"' },
        });
      },
    });
    const events: (LoaderEvent & { at: number })[] = [];
    const loader = loaderOn(server, {
      onProgress: (e) => {
        events.push({ ...e, at: performance.now() });
      },
    });
    const linker = await createLinker({ loader });
    await linker.dlopen('libneed_c.so', RTLD.NOW | RTLD.GLOBAL);
    expect(call(linker, 'need_c_check')).toBe(0);
    const headEvent = events.find((e) => e.type === 'head' && e.name === 'libneed_c.so')!;
    const doneEvent = events.find((e) => e.type === 'done' && e.name === 'libneed_c.so')!;
    expect(headEvent).toMatchObject({ received: head + 1, total: bytes.length });
    expect(doneEvent.at - headEvent.at).toBeGreaterThan(250);
    const c = server.log.find((r) => r.path === '/lib/libneed_c.so')!;
    const b = server.log.find((r) => r.path === '/lib/libneed_b.so')!;
    expect(b.start).toBeLessThan(c.end!);
  });

  it('refuses an HTML page served as a library, naming it and who needed it, leaving nothing loaded', async () => {
    server = await fixtureServer({ '/lib/libneed_a.so': { text: '<!DOCTYPE html><h1>Sign in</h1>' } });
    const linker = await createLinker({ loader: loaderOn(server) });
    const before = linker.digest();
    const err = await rejection(linker.dlopen('libneed_b.so'));
    expect(err).toMatchObject({ code: 'DL_BAD_MAGIC', library: 'libneed_a.so' });
    expect(err.message).toContain('(needed by libneed_b.so)');
    expect(linker.digest()).toBe(before);
    // Later loads work.
    await linker.dlopen('rpath/librpath_user.so', RTLD.NOW | RTLD.GLOBAL);
    expect(call(linker, 'rpath_user_check')).toBe(0);
  });

  it('lists every URL tried for a missing library, with the chain of dependents', async () => {
    server = await fixtureServer({ '/lib/libneed_a.so': { text: 'gone', status: 404 } });
    const loader = loaderOn(server, { searchPath: [`${server.url}/extra/`] });
    const linker = await createLinker({ loader });
    const err = await rejection(linker.dlopen('libneed_c.so'));
    if (!(err instanceof LibraryNotFoundError)) throw err;
    expect(err.neededBy).toEqual(['libneed_b.so', 'libneed_c.so']);
    expect(err.tried.map((t) => `${t.step} ${t.location} ${t.reason}`)).toEqual([
      `search-path ${server.url}/extra/libneed_a.so HTTP 404`,
      `default ${server.url}/lib/libneed_a.so HTTP 404`,
    ]);
  });

  it('stops at a server error, and at an unreachable server, with typed errors', async () => {
    server = await fixtureServer({ '/lib/libneed_a.so': { text: 'boom', status: 500 } });
    expect(await rejection(loaderOn(server).load({ name: 'libneed_a.so', parent: null }))).toMatchObject({
      code: 'DL_HTTP',
      library: 'libneed_a.so',
    });
    const url = server.url;
    await server.close();
    server = null;
    expect(
      await rejection(fetchLoader({ base: `${url}/lib/`, cache: null }).load({ name: 'libneed_a.so', parent: null })),
    ).toMatchObject({ code: 'DL_NETWORK', library: 'libneed_a.so' });
  });

  it('reports a download cut short as truncated, against the library, and rolls the load back', async () => {
    const bytes = clangFiles.get('libmany.so')!;
    server = await fixtureServer({
      '/lib/libmany.so': async (_req, res) => {
        await sendInChunks(res, bytes, {
          splitAt: [moduleHeadLength(bytes)! + 1, bytes.length - 1000],
          delayMs: 20,
          contentType: 'application/wasm',
          abortAfterPieces: 2,
        });
      },
    });
    const linker = await createLinker({ loader: loaderOn(server) });
    const before = linker.digest();
    expect(await rejection(linker.dlopen('libmany.so'))).toMatchObject({ code: 'DL_TRUNCATED', library: 'libmany.so' });
    expect(linker.digest()).toBe(before);
  });

  it('compiles a library once for every linker: by URL + ETag, or by content without a validator', async () => {
    for (const plain of [false, true]) {
      server = await fixtureServer({}, plain);
      const cache = new ModuleCache();
      const loader = loaderOn(server, { cache });
      for (let i = 0; i < 3; i++) {
        const linker = await createLinker({ loader });
        await linker.dlopen('libneed_c.so', RTLD.NOW | RTLD.GLOBAL);
        expect(call(linker, 'need_c_check')).toBe(0);
      }
      expect(cache.stats().compilations).toBe(3);
      await server.close();
      server = null;
    }
  });

  it('reuses a URL it loaded without asking again, unless told to revalidate', async () => {
    server = await fixtureServer();
    const gets = (): number => server!.log.filter((r) => r.path === '/lib/libneed_a.so').length;
    const once = loaderOn(server);
    for (let i = 0; i < 3; i++) await once.load({ name: 'libneed_a.so', parent: null });
    expect(gets()).toBe(1);
    const cache = new ModuleCache();
    const always = loaderOn(server, { revalidate: true, cache });
    for (let i = 0; i < 3; i++) await (await always.load({ name: 'libneed_a.so', parent: null })).module;
    expect(gets()).toBe(4);
    expect(cache.stats()).toMatchObject({ compilations: 1, hits: 2 });
  });

  it('shares one download between concurrent requests, and bounds downloads at once', async () => {
    let open = 0;
    let most = 0;
    const routes: Record<string, (req: unknown, res: Parameters<typeof sendInChunks>[0]) => Promise<void>> = {};
    for (const name of ['libneed_a.so', 'libreloc.so', 'libctor.so', 'libweak.so', 'libi64.so', 'libmany.so']) {
      routes[`/lib/${name}`] = async (_req, res) => {
        most = Math.max(most, ++open);
        await sendInChunks(res, clangFiles.get(name)!, {
          splitAt: [100],
          delayMs: 40,
          contentType: 'application/wasm',
        });
        open--;
      };
    }
    server = await fixtureServer(routes);
    const loader = loaderOn(server, { concurrency: 2 });
    const names = Object.keys(routes).map((p) => p.slice(5));
    await Promise.all([...names, ...names].map((name) => loader.load({ name, parent: null }).then((s) => s.module)));
    expect(most).toBe(2);
    expect(server.log.filter((r) => r.path === '/lib/libmany.so')).toHaveLength(1);
  });

  it('keeps responses in an opt-in disk store: a new process-like loader needs no server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dl-store-'));
    try {
      server = await fixtureServer();
      await createLinker({ loader: loaderOn(server, { store: diskStore(dir) }) }).then((l) => l.dlopen('libneed_c.so'));
      // The store writes in the background: wait for the three libraries to be there.
      for (let i = 0; i < 100 && readdirSync(dir).filter((f) => f.endsWith('.json')).length < 3; i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      const base = `${server.url}/lib/`;
      await server.close();
      server = null;
      const offline = await createLinker({
        loader: fetchLoader({ base, cache: new ModuleCache(), store: diskStore(dir) }),
      });
      await offline.dlopen('libneed_c.so', RTLD.NOW | RTLD.GLOBAL);
      expect(call(offline, 'need_c_check')).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports progress in libraries and bytes until everything is done', async () => {
    server = await fixtureServer();
    const snapshots: Progress[] = [];
    const loader = loaderOn(server, {
      onProgress: trackProgress((p) => {
        snapshots.push(p);
      }),
    });
    await (await createLinker({ loader })).load(['libneed_c.so', 'libcycle_a.so', 'libmany.so']);
    const total = [
      'libneed_c.so',
      'libneed_b.so',
      'libneed_a.so',
      'libcycle_a.so',
      'libcycle_b.so',
      'libmany.so',
    ].reduce((n, f) => n + clangFiles.get(f)!.length, 0);
    expect(snapshots.at(-1)).toEqual({ libraries: { done: 6, total: 6 }, bytes: { done: total, total } });
    for (const s of snapshots) expect(s.bytes.done).toBeLessThanOrEqual(s.bytes.total);
  });
});
