import { DlError } from '@dl/errors';
import type { Reservation } from '@dl/layout';
import { reserveTlsBlock } from '@dl/layout';
import type { Callable } from '@dl/symbols';
import type { SlotTypes } from '../slot-types.js';
import type { Library, LinkState } from '../state.js';
import type { ChangeReader } from './changes.js';
import { gotUpdates, importsOf } from './image-imports.js';
import { changePlan, fullPlan, liveSet, namedSince } from './plan.js';
import type { Candidate, Indexed, Named, Plan } from './plan.js';

/**
 * A linked program as another thread needs it to follow (structured-cloneable: compiled
 * modules and a shared memory transfer to workers; everything else is numbers and names).
 * A follower instantiates the same modules in the same order with the same imports at the same
 * bases, fills its own table the same way, and sets up its own stack and one TLS block per
 * library — it runs no relocation and no constructor (they ran once, in shared memory).
 */
export interface ThreadImage {
  readonly memory: WebAssembly.Memory;
  readonly tableLength: number;
  /** This thread's stack, `[low, high)`; the stack pointer starts at `high`. */
  readonly stack: { readonly low: number; readonly high: number };
  readonly libraries: readonly ImageLibrary[];
  /**
   * Table slots outside the libraries' own ranges that hold a library's exported function
   * (library by id), with the function's type key when a trampoline can carry it.
   */
  readonly slots: readonly ImageSlot[];
  /** Libraries (ids) the thread had that are unloaded now: an update drops them first. */
  readonly removed: readonly number[];
  /**
   * GOT entries that changed since the thread's last image or update (a reload moved the data
   * they locate, an unload rebound them, or they were deleted): the thread sets its copy of
   * each before it takes the new libraries. Empty in a thread's first image.
   */
  readonly got: readonly ImageGotUpdate[];
}

/**
 * A GOT entry's value on a thread: a number (a data address, a table slot), or for a
 * thread-local this thread's TLS block of `library` plus `offset`.
 */
export type ImageGotValue =
  | { readonly how: 'got'; readonly value: number }
  | { readonly how: 'tls'; readonly library: number; readonly offset: number };

/** A changed GOT entry (by its id on the leading thread): its new value, or `gone` (deleted). */
export type ImageGotUpdate = { readonly entry: number } & (ImageGotValue | { readonly how: 'gone' });

/** An extra table slot: the export `name` of library `library`, of type `type` (a key such as `i32,i64>f64`; null: unknown). */
export interface ImageSlot {
  readonly index: number;
  readonly library: number;
  readonly name: string;
  readonly type: string | null;
}

/** One library of a {@link ThreadImage}, in instantiation order. */
export interface ImageLibrary {
  /** The library's id on the leading thread (imports name other libraries by it). */
  readonly id: number;
  readonly name: string;
  /** Its own table range, `[base, base + size)` (cleared on a follower when it is unloaded). */
  readonly table: { readonly base: number; readonly size: number };
  readonly module: WebAssembly.Module;
  /** How the follower makes each import, in the module's import order (shared between images: read it, do not change it). */
  readonly imports: readonly ImageImport[];
  /** This thread's TLS block, or null for a library without thread-locals. */
  readonly tlsBlock: number | null;
  /** How the block is set up: `__wasm_init_tls(block)`, or the runtime's export (emcc's `emscripten_tls_init`), which allocates it. */
  readonly tlsInit: { readonly kind: 'wasm' } | { readonly kind: 'runtime'; readonly export: string } | null;
  /**
   * The types of the slots its instance fills in its range (null: unknown): a thread that
   * instantiates it on first use puts typed trampolines there meanwhile.
   */
  readonly slotTypes: SlotTypes | null;
}

/** How a follower makes one import. */
export type ImageImport = { readonly module: string; readonly name: string } & (
  | { readonly how: 'memory' | 'table' | 'stack-pointer' }
  | { readonly how: 'const'; readonly value: number; readonly mutable: boolean }
  /**
   * A GOT entry. `entry`: its id on the leading thread when its value may still change (pending,
   * or defined by a reloadable library): one global per entry on each thread, shared by its
   * importers there and set by updates; 0 for one that cannot move: a global per import, copied once.
   */
  | ({ readonly entry: number } & ImageGotValue)
  | { readonly how: 'export'; readonly library: number; readonly export: string }
  | { readonly how: 'host'; readonly symbol: string }
  /** Bound lazily on the leading thread (or not yet): looked up by name when first called. */
  | { readonly how: 'late'; readonly symbol: string }
  /** The runtime's aligned allocator while its TLS set-up runs: this thread's block, reserved in advance. */
  | { readonly how: 'tls-alloc' }
  /** An exception tag, by its import name: one per thread, shared by that thread's libraries (what one throws another catches). */
  | { readonly how: 'tag'; readonly parameters: readonly string[] }
  /** A host's `env` global (a JS global does not cross threads): this thread's own, starting at the leader's value now. */
  | {
      readonly how: 'global';
      readonly valueType: 'i32' | 'i64' | 'f32' | 'f64';
      readonly value: number | bigint;
      readonly mutable: boolean;
    }
);

