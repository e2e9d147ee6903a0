import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturesDir } from '@dl/fixtures';
import { outcome } from '@dl/fixtures/outcome';
import { createLinker, createLinkerSync, RTLD } from '@dl/linker';
import type { Linker, LoadRequest } from '@dl/linker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModuleCache } from '../cache.js';
import { LibraryNotFoundError } from '../errors.js';
import type { LoaderEvent } from '../progress.js';
import { fsLoader } from './fs-loader.js';
import { runFileSync } from './file-ops.js';
import { locatePlan, readWholePlan } from './file-plans.js';

let root: string;
/** A copy of the clang fixtures (rpath tree included), so tests can add and change files. */
let lib: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'dl-fs-loader-'));
  lib = join(root, 'lib');
  cpSync(join(fixturesDir, 'clang16'), lib, { recursive: true });
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const check = (linker: Linker, name: string): number => {
  const s = linker.dlsym(linker.dlopenSync(name, RTLD.NOLOAD | RTLD.NOW), name.replace(/^.*lib(\w+)\.so$/, '$1_check'));
  if (s.kind !== 'function') throw new Error('not a function');
  return (s.func as () => number)();
};

describe('RUNTIME_PATH', () => {
  it("finds NEEDED libraries through $ORIGIN and ${ORIGIN} entries, and the dependency's own", () => {
    const loader = fsLoader({ cache: null });
    const linker = createLinkerSync({ loader });
    const h = linker.dlopenSync(join(lib, 'rpath/librpath_user.so'), RTLD.NOW);
    expect(check(linker, join(lib, 'rpath/librpath_user.so'))).toBe(0);
    const byName = new Map(linker.graph().libraries.map((l) => [l.name, l.location]));
    // lib/$ORIGIN/x finds nothing; ${ORIGIN}/../rpath/deps does.
    expect(byName.get('librpath_dep.so')).toBe(join(lib, 'rpath/deps/librpath_dep.so'));
    // The dependency's RUNTIME_PATH ($ORIGIN/leaf) is relative to the dependency.
    expect(byName.get('librpath_leaf.so')).toBe(join(lib, 'rpath/deps/leaf/librpath_leaf.so'));
    expect(h.name).toBe(join(lib, 'rpath/librpath_user.so'));
  });

  it('expands $ORIGIN in the middle of an entry (lib/$ORIGIN/x), relative to the working directory', () => {
    const cwd = join(root, 'cwd-middle');
    const middle = join(cwd, 'lib', lib, 'rpath', 'x');
    mkdirSync(middle, { recursive: true });
    cpSync(join(lib, 'rpath/deps/librpath_dep.so'), join(middle, 'librpath_dep.so'));
    const inspected = fsLoader({ cwd, cache: null }).inspectSync!({
      name: 'librpath_dep.so',
      parent: {
        name: 'librpath_user.so',
        key: 'u',
        location: join(lib, 'rpath/librpath_user.so'),
        runtimePaths: ['lib/$ORIGIN/x', '${ORIGIN}/../rpath/deps'],
        chain: [],
      },
    });
    expect(inspected.location).toBe(join(middle, 'librpath_dep.so'));
    expect(inspected.via).toMatchObject({ step: 'runtime-path', entry: 'lib/$ORIGIN/x' });
    // And the real module links with the copy found there (its own $ORIGIN/leaf now misses,
    // so its leaf must come from elsewhere: the search path).
    const linker = createLinkerSync({
      loader: fsLoader({ cwd, cache: null, searchPath: [join(lib, 'rpath/deps/leaf')] }),
    });
    linker.dlopenSync(join(lib, 'rpath/librpath_user.so'), RTLD.NOW);
    expect(linker.graph().libraries.find((l) => l.name === 'librpath_dep.so')?.location).toBe(
      join(middle, 'librpath_dep.so'),
    );
  });
});

