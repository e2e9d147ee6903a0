import { lookupPath, resolveSymbol } from '@dl/symbols';
import type { GotEntry } from '@dl/symbols';
import { Journal } from './journal.js';
import { gotValue } from './load/bind.js';
import type { Library, LinkState } from './state.js';

/**
 * What pointed at a library that goes away is pointed elsewhere (its names have already left
 * every scope): GOT entries still used by others take the next definition along their
 * scope's lookup order, or become unresolved (0); PLT entries of other libraries revert to
 * unbound, so a later call resolves again or says the provider was unloaded.
 */

/** A GOT entry's lookup order: the global scope, then its group when it belongs to one. */
function pathOfEntry(state: LinkState, entry: GotEntry): ReturnType<typeof lookupPath> {
  return lookupPath(state.global, entry.scope.kind === 'local' ? entry.scope : null);
}

/** Re-resolves one GOT entry whose definition went; returns whether it found another. */
export function reresolve(state: LinkState, entry: GotEntry, importer: string): boolean {
  const d = resolveSymbol(pathOfEntry(state, entry), entry.name);
  const journal = new Journal(state.got);
  const value = d === undefined ? null : gotValue(state, journal, entry.space, d, importer);
  journal.commit();
  if (value === null) {
    state.got.unresolve(entry);
    return false;
  }
  state.got.resolve(entry, value, d!);
  return true;
}

/**
 * Rebinds what remaining libraries had bound to `lib` (which is going, with `going`).
 * Cost: the GOT and PLT entries that point at it.
 */
export function rebindAway(state: LinkState, lib: Library, going: ReadonlySet<Library>): void {
  for (const entry of state.got.definedBy(lib.id)) reresolve(state, entry, lib.name);
  for (const b of lib.pltUsers) {
    if (going.has(b.importer)) continue;
    b.entry.unbind();
    b.importer.goneProviders.set(b.name, lib.name);
    for (const [spec, d] of b.importer.bindings)
      if (spec.name === b.name && d?.provider === lib.provider) b.importer.bindings.delete(spec);
  }
}
