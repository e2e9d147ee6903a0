// The Chromium side of the loaders suite: one measurement per page, bundled by @dl/browser's
// bundle() (so @dl/linker and @dl/loaders come from their sources) and run by runInPage at
// /__dl/blank.html?set=SET&runner=RUNNER. The server (src/loaders-web.ts) serves the set's
// modules under /SET/ (application/wasm, ETag, Cache-Control: no-cache, 304 on If-None-Match)
// and /SET/manifest.json = { kind, expected, modules: [{ name, symbol }] }. The page reports
// { totalMs, compileMs, instantiateMs, checksum, phases } timed with performance.now() here.
import { reportResult } from '@dl/browser/page';
import * as dl from '@dl/linker';
import { cacheStorageStore, fetchLoader, ModuleCache } from '@dl/loaders';
import { floorProgram } from './floor.mjs';
import { linkingRun } from './hosts.mjs';
import { rounded, timeRun } from './timing.mjs';

/** The Cache Storage cache web-store uses (fresh in every browser context). */
const STORE = 'dl-bench';

const params = new URLSearchParams(globalThis.location.search);
const base = new URL(`/${params.get('set') ?? ''}/`, globalThis.location.href).href;
const names = (m) => m.modules.map(({ name }) => name);
const linking = (m, loader, mode, onEvent) => linkingRun(dl, m, names(m), loader, mode, onEvent);

/** An untimed load (by another linker) through `loader`. */
async function prime(m, loader) {
  await (await linking(m, loader, 'batch')).run();
}

/** A Cache Storage store whose writes can be awaited (the loader stores without waiting). */
function awaitableStore() {
  const store = cacheStorageStore(STORE);
  const writes = [];
  return {
    store: {
      ...store,
      put: (url, response) => {
        const w = store.put(url, response);
        writes.push(w);
        return w;
      },
    },
    written: () => Promise.all(writes),
  };
}

/** Each runner: `(manifest, onEvent)` sets up untimed and returns `{ run, check }` (see timeRun). */
const RUNNERS = {
  // The floor: fetch, arrayBuffer, compile, instantiate with dummy imports (floor.mjs), one by one.
  'web-floor': (m) => {
    const program = floorProgram();
    return {
      run: async () => {
        for (const name of names(m))
          program.instantiate(await WebAssembly.compile(await (await fetch(base + name)).arrayBuffer()));
      },
      check: () => program.count,
    };
  },
  'web-seq': (m, onEvent) => linking(m, fetchLoader({ base, cache: new ModuleCache() }), 'seq', onEvent),
  'web-graph': (m, onEvent) =>
    linking(m, fetchLoader({ base, cache: new ModuleCache(), concurrency: 6 }), 'batch', onEvent),
  'web-graph-32': (m, onEvent) =>
    linking(m, fetchLoader({ base, cache: new ModuleCache(), concurrency: 32 }), 'batch', onEvent),
  // Second load in the same page: the in-process cache answers (requests revalidate: 304).
  'web-warm': async (m, onEvent) => {
    const loader = fetchLoader({ base, cache: new ModuleCache() });
    await prime(m, loader);
    return linking(m, loader, 'batch', onEvent);
  },
  // First page of web-store (untimed): loads with the store and waits until it holds every response.
  'web-store-prime': async (m) => {
    const { store, written } = awaitableStore();
    await prime(m, fetchLoader({ base, cache: new ModuleCache(), store }));
    await written();
    const held = (await (await globalThis.caches.open(STORE)).keys()).length;
    if (held !== m.modules.length) throw new Error(`the store holds ${held} responses, not ${m.modules.length}`);
    return { run: async () => undefined, check: () => m.modules.length };
  },
  // A new page in the same context: a fresh in-process cache, the bodies from the store.
  'web-store': (m, onEvent) =>
    linking(m, fetchLoader({ base, cache: new ModuleCache(), store: cacheStorageStore(STORE) }), 'batch', onEvent),
};

reportResult(async () => {
  const runner = RUNNERS[params.get('runner') ?? ''];
  if (runner === undefined)
    throw new Error(`unknown runner ${params.get('runner') ?? '(none)'}; runners: ${Object.keys(RUNNERS).join(', ')}`);
  const m = await (await fetch(`${base}manifest.json`)).json();
  return rounded(await timeRun((onEvent) => runner(m, onEvent)));
});
