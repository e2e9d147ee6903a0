// Type-level tests of the loaders' public API (vitest typecheck): every loader plugs into the
// linker, progress events narrow by type, node-only loaders come from @dl/loaders/node.
import type { CreateOptions, Loader } from '@dl/linker';
import { describe, expectTypeOf, it } from 'vitest';
import { chainLoader, fetchLoader, ModuleCache, trackProgress, virtualLoader } from './index.js';
import type { InspectingLoader, LoaderEvent, ModuleCacheStats, Progress } from './index.js';
import { fsLoader } from './node/index.js';

describe('loaders', () => {
  it("every loader is an InspectingLoader, accepted as the linker's loader", () => {
    for (const loader of [fetchLoader(), fsLoader(), virtualLoader({}), chainLoader(fsLoader(), fetchLoader())]) {
      expectTypeOf(loader).toEqualTypeOf<InspectingLoader>();
      expectTypeOf(loader).toExtend<Loader>();
      expectTypeOf(loader).toExtend<NonNullable<CreateOptions['loader']>>();
    }
  });

  it('chainLoader takes any Loader, not only inspecting ones', () => {
    const plain: Loader = { load: () => Promise.reject(new Error('not found')) };
    expectTypeOf(chainLoader(plain, fetchLoader())).toEqualTypeOf<InspectingLoader>();
    // @ts-expect-error a string is not a loader
    chainLoader('lib');
  });

  it('trackProgress turns events into Progress totals', () => {
    const onEvent = trackProgress((p, e) => {
      expectTypeOf(p).toEqualTypeOf<Progress>();
      expectTypeOf(e).toEqualTypeOf<LoaderEvent>();
    });
    expectTypeOf(onEvent).toEqualTypeOf<(event: LoaderEvent) => void>();
    fsLoader({ onProgress: onEvent });
  });

  it('loader events narrow by type', () => {
    expectTypeOf<LoaderEvent['type']>().toExtend<string>();
    expectTypeOf<Extract<LoaderEvent, { type: 'done' }>>().toHaveProperty('cached').toBeBoolean();
    expectTypeOf<Extract<LoaderEvent, { type: 'start' }>['total']>().toEqualTypeOf<number | null>();
  });

  it('caches report their statistics', () => {
    expectTypeOf(new ModuleCache().stats()).toEqualTypeOf<ModuleCacheStats>();
  });
});
