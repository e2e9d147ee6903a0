import { eagerSource } from '@dl/symbols';
import type { Callable, GotEntry, Scope, SymbolSource } from '@dl/symbols';
import { dropEdges, keepLibrary, notePltBinding } from './keep.js';
import { wasmCallable } from './load/bind.js';
import { loadedView } from './load/initialise.js';
import { reresolve } from './rebind.js';
import type { Library, LinkState } from './state.js';
import { finalize, forget, release, unload } from './unload.js';
import type { Failure } from './unload.js';

/**
 * Hot reload, around one load of the new build: the running library is hidden (its names,
 * key and data GOT entries) so the new build resolves to itself; if that load fails, it is
 * shown again exactly as it was. If it succeeds, the old build's destructors and hook run and
 * everything that pointed at it is pointed at the new one ({@link swap}).
 */

/** What hiding changed, to undo or to finish. */
export interface Hidden {
  readonly library: Library;
  readonly scopes: readonly { readonly scope: Scope; readonly source: SymbolSource }[];
  readonly aliases: readonly (readonly [string, string])[];
  readonly got: readonly { readonly entry: GotEntry; readonly value: number }[];
}

/**
 * Hides a library while its new build loads: an empty source in its place in every scope (so
 * the position is kept), its key and aliases forgotten (so the loader's key is new), its data
 * GOT entries pending (so the new build's data is what they resolve to).
 */
export function hide(state: LinkState, lib: Library): Hidden {
  const scopes = [...lib.scopes].map((scope) => ({ scope, source: lib.symbols }));
  for (const { scope } of scopes) scope.replace(lib.provider, eagerSource(lib.provider, []));
  const aliases = state.aliases.forgetKey(lib.key);
  state.byKey.delete(lib.key);
  const got = state.got
    .definedBy(lib.id)
    .filter((e) => e.space === 'mem')
    .map((entry) => ({ entry, value: entry.global.value as number }));
  for (const { entry } of got) state.got.unresolve(entry);
  return { library: lib, scopes, aliases, got };
}

/** Shows a hidden library again, exactly as it was (the new build failed to load). */
export function unhide(state: LinkState, hidden: Hidden): void {
  const lib = hidden.library;
  for (const { scope, source } of hidden.scopes) scope.replace(lib.provider, source);
  for (const [name, key] of hidden.aliases) state.aliases.set(name, key);
  state.byKey.set(lib.key, lib);
  for (const { entry, value } of hidden.got) {
    const d = lib.symbols.definition(entry.name);
    if (d !== undefined) state.got.resolve(entry, value, d);
  }
}

/** Exported functions of a library, function → its names (emcc may fold identical functions into one). */
function namesOfFunctions(lib: Library): Map<Callable, string> {
  const out = new Map<Callable, string>();
  for (const e of lib.meta.exports) {
    if (e.kind !== 'function') continue;
    const f = lib.instance!.exports[e.name] as Callable;
    if (!out.has(f)) out.set(f, e.name);
  }
  return out;
}

/** The new build's export of a name, when it is a function. */
function freshFunction(fresh: Library, name: string | undefined): Callable | null {
  const f = name === undefined ? undefined : fresh.instance!.exports[name];
  return typeof f === 'function' ? (f as Callable) : null;
}

/**
 * Table slots: those given to the old build's exported functions, and its own range (which the
 * new build takes over), now hold the new build's functions of the same names — a stored
 * function pointer calls the new code. A slot of a function the new build lacks is cleared.
 */
function redirectSlots(state: LinkState, old: Library, fresh: Library): number {
  const names = namesOfFunctions(old);
  let n = 0;
  for (const [f, slot] of state.slots.slotsOf(old.id)) {
    const to = freshFunction(fresh, names.get(f));
    if (to === null) state.slots.forget(f, true);
    else if (state.slots.redirect(f, to, fresh.id) === slot) {
      state.changes.slot(slot, false);
      n++;
    }
  }
  const range = old.table;
  if (range === null) return n;
  state.slots.forgetRange(range.base, range.size);
  for (let i = range.base; i < range.base + range.size; i++) {
    const f = state.table.get(i) as Callable | null;
    if (f === null) continue;
    const to = freshFunction(fresh, names.get(f));
    state.table.set(i, to);
    if (to === null) continue;
    state.changes.slot(i, false);
    n++;
  }
  state.slots.registerRange(range.base, range.size);
  old.table = null;
  fresh.teardown.push(() => {
    state.tables.retire(range);
  });
  return n;
}

