import { DlError } from '@dl/errors';
import { mutableI32 } from '@dl/symbols';
import { newTag } from '../wasm-tag.js';
import type { WasmTag } from '../wasm-tag.js';
import type { ImageGotUpdate, ImageGotValue, ImageImport, ImageLibrary, ThreadImage } from './image.js';

type Fn = (...args: unknown[]) => unknown;

/** A thread following a linked program: the same libraries, its own table, stack and TLS blocks. */
export interface Follower {
  /** This thread's function table (same layout as the leading thread's). */
  readonly table: WebAssembly.Table;
  /** This thread's stack pointer. */
  readonly stackPointer: WebAssembly.Global;
  /** Each library's instance on this thread, by name. */
  readonly libraries: ReadonlyMap<string, WebAssembly.Instance>;
  /** The first library (in load order) exporting `name`, as on the leading thread's global lookup. */
  find(name: string): WebAssembly.ExportValue | undefined;
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
}

interface Thread {
  readonly memory: WebAssembly.Memory;
  readonly table: WebAssembly.Table;
  readonly stackPointer: WebAssembly.Global;
  /** Instances by library id, in load order. */
  readonly instances: Map<number, { readonly name: string; readonly instance: WebAssembly.Instance }>;
  readonly tlsBlocks: Map<number, number>;
  /** Each library's own table range (cleared when it is dropped). */
  readonly ranges: Map<number, ImageLibrary['table']>;
  /** Table slots outside the ranges given to each library's functions. */
  readonly extra: Map<number, Set<number>>;
  /** Which library each extra slot was last given to (a slot may pass to another library's function). */
  readonly extraOwner: Map<number, number>;
  readonly host: Readonly<Record<string, Fn>>;
  /** This thread's exception tags, by import name. */
  readonly tags: Map<string, WasmTag>;
  /** This thread's copy of each GOT entry that may still change (by its id on the leading thread), shared by its importers. */
  readonly got: Map<number, WebAssembly.Global>;
}

/**
 * An i32 global import: a plain number for an immutable one (the engine makes it); a mutable one
 * from the engine-made pool of `@dl/symbols` (a JS-made Global owns an array buffer of its own).
 */
function constGlobal(value: number, mutable: boolean): WebAssembly.Global | number {
  return mutable ? mutableI32(value) : value;
}

/** A GOT entry's value on this thread (a thread-local's: this thread's block of its library, plus the offset). */
function gotValue(t: Thread, v: ImageGotValue): number {
  return v.how === 'got' ? v.value : (t.tlsBlocks.get(v.library) ?? 0) + v.offset;
}

/**
 * This thread's global for a GOT entry: made on its first importer, then shared and kept for
 * updates; for entry 0 (one that cannot move) a global of this import's own, not kept.
 */
function gotGlobal(t: Thread, spec: { readonly entry: number } & ImageGotValue): WebAssembly.Global {
  if (spec.entry === 0) return mutableI32(gotValue(t, spec));
  let global = t.got.get(spec.entry);
  if (global === undefined) t.got.set(spec.entry, (global = mutableI32(gotValue(t, spec))));
  return global;
}

/** Sets this thread's copies of the changed GOT entries (those it has), forgets the deleted ones. */
function updateGot(t: Thread, updates: readonly ImageGotUpdate[]): void {
  for (const u of updates) {
    if (u.how === 'gone') t.got.delete(u.entry);
    else {
      const global = t.got.get(u.entry);
      if (global !== undefined) global.value = gotValue(t, u);
    }
  }
}

function find(t: Thread, name: string): WebAssembly.ExportValue | undefined {
  for (const { instance } of t.instances.values())
    if (Object.hasOwn(instance.exports, name)) return instance.exports[name];
  return undefined;
}

function hostFunction(t: Thread, symbol: string, library: string): Fn {
  const f = t.host[symbol];
  if (f !== undefined) return f;
  return () => {
    throw new DlError(
      'DL_UNDEFINED_SYMBOL',
      `host function ${symbol} is not given to this thread (FollowOptions.host)`,
      {
        library,
        symbol,
      },
    );
  };
}

/** A lazily bound import: the first library exporting it, looked up on the first call. */
function lateFunction(t: Thread, symbol: string, library: string): Fn {
  let target: Fn | undefined;
  return (...args) => {
    target ??= find(t, symbol) as Fn | undefined;
    if (typeof target !== 'function')
      throw new DlError('DL_UNDEFINED_SYMBOL', `undefined symbol ${symbol} was called on a follower thread`, {
        library,
        symbol,
      });
    return target(...args);
  };
}

function importValue(t: Thread, spec: ImageImport, lib: ImageLibrary): WebAssembly.ImportValue {
  switch (spec.how) {
    case 'memory':
      return t.memory;
    case 'table':
      return t.table;
    case 'stack-pointer':
      return t.stackPointer;
    case 'const':
      return constGlobal(spec.value, spec.mutable);
    case 'got':
    case 'tls':
      return gotGlobal(t, spec);
    case 'export': {
      const provider = t.instances.get(spec.library)?.instance;
      return provider === undefined
        ? lateFunction(t, spec.export, lib.name)
        : (provider.exports[spec.export] as WebAssembly.ImportValue);
    }
    case 'host':
      return hostFunction(t, spec.symbol, lib.name);
    case 'late':
      return lateFunction(t, spec.symbol, lib.name);
    case 'tag': {
      let tag = t.tags.get(spec.name);
      if (tag === undefined) t.tags.set(spec.name, (tag = newTag(spec.parameters)));
      return tag as WebAssembly.ImportValue;
    }
    case 'global':
      return new WebAssembly.Global({ value: spec.valueType, mutable: spec.mutable }, spec.value);
    case 'tls-alloc':
      return () => {
        if (lib.tlsBlock === null)
          throw new DlError('DL_OUT_OF_MEMORY', 'no TLS block reserved for this thread', { library: lib.name });
        return lib.tlsBlock;
      };
  }
}

