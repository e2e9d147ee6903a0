import { DlError } from '@dl/errors';
import { requestAlias as aliasOf } from '@dl/reader';
import { metaFromSource } from './metadata.js';
import type { LibraryMeta } from './metadata.js';
import type { LoadedSource, LoadRequest, ParentLibrary } from './loader.js';
import { asCompiling, asLoaded } from './ops.js';
import type { Pipeline } from './ops.js';
import type { Library, LinkState } from './state.js';
import type { LibrarySource, LinkerLimits } from './types.js';

/**
 * The graph's default limits: far above real programs (a library rarely has more than a few
 * dozen NEEDED entries; the largest programs load hundreds of libraries), far below what makes
 * a load stall the host (100,000 NEEDED entries in one library cost seconds).
 */
export const defaultGraphLimits: Pick<LinkerLimits, 'maxNeeded' | 'maxLibraries'> = Object.freeze({
  maxNeeded: 1024,
  maxLibraries: 10_000,
});

/** A library with more NEEDED entries than the limit is refused before any of them is looked up. */
function checkNeeded(state: LinkState, p: FoundLibrary): void {
  const n = p.meta.dylink.needed.length;
  if (n > state.limits.maxNeeded) {
    throw new DlError(
      'DL_LIMIT',
      `it has ${n} NEEDED entries, more than the limit of ${state.limits.maxNeeded} (raise limits.maxNeeded)`,
      { library: p.name },
    );
  }
}

/** A library found by this load and not loaded yet (step 1 of a load, "find"). */
export interface FoundLibrary {
  readonly name: string;
  readonly key: string;
  /** Where the loader found it (its NEEDED libraries are looked up relative to it). */
  readonly location: string | null;
  readonly neededBy: string | null;
  /** The libraries that led to it, root first (empty for a root). */
  readonly chain: readonly string[];
  readonly meta: LibraryMeta;
  /** What to compile (bytes), the module, or its compilation under way. */
  readonly source: Uint8Array<ArrayBuffer> | WebAssembly.Module | PromiseLike<WebAssembly.Module>;
  /** Its bytes, when they were given or delivered (also while they compile). */
  readonly bytes: Uint8Array<ArrayBuffer> | undefined;
  /** The module's bytes up to its code section, when the loader gave them (a link plan identifies the library by them). */
  readonly head?: Uint8Array | undefined;
  readonly isMain: boolean;
  /** Its NEEDED entries, resolved (filled during discovery). */
  readonly needed: (FoundLibrary | Library)[];
}

/** A load's roots and the new libraries it brings, in discovery (breadth-first) order. */
export interface Discovery {
  readonly roots: (FoundLibrary | Library)[];
  readonly found: FoundLibrary[];
}

/** Whether an entry is a library already loaded (rather than a new one). */
export function isLoaded(x: FoundLibrary | Library): x is Library {
  return 'instance' in x;
}

/**
 * What a loader delivered, or a library given directly, as a library to load.
 *
 * @param compiling - its compilation, when the driver started one (see the `precompile` op)
 */
export function foundLibrary(
  src: LoadedSource,
  parent: ParentLibrary | null,
  isMain: boolean,
  compiling?: PromiseLike<WebAssembly.Module>,
): FoundLibrary {
  const bytes =
    src.bytes === undefined
      ? undefined
      : (new Uint8Array(src.bytes.buffer, src.bytes.byteOffset, src.bytes.byteLength) as Uint8Array<ArrayBuffer>);
  const meta = metaFromSource(src, src.name);
  const source = compiling ?? bytes ?? src.module;
  if (source === undefined)
    throw new DlError('DL_IO', 'the loader delivered neither bytes nor a module', { library: src.name });
  const chain = parent === null ? [] : [...parent.chain, parent.name];
  return {
    name: src.name,
    key: src.key,
    location: src.location ?? null,
    neededBy: parent?.name ?? null,
    chain,
    meta,
    source,
    bytes,
    head: src.head,
    isMain,
    needed: [],
  };
}

/**
 * Asks the driver to start compiling the sources delivered as bytes (an asynchronous load
 * compiles while it reads and checks); the compilations under way, by source.
 */
function* precompile(
  sources: readonly LoadedSource[],
): Pipeline<ReadonlyMap<LoadedSource, PromiseLike<WebAssembly.Module>>> {
  const out = new Map<LoadedSource, PromiseLike<WebAssembly.Module>>();
  const wanted = sources.filter((s) => s.bytes !== undefined && s.module === undefined);
  if (wanted.length === 0) return out;
  const bytes = wanted.map(
    (s) => new Uint8Array(s.bytes!.buffer, s.bytes!.byteOffset, s.bytes!.byteLength) as Uint8Array<ArrayBuffer>,
  );
  const compiling = asCompiling(yield { op: 'precompile', sources: bytes });
  if (compiling !== null) wanted.forEach((s, i) => out.set(s, compiling[i]!));
  return out;
}

/** The parent part of a load request for a library's NEEDED entries. */
function parentOf(p: FoundLibrary): ParentLibrary {
  return { name: p.name, key: p.key, location: p.location, runtimePaths: p.meta.dylink.runtimePaths, chain: p.chain };
}

/** The runtime's say on a new library (its `admit` phase), with the load's transaction. */
export function askRuntime(state: LinkState, p: FoundLibrary): void {
  if (p.isMain || state.runtime.admit === undefined) return;
  const admitted = {
    name: p.name,
    key: p.key,
    location: p.location,
    neededBy: [...p.chain].reverse(),
    exports: p.meta.exports,
    imports: p.meta.imports,
  };
  state.runtime.admit(admitted, state.load!);
}

