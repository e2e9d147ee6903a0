import type { Definition, Provider } from './definitions.js';

/** A symbol defined more than once in a scope: who won, and who was interposed. */
export interface Interposition {
  readonly name: string;
  /** The definition lookups return (first in the scope's order). */
  readonly winner: Definition;
  /** The other definitions, in order. */
  readonly losers: readonly Definition[];
}

/**
 * An ordered set of providers and their definitions: the global scope (host/main first,
 * then global libraries in load order) or one RTLD_LOCAL group. For each name it keeps
 * every definition in member order, so the winner is the first (O(1) lookup), the others
 * are recorded as interposed, and removing a provider restores the next definition.
 */
export class Scope {
  private readonly byName = new Map<string, Definition[]>();
  private readonly members: Provider[] = [];
  private readonly namesOf = new Map<number, readonly string[]>();

  /**
   * @param id - unique id (0 is the global scope)
   * @param kind - `global`, or `local` for an RTLD_LOCAL group
   */
  constructor(readonly id: number, readonly kind: 'global' | 'local') {}

  /** The providers in this scope, in order. */
  providers(): readonly Provider[] {
    return this.members;
  }

  /** Whether a provider is a member. */
  has(provider: Provider): boolean {
    return this.namesOf.has(provider.id);
  }

  /**
   * Appends a provider and its definitions (last in order: it never takes a name from an
   * earlier member). Cost: its own definitions.
   */
  add(provider: Provider, definitions: Iterable<Definition>): void {
    if (this.namesOf.has(provider.id)) return;
    const names: string[] = [];
    for (const d of definitions) {
      const list = this.byName.get(d.name);
      if (list === undefined) this.byName.set(d.name, [d]);
      else list.push(d);
      names.push(d.name);
    }
    this.members.push(provider);
    this.namesOf.set(provider.id, names);
  }

  /** Removes a provider and its definitions; the next definition of each name wins. */
  remove(provider: Provider): void {
    const names = this.namesOf.get(provider.id);
    if (names === undefined) return;
    for (const name of names) {
      const list = this.byName.get(name);
      if (list === undefined) continue;
      const rest = list.filter((d) => d.provider.id !== provider.id);
      if (rest.length === 0) this.byName.delete(name);
      else this.byName.set(name, rest);
    }
    this.namesOf.delete(provider.id);
    this.members.splice(this.members.findIndex((p) => p.id === provider.id), 1);
  }

  /** The winning definition of a name, or undefined. */
  lookup(name: string): Definition | undefined {
    return this.byName.get(name)?.[0];
  }

  /** Every definition of a name, in order (winner first). */
  all(name: string): readonly Definition[] {
    return this.byName.get(name) ?? [];
  }

  /** Definitions made by one provider, in its export order. */
  definitionsOf(provider: Provider): Definition[] {
    return (this.namesOf.get(provider.id) ?? []).flatMap((n) => this.all(n).filter((d) => d.provider.id === provider.id));
  }

  /** Every name defined more than once (for diagnostics); costs the scope's size. */
  interpositions(): Interposition[] {
    const out: Interposition[] = [];
    for (const [name, list] of this.byName) if (list.length > 1) out.push({ name, winner: list[0]!, losers: list.slice(1) });
    return out;
  }

  /** A stable description of the scope's contents (for state digests). */
  describe(): string {
    return this.members.map((p) => `${p.id}:${p.name}[${(this.namesOf.get(p.id) ?? []).join(',')}]`).join(' ');
  }
}
