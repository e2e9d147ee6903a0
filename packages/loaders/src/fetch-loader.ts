import type { LoadRequest } from '@dl/linker';
import { sharedModuleCache } from './cache.js';
import type { ModuleCache } from './cache.js';
import { loadFailure } from './errors.js';
import { defaultFetchLimits } from './fetch-limits.js';
import type { FetchLimits } from './fetch-limits.js';
import type { OpenContext, UrlSource } from './fetch-open.js';
import { FetchSession } from './fetch-session.js';
import type { FetchSettings, Head } from './fetch-session.js';
import { Limit } from './limit.js';
import type { Inspected, InspectingLoader } from './loader-types.js';
import { originCheck } from './origin-policy.js';
import type { OriginPolicy } from './origin-policy.js';
import { urlLocations } from './paths.js';
import type { LoaderEvent } from './progress.js';
import { searchCandidates } from './search.js';
import type { Candidate, SearchOptions } from './search.js';
import { searchLoaderAsync } from './search-loader.js';
import type { PersistentStore } from './store.js';

/** Options of {@link fetchLoader}. */
export interface FetchLoaderOptions extends SearchOptions {
  /** URL relative names and entries resolve against (default: the page's `location.href`). */
  readonly base?: string;
  /** The `fetch` to use (default `globalThis.fetch`). */
  readonly fetch?: (url: string, init?: RequestInit) => Promise<Response>;
  /** Options for every request (credentials, headers). */
  readonly init?: RequestInit;
  /** Compile while downloading when the server says `application/wasm` (default true). */
  readonly streaming?: boolean;
  /** Compiled-module cache (default: the process-wide one; `null`: none). */
  readonly cache?: ModuleCache | null;
  /** Responses kept between sessions (opt-in): `cacheStorageStore()` in browsers. */
  readonly store?: PersistentStore | null;
  /** Downloads at once (default 6, a browser's connections per host). */
  readonly concurrency?: number;
  /**
   * Ask the server again each time a URL is loaded (default false: a URL this loader has
   * loaded is reused without a request, as a page reuses its scripts; a new loader asks
   * again, and an unchanged library still comes from the cache by its ETag). Turn on for
   * hot reloading.
   */
  readonly revalidate?: boolean;
  readonly onProgress?: (event: LoaderEvent) => void;
  /** Time and size limits of each download and of each load (defaults in the README). */
  readonly limits?: FetchLimits;
  /**
   * Where NEEDED and RUNTIME_PATH URLs, and redirects, may lead besides the origin of the
   * library that needs them (the default allows only that origin, and no `data:`/`blob:` URL):
   * origins, `"data:"`, `"blob:"`, `"*"`, or a function deciding alone (see {@link OriginPolicy}).
   * The browser analogue of `ld.so`'s secure mode.
   */
  readonly origins?: OriginPolicy;
}

/** How the loader's responses are opened: its caches, streaming, progress. */
function openContext(options: FetchLoaderOptions): OpenContext {
  return {
    cache: options.cache === undefined ? sharedModuleCache() : options.cache,
    store: options.store ?? null,
    streaming: options.streaming !== false && typeof WebAssembly.compileStreaming === 'function',
    emit: options.onProgress ?? ((): void => undefined),
  };
}

/** What the options say about fetching. */
function settingsOf(options: FetchLoaderOptions, base: string, open: OpenContext): FetchSettings {
  return {
    fetch: options.fetch ?? ((url: string, init?: RequestInit) => fetch(url, init)),
    init: options.init ?? {},
    limits: { ...defaultFetchLimits, ...options.limits },
    revalidate: options.revalidate === true,
    refused: originCheck(options.origins, base),
    open,
  };
}

/**
 * Loads libraries over HTTP(S) with `fetch`, in browsers and node: URLs found by the documented
 * search order (RUNTIME_PATH `$ORIGIN` = the needing library's URL directory), the final URL
 * (after redirects) as the key, streaming compilation for `application/wasm` with the head read
 * from the same bytes (the linker has a library's metadata and NEEDED list before its body has
 * arrived), bounded parallel downloads, one download per URL however many ask at once, an
 * in-process cache keyed by URL + validator (ETag / Last-Modified) or by content hash, and an
 * optional persistent store of responses. Every download has time and size limits, stops when
 * every load waiting for it is cancelled, and an origin policy says where code may come from.
 */
export function fetchLoader(options: FetchLoaderOptions = {}): InspectingLoader {
  const base = options.base ?? (globalThis as { location?: { href: string } }).location?.href;
  if (base === undefined) throw new TypeError('fetchLoader needs a base URL outside a page (options.base)');
  const locations = urlLocations(base);
  const ctx = openContext(options);
  const session = new FetchSession(settingsOf(options, base, ctx), new Limit(options.concurrency ?? 6));
  const candidates = (request: LoadRequest): Candidate[] => searchCandidates(request, locations, options);
  /** A URL where the library is, by the origin policy before and after redirects, or why not. */
  const findSource = searchLoaderAsync<UrlSource>({
    candidates,
    probe: (candidate, request) => session.source(candidate, request),
  });
  /** A URL where the library is, only its head read, or why not. */
  const findHead = searchLoaderAsync<Head>({
    candidates,
    probe: (candidate, request) => session.head(candidate, request),
  });

  return {
    async load(request) {
      try {
        return { ...(await findSource(request)).found, name: request.name };
      } catch (e) {
        const err = loadFailure(e, request, 'DL_NETWORK');
        ctx.emit({ type: 'failed', name: request.name, location: null, code: err.code });
        throw err;
      }
    },

    async inspect(request): Promise<Inspected> {
      const release = await session.slots.acquire();
      try {
        const { found, candidate, tried } = await findHead(request);
        return {
          key: found.url,
          name: request.name,
          location: found.url,
          head: found.head,
          size: found.size,
          via: candidate,
          tried,
        };
      } catch (e) {
        throw loadFailure(e, request, 'DL_NETWORK');
      } finally {
        release();
      }
    },
  };
}
