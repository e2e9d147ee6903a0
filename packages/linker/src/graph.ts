import type { Scope } from '@dl/symbols';
import { compatOf } from './compat.js';
import { heldBy } from './leak.js';
import type { Library, LinkState } from './state.js';
import type { CompatGroup } from './types.js';

/** One library in {@link LinkGraph}. */
export interface GraphLibrary {
  readonly id: number;
  readonly name: string;
  readonly key: string;
  /** Where the loader found it (path or URL), or null when given directly. */
  readonly location: string | null;
  /** Visible in the global scope. */
  readonly global: boolean;
  /** Its RTLD_LOCAL group's scope id, or null. */
  readonly group: number | null;
  readonly refcount: number;
  readonly nodelete: boolean;
  /** Ids of the libraries it needs, in NEEDED order. */
  readonly needed: readonly number[];
  /** Its data: `[base, base + size)`. */
  readonly memory: { readonly base: number; readonly size: number };
  /** Its table range. */
  readonly table: { readonly base: number; readonly size: number };
  /** Base of the current thread's TLS block, when it has thread-locals. */
  readonly tlsBase: number | null;
  /** Symbols it defines (published). */
  readonly exports: number;
  /** import (`module.name`) → the library or host that provides it. */
  readonly bindings: Readonly<Record<string, string>>;
  /** Function imports going through the PLT, and whether each is bound yet. */
  readonly lazy: readonly { readonly name: string; readonly bound: boolean }[];
  /**
   * Present on the compatibility library only (the `compat` option): the groups it offers. It
   * sits in a scope of its own and is consulted after everything else.
   */
  readonly compat?: readonly CompatGroup[];
  /** Present when its leak check is on: the blocks it holds now (allocated through its imports, not freed). */
  readonly leaks?: { readonly count: number; readonly bytes: number };
}

/** Where an open library sits (`linker.placement`). */
export interface LibraryPlacement {
  readonly memory: { readonly base: number; readonly size: number };
  readonly table: { readonly base: number; readonly size: number };
  readonly global: boolean;
}

/** What is loaded and how it is linked: libraries, scopes, memory, table, interpositions. */

export interface LinkGraph {
  readonly libraries: readonly GraphLibrary[];
  readonly scopes: readonly {
    readonly id: number;
    readonly kind: 'global' | 'local';
    readonly members: readonly string[];
  }[];
  /** Names defined more than once in a scope: who wins, who is interposed. */
  readonly interpositions: readonly {
    readonly scope: number;
    readonly name: string;
    readonly winner: string;
    readonly losers: readonly string[];
  }[];
  readonly memory: {
    readonly bytes: number;
    readonly reservations: readonly { readonly owner: string; readonly address: number; readonly size: number }[];
  };
  readonly table: {
    readonly length: number;
    readonly ranges: readonly { readonly owner: string; readonly base: number; readonly size: number }[];
  };
}

function scopesOf(state: LinkState, except?: ReadonlySet<number>): Scope[] {
  const scopes = new Map<number, Scope>([[0, state.global]]);
  for (const lib of state.libraries.values())
    if (lib.group !== null && except?.has(lib.id) !== true) scopes.set(lib.group.id, lib.group);
  return [...scopes.values()];
}

/**
 * Each scope in use — the global one, and the group of each resident library but those of
 * `except` (library ids) — with its members and their symbols, as text (for digests).
 */
export function scopeDigests(state: LinkState, except?: ReadonlySet<number>): string[] {
  return scopesOf(state, except).map((s) => `${s.id}:${s.describe()}`);
}

/** What a leak-checked library holds now, for the graph. */
function leaksOf(state: LinkState, lib: Library): { count: number; bytes: number } | undefined {
  if (lib.leakCheck === null) return undefined;
  const { count, bytes } = heldBy(state, lib);
  return { count, bytes };
}

/** One library as the graph shows it (cost: its own imports; with a leak check, the blocks held). */
export function describeLibrary(state: LinkState, lib: Library, compat?: readonly CompatGroup[]): GraphLibrary {
  const leaks = leaksOf(state, lib);
  return {
    id: lib.id,
    name: lib.name,
    key: lib.key,
    location: lib.location,
    global: lib.global,
    group: lib.group?.id ?? null,
    refcount: lib.refcount,
    nodelete: lib.nodelete,
    needed: lib.needed.map((d) => d.id),
    memory: { base: lib.memoryBase, size: lib.meta.dylink.memorySize },
    table: { base: lib.tableBase, size: lib.meta.dylink.tableSize },
    tlsBase: lib.tlsBase,
    exports: lib.symbols.names.length,
    bindings: Object.fromEntries(
      lib.meta.imports.flatMap((spec) => {
        const to = lib.bindings.get(spec);
        return to === undefined
          ? []
          : [[`${spec.module}.${spec.name}`, to === null ? '(weak, undefined)' : to.provider.name]];
      }),
    ),
    lazy: lib.lazy.map((l) => ({ name: l.name, bound: l.entry.bound() })),
    ...(compat === undefined ? {} : { compat }),
    ...(leaks === undefined ? {} : { leaks }),
  };
}

/** The graph of a linker's state (cost: everything loaded — it is a diagnostic). */
export function describeGraph(state: LinkState): LinkGraph {
  const scopes = scopesOf(state);
  return {
    libraries: [...state.libraries.values()]
      .sort((a, b) => a.id - b.id)
      .map((l) => describeLibrary(state, l, compatOf(state, l))),
    scopes: scopes.map((s) => ({ id: s.id, kind: s.kind, members: s.providers().map((p) => p.name) })),
    interpositions: scopes.flatMap((s) =>
      s.interpositions().map((i) => ({
        scope: s.id,
        name: i.name,
        winner: i.winner.provider.name,
        losers: i.losers.map((l) => l.provider.name),
      })),
    ),
    memory: { bytes: state.memory.buffer.byteLength, reservations: state.allocator.live() },
    table: { length: state.table.length, ranges: state.tables.live() },
  };
}

/**
 * A description of all shared state a load may change — live memory reservations, table
 * ranges, function slots, GOT entries with their values, scopes, libraries and their
 * references — so a test can check that a failed load left everything exactly as before.
 * (Memory and table growth cannot be undone and is deliberately not part of it.)
 */
export function digestState(state: LinkState): string {
  return JSON.stringify({
    memory: state.allocator.live(),
    table: state.tables.live(),
    slots: state.slots.ownedSlots(),
    functionsWithSlots: state.slots.size,
    got: state.got.all().map((e) => `${e.scope.id}/${e.space}/${e.name}=${e.resolved ? String(e.global.value) : '?'}`),
    scopes: scopeDigests(state),
    libraries: [...state.libraries.values()].map((l) => `${l.id}:${l.key}:${l.refcount}:${l.global}`),
    tags: [...state.tags.keys()],
    atexit: state.atexit.length,
  });
}
