import type { Definition, Provider } from './definitions.js';
import { eagerSource } from './source.js';
import type { SymbolSource } from './source.js';

/** A symbol defined more than once in a scope: who won, and who was interposed. */
export interface Interposition {
  readonly name: string;
  /** The definition lookups return (first in the scope's order). */
  readonly winner: Definition;
  /** The other definitions, in order. */
  readonly losers: readonly Definition[];
}

/**
 * An ordered set of providers and their symbols: the global scope (host/main first, then
 * global libraries in load order) or one RTLD_LOCAL group. For each name it keeps every
 * source defining it in member order, so the winner is the first (one map access), the
 * others are recorded as interposed, and removing a provider restores the next one. Only
 * names are indexed when a provider joins; definitions are made when looked up.
 */
export class Scope {
  /** One source, or several in member order when interposed (an array only then). */
  private readonly byName = new Map<string, SymbolSource | SymbolSource[]>();
  private members = new Set<SymbolSource>();
  /** Each member's rank in the scope's order (increasing with each addition; a replacement takes its predecessor's). */
  private readonly rank = new Map<SymbolSource, number>();
  private nextRank = 0;
  private readonly byProvider = new Map<number, SymbolSource>();
  /**
   * Definitions made on demand for names nobody defines (a runtime's synthesised symbols):
   * consulted by lookups after every scope of their path, never listed or interposed.
   */
  fallback: ((name: string) => Definition | undefined) | null = null;

  /**
   * @param id - unique id (0 is the global scope)
   * @param kind - `global`, or `local` for an RTLD_LOCAL group
   */
  constructor(
    readonly id: number,
    readonly kind: 'global' | 'local',
  ) {}

  /** The providers in this scope, in order. */
  providers(): Provider[] {
    return [...this.members].map((s) => s.provider);
  }

  /** Whether a provider is a member. */
  has(provider: Provider): boolean {
    return this.byProvider.has(provider.id);
  }

  /**
   * Appends a provider's symbols (last in order: it never takes a name from an earlier
   * member). Cost: its names. Definitions may be given directly or as a lazy source.
   */
  add(provider: Provider, symbols: SymbolSource | readonly Definition[]): void {
    if (this.byProvider.has(provider.id)) return;
    const source = Array.isArray(symbols)
      ? eagerSource(provider, symbols as readonly Definition[])
      : (symbols as SymbolSource);
    for (const name of source.names) {
      const found = this.byName.get(name);
      if (found === undefined) this.byName.set(name, source);
      else if (Array.isArray(found)) found.push(source);
      else this.byName.set(name, [found, source]);
    }
    this.members.add(source);
    this.rank.set(source, this.nextRank++);
    this.byProvider.set(provider.id, source);
  }

  /** Removes a provider and its symbols; the next definition of each name wins. */
  remove(provider: Provider): void {
    const source = this.byProvider.get(provider.id);
    if (source === undefined) return;
    for (const name of source.names) this.unlist(name, source);
    this.byProvider.delete(provider.id);
    this.members.delete(source);
    this.rank.delete(source);
  }

  /**
   * Puts another source in a member's place, keeping its position (a library hidden while a
   * new build loads, then shown again or swapped for the new build). Cost: the names of the
   * two sources (and the lists of the names defined more than once), never the members after it.
   */
  replace(provider: Provider, symbols: SymbolSource): void {
    const old = this.byProvider.get(provider.id);
    if (old === undefined) return;
    const rank = this.rank.get(old)!;
    for (const name of old.names) this.unlist(name, old);
    for (const name of symbols.names) this.insert(name, symbols, rank);
    this.members = new Set([...this.members].map((m) => (m === old ? symbols : m)));
    this.rank.delete(old);
    this.rank.set(symbols, rank);
    this.byProvider.set(provider.id, symbols);
  }

  /** Takes one source off a name's list (the name goes when nobody else defines it). */
  private unlist(name: string, source: SymbolSource): void {
    const found = this.byName.get(name);
    const rest = Array.isArray(found) ? found.filter((s) => s !== source) : [];
    if (rest.length === 0) this.byName.delete(name);
    else this.byName.set(name, rest.length === 1 ? rest[0]! : rest);
  }

  /** Puts a source on a name's list at its rank's place. */
  private insert(name: string, source: SymbolSource, rank: number): void {
    const found = this.byName.get(name);
    if (found === undefined) {
      this.byName.set(name, source);
      return;
    }
    const list = Array.isArray(found) ? found : [found];
    const at = list.findIndex((s) => this.rank.get(s)! > rank);
    list.splice(at < 0 ? list.length : at, 0, source);
    this.byName.set(name, list);
  }

  /** The winning definition of a name, or undefined. */
  lookup(name: string): Definition | undefined {
    const found = this.byName.get(name);
    if (found === undefined) return undefined;
    return (Array.isArray(found) ? found[0]! : found).definition(name);
  }

  /** Every definition of a name, in order (winner first). */
  all(name: string): readonly Definition[] {
    const found = this.byName.get(name);
    if (found === undefined) return [];
    return (Array.isArray(found) ? found : [found]).map((s) => s.definition(name)!);
  }

  /** Definitions made by one provider, in its export order. */
  definitionsOf(provider: Provider): readonly Definition[] {
    return this.byProvider.get(provider.id)?.definitions() ?? [];
  }

  /** Every name defined more than once (for diagnostics); costs the scope's size. */
  interpositions(): Interposition[] {
    const out: Interposition[] = [];
    for (const [name, found] of this.byName) {
      if (!Array.isArray(found)) continue;
      const [winner, ...losers] = found.map((s) => s.definition(name)!);
      out.push({ name, winner: winner!, losers });
    }
    return out;
  }

  /** A stable description of the scope's contents (for state digests). */
  describe(): string {
    return [...this.members].map((s) => `${s.provider.id}:${s.provider.name}[${s.names.join(',')}]`).join(' ');
  }
}
