import { realpathSync } from 'node:fs';
import type { DlError } from '@dl/errors';
import type { LoadedSource, LoadRequest } from '@dl/linker';
import { sharedModuleCache } from '../cache.js';
import type { CachedModule, ModuleCache } from '../cache.js';
import { compileAsync, compileSync, headOf } from '../compile.js';
import { loadFailure } from '../errors.js';
import { Limit } from '../limit.js';
import type { Inspected, InspectingLoader } from '../loader-types.js';
import { confinement, posixLocations } from '../paths.js';
import type { LoaderEvent } from '../progress.js';
import { searchCandidates } from '../search.js';
import type { Candidate, SearchOptions } from '../search.js';
import { runFileAsync, runFileSync } from './file-ops.js';
import { identity, locatePlan, readHeadPlan, readWholePlan } from './file-plans.js';
import type { Found } from './file-plans.js';

/** Files up to this size are read synchronously even by asynchronous loads. */
const SYNC_READ_LIMIT = 1024n * 1024n;

/** Options of {@link fsLoader}. */
export interface FsLoaderOptions extends SearchOptions {
  /** Directory relative names and entries are resolved against (default: `process.cwd()`). */
  readonly cwd?: string;
  /** Also search a `:`-separated variable: `true` for `LD_LIBRARY_PATH`, or its name. Off by default. */
  readonly env?: boolean | string;
  /** Compiled-module cache (default: the process-wide one; `null`: none). */
  readonly cache?: ModuleCache | null;
  /** Large files (over 1 MiB) read at once by asynchronous loads (default 8); smaller ones are read synchronously. */
  readonly concurrency?: number;
  readonly onProgress?: (event: LoaderEvent) => void;
  /**
   * Confinement (opt-in): libraries may only come from inside these directories, after
   * real-path resolution (symbolic links and `..` resolved), roots and NEEDED libraries alike.
   * Anything else is `DL_NOT_FOUND` with `outside the allowed roots (REAL PATH)` as the reason
   * for that place — like glibc's secure-execution mode, which ignores unsafe paths. The
   * directories themselves are resolved once, when the loader is made.
   */
  readonly roots?: readonly string[];
}

/**
 * Loads libraries from the file system (node): the documented search order, canonical real
 * paths as keys (so `a/../lib.so`, a symbolic link and `lib.so` are one library), synchronous
 * and asynchronous forms, a file that changes while being read refused, compiled modules
 * cached by file identity (a hit reads nothing but the file's status). `inspect` reads only a
 * file's head (for `dl ldd` and graph walks).
 */
export function fsLoader(options: FsLoaderOptions = {}): InspectingLoader {
  const files = new FileLibraries(options);
  return {
    loadSync: (request) => files.loadSync(request),
    load: (request) => files.load(request),
    inspectSync: (request) => files.inspectSync(request),
    inspect: (request) => files.inspect(request),
  };
}

/** {@link fsLoader}'s work: finding, reading, compiling (through the cache) and inspecting files. */
class FileLibraries {
  private readonly candidates: (request: LoadRequest) => Candidate[];
  private readonly confine: ((path: string) => string | null) | null;
  private readonly cache: ModuleCache | null;
  private readonly limit: Limit;
  private readonly emit: (event: LoaderEvent) => void;
  /** Reads and compilations under way, by cache key: concurrent requests share them (without a cache). */
  private readonly reading = new Map<string, Promise<CachedModule>>();

  constructor(options: FsLoaderOptions) {
    const locations = posixLocations(options.cwd ?? process.cwd());
    const variable = options.env === true ? 'LD_LIBRARY_PATH' : typeof options.env === 'string' ? options.env : null;
    this.candidates = (request) =>
      searchCandidates(request, locations, {
        searchPath: options.searchPath,
        environment:
          variable === null
            ? options.environment
            : [...(options.environment ?? []), ...(process.env[variable] ?? '').split(':').filter((d) => d !== '')],
        defaults: options.defaults,
      });
    this.confine =
      options.roots === undefined ? null : confinement(options.roots.map((r) => realDirectory(locations.resolve(r)!)));
    this.cache = options.cache === undefined ? sharedModuleCache() : options.cache;
    this.limit = new Limit(options.concurrency ?? 8);
    this.emit = options.onProgress ?? ((): void => undefined);
  }

