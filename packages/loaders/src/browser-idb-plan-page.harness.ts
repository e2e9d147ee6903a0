/**
 * Runs in Chromium (bundled by browser-idb.test.ts with `globalThis.IDB_STEP` defined): links
 * libraries through the fetch loader with a link plan kept in IndexedDB, after doing to the
 * store what the step says, and reports what happened.
 */
import { isDlError } from '@dl/errors';
import { reportResult } from '@dl/browser/page';
import { createLinker, RTLD } from '@dl/linker';
import { linkWithPlan } from '@dl/linker/plans';
import { ModuleCache } from './cache.js';
import { fetchLoader } from './fetch-loader.js';
import { indexedDbPlanStore } from './idb-plan-store.js';

declare global {
  var IDB_STEP: 'link' | 'corrupt' | 'small' | 'evict';
}

const DB = 'dl-test-plans';

/** Flips one byte of the stored plan's bytes, leaving its size and hash as they were. */
async function corrupt(key: string): Promise<void> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open(DB);
    r.onsuccess = () => {
      resolve(r.result);
    };
    r.onerror = () => {
      reject(new Error('open failed'));
    };
  });
  const tx = db.transaction('plans', 'readwrite');
  const plans = tx.objectStore('plans');
  const r = plans.get(key);
  await new Promise<void>((resolve, reject) => {
    r.onsuccess = () => {
      const record = r.result as { bytes: ArrayBuffer };
      const bytes = new Uint8Array(record.bytes);
      bytes[100] = bytes[100]! ^ 1;
      plans.put({ ...record, bytes: bytes.buffer }, key);
    };
    tx.oncomplete = () => {
      resolve();
    };
    tx.onerror = () => {
      reject(new Error('corrupting failed'));
    };
  });
  db.close();
}

const codeOf = async (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (e: unknown) => (isDlError(e) ? e.code : String(e)),
  );

/** Two plans that do not fit together: the older goes. */
async function evict(): Promise<unknown> {
  const store = indexedDbPlanStore({ name: `${DB}-evict`, maxPlanBytes: 600, maxTotalBytes: 1000 });
  await store.put('a', new Uint8Array(500).fill(1));
  await store.put('b', new Uint8Array(400).fill(2));
  const both = [(await store.get('a'))?.length, (await store.get('b'))?.length];
  await store.put('c', new Uint8Array(300).fill(3));
  const after = [(await store.get('a'))?.length ?? 0, (await store.get('b'))?.length, (await store.get('c'))?.[0]];
  return { both, after, tooBig: await codeOf(store.put('d', new Uint8Array(601))) };
}

reportResult(async () => {
  if (globalThis.IDB_STEP === 'evict') return evict();
  if (globalThis.IDB_STEP === 'corrupt') await corrupt('page');
  const loader = fetchLoader({ base: new URL('/lib/', location.href).href, cache: new ModuleCache() });
  const linker = await createLinker({
    loader,
    program: { kind: 'host', functions: { main_add1: { func: (x: number) => x + 1, type: '(i32) -> i32' } } },
  });
  const store = indexedDbPlanStore(globalThis.IDB_STEP === 'small' ? { name: DB, maxPlanBytes: 1000 } : { name: DB });
  const out = await linkWithPlan(linker, ['libdiamond.so', 'libcycle_a.so', 'libreload.so'], RTLD.NOW | RTLD.GLOBAL, {
    store,
    key: 'page',
  });
  const call = (name: string, ...args: number[]): number => {
    const s = linker.dlsym(null, name);
    return s.kind === 'function' ? (s.func as (...a: number[]) => number)(...args) : -1;
  };
  return {
    replayed: out.replayed,
    stale: out.stale ?? null,
    notStored: out.notStored ?? null,
    checks: [call('need_b_check'), call('need_c_check'), call('cycle_check'), call('reload_value', 5)],
    digest: linker.digest(),
    stored: (await store.get('page'))?.length ?? 0,
  };
});
