import { DlError } from '@dl/errors';
import type { LoadedSource, Loader, LoadRequest } from '@dl/linker';
import { LibraryNotFoundError, searchCandidates, searchLoader } from '@dl/loaders';
import { normalizePath, posixLocations } from '@dl/loaders/search';
import type { EmscriptenContext, EmscriptenFs } from './context.js';

/** Options of {@link emscriptenFsLoader}. */
export interface EmscriptenFsLoaderOptions {
  /** Directories searched for names without a slash (Emscripten reads `ENV.LD_LIBRARY_PATH`). */
  readonly searchPath?: readonly string[] | undefined;
}

/**
 * A loader over Emscripten's `FS` (MEMFS, NODEFS, NODERAWFS, preloaded files): the same search
 * order as `@dl/loaders` (RUNTIME_PATH with `$ORIGIN`, the search path, the working
 * directory), normalised paths as keys, synchronous and asynchronous.
 */
export function emscriptenFsLoader(fs: EmscriptenFs, options: EmscriptenFsLoaderOptions = {}): Loader {
  const search = searchLoader<Uint8Array>({
    candidates: (request) =>
      searchCandidates(request, posixLocations(fs.cwd?.() ?? '/'), { searchPath: options.searchPath }),
    probe: (c) => {
      const node = fs.findObject(c.location);
      if (node === null) return { missing: 'not found' };
      if (node.isFolder || node.isDevice === true) return { missing: 'not a file' };
      const bytes = fs.readFile(c.location, { encoding: 'binary' });
      return { found: bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes) };
    },
  });
  const find = (request: LoadRequest): LoadedSource => {
    const { found: bytes, candidate: c } = search(request);
    return { key: c.location, name: request.name, location: c.location, bytes };
  };
  return {
    loadSync: find,
    load: (request) =>
      new Promise((resolve) => {
        resolve(find(request));
      }),
  };
}

function isUrl(name: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(name);
}

/**
 * Where a request is read from: a URL as given, else a path normalised as Emscripten normalises
 * dlopen's (`./libx.so` is `libx.so`: one key, one library), relative to the needing library.
 */
function where(request: LoadRequest): string {
  const parent = request.parent?.location ?? null;
  if (isUrl(request.name)) return request.name;
  if (parent === null || request.name.startsWith('/')) return normalizePath(request.name);
  const joined = `${parent.slice(0, parent.lastIndexOf('/') + 1)}${request.name}`;
  return isUrl(joined) ? joined : normalizePath(joined);
}

function source(request: LoadRequest, location: string, bytes: Uint8Array): LoadedSource {
  return { key: location, name: request.name, location, bytes };
}

/** A reader's failure as the linker's "not found", with the reader's reason. */
function notFound(request: LoadRequest, location: string, e: unknown): LibraryNotFoundError {
  return new LibraryNotFoundError(request, [
    {
      location,
      step: 'path',
      entry: location,
      reason: e instanceof Error ? e.message : typeof e === 'string' ? e : 'not found',
      error: e,
    },
  ]);
}

/**
 * A loader over Emscripten's own readers: `readBinary` (synchronous) and `readAsync` — files
 * in node, URLs relative to the page in browsers — for names as given, or relative to the
 * needing library's location. Without `readBinary` (a web page's main thread) a synchronous
 * load finds nothing, as Emscripten's own loader.
 */
export function emscriptenReadLoader(ctx: Pick<EmscriptenContext, 'readBinary' | 'readAsync'>): Loader {
  const loader: Loader = {
    load: (request) =>
      new Promise((resolve, reject) => {
        const location = where(request);
        const read = ctx.readAsync;
        if (read === null || read === undefined) {
          reject(new DlError('DL_IO', 'this Emscripten program has no asynchronous reader', { library: request.name }));
          return;
        }
        read(
          location,
          (data) => {
            resolve(source(request, location, new Uint8Array(data)));
          },
          (e) => {
            reject(notFound(request, location, e));
          },
        );
      }),
  };
  const readBinary = ctx.readBinary;
  return {
    ...loader,
    loadSync: (request) => {
      const location = where(request);
      // A web main thread has no synchronous reader: not found here (Emscripten's words), so
      // that a chain with the FS loader before this one stays synchronous.
      if (readBinary === null || readBinary === undefined)
        throw notFound(
          request,
          location,
          new Error(`${location}: file not found, and synchronous loading of external files is not available`),
        );
      try {
        return source(request, location, readBinary(location));
      } catch (e) {
        throw notFound(request, location, e);
      }
    },
  };
}
