import type { Definition } from '@dl/symbols';
import type { FoundLibrary } from '../discover.js';
import type { Hidden } from '../reload.js';
import type { Library } from '../state.js';
import type { LibrarySource, LinkerOptions, ResolvedFlags } from '../types.js';

/** A relocatable main, brought by the first load of its linker. */
export interface MainRequest {
  readonly found: FoundLibrary;
  readonly memoryBase: number;
  /** Host functions and the like, published with the main's own symbols. */
  readonly extras: readonly Definition[];
  readonly strategy: LinkerOptions['memoryStrategy'];
}

/** What one load asks for: its roots, its flags, and (the first load of a relocatable main) the main. */
export interface LoadJob {
  readonly roots: readonly LibrarySource[];
  readonly flags: ResolvedFlags;
  readonly main?: MainRequest | undefined;
  /**
   * A reload: the resident library the load's (single) root replaces. The new build takes its
   * name and handle; `vet` may refuse it from its metadata, before anything is allocated.
   */
  readonly replacing?: { readonly library: Library; readonly vet: (found: FoundLibrary) => void } | undefined;
}

/** The libraries of a finished load: its roots (new or already loaded) and the new ones. */
export interface LoadResult {
  readonly roots: readonly Library[];
  readonly loaded: readonly Library[];
  /** A reload's hidden old build, for the swap that finishes it. */
  readonly hidden?: Hidden;
}
