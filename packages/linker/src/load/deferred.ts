import { lookup, pathOf, settleGot, wasmCallable } from '../bind.js';
import type { PendingBinding } from '../bind.js';
import type { Journal } from '../journal.js';
import type { LinkState } from '../state.js';

/**
 * Step 5, "bind what waited": GOT entries and PLT entries whose definition is in a library the
 * load instantiated after the importer (a PLT entry still unbound binds now if it can; it
 * stays lazy otherwise).
 */
export function bindDeferred(state: LinkState, journal: Journal, deferred: readonly PendingBinding[]): void {
  for (const p of deferred) {
    if (p.got !== undefined) settleGot(state, journal, p);
    else if (p.plt !== undefined && !p.plt.entry.bound()) {
      const d = lookup(pathOf(state, p.lib), p.name);
      if (d?.kind === 'function') {
        p.plt.entry.bind(wasmCallable(state, d, p.plt.type, p.lib.name));
        p.lib.bindings[p.index] = d.provider.name;
      }
    }
  }
}
