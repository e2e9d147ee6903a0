import { DlError } from '@dl/errors';
import { resolveFlags } from './flags.js';
import type { LoadJob, LoadResult } from './load/job.js';
import type { LibraryMeta } from './metadata.js';
import { swap } from './reload.js';
import { boundDirectly, vetReload } from './reload-compat.js';
import type { Library, LinkState } from './state.js';
import type { Handle, LibrarySource, ReloadOptions } from './types.js';
import { outcome } from './unload.js';
import type { Failure } from './unload.js';
import { now } from './clock.js';

/** `Linker.reload`'s two halves: the load of the new build, and the swap once it loaded. */

/** The load of a library's new build (its flags; vetted from its metadata before anything is allocated). */
export function reloadJob(state: LinkState, old: Library, source: LibrarySource, options: ReloadOptions): LoadJob {
  if (old.isMain || old.instance === null)
    throw new DlError('DL_BAD_HANDLE', 'only a side module can be reloaded', { library: old.name });
  // Threads keep a GOT entry in step only when its definition can move (a reloadable library's).
  if (state.changes.following && !old.reloadable)
    throw new DlError(
      'DL_RELOAD_BOUND',
      'threads follow this program: only a library opened with { reloadable: true } can be reloaded (their copies of its GOT entries follow only then)',
      { library: old.name },
    );
  const bound = boundDirectly(old);
  if (bound.length > 0)
    throw new DlError(
      'DL_RELOAD_BOUND',
      `bound directly to its symbols: ${bound.join(', ')} — open it with { reloadable: true } before them so they call it through the PLT`,
      { library: old.name },
    );
  const flags = { ...resolveFlags({ scope: old.global ? 'global' : 'local' }), reloadable: old.reloadable };
  const vet = (found: { readonly meta: LibraryMeta }): void => {
    vetReload(old, found.meta, options.allowIncompatible === true);
  };
  return { roots: [source], flags, replacing: { library: old, vet } };
}

/** The new build loaded: the old one goes, everything that pointed at it points at the new one. */
export function finishReload(state: LinkState, result: LoadResult, t0: number): Handle {
  const fresh = result.roots[0]!;
  const failures: Failure[] = [];
  const rebound = swap(state, result.hidden!, fresh, failures);
  state.emit({ type: 'reload', library: fresh.name, handle: fresh.handle, rebound, ms: now() - t0 });
  const error = outcome(failures, []);
  if (error !== null) throw error;
  return fresh.handle;
}
