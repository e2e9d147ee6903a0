import { DlError, messageOf } from '@dl/errors';
import type { LoadRequest } from '@dl/linker';
import { readModuleBody } from './body.js';
import { Download, raceAbort, whileWanted } from './fetch-limits.js';
import type { FetchLimits } from './fetch-limits.js';
import { announcedSize, openResponse } from './fetch-open.js';
import type { OpenContext, UrlSource } from './fetch-open.js';
import type { Limit } from './limit.js';
import type { Candidate } from './search.js';
import type { Probed } from './search-loader.js';

/** A library's head read at a URL (after redirects), and its announced size. */
export interface Head {
  readonly url: string;
  readonly head: Uint8Array;
  readonly size: number | null;
}

/** What one URL held: a library, or why not. */
type AtUrl = { readonly found: UrlSource; readonly download: Download } | { readonly missing: string };

/** 404 and 410 mean "not here, try the next place"; any other failure stops the search. */
const MISSING = new Set([404, 410]);

/** How a {@link FetchSession} fetches: what `fetchLoader`'s options resolve to. */
export interface FetchSettings {
  readonly fetch: (url: string, init?: RequestInit) => Promise<Response>;
  readonly init: RequestInit;
  readonly limits: Required<FetchLimits>;
  readonly revalidate: boolean;
  /** Why a URL (after redirects, asked as `asked`) may not be used, or null when it may. */
  readonly refused: (request: LoadRequest, url: string, asked: string) => string | null;
  readonly open: OpenContext;
}

/**
 * One `fetchLoader`'s downloads: bounded in number, one per URL however many ask at once, a
 * URL found once reused (unless revalidating), each within its time and size limits and
 * stopped when every load waiting for it is cancelled.
 */
export class FetchSession {
  /** URLs being fetched, until their head is known: later requests share the download. */
  private readonly inFlight = new Map<string, { result: Promise<AtUrl>; download: Download }>();
  /** URLs this loader found, by the URL asked for (reused unless `revalidate`). */
  private readonly known = new Map<string, { found: UrlSource; download: Download }>();

  /**
   * @param settings - how to fetch
   * @param slots - the downloads allowed at once
   */
  constructor(
    private readonly settings: FetchSettings,
    readonly slots: Limit,
  ) {}

  /** A search probe: the library at a candidate URL, by the origin policy before and after redirects. */
  async source(candidate: Candidate, request: LoadRequest): Promise<Probed<UrlSource>> {
    const { refused } = this.settings;
    const before = refused(request, candidate.location, candidate.location);
    if (before !== null) return { missing: before };
    const at = await whileWanted(
      this.atUrl(request, candidate.location),
      request.signal,
      candidate.location,
      request.name,
    );
    if ('missing' in at) return at;
    const after = refused(request, at.found.location ?? candidate.location, candidate.location);
    return after === null ? { found: at.found } : { missing: after };
  }

  /** A search probe: only the head at a candidate URL (the policy checked before and after redirects). */
  async head(candidate: Candidate, request: LoadRequest): Promise<Probed<Head>> {
    const before = this.settings.refused(request, candidate.location, candidate.location);
    return before === null ? this.inspectAt(request, candidate) : { missing: before };
  }

  /** A response for a URL (stored, or fetched within limits.headersMs); a failure throws. */
  private async respond(
    name: string,
    url: string,
    download: Download,
  ): Promise<{ response: Response; fromStore: boolean }> {
    const { limits, init } = this.settings;
    const stored = await this.settings.open.store?.match(url).catch(() => undefined);
    if (stored !== undefined) return { response: stored, fromStore: true };
    download.start();
    const stop = download.after(
      limits.headersMs,
      () =>
        new DlError('DL_NETWORK', `${url}: no response within ${limits.headersMs / 1000} s (limits.headersMs)`, {
          library: name,
        }),
    );
    const signal = init.signal == null ? download.signal : AbortSignal.any([init.signal, download.signal]);
    try {
      return {
        response: await raceAbort(this.settings.fetch(url, { ...init, signal }), download.signal),
        fromStore: false,
      };
    } catch (e) {
      if (e instanceof DlError) throw e;
      throw new DlError('DL_NETWORK', `fetching ${url} failed: ${messageOf(e)}`, { library: name, cause: e });
    } finally {
      stop();
    }
  }

  /**
   * Fetches and opens one URL, holding a download slot until its body has been read (or it
   * turned out missing or failed). Requests for a URL already under way share that download.
   */
  private atUrl(request: LoadRequest, url: string): Promise<AtUrl> {
    const seen = this.settings.revalidate ? undefined : this.known.get(url);
    if (seen !== undefined && !seen.download.stopped) {
      seen.download.hold(request.signal);
      return Promise.resolve(seen);
    }
    const shared = this.inFlight.get(url);
    if (shared !== undefined && !shared.download.stopped) {
      shared.download.hold(request.signal);
      return shared.result;
    }
    const download = new Download(url, request.name, this.settings.limits, request.signal);
    const result = this.fetchInSlot(request, url, download).finally(() => this.inFlight.delete(url));
    result.catch(() => undefined);
    this.inFlight.set(url, { result, download });
    return result;
  }

  /** {@link FetchSession.atUrl}'s download, once it has a slot. */
  private async fetchInSlot(request: LoadRequest, url: string, download: Download): Promise<AtUrl> {
    const acquiring = this.slots.acquire();
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
      const { response, fromStore } = await this.respond(request.name, url, download);
      if (!response.ok) return await this.notThere(response, url, request, download);
      // From here the slot is the body's: released once it has been read to its end.
      bodyOwnsSlot = true;
      const at = response.url === '' ? url : response.url;
      const found = await openResponse(this.settings.open, request.name, at, response, fromStore, release, download);
      const entry = { found, download };
      this.known.set(url, entry);
      // A library that fails to compile is not kept: the next load asks again.
      Promise.resolve(found.module).catch(() => {
        if (this.known.get(url) === entry) this.known.delete(url);
      });
      return entry;
    } catch (e) {
      download.finish();
      throw e;
    } finally {
      if (!bodyOwnsSlot) release();
    }
  }

  /** A response that is not OK: missing (404, 410: the search goes on) or a failure. */
  private async notThere(response: Response, url: string, request: LoadRequest, download: Download): Promise<AtUrl> {
    download.finish();
    await response.body?.cancel().catch(() => undefined);
    if (MISSING.has(response.status)) return { missing: `HTTP ${response.status}` };
    throw new DlError('DL_HTTP', `${url} answered HTTP ${response.status} ${response.statusText}`.trimEnd(), {
      library: request.name,
    });
  }

  /** Reads only the head at a candidate URL (then stops the download), or says why it is not there. */
  private async inspectAt(request: LoadRequest, candidate: Candidate): Promise<Probed<Head>> {
    const download = new Download(candidate.location, request.name, this.settings.limits, request.signal);
    try {
      const { response } = await this.respond(request.name, candidate.location, download);
      const url = response.url === '' ? candidate.location : response.url;
      const policy = this.settings.refused(request, url, candidate.location);
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
