import { join } from 'node:path';
import { fixturesDir } from '@dl/fixtures';
import { createLinker, RTLD } from '@dl/linker';
import type { Loader, LoadRequest } from '@dl/linker';
import { describe, expect, it } from 'vitest';
import { ModuleCache } from './cache.js';
import { chainLoader } from './chain.js';
import { LibraryNotFoundError } from './errors.js';
import { loadGraph } from './graph.js';
import { fsLoader } from './node/fs-loader.js';
import { clangFiles } from './test-server.harness.js';
import { virtualLoader } from './virtual-loader.js';

const lib = join(fixturesDir, 'clang16');

/** A loader that records requests and when each started and ended. */
function timed(
  base: Loader,
  delayMs: number | ((name: string) => number),
): Loader & { log: { name: string; start: number; end: number }[] } {
  const log: { name: string; start: number; end: number }[] = [];
  const delay = typeof delayMs === 'number' ? (): number => delayMs : delayMs;
  return {
    log,
    async load(request: LoadRequest) {
      const start = performance.now();
      await new Promise((resolve) => setTimeout(resolve, delay(request.name)));
      const src = await base.load(request);
      log.push({ name: request.name, start, end: performance.now() });
      return src;
    },
  };
}

describe('loadGraph', () => {
  it("finds the whole graph, asking for each library's dependencies as soon as it is read", async () => {
    // libmany.so arrives last, long after the others: a loader that waited for a whole depth
    // would ask for libneed_b.so only after it.
    const loader = timed(fsLoader({ searchPath: [lib], cache: new ModuleCache() }), (name) =>
      name === 'libmany.so' ? 400 : 10,
    );
    const graph = await loadGraph(loader, ['libneed_c.so', 'libcycle_a.so', 'libmany.so']);
    expect(graph.nodes.map((n) => n.name)).toEqual(
      expect.arrayContaining([
        'libneed_c.so',
        'libneed_b.so',
        'libneed_a.so',
        'libcycle_a.so',
        'libcycle_b.so',
        'libmany.so',
      ]),
    );
    expect(graph.nodes).toHaveLength(6);
    expect(graph.problems).toEqual([]);
    expect(graph.cycles).toEqual([[join(lib, 'libcycle_a.so'), join(lib, 'libcycle_b.so')]]);
    // Roots together; each NEEDED entry requested when its parent arrived, not after a whole depth.
    const at = new Map(loader.log.map((e) => [e.name, e]));
    expect(at.get('libneed_b.so')!.start).toBeGreaterThanOrEqual(at.get('libneed_c.so')!.end);
    expect(at.get('libneed_b.so')!.end).toBeLessThan(at.get('libmany.so')!.end);
    expect(graph.roots).toEqual([join(lib, 'libneed_c.so'), join(lib, 'libcycle_a.so'), join(lib, 'libmany.so')]);
  });

  it('hands the linker libraries already loaded: no loader call is repeated', async () => {
    const loader = timed(fsLoader({ searchPath: [lib], cache: new ModuleCache() }), 0);
    const graph = await loadGraph(loader, ['libneed_c.so', 'libcycle_a.so']);
    const calls = loader.log.length;
    const linker = await createLinker({ loader: graph.loader });
    await linker.load(['libneed_c.so', 'libcycle_a.so'], RTLD.NOW | RTLD.GLOBAL);
    expect(loader.log).toHaveLength(calls);
    const check = linker.dlsym(null, 'need_c_check');
    expect(check.kind === 'function' && (check.func as () => number)()).toBe(0);
  });

  it('records missing and broken libraries with who needed them, and the loader replays them', async () => {
    const files = Object.fromEntries(
      [...clangFiles].filter(([p]) => p !== 'libneed_a.so').map(([p, b]) => [`/lib/${p}`, b]),
    );
    files['/lib/libbroken.so'] = new TextEncoder().encode('<html>');
    const loader = virtualLoader(files, { searchPath: ['/lib'] });
    const graph = await loadGraph(loader, ['libneed_c.so', 'libbroken.so'], { compile: false });
    expect(graph.problems.map((p) => [p.name, p.neededBy, p.error.code])).toEqual([
      ['libbroken.so', [], 'DL_BAD_MAGIC'],
      ['libneed_a.so', ['libneed_b.so', 'libneed_c.so'], 'DL_NOT_FOUND'],
    ]);
    expect(graph.nodes.find((n) => n.name === 'libneed_b.so')?.needed).toEqual([
      { name: 'libneed_a.so', key: null, via: null, tried: [] },
    ]);
    expect(graph.problems.map((p) => p.parent)).toEqual([null, '/lib/libneed_b.so']);
    expect(graph.problems[0]?.error.message).toContain('(read from /lib/libbroken.so)');
    // Each edge carries its own search: libneed_b.so was found by the search path for libneed_c.so.
    expect(graph.nodes.find((n) => n.name === 'libneed_c.so')?.needed[0]).toMatchObject({
      key: '/lib/libneed_b.so',
      via: { step: 'search-path', entry: '/lib' },
    });
    expect(graph.roots).toEqual(['/lib/libneed_c.so', null]);
    const linker = await createLinker({ loader: graph.loader });
    await expect(linker.dlopen('libneed_c.so')).rejects.toBeInstanceOf(LibraryNotFoundError);
  });

  it('walks a chain of 3,000 libraries without overflowing, and refuses one beyond maxLibraries', async () => {
    const heads = new Map<string, Uint8Array>();
    const name = (i: number): string => `lib${i}.so`;
    // A minimal side module head: magic, version, dylink.0 with one NEEDED entry (none for the last).
    const head = (i: number): Uint8Array => {
      const needed = i < 2999 ? [1, ...str(name(i + 1))] : [0];
      const sub = [2, needed.length, ...needed];
      const payload = [...str('dylink.0'), ...sub];
      return new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 0, ...uleb(payload.length), ...payload]);
    };
    for (let i = 0; i < 3000; i++) heads.set(name(i), head(i));
    const loader: Loader & { inspect: (r: LoadRequest) => Promise<never> } = {
      load: (r) => Promise.resolve({ key: r.name, name: r.name, head: heads.get(r.name)! }),
      inspect: () => Promise.reject(new Error('unused')),
    };
    const graph = await loadGraph(loader, [name(0)]);
    expect(graph.nodes).toHaveLength(3000);
    expect(graph.nodes.at(-1)?.name).toBe('lib2999.so');
    const small = await loadGraph(loader, [name(0)], { maxLibraries: 100 });
    expect(small.problems[0]?.error.code).toBe('DL_LIMIT');
  });

  it('refuses compile: false with a loader that cannot inspect, leaving no listener on the caller’s signal', async () => {
    const signal = new AbortController().signal;
    let listening = 0;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...args: Parameters<typeof add>) => {
      listening++;
      add(...args);
    }) as typeof add;
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      listening--;
      remove(...args);
    }) as typeof remove;
    const loader: Loader = { load: () => Promise.reject(new Error('unused')) };
    await expect(loadGraph(loader, ['a.so'], { compile: false, signal })).rejects.toThrow(TypeError);
    expect(listening).toBe(0);
    // A walk that runs takes its listener off again at its end.
    const heads: Loader = { load: (r) => Promise.resolve({ key: r.name, name: r.name, head: minimalHead() }) };
    await loadGraph(heads, ['a.so'], { signal });
    expect(listening).toBe(0);
  });
});

