import { eagerSource } from '@dl/symbols';
import type { Scope } from '@dl/symbols';
import type { FoundLibrary } from '../discover.js';
import type { Journal } from '../journal.js';
import { keepLibrary } from '../keep.js';
import type { Library, LinkState, Registry, SymbolSpace } from '../state.js';
import type { ResolvedFlags } from '../types.js';
import type { LibraryRole } from './roles.js';

/** A library's leak check: its load's flag, else the linker's default. */
function leakCheckOf(state: SymbolSpace, flags: ResolvedFlags): 'report' | 'strict' | null {
  const mode = flags.leakCheck ?? state.leakCheck;
  return mode === 'off' ? null : mode;
}

/** A found library as the library the load will place and instantiate (its module comes once compiled). */
export function newLibrary(
  state: Registry & SymbolSpace,
  p: FoundLibrary,
  role: LibraryRole,
  flags: ResolvedFlags,
  group: Scope | null,
  replacing?: Library,
): Library {
  // A new build of a resident library (a reload) takes its name and handle.
  const name = replacing?.name ?? p.name;
  const { id, provider } = role.identity(state, name);
  return {
    id,
    name,
    handle: replacing?.handle ?? Object.freeze({ id, name }),
    key: p.key,
    location: p.location,
    provider,
    meta: p.meta,
    module: null,
    isMain: role.isMain,
    role,
    needed: [],
    instance: null,
    memory: null,
    memoryBase: 0,
    table: null,
    tableBase: 0,
    tlsBase: null,
    tlsBlock: null,
    runtimeTls: null,
    global: flags.global || role.isMain,
    group: role.isMain ? null : group,
    symbols: eagerSource(provider, []),
    bindings: new Map(),
    plts: [],
    lazy: [],
    refcount: 0,
    nodelete: flags.nodelete,
    keptBy: new Set(),
    keeps: new Set(),
    scopes: new Set(),
    got: [],
    pltUsers: new Set(),
    pltBound: new Set(),
    teardown: [],
    reloadable: flags.reloadable,
    leakCheck: role.isMain ? null : leakCheckOf(state, flags),
    goneProviders: new Map(),
  };
}

/**
 * Makes a load's libraries resident before their constructors run — what a constructor sees
 * is its load as if committed: `dlsym` finds them, `graph()` lists them — and undoes it (with
 * the `__cxa_atexit` registrations made meanwhile) if the load fails.
 */
export function publish(state: LinkState, journal: Journal, libs: readonly Library[]): void {
  const atexitBefore = state.atexit.length;
  journal.record(() => {
    state.atexit.length = atexitBefore;
  });
  for (const lib of libs) {
    state.libraries.set(lib.id, lib);
    state.changes.library(lib.id);
    state.byKey.set(lib.key, lib);
    for (const dep of lib.needed) keepLibrary(lib, dep);
  }
  journal.record(() => {
    for (const lib of libs) {
      state.libraries.delete(lib.id);
      state.changes.library(lib.id);
      state.byKey.delete(lib.key);
    }
  });
}
