import { DlError } from '@dl/errors';
import { find, importValue, tlsProvider, updateGot } from './follow-imports.js';
import { drop, fill, placeRange, rangeNeeds, restoreRange, settle } from './follow-slots.js';
import type { Entry, Fn, Thread } from './follow-thread.js';
import type { ImageLibrary, ThreadImage } from './image.js';
import { Trampolines } from './trampolines.js';

/** A thread following a linked program: the same libraries, its own table, stack and TLS blocks. */
export interface Follower {
  /** This thread's function table (same layout as the leading thread's). */
  readonly table: WebAssembly.Table;
  /** This thread's stack pointer. */
  readonly stackPointer: WebAssembly.Global;
  /** Each library's instance on this thread, by name (reading it instantiates those left for their first use). */
  readonly libraries: ReadonlyMap<string, WebAssembly.Instance>;
  /** The first library (in load order) exporting `name`, as on the leading thread's global lookup. */
  find(name: string): WebAssembly.ExportValue | undefined;
  /** The libraries this thread has but has not instantiated yet (left for their first use), in load order. */
  deferred(): string[];
  /**
   * Catches up with the leading thread (`linker.threadUpdate(resources)`): drops the libraries
   * unloaded since (their table slots cleared), then follows the ones loaded since.
   */
  update(image: ThreadImage): void;
}

/** Options of {@link followLinker}. */
export interface FollowOptions {
  /** The host's functions on this thread, by name (JS functions do not cross threads). */
  readonly host?: Readonly<Record<string, Fn>>;
  /**
   * Exception tags this thread already uses, by import name (e.g. its runtime's
   * `__cpp_exception`); others are made on this thread when a library first imports them.
   */
  readonly tags?: Readonly<Record<string, object>>;
  /**
   * The most slots this thread's table may have (default: no limit but the engine's). An
   * update needing more fails on this thread: it takes none of it, and a `ThreadGroup` rolls the
   * load back everywhere.
   */
  readonly tableMaximum?: number;
  /**
   * This thread's function table, when the thread has one already (a runtime that instantiated
   * its main module here, such as an Emscripten pthread): grown to the image's length, and
   * only the libraries' slots are written. Default: a new table.
   */
  readonly table?: WebAssembly.Table;
  /** This thread's stack pointer, when the thread has one already (default: a new one at the image's stack). */
  readonly stackPointer?: WebAssembly.Global;
  /**
   * When this thread instantiates a library (default `'on-first-use'`): `'on-first-use'`
   * registers it when the thread learns of it and instantiates it (with its TLS set-up) when
   * the thread first needs it — a call through one of its table slots (which holds a typed
   * trampoline meanwhile), `find`, or another library importing from it; `'eager'` instantiates
   * every library as soon as the image or update arrives. A library whose slots cannot all be
   * typed (its bytes were never read) is always instantiated at once.
   */
  readonly instantiate?: 'on-first-use' | 'eager';
}

/** Instantiates one library on this thread and sets up its TLS block. */
function instantiate(t: Thread, e: Entry): void {
  const lib = e.lib;
  // Null-prototype objects start as dictionaries: adding each library's distinct names makes no
  // hidden-class transitions (with `{}` they were most of a follower's own time).
  const imports = Object.create(null) as Record<string, Record<string, WebAssembly.ImportValue>>;
  for (const spec of lib.imports)
    (imports[spec.module] ??= Object.create(null) as Record<string, WebAssembly.ImportValue>)[spec.name] = importValue(
      t,
      spec,
      lib,
    );
  const instance = new WebAssembly.Instance(lib.module, imports);
  if (lib.tlsInit?.kind === 'wasm') (instance.exports.__wasm_init_tls as (base: number) => void)(lib.tlsBlock!);
  else if (lib.tlsInit?.kind === 'runtime') (instance.exports[lib.tlsInit.export] as () => number)();
  e.instance = instance;
}

/**
 * Library `id`'s instance on this thread, made now if it has none: the libraries whose
 * thread-locals it reads first (their blocks set up before its code reads them), then its
 * providers (as its imports are made), then it; its trampolines are freed. Null for a library
 * the thread does not have, or one being made (a cycle: its importer binds lazily).
 *
 * @throws DlError `DL_INSTANTIATE_FAILED` naming the library when the engine refuses it (or a
 *   library it needs): it stays as it was, to be tried again on its next use
 */
