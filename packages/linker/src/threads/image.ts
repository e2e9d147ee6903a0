import { DlError } from '@dl/errors';
import type { Reservation } from '@dl/layout';
import { reserveTlsBlock } from '@dl/layout';
import type { ClassifiedImport } from '@dl/reader';
import { resolveSymbol } from '@dl/symbols';
import type { Callable } from '@dl/symbols';
import { boundTo } from '../bound-to.js';
import { pathOf } from '../load/bind.js';
import type { Library, LinkState } from '../state.js';

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
  /** Table slots outside the libraries' own ranges that hold a library's exported function (library by id). */
  readonly slots: readonly { readonly index: number; readonly library: number; readonly name: string }[];
  /** Libraries (ids) the thread had that are unloaded now: an update drops them first. */
  readonly removed: readonly number[];
}

/** One library of a {@link ThreadImage}, in instantiation order. */
export interface ImageLibrary {
  /** The library's id on the leading thread (imports name other libraries by it). */
  readonly id: number;
  readonly name: string;
  /** Its own table range, `[base, base + size)` (cleared on a follower when it is unloaded). */
  readonly table: { readonly base: number; readonly size: number };
  readonly module: WebAssembly.Module;
  readonly imports: readonly ImageImport[];
  /** This thread's TLS block, or null for a library without thread-locals. */
  readonly tlsBlock: number | null;
  /** How the block is set up: `__wasm_init_tls(block)`, or the runtime's export (emcc's `emscripten_tls_init`), which allocates it. */
  readonly tlsInit: { readonly kind: 'wasm' } | { readonly kind: 'runtime'; readonly export: string } | null;
}

/** How a follower makes one import. */
export type ImageImport = { readonly module: string; readonly name: string } & (
  | { readonly how: 'memory' | 'table' | 'stack-pointer' }
  | { readonly how: 'const'; readonly value: number; readonly mutable: boolean }
  /** A GOT entry of a thread-local: this thread's block of `library` plus `offset`. */
  | { readonly how: 'tls'; readonly library: number; readonly offset: number }
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
}

/** The ids of the libraries an image may refer to (those the thread has, or gets with it). */
type Indexed = ReadonlySet<number>;

function exportImport(state: LinkState, lib: Library, spec: ClassifiedImport, index: Indexed): ImageImport {
  const base = { module: spec.module, name: spec.name };
  const d = boundTo(lib, spec);
  if (d === 'late') return { ...base, how: 'late', symbol: spec.name };
  if (index.has(d.provider) && lib.bindings.get(spec)?.kind === 'function')
    return { ...base, how: 'export', library: d.provider, export: d.name };
  if (d.provider === 0) return { ...base, how: 'host', symbol: d.name };
  throw new DlError('DL_INCOMPATIBLE', `a follower thread cannot rebuild import ${spec.name}`, { library: lib.name });
}

function gotImport(
  state: LinkState,
  lib: Library,
  spec: Extract<ClassifiedImport, { role: 'got' }>,
  index: Indexed,
): ImageImport {
  const base = { module: spec.module, name: spec.name };
  const entry = state.got.get(lib.group ?? state.global, spec.space, spec.name);
  const value = (entry?.global.value as number | undefined) ?? 0;
  const d = entry?.definition;
  if (d?.kind === 'tls') {
    const owner = state.libraries.get(d.provider.id);
    if (owner?.tlsBase === null || owner === undefined || !index.has(d.provider.id))
      throw new DlError('DL_INCOMPATIBLE', `thread-local ${spec.name} has no TLS block`, { library: lib.name });
    return { ...base, how: 'tls', library: d.provider.id, offset: d.address - owner.tlsBase };
  }
  return { ...base, how: 'const', value, mutable: true };
}

/**
 * An `env` global: a library's export is this thread's instance's own (wasm globals are per
 * instance, so per thread, as on the leader); a host's is copied with its current value.
 */
