/**
 * Instantiates a wasi-libc main with the `dl` imports and attaches a `@dl/linker` to it, for
 * any WASI implementation (node's `node:wasi`, a browser shim): the caller gives the
 * `wasi_snapshot_preview1` imports and starts the program.
 */
import { createLinkerSync, DlError } from '@dl/linker';
import type { CreateOptions, Linker, Loader } from '@dl/linker';
import { Dlfcn } from './dlfcn.js';

/** Options of {@link instantiateWasiMain}. */
export interface WasiMainOptions {
  /** Where `dlopen` finds libraries; it must load synchronously (`loadSync`): C's `dlopen` returns at once. */
  readonly loader: Loader;
  /** The WASI implementation's `wasi_snapshot_preview1` import object. */
  readonly wasiImport: WebAssembly.ModuleImports;
  /** Other import modules of the main (besides `wasi_snapshot_preview1` and `dl`). */
  readonly imports?: WebAssembly.Imports;
  /** Further linker options (events, limits, debug); the program and the loader are set here. */
  readonly linker?: Omit<CreateOptions, 'program' | 'loader'>;
  /** The main's name in linker messages and graphs (default `main`). */
  readonly name?: string;
  /**
   * JSPI: `dlopen` suspends the program while the linker loads asynchronously (the loader may
   * fetch; `loadSync` is not needed), and {@link WasiMain.startAsync} runs `_start`. Needs
   * `WebAssembly.Suspending`/`promising` ({@link jspiSupported}), else `DL_INCOMPATIBLE`.
   */
  readonly jspi?: boolean;
}

/** The JSPI API where the engine has it (Chromium ≥ 137; not node 20). */
interface Jspi {
  readonly Suspending: new (f: (...args: never[]) => Promise<unknown>) => object;
  readonly promising: (f: unknown) => (...args: unknown[]) => Promise<unknown>;
}

function jspiApi(): Jspi | null {
  const w = WebAssembly as unknown as Partial<Jspi>;
  return typeof w.Suspending === 'function' && typeof w.promising === 'function' ? (w as Jspi) : null;
}

/** Whether this engine has JSPI (`WebAssembly.Suspending` and `WebAssembly.promising`). */
export function jspiSupported(): boolean {
  return jspiApi() !== null;
}

/** An instantiated main, not started yet, with its linker attached. */
export interface WasiMain {
  readonly instance: WebAssembly.Instance;
  readonly linker: Linker;
  readonly dlfcn: Dlfcn;
  /**
   * With `jspi`: runs the main's `_start` through `WebAssembly.promising`, settling when the
   * program returns or rejecting with what it threw (a WASI implementation's exit exception).
   * The WASI implementation must know the instance first (e.g. `wasi.initialize(instance)`).
   */
  readonly startAsync?: () => Promise<void>;
}

/**
 * Instantiates `module` (a main linked by the recipe in the README: exported table, stack
 * pointer, malloc/free and the C library its side modules use) and attaches a linker to it.
 * Start it with the WASI implementation (`wasi.start(instance)`).
 */
export function instantiateWasiMain(module: WebAssembly.Module, options: WasiMainOptions): WasiMain {
  const name = options.name ?? 'main';
  const jspi = options.jspi === true ? jspiApi() : null;
  if (options.jspi === true && jspi === null)
    throw new DlError(
      'DL_INCOMPATIBLE',
      'JSPI (WebAssembly.Suspending, WebAssembly.promising) is not available in this engine: preload the libraries and use a synchronous loader',
      { library: name },
    );
  if (jspi === null && options.loader.loadSync === undefined)
    throw new DlError(
      'DL_INCOMPATIBLE',
      'the loader must load synchronously (loadSync): C dlopen does not wait (in browsers: preload the libraries, or use jspi where the engine has it; see @dl/wasi README)',
      { library: name },
    );
  const dlfcn = new Dlfcn();
  const dl: WebAssembly.ModuleImports = { ...dlfcn.imports };
  if (jspi !== null)
    dl.dlopen = new jspi.Suspending((file: number, mode: number) =>
      dlfcn.dlopenAsync(file, mode),
    ) as WebAssembly.ImportValue;
  const instance = new WebAssembly.Instance(module, {
    ...options.imports,
    wasi_snapshot_preview1: options.wasiImport,
    dl,
  });
  const linker = createLinkerSync({
    ...options.linker,
    loader: options.loader,
    program: { kind: 'attached', exports: instance.exports, name },
  });
  dlfcn.attach(linker);
  if (jspi === null) return { instance, linker, dlfcn };
  const start = jspi.promising(instance.exports._start);
  return {
    instance,
    linker,
    dlfcn,
    startAsync: async (): Promise<void> => {
      await start();
    },
  };
}
