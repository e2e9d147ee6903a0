import { DlError, messageOf } from '@dl/errors';
import type { Handle } from './types.js';
import { dropEdges } from './keep.js';
import { forgetHeld, heldBy } from './leak.js';
import { loadedView } from './load/initialise.js';
import { rebindAway } from './rebind.js';
import type { Library, LinkState } from './state.js';
import { now } from './clock.js';

/**
 * Unloading: what `dlclose` does when the last reference to a library goes. The steps, in
 * order, are the linker README's "How an unload works"; every library of one step goes
 * through each step before the next one starts (a destructor may still call a library that
 * goes in the same step).
 */

/** The export a library may give to be told it is about to be unloaded (`void(void)`), after its destructors. */
export const UNLOAD_HOOK = 'dl_before_unload';

/** Something that failed while unloading (the unload went on). */
export interface Failure {
  readonly library: string;
  readonly what: string;
  readonly error: unknown;
}

/** Kept by itself: an open reference, RTLD_NODELETE, or the program's main. */
function pinned(lib: Library): boolean {
  return lib.refcount > 0 || lib.nodelete || lib.isMain;
}

/** `root` and everything it keeps, transitively (the candidates of one unload). */
function keptClosure(root: Library): Set<Library> {
  const out = new Set<Library>([root]);
  for (const lib of out) for (const dep of lib.keeps) out.add(dep);
  return out;
}

/**
 * The libraries that go when nothing keeps `root` any more: it and every library it keeps
 * that nothing outside the set keeps (so NEEDED cycles go together), dependents first.
 * Empty when `root` is still kept. Cost: the libraries `root` keeps and their keepers.
 */
export function unloadSet(root: Library): Library[] {
  const set = keptClosure(root);
  for (let changed = true; changed;) {
    changed = false;
    for (const lib of set) {
      if (pinned(lib) || [...lib.keptBy].some((k) => !set.has(k))) {
        set.delete(lib);
        changed = true;
      }
    }
  }
  if (!set.has(root)) return [];
  return dependentsFirst(root, set);
}

/** Dependents before what they keep (a depth-first post-order over `keeps`, reversed). */
function dependentsFirst(root: Library, set: ReadonlySet<Library>): Library[] {
  const order: Library[] = [];
  const seen = new Set<Library>();
  const visit = (lib: Library): void => {
    seen.add(lib);
    for (const dep of lib.keeps) if (set.has(dep) && !seen.has(dep)) visit(dep);
    order.push(lib);
  };
  visit(root);
  for (const lib of set) if (!seen.has(lib)) visit(lib);
  return order.reverse();
}

/** Whether `dso` (a `__dso_handle` address) lies in a library's data. */
function ownsDso(lib: Library, dso: number): boolean {
  return dso >= lib.memoryBase && dso < lib.memoryBase + Math.max(1, lib.meta.dylink.memorySize);
}

/**
 * `__cxa_finalize(dso)`: the library's `__cxa_atexit` registrations (C++ static objects, C
 * destructors), newest first, taken off the exit list; then its unload hook.
 */
export function finalize(state: LinkState, lib: Library, failures: Failure[]): void {
  const mine = state.atexit.filter((e) => ownsDso(lib, e.dso));
  if (mine.length > 0) {
    const rest = state.atexit.filter((e) => !ownsDso(lib, e.dso));
    state.atexit.length = 0;
    state.atexit.push(...rest);
  }
  for (let i = mine.length - 1; i >= 0; i--) {
    const { fn, arg } = mine[i]!;
    try {
      (state.table.get(fn) as (arg: number) => void)(arg);
    } catch (error) {
      failures.push({ library: lib.name, what: `destructor ${i + 1} of ${mine.length} (table slot ${fn})`, error });
    }
  }
  const hook = lib.instance?.exports[UNLOAD_HOOK];
  if (typeof hook !== 'function') return;
  try {
    (hook as () => void)();
  } catch (error) {
    failures.push({ library: lib.name, what: `its unload hook ${UNLOAD_HOOK}`, error });
  }
}

/** A strict leak check refuses the library: it stays, marked NODELETE, and so does everything it keeps. */
function refuse(lib: Library, set: Set<Library>): void {
  lib.nodelete = true;
  for (const kept of keptClosure(lib)) set.delete(kept);
}

/** Runs finalizers library by library, dependents first, and applies the leak check after each. */
function finalizeAll(state: LinkState, order: readonly Library[], failures: Failure[], leaks: string[]): Library[] {
  const set = new Set(order);
  for (const lib of order) {
    if (!set.has(lib)) continue;
    finalize(state, lib, failures);
    if (lib.leakCheck === null) continue;
    const held = heldBy(state, lib);
    if (held.count === 0) continue;
    state.emit({ type: 'leak', library: lib.name, handle: lib.handle, ...held });
    if (lib.leakCheck === 'strict') {
      leaks.push(`${lib.name}: ${held.count} block(s), ${held.bytes} bytes (at ${held.addresses.join(', ')})`);
      refuse(lib, set);
    }
  }
  return order.filter((l) => set.has(l));
}