function globalImport(
  state: LinkState,
  lib: Library,
  spec: Extract<ClassifiedImport, { role: 'global' }>,
  index: Indexed,
): ImageImport {
  const base = { module: spec.module, name: spec.name };
  const d = resolveSymbol(pathOf(state, lib), spec.name);
  if (d?.kind === 'global' && index.has(d.provider.id))
    return { ...base, how: 'export', library: d.provider.id, export: d.name };
  const type = d?.kind === 'global' ? (d.type ?? spec.type) : null;
  const valueType = type?.valueType;
  if (
    d?.kind !== 'global' ||
    d.provider.id !== 0 ||
    (valueType !== 'i32' && valueType !== 'i64' && valueType !== 'f32' && valueType !== 'f64')
  )
    throw new DlError('DL_INCOMPATIBLE', `a follower thread cannot rebuild global import ${spec.name}`, {
      library: lib.name,
      symbol: spec.name,
    });
  return { ...base, how: 'global', valueType, value: d.global.value as number | bigint, mutable: type!.mutable };
}

/** How a follower makes each import of a library, from what the leading thread bound. */
function importsOf(state: LinkState, lib: Library, index: Indexed): ImageImport[] {
  return lib.meta.imports.map((spec): ImageImport => {
    const base = { module: spec.module, name: spec.name };
    switch (spec.role) {
      case 'memory':
        return { ...base, how: 'memory' };
      case 'table':
        return { ...base, how: 'table' };
      case 'abi':
        if (spec.name === '__stack_pointer') return { ...base, how: 'stack-pointer' };
        if (spec.name === '__memory_base') return { ...base, how: 'const', value: lib.memoryBase, mutable: false };
        if (spec.name === '__table_base') return { ...base, how: 'const', value: lib.tableBase, mutable: false };
        return { ...base, how: spec.name === 'memory' ? 'memory' : 'table' };
      case 'got':
        return gotImport(state, lib, spec, index);
      case 'function':
        if (spec.name === '__cxa_atexit') return { ...base, how: 'host', symbol: '__cxa_atexit' };
        if (spec.name === state.conventions.alignedAlloc && lib.runtimeTls !== null)
          return { ...base, how: 'tls-alloc' };
        return exportImport(state, lib, spec, index);
      case 'global':
        return globalImport(state, lib, spec, index);
      case 'tag':
        return { ...base, how: 'tag', parameters: spec.type?.params ?? ['i32'] };
      default:
        throw new DlError(
          'DL_INCOMPATIBLE',
          `a follower thread cannot rebuild a ${spec.role} import (${spec.name}) yet`,
          {
            library: lib.name,
          },
        );
    }
  });
}

/** Which library (id) exports a function, and under which name: filled once per library instance. */
const exporters = new WeakMap<Callable, { readonly library: number; readonly name: string }>();
const indexed = new WeakSet<WebAssembly.Instance>();

function indexExports(lib: Library): void {
  const instance = lib.instance!;
  if (indexed.has(instance)) return;
  indexed.add(instance);
  for (const e of lib.meta.exports) {
    const f = instance.exports[e.name];
    if (e.kind === 'function' && typeof f === 'function' && !exporters.has(f as Callable))
      exporters.set(f as Callable, { library: lib.id, name: e.name });
  }
}

/**
 * Slots outside every resident library's own range that hold an exported function of one of
 * them: walks the linker's slot registry (every function given a slot), not the table — no
 * engine call per slot. The owners come from {@link indexExports}, done when a library first
 * reaches a thread.
 */
function candidateSlots(state: LinkState, own: Uint8Array, ids: Indexed): Candidate[] {
  const out: Candidate[] = [];
  for (const [f, i] of state.slots.entries()) {
    if (own[i] === 1) continue;
    const o = exporters.get(f);
    if (o !== undefined && ids.has(o.library)) out.push({ func: f, index: i, library: o.library, name: o.name });
  }
  return out;
}

