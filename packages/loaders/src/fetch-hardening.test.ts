import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TestServer } from '@dl/browser';
import { createLinker, RTLD } from '@dl/linker';
import type { Linker } from '@dl/linker';
import { withDylinkEntries } from '@dl/fixtures/writer';
import { moduleHeadLength } from '@dl/reader';
import { afterEach, describe, expect, it } from 'vitest';
import { ModuleCache } from './cache.js';
import { LibraryNotFoundError } from './errors.js';
import { fetchLoader } from './fetch-loader.js';
import type { FetchLoaderOptions } from './fetch-loader.js';
import { loadGraph } from './graph.js';
import { clangFiles, closed, fixtureServer, misbehaving } from './test-server.harness.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const serve = async (extra: Parameters<typeof fixtureServer>[0] = {}): Promise<TestServer> => {
  const s = await fixtureServer(extra);
  servers.push(s);
  return s;
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
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const libA = clangFiles.get('libneed_a.so')!;
const headOfA = moduleHeadLength(libA)!;

/** Loads libneed_b.so (which needs libneed_a.so, served badly) and checks the failure changed nothing. */
async function failingLoad(
  route: keyof typeof misbehaving,
  options: Partial<FetchLoaderOptions>,
): Promise<Error & { code?: string }> {
  const server = await serve({ '/lib/libneed_a.so': misbehaving[route] });
  const linker = await createLinker({ loader: loaderOn(server, options) });
  const before = linker.digest();
  const err = await rejection(linker.dlopen('libneed_b.so', RTLD.NOW));
  expect(linker.digest()).toBe(before);
  // The linker is usable afterwards.
  await linker.dlopen('libneed_c.so', RTLD.NOW | RTLD.NOLOAD).catch(() => undefined);
  return err;
}

describe('fetchLoader limits (issue 15 item 1)', () => {
  it('no headers within limits.headersMs: DL_NETWORK naming the URL and the limit', async () => {
    const err = await failingLoad('silent', { limits: { headersMs: 200 } });
    expect(err).toMatchObject({ code: 'DL_NETWORK', library: 'libneed_a.so' });
    expect(err.message).toMatch(
      /http:\/\/127\.0\.0\.1:\d+\/lib\/libneed_a\.so: no response within 0\.2 s \(limits\.headersMs\)/,
    );
  });

  it('a body that stops: DL_NETWORK after limits.idleMs', async () => {
    const err = await failingLoad('stalls', { limits: { idleMs: 200 } });
    expect(err.code).toBe('DL_NETWORK');
    expect(err.message).toMatch(/libneed_a\.so: no data for 0\.2 s after \d+ bytes \(limits\.idleMs\)/);
  });

  it('a body that trickles (never idle long enough): DL_NETWORK after limits.totalMs', async () => {
    const err = await failingLoad('trickles', { limits: { idleMs: 5_000, totalMs: 300 } });
    expect(err.code).toBe('DL_NETWORK');
    expect(err.message).toMatch(/libneed_a\.so: the download took longer than 0\.3 s \(limits\.totalMs\)/);
  });

  it('an endless body: DL_LIMIT at limits.maxBytes, without keeping what came', async () => {
    const err = await failingLoad('endless', { limits: { maxBytes: 1024 * 1024 } });
    expect(err.code).toBe('DL_LIMIT');
    expect(err.message).toMatch(/libneed_a\.so: more than the 1048576 bytes of limits\.maxBytes/);
  });

  it('Content-Length 4,000,000,000: DL_LIMIT from the headers, with the default limits', async () => {
    const err = await failingLoad('huge', {});
    expect(err.code).toBe('DL_LIMIT');
    expect(err.message).toMatch(
      /libneed_a\.so announces 4000000000 bytes, more than the 268435456 of limits\.maxBytes/,
    );
  });

  it('a load downloading more than limits.maxGraphBytes in all: DL_LIMIT (each library alone fits)', async () => {
    const server = await serve();
    const sizes = ['libneed_c.so', 'libneed_b.so', 'libneed_a.so'].map((n) => clangFiles.get(n)!.length);
    const options = { limits: { maxGraphBytes: sizes[0]! + sizes[1]! + sizes[2]! - 1 } };
    const linker = await createLinker({ loader: loaderOn(server, options) });
    const err = await rejection(linker.dlopen('libneed_c.so', RTLD.NOW));
    expect(err.code).toBe('DL_LIMIT');
    expect(err.message).toContain('limits.maxGraphBytes');
    // Per load: the budget of a new load starts at zero.
    const fresh = await createLinker({ loader: loaderOn(server, options) });
    await fresh.dlopen('libneed_b.so', RTLD.NOW);
    // loadGraph is one load too.
    const graph = await loadGraph(loaderOn(server, options), ['libneed_c.so']);
    expect(graph.problems.map((p) => p.error.code)).toContain('DL_LIMIT');
  });

  it('a per-call AbortSignal stops the download (the server sees the connection close) and rolls the load back', async () => {
    const request: { gone?: Promise<void> } = {};
    const server = await serve({ '/lib/libneed_a.so': (req: IncomingMessage) => (request.gone = closed(req)) });
    const linker = await createLinker({ loader: loaderOn(server) });
    const before = linker.digest();
    const controller = new AbortController();
    const load = linker.dlopen('libneed_b.so', RTLD.NOW, { signal: controller.signal });
    while (request.gone === undefined) await sleep(5);
    controller.abort();
    expect((await rejection(load)).code).toBe('DL_ABORTED');
    await request.gone; // the request was cancelled, not left open
    expect(linker.digest()).toBe(before);
  });

  it('a download two loads share goes on while one of them still wants it', async () => {
    const bytes = clangFiles.get('libneed_a.so')!;
    const server = await serve({
      '/lib/libneed_a.so': async (_req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(200, { 'Content-Type': 'application/wasm', 'Content-Length': String(bytes.length) });
        res.write(bytes.subarray(0, headOfA + 1));
        await sleep(300);
        res.end(bytes.subarray(headOfA + 1));
      },
    });
    const loader = loaderOn(server);
    const [one, two] = [await createLinker({ loader }), await createLinker({ loader })];
    const controller = new AbortController();
    const cancelled = one.dlopen('libneed_a.so', RTLD.NOW, { signal: controller.signal });
    const kept = two.dlopen('libneed_a.so', RTLD.NOW);
    await sleep(50);
    controller.abort();
    expect((await rejection(cancelled)).code).toBe('DL_ABORTED');
    await kept;
    expect(server.log.filter((r) => r.path === '/lib/libneed_a.so')).toHaveLength(1);
  });
});

