/**
 * Where fetched libraries persist between sessions: stored responses, looked up by URL. With
 * the browser's Cache API, `WebAssembly.compileStreaming` on a stored response can use the
 * engine's compiled-code cache, so a returning visitor neither downloads nor recompiles.
 */
export interface PersistentStore {
  /** The stored response for a URL, if any. */
  match(url: string): Promise<Response | undefined>;
  /** Stores a response (its body is consumed). */
  put(url: string, response: Response): Promise<void>;
  /** Forgets a URL. */
  delete(url: string): Promise<void>;
}

/** Minimal shape of the browser's `CacheStorage`. */
export interface CacheStorageLike {
  open(name: string): Promise<{
    match(request: string): Promise<Response | undefined>;
    put(request: string, response: Response): Promise<void>;
    delete(request: string): Promise<boolean>;
  }>;
}

/**
 * A named cache of the Cache API, opened once (opening per lookup costs a round trip to the
 * storage backend each time; a failed open is tried again next time).
 *
 * @param who - the store asking (named in the error when there is no Cache API)
 */
export function cacheOpener(
  who: string,
  name: string,
  storage?: CacheStorageLike,
): () => ReturnType<CacheStorageLike['open']> {
  const caches = storage ?? (globalThis as { caches?: CacheStorageLike }).caches;
  if (caches === undefined)
    throw new TypeError(`${who} needs the Cache API (globalThis.caches): a secure browser context`);
  let opened: ReturnType<CacheStorageLike['open']> | null = null;
  return () => {
    opened ??= caches.open(name);
    opened.catch(() => {
      opened = null;
    });
    return opened;
  };
}

/**
 * A {@link PersistentStore} on the browser's Cache API (`caches`), in a cache of its own.
 *
 * @param name - the cache's name (default `dl-libraries`)
 * @param storage - `CacheStorage` (default `globalThis.caches`)
 */
export function cacheStorageStore(name = 'dl-libraries', storage?: CacheStorageLike): PersistentStore {
  const open = cacheOpener('cacheStorageStore', name, storage);
  return {
    match: async (url) => (await open()).match(url),
    put: async (url, response) => {
      await (await open()).put(url, response);
    },
    delete: async (url) => {
      await (await open()).delete(url);
    },
  };
}
