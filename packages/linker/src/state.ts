import type { HeldBlocks } from './leak.js';
import type { AliasTable } from './aliases.js';
import type { MemoryAllocator, Reservation, TableAllocator, TableRange } from '@dl/layout';
import type {
  Callable,
  Definition,
  FunctionSlots,
  GotEntry,
  GotTable,
  Provider,
  Scope,
  SymbolSource,
} from '@dl/symbols';
import type { LinkerEvent } from './events.js';
import type { HostFunctions } from './host-functions.js';
import type { Loader } from './loader.js';
import type { LibraryMeta } from './metadata.js';
import type { ClassifiedImport, FuncType } from '@dl/reader';
import type { Plt, PltEntry } from './plt.js';
import type { WasmTag } from './wasm-tag.js';
import type { Journal } from './journal.js';
import type { ChangeLog } from './threads/changes.js';
import type { LibraryRole } from './load/roles.js';
import type { Conventions, RuntimeAdapter } from './runtime.js';
import type { Handle, LinkerLimits } from './types.js';

/** One library (or the main program) and everything the linker did for it. */
export interface Library {
  readonly id: number;
  readonly name: string;
  /** Its one handle object (reopening and events give this same object). */
  readonly handle: Handle;
  /** Canonical key from the loader (or the name given with bytes). */
  readonly key: string;
  /** Where the loader found it (path or URL), or null when given directly. */
  readonly location: string | null;
  readonly provider: Provider;
  readonly meta: LibraryMeta;
  /** Its compiled module: null until its compilation is over (a load places libraries meanwhile). */
  module: WebAssembly.Module | null;
  /** True for a relocatable main loaded by the linker. */
  readonly isMain: boolean;
  /** What it is to the program (a side module, the relocatable main): how a load treats it. */
  readonly role: LibraryRole;
  /** Libraries it needs, in NEEDED order. */
  needed: Library[];
  instance: WebAssembly.Instance | null;
  memory: Reservation | null;
  memoryBase: number;
  table: TableRange | null;
  tableBase: number;
  tlsBase: number | null;
  tlsBlock: Reservation | null;
  /** The block a runtime's TLS set-up asked the aligned allocator for (emcc's `emscripten_tls_init`): what another thread needs too. */
  runtimeTls: { readonly size: number; readonly align: number } | null;
  /** Visible to everyone. */
  global: boolean;
  /** Its RTLD_LOCAL group, when loaded locally. */
  group: Scope | null;
  /** The symbols it publishes (definitions made when looked up). */
  symbols: SymbolSource;
  /** What each bound import is bound to (for the graph): a definition, or null for a weak undefined one. */
  readonly bindings: Map<ClassifiedImport, Definition | null>;
  plts: Plt[];
  /** Function imports bound through the PLT: the entry, the symbol and the type declared. */
  readonly lazy: { readonly entry: PltEntry; readonly name: string; readonly type: FuncType }[];
  /** Open references (dlopen count); NODELETE keeps it forever. */
  refcount: number;
  nodelete: boolean;
  /**
   * Resident libraries that keep it loaded (glibc's rule): those listing it as NEEDED and those
   * bound to one of its symbols directly or through a GOT entry. A PLT entry does not keep it.
   */
  readonly keptBy: Set<Library>;
  /** The libraries it keeps (the other side of `keptBy`). */
  readonly keeps: Set<Library>;
  /** Every scope it is a member of (its own, the groups of later local loads that need it, the global scope). */
  readonly scopes: Set<Scope>;
  /** The GOT entries it imports (each counts it as a user). */
  readonly got: GotEntry[];
  /** PLT entries of other libraries bound to its functions: they revert to unbound when it goes. */
  readonly pltUsers: Set<PltBinding>;
  /** PLT entries of its own bound to other libraries' functions. */
  readonly pltBound: Set<PltBinding>;
  /** What unloading releases, registered while it was loaded (run newest first). */
  readonly teardown: (() => void)[];
  /** Libraries loaded after it reach its functions through the PLT (see `reloadable`). */
  readonly reloadable: boolean;
  /** Its leak check, when on. */
  readonly leakCheck: 'report' | 'strict' | null;
  /** Symbols whose provider was unloaded while a PLT entry of this library was bound to it (for the error). */
  readonly goneProviders: Map<string, string>;
}

/** A PLT entry of `importer` bound to a function of `provider`. */
export interface PltBinding {
  readonly importer: Library;
  readonly provider: Library;
  readonly entry: PltEntry;
  readonly name: string;
}

