import type { HostHeap, LayoutLimits } from '@dl/layout';
import type { FuncType } from '@dl/reader';
import type { Callable } from '@dl/symbols';
import type { LinkerEvent } from './events.js';
import type { Loader } from './loader.js';
import type { RuntimeAdapter } from './runtime.js';

/**
 * A function's wasm type as a host may write it: the reader's `FuncType`, a signature string
 * (`"(i32, i32) -> i32"` or Emscripten letters like `"iii"`), or the plain shapes of the JS API
 * (`{ params, results }`, and type reflection's `{ parameters, results }`).
 */
export type HostFunctionType =
  | FuncType
  | string
  | { readonly params: readonly string[]; readonly results: readonly string[] }
  | { readonly parameters: readonly string[]; readonly results: readonly string[] };

/** A host function, optionally with its wasm type (needed if anyone takes its address). */
export type HostFunction = Callable | { readonly func: Callable; readonly type: HostFunctionType };

/** Host data: bytes to copy into the linker's memory, or a size to zero-fill, and an alignment. */
export interface HostData {
  readonly bytes?: Uint8Array;
  readonly size?: number;
  readonly align?: number;
}

/** (1) No main module: a JS host supplies functions and data; the linker creates the rest. */
export interface JsHostProgram {
  readonly kind: 'host';
  /** Functions the libraries may import (`env.<name>`), first in the global scope. */
  readonly functions?: Readonly<Record<string, HostFunction>>;
  /** Data symbols, placed in linear memory by the linker; their addresses are published. */
  readonly data?: Readonly<Record<string, HostData>>;
  /** The memory to use (default: a new one, `initialPages` pages, growable, not shared). */
  readonly memory?: WebAssembly.Memory;
  /** Initial pages of a memory the linker creates (default 16). */
  readonly initialPages?: number;
  /** Make the created memory shared (for libraries built with threads). */
  readonly shared?: boolean;
  /** The table to use (default: a new one). */
  readonly table?: WebAssembly.Table;
  /** Stack size in bytes (default 64 KiB), carved below the heap. */
  readonly stackSize?: number;
}

/** (2) A relocatable main module (clang `-pie`, emcc ≤ 4.0.18 MAIN_MODULE) the linker loads. */
export interface RelocatableMainProgram {
  readonly kind: 'relocatable';
  /** The main module: bytes or a compiled module. */
  readonly module: Uint8Array | WebAssembly.Module;
  /** Its name in errors and the graph (default `main`). */
  readonly name?: string;
  /** Where it was loaded from (path or URL): its NEEDED libraries are looked up relative to it. */
  readonly location?: string;
  /** Functions the host adds (e.g. what the main imports from JS). */
  readonly functions?: Readonly<Record<string, HostFunction>>;
  /** Imports of other modules than env/GOT (e.g. `wasi_snapshot_preview1`). */
  readonly imports?: WebAssembly.Imports;
  readonly memory?: WebAssembly.Memory;
  readonly initialPages?: number;
  readonly shared?: boolean;
  readonly table?: WebAssembly.Table;
  readonly stackSize?: number;
  /** Where the main's data goes (default 1024, as Emscripten). */
  readonly globalBase?: number;
}

/** (3) An instantiated, non-relocatable main (modern Emscripten, WASI programs) the linker attaches to. */
export interface AttachedMainProgram {
  readonly kind: 'attached';
  /** The main's exports: functions and data (absolute addresses) become the main's symbols. */
  readonly exports: WebAssembly.Exports;
  /** Its memory (default: `exports.memory`). */
  readonly memory?: WebAssembly.Memory;
  /** Its table (default: `exports.__indirect_function_table`). */
  readonly table?: WebAssembly.Table;
  /** Its stack pointer (default: `exports.__stack_pointer`). */
  readonly stackPointer?: WebAssembly.Global;
  /** Functions the host adds. */
  readonly functions?: Readonly<Record<string, HostFunction>>;
  /** Where a linker-owned heap may start when the main has no allocator to use. */
  readonly heapStart?: number;
  /**
   * How to reserve memory in the main, when its exports are not enough: its allocator, and
   * (Emscripten's semantics) whether its runtime is up yet and the `__heap_base` to bump
   * until it is.
   */
  readonly allocator?: {
    readonly heap: HostHeap;
    readonly ready?: (() => boolean) | undefined;
    readonly heapBase?: { get(): number; set(value: number): void } | undefined;
  };
  /**
   * The main's GOT, when it has one the libraries must share (an Emscripten main's `GOT`
   * object): the linker uses these globals for the global scope's GOT entries of the same
   * names, keeps the values already set and fills in the zero ones.
   */
  readonly got?: Readonly<Record<string, WebAssembly.Global>>;
  /**
   * Exception tags the running program already uses (an Emscripten main imports
   * `__cpp_exception` / `__c_longjmp` from its JS): libraries importing a tag of the same name
   * get this one, so what one module throws another can catch. Objects made by
   * `new WebAssembly.Tag`.
   */
  readonly tags?: Readonly<Record<string, object>>;
  readonly name?: string;
}

