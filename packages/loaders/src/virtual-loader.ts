import type { LoadedSource, LoadRequest } from '@dl/linker';
import { compileAsync, compileSync, headOf } from './compile.js';
import { loadFailure } from './errors.js';
import type { Inspected, InspectingLoader } from './loader-types.js';
import { confinement, normalizePath, posixLocations } from './paths.js';
import { searchCandidates } from './search.js';
import { searchLoader } from './search-loader.js';
import type { Candidate, SearchOptions } from './search.js';

/** Options of {@link virtualLoader}. */
export interface VirtualLoaderOptions extends SearchOptions {
  /** Working directory of the virtual file system (default `/`). */
  readonly cwd?: string;
  /**
   * Confinement (opt-in): libraries may only come from inside these directories (paths
   * normalised, `..` resolved); anything else is `DL_NOT_FOUND` with the reason per place tried.
   */
  readonly roots?: readonly string[];
}

/** A file: bytes, or an already compiled module with its head (metadata). */
export type VirtualFile =
  Uint8Array | { readonly module: WebAssembly.Module; readonly head: Uint8Array; readonly size?: number };

/** A file's module (compiling, for an asynchronous load), head and size. */
interface Compiled {
  readonly module: WebAssembly.Module | Promise<WebAssembly.Module>;
  readonly head: Uint8Array;
  readonly size: number;
}

/** The files by their resolved path. */
function indexFiles(
  files: Readonly<Record<string, VirtualFile>> | ReadonlyMap<string, VirtualFile>,
  resolve: (path: string) => string,
): Map<string, VirtualFile> {
  const entries: Iterable<[string, VirtualFile]> =
    files instanceof Map
      ? (files as ReadonlyMap<string, VirtualFile>).entries()
      : Object.entries(files as Readonly<Record<string, VirtualFile>>);
  const byPath = new Map<string, VirtualFile>();
  for (const [path, file] of entries) byPath.set(resolve(path), file);
  return byPath;
}

/** A file compiled (bytes: synchronously when `sync`), or its module as given. */
function compiledOf(file: VirtualFile, name: string, sync: boolean): Compiled {
  if (!(file instanceof Uint8Array)) return { module: file.module, head: file.head, size: file.size ?? 0 };
  const bytes = file as Uint8Array<ArrayBuffer>;
  return {
    module: sync ? compileSync(bytes, name) : compileAsync(bytes, name),
    head: headOf(file, name),
    size: file.length,
  };
}

/** Where a request finds its file (the search order, confinement), with what `inspect` tells. */
function finder(
  byPath: ReadonlyMap<string, VirtualFile>,
  confine: ((path: string) => string | null) | null,
  candidates: (request: LoadRequest) => Candidate[],
): (request: LoadRequest) => { path: string; file: VirtualFile; inspected: Omit<Inspected, 'head' | 'size'> } {
  const search = searchLoader<VirtualFile>({
    candidates,
    probe: (candidate) => {
      const refused = confine?.(candidate.location) ?? null;
      if (refused !== null) return { missing: refused };
      const file = byPath.get(candidate.location);
      return file === undefined ? { missing: 'not found' } : { found: file };
    },
  });
  return (request) => {
    const { found: file, candidate, tried } = search(request);
    return {
      path: candidate.location,
      file,
      inspected: { key: candidate.location, name: request.name, location: candidate.location, via: candidate, tried },
    };
  };
}

/**
 * Loads libraries from a virtual file system — a map of POSIX paths to bytes or compiled
 * modules (bundlers, tests, files fetched or unpacked by the application) — with the same
 * search order as the file-system loader. Paths are normalised, so `/lib/a/../x.so` and
 * `/lib/x.so` are one library; each file is compiled once, on first load (asynchronously for
 * `load`), and the module is reused by every later load (whatever linker asks).
 */
export function virtualLoader(
  files: Readonly<Record<string, VirtualFile>> | ReadonlyMap<string, VirtualFile>,
  options: VirtualLoaderOptions = {},
): InspectingLoader {
  const cwd = normalizePath(options.cwd ?? '/');
  const locations = posixLocations(cwd);
  const byPath = indexFiles(files, (path) => locations.resolve(path)!);
  const confine = options.roots === undefined ? null : confinement(options.roots.map((r) => locations.resolve(r)!));
  const compiled = new Map<string, Compiled>();

  const find = finder(byPath, confine, (request) => searchCandidates(request, locations, options));
  /** Compiles a file once (asynchronously unless `sync`: large modules must not block a page). */
  const load = (request: LoadRequest, sync: boolean): LoadedSource => {
    const { path, file } = find(request);
    try {
      let entry = compiled.get(path);
      if (entry === undefined || (sync && entry.module instanceof Promise)) {
        entry = compiledOf(file, request.name, sync);
        compiled.set(path, entry);
        const settled = entry;
        if (settled.module instanceof Promise)
          settled.module.catch(() => {
            if (compiled.get(path) === settled) compiled.delete(path);
          });
      }
      return { key: path, name: request.name, location: path, ...entry };
    } catch (e) {
      throw loadFailure(e, request, 'DL_IO', path);
    }
  };
  const inspectSync = (request: LoadRequest): Inspected => {
    const { path, file, inspected } = find(request);
    try {
      return file instanceof Uint8Array
        ? { ...inspected, head: headOf(file, request.name), size: file.length }
        : { ...inspected, head: file.head, size: file.size ?? null };
    } catch (e) {
      throw loadFailure(e, request, 'DL_IO', path);
    }
  };
  return {
    loadSync: (request) => load(request, true),
    load: (request) =>
      new Promise((resolve) => {
        resolve(load(request, false));
      }),
    inspectSync,
    inspect: (request) =>
      new Promise((resolve) => {
        resolve(inspectSync(request));
      }),
  };
}