function arrive(t: Thread, id: number): WebAssembly.Instance | null {
  const e = t.entries.get(id);
  if (e === undefined) return null;
  if (e.instance !== null || e.arriving) return e.instance;
  e.arriving = true;
  try {
    for (const spec of e.lib.imports) {
      const provider = tlsProvider(t, spec);
      if (provider !== undefined && provider !== id) arrive(t, provider);
    }
    instantiate(t, e);
  } catch (err) {
    restoreRange(t, e);
    if (err instanceof DlError && err.code === 'DL_INSTANTIATE_FAILED') throw err;
    throw new DlError(
      'DL_INSTANTIATE_FAILED',
      `this thread could not instantiate ${e.lib.name}: ${err instanceof Error ? err.message : String(err)}`,
      { library: e.lib.name, cause: err },
    );
  } finally {
    e.arriving = false;
  }
  settle(t, e);
  return e.instance;
}

/** Whether this thread instantiates `lib` on first use: it may, and each slot it fills has a known type. */
function onFirstUse(t: Thread, lib: ImageLibrary): boolean {
  return t.lazy && lib.slotTypes !== null;
}

/**
 * Registers the image's libraries and instantiates those this thread does not leave for their
 * first use; reserves the trampolines the rest needs. An extra slot of unknown type given to a
 * library left for later has it instantiated now; so has a library a changed GOT entry locates
 * a thread-local of (`located`).
 */
function takeLibraries(
  t: Thread,
  image: ThreadImage,
  located: readonly number[],
  progress: { current?: string | undefined; readonly taken: number[] },
): void {
  for (const lib of image.libraries) {
    t.entries.set(lib.id, { lib, instance: null, arriving: false, waiting: new Map() });
    t.ranges.set(lib.id, lib.table);
    progress.taken.push(lib.id);
  }
  const now = [
    ...image.libraries.filter((lib) => !onFirstUse(t, lib)).map((lib) => lib.id),
    ...image.slots.filter((s) => s.type === null).map((s) => s.library),
    ...located,
  ];
  for (const id of now) {
    progress.current = t.entries.get(id)?.lib.name;
    arrive(t, id);
  }
  progress.current = undefined;
  const needs = new Map<string, number>();
  for (const lib of image.libraries) {
    const e = t.entries.get(lib.id)!;
    if (e.instance === null) rangeNeeds(e, needs);
  }
  for (const s of image.slots)
    if (s.type !== null && t.entries.get(s.library)?.instance === null) needs.set(s.type, (needs.get(s.type) ?? 0) + 1);
  for (const [key, count] of needs) t.trampolines.reserve(key, count);
}

/**
 * Takes the libraries of an image or update, all or none: when one cannot be followed here
 * (the table cannot grow, the engine refuses the instance, its TLS set-up traps), those taken
 * before it are dropped again and a `DL_THREAD_SYNC_FAILED` naming it is thrown.
 */
function take(t: Thread, image: ThreadImage, located: readonly number[]): void {
  const progress: { current?: string | undefined; readonly taken: number[] } = { taken: [] };
  const { taken } = progress;
  let grown = false;
  try {
    // Only what is taken needs the slots (an update that only drops grows nothing: it cannot fail).
    const grows = image.libraries.length > 0 || image.slots.length > 0;
    if (grows && t.table.length < image.tableLength) t.table.grow(image.tableLength - t.table.length);
    grown = true;
    takeLibraries(t, image, located, progress);
  } catch (e) {
    const current = progress.current;
    for (const id of taken.reverse()) drop(t, id);
    for (const lib of image.libraries) if (!taken.includes(lib.id)) t.tlsBlocks.delete(lib.id);
    // A table that cannot grow fails the whole update: it is named by its first library.
    const names = image.libraries.map((l) => l.name).join(', ');
    const what = grown ? 'it cannot follow it' : `its table cannot grow to ${image.tableLength} slots for ${names}`;
    throw new DlError('DL_THREAD_SYNC_FAILED', `${what}: ${e instanceof Error ? e.message : String(e)}`, {
      library: current ?? image.libraries[0]?.name,
      cause: e,
    });
  }
}