describe('cancellation keeps the loader and the cache usable (issue 15 item 1)', () => {
  it('a load cancelled while waiting for a download slot gives the slot back', async () => {
    const server = await serve({ '/lib/stuck/libneed_a.so': misbehaving.silent });
    const loader = loaderOn(server, { concurrency: 1 });
    const [x, y] = [new AbortController(), new AbortController()];
    const stuck = (await createLinker({ loader })).dlopen('stuck/libneed_a.so', RTLD.NOW, { signal: x.signal });
    while (server.log.length === 0) await sleep(5);
    const waiting = (await createLinker({ loader })).dlopen('libneed_c.so', RTLD.NOW, { signal: y.signal });
    await sleep(20);
    y.abort();
    expect((await rejection(waiting)).code).toBe('DL_ABORTED');
    x.abort();
    expect((await rejection(stuck)).code).toBe('DL_ABORTED');
    // Both slots' worth of waiting is over: a new load goes through the one slot.
    await (await createLinker({ loader })).dlopen('libneed_c.so', RTLD.NOW);
  });

  it('two loaders sharing a cache: when the load whose download the other waits for is cancelled, the other compiles its own', async () => {
    const bytes = clangFiles.get('libneed_a.so')!;
    const server = await serve({
      '/lib/libneed_a.so': async (req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(200, { 'Content-Type': 'application/wasm', ETag: '"a"', 'Content-Length': String(bytes.length) });
        res.write(bytes.subarray(0, headOfA + 1));
        await Promise.race([sleep(300), closed(req)]);
        if (!res.destroyed) res.end(bytes.subarray(headOfA + 1));
      },
    });
    const cache = new ModuleCache();
    const first = await createLinker({ loader: fetchLoader({ base: `${server.url}/lib/`, cache }) });
    const second = await createLinker({ loader: fetchLoader({ base: `${server.url}/lib/`, cache }) });
    const controller = new AbortController();
    const cancelled = first.dlopen('libneed_a.so', RTLD.NOW, { signal: controller.signal });
    await sleep(50);
    const kept = second.dlopen('libneed_a.so', RTLD.NOW);
    await sleep(50);
    controller.abort();
    expect((await rejection(cancelled)).code).toBe('DL_ABORTED');
    await kept;
    expect(second.graph().libraries.map((l) => l.name)).toEqual(['libneed_a.so']);
  });
});

/** libneed_b.so with its NEEDED entry (and RUNTIME_PATH) replaced. */
const needing = (needed: string, runtimePaths: string[] = []): Uint8Array =>
  withDylinkEntries(clangFiles.get('libneed_b.so')!, [needed], runtimePaths);
const wasm = (bytes: Uint8Array) => ({ bytes, contentType: 'application/wasm' });

