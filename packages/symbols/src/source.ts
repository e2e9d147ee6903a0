import type { Definition, Provider } from './definitions.js';
import { isInternalName } from './internal-names.js';
import { definitionOf } from './relocate.js';
import { originalsOf } from './resolver.js';
import type { ExportLike, Relocation } from './relocate.js';

/**
 * Where a scope gets a provider's symbols: the names up front (cheap: they are indexed when
 * the provider joins a scope), each definition on demand (most are never looked up).
 */
export interface SymbolSource {
  readonly provider: Provider;
  /** The names it defines, in export order (no internal names). */
  readonly names: readonly string[];
  /** The definition of one of its names, built on first request and kept; undefined for others. */
  definition(name: string): Definition | undefined;
  /** Every definition (builds those not built yet). */
  definitions(): readonly Definition[];
}

/** A source over definitions that already exist (the host's, a main's extras). */
export function eagerSource(provider: Provider, definitions: readonly Definition[]): SymbolSource {
  const byName = new Map(definitions.map((d) => [d.name, d]));
  return {
    provider,
    names: [...byName.keys()],
    definition: (name) => byName.get(name),
    definitions: () => [...byName.values()],
  };
}

/**
 * A library's exports as a symbol source: names listed once, definitions (relocated data
 * addresses, typed functions with their `orig$` twins) made only when looked up.
 */
export class InstanceSource implements SymbolSource {
  readonly names: string[] = [];
  private readonly exports: ExportLike[] = [];
  private readonly built: (Definition | undefined)[] = [];
  private readonly originals: Map<string, ExportLike> | null;
  /** name → index, built on the first lookup in a source too big for a linear search. */
  private index: Map<string, number> | null = null;

  /**
   * @param provider - the library
   * @param all - its exports as read by `readModule` (or reflection)
   * @param values - its instance's exports
   * @param relocation - its memory base and TLS block
   */
  constructor(
    readonly provider: Provider,
    all: readonly ExportLike[],
    private readonly values: WebAssembly.Exports,
    private readonly relocation: Relocation,
  ) {
    for (const e of all) {
      if ((e.kind !== 'function' && e.kind !== 'global') || isInternalName(e.name)) continue;
      this.names.push(e.name);
      this.exports.push(e);
    }
    this.originals = originalsOf(all);
  }

  definition(name: string): Definition | undefined {
    const i = this.indexOf(name);
    if (i < 0) return undefined;
    return (
      this.built[i] ??
      (this.built[i] = definitionOf(this.provider, this.exports[i]!, this.values, this.relocation, this.originals))
    );
  }

  definitions(): readonly Definition[] {
    return this.names.map(
      (n, i) =>
        this.built[i] ??
        (this.built[i] = definitionOf(this.provider, this.exports[i]!, this.values, this.relocation, this.originals)),
    );
  }

  /** Linear for small sources (most libraries), a map built once for big ones. */
  private indexOf(name: string): number {
    if (this.names.length <= LINEAR_LOOKUP_LIMIT) return this.names.indexOf(name);
    if (this.index === null) {
      const index = new Map<string, number>();
      // Backwards, one insert per name: the first of two equal names keeps its index.
      for (let i = this.names.length - 1; i >= 0; i--) index.set(this.names[i]!, i);
      this.index = index;
    }
    return this.index.get(name) ?? -1;
  }
}

/**
 * Up to this many names a scan costs less than the map it would build, and keeps no memory. On
 * node 20, for the linker bench's 500 libraries (83 names each, one prefix, mostly one length)
 * and their 12,000 lookups, ~24 per library: scans 6.4–7.3 ms, maps built and used 10.7–17.6 ms
 * (fresh processes). A scan of 256 names takes ~0.2–0.8 µs, building their map ~13 µs. The
 * maps kept 1.8 MB at 500 libraries.
 */
const LINEAR_LOOKUP_LIMIT = 256;