describe('search order', () => {
  it('searches RUNTIME_PATH, then the search path, then the environment, then the defaults', () => {
    const a = join(root, 'order-a'),
      b = join(root, 'order-b'),
      env = join(root, 'order-env');
    for (const d of [a, b, env]) {
      mkdirSync(d, { recursive: true });
      cpSync(join(lib, 'libneed_a.so'), join(d, 'libneed_a.so'));
    }
    process.env.DL_TEST_PATH = env;
    try {
      const request: LoadRequest = { name: 'libneed_a.so', parent: null };
      expect(fsLoader({ searchPath: [b, a], env: 'DL_TEST_PATH', cache: null }).inspectSync!(request).location).toBe(
        join(b, 'libneed_a.so'),
      );
      expect(fsLoader({ env: 'DL_TEST_PATH', defaults: [a], cache: null }).inspectSync!(request)).toMatchObject({
        location: join(env, 'libneed_a.so'),
        via: { step: 'environment' },
      });
      expect(fsLoader({ defaults: [a], cache: null }).inspectSync!(request)).toMatchObject({
        location: join(a, 'libneed_a.so'),
        via: { step: 'default' },
      });
      // The environment is read only when asked for.
      expect(outcome(() => fsLoader({ cache: null, cwd: root }).inspectSync!(request))).toBe('DL_NOT_FOUND');
    } finally {
      delete process.env.DL_TEST_PATH;
    }
  });

  it('treats a name with a slash as a path relative to the needing library, trying nothing else', () => {
    const loader = fsLoader({ cache: null, searchPath: [lib] });
    const parent = { name: 'p', key: 'p', location: join(lib, 'rpath/librpath_user.so'), runtimePaths: [], chain: [] };
    expect(loader.inspectSync!({ name: 'deps/librpath_dep.so', parent }).location).toBe(
      join(lib, 'rpath/deps/librpath_dep.so'),
    );
    const err = (() => {
      try {
        loader.inspectSync!({ name: 'sub/libneed_a.so', parent });
      } catch (e) {
        return e as LibraryNotFoundError;
      }
      throw new Error('found');
    })();
    expect(err.tried.map((t) => t.location)).toEqual([join(lib, 'rpath/sub/libneed_a.so')]);
  });
});

describe('one library per file', () => {
  it('loads a/../lib.so, a symbolic link and lib.so once, under the real path', async () => {
    mkdirSync(join(root, 'canon/sub'), { recursive: true });
    symlinkSync(join(lib, 'libneed_b.so'), join(root, 'canon/link.so'));
    const linker = await createLinker({ loader: fsLoader({ cache: null, searchPath: [lib] }) });
    const [x, y, z] = await linker.load([
      join(lib, 'sub/../libneed_b.so'),
      join(root, 'canon/link.so'),
      'libneed_b.so',
    ]);
    expect(new Set([x!.id, y!.id, z!.id]).size).toBe(1);
    expect(linker.graph().libraries.filter((l) => l.location === join(lib, 'libneed_b.so'))).toHaveLength(1);
  });
});

describe('a missing library', () => {
  it('lists every place tried and the chain of libraries that needed it, and nothing stays loaded', async () => {
    const dir = join(root, 'missing');
    mkdirSync(dir, { recursive: true });
    cpSync(join(lib, 'libneed_c.so'), join(dir, 'libneed_c.so'));
    cpSync(join(lib, 'libneed_b.so'), join(dir, 'libneed_b.so'));
    const linker = await createLinker({ loader: fsLoader({ cache: null, searchPath: [dir, join(root, 'nowhere')] }) });
    const before = linker.digest();
    const err = await linker.dlopen('libneed_c.so').then(
      () => null,
      (e: unknown) => e as LibraryNotFoundError,
    );
    expect(err).toBeInstanceOf(LibraryNotFoundError);
    expect(err).toMatchObject({
      code: 'DL_NOT_FOUND',
      library: 'libneed_a.so',
      neededBy: ['libneed_b.so', 'libneed_c.so'],
    });
    expect(err!.message).toContain(
      'libneed_a.so: library not found (needed by libneed_b.so, needed by libneed_c.so); tried ',
    );
    expect(err!.tried.map((t) => `${t.step} ${t.location} ${t.reason}`)).toEqual([
      `search-path ${join(dir, 'libneed_a.so')} not found`,
      `search-path ${join(root, 'nowhere/libneed_a.so')} not found`,
      `default ${join(process.cwd(), 'libneed_a.so')} not found`,
    ]);
    expect(linker.digest()).toBe(before);
  });
});