/**
 * What one follower thread holds: its stack, per library (by id) its TLS block (released by
 * {@link releaseThread}), and the extra table slots it was sent (slot → function), so that an
 * update sends only the slots that changed since.
 */
export interface ThreadResources {
  readonly stack: Reservation;
  readonly libraries: Map<number, Reservation | null>;
  readonly slots: Map<number, { readonly func: Callable; readonly library: number }>;
  /** The extra slots sent, by library id (dropping a library forgets its slots at that cost). */
  readonly extraOf: Map<number, Set<number>>;
  /** Where the thread is in the linker's change log: an update reads the changes since. */
  readonly reader: ChangeReader;
}

/** The candidate slots a thread was not sent yet (`sent` and `extraOf` updated). */
function extraSlots(candidates: readonly Candidate[], resources: ThreadResources): ThreadImage['slots'] {
  const { slots: sent, extraOf } = resources;
  const out: ImageSlot[] = [];
  for (const { func, index, library, name, type } of candidates) {
    const before = sent.get(index);
    if (before?.func === func) continue;
    if (before !== undefined) extraOf.get(before.library)?.delete(index);
    sent.set(index, { func, library });
    let mine = extraOf.get(library);
    if (mine === undefined) extraOf.set(library, (mine = new Set()));
    mine.add(index);
    out.push({ index, library, name, type });
  }
  return out;
}

/** One more thread's TLS block of a library, reserved now, and how the thread sets it up. */
function tlsOf(state: LinkState, lib: Library): { block: Reservation; init: ImageLibrary['tlsInit'] } | null {
  const ex = lib.instance!.exports;
  const owner = `${lib.name} TLS (thread)`;
  if (typeof ex.__wasm_init_tls === 'function' && ex.__tls_size instanceof WebAssembly.Global) {
    const needs = {
      size: ex.__tls_size.value as number,
      align: (ex.__tls_align as WebAssembly.Global).value as number,
    };
    return { block: reserveTlsBlock(state.allocator, needs, owner), init: { kind: 'wasm' } };
  }
  const runtimeInit = state.conventions.tlsInit;
  if (lib.runtimeTls !== null && typeof ex[runtimeInit] === 'function') {
    const block = state.allocator.reserve(lib.runtimeTls.size, lib.runtimeTls.align, owner);
    return { block, init: { kind: 'runtime', export: runtimeInit } };
  }
  if (lib.meta.dylink.tlsExports.size > 0)
    throw new DlError('DL_INCOMPATIBLE', 'a follower thread cannot set up this library’s thread-locals', {
      library: lib.name,
    });
  return null;
}

/** {@link tlsOf}, its failure (no memory for this thread's block) naming the library. */
function tlsFor(state: LinkState, lib: Library): ReturnType<typeof tlsOf> {
  try {
    return tlsOf(state, lib);
  } catch (e) {
    if (e instanceof DlError && e.library === lib.name) throw e;
    throw new DlError(
      e instanceof DlError ? e.code : 'DL_OUT_OF_MEMORY',
      `no TLS block for one more thread: ${e instanceof Error ? e.message : String(e)}`,
      {
        library: lib.name,
        cause: e,
      },
    );
  }
}

/**
 * What the updates of every thread at one moment share, computed once for all of them: which
 * libraries a thread is to have (resident, less those being dropped), each library's imports
 * (the same on every thread: a thread-local's GOT entry names its library and offset, not the
 * block), and the changes since each reader position.
 */
interface Shared {
  readonly dropping: ReadonlySet<number>;
  readonly live: Indexed;
  /** Each library's imports, by id (filled as the first thread needs them). */
  readonly imports: Map<number, readonly ImageImport[]>;
  readonly named: Map<number, Named>;
}

function sharedOf(state: LinkState, dropping: ReadonlySet<number>): Shared {
  return { dropping, live: liveSet(state, dropping), imports: new Map(), named: new Map() };
}

/** What a thread lacks: from the changes since its last update, or (a thread not reading them) by a full walk. */
function planFor(state: LinkState, resources: ThreadResources, shared: Shared): Plan {
  const has = resources.libraries;
  if (!state.changes.reads(resources.reader)) return fullPlan(state, has, shared.live);
  return changePlan(state, has, shared.live, namedSince(state, resources.reader, shared.dropping, shared.named));
}

/** This thread's TLS block of each added library, all or none (a failure gives back those reserved). */
function reserveTls(state: LinkState, added: readonly Library[]): ReturnType<typeof tlsFor>[] {
  const out: ReturnType<typeof tlsFor>[] = [];
  try {
    for (const lib of added) out.push(tlsFor(state, lib));
  } catch (e) {
    for (const tls of out) if (tls !== null) state.allocator.release(tls.block);
    throw e;
  }
  return out;
}

/**
 * The image of what a thread lacks (the plan), all or nothing: the TLS blocks of the libraries
 * it gets are reserved into `resources`, those of the ones it drops released.
 */