/** A `__cxa_atexit` registration: call table slot `fn` with `arg` at exit (or when `dso`'s library unloads). */
export interface AtExit {
  readonly fn: number;
  readonly arg: number;
  readonly dso: number;
}

/**
 * Where libraries go: the program's memory, table and stack, and the allocators handing out
 * ranges of them. Set up by the program's kind; a relocatable main's own allocator replaces
 * the linker heap once the main is instantiated.
 */
export interface Placement {
  readonly memory: WebAssembly.Memory;
  readonly table: WebAssembly.Table;
  readonly stackPointer: WebAssembly.Global;
  allocator: MemoryAllocator;
  readonly tables: TableAllocator;
  /** Function table slots given to functions whose address is taken. */
  readonly slots: FunctionSlots;
  /** Stack bounds (for `GOT.mem.__stack_low/__stack_high`). */
  readonly stack: { readonly low: number; readonly high: number };
  /** The host's `__heap_base` global a relocatable main imports (`GOT.mem.__heap_base`). */
  heapBase: WebAssembly.Global | null;
}

/** Who is loaded: the libraries by id and by key, and the names loaders resolved. */
export interface Registry {
  /** Resident libraries by id; the main program is the provider with id 0. */
  readonly libraries: Map<number, Library>;
  readonly byKey: Map<string, Library>;
  /** Names a loader resolved, to the key they resolved to. */
  readonly aliases: AliasTable;
  /** Handles whose library was replaced by a reload: handle id → the library's id now. */
  readonly handles: Map<number, number>;
  /** The main module when the linker loaded one (a relocatable main). */
  main: Library | null;
  nextId: number;
  /** What became resident or stopped being so, and the extra slots given, for following threads. */
  readonly changes: ChangeLog;
}

/** Where symbols are found and shared: scopes, the GOT, tags, host functions, other modules' imports. */
export interface SymbolSpace {
  readonly global: Scope;
  readonly got: GotTable;
  /** A running program's GOT the global scope shares (an attached main's), by name. */
  readonly sharedGot: Readonly<Record<string, WebAssembly.Global>> | null;
  readonly tags: Map<string, WasmTag>;
  readonly hostFunctions: HostFunctions;
  /** The program (host or main) as the provider of its symbols. */
  readonly mainProvider: Provider;
  /** Imports of modules other than env / GOT.* (e.g. WASI). */
  readonly imports: WebAssembly.Imports;
  /** `__cxa_atexit` registrations (destructors run by `linker.exit()`, or when their library unloads). */
  readonly atexit: AtExit[];
  /** The linker's `__cxa_atexit`: every side module's import of it is bound to this (its destructors must run at its unload). */
  readonly registerAtExit: Callable;
  /** Blocks held by leak-checked libraries, by address and by library. */
  readonly held: HeldBlocks;
  /** The leak check's default (`LinkerOptions.leakCheck`). */
  readonly leakCheck: 'off' | 'report' | 'strict';
  /** The host's veto before unloading (`LinkerOptions.beforeUnload`). */
  readonly beforeUnload: ((libraries: readonly Handle[]) => boolean | undefined) | null;
  nextScopeId: number;
}

/** What loads run with: the loader, the limits, the runtime adapter, events, the load under way. */
export interface LoadContext {
  readonly loader: Loader | null;
  readonly limits: LinkerLimits;
  /** The runtime's phases of every load (an empty adapter when none was given). */
  readonly runtime: RuntimeAdapter;
  /** The runtime's names for TLS set-up and the aligned allocator. */
  readonly conventions: Conventions;
  /** The kind of program the linker was made for. */
  readonly programKind: 'host' | 'relocatable' | 'attached';
  readonly emit: (event: LinkerEvent) => void;
  readonly trace: ((line: string) => void) | null;
  /** The transaction of the load under way (loads are serialised), null between loads. */
  load: Journal | null;
  /** A load is under way (loads are serialised). */
  busy: boolean;
}

/**
 * Everything the linker keeps between loads, in four parts a stage takes only what it needs
 * of: {@link Placement}, {@link Registry}, {@link SymbolSpace}, {@link LoadContext}.
 */
export type LinkState = Placement & Registry & SymbolSpace & LoadContext;

/** The libraries reachable from `roots` through `needed`, each once, dependencies first. */
export function dependenciesFirst(roots: Iterable<Library>): Library[] {
  const out: Library[] = [];
  const seen = new Set<Library>();
  const visit = (lib: Library): void => {
    if (seen.has(lib)) return;
    seen.add(lib);
    for (const dep of lib.needed) visit(dep);
    out.push(lib);
  };
  for (const root of roots) visit(root);
  return out;
}
