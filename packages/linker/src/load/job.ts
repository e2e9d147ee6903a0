import type { Definition } from '@dl/symbols';
import type { FoundLibrary } from '../discover.js';
import type { Hidden } from '../reload.js';
import type { Library, LinkState } from '../state.js';
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
  /** A load recorded into, or replayed from, a link plan. */
  readonly plan?: PlanHooks | undefined;
}

/**
 * A load with a link plan (plans/): what the plan replays, and what recording one observes.
 * Replaying gives the libraries found (no loader walk, no metadata read, no check); `verify`
 * compares the outcome with the plan before anything runs (a throw rolls the load back);
 * `restore` replaces relocations and constructors (a snapshot's memory).
 */
export interface PlanHooks {
  /** Replaying: the load's roots and libraries (throws `DL_PLAN_STALE` when the plan does not fit the state). */
  readonly replay?: (state: LinkState) => {
    readonly roots: readonly (FoundLibrary | Library)[];
    readonly order: readonly FoundLibrary[];
  };
  /** Recording: the libraries the load found, in load order (before anything changes). */
  readonly found?: (order: readonly FoundLibrary[]) => void;
  /** Every library instantiated and bound, nothing run yet. */
  readonly bound?: (state: LinkState, libs: readonly Library[]) => void;
  /** Instead of relocations and constructors. */
  readonly restore?: (state: LinkState, libs: readonly Library[]) => void;
}

/** The libraries of a finished load: its roots (new or already loaded) and the new ones. */
export interface LoadResult {
  readonly roots: readonly Library[];
  readonly loaded: readonly Library[];
  /** A reload's hidden old build, for the swap that finishes it. */
  readonly hidden?: Hidden;
}
