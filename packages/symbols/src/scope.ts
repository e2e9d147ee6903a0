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
  /** One definition, or several in member order when interposed (an array only then). */
  private readonly byName = new Map<string, Definition | Definition[]>();
  private readonly members: Provider[] = [];
  /** Each member's definitions, as given to {@link Scope.add} (kept, not copied). */
  private readonly definitionsBy = new Map<number, readonly Definition[]>();

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
    return this.definitionsBy.has(provider.id);
  }

  /**
   * Appends a provider and its definitions (last in order: it never takes a name from an
   * earlier member). Cost: its own definitions.
   */
  add(provider: Provider, definitions: readonly Definition[]): void {
    if (this.definitionsBy.has(provider.id)) return;
    for (const d of definitions) {
      const found = this.byName.get(d.name);
      if (found === undefined) this.byName.set(d.name, d);
      else if (Array.isArray(found)) found.push(d);
      else this.byName.set(d.name, [found, d]);
    }
    this.members.push(provider);
    this.definitionsBy.set(provider.id, definitions);
  }

  /** Removes a provider and its definitions; the next definition of each name wins. */
  remove(provider: Provider): void {
    const defs = this.definitionsBy.get(provider.id);
    if (defs === undefined) return;
    for (const { name } of defs) {
      const rest = this.all(name).filter((d) => d.provider.id !== provider.id);
      if (rest.length === 0) this.byName.delete(name);
      else this.byName.set(name, rest.length === 1 ? rest[0]! : rest);
    }
    this.definitionsBy.delete(provider.id);
    this.members.splice(this.members.findIndex((p) => p.id === provider.id), 1);
  }

  /** The winning definition of a name, or undefined. */
  lookup(name: string): Definition | undefined {
    const found = this.byName.get(name);
    return Array.isArray(found) ? found[0] : found;
  }

  /** Every definition of a name, in order (winner first). */
  all(name: string): readonly Definition[] {
    const found = this.byName.get(name);
    return found === undefined ? [] : Array.isArray(found) ? found : [found];
  }

  /** Definitions made by one provider, in its export order. */
  definitionsOf(provider: Provider): readonly Definition[] {
    return this.definitionsBy.get(provider.id) ?? [];
  }

  /** Every name defined more than once (for diagnostics); costs the scope's size. */
  interpositions(): Interposition[] {
    const out: Interposition[] = [];
    for (const [name, found] of this.byName) if (Array.isArray(found)) out.push({ name, winner: found[0]!, losers: found.slice(1) });
    return out;
  }

  /** A stable description of the scope's contents (for state digests). */
  describe(): string {
    return this.members.map((p) => `${p.id}:${p.name}[${(this.definitionsBy.get(p.id) ?? []).map((d) => d.name).join(',')}]`).join(' ');
  }
}
