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
}

/** An instantiated main, not started yet, with its linker attached. */
export interface WasiMain {
  readonly instance: WebAssembly.Instance;
  readonly linker: Linker;
  readonly dlfcn: Dlfcn;
}

/**
 * Instantiates `module` (a main linked by the recipe in the README: exported table, stack
 * pointer, malloc/free and the C library its side modules use) and attaches a linker to it.
 * Start it with the WASI implementation (`wasi.start(instance)`).
 */
export function instantiateWasiMain(module: WebAssembly.Module, options: WasiMainOptions): WasiMain {
  if (options.loader.loadSync === undefined) throw new DlError('DL_INCOMPATIBLE', 'the loader must load synchronously (loadSync): C dlopen does not wait (in browsers: preload or precompile the libraries, see @dl/wasi README)', { library: options.name ?? 'main' });
  const dlfcn = new Dlfcn();
  const instance = new WebAssembly.Instance(module, {
    ...options.imports,
    wasi_snapshot_preview1: options.wasiImport,
    dl: { ...dlfcn.imports },
  });
  const linker = createLinkerSync({
    ...options.linker,
    loader: options.loader,
    program: { kind: 'attached', exports: instance.exports, name: options.name ?? 'main' },
  });
  dlfcn.attach(linker);
  return { instance, linker, dlfcn };
}
