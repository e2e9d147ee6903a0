import { DlError } from '@dl/errors';
import { neededByText as dependentsText } from '@dl/reader';

/** The library whose NEEDED entry is being looked up: what a loader may resolve against. */
export interface ParentLibrary {
  readonly name: string;
  /** Its canonical key. */
  readonly key: string;
  /** Where it was loaded from (a path or URL), or null when given as bytes. */
  readonly location: string | null;
  /** Its RUNTIME_PATH entries, unexpanded (`$ORIGIN` is the directory of `location`). */
  readonly runtimePaths: readonly string[];
  /** The libraries that led to it, root first (empty when it is a root). */
  readonly chain: readonly string[];
}

/** What the linker asks a loader for. */
export interface LoadRequest {
  /** As written in a NEEDED entry or given to `dlopen`. */
  readonly name: string;
  /** The library that needs it; null for a root (`dlopen`, `load`). */
  readonly parent: ParentLibrary | null;
  /**
   * The load's signal (async loads): aborted when the caller cancels the load or the load has
   * failed, so a loader stops its downloads and reads. One object per `dlopen`/`load` call —
   * the same for every request of that call — so a loader can also keep per-load budgets by it.
   */
  readonly signal?: AbortSignal | undefined;
}

/**
 * A library as a loader delivers it: whole bytes (the linker compiles them), or a compiled
 * module (possibly still compiling) with the module's head for its metadata.
 */
export interface LoadedSource {
  /** Canonical key: two names of the same library give the same key (one library, loaded once). */
  readonly key: string;
  /** Its name as shown to people (the requested name). */
  readonly name: string;
  /** Where it was found (a path or URL); its NEEDED libraries are looked up relative to it. */
  readonly location?: string | null | undefined;
  /** The whole module. */
  readonly bytes?: Uint8Array | undefined;
  /** With `module`: the module's first bytes, at least up to its code section (`moduleHeadLength`). */
  readonly head?: Uint8Array | undefined;
  /** The module's size in bytes, when known without `bytes` (for events and instantiation). */
  readonly size?: number | undefined;
  /** The compiled module, or its compilation under way. */
  readonly module?: WebAssembly.Module | PromiseLike<WebAssembly.Module> | undefined;
}

/**
 * Where libraries come from: given a name and the library that needs it (null for a root),
 * find it. Loaders with a synchronous form support `dlopenSync`. The linker asks for all the
 * libraries it needs at one depth of the NEEDED graph at once, so an asynchronous loader can
 * work on them in parallel.
 */
export interface Loader {
  /** Finds a library, or throws DlError `DL_NOT_FOUND` listing where it looked. */
  load(request: LoadRequest): Promise<LoadedSource>;
  /** The same, synchronously, when the platform allows. */
  loadSync?(request: LoadRequest): LoadedSource;
}

/**
 * The simplest loader: a map of names to bytes or compiled modules (tests, bundlers). Names
 * are looked up as given, then by their last path component. `@dl/loaders` has loaders with
 * search paths, files, fetch and caches.
 */
export function memoryLoader(
  files:
    Readonly<Record<string, Uint8Array | WebAssembly.Module>> | ReadonlyMap<string, Uint8Array | WebAssembly.Module>,
): Loader {
  const map = new Map<string, Uint8Array | WebAssembly.Module>(files instanceof Map ? files : Object.entries(files));
  const find = (request: LoadRequest): LoadedSource => {
    const { name } = request;
    const base = name.slice(name.lastIndexOf('/') + 1);
    const key = map.has(name) ? name : map.has(base) ? base : undefined;
    if (key === undefined) {
      throw new DlError(
        'DL_NOT_FOUND',
        `library ${JSON.stringify(name)} not found${neededByText(request)}; looked in the in-memory loader for "${name}" and "${base}"`,
        { library: name },
      );
    }
    const entry = map.get(key)!;
    return entry instanceof WebAssembly.Module ? { key, name: key, module: entry } : { key, name: key, bytes: entry };
  };
  return {
    load: (request) =>
      new Promise((resolve) => {
        resolve(find(request));
      }),
    loadSync: find,
  };
}

/** " (needed by B, needed by A)" for messages, nearest first, or nothing for a root (one wording with the loaders: `@dl/reader`'s). */
export function neededByText(request: LoadRequest): string {
  return dependentsText(request);
}