function imageFor(state: LinkState, resources: ThreadResources, shared: Shared, plan: Plan): ThreadImage {
  const tls = reserveTls(state, plan.added);
  for (const id of plan.removed) {
    const block = resources.libraries.get(id);
    if (block !== null && block !== undefined) state.allocator.release(block);
    resources.libraries.delete(id);
    for (const i of resources.extraOf.get(id) ?? []) resources.slots.delete(i);
    resources.extraOf.delete(id);
  }
  const libraries = plan.added.map((lib, i): ImageLibrary => {
    const t = tls[i] ?? null;
    resources.libraries.set(lib.id, t?.block ?? null);
    let imports = shared.imports.get(lib.id);
    if (imports === undefined) shared.imports.set(lib.id, (imports = importsOf(state, lib, shared.live)));
    return {
      id: lib.id,
      name: lib.name,
      table: { base: lib.tableBase, size: lib.table?.size ?? 0 },
      module: lib.module!, // resident: compiled
      imports,
      tlsBlock: t?.block.address ?? null,
      tlsInit: t?.init ?? null,
      slotTypes: lib.meta.slotTypes,
    };
  });
  const stack = resources.stack;
  return {
    memory: state.memory,
    tableLength: state.table.length,
    stack: { low: stack.address, high: stack.address + stack.size },
    libraries,
    // Every slot given to a function since the last image (a new library may take the address of an old one's).
    slots: extraSlots(plan.slots, resources),
    removed: plan.removed,
    got: gotUpdates(state, plan.got, shared.live),
  };
}

/** {@link imageFor} from the thread's plan; its change reader moves past what it took. */
function updateOf(state: LinkState, resources: ThreadResources, shared: Shared): ThreadImage {
  const image = imageFor(state, resources, shared, planFor(state, resources, shared));
  if (state.changes.reads(resources.reader)) state.changes.advance(resources.reader);
  return image;
}

/**
 * A library dropped by the threads may stay resident (re-referenced before its unload): a
 * change names it again, so the next update brings it back if it is still there.
 */
function recheck(state: LinkState, dropping: ReadonlySet<number>): void {
  for (const id of dropping) state.changes.library(id);
}

/**
 * The image of a linked program for one more thread, with its stack and TLS blocks reserved
 * from the linker's allocator (give them back with {@link releaseThread} when the thread ends).
 * It walks everything resident (its nature); later updates cost what changed since.
 *
 * @throws DlError `DL_INCOMPATIBLE` for a program without shared memory, or an import a follower cannot rebuild yet
 */
export function threadImage(state: LinkState, stackSize: number): { image: ThreadImage; resources: ThreadResources } {
  if (!(state.memory.buffer instanceof SharedArrayBuffer))
    throw new DlError('DL_INCOMPATIBLE', 'threads need a program with shared memory (program.shared)');
  const resources: ThreadResources = {
    stack: state.allocator.reserve(stackSize, 16, 'thread stack'),
    libraries: new Map(),
    slots: new Map(),
    extraOf: new Map(),
    reader: state.changes.reader(),
  };
  const shared = sharedOf(state, new Set());
  try {
    return { image: imageFor(state, resources, shared, fullPlan(state, resources.libraries, shared.live)), resources };
  } catch (e) {
    releaseThread(state, resources);
    throw e;
  }
}

/**
 * What a following thread needs to catch up with the leading one: the libraries loaded since
 * its last image or update (their TLS blocks reserved), the ones unloaded since — or about to be
 * (`dropping`: library ids) — released. Cost: what changed since.
 * Apply it on the thread with `Follower.update`.
 */
export function threadUpdate(
  state: LinkState,
  resources: ThreadResources,
  dropping: ReadonlySet<number> = new Set(),
): ThreadImage {
  const image = updateOf(state, resources, sharedOf(state, dropping));
  recheck(state, dropping);
  return image;
}

/**
 * {@link threadUpdate} for several threads at once: what their updates share (the changes
 * since their position, each new library's imports) is computed once. A thread whose update
 * cannot be made (no memory for its TLS block, say) gets the error in its place (and nothing
 * of it: its next update reads the same changes).
 */
export function threadUpdates(
  state: LinkState,
  threads: readonly ThreadResources[],
  dropping: ReadonlySet<number> = new Set(),
): (ThreadImage | Error)[] {
  const shared = sharedOf(state, dropping);
  const out = threads.map((resources) => {
    try {
      return updateOf(state, resources, shared);
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  });
  recheck(state, dropping);
  return out;
}

/** Gives back what {@link threadImage} and updates reserved for a thread that has ended. */
export function releaseThread(state: LinkState, resources: ThreadResources): void {
  for (const block of resources.libraries.values()) if (block !== null) state.allocator.release(block);
  resources.libraries.clear();
  resources.slots.clear();
  resources.extraOf.clear();
  state.changes.release(resources.reader);
  state.allocator.release(resources.stack);
}
