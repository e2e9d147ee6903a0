/**
 * Runs a wasi-libc main under node's `node:wasi` with `dlopen` on `@dl/linker`: libraries come
 * from the file system (`@dl/loaders/node`), searched in the directories given.
 */
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';
import type { Linker, Loader } from '@dl/linker';
import { fsLoader } from '@dl/loaders/node';
import { instantiateWasiMain } from '../instantiate.js';
import type { WasiMainOptions } from '../instantiate.js';

/** Options of {@link runWasiNode}. */
export interface RunWasiNodeOptions {
  /** The main: a path, its bytes or a compiled module. */
  readonly main: string | Uint8Array<ArrayBuffer> | WebAssembly.Module;
  /** `argv` as C sees it, program name first (default `['main']`). */
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** WASI preopened directories: guest path → host path. */
  readonly preopens?: Readonly<Record<string, string>>;
  /** Directories `dlopen` searches for bare names (default: none); `./x.so` is relative to `cwd`. */
  readonly searchPath?: readonly string[];
  /** The directory relative library names resolve against (default `process.cwd()`). */
  readonly cwd?: string;
  /** A loader instead of the file system one (it must have `loadSync`). */
  readonly loader?: Loader;
  /** File descriptors for the program's standard streams (default: the process's). */
  readonly stdin?: number;
  readonly stdout?: number;
  readonly stderr?: number;
  /** Further linker options. */
  readonly linker?: WasiMainOptions['linker'];
}

/** The outcome of {@link runWasiNode}. */
export interface WasiNodeRun {
  /** The program's exit status (`main`'s return value or `exit()`'s argument). */
  readonly exitCode: number;
  /** The linker, with the libraries the program loaded (graph(), digest()). */
  readonly linker: Linker;
}

/** Compiles (if needed), instantiates, attaches a linker and runs the main to its exit. */
export function runWasiNode(options: RunWasiNodeOptions): WasiNodeRun {
  const module =
    options.main instanceof WebAssembly.Module
      ? options.main
      : new WebAssembly.Module(typeof options.main === 'string' ? readFileSync(options.main) : options.main);
  const wasi = new WASI({
    version: 'preview1',
    args: [...(options.args ?? ['main'])],
    env: { ...options.env },
    preopens: { ...options.preopens },
    returnOnExit: true,
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
    ...(options.stdout === undefined ? {} : { stdout: options.stdout }),
    ...(options.stderr === undefined ? {} : { stderr: options.stderr }),
  });
  const loader =
    options.loader ?? fsLoader({ cwd: options.cwd ?? process.cwd(), searchPath: options.searchPath ?? [] });
  const { instance, linker } = instantiateWasiMain(module, {
    loader,
    wasiImport: wasi.wasiImport as WebAssembly.ModuleImports,
    ...(options.linker === undefined ? {} : { linker: options.linker }),
  });
  const exitCode = wasi.start(instance);
  return { exitCode, linker };
}
