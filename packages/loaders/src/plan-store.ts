import type { PlanStore } from '@dl/linker/plans';
import { cacheOpener } from './store.js';
import type { CacheStorageLike } from './store.js';

/** The made-up origin plans are filed under in the Cache API (nothing is ever fetched from it). */
const PLAN_ORIGIN = 'https://dl-plans.invalid/';

/**
 * A link-plan store (`PlanStore` of `@dl/linker`) on the browser's Cache API: each plan a stored
 * response under its key, in a cache of its own, so a returning visitor's page replays the
 * link its first visit recorded (`linkWithPlan(linker, sources, flags, { store, key })`).
 *
 * @param name - the cache's name (default `dl-plans`)
 * @param storage - `CacheStorage` (default `globalThis.caches`)
 */
export function cacheStoragePlanStore(name = 'dl-plans', storage?: CacheStorageLike): PlanStore {
  const open = cacheOpener('cacheStoragePlanStore', name, storage);
  const url = (key: string): string => `${PLAN_ORIGIN}${encodeURIComponent(key)}`;
  return {
    async get(key) {
      const response = await (await open()).match(url(key));
      return response === undefined ? undefined : new Uint8Array(await response.arrayBuffer());
    },
    async put(key, bytes) {
      const body = bytes.slice().buffer;
      await (await open()).put(url(key), new Response(body, { headers: { 'content-type': 'application/json' } }));
    },
    async delete(key) {
      await (await open()).delete(url(key));
    },
  };
}