/** The candidate slots a thread was not sent yet (`sent`, updated). */
function extraSlots(candidates: readonly Candidate[], sent: ThreadResources['slots']): ThreadImage['slots'] {
  const out: { index: number; library: number; name: string }[] = [];
  for (const { func, index, library, name } of candidates) {
    if (sent.get(index)?.func === func) continue;
    sent.set(index, { func, library });
    out.push({ index, library, name });
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

/** The side modules resident now, in load order. */
function residentLibraries(state: LinkState): Library[] {
  return [...state.libraries.values()].filter((l) => !l.isMain && l.instance !== null);
}

/**
 * What the images of every thread at one moment share, computed once for all of them: the
 * resident libraries (less those being dropped), the extra slots holding their functions, and each
 * library's imports (the same on every thread: a thread-local's GOT entry names its library and
 * offset, not the block).
 */
interface Shared {
  readonly resident: readonly Library[];
  readonly ids: Indexed;
  /** Each library's imports, by id (filled as the first thread needs them). */
  readonly imports: Map<number, ImageImport[]>;
  /** The slots outside the own ranges holding a resident library's function ({@link candidateSlots}). */
  readonly candidates: readonly Candidate[];
}

interface Candidate {
  readonly func: Callable;
  readonly index: number;
  readonly library: number;
  readonly name: string;
}

function sharedOf(state: LinkState, dropping: ReadonlySet<number>): Shared {
  const resident = residentLibraries(state).filter((l) => !dropping.has(l.id));
  const length = state.table.length;
  const own = new Uint8Array(length);
  for (const l of resident)
    if (l.table !== null) own.fill(1, l.tableBase, Math.min(length, l.tableBase + l.table.size));
  const ids = new Set(resident.map((l) => l.id));
  // Each library's exports are indexed once per instance, when it first reaches a thread.
  for (const lib of resident) indexExports(lib);
  return { resident, ids, imports: new Map(), candidates: candidateSlots(state, own, ids) };
}

/**
 * The image of what a thread lacks: the resident libraries it does not have yet (their TLS
 * blocks reserved into `resources`), and the ones it has that are gone (their blocks released).
 */
function imageFor(state: LinkState, resources: ThreadResources, shared: Shared): ThreadImage {
  const { resident, ids } = shared;
  const removed = [...resources.libraries.keys()].filter((id) => !ids.has(id));
  for (const id of removed) {
    const block = resources.libraries.get(id);
    if (block !== null && block !== undefined) state.allocator.release(block);
    resources.libraries.delete(id);
  }
  if (removed.length > 0) for (const [i, s] of resources.slots) if (!ids.has(s.library)) resources.slots.delete(i);
  const added = resident.filter((l) => !resources.libraries.has(l.id));
  const libraries = added.map((lib): ImageLibrary => {
    const tls = tlsFor(state, lib);
    resources.libraries.set(lib.id, tls?.block ?? null);
    let imports = shared.imports.get(lib.id);
    if (imports === undefined) shared.imports.set(lib.id, (imports = importsOf(state, lib, ids)));
    return {
      id: lib.id,
      name: lib.name,
      table: { base: lib.tableBase, size: lib.table?.size ?? 0 },
      module: lib.module,
      imports,
      tlsBlock: tls?.block.address ?? null,
      tlsInit: tls?.init ?? null,
    };
  });
  const stack = resources.stack;
  return {
    memory: state.memory,
    tableLength: state.table.length,
    stack: { low: stack.address, high: stack.address + stack.size },
    libraries,
    // Every slot given to a function since the last image (a new library may take the address of an old one's).
    slots: extraSlots(shared.candidates, resources.slots),
    removed,
  };
}

/**
 * The image of a linked program for one more thread, with its stack and TLS blocks reserved
 * from the linker's allocator (give them back with {@link releaseThread} when the thread ends).
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
  };
  return { image: imageFor(state, resources, sharedOf(state, new Set())), resources };
}

/**
 * What a following thread needs to catch up with the leading one: the libraries loaded since
 * its last image or update (their TLS blocks reserved), the ones unloaded since — or about to be
 * (`dropping`: library ids) — released.
 * Apply it on the thread with `Follower.update`.
 */
export function threadUpdate(
  state: LinkState,
  resources: ThreadResources,
  dropping: ReadonlySet<number> = new Set(),
): ThreadImage {
  return imageFor(state, resources, sharedOf(state, dropping));
}

/**
 * {@link threadUpdate} for several threads at once: what their updates share (the resident
 * set, the libraries' own table ranges, each new library's imports) is computed once. A thread
 * whose update cannot be made (no memory for its TLS block, say) gets the error in its place.
 */
export function threadUpdates(
  state: LinkState,
  threads: readonly ThreadResources[],
  dropping: ReadonlySet<number> = new Set(),
): (ThreadImage | Error)[] {
  const shared = sharedOf(state, dropping);
  return threads.map((resources) => {
    try {
      return imageFor(state, resources, shared);
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  });
}

/** Gives back what {@link threadImage} and updates reserved for a thread that has ended. */
export function releaseThread(state: LinkState, resources: ThreadResources): void {
  for (const block of resources.libraries.values()) if (block !== null) state.allocator.release(block);
  resources.libraries.clear();
  resources.slots.clear();
  state.allocator.release(resources.stack);
}