/** What one load has found so far: known libraries are reused, new ones admitted once. */
class Finder {
  readonly found: FoundLibrary[] = [];
  private readonly thisLoad = new Map<string, FoundLibrary>();

  constructor(private readonly state: LinkState) {}

  /** A library already loaded, or already found in this load, under this key. */
  existing(key: string): FoundLibrary | Library | undefined {
    return this.state.byKey.get(key) ?? this.thisLoad.get(key);
  }

  /** The known library with this key, or `p` admitted as new (limits, runtime, event). */
  admit(p: FoundLibrary): FoundLibrary | Library {
    const known = this.existing(p.key);
    if (known !== undefined) return known;
    const { state } = this;
    checkNeeded(state, p);
    if (this.found.length >= state.limits.maxLibraries) {
      const detail = `the load brings more than ${state.limits.maxLibraries} new libraries (raise limits.maxLibraries)`;
      throw new DlError('DL_LIMIT', detail, { library: p.name });
    }
    askRuntime(state, p);
    this.thisLoad.set(p.key, p);
    this.found.push(p);
    state.emit({
      type: 'resolve',
      library: p.name,
      key: p.key,
      location: p.location,
      neededBy: p.neededBy,
      bytes: p.meta.size,
    });
    return p;
  }

  /** Answers requests from what is known, asks the loader for the rest at once. */
  *resolveAll(requests: readonly LoadRequest[]): Pipeline<(FoundLibrary | Library)[]> {
    const { state } = this;
    // A request seen before, or a library given under exactly this name (bytes, modules).
    const out = requests.map((r) => this.existing(state.aliases.get(aliasOf(r)) ?? r.name));
    const asked = requests.filter((_, i) => out[i] === undefined);
    const delivered = asked.length === 0 ? [] : asLoaded(yield { op: 'load', requests: asked });
    asked.forEach((r, i) => {
      state.aliases.set(aliasOf(r), delivered[i]!.key);
    });
    const compiling = yield* precompile(delivered.filter((src) => this.existing(src.key) === undefined));
    let next = 0;
    return requests.map((r, i) => {
      const known = out[i];
      if (known !== undefined) return known;
      const src = delivered[next++]!;
      return this.existing(src.key) ?? this.admit(foundLibrary(src, r.parent, false, compiling.get(src)));
    });
  }

  /** The load's roots: the main (if any), then each root by name or as given. */
  *roots(roots: readonly LibrarySource[], main: FoundLibrary | null): Pipeline<(FoundLibrary | Library)[]> {
    const entries: (FoundLibrary | Library)[] = [];
    if (main !== null) entries.push(this.admit(main));
    const named = roots.filter((r): r is string => typeof r === 'string');
    const resolved = yield* this.resolveAll(named.map((name) => ({ name, parent: null })));
    let n = 0;
    const given = new Map<LibrarySource, LoadedSource>();
    for (const r of roots)
      if (typeof r !== 'string' && this.existing(r.name) === undefined) given.set(r, { ...r, key: r.name });
    const compiling = yield* precompile([...given.values()]);
    for (const root of roots) {
      const src = given.get(root);
      if (typeof root === 'string') entries.push(resolved[n++]!);
      else entries.push(this.existing(root.name) ?? this.admit(foundLibrary(src!, null, false, compiling.get(src!))));
    }
    return entries;
  }

  /** Breadth-first, one depth at a time: every NEEDED entry of the newest libraries at once. */
  *needed(): Pipeline<void> {
    for (let from = 0; from < this.found.length;) {
      const level = this.found.slice(from);
      from = this.found.length;
      const requests = level.flatMap((p) => {
        const parent = parentOf(p);
        return p.meta.dylink.needed.map((name) => ({ name, parent }));
      });
      const deps = yield* this.resolveAll(requests);
      let i = 0;
      for (const p of level) {
        p.needed.push(...deps.slice(i, i + p.meta.dylink.needed.length));
        i += p.meta.dylink.needed.length;
      }
    }
  }
}

/**
 * Finds every library a load needs: the roots, then their NEEDED entries breadth-first,
 * through the loader, asking for a whole depth of the graph at once (an asynchronous loader
 * works on them in parallel). A library already loaded, or already found in this load, under
 * the same canonical key (or a request that resolved to it before) is used, not loaded again.
 */
export function* discover(
  state: LinkState,
  roots: readonly LibrarySource[],
  main: FoundLibrary | null,
): Pipeline<Discovery> {
  const finder = new Finder(state);
  const rootEntries = yield* finder.roots(roots, main);
  yield* finder.needed();
  return { roots: rootEntries, found: finder.found };
}

/**
 * Orders new libraries so that dependencies come before dependents (depth-first
 * post-order from the roots); in a cycle, the member reached first comes last. A
 * relocatable main is placed first regardless: it is instantiated first and its imports
 * from its libraries are bound once they exist (as Emscripten does).
 */
export function loadOrder(d: Discovery): FoundLibrary[] {
  const out: FoundLibrary[] = [];
  const seen = new Set<FoundLibrary>();
  const visit = (p: FoundLibrary): void => {
    if (seen.has(p)) return;
    seen.add(p);
    for (const dep of p.needed) if (!isLoaded(dep)) visit(dep);
    out.push(p);
  };
  for (const r of d.roots) if (!isLoaded(r)) visit(r);
  for (const p of d.found) visit(p);
  const main = out.find((p) => p.isMain);
  return main === undefined ? out : [main, ...out.filter((p) => p !== main)];
}
