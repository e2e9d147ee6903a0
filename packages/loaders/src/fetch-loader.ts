import { DlError, messageOf } from '@dl/errors';
import type { LoadRequest } from '@dl/linker';
import { readModuleBody } from './body.js';
import { sharedModuleCache } from './cache.js';
import type { ModuleCache } from './cache.js';
import { loadFailure } from './errors.js';
import { defaultFetchLimits, Download, raceAbort, whileWanted } from './fetch-limits.js';
import type { FetchLimits } from './fetch-limits.js';
import { announcedSize, openResponse } from './fetch-open.js';
import type { OpenContext, UrlSource } from './fetch-open.js';
import { Limit } from './limit.js';
import type { Inspected, InspectingLoader } from './loader-types.js';
import { originCheck } from './origin-policy.js';
import type { OriginPolicy } from './origin-policy.js';
import { urlLocations } from './paths.js';
import type { LoaderEvent } from './progress.js';
import { searchCandidates } from './search.js';
import type { Candidate, SearchOptions } from './search.js';
import { searchLoaderAsync } from './search-loader.js';
import type { Probed } from './search-loader.js';
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

/** A library's head read at a URL (after redirects), and its announced size. */
interface Head {
  readonly url: string;
  readonly head: Uint8Array;
  readonly size: number | null;
}

/** What one URL held: a library, or why not. */
type AtUrl = { readonly found: UrlSource; readonly download: Download } | { readonly missing: string };

