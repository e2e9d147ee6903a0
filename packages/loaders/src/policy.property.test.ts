/**
 * Property test over the loaders: random NEEDED / RUNTIME_PATH graphs over a fake file system
 * (virtualLoader), the same tree on disk with symbolic links (fsLoader), and a fake network of
 * several origins with redirects and data: URLs (fetchLoader with its `fetch` option). Whatever
 * the graph, no library is ever found outside the configured roots / origins — and without the
 * policy the same graphs do escape (so the property is not vacuous). Seeded: failures replay.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isDlError } from '@dl/errors';
import { withDylinkEntries } from '@dl/fixtures/writer';
import { afterAll, describe, expect, it } from 'vitest';
import { fetchLoader } from './fetch-loader.js';
import { loadGraph } from './graph.js';
import type { LibraryGraph } from './graph.js';
import type { InspectingLoader } from './loader-types.js';
import { fsLoader } from './node/fs-loader.js';
import { clangFiles } from './test-server.harness.js';
import { virtualLoader } from './virtual-loader.js';

/** mulberry32: a small seeded generator. */
function random(seed: number): { int(n: number): number; pick<T>(xs: readonly T[]): T } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { int: (n) => Math.floor(next() * n), pick: (xs) => xs[Math.floor(next() * xs.length)]! };
}

const base = clangFiles.get('libneed_a.so')!;
const ITERATIONS = 40;
const LIBS = 10;

/** Every library the walk found, and every failure a DlError (never a crash). */
async function walk(loader: InspectingLoader, roots: string[]): Promise<LibraryGraph> {
  const graph = await loadGraph(loader, roots, { compile: false });
  for (const p of graph.problems) expect(isDlError(p.error), p.error.message).toBe(true);
  return graph;
}

describe('no load escapes the file-system roots (fake file system and the same tree on disk)', () => {
  const dirs = ['/app/lib', '/app/lib/sub', '/app', '/outside', '/outside/deep', '/'];
  const needed = (r: ReturnType<typeof random>): string => {
    const j = r.int(LIBS);
    return r.pick([
      `lib${j}.so`,
      `lib${j}.so`,
      `sub/lib${j}.so`,
      `../lib${j}.so`,
      `/outside/lib${j}.so`,
      `../../outside/lib${j}.so`,
      `../../../../outside/deep/lib${j}.so`,
      `/app/lib/lib${j}.so`,
    ]);
  };
  const rpath = (r: ReturnType<typeof random>): string =>
    r.pick([
      '$ORIGIN',
      '$ORIGIN/..',
      '$ORIGIN/../../outside',
      '/outside',
      '${ORIGIN}/sub',
      'lib/$ORIGIN/x',
      '/outside/deep',
      '$ORIGIN/../../../../..',
    ]);
  /** A random tree: LIBS libraries in random directories, with random NEEDED and RUNTIME_PATH entries. */
  function tree(seed: number): Map<string, Uint8Array> {
    const r = random(seed);
    const files = new Map<string, Uint8Array>();
    for (let i = 0; i < LIBS; i++) {
      const n = r.int(4);
      const bytes = withDylinkEntries(
        base,
        Array.from({ length: n }, () => needed(r)),
        Array.from({ length: r.int(3) }, () => rpath(r)),
      );
      // Each library in one or two places (inside and outside), so a search can pick either.
      files.set(`${r.pick(dirs)}/lib${i}.so`.replace('//', '/'), bytes);
      if (r.int(2) === 0) files.set(`${r.pick(dirs)}/lib${i}.so`.replace('//', '/'), bytes);
    }
    for (let i = 0; i < 2; i++)
      files.set(
        `/app/lib/lib${i}.so`,
        files.get(`/app/lib/lib${i}.so`) ?? withDylinkEntries(base, [needed(r), needed(r)], [rpath(r)]),
      );
    return files;
  }
  const disk = realpathSync(mkdtempSync(join(tmpdir(), 'dl-policy-')));
  afterAll(() => {
    rmSync(disk, { recursive: true, force: true });
  });

  it(`virtualLoader: ${ITERATIONS} random graphs`, async () => {
    let escapedWithout = 0;
    for (let seed = 1; seed <= ITERATIONS; seed++) {
      const files = tree(seed);
      const options = { searchPath: ['/app/lib', '/outside'], cwd: '/app' };
      const confined = await walk(virtualLoader(files, { ...options, roots: ['/app/lib'] }), ['lib0.so', 'lib1.so']);
      for (const n of confined.nodes)
        expect(n.location!.startsWith('/app/lib/'), `seed ${seed}: ${n.location}`).toBe(true);
      const free = await walk(virtualLoader(files, options), ['lib0.so', 'lib1.so']);
      if (free.nodes.some((n) => !n.location!.startsWith('/app/lib/'))) escapedWithout++;
    }
    expect(escapedWithout).toBeGreaterThan(ITERATIONS / 4);
  });

  it(`fsLoader: ${ITERATIONS / 2} random trees on disk, with symbolic links in and out`, async () => {
    let escapedWithout = 0;
    for (let seed = 1; seed <= ITERATIONS / 2; seed++) {
      const r = random(seed * 7919);
      const top = join(disk, String(seed));
      for (const [path, bytes] of tree(seed)) {
        mkdirSync(dirname(join(top, path)), { recursive: true });
        writeFileSync(join(top, path), bytes);
      }
      for (const d of ['/outside/deep', '/app/lib/sub']) mkdirSync(join(top, d), { recursive: true });
      // Links: inside → outside (a file and a directory), outside → inside.
      for (let i = 0; i < 3; i++) {
        const from = join(top, r.pick(['/app/lib', '/app/lib/sub', '/outside']), `lib${LIBS + i}.so`);
        const to = join(top, r.pick(['/app/lib', '/outside', '/outside/deep']), `lib${r.int(LIBS)}.so`);
        try {
          symlinkSync(to, from);
        } catch {
          /* already there */
        }
      }
      try {
        symlinkSync(join(top, 'outside'), join(top, 'app/lib/sub/out'));
      } catch {
        /* already there */
      }
      const roots = ['lib0.so', 'lib1.so', `lib${LIBS + r.int(3)}.so`, 'sub/out/lib2.so'];
      const options = { searchPath: [join(top, 'app/lib'), join(top, 'outside')], cwd: join(top, 'app'), cache: null };
      const confined = await walk(fsLoader({ ...options, roots: [join(top, 'app/lib')] }), roots);
      for (const n of confined.nodes)
        expect(n.location!.startsWith(join(top, 'app/lib/')), `seed ${seed}: ${n.location}`).toBe(true);
      const free = await walk(fsLoader(options), roots);
      if (free.nodes.some((n) => !n.location!.startsWith(join(top, 'app/lib/')))) escapedWithout++;
    }
    expect(escapedWithout).toBeGreaterThan(ITERATIONS / 8);
  });
});

