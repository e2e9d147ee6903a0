import { Scope } from '@dl/symbols';
import { isLoaded } from '../discover.js';
import type { FoundLibrary } from '../discover.js';
import type { Journal } from '../journal.js';
import { dependenciesFirst } from '../state.js';
import type { Library, LinkState } from '../state.js';
import type { ResolvedFlags } from '../types.js';

/**
 * The scopes of one load: an RTLD_LOCAL load's group (the new libraries and the loaded ones
 * they need), or, for an RTLD_GLOBAL load, the global scope with the local libraries it needs
 * promoted into it. Checking sees them before anything changes; {@link LoadScopes.commit}
 * makes the change.
 */
export class LoadScopes {
  /** The RTLD_LOCAL group, null for a global load. */
  readonly group: Scope | null;
  readonly global: Scope;
  /** Where a side module of this load resolves its imports. */
  readonly path: readonly Scope[];
  /** Local libraries a global load makes global. */
  private readonly promoting: readonly Library[];
  /** Libraries already loaded that are members of the new group. */
  private readonly existing: readonly Library[];

  constructor(state: LinkState, flags: ResolvedFlags, order: readonly FoundLibrary[]) {
    this.global = state.global;
    this.group = flags.global ? null : new Scope(state.nextScopeId, 'local');
    // Already-loaded libraries the new ones depend on, transitively, dependencies first.
    const existing = dependenciesFirst(order.flatMap((p) => p.needed.filter(isLoaded)));
    this.existing = this.group === null ? [] : existing;
    if (this.group !== null) for (const lib of existing) this.group.add(lib.provider, lib.symbols);
    this.promoting = this.group === null ? existing.filter((lib) => !lib.global) : [];
    // Checking must already see the libraries to promote, after the global scope (where
    // promotion appends them).
    const toPromote = new Scope(-1, 'local');
    for (const lib of this.promoting) toPromote.add(lib.provider, lib.symbols);
    this.path =
      this.group !== null
        ? [state.global, this.group]
        : this.promoting.length === 0
          ? [state.global]
          : [state.global, toPromote];
  }

  /** Takes the group's id and promotes the local libraries a global load needs; returns those. */
  commit(state: LinkState, journal: Journal): readonly Library[] {
    if (this.group !== null) state.nextScopeId++;
    const group = this.group;
    if (group !== null)
      for (const lib of this.existing) {
        lib.scopes.add(group);
        journal.record(() => {
          lib.scopes.delete(group);
        });
      }
    for (const lib of this.promoting) {
      state.global.add(lib.provider, lib.symbols);
      lib.global = true;
      lib.scopes.add(state.global);
      journal.record(() => {
        state.global.remove(lib.provider);
        lib.global = false;
        lib.scopes.delete(state.global);
      });
    }
    return this.promoting;
  }
}
