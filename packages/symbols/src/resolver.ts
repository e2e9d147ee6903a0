import type { Definition, Provider } from './definitions.js';
import type { ExportLike } from './relocate.js';
import type { Scope } from './scope.js';
import type { SymbolSource } from './source.js';

/**
 * Symbol resolution (the rules of this package's README): a library's lookup path, the
 * runtime's fallback after it, `dlsym` on a handle (breadth-first) and with `RTLD_NEXT`, and
 * Emscripten's `orig$` pairing.
 */

/**
 * A library's lookup path: the global scope, then its RTLD_LOCAL group (ELF's order, rule 4).
 *
 * @param group - its group, or null for a library in the global scope
 */
export function lookupPath(global: Scope, group: Scope | null): readonly Scope[] {
  return group === null ? [global] : [global, group];
}

/** The first definition of `name` along a path, without the fallback. Cost: one map access per scope. */
export function findInScopes(path: readonly Scope[], name: string): Definition | undefined {
  for (const scope of path) {
    const d = scope.lookup(name);
    if (d !== undefined) return d;
  }
  return undefined;
}

/**
 * The first definition of `name` along a path, then the first scope's fallback (symbols a
 * runtime makes on demand).
 */
export function resolveSymbol(path: readonly Scope[], name: string): Definition | undefined {
  return findInScopes(path, name) ?? path[0]?.fallback?.(name);
}

/** What {@link findBreadthFirst} walks: a library's symbols and the libraries it needs. */
export interface SymbolTree {
  readonly symbols: SymbolSource;
  readonly needed: readonly SymbolTree[];
}

/**
 * `dlsym` on a handle (rule 5): the library, then its dependencies breadth-first, each once.
 * Cost: the libraries visited until a definition is found.
 */
export function findBreadthFirst(root: SymbolTree, name: string): Definition | undefined {
  const queue = [root];
  const seen = new Set(queue);
  // `queue` grows while it is walked: breadth-first.
  for (const node of queue) {
    const d = node.symbols.definition(name);
    if (d !== undefined) return d;
    for (const dep of node.needed) {
      if (!seen.has(dep)) {
        seen.add(dep);
        queue.push(dep);
      }
    }
  }
  return undefined;
}

/**
 * `RTLD_NEXT` (rule 5): the first definition of `name` along `from`'s path that comes after
 * `from` in the path's provider order (the providers of every scope, in order).
 */
export function findNext(path: readonly Scope[], from: Provider, name: string): Definition | undefined {
  const providers = path.flatMap((s) => s.providers());
  const at = providers.findIndex((p) => p.id === from.id);
  for (const scope of path) {
    const found = scope.all(name).find((d) => providers.findIndex((p) => p.id === d.provider.id) > at);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * A runtime's fallback asked at most once per name (within one load: the definitions it makes
 * stay the same ones for every importer).
 */
export class FallbackMemo {
  private readonly made = new Map<string, Definition | undefined>();

  /** @param fallback - the global scope's fallback */
  constructor(private readonly fallback: (name: string) => Definition | undefined) {}

  /** What the fallback makes for `name` (asked on the first request only). */
  get(name: string): Definition | undefined {
    if (this.made.has(name)) return this.made.get(name);
    const d = this.fallback(name);
    this.made.set(name, d);
    return d;
  }
}

/** The prefix of an Emscripten-legalised function's twin with its real (i64) signature. */
const ORIGINAL = 'orig$';

/** Whether an export is an `orig$` twin. */
export function isOriginalName(name: string): boolean {
  return name.startsWith(ORIGINAL);
}

/**
 * The `orig$` twins among a library's function exports, by the name of the function they
 * belong to; null when there are none (most libraries). Cost: its exports.
 */
export function originalsOf(exports: Iterable<ExportLike>): Map<string, ExportLike> | null {
  let originals: Map<string, ExportLike> | null = null;
  for (const e of exports) {
    if (e.kind === 'function' && isOriginalName(e.name))
      (originals ??= new Map()).set(e.name.slice(ORIGINAL.length), e);
  }
  return originals;
}

/** The `orig$` twin of one export, if the library has one. Cost: its exports (for the rare signature mismatch). */
export function originalOf(exports: readonly ExportLike[], name: string): ExportLike | undefined {
  const wanted = ORIGINAL + name;
  return exports.find((e) => e.kind === 'function' && e.name === wanted);
}
