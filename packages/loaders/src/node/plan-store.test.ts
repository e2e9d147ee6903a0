import { copyFileSync, cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturesDir } from '@dl/fixtures';
import { createLinker, RTLD } from '@dl/linker';
import { linkWithPlan, linkWithPlanSync } from '@dl/linker/plans';
import type { Linker, Loader } from '@dl/linker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModuleCache } from '../cache.js';
import { fsLoader } from './fs-loader.js';
import { filePlanStore } from './plan-store.js';

let root: string;
let lib: string;
let plans: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'dl-plan-store-'));
  lib = join(root, 'lib');
  plans = join(root, 'plans');
  cpSync(join(fixturesDir, 'clang16'), lib, { recursive: true });
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const ROOTS = ['libdiamond.so', 'libcycle_a.so'];

function linker(loader: Loader): Promise<Linker> {
  return createLinker({
    loader,
    program: { kind: 'host', functions: { main_add1: { func: (x: number) => x + 1, type: '(i32) -> i32' } } },
  });
}

const seen = (l: Linker): unknown => ({
  checks: ['need_b_check', 'need_c_check', 'cycle_check'].map((name) => {
    const s = l.dlsym(null, name);
    return s.kind === 'function' ? (s.func as () => number)() : null;
  }),
  digest: l.digest(),
});

describe('link plans with the node loaders', () => {
  it('synchronously: a plan written by linkWithPlanSync is replayed by a later loadSync, and by the async path', async () => {
    const store = filePlanStore(join(root, 'sync-plans'));
    const a = await linker(fsLoader({ searchPath: [lib] }));
    expect(linkWithPlanSync(a, ROOTS, RTLD.NOW | RTLD.GLOBAL, { store, key: 'sync' }).replayed).toBe(false);
    expect(store.getSync('sync')?.length).toBeGreaterThan(1000);
    const b = await linker(fsLoader({ searchPath: [lib] }));
    expect(linkWithPlanSync(b, ROOTS, RTLD.NOW | RTLD.GLOBAL, { store, key: 'sync' }).replayed).toBe(true);
    expect(seen(b)).toEqual(seen(a));
    const c = await linker(fsLoader({ searchPath: [lib] }));
    expect((await linkWithPlan(c, ROOTS, RTLD.NOW | RTLD.GLOBAL, { store, key: 'sync' })).replayed).toBe(true);
    store.deleteSync('sync');
    expect(store.getSync('sync')).toBeUndefined();
  });

  it('a plan on disk, replayed with modules from the compiled-module cache (no bytes, no reads of metadata)', async () => {
    const cache = new ModuleCache();
    const store = filePlanStore(plans);
    const a = await linker(fsLoader({ searchPath: [lib], cache }));
    const first = await linkWithPlan(a, ROOTS, RTLD.NOW | RTLD.GLOBAL, { store, key: 'app' });
    expect(first.replayed).toBe(false);
    expect(readdirSync(plans)).toHaveLength(1);
    const compiled = cache.stats().compilations;
    const b = await linker(fsLoader({ searchPath: [lib], cache }));
    const second = await linkWithPlan(b, ROOTS, RTLD.NOW | RTLD.GLOBAL, { store, key: 'app' });
    expect(second.replayed).toBe(true);
    expect(cache.stats().compilations).toBe(compiled); // every module came from the cache
    expect(seen(b)).toEqual(seen(a));
    // A new process is a new cache: the plan still replays (the loader reads and compiles again).
    const c = await linker(fsLoader({ searchPath: [lib], cache: new ModuleCache() }));
    expect((await linkWithPlan(c, ROOTS, RTLD.NOW | RTLD.GLOBAL, { store, key: 'app' })).replayed).toBe(true);
    expect(seen(c)).toEqual(seen(a));
  });

  it('a library changed on disk is linked normally, and the stored plan replaced', async () => {
    const store = filePlanStore(plans);
    const a = await linker(fsLoader({ searchPath: [lib], cache: null }));
    await linkWithPlan(a, ROOTS, RTLD.NOW | RTLD.GLOBAL, { store, key: 'changing' });
    copyFileSync(join(fixturesDir, 'emcc', 'libneed_a.so'), join(lib, 'libneed_a.so'));
    const b = await linker(fsLoader({ searchPath: [lib], cache: null }));
    const out = await linkWithPlan(b, ROOTS, RTLD.NOW | RTLD.GLOBAL, { store, key: 'changing' });
    expect([out.replayed, out.stale]).toEqual([false, expect.stringMatching(/libneed_a\.so changed/)]);
    expect(seen(b)).toMatchObject({ checks: [0, 0, 0] });
    const c = await linker(fsLoader({ searchPath: [lib], cache: null }));
    expect((await linkWithPlan(c, ROOTS, RTLD.NOW | RTLD.GLOBAL, { store, key: 'changing' })).replayed).toBe(true);
    copyFileSync(join(fixturesDir, 'clang16', 'libneed_a.so'), join(lib, 'libneed_a.so'));
  });
});
