import type { AdmittedLibrary, Handle, HostFunction } from './types.js';

/** Registers how to undo what a runtime did during a load (run newest first if the load fails). */
export interface LoadTransaction {
  onRollback(undo: () => void): void;
  /**
   * Registers what to release when the library the phase is about is unloaded (given in the
   * `instantiated` phase; absent where a phase concerns no single library). Runs after the
   * library's destructors and the `unloaded` phase, newest first.
   */
  readonly onUnload?: (release: () => void) => void;
}

/** A library of a load, as a runtime sees it once it is instantiated. */
export interface LoadedLibrary {
  /** Its handle: usable with `dlsym`, `exportsOf`, `describe`, `placement` (no reference counted). */
  readonly handle: Handle;
  /** Its instance's exports (data unrelocated: add `memoryBase`). */
  readonly exports: WebAssembly.Exports;
  /** The names it publishes (its exports less the linker-internal ones). */
  readonly published: readonly string[];
  readonly memoryBase: number;
  readonly tableBase: number;
  /** In the global scope (RTLD_GLOBAL, or promoted by this load). */
  readonly global: boolean;
}

/** What {@link RuntimeAdapter.beforeConstructors} sees of a load. */
export interface LoadedSet {
  /** The new libraries, dependencies first. */
  readonly loaded: readonly LoadedLibrary[];
  /** Libraries already loaded that this load made global (RTLD_GLOBAL over an RTLD_LOCAL load). */
  readonly promoted: readonly LoadedLibrary[];
}

/**
 * A runtime's part in every load (Emscripten's facade is one): named phases the linker calls in
 * this order, and the conventions of the runtime's modules the linker honours.
 *
 * Every phase given a `tx` runs inside the load's transaction: what it does, it registers to
 * undo with `tx.onRollback(undo)`; a failure anywhere in the load — the phase's own included
 * (throw a `DlError`) — runs those undos, newest first, with the linker's own, and the load
 * changes nothing. Events ({@link LinkerOptions.onEvent}), by contrast, only observe: they
 * cannot refuse, change or break a load.
 *
 */
export interface RuntimeAdapter {
  /**
   * 1. Each library a load finds — name, key, location, who needs it, exports and imports as
   * read — before anything is compiled or allocated. Throwing refuses it. (The facade refuses
   * libraries carrying JavaScript unless evaluating it is allowed, and learns their EM_JS names.)
   */
  readonly admit?: (library: AdmittedLibrary, tx: LoadTransaction) => void;
  /**
   * 2. Symbols made on demand for names no library or host defines (a runtime's synthesised
   * functions, such as Emscripten's JS library functions and `invoke_*`): a function (with a
   * type when its address may be taken), a data address, or undefined. Consulted after every
   * scope of a lookup (in a load, after that load's own libraries) and by
   * `dlsym(RTLD_DEFAULT)`, once per name: the answer is kept (one definition, one address).
   * Asked during a load, `tx` is the load's (a failed load forgets the answer too); asked
   * outside one (a lazy call, `dlsym`), `tx` is null and the answer is kept for good.
   */
  readonly resolveFallback?: (name: string, tx: LoadTransaction | null) => HostFunction | number | undefined;
  /** 3. A library was just instantiated: its data is in memory, not yet relocated; nothing has run. */
  readonly instantiated?: (library: LoadedLibrary, tx: LoadTransaction) => void;
  /** 4. Every library of the load is instantiated, bound and relocated; constructors run next. */
  readonly beforeConstructors?: (load: LoadedSet, tx: LoadTransaction) => void;
  /**
   * 5. Runs a load's constructors (given as one function, dependency order inside) — by default
   * the load does, at once. A runtime that is not up yet can defer them (Emscripten runs side
   * modules' constructors after the main's, in `__ATINIT__`); a constructor that fails then can
   * no longer undo the load, which has committed.
   */
  readonly constructors?: (run: () => void) => void;
  /**
   * 6. A library is being unloaded: its destructors and unload hook have run; its names,
   * memory and table slots are still there and go right after. The runtime drops what it
   * keeps of it (mirrored symbols, bookkeeping). A throw is reported with the unload's
   * other failures; the unload completes.
   */
  readonly unloaded?: (library: LoadedLibrary) => void;
  /**
   * The export a library of this runtime calls to set up the calling thread's TLS block, which
   * returns the block's base (its TLS exports are relative to it). Default:
   * {@link sideModuleConventions}. Libraries exporting `__wasm_init_tls` get a block the linker
   * reserves instead.
   */
  readonly tlsInit?: string;
  /**
   * The name under which the program offers the linker's allocator, `(align, size) → address`,
   * to libraries importing it (when the program does not define that name), and which a main's
   * exports may give as its aligned allocator. Blocks it gives during a load that fails are
   * released. Default: {@link sideModuleConventions}.
   */
  readonly alignedAlloc?: string;
}

/**
 * The conventions of the side modules the linker loads without any runtime adapter: emcc's
 * (3.1.6 and later), whose thread-local block is set up by an exported `emscripten_tls_init`
 * that allocates it with an imported `emscripten_builtin_memalign`. A runtime adapter's own
 * names replace these.
 */
export const sideModuleConventions: Conventions = Object.freeze({
  tlsInit: 'emscripten_tls_init',
  alignedAlloc: 'emscripten_builtin_memalign',
});

/** The conventions a linker follows: the runtime adapter's names, else the defaults. */
export type Conventions = Readonly<Required<Pick<RuntimeAdapter, 'tlsInit' | 'alignedAlloc'>>>;

/** The conventions of a runtime adapter, with the defaults filled in. */
export function conventionsOf(adapter: RuntimeAdapter | undefined): Conventions {
  return {
    tlsInit: adapter?.tlsInit ?? sideModuleConventions.tlsInit,
    alignedAlloc: adapter?.alignedAlloc ?? sideModuleConventions.alignedAlloc,
  };
}
