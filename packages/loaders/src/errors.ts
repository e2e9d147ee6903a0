import { DlError, messageOf } from '@dl/errors';
import type { LoadRequest } from '@dl/linker';
import { neededByText } from '@dl/reader';
import type { Candidate } from './search.js';

/** A place a loader looked, and why the library was not there. */
export interface Tried extends Candidate {
  /** `not found`, `not a file`, `HTTP 404`, `permission denied`, ... */
  readonly reason: string;
  /** The reader's own error, when it gave one (a runtime may show it in its own words). */
  readonly error?: unknown;
}

/** The libraries that led to a request, nearest first: `["libb.so", "liba.so"]`. */
export function dependents(request: LoadRequest): string[] {
  return request.parent === null ? [] : [request.parent.name, ...[...request.parent.chain].reverse()];
}

/** " (needed by libb.so, needed by liba.so)" or nothing for a root (the linker's wording). */
export function neededBy(request: LoadRequest): string {
  return neededByText(request);
}

/**
 * `DL_NOT_FOUND` for a library no candidate location holds: the message lists every place
 * tried, with why, and the chain of libraries that needed it; both are also fields.
 */
export class LibraryNotFoundError extends DlError {
  static override readonly errorName: string = 'LibraryNotFoundError';
  /** Every place tried, in order. */
  readonly tried: readonly Tried[];
  /** The libraries that led to the request, nearest first. */
  readonly neededBy: readonly string[];

  constructor(request: LoadRequest, tried: readonly Tried[]) {
    const places =
      tried.length === 0
        ? 'there was nowhere to look'
        : `tried ${tried.map((t) => `${t.location} (${t.reason})`).join(', ')}`;
    super('DL_NOT_FOUND', `library not found${neededBy(request)}; ${places}`, { library: request.name });
    this.tried = tried;
    this.neededBy = dependents(request);
  }
}

/**
 * Wraps a failure while loading a library into a DlError naming it, the file or URL it was
 * read from (when found) and its dependents.
 */
export function loadFailure(
  error: unknown,
  request: LoadRequest,
  code: 'DL_IO' | 'DL_NETWORK' = 'DL_IO',
  location: string | null = null,
): DlError {
  const from = location === null || location === request.name ? '' : ` (read from ${location})`;
  if (error instanceof DlError) {
    // Already complete: it lists its dependents, is about another library, or has nothing to add.
    if (
      error instanceof LibraryNotFoundError ||
      (error.library !== undefined && error.library !== request.name) ||
      (request.parent === null && from === '')
    )
      return error;
    return new DlError(error.code, `${error.detail}${from}${neededBy(request)}`, {
      library: request.name,
      offset: error.offset,
      symbol: error.symbol,
      cause: error,
    });
  }
  const detail = messageOf(error);
  return new DlError(code, `${detail}${from}${neededBy(request)}`, { library: request.name, cause: error });
}
