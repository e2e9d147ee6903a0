import { DlError } from '@dl/errors';
import type { Callable } from '@dl/symbols';
import { compatOf } from './compat.js';
import type { Listeners, LinkerEvent } from './events.js';
import { resolveFlags } from './flags.js';
import { describeGraph, describeLibrary, digestState } from './graph.js';
import type { GraphLibrary, LibraryPlacement, LinkGraph } from './graph.js';
import type { LoadJob, LoadResult, PlanHooks } from './load/job.js';
import { HostHeap } from './host-heap.js';
import { LoadQueue } from './load-queue.js';
import type { Library, LinkState } from './state.js';
import type {
  DlopenFlags,
  Handle,
  LibrarySource,
  LoadOptions,
  ReloadOptions,
  ResolvedFlags,
  SymbolValue,
} from './types.js';
import { lookupSymbol } from './symbol-lookup.js';
import type { SymbolScope } from './symbol-lookup.js';
import { unload } from './unload.js';
import { finishReload, reloadJob } from './reload-job.js';
import { bindNow, promote } from './reopen.js';
import { releaseThread, threadImage, threadUpdate, threadUpdates } from './threads/image.js';
import type { ThreadImage, ThreadResources } from './threads/image.js';
import { now } from './clock.js';

const PROGRAM: Handle = Object.freeze({ id: 0, name: 'program' });

/**
 * The dynamic linker: one program (host, relocatable main or attached main), the libraries
 * loaded into it and their symbols. Loads are serialised: an async load waits for the
 * previous one; a sync load during an async one fails with `DL_BUSY`.
 */
export class Linker {
  private readonly loads: LoadQueue;
  private readonly heap: HostHeap;

  /** Not public: use `createLinker` / `createLinkerSync` (a linker is made with its program). */
  private constructor(
    private readonly state: LinkState,
    private readonly listeners: Listeners,
  ) {
    this.loads = new LoadQueue(state);
    this.heap = new HostHeap(state);
  }

  /** @internal What `createLinker` calls, with the program set up. */
  static fromState(state: LinkState, listeners: Listeners): Linker {
    return new Linker(state, listeners);
  }

  /** The program's linear memory. */
  get memory(): WebAssembly.Memory {
    return this.state.memory;
  }

  /** The program's function table. */
  get table(): WebAssembly.Table {
    return this.state.table;
  }

  /** The shared stack pointer. */
  get stackPointer(): WebAssembly.Global {
    return this.state.stackPointer;
  }

  /**
   * Allocates zeroed memory for the host from the linker's memory strategy (the linker heap,
   * or the main's allocator): for JS hosts that implement `malloc` for their libraries.
   *
   * @param size - bytes
   * @param align - alignment, a power of two (default 16)
   * @returns the address
   */
  malloc(size: number, align = 16): number {
    return this.heap.malloc(size, align);
  }

  /** Frees what {@link Linker.malloc} returned; `free(0)` does nothing. */
  free(address: number): void {
    this.heap.free(address);
  }

  /** Size of a block from {@link Linker.malloc} (for a host's `realloc`), or undefined. */
  sizeOf(address: number): number | undefined {
    return this.heap.sizeOf(address);
  }

