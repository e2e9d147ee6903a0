/**
 * Runs in Chromium (bundled by browser.test.ts): links libraries through the fetch loader with
 * a link plan kept in the Cache API, and reports whether the plan was replayed.
 */
import { reportResult } from '@dl/browser/page';
import { createLinker, RTLD } from '@dl/linker';
import { linkWithPlan } from '@dl/linker/plans';
import { ModuleCache } from './cache.js';
import { fetchLoader } from './fetch-loader.js';
import { cacheStoragePlanStore } from './plan-store.js';

reportResult(async () => {
  const loader = fetchLoader({ base: new URL('/lib/', location.href).href, cache: new ModuleCache() });
  const linker = await createLinker({
    loader,
    program: { kind: 'host', functions: { main_add1: { func: (x: number) => x + 1, type: '(i32) -> i32' } } },
  });
  const store = cacheStoragePlanStore('dl-test-plans');
  const out = await linkWithPlan(linker, ['libdiamond.so', 'libcycle_a.so'], RTLD.NOW | RTLD.GLOBAL, {
    store,
    key: 'page',
  });
  const call = (name: string): number => {
    const s = linker.dlsym(null, name);
    return s.kind === 'function' ? (s.func as () => number)() : -1;
  };
  return {
    replayed: out.replayed,
    stale: out.stale ?? null,
    checks: [call('need_b_check'), call('need_c_check'), call('cycle_check')],
    digest: linker.digest(),
    stored: (await store.get('page'))?.length ?? 0,
  };
});
