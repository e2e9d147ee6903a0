import { settle } from './bind.js';
import type { PendingBinding } from './bind.js';
import type { Journal } from '../journal.js';
import type { LinkState } from '../state.js';

/**
 * Step 5, "bind what waited": GOT entries and PLT entries whose definition is in a library the
 * load instantiated after the importer (a PLT entry still unbound binds now if it can; it
 * stays lazy otherwise).
 */
export function bindDeferred(state: LinkState, journal: Journal, deferred: readonly PendingBinding[]): void {
  settle(state, journal, deferred);
}
