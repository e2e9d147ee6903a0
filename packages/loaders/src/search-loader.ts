import type { LoadRequest } from '@dl/linker';
import { LibraryNotFoundError } from './errors.js';
import type { Tried } from './errors.js';
import type { Candidate } from './search.js';

/**
 * What a probe made of one candidate place: the library (`found`, whatever the loader needs of
 * it), or why it is not there (`missing`: `not found`, `HTTP 404`, a refusal), which becomes
 * that place's `Tried` entry. A failure that must stop the search is thrown instead.
 */
export type Probed<T> = { readonly found: T } | { readonly missing: string; readonly error?: unknown };

/** The first candidate that held the library, what the probe found there, and every place tried before it. */
export interface SearchHit<T> {
  readonly found: T;
  readonly candidate: Candidate;
  readonly tried: readonly Tried[];
}

/** A loader's search: where to look for a request, in order, and how to look at one place. */
export interface SearchProbe<T, P = Probed<T>> {
  candidates(request: LoadRequest): Iterable<Candidate>;
  probe(candidate: Candidate, request: LoadRequest): P;
}

/**
 * The "try each candidate" loop, written once as a plan: it yields each candidate in order and
 * receives what the probe made of it, returning the first hit or throwing `DL_NOT_FOUND`
 * ({@link LibraryNotFoundError}) that lists every place tried, with why. `searchLoader` and
 * `searchLoaderAsync` drive it; a loader whose probe is itself a plan (the file-system loader's
 * file operations) drives it from its own plan.
 */
export function* searchPlan<T>(
  request: LoadRequest,
  candidates: Iterable<Candidate>,
): Generator<Candidate, SearchHit<T>, Probed<T>> {
  const tried: Tried[] = [];
  for (const candidate of candidates) {
    const probed = yield candidate;
    if ('found' in probed) return { found: probed.found, candidate, tried };
    tried.push(
      probed.error === undefined
        ? { ...candidate, reason: probed.missing }
        : { ...candidate, reason: probed.missing, error: probed.error },
    );
  }
  throw new LibraryNotFoundError(request, tried);
}

/**
 * Makes a loader's search from a synchronous probe: each candidate in order, the first the probe
 * finds the library at wins; none is `DL_NOT_FOUND` listing every place and why.
 *
 * @example
 * const find = searchLoader({
 *   candidates: (request) => searchCandidates(request, posixLocations('/'), { searchPath: ['/lib'] }),
 *   probe: (c) => files.has(c.location) ? { found: files.get(c.location)! } : { missing: 'not found' },
 * });
 * find({ name: 'libz.so', parent: null }).candidate.location; // '/lib/libz.so'
 */
export function searchLoader<T>(search: SearchProbe<T>): (request: LoadRequest) => SearchHit<T> {
  return (request) => {
    const plan = searchPlan<T>(request, search.candidates(request));
    let step = plan.next();
    while (step.done !== true) step = plan.next(search.probe(step.value, request));
    return step.value;
  };
}

/** {@link searchLoader} for an asynchronous probe (downloads): one candidate at a time, in order. */
export function searchLoaderAsync<T>(
  search: SearchProbe<T, Promise<Probed<T>>>,
): (request: LoadRequest) => Promise<SearchHit<T>> {
  return async (request) => {
    const plan = searchPlan<T>(request, search.candidates(request));
    let step = plan.next();
    while (step.done !== true) step = plan.next(await search.probe(step.value, request));
    return step.value;
  };
}