  loadSync(request: LoadRequest): LoadedSource {
    let found: Found | null = null;
    try {
      found = this.locate(request);
      this.started(request, found);
      const hit = this.cache?.get(cacheKey(found));
      if (hit !== undefined && !(hit.module instanceof Promise)) {
        this.finished(request, found, true);
        return source(request, found, hit);
      }
      const bytes = runFileSync(readWholePlan(request, found));
      const head = headOf(bytes, request.name);
      const entry = { module: compileSync(bytes, request.name), head, size: bytes.length };
      this.cache?.store(cacheKey(found), entry);
      this.finished(request, found, false);
      return source(request, found, entry);
    } catch (e) {
      throw this.failed(request, found, e);
    }
  }

  async load(request: LoadRequest): Promise<LoadedSource> {
    let found: Found | null = null;
    try {
      // Finding is a few realpath/stat calls of microseconds each: done synchronously, as the
      // promise API's thread-pool round trips cost ten times more; reading stays asynchronous.
      found = this.locate(request);
      this.started(request, found);
      return source(request, found, await this.compiled(request, found));
    } catch (e) {
      throw this.failed(request, found, e);
    }
  }

  inspectSync(request: LoadRequest): Inspected {
    let found: Found | null = null;
    try {
      found = this.locate(request);
      return inspected(request, found, runFileSync(readHeadPlan(request, found)));
    } catch (e) {
      throw loadFailure(e, request, 'DL_IO', found?.path ?? null);
    }
  }

  async inspect(request: LoadRequest): Promise<Inspected> {
    let found: Found | null = null;
    try {
      found = this.locate(request);
      const where = found;
      return inspected(request, found, await this.limit.run(() => runFileAsync(readHeadPlan(request, where))));
    } catch (e) {
      throw loadFailure(e, request, 'DL_IO', found?.path ?? null);
    }
  }

  private locate(request: LoadRequest): Found {
    return runFileSync(locatePlan(request, this.candidates(request), this.confine));
  }

  /** A found file's module, compiling: from the cache (shared with every loader and linker using it), else read and compiled once for concurrent requests. */
  private async compiled(request: LoadRequest, found: Found): Promise<CachedModule> {
    const key = cacheKey(found);
    const make = (): Promise<CachedModule> =>
      this.readFile(request, found).then((bytes) => {
        const head = headOf(bytes, request.name);
        const module = compileAsync(bytes, request.name);
        module.then(
          () => {
            this.finished(request, found, false);
          },
          () => undefined,
        );
        return { module, head, size: bytes.length };
      });
    if (this.cache !== null) {
      const { entry, hit } = await this.cache.share(key, make);
      if (hit)
        void Promise.resolve(entry.module).then(
          () => {
            this.finished(request, found, true);
          },
          () => undefined,
        );
      return entry;
    }
    let job = this.reading.get(key);
    if (job === undefined) {
      job = make().finally(() => this.reading.delete(key));
      this.reading.set(key, job);
    }
    return job;
  }

  /**
   * Reads a whole file for an asynchronous load: a small one synchronously (node's promise API
   * costs five thread-pool round trips per file, far more than reading a few kilobytes), a
   * large one asynchronously, at most `concurrency` at once. Compilation is asynchronous either way.
   */
  private readFile(request: LoadRequest, found: Found): Promise<Uint8Array<ArrayBuffer>> {
    if (found.stat.size > SYNC_READ_LIMIT) return this.limit.run(() => runFileAsync(readWholePlan(request, found)));
    try {
      return Promise.resolve(runFileSync(readWholePlan(request, found)));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private failed(request: LoadRequest, found: Found | null, e: unknown): DlError {
    const err = loadFailure(e, request, 'DL_IO', found?.path ?? null);
    this.emit({ type: 'failed', name: request.name, location: found?.path ?? null, code: err.code });
    return err;
  }

  private started(request: LoadRequest, found: Found): void {
    this.emit({ type: 'start', name: request.name, location: found.path, total: Number(found.stat.size) });
  }

  private finished(request: LoadRequest, found: Found, cached: boolean): void {
    this.emit({ type: 'done', name: request.name, location: found.path, bytes: Number(found.stat.size), cached });
  }
}

function cacheKey(found: Found): string {
  return `file:${found.path}@${identity(found.stat)}`;
}

function source(request: LoadRequest, found: Found, entry: CachedModule): LoadedSource {
  return {
    key: found.path,
    name: request.name,
    location: found.path,
    head: entry.head,
    size: entry.size,
    module: entry.module,
  };
}

/** A root directory's real path (as given when it does not exist: nothing is inside it then). */
function realDirectory(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    return path;
  }
}

function inspected(request: LoadRequest, found: Found, head: Uint8Array): Inspected {
  return {
    key: found.path,
    name: request.name,
    location: found.path,
    head,
    size: Number(found.stat.size),
    via: found.candidate,
    tried: found.tried,
  };
}