/** The three kinds of main program. */
export type Program = JsHostProgram | RelocatableMainProgram | AttachedMainProgram;

/** What the linker refuses before it reads further: the layout's limits and the graph's. */
export interface LinkerLimits extends LayoutLimits {
  /** Most NEEDED entries one library may have (default 1,024): more is `DL_LIMIT`. */
  readonly maxNeeded: number;
  /** Most new libraries one `dlopen`/`load` may bring (default 10,000): more is `DL_LIMIT`. */
  readonly maxLibraries: number;
}

/** Options of one asynchronous `dlopen` / `load` call. */
export interface LoadOptions {
  /**
   * Cancels this load: its downloads and reads stop (the loader is given the signal), its
   * compilations are no longer waited for, and it fails with `DL_ABORTED`, changing nothing.
   * A load past its last asynchronous step (instantiated, constructors running) completes.
   */
  readonly signal?: AbortSignal | undefined;
}

/**
 * A part of the compatibility library (see {@link LinkerOptions.compat}): `libc` (ctype, wctype,
 * string, stdlib conversions, qsort/bsearch, math, errno) or `libc++abi` (operator new/delete
 * in every form, `__cxa_pure_virtual`, `__cxa_guard_*`).
 */
export type CompatGroup = 'libc' | 'libc++abi';

/** Options of `createLinker`. */
export interface LinkerOptions {
  /** The main program (default: an empty JS host). */
  readonly program?: Program;
  /** Where NEEDED libraries (and `dlopen` by name) come from. */
  readonly loader?: Loader;
  /** Memory for libraries: `auto` (the host's allocator when the main exports one), or forced. */
  readonly memoryStrategy?: 'auto' | 'linker-heap' | 'host';
  /** Size limits checked before allocating, and the NEEDED graph's limits. */
  readonly limits?: Partial<LinkerLimits>;
  /** Imports of modules other than env / GOT.* offered to every library (e.g. WASI). */
  readonly imports?: WebAssembly.Imports;
  /** Listener for typed load events. */
  readonly onEvent?: (event: LinkerEvent) => void;
  /** Debug tracing (also on when the environment variable `DL_DEBUG` is set). */
  readonly debug?: boolean | ((line: string) => void);
  /**
   * Offer the compatibility library (`libdlcompat.so`, 126 KB of wasm, shipped in this package) to
   * libraries that need C library or C++ runtime functions the program does not have (a C
   * host, a MAIN_MODULE=2 main, a minimal WASI main): the pure, allocation-free parts of musl
   * (`libc`) and operator new/delete on the program's `malloc`/`free` (`libc++abi`). Consulted
   * last — after the program, every library and the `fallback` — so it never replaces a
   * definition anyone has. Loaded when the linker is created (after a relocatable main, before
   * `libraries`), in a scope of its own; `graph()` shows it with its groups.
   * `createLinker` imports the library's bytes (the `@dl/linker/compat-library` entry) when
   * needed; `createLinkerSync` takes them as {@link LinkerOptions.compatLibrary}.
   */
  readonly compat?: readonly CompatGroup[];
  /**
   * The compatibility library's bytes, `compatLibrary()` of `@dl/linker/compat-library`: needed by
   * `createLinkerSync` with `compat` (they are not in the main entry, whose import would scan
   * them: most of its source); `createLinker` imports them itself when this is not given.
   */
  readonly compatLibrary?: Uint8Array;
  /**
   * A runtime's part in every load (Emscripten's facade is one): its phases — `admit`,
   * `resolveFallback`, `instantiated`, `beforeConstructors`, `constructors`, and `unloaded` at an unload — each inside the
   * load's transaction, and the names of its TLS set-up and allocator. See {@link RuntimeAdapter}.
   */
  readonly runtime?: RuntimeAdapter;
  /**
   * Told when an event listener (`onEvent`, `on`) throws: events only observe, so the load goes
   * on. Default: `console.error`.
   */
  readonly onListenerError?: (error: unknown, event: LinkerEvent) => void;
  /**
   * Asked before libraries are unloaded (the last reference went), with their handles,
   * dependents first: return `false` to keep them all resident (the references are dropped
   * all the same; a later `dlopen` revives them), anything else to go on. The place to stop a
   * library's work or save its state; the library's destructors have not run yet.
   */
  readonly beforeUnload?: (libraries: readonly Handle[]) => boolean | undefined;
  /**
   * Leak check for every library (a `dlopen`'s `leakCheck` flag decides per library): the
   * `malloc`, `calloc`, `realloc`, `aligned_alloc`, `posix_memalign` and `free` a library
   * imports are attributed to it; when it is unloaded, what it still holds is reported (a
   * `leak` event; `graph()` shows it meanwhile). `strict` refuses such an unload
   * (`DL_LEAK_DETECTED`). Default `off` (no wrapper, no cost).
   */
  readonly leakCheck?: 'off' | 'report' | 'strict';
}