/** 404 and 410 mean "not here, try the next place"; any other failure stops the search. */
const MISSING = new Set([404, 410]);

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
  const doFetch = options.fetch ?? ((url: string, init?: RequestInit) => fetch(url, init));
  const limits: Required<FetchLimits> = { ...defaultFetchLimits, ...options.limits };
  const refused = originCheck(options.origins, base);
  const ctx: OpenContext = {
    cache: options.cache === undefined ? sharedModuleCache() : options.cache,
    store: options.store ?? null,
    streaming: options.streaming !== false && typeof WebAssembly.compileStreaming === 'function',
    emit: options.onProgress ?? ((): void => undefined),
  };
  const limit = new Limit(options.concurrency ?? 6);
  /** URLs being fetched, until their head is known: later requests share the download. */
  const inFlight = new Map<string, { result: Promise<AtUrl>; download: Download }>();
  /** URLs this loader found, by the URL asked for (reused unless `revalidate`). */
  const known = new Map<string, { found: UrlSource; download: Download }>();

  /** A response for a URL (stored, or fetched within limits.headersMs); a failure throws. */
  const respond = async (
    name: string,
    url: string,
    download: Download,
  ): Promise<{ response: Response; fromStore: boolean }> => {
    const stored = await ctx.store?.match(url).catch(() => undefined);
    if (stored !== undefined) return { response: stored, fromStore: true };
    download.start();
    const stop = download.after(
      limits.headersMs,
      () =>
        new DlError('DL_NETWORK', `${url}: no response within ${limits.headersMs / 1000} s (limits.headersMs)`, {
          library: name,
        }),
    );
    const init = options.init ?? {};
    const signal = init.signal == null ? download.signal : AbortSignal.any([init.signal, download.signal]);
    try {
      return { response: await raceAbort(doFetch(url, { ...init, signal }), download.signal), fromStore: false };
    } catch (e) {
      if (e instanceof DlError) throw e;
      throw new DlError('DL_NETWORK', `fetching ${url} failed: ${messageOf(e)}`, { library: name, cause: e });
    } finally {
      stop();
    }
  };
  /**
   * Fetches and opens one URL, holding a download slot until its body has been read (or it
   * turned out missing or failed). Requests for a URL already under way share that download.
   */
  const atUrl = (request: LoadRequest, url: string): Promise<AtUrl> => {
    const seen = options.revalidate === true ? undefined : known.get(url);
    if (seen !== undefined && !seen.download.stopped) {
      seen.download.hold(request.signal);
      return Promise.resolve(seen);
    }
    const shared = inFlight.get(url);
    if (shared !== undefined && !shared.download.stopped) {
      shared.download.hold(request.signal);
      return shared.result;
    }
    const download = new Download(url, request.name, limits, request.signal);
    const result = (async (): Promise<AtUrl> => {
      const acquiring = limit.acquire();
      let release: () => void;
      try {
        release = await raceAbort(acquiring, download.signal);
      } catch (e) {
        // Cancelled while waiting: the slot, when it comes, goes straight back.
        void acquiring.then((r) => {
          r();
        });
        throw e;
      }
      let bodyOwnsSlot = false;
      try {
        const { response, fromStore } = await respond(request.name, url, download);
        if (!response.ok) {
          download.finish();
          await response.body?.cancel().catch(() => undefined);
          if (MISSING.has(response.status)) return { missing: `HTTP ${response.status}` };
          throw new DlError('DL_HTTP', `${url} answered HTTP ${response.status} ${response.statusText}`.trimEnd(), {
            library: request.name,
          });
        }
        // From here the slot is the body's: released once it has been read to its end.
        bodyOwnsSlot = true;
        const found = await openResponse(
          ctx,
          request.name,
          response.url === '' ? url : response.url,
          response,
          fromStore,
          release,
          download,
        );
        const entry = { found, download };
        known.set(url, entry);
        // A library that fails to compile is not kept: the next load asks again.
        Promise.resolve(found.module).catch(() => {
          if (known.get(url) === entry) known.delete(url);
        });
        return entry;
      } catch (e) {
        download.finish();
        throw e;
      } finally {
        if (!bodyOwnsSlot) release();
      }
    })().finally(() => inFlight.delete(url));
    result.catch(() => undefined);
    inFlight.set(url, { result, download });
    return result;
  };

  const candidates = (request: LoadRequest): Candidate[] => searchCandidates(request, locations, options);
  /** A URL where the library is, by the origin policy before and after redirects, or why not. */
  const findSource = searchLoaderAsync<UrlSource>({
    candidates,
    probe: async (candidate, request) => {
      const before = refused(request, candidate.location, candidate.location);
      if (before !== null) return { missing: before };
      const at = await whileWanted(
        atUrl(request, candidate.location),
        request.signal,
        candidate.location,
        request.name,
      );
      if ('missing' in at) return at;
      const after = refused(request, at.found.location ?? candidate.location, candidate.location);
      return after === null ? { found: at.found } : { missing: after };
    },
  });
  /** A URL where the library is, only its head read (the policy checked before and after redirects), or why not. */
  const findHead = searchLoaderAsync<Head>({
    candidates,
    probe: async (candidate, request) => {
      const before = refused(request, candidate.location, candidate.location);
      return before === null ? inspectAt(request, candidate) : { missing: before };
    },
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
      const release = await limit.acquire();
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

  /** Reads only the head at a candidate URL (then stops the download), or says why it is not there. */
  async function inspectAt(request: LoadRequest, candidate: Candidate): Promise<Probed<Head>> {
    const download = new Download(candidate.location, request.name, limits, request.signal);
    try {
      const { response } = await respond(request.name, candidate.location, download);
      const url = response.url === '' ? candidate.location : response.url;
      const policy = refused(request, url, candidate.location);
      if (!response.ok || policy !== null) {
        await response.body?.cancel().catch(() => undefined);
        if (policy === null && !MISSING.has(response.status))
          throw new DlError('DL_HTTP', `${candidate.location} answered HTTP ${response.status}`, {
            library: request.name,
          });
        return { missing: policy ?? `HTTP ${response.status}` };
      }
      if (response.body === null) throw new DlError('DL_IO', 'the response has no body', { library: request.name });
      download.checkAnnounced(announcedSize(response));
      const body = readModuleBody(
        response.body,
        request.name,
        null,
        'head',
        { onHead: () => undefined, onBytes: () => undefined },
        download,
      );
      body.whole.catch(() => undefined);
      return { found: { url, head: await body.head, size: announcedSize(response) } };
    } finally {
      download.finish();
    }
  }
}