/** A side module head with an empty dylink.0 (no NEEDED). */
function minimalHead(): Uint8Array {
  const payload = [...str('dylink.0')];
  return new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 0, ...uleb(payload.length), ...payload]);
}

describe('virtualLoader and chainLoader', () => {
  it('normalises paths, compiles each file once, and chains to the next loader for what it lacks', () => {
    const virtual = virtualLoader(
      { '/opt/lib/libneed_a.so': clangFiles.get('libneed_a.so')! },
      { searchPath: ['/opt/lib'] },
    );
    const a1 = virtual.loadSync!({ name: '/opt/x/../lib/libneed_a.so', parent: null });
    const a2 = virtual.loadSync!({ name: 'libneed_a.so', parent: null });
    expect(a1.key).toBe('/opt/lib/libneed_a.so');
    expect(a1.module).toBe(a2.module);
    const chain = chainLoader(virtual, fsLoader({ searchPath: [lib], cache: null }));
    expect(chain.loadSync!({ name: 'libneed_b.so', parent: null }).key).toBe(join(lib, 'libneed_b.so'));
    try {
      chain.loadSync!({ name: 'libnothing.so', parent: null });
      throw new Error('found');
    } catch (e) {
      if (!(e instanceof LibraryNotFoundError)) throw e;
      expect(e.tried.map((t) => t.location)).toEqual([
        '/opt/lib/libnothing.so',
        '/libnothing.so',
        join(lib, 'libnothing.so'),
        join(process.cwd(), 'libnothing.so'),
      ]);
    }
  });
});

function str(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
}
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}
