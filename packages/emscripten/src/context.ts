/**
 * What a running Emscripten program hands to the facade: its memory, table, stack pointer,
 * main-module exports, symbol table, GOT and runtime hooks. The `--js-library` shipped in
 * this package builds it from the generated code's top-level names (3.1.6); the run-time
 * route builds it from `instantiateWasm` and the `Module` object.
 */
export interface EmscriptenContext {
  /** The Emscripten version the program was built with (selects names, offsets, texts). */
  readonly version: string;
  /** The `Module` object: `_name` entries are where the main's JS stubs find side-module functions. */
  readonly Module: Record<string, unknown>;
  readonly memory: WebAssembly.Memory;
  readonly table: WebAssembly.Table;
  readonly stackPointer: WebAssembly.Global;
  /** The main module's exports; data as numbers (absolute addresses) or globals. */
  readonly mainExports: Readonly<Record<string, unknown>>;
  /** The main's GOT (`GOT`), shared with the side modules; null when it has none. */
  readonly got: Record<string, WebAssembly.Global> | null;
  /** The main's import object (`asmLibraryArg` / `wasmImports`): where Emscripten looks symbols up. */
  readonly imports: Record<string, unknown>;
  readonly malloc: (size: number) => number;
  readonly free: (ptr: number) => void;
  /** Whether the runtime (and so `malloc`) is up; before it, memory comes from `__heap_base`. */
  readonly runtimeInitialized: () => boolean;
  /** `__heap_base`, bumped for libraries loaded before the runtime is up (and the GOT entry kept in step). */
  readonly heapBase?: { get(): number; set(value: number): void } | undefined;
  /** Queues a function to run when the runtime initialises, after the main's constructors. */
  readonly addInit: (run: () => void) => void;
  /** Emscripten's own lookup of JS library symbols, `invoke_*` and friends (the last resort). */
  readonly resolveGlobalSymbol?: ((name: string) => unknown) | undefined;
  /** `dynamicLibraries`: the main's NEEDED entries and `Module.dynamicLibraries`. */
  readonly dynamicLibraries: () => readonly string[];
  /** Emscripten's `FS`, where `dlopen` finds files. */
  readonly fs?: EmscriptenFs | null | undefined;
  /** Synchronous and asynchronous readers of URLs / paths (`readBinary`, `readAsync`). */
  readonly readBinary?: ((path: string) => Uint8Array) | null | undefined;
  readonly readAsync?:
    | ((path: string, onload: (data: ArrayBuffer) => void, onerror: (error?: unknown) => void) => void)
    | null
    | undefined;
  /** Sets `dlerror()`'s text. */
  readonly setError: (message: string) => void;
  /** Reads a C string. */
  readonly readString: (ptr: number) => string;
  /** Holds `run()` while an asynchronous preload is under way. */
  readonly runDependency?: { add(id: string): void; remove(id: string): void } | undefined;
  /** Keeps the runtime alive while an asynchronous `dlopen` is under way. */
  readonly keepalive?: { push(): void; pop(): void } | undefined;
  /**
   * Evaluates a side module's EM_JS / EM_ASM source (only with `allowEval`): the link-time route
   * evaluates in the glue's scope, as Emscripten does; by default, a function of `Module`.
   */
  readonly evaluate?: ((source: string) => unknown) | undefined;
  /** Whether the program was built with -sASSERTIONS (Emscripten then logs and asserts more). */
  readonly assertions?: boolean | undefined;
  /** The program's stderr (`err`). */
  readonly err?: ((text: string) => void) | undefined;
  /** Emscripten's `abort(what)`: prints `Aborted(what)` and throws. */
  readonly abort?: ((what: string) => void) | undefined;
  /**
   * Registers what runs when the runtime exits (EXIT_RUNTIME), just before the main's own atexit
   * list: the linker's `exit()`, side modules' destructors. Absent: they never run.
   */
  readonly onExit?: ((run: () => void) => void) | undefined;
  /** Calls back into compiled code the way Emscripten does (exit and exception handling). */
  readonly callUserCallback?: ((run: () => void) => void) | undefined;
}

/** The parts of Emscripten's `FS` the facade reads libraries with. */
export interface EmscriptenFs {
  findObject(path: string): { readonly isFolder: boolean; readonly isDevice?: boolean } | null;
  readFile(path: string, options: { encoding: 'binary' }): Uint8Array;
  cwd?(): string;
}
