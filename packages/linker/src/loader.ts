import { DlError } from '@dl/errors';

/** A library as a loader delivers it. */
export interface LoadedSource {
  /** Canonical key: two names of the same library give the same key (one library, loaded once). */
  readonly key: string;
  /** Its name as shown to people (the `needed` name, or a path). */
  readonly name: string;
  /** Its bytes (preferred: they carry the metadata), or a compiled module. */
  readonly bytes?: Uint8Array;
  readonly module?: WebAssembly.Module;
}

/**
 * Where libraries come from: given a name and the library that needs it (null for a
 * root), find it. Loaders with a synchronous form support `dlopenSync`.
 */
export interface Loader {
  /** Finds a library, or throws DlError `DL_NOT_FOUND` listing where it looked. */
  load(name: string, neededBy: string | null): Promise<LoadedSource>;
  /** The same, synchronously, when the platform allows. */
  loadSync?(name: string, neededBy: string | null): LoadedSource;
}

/**
 * A loader over a map of names to bytes or compiled modules — for tests, bundlers and
 * virtual file systems. Names are looked up as given and by their last path component.
 */
export function memoryLoader(files: Readonly<Record<string, Uint8Array | WebAssembly.Module>> | ReadonlyMap<string, Uint8Array | WebAssembly.Module>): Loader {
  const map = new Map<string, Uint8Array | WebAssembly.Module>(files instanceof Map ? files : Object.entries(files));
  const find = (name: string, neededBy: string | null): LoadedSource => {
    const base = name.slice(name.lastIndexOf('/') + 1);
    const key = map.has(name) ? name : map.has(base) ? base : undefined;
    if (key === undefined) {
      throw new DlError('DL_NOT_FOUND', `library ${JSON.stringify(name)} not found${neededBy === null ? '' : ` (needed by ${neededBy})`}; looked in the in-memory loader for "${name}" and "${base}"`, { library: name });
    }
    const entry = map.get(key)!;
    return entry instanceof WebAssembly.Module ? { key, name: key, module: entry } : { key, name: key, bytes: entry };
  };
  return { load: (name, neededBy) => new Promise((resolve) => { resolve(find(name, neededBy)); }), loadSync: find };
}