/**
 * Drops and takes what the image says, all or none (the part that may fail), and returns what
 * is left: filling the slots of the libraries left for their first use with trampolines, and
 * setting the extra slots — which cannot fail (the table has grown, the trampolines are
 * reserved, the instances exist). Run the rest before the thread's current task ends: no code
 * of this thread runs in between, so none finds a slot unset — `serveFollower` acknowledges
 * first, then sets them.
 */
function applyThen(t: Thread, image: ThreadImage): () => void {
  for (const id of image.removed) drop(t, id);
  // The new libraries' blocks first: a changed entry may locate a thread-local of one of them.
  for (const lib of image.libraries) if (lib.tlsBlock !== null) t.tlsBlocks.set(lib.id, lib.tlsBlock);
  const located = updateGot(t, image.got);
  take(t, image, located);
  // Set once every instance exists. Setting each new library's slots right after its instance
  // (fewer instances for a set to update) was slower in interleaved runs at N=500: an instance
  // made while more of the table is filled costs more than the sets save.
  return () => {
    for (const lib of image.libraries) {
      const e = t.entries.get(lib.id);
      if (e?.instance === null) placeRange(t, e);
    }
    fill(t, image.slots);
  };
}

function apply(t: Thread, image: ThreadImage): void {
  applyThen(t, image)();
}

/** A new table for a thread: the image's length, at most `maximum` slots when given. */
function newTable(length: number, maximum: number | undefined): WebAssembly.Table {
  return new WebAssembly.Table(
    maximum === undefined
      ? { element: 'anyfunc', initial: length }
      : { element: 'anyfunc', initial: Math.min(length, maximum), maximum },
  );
}

/**
 * Follows a linked program on this thread (a worker): instantiates its libraries in order
 * with the imports the image describes, sets up this thread's TLS block of each library
 * (`__wasm_init_tls`, or the runtime's TLS set-up) and fills the table slots the leading thread
 * gave to functions. Shared memory is initialised once (a shared-memory module's start function
 * does it only on the first thread); relocations and constructors do not run again.
 */
export function followLinker(image: ThreadImage, options: FollowOptions = {}): Follower {
  const { follower, rest } = followThen(image, options);
  rest();
  return follower;
}

/**
 * {@link followLinker} but for the image's extra slots: `rest()` sets them (it cannot fail). Call
 * it before the thread's current task ends (see {@link applyThen}). `updateThen` is
 * `follower.update` split the same way.
 */
export function followThen(
  image: ThreadImage,
  options: FollowOptions = {},
): { follower: Follower; rest: () => void; updateThen: (next: ThreadImage) => () => void } {
  const table = options.table ?? newTable(image.tableLength, options.tableMaximum);
  const t: Thread = {
    memory: image.memory,
    table,
    stackPointer: options.stackPointer ?? new WebAssembly.Global({ value: 'i32', mutable: true }, image.stack.high),
    entries: new Map(),
    tlsBlocks: new Map(),
    ranges: new Map(),
    extra: new Map(),
    extraOwner: new Map(),
    host: options.host ?? {},
    tags: new Map(Object.entries(options.tags ?? {})),
    got: new Map(),
    gotTls: new Map(),
    gotLatest: new Map(),
    lazy: options.instantiate !== 'eager',
    trampolines: new Trampolines((target) => {
      arrive(t, target.library);
    }, table),
    held: new Map(),
    arrive: (id) => arrive(t, id),
  };
  const rest = applyThen(t, image);
  const follower: Follower = {
    table: t.table,
    stackPointer: t.stackPointer,
    get libraries() {
      const out = new Map<string, WebAssembly.Instance>();
      for (const [id, e] of t.entries) out.set(e.lib.name, e.instance ?? arrive(t, id)!);
      return out;
    },
    find: (name) => find(t, name),
    deferred: () => [...t.entries.values()].filter((e) => e.instance === null).map((e) => e.lib.name),
    update: (next) => {
      apply(t, next);
    },
  };
  return { follower, rest, updateThen: (next) => applyThen(t, next) };
}