describe('the compiled-module cache', () => {
  it('compiles each file once for any number of linkers, sync or async, and reads nothing on a hit', async () => {
    const cache = new ModuleCache();
    const events: LoaderEvent[] = [];
    const loader = fsLoader({
      cache,
      searchPath: [lib],
      onProgress: (e) => {
        events.push(e);
      },
    });
    const one = createLinkerSync({ loader });
    one.dlopenSync('libneed_c.so', RTLD.NOW);
    expect(cache.stats()).toMatchObject({ compilations: 3, hits: 0, entries: 3 });
    const two = await createLinker({ loader });
    await two.dlopen('libneed_c.so', RTLD.NOW | RTLD.LOCAL);
    const three = createLinkerSync({ loader });
    three.dlopenSync('libneed_c.so', RTLD.NOW);
    expect(cache.stats()).toMatchObject({ compilations: 3, hits: 6 });
    expect(events.filter((e) => e.type === 'done' && e.cached)).toHaveLength(6);
    expect(check(three, 'libneed_c.so')).toBe(0);
    // A changed file is a new key: compiled again.
    const copy = join(root, 'cache-copy');
    mkdirSync(copy, { recursive: true });
    cpSync(join(lib, 'libneed_a.so'), join(copy, 'libneed_a.so'));
    const other = fsLoader({ cache, searchPath: [copy] });
    other.loadSync!({ name: 'libneed_a.so', parent: null });
    appendFileSync(join(copy, 'libneed_a.so'), new Uint8Array([0, 1, 0])); // a custom section: still valid
    other.loadSync!({ name: 'libneed_a.so', parent: null });
    expect(cache.stats().compilations).toBe(5);
  });

  it('shares one read and compilation between concurrent requests', async () => {
    const cache = new ModuleCache();
    const loader = fsLoader({ cache, searchPath: [lib] });
    const all = await Promise.all(Array.from({ length: 5 }, () => loader.load({ name: 'libmany.so', parent: null })));
    expect(cache.stats().compilations).toBe(1);
    expect(new Set(await Promise.all(all.map((s) => Promise.resolve(s.module)))).size).toBe(1);
  });
});

describe('bad files', () => {
  it('refuses a file that changed between being found and being read', () => {
    const dir = join(root, 'changing');
    mkdirSync(dir, { recursive: true });
    cpSync(join(lib, 'libneed_a.so'), join(dir, 'libneed_a.so'));
    const request = { name: 'libneed_a.so', parent: null };
    const found = runFileSync(
      locatePlan(request, [{ location: join(dir, 'libneed_a.so'), step: 'default', entry: dir }]),
    );
    appendFileSync(join(dir, 'libneed_a.so'), new Uint8Array([0, 1, 0]));
    expect(outcome(() => runFileSync(readWholePlan(request, found)))).toBe('DL_CHANGED');
  });

  it('names the library and its dependents for a file that is not wasm', () => {
    const dir = join(root, 'html');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'libneed_a.so'), '<!DOCTYPE html><title>404</title>');
    cpSync(join(lib, 'libneed_b.so'), join(dir, 'libneed_b.so'));
    const linker = createLinkerSync({ loader: fsLoader({ cache: null, searchPath: [dir] }) });
    const before = linker.digest();
    expect(() => linker.dlopenSync('libneed_b.so')).toThrow(
      /libneed_a.so: not a WebAssembly binary: it starts with the bytes 3c 21 44 4f, .*\(needed by libneed_b.so\)/,
    );
    expect(linker.digest()).toBe(before);
  });
});