/** PLT entries bound to the old build bind to the new one (or revert when it lacks the function). */
function rebindPlts(state: LinkState, old: Library, fresh: Library): number {
  let n = 0;
  for (const b of [...old.pltUsers]) {
    const d = fresh.symbols.definition(b.name);
    const lazy = b.importer.lazy.find((l) => l.entry === b.entry);
    if (d?.kind === 'function' && lazy !== undefined) {
      b.entry.bind(wasmCallable(state, d, lazy.type, b.importer.name));
      notePltBinding(state, b.importer, b.entry, b.name, d);
      n++;
    } else {
      b.entry.unbind();
      b.importer.goneProviders.set(b.name, old.name);
    }
  }
  return n;
}

/** GOT entries of the old build: function entries keep their slot (now the new function), data entries the new address. */
function rebindGot(state: LinkState, old: Library, fresh: Library): number {
  let n = 0;
  for (const entry of state.got.definedBy(old.id)) {
    const d = fresh.symbols.definition(entry.name);
    if (entry.space === 'func' && d?.kind === 'function') state.got.resolve(entry, entry.global.value as number, d);
    else reresolve(state, entry, fresh.name);
    n++;
  }
  return n;
}

/**
 * The data GOT entries hidden with the old build that the new build's load left pending (no
 * library of that load imports them: only other libraries do) resolve now, along their lookup
 * order, where the new build has taken the old one's place.
 */
function settleHidden(state: LinkState, hidden: Hidden, fresh: Library): number {
  let n = 0;
  for (const { entry } of hidden.got) {
    if (entry.resolved || !state.got.has(entry)) continue;
    reresolve(state, entry, fresh.name);
    n++;
  }
  return n;
}

/** The new build takes the old one's place: references, scopes (local groups), keepers. */
function takePlace(state: LinkState, hidden: Hidden, fresh: Library): void {
  const old = hidden.library;
  fresh.refcount = old.refcount;
  if (old.nodelete) fresh.nodelete = true;
  for (const { scope } of hidden.scopes) {
    scope.remove(old.provider);
    if (!scope.has(fresh.provider)) {
      scope.add(fresh.provider, fresh.symbols);
      fresh.scopes.add(scope);
    }
  }
  for (const k of old.keptBy) if (k !== fresh) keepLibrary(k, fresh);
}

/**
 * Finishes a reload whose new build loaded: the old build's destructors and hook run, its
 * slots, PLT and GOT entries point at the new build, which takes its place; the old build is
 * released, and dependencies only it kept are unloaded. Returns how many slots and entries
 * were rebound.
 */
export function swap(state: LinkState, hidden: Hidden, fresh: Library, failures: Failure[]): number {
  const old = hidden.library;
  finalize(state, old, failures);
  try {
    state.runtime.unloaded?.(loadedView(old));
  } catch (error) {
    failures.push({ library: old.name, what: 'the runtime’s unloaded phase', error });
  }
  const rebound = redirectSlots(state, old, fresh) + rebindPlts(state, old, fresh) + rebindGot(state, old, fresh);
  takePlace(state, hidden, fresh);
  const settled = settleHidden(state, hidden, fresh);
  const deps = [...old.keeps].filter((d) => d !== fresh);
  for (const entry of old.got.splice(0)) state.got.unuse(entry);
  release(state, old, failures);
  forget(old);
  dropEdges(old);
  if (fresh.handle.id !== fresh.id) state.handles.set(fresh.handle.id, fresh.id);
  for (const dep of deps) if (state.libraries.has(dep.id)) unload(state, dep);
  return rebound + settled;
}
