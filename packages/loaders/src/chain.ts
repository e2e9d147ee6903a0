import { isDlError } from '@dl/errors';
import { LibraryNotFoundError } from './errors.js';
import type { Tried } from './errors.js';
import type { Inspected, InspectingLoader } from './loader-types.js';
import type { Loader, LoadRequest } from '@dl/linker';

function notFoundTried(e: unknown): readonly Tried[] | null {
  if (e instanceof LibraryNotFoundError) return e.tried;
  return isDlError(e) && e.code === 'DL_NOT_FOUND' ? [] : null;
}

/**
 * Asks each loader in turn: the first that finds the library answers. When none does, the
 * DL_NOT_FOUND lists every place every loader tried; any other error (a corrupt file, a
 * server error) stops the search, as ld.so stops at a file it cannot load. The chain is
 * synchronous only when every member is.
 */
export function chainLoader(...loaders: readonly Loader[]): InspectingLoader {
  const step = <T>(request: LoadRequest, attempt: (l: Loader) => T): T => {
    const tried: Tried[] = [];
    for (const l of loaders) {
      try {
        return attempt(l);
      } catch (e) {
        const more = notFoundTried(e);
        if (more === null) throw e;
        tried.push(...more);
      }
    }
    throw new LibraryNotFoundError(request, tried);
  };
  const stepAsync = async <T>(
    request: LoadRequest,
    attempt: (l: Loader) => Promise<T>,
    members: readonly Loader[] = loaders,
  ): Promise<T> => {
    const tried: Tried[] = [];
    for (const l of members) {
      try {
        return await attempt(l);
      } catch (e) {
        const more = notFoundTried(e);
        if (more === null) throw e;
        tried.push(...more);
      }
    }
    throw new LibraryNotFoundError(request, tried);
  };
  const inspecting = loaders.filter((l): l is InspectingLoader => 'inspect' in l);
  const allSync = loaders.every((l) => l.loadSync !== undefined);
  return {
    load: (request) => stepAsync(request, (l) => l.load(request)),
    ...(allSync ? { loadSync: (request: LoadRequest) => step(request, (l) => l.loadSync!(request)) } : {}),
    /** Only members that can inspect are asked. */
    inspect: (request) => stepAsync<Inspected>(request, (l) => (l as InspectingLoader).inspect(request), inspecting),
  };
}