  /** Subscribes to load events; returns the unsubscribe function. A listener only observes (see {@link LinkerEvent}). */
  on(listener: (event: LinkerEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  /** @internal Runs one load synchronously. */
  performSync(req: LoadJob): LoadResult {
    return this.loads.runSync(req);
  }

  /** @internal Runs one load asynchronously, after the previous one (see `LoadQueue`). */
  perform(req: LoadJob, options: LoadOptions = {}): Promise<LoadResult> {
    return this.loads.run(req, options);
  }

  /** Opens an already-loaded library again: one more reference, maybe promoted, maybe bound now. */
  private reopen(lib: Library, flags: ReturnType<typeof resolveFlags>): Handle {
    if (flags.now) bindNow(this.state, lib);
    if (flags.global && !lib.global) promote(this.state, lib);
    lib.refcount++;
    if (flags.nodelete) lib.nodelete = true;
    return lib.handle;
  }

  private finish(result: LoadResult, flags: ReturnType<typeof resolveFlags>): Handle[] {
    return result.roots.map((lib) => {
      if (!result.loaded.includes(lib)) return this.reopen(lib, flags);
      lib.refcount++;
      return lib.handle;
    });
  }

  /**
   * Loads a library with its NEEDED libraries (or returns the open one, one more
   * reference). `null` returns the program handle.
   *
   * @param source - a name for the loader, or `{ name, bytes }` / `{ name, module }`
   * @param flags - RTLD_* numbers or `{ binding, scope, nodelete, noload }` (default lazy, local)
   * @param options - `signal`: cancels this load (`DL_ABORTED`, nothing changed)
   */
  async dlopen(source: LibrarySource | null, flags?: DlopenFlags, options?: LoadOptions): Promise<Handle> {
    if (source === null) return PROGRAM;
    const f = resolveFlags(flags);
    const [handle] = this.finish(await this.perform({ roots: [source], flags: f }, options), f);
    return handle!;
  }

  /** {@link Linker.dlopen}, synchronously (needs a loader with a synchronous form for names). */
  dlopenSync(source: LibrarySource | null, flags?: DlopenFlags): Handle {
    if (source === null) return PROGRAM;
    const f = resolveFlags(flags);
    return this.finish(this.performSync({ roots: [source], flags: f }), f)[0]!;
  }

  /** Load-time linking: loads several libraries (and their NEEDED) in one pass, one handle each. */
  async load(sources: readonly LibrarySource[], flags?: DlopenFlags, options?: LoadOptions): Promise<Handle[]> {
    const f = resolveFlags(flags ?? { scope: 'global' });
    return this.finish(await this.perform({ roots: sources, flags: f }, options), f);
  }

  /** {@link Linker.load}, synchronously. */
  loadSync(sources: readonly LibrarySource[], flags?: DlopenFlags): Handle[] {
    const f = resolveFlags(flags ?? { scope: 'global' });
    return this.finish(this.performSync({ roots: sources, flags: f }), f);
  }

  /**
   * The library behind a handle: resident and kept — by an open reference, NODELETE, being the
   * main, or a resident library that needs it (a NEEDED-only library is valid without a
   * reference of its own).
   */
  private library(handle: Handle): Library {
    const lib = this.state.libraries.get(this.state.handles.get(handle.id) ?? handle.id);
    if (lib === undefined || (lib.refcount <= 0 && !lib.nodelete && !lib.isMain && lib.keptBy.size === 0)) {
      throw new DlError('DL_BAD_HANDLE', `Invalid library handle ${handle.id} (${handle.name})`, {
        library: handle.name,
      });
    }
    return lib;
  }

  /**
   * The handle of a resident library — opened, or loaded only as a NEEDED dependency — by the
   * name it was loaded as (or its loader key), without taking a reference (unlike
   * `dlopen(name, RTLD_NOLOAD)`); undefined when none is.
   */
  handleOf(name: string): Handle | undefined {
    // A root request's alias has no parent key (see discover.ts); then the key; then the name.
    const key = this.state.aliases.get(`\0${name}`) ?? name;
    const lib = this.state.byKey.get(key) ?? [...this.state.libraries.values()].find((l) => l.name === name);
    if (lib === undefined) return undefined;
    return lib.isMain ? PROGRAM : lib.handle;
  }

  /**
   * Finds a symbol: in a library and its dependencies breadth-first (a handle), in the
   * global scope (`null`, `RTLD_DEFAULT`), or after `from` in its lookup order (`RTLD_NEXT`).
   * A missing symbol throws {@link SymbolNotFoundError} (where it looked, as data: runtimes
   * word their `dlerror()` from it); {@link Linker.findSymbol} returns `undefined` instead, as
   * C's `dlsym` returns NULL.
   *
   * @throws DlError `DL_UNDEFINED_SYMBOL` (not defined there), `DL_BAD_HANDLE`
   */
  dlsym(scope: SymbolScope, name: string, options: { readonly from?: Handle } = {}): SymbolValue {
    return lookupSymbol(this.state, scope, name, options.from, (h) => this.library(h));
  }

  /**
   * {@link Linker.dlsym}, returning `undefined` for a symbol that is not defined (C's NULL);
   * a bad handle still throws `DL_BAD_HANDLE`.
   */
  findSymbol(scope: SymbolScope, name: string, options: { readonly from?: Handle } = {}): SymbolValue | undefined {
    try {
      return this.dlsym(scope, name, options);
    } catch (e) {
      if (e instanceof DlError && e.code === 'DL_UNDEFINED_SYMBOL') return undefined;
      throw e;
    }
  }

  /**
   * Drops a reference. When nothing keeps the library any more — no open reference, not
   * RTLD_NODELETE, no resident library that needs it or is bound to its symbols — it is
   * unloaded, with every dependency nothing else keeps: destructors and its `dl_before_unload`
   * hook run, its names leave every scope (what pointed at them is rebound), its memory and
   * table slots are freed (slots into quarantine) and its handle becomes invalid. See the
   * README's "How an unload works". During a load (from a constructor), the unload waits for
   * the load to end.
   *
   * @throws DlError `DL_BAD_HANDLE` (not open), `DL_FINI_FAILED` (unloaded, but a destructor or
   *   hook threw: the message names it), `DL_LEAK_DETECTED` (strict leak check: kept)
   */
  dlclose(handle: Handle): void {
    if (handle.id === 0) return;
    const lib = this.library(handle);
    if (lib.refcount <= 0)
      throw new DlError('DL_BAD_HANDLE', `${lib.name} has no open reference to close`, { library: lib.name });
    lib.refcount--;
    if (lib.refcount > 0 || lib.nodelete) return;
    this.loads.unload(lib);
  }

  /**
   * Describes the linked program for one more thread and reserves that thread's stack and TLS
   * blocks: post `image` to a worker, which calls `followLinker(image)`; give `resources` back
   * with {@link Linker.releaseThread} when the thread ends. Needs shared memory.
   *
   * @param options - `stackSize` of the thread (default 64 KiB)
   */
  threadImage(options: { readonly stackSize?: number } = {}): { image: ThreadImage; resources: ThreadResources } {
    return threadImage(this.state, options.stackSize ?? 65536);
  }

  /**
   * What a following thread needs to catch up: libraries loaded since its image or last update
   * (their TLS blocks reserved for it), and those unloaded since. Apply with `Follower.update`.
   * Cost: what changed since (the linker's change log), not what is loaded.
   */
  threadUpdate(resources: ThreadResources, options: { readonly dropping?: readonly Handle[] } = {}): ThreadImage {
    const dropping = new Set((options.dropping ?? []).map((h) => this.state.handles.get(h.id) ?? h.id));
    return threadUpdate(this.state, resources, dropping);
  }

  /**
   * {@link Linker.threadUpdate} for several threads at once (a `ThreadGroup`'s sync): what the
   * updates share is computed once. Each thread gets its update, or in its place the error that
   * kept it from being made (no memory for its TLS block, say).
   */
  threadUpdates(
    threads: readonly ThreadResources[],
    options: { readonly dropping?: readonly Handle[] } = {},
  ): (ThreadImage | Error)[] {
    const dropping = new Set((options.dropping ?? []).map((h) => this.state.handles.get(h.id) ?? h.id));
    return threadUpdates(this.state, threads, dropping);
  }

  /**
   * Unloads every library that nothing keeps any more but is still resident — those a
   * `beforeUnload` veto kept (a `ThreadGroup` vetoes until every thread has dropped them).
   * Returns the handles unloaded.
   */
  collect(): Handle[] {
    const loose = [...this.state.libraries.values()].filter(
      (l) => l.refcount <= 0 && !l.nodelete && !l.isMain && l.keptBy.size === 0,
    );
    return loose.flatMap((l) => (this.state.libraries.has(l.id) ? unload(this.state, l) : []));
  }

  /** The table slots given to functions so far (a `ThreadGroup` marks them at each sync, for {@link Linker.releaseSlotsSince}). */
  functionSlots(): number[] {
    return this.state.slots.ownedSlots();
  }

  /**
   * Gives back the slots given to functions since `kept` ({@link Linker.functionSlots}) was
   * taken: they go into quarantine, as an unloaded library's slots do. For undoing loads that were
   * unloaded again (a `ThreadGroup` rolling back a load a thread could not take) — a slot given
   * then to a function of an older library (`&f` taken by the rolled-back one) would stay
   * otherwise. Returns how many.
   */
  releaseSlotsSince(kept: ReadonlySet<number>): number {
    let n = 0;
    for (const slot of this.state.slots.ownedSlots()) {
      const func = this.state.table.get(slot) as Callable | null;
      if (kept.has(slot) || func === null) continue;
      this.state.slots.forget(func, true);
      n++;
    }
    return n;
  }

  /** Frees a thread's stack and TLS blocks ({@link Linker.threadImage}). */
  releaseThread(resources: ThreadResources): void {
    releaseThread(this.state, resources);
  }

  /** What a table slot holds now: a library's (and whose), retired after an unload, or free — what a stale function pointer hit. */
  slotInfo(index: number): { readonly state: 'held' | 'quarantined' | 'free'; readonly owner?: string } {
    return this.state.tables.slotState(index);
  }

  /**
   * Hot reload: replaces a resident library by a new build of it, in the running program. The
   * new build loads (with its NEEDED; its constructors run), then the old one's destructors and
   * `dl_before_unload` hook run, and every GOT entry, PLT entry and table slot that pointed at
   * the old build points at the new one — a stored function pointer keeps working and calls the
   * new code. The handle stays the same object. A failed reload leaves the old build running and
   * the state digest unchanged.
   *
   * @param handle - the library to replace
   * @param source - its new build (a name for the loader, bytes or a module)
   * @throws DlError `DL_RELOAD_INCOMPATIBLE` (exported function types or data sizes changed;
   *   see `allowIncompatible`), `DL_RELOAD_BOUND` (a library calls it directly: open it
   *   `reloadable`), any load error of the new build (`DL_INIT_FAILED`…)
   */
  async reload(handle: Handle, source: LibrarySource, options: ReloadOptions = {}): Promise<Handle> {
    const t0 = now();
    const job = reloadJob(this.state, this.library(handle), source, options);
    return finishReload(this.state, await this.perform(job, options), t0);
  }

  /** {@link Linker.reload}, synchronously. */
  reloadSync(handle: Handle, source: LibrarySource, options: ReloadOptions = {}): Handle {
    const t0 = now();
    return finishReload(this.state, this.performSync(reloadJob(this.state, this.library(handle), source, options)), t0);
  }

  /** Runs the `__cxa_atexit` destructors registered with the linker, newest first. */
  exit(): void {
    for (const { fn, arg } of this.state.atexit.splice(0).reverse()) {
      (this.state.table.get(fn) as (arg: number) => void)(arg);
    }
  }

  /**
   * A library's exports as its instance has them (data unrelocated: use `dlsym` for
   * addresses), with the names it publishes — for runtimes that mirror symbols elsewhere
   * (Emscripten's `Module._name`).
   */
  exportsOf(handle: Handle): {
    readonly exports: WebAssembly.Exports;
    readonly published: readonly string[];
    readonly global: boolean;
  } {
    const lib = this.library(handle);
    if (lib.instance === null)
      throw new DlError('DL_BAD_HANDLE', 'the program has no instance of its own', { library: lib.name });
    return { exports: lib.instance.exports, published: lib.symbols.names, global: lib.global };
  }

  /** One open library as `graph()` shows it (cost: that library only). */
  describe(handle: Handle): GraphLibrary {
    const lib = this.library(handle);
    return describeLibrary(this.state, lib, compatOf(this.state, lib));
  }

  /**
   * Where an open library sits — its memory and table ranges — and whether it is in the global
   * scope: what a runtime records per load (Emscripten's `struct dso`). Cost: constant.
   */
  placement(handle: Handle): LibraryPlacement {
    const lib = this.library(handle);
    return {
      memory: { base: lib.memoryBase, size: lib.meta.dylink.memorySize },
      table: { base: lib.tableBase, size: lib.meta.dylink.tableSize },
      global: lib.global,
    };
  }

  /** Libraries, scopes, memory and table ranges, symbol providers and interpositions. */
  graph(): LinkGraph {
    return describeGraph(this.state);
  }

  /** A string that changes when any reservation, slot, GOT entry, scope or library does. */
  digest(): string {
    return digestState(this.state);
  }

  /** @internal A load recorded into, or replayed from, a link plan (plans/link.ts). */
  async loadPlanned(
    sources: readonly LibrarySource[],
    flags: ResolvedFlags,
    plan: PlanHooks,
    options?: LoadOptions,
  ): Promise<{ readonly handles: Handle[]; readonly result: LoadResult }> {
    const result = await this.perform({ roots: sources, flags, plan }, options);
    return { handles: this.finish(result, flags), result };
  }

  /** @internal {@link Linker.loadPlanned}, synchronously. */
  loadPlannedSync(
    sources: readonly LibrarySource[],
    flags: ResolvedFlags,
    plan: PlanHooks,
  ): { readonly handles: Handle[]; readonly result: LoadResult } {
    const result = this.performSync({ roots: sources, flags, plan });
    return { handles: this.finish(result, flags), result };
  }

  /** @internal The state, for link plans and snapshots (plans/). */
  get linkState(): LinkState {
    return this.state;
  }

  /** @internal Takes the result of a creation load: its roots are open, the main too. */
  adopt(result: LoadResult): void {
    for (const lib of result.roots) lib.refcount++;
    const main = result.loaded.find((l) => l.isMain);
    if (main !== undefined) main.refcount = Math.max(main.refcount, 1);
  }
}
