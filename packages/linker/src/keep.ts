import type { Definition } from '@dl/symbols';
import type { PltEntry } from './plt.js';
import type { Library, LinkState, PltBinding } from './state.js';

/**
 * Who keeps whom loaded (glibc's rule, as `ld.so` records relocation dependencies): a library
 * keeps the libraries it lists as NEEDED and those whose symbols it is bound to, directly or
 * through a GOT entry. A PLT entry does not keep its target: it is recorded so that it can
 * revert to unbound when the target is unloaded. One home for these edges: loading adds them,
 * unloading and a failed load take them away.
 */

/** The library (resident, or being created by the load under way) that provides a definition. */
export function libraryOf(state: LinkState, d: Definition): Library | undefined {
  const id = d.provider.id;
  if (id === 0) return undefined;
  return state.libraries.get(id) ?? state.load?.libraries.get(id);
}

/** `importer` keeps `provider` loaded (nothing for the program itself, or a library's own symbols). */
export function keepLibrary(importer: Library, provider: Library | undefined): void {
  if (provider === undefined || provider === importer || provider.isMain) return;
  importer.keeps.add(provider);
  provider.keptBy.add(importer);
}

/** `importer` is bound to a definition: it keeps the definition's library. */
export function keepDefinition(state: LinkState, importer: Library, d: Definition | null | undefined): void {
  if (d !== null && d !== undefined) keepLibrary(importer, libraryOf(state, d));
}

/** Records that a PLT entry of `importer` is bound to a function of a library (reverted when that library goes). */
export function notePltBinding(
  state: LinkState,
  importer: Library,
  entry: PltEntry,
  name: string,
  d: Definition,
): void {
  const provider = libraryOf(state, d);
  if (provider === undefined || provider === importer) return;
  const binding: PltBinding = { importer, provider, entry, name };
  provider.pltUsers.add(binding);
  importer.pltBound.add(binding);
}

/**
 * Takes a library's edges away: it keeps nobody, and its PLT entries are forgotten by their
 * targets. (Those keeping it are being unloaded with it, or it is part of a failed load.)
 */
export function dropEdges(lib: Library): void {
  for (const p of lib.keeps) p.keptBy.delete(lib);
  lib.keeps.clear();
  for (const k of lib.keptBy) k.keeps.delete(lib);
  lib.keptBy.clear();
  for (const b of lib.pltBound) b.provider.pltUsers.delete(b);
  lib.pltBound.clear();
  for (const b of lib.pltUsers) b.importer.pltBound.delete(b);
  lib.pltUsers.clear();
}
