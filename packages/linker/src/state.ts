import type { MemoryAllocator, Reservation, TableAllocator, TableRange } from '@dl/layout';
import type { Definition, FunctionSlots, GotTable, Provider, Scope, SymbolSource } from '@dl/symbols';
import type { LinkerEvent } from './events.js';
import type { HostFunctions } from './host-functions.js';
import type { Loader } from './loader.js';
import type { LibraryMeta } from './metadata.js';
import type { ClassifiedImport, FuncType } from '@dl/reader';
import type { Plt, PltEntry } from './plt.js';
import type { WasmTag } from './wasm-tag.js';
import type { AdmittedLibrary, Handle, LinkerLimits, RuntimeAdapter } from './types.js';

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
  readonly module: WebAssembly.Module;
  /** True for a relocatable main loaded by the linker. */
  readonly isMain: boolean;
  /** Libraries it needs, in NEEDED order. */
  needed: Library[];
  instance: WebAssembly.Instance | null;
  memory: Reservation | null;
  memoryBase: number;
  table: TableRange | null;
  tableBase: number;
  tlsBase: number | null;
  tlsBlock: Reservation | null;
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
  /** Resident libraries that list it as NEEDED (they keep it loaded). */
  users: number;
  nodelete: boolean;
}

/** A `__cxa_atexit` registration: call table slot `fn` with `arg` at exit (or when `dso`'s library unloads). */
export interface AtExit {
  readonly fn: number;
  readonly arg: number;
  readonly dso: number;
}

/** Everything the linker keeps between loads. */
export interface LinkState {
  readonly memory: WebAssembly.Memory;
  readonly table: WebAssembly.Table;
  readonly stackPointer: WebAssembly.Global;
  allocator: MemoryAllocator;
  readonly tables: TableAllocator;
  readonly global: Scope;
  readonly got: GotTable;
  readonly slots: FunctionSlots;
  readonly hostFunctions: HostFunctions;
  readonly tags: Map<string, WasmTag>;
  /** Open libraries by id; the main program is the provider with id 0. */
  readonly libraries: Map<number, Library>;
  readonly byKey: Map<string, Library>;
  /** Names a loader resolved, to the key they resolved to. */
  readonly aliases: Map<string, string>;
  readonly mainProvider: Provider;
  /** The main module when the linker loaded one (kind 2). */
  main: Library | null;
  /** The host's `__heap_base` global a relocatable main imports (`GOT.mem.__heap_base`). */
  heapBase: WebAssembly.Global | null;
  /** Who runs a load's constructors, when not the load itself (a runtime not up yet defers them). */
  readonly constructors: ((run: () => void) => void) | null;
  /** A running program's GOT the global scope shares (an attached main's), by name. */
  readonly sharedGot: Readonly<Record<string, WebAssembly.Global>> | null;
  /** Stack bounds (for `GOT.mem.__stack_low/__stack_high`). */
  readonly stack: { readonly low: number; readonly high: number };
  readonly limits: LinkerLimits;
  readonly loader: Loader | null;
  readonly imports: WebAssembly.Imports;
  readonly atexit: AtExit[];
  /** Blocks handed out by the `emscripten_builtin_memalign` builtin (undone if their load fails). */
  readonly builtinReservations: { readonly reservation: Reservation; readonly allocator: MemoryAllocator }[];
  nextId: number;
  nextScopeId: number;
  /** A load is under way (loads are serialised). */
  busy: boolean;
  readonly emit: (event: LinkerEvent) => void;
  /** The runtime's check of each library found (`LinkerOptions.admit`). */
  readonly admit: ((library: AdmittedLibrary) => void) | null;
  /** The runtime's phases of a load (`LinkerOptions.runtime`). */
  readonly runtime: RuntimeAdapter | null;
  readonly trace: ((line: string) => void) | null;
}

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