/** What {@link RuntimeAdapter.admit} sees of a library: its name and its exports and imports as read. */
export interface AdmittedLibrary {
  readonly name: string;
  /** Its canonical key, as the loader gave it. */
  readonly key: string;
  /** Where the loader found it (path or URL), null when given as bytes or a module. */
  readonly location: string | null;
  /** The libraries whose NEEDED entries led to it, nearest first (empty for a root). */
  readonly neededBy: readonly string[];
  readonly exports: readonly { readonly name: string; readonly kind: string }[];
  readonly imports: readonly { readonly module: string; readonly name: string; readonly kind: string }[];
}

/** dlopen flags: musl/Emscripten numbers (`RTLD_*`) or an object. */
export type DlopenFlags =
  | number
  | {
      /** Bind function imports when first called (`lazy`, default) or refuse loads with undefined ones (`now`). */
      readonly binding?: 'lazy' | 'now';
      /** Make the library's symbols visible to everyone (`global`) or only to it and its dependencies (`local`, default). */
      readonly scope?: 'global' | 'local';
      /** Never unload. */
      readonly nodelete?: boolean;
      /** Only return a handle when already loaded. */
      readonly noload?: boolean;
      /**
       * Libraries loaded after it bind to its functions through the PLT (one indirect call)
       * instead of directly, so {@link Linker.reload} can swap it under them.
       */
      readonly reloadable?: boolean;
      /** Attribute its allocations to it and report what it still holds when unloaded (see {@link LinkerOptions.leakCheck}). */
      readonly leakCheck?: 'off' | 'report' | 'strict';
    };

/** The flags, decoded. */
export interface ResolvedFlags {
  readonly now: boolean;
  readonly global: boolean;
  readonly nodelete: boolean;
  readonly noload: boolean;
  readonly reloadable: boolean;
  /** Undefined: the linker's default ({@link LinkerOptions.leakCheck}). */
  readonly leakCheck?: 'off' | 'report' | 'strict';
}

/** Options of {@link Linker.reload}. */
export interface ReloadOptions extends LoadOptions {
  /**
   * Reload even when exported function types or data sizes changed. Importers keep the old
   * addresses and types: only for builds you know are compatible in what importers use.
   */
  readonly allowIncompatible?: boolean;
}

/** What a library can be given as: a name for the loader, or its contents. */
export type LibrarySource =
  | string
  | { readonly name: string; readonly bytes: Uint8Array }
  | { readonly name: string; readonly module: WebAssembly.Module };

/**
 * A handle to a library (or to the whole program for `dlopen(null)`). One object per library:
 * reopening returns the same object (`===`), and so do events (`done`, `instantiate`).
 * Libraries loaded only as NEEDED dependencies have one too, usable with `dlsym`, `exportsOf`,
 * `describe` and `placement` (`handleOf(name)` finds it) — only `dlclose` needs a reference
 * taken by `dlopen`.
 */
export interface Handle {
  readonly id: number;
  readonly name: string;
}

/** What `dlsym` finds. */
export type SymbolValue =
  | {
      readonly kind: 'function';
      readonly name: string;
      /** Call it from JS. */
      readonly func: Callable;
      /**
       * `&f`: its table index, the same number every module sees. A function gets a table slot
       * only when its address is taken, so reading this property gives it one (once; later
       * reads return the same index). It is not enumerable: spreading, `JSON.stringify` and
       * logging the result do not read it, and so do not change the table.
       */
      readonly address: number;
      readonly type: FuncType | null;
      readonly library: string;
    }
  | { readonly kind: 'data' | 'tls'; readonly name: string; readonly address: number; readonly library: string }
  | { readonly kind: 'global'; readonly name: string; readonly global: WebAssembly.Global; readonly library: string };