describe('fetchLoader origin policy (issue 15 item 2)', () => {
  async function twoOrigins(
    routes: (other: TestServer) => Parameters<typeof fixtureServer>[0],
  ): Promise<{ app: TestServer; other: TestServer }> {
    const other = await serve();
    const app = await serve(routes(other));
    return { app, other };
  }
  const otherRequests = (other: TestServer): string[] => other.log.map((r) => r.path);

  it('refuses a NEEDED absolute URL, a //host URL and a RUNTIME_PATH on another origin, without asking it; DL_NOT_FOUND says why', async () => {
    const { app, other } = await twoOrigins((o) => ({
      '/lib/abs.so': wasm(needing(`${o.url}/lib/libneed_a.so`)),
      '/lib/proto.so': wasm(needing(`${o.url.replace('http:', '')}/lib/libneed_a.so`)),
      '/lib/rpath.so': wasm(needing('libneed_x.so', [`${o.url}/lib`])),
    }));
    for (const root of ['abs.so', 'proto.so', 'rpath.so']) {
      const linker = await createLinker({ loader: loaderOn(app) });
      const before = linker.digest();
      const err = await rejection(linker.dlopen(root, RTLD.NOW));
      expect(err, root).toBeInstanceOf(LibraryNotFoundError);
      const tried = err instanceof LibraryNotFoundError ? err.tried : [];
      expect(
        tried.some(
          (t) =>
            t.location.startsWith(other.url) &&
            t.reason.startsWith(`refused by the origin policy: ${other.url} is not the origin of ${root} (${app.url})`),
        ),
        root,
      ).toBe(true);
      expect(linker.digest()).toBe(before);
    }
    expect(otherRequests(other)).toEqual([]);
  });

  it('allows another origin listed in options.origins, or a function that sees the URL and the chain', async () => {
    const { app, other } = await twoOrigins((o) => ({ '/lib/abs.so': wasm(needing(`${o.url}/lib/libneed_a.so`)) }));
    const listed = await createLinker({ loader: loaderOn(app, { origins: [other.url] }) });
    await listed.dlopen('abs.so', RTLD.NOW);
    expect(listed.graph().libraries.find((l) => l.name.endsWith('libneed_a.so'))?.location).toBe(
      `${other.url}/lib/libneed_a.so`,
    );
    const asked: unknown[] = [];
    const judged = await createLinker({
      loader: loaderOn(app, {
        origins: (q) => {
          asked.push(q);
          return q.url.startsWith(other.url);
        },
      }),
    });
    await judged.dlopen('abs.so', RTLD.NOW);
    expect(asked).toContainEqual({
      url: `${other.url}/lib/libneed_a.so`,
      name: `${other.url}/lib/libneed_a.so`,
      neededBy: ['abs.so'],
      from: `${app.url}/lib/abs.so`,
      redirectedFrom: null,
    });
  });

  it('refuses a redirect to another origin, for a NEEDED library and for a root', async () => {
    const { app, other } = await twoOrigins((o) => ({
      '/lib/libneed_a.so': { text: '', status: 302, headers: { Location: `${o.url}/lib/libneed_a.so` } },
      '/lib/away.so': { text: '', status: 302, headers: { Location: `${o.url}/lib/libneed_c.so` } },
    }));
    const linker = await createLinker({ loader: loaderOn(app) });
    const err = await rejection(linker.dlopen('libneed_b.so', RTLD.NOW));
    expect(err.code).toBe('DL_NOT_FOUND');
    expect(err.message).toContain(
      `refused by the origin policy: ${other.url} is not the origin of libneed_b.so (${app.url}) nor in options.origins (redirected from ${app.url}/lib/libneed_a.so)`,
    );
    expect((await rejection(linker.dlopen('away.so'))).message).toContain('is not the origin of the root');
    expect(linker.graph().libraries).toEqual([]);
    // Same-origin redirects are fine.
    const same = await serve({
      '/lib/moved.so': { text: '', status: 301, headers: { Location: '/lib/libneed_a.so' } },
    });
    await (await createLinker({ loader: loaderOn(same) })).dlopen('moved.so', RTLD.NOW);
  });

  it('refuses data: and blob: NEEDED entries unless listed', async () => {
    const dataUrl = `data:application/wasm;base64,${Buffer.from(clangFiles.get('libneed_a.so')!).toString('base64')}`;
    const server = await serve({ '/lib/data.so': wasm(needing(dataUrl)) });
    const err = await rejection((await createLinker({ loader: loaderOn(server) })).dlopen('data.so', RTLD.NOW));
    expect(err.message).toContain('refused by the origin policy: data: URLs are not allowed (options.origins)');
    await (await createLinker({ loader: loaderOn(server, { origins: ['data:'] }) })).dlopen('data.so', RTLD.NOW);
  });

  it('inspect (graph walks, heads only) keeps to the same policy', async () => {
    const { app, other } = await twoOrigins((o) => ({ '/lib/abs.so': wasm(needing(`${o.url}/lib/libneed_a.so`)) }));
    const graph = await loadGraph(loaderOn(app), ['abs.so'], { compile: false });
    expect(graph.problems.map((p) => p.error.code)).toEqual(['DL_NOT_FOUND']);
    expect(otherRequests(other)).toEqual([]);
  });
});

export type { Linker };