describe('no load escapes the origin policy (a fake network: three origins, redirects, data: URLs)', () => {
  const APP = 'https://app.test';
  const CDN = 'https://cdn.test';
  const EVIL = 'https://evil.test';
  const origins = [APP, APP, CDN, EVIL];
  const dataUrl = `data:application/wasm;base64,${Buffer.from(base).toString('base64')}`;

  function network(seed: number): { fetch: (url: string, init?: RequestInit) => Promise<Response>; asked: string[] } {
    const r = random(seed);
    const bodies = new Map<string, Uint8Array<ArrayBuffer>>();
    const redirects = new Map<string, string>();
    const url = (): string => `${r.pick(origins)}/${r.pick(['lib', 'lib/deep', 'other'])}/lib${r.int(LIBS)}.so`;
    const needed = (): string => {
      const j = r.int(LIBS);
      return r.pick([
        `lib${j}.so`,
        `lib${j}.so`,
        `deep/lib${j}.so`,
        `../lib/lib${j}.so`,
        `${r.pick(origins)}/lib/lib${j}.so`,
        `//evil.test/lib/lib${j}.so`,
        `//cdn.test/lib/lib${j}.so`,
        dataUrl,
      ]);
    };
    const rpath = (): string =>
      r.pick(['$ORIGIN', '$ORIGIN/..', `${EVIL}/lib`, '//cdn.test/lib', '$ORIGIN/deep', `${APP}/other`]);
    for (let i = 0; i < LIBS * 3; i++) {
      bodies.set(
        url(),
        withDylinkEntries(base, Array.from({ length: r.int(4) }, needed), Array.from({ length: r.int(3) }, rpath)),
      );
    }
    bodies.set(`${APP}/lib/lib0.so`, withDylinkEntries(base, [needed(), needed(), needed()], [rpath()]));
    for (let i = 0; i < LIBS; i++) redirects.set(url(), url());
    const asked: string[] = [];
    return {
      asked,
      fetch: async (u) => {
        asked.push(u);
        if (u.startsWith('data:')) return fetch(u);
        let at = u;
        for (let hops = 0; redirects.has(at) && hops < 5; hops++) at = redirects.get(at)!;
        const bytes = bodies.get(at);
        const response =
          bytes === undefined
            ? new Response('not found', { status: 404 })
            : new Response(bytes, { headers: { 'Content-Type': 'application/wasm' } });
        // What fetch reports after following redirects: the final URL.
        Object.defineProperty(response, 'url', { value: at });
        return response;
      },
    };
  }
  const originOf = (u: string): string => (u.startsWith('data:') ? 'data:' : new URL(u).origin);

  it(`fetchLoader: ${ITERATIONS} random graphs, the default policy and an allow-list`, async () => {
    let escapedWithout = 0;
    for (let seed = 1; seed <= ITERATIONS; seed++) {
      for (const allowed of [[APP], [APP, CDN]]) {
        const net = network(seed);
        const graph = await walk(
          fetchLoader({
            base: `${APP}/lib/`,
            fetch: net.fetch,
            cache: null,
            ...(allowed.length > 1 ? { origins: [CDN] } : {}),
          }),
          ['lib0.so'],
        );
        const byKey = new Map(graph.nodes.map((n) => [n.key, n]));
        for (const n of graph.nodes) {
          expect(allowed, `seed ${seed}: ${n.location}`).toContain(originOf(n.location!));
          // Each edge: the dependency is on its parent's origin, or listed.
          for (const e of n.needed) {
            const dep = e.key === null ? undefined : byKey.get(e.key);
            if (dep !== undefined)
              expect(
                originOf(dep.location!) === originOf(n.location!) || allowed.slice(1).includes(originOf(dep.location!)),
              ).toBe(true);
          }
        }
        // Refused places are refused before they are asked: only redirects reach another origin.
        for (const u of net.asked)
          expect(u.startsWith(EVIL) || u.startsWith('data:'), `seed ${seed}: asked ${u}`).toBe(false);
      }
      const net = network(seed);
      const free = await walk(
        fetchLoader({ base: `${APP}/lib/`, fetch: net.fetch, cache: null, origins: (q) => q.url.length > 0 }),
        ['lib0.so'],
      );
      if (free.nodes.some((n) => originOf(n.location!) !== APP)) escapedWithout++;
    }
    expect(escapedWithout).toBeGreaterThan(ITERATIONS / 4);
  });
});
