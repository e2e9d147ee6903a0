/**
 * Runs in Chromium (bundled by browser.test.ts): loads libraries through the fetch loader with
 * a Cache API store and a fresh in-process cache, and reports what it linked.
 */
import { reportResult } from '@dl/browser/page';
import { createLinker, RTLD } from '@dl/linker';
import { ModuleCache } from './cache.js';
import { fetchLoader } from './fetch-loader.js';
import { cacheStorageStore } from './store.js';

reportResult(async () => {
  const loader = fetchLoader({
    base: new URL('/lib/', location.href).href,
    cache: new ModuleCache(),
    store: cacheStorageStore('dl-test'),
  });
  const linker = await createLinker({ loader });
  await linker.load(['libneed_c.so', 'libcycle_a.so'], RTLD.NOW | RTLD.GLOBAL);
  const check = linker.dlsym(null, 'need_c_check');
  // The store writes in the background (a slow body is stored when it has arrived).
  const cache = await caches.open('dl-test');
  let stored = await cache.keys();
  for (let i = 0; i < 100 && stored.length < 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    stored = await cache.keys();
  }
  return {
    need_c_check: check.kind === 'function' ? (check.func as () => number)() : -1,
    stored: stored.map((r) => new URL(r.url).pathname).sort(),
  };
});