/** Takes a library out of its scopes; its RTLD_LOCAL group dissolves with the last library of its own load. */
function leaveScopes(state: LinkState, lib: Library, going: ReadonlySet<Library>): void {
  for (const scope of lib.scopes) scope.remove(lib.provider);
  lib.scopes.clear();
  const group = lib.group;
  if (group === null) return;
  const members = group.providers().map((p) => state.libraries.get(p.id));
  if (members.some((m) => m?.group === group && !going.has(m))) return;
  for (const m of members) m?.scopes.delete(group);
}

/** Releases what the library held: GOT entries it used, memory, TLS, table slots; its registry entries. */
export function release(state: LinkState, lib: Library, failures: Failure[]): void {
  // Its own range's functions are forgotten while the range still holds them.
  if (lib.table !== null) state.slots.forgetRange(lib.tableBase, lib.table.size);
  state.slots.retireOwner(lib.id);
  for (const step of lib.teardown.splice(0).reverse()) {
    try {
      step();
    } catch (error) {
      failures.push({ library: lib.name, what: 'releasing what it held', error });
    }
  }
  if (lib.leakCheck !== null) forgetHeld(state, lib);
  state.libraries.delete(lib.id);
  state.changes.library(lib.id);
  if (lib.handle.id !== lib.id) state.handles.delete(lib.handle.id);
  if (state.byKey.get(lib.key) === lib) state.byKey.delete(lib.key);
  state.aliases.forgetKey(lib.key);
}

/** Drops every JS reference the linker had to the library's instance and exports. */
export function forget(lib: Library): void {
  dropEdges(lib);
  lib.instance = null;
  lib.bindings.clear();
  lib.lazy.length = 0;
  lib.plts = [];
  lib.needed = [];
  lib.goneProviders.clear();
}

/** The error of an unload that completed with failures, or null. */
export function outcome(failures: readonly Failure[], leaks: readonly string[]): DlError | null {
  if (leaks.length > 0) {
    return new DlError(
      'DL_LEAK_DETECTED',
      `unload refused (strict leak check): ${leaks.join('; ')} — the library stays loaded (NODELETE)`,
      { library: leaks[0]!.split(':')[0]! },
    );
  }
  if (failures.length === 0) return null;
  const [first] = failures;
  const text = failures.map((f) => `${f.library}: ${f.what} failed: ${messageOf(f.error)}`).join('; ');
  return new DlError('DL_FINI_FAILED', `unloaded, but ${text}`, { library: first!.library, cause: first!.error });
}

/**
 * Unloads `root` and what goes with it ({@link unloadSet}): the host's veto, destructors and
 * unload hooks, the runtime's `unloaded` phase, names out of every scope and what pointed at
 * them rebound, memory and table slots released (slots into quarantine), references dropped.
 * Returns the handles unloaded.
 *
 * @throws DlError `DL_FINI_FAILED` (after unloading) when a destructor or hook threw;
 *   `DL_LEAK_DETECTED` when a strict leak check kept a library
 */
export function unload(state: LinkState, root: Library): Handle[] {
  const candidates = unloadSet(root);
  if (candidates.length === 0) return [];
  if (state.beforeUnload?.(candidates.map((l) => l.handle)) === false) return [];
  const t0 = now();
  const failures: Failure[] = [];
  const leaks: string[] = [];
  const order = finalizeAll(state, candidates, failures, leaks);
  const going = new Set(order);
  for (const lib of order) {
    try {
      state.runtime.unloaded?.(loadedView(lib));
    } catch (error) {
      failures.push({ library: lib.name, what: 'the runtime’s unloaded phase', error });
    }
  }
  for (const lib of order) leaveScopes(state, lib, going);
  // GOT entries only the going libraries used go with them; the rest are rebound.
  for (const lib of order) for (const entry of lib.got.splice(0)) state.got.unuse(entry);
  for (const lib of order) rebindAway(state, lib, going);
  for (const lib of order) {
    const memoryBytes = lib.meta.dylink.memorySize;
    const tableSlots = lib.table?.size ?? 0;
    release(state, lib, failures);
    forget(lib);
    state.emit({
      type: 'unload',
      library: lib.name,
      handle: lib.handle,
      memoryBytes,
      tableSlots,
      ms: now() - t0,
    });
  }
  state.trace?.(`unloaded ${order.map((l) => l.name).join(', ')} in ${(now() - t0).toFixed(1)} ms`);
  const error = outcome(failures, leaks);
  if (error !== null) throw error;
  return order.map((l) => l.handle);
}
