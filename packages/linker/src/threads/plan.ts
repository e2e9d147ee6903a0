import type { Callable, ExportLike, GotEntry } from '@dl/symbols';
import { trampolineCanCarry } from '../slot-types.js';
import type { Library, LinkState } from '../state.js';
import { funcTypeKey } from '../wasm-encoder.js';
import type { Change, ChangeReader } from './changes.js';

/** The ids of the libraries an image may refer to (those the thread has, or gets with it). */
export interface Indexed {
  has(id: number): boolean;
}

/** A table slot outside the libraries' own ranges holding an exported function of one of them. */
export interface Candidate {
  readonly func: Callable;
  readonly index: number;
  readonly library: number;
  readonly name: string;
  /** Its function type ({@link funcTypeKey}), when known and a trampoline can carry it. */
  readonly type: string | null;
}

/** What one thread is to get, before anything is reserved for it. */
export interface Plan {
  /** Libraries it lacks, in load order. */
  readonly added: readonly Library[];
  /** Libraries (ids) it has that are gone or being dropped. */
  readonly removed: readonly number[];
  /** Extra slots to send unless it was sent the same function there. */
  readonly slots: readonly Candidate[];
  /** GOT entries whose value (or existence) changed since its last update. */
  readonly got: readonly GotEntry[];
}

/** Which library (id) exports a function, and under which name: remembered per function. */
const exporters = new WeakMap<Callable, Exporter>();

/** Which library exports a function, under which name, and its type key (null: unknown or not carried). */
interface Exporter {
  readonly library: number;
  readonly name: string;
  readonly type: string | null;
}

function exporter(lib: Library, e: Extract<ExportLike, { kind: 'function' }>): Exporter {
  const type = e.type !== null && trampolineCanCarry(e.type) ? funcTypeKey(e.type) : null;
  return { library: lib.id, name: e.name, type };
}
const indexed = new WeakSet<WebAssembly.Instance>();

/** Indexes a library's exported functions (once per instance). */
function indexExports(lib: Library): void {
  const instance = lib.instance!;
  if (indexed.has(instance)) return;
  indexed.add(instance);
  for (const e of lib.meta.exports) {
    const f = instance.exports[e.name];
    if (e.kind === 'function' && typeof f === 'function' && !exporters.has(f as Callable))
      exporters.set(f as Callable, exporter(lib, e));
  }
}

/**
 * Which library exports `f` (a function in a slot), and under which name. A function given its
 * slot by `&f` is looked for among the exports of the library the slot registry says defines
 * it — a walk of one library, not of all — and any other by indexing `others` (once per plan,
 * see {@link indexOnce}), as every slot's function was before.
 */
function exporterOf(state: LinkState, f: Callable, live: Indexed, others: () => void): Exporter | undefined {
  const known = exporters.get(f);
  if (known !== undefined) return known;
  const owner = state.slots.ownerOf(f);
  const lib = owner === undefined ? undefined : state.libraries.get(owner);
  const ex = lib?.instance?.exports;
  if (lib !== undefined && ex !== undefined && live.has(lib.id)) {
    for (const e of lib.meta.exports)
      if (e.kind === 'function' && ex[e.name] === f) {
        const found = exporter(lib, e);
        exporters.set(f, found);
        return found;
      }
  }
  others();
  return exporters.get(f);
}

/** Indexes the exports of `libraries` on the first call only (each instance is indexed once anyway). */
function indexOnce(libraries: readonly Library[]): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    for (const lib of libraries) indexExports(lib);
  };
}

/** Resident on the leading thread and not being dropped: what a thread is to have. */
export function liveSet(state: LinkState, dropping: ReadonlySet<number>): Indexed {
  return {
    has: (id) => {
      const lib = state.libraries.get(id);
      return lib !== undefined && !lib.isMain && lib.instance !== null && !dropping.has(id);
    },
  };
}

/**
 * Everything a thread lacks, by walking everything resident (a new thread; or one whose
 * change reader was released): the resident libraries, the slot registry.
 */
export function fullPlan(state: LinkState, has: ReadonlyMap<number, unknown>, live: Indexed): Plan {
  const resident = [...state.libraries.values()].filter((l) => live.has(l.id));
  const length = state.table.length;
  const own = new Uint8Array(length);
  for (const l of resident)
    if (l.table !== null) own.fill(1, l.tableBase, Math.min(length, l.tableBase + l.table.size));
  const slots: Candidate[] = [];
  const others = indexOnce(resident);
  for (const [f, i] of state.slots.entries()) {
    if (own[i] === 1) continue;
    const o = exporterOf(state, f, live, others);
    if (o !== undefined && live.has(o.library))
      slots.push({ func: f, index: i, library: o.library, name: o.name, type: o.type });
  }
  const removed = [...has.keys()].filter((id) => !live.has(id));
  // A new thread gets every value with the imports; one that stopped reading changes, all of them again.
  const got = has.size === 0 ? [] : state.got.all();
  return { added: resident.filter((l) => !has.has(l.id)), removed, slots, got };
}

/** The library ids (ascending: load order), slots and GOT entries named by some changes, each once. */
export interface Named {
  readonly libraries: readonly number[];
  readonly slots: readonly number[];
  readonly got: readonly GotEntry[];
}

/** {@link Named} of `changes`, plus the `dropping` ids. */
export function named(changes: readonly Change[], dropping: ReadonlySet<number>): Named {
  const libraries = new Set<number>(dropping);
  const slots = new Set<number>();
  const got = new Set<GotEntry>();
  for (const c of changes)
    if (c.kind === 'library') libraries.add(c.id);
    else if (c.kind === 'slot') slots.add(c.index);
    else got.add(c.entry);
  return { libraries: [...libraries].sort((a, b) => a - b), slots: [...slots], got: [...got] };
}

/** The changes since `reader` as {@link Named}, computed once per position for all threads at it. */
export function namedSince(
  state: LinkState,
  reader: ChangeReader,
  dropping: ReadonlySet<number>,
  cache: Map<number, Named>,
): Named {
  let n = cache.get(reader.position);
  if (n === undefined) cache.set(reader.position, (n = named(state.changes.since(reader), dropping)));
  return n;
}

/**
 * What a thread lacks, from the changes since its last update only: each library named —
 * resident (not dropping) and not on the thread: added; on the thread and not live: removed —
 * and each slot named: the function it holds now, if an exported function of a library the
 * thread will have. Cost: the changes, not what is loaded.
 */
export function changePlan(state: LinkState, has: ReadonlyMap<number, unknown>, live: Indexed, changes: Named): Plan {
  const added: Library[] = [];
  const removed: number[] = [];
  for (const id of changes.libraries)
    if (live.has(id)) {
      if (!has.has(id)) added.push(state.libraries.get(id)!);
    } else if (has.has(id)) removed.push(id);
  const slots: Candidate[] = [];
  const others = indexOnce(added);
  for (const index of changes.slots) {
    const f = index < state.table.length ? (state.table.get(index) as Callable | null) : null;
    if (f === null || state.slots.slotOf(f) !== index) continue;
    const o = exporterOf(state, f, live, others);
    if (o !== undefined && live.has(o.library))
      slots.push({ func: f, index, library: o.library, name: o.name, type: o.type });
  }
  return { added, removed, slots, got: changes.got };
}