/** Instantiates one library on this thread and sets up its TLS block. */
function follow(t: Thread, lib: ImageLibrary): void {
  if (lib.tlsBlock !== null) t.tlsBlocks.set(lib.id, lib.tlsBlock);
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
  t.instances.set(lib.id, { name: lib.name, instance });
  t.ranges.set(lib.id, lib.table);
}

/** Drops an unloaded library on this thread: its slots cleared, its instance forgotten. */
function drop(t: Thread, id: number): void {
  const range = t.ranges.get(id);
  const end = range === undefined ? 0 : Math.min(t.table.length, range.base + range.size);
  for (let slot = range?.base ?? 0; slot < end; slot++) t.table.set(slot, null);
  for (const slot of t.extra.get(id) ?? []) {
    if (slot < t.table.length) t.table.set(slot, null);
    t.extraOwner.delete(slot);
  }
  t.ranges.delete(id);
  t.extra.delete(id);
  t.instances.delete(id);
  t.tlsBlocks.delete(id);
}

/** Sets extra slots to their library's exports (recorded: dropping the library clears them). */
function fill(t: Thread, slots: ThreadImage['slots']): void {
  for (const s of slots) {
    t.table.set(s.index, t.instances.get(s.library)!.instance.exports[s.name]);
    const before = t.extraOwner.get(s.index);
    if (before !== undefined && before !== s.library) t.extra.get(before)?.delete(s.index);
    t.extraOwner.set(s.index, s.library);
    const extra = t.extra.get(s.library);
    if (extra === undefined) t.extra.set(s.library, new Set([s.index]));
    else extra.add(s.index);
  }
}

/**
 * Takes the libraries of an image or update, all or none: when one cannot be followed here
 * (the table cannot grow, the engine refuses the instance, its TLS set-up traps), those taken
 * before it are dropped again and a `DL_THREAD_SYNC_FAILED` naming it is thrown.
 */
function take(t: Thread, image: ThreadImage): void {
  const taken: number[] = [];
  let current: string | undefined;
  try {
    // Only what is taken needs the slots (an update that only drops grows nothing: it cannot fail).
    const grows = image.libraries.length > 0 || image.slots.length > 0;
    if (grows && t.table.length < image.tableLength) t.table.grow(image.tableLength - t.table.length);
    for (const lib of image.libraries) {
      current = lib.name;
      follow(t, lib);
      taken.push(lib.id);
    }
  } catch (e) {
    for (const id of taken.reverse()) drop(t, id);
    for (const lib of image.libraries) if (!taken.includes(lib.id)) t.tlsBlocks.delete(lib.id);
    // A table that cannot grow fails the whole update: it is named by its first library.
    const names = image.libraries.map((l) => l.name).join(', ');
    const what =
      current === undefined
        ? `its table cannot grow to ${image.tableLength} slots for ${names}`
        : 'it cannot follow it';
    throw new DlError('DL_THREAD_SYNC_FAILED', `${what}: ${e instanceof Error ? e.message : String(e)}`, {
      library: current ?? image.libraries[0]?.name,
      cause: e,
    });
  }
}

/**
 * Drops and takes what the image says, all or none (the part that may fail), and returns what
 * is left: setting its extra slots, which cannot fail (the table has grown, the instances
 * exist). Run the rest before the thread's current task ends: no code of this thread runs in
 * between, so none finds a slot unset — `serveFollower` acknowledges first, then sets them.
 */
function applyThen(t: Thread, image: ThreadImage): () => void {
  for (const id of image.removed) drop(t, id);
  // The new libraries' blocks first: a changed entry may locate a thread-local of one of them.
  for (const lib of image.libraries) if (lib.tlsBlock !== null) t.tlsBlocks.set(lib.id, lib.tlsBlock);
  updateGot(t, image.got);
  take(t, image);
  // Set once every instance exists. Setting each new library's slots right after its instance
  // (fewer instances for a set to update) was slower in interleaved runs at N=500: an instance
  // made while more of the table is filled costs more than the sets save.
  return () => {
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
  const t: Thread = {
    memory: image.memory,
    table: options.table ?? newTable(image.tableLength, options.tableMaximum),
    stackPointer: options.stackPointer ?? new WebAssembly.Global({ value: 'i32', mutable: true }, image.stack.high),
    instances: new Map(),
    tlsBlocks: new Map(),
    ranges: new Map(),
    extra: new Map(),
    extraOwner: new Map(),
    host: options.host ?? {},
    tags: new Map(Object.entries(options.tags ?? {})),
    got: new Map(),
  };
  const rest = applyThen(t, image);
  const follower: Follower = {
    table: t.table,
    stackPointer: t.stackPointer,
    get libraries() {
      return new Map([...t.instances.values()].map(({ name, instance }) => [name, instance]));
    },
    find: (name) => find(t, name),
    update: (next) => {
      apply(t, next);
    },
  };
  return { follower, rest, updateThen: (next) => applyThen(t, next) };
}
