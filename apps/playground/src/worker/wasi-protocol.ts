/**
 * The WASI program kind of the worker protocol: run a wasi-libc main (the SQLite driver) with
 * argv, its `dlopen` on `@dl/wasi`, side modules from the opened files. Structured-cloneable.
 */
import type { ErrorInfo, FileSource } from './protocol.js';

/** What to run: the main (fetched and compiled once per URL), argv, and the libraries C may dlopen. */
export interface WasiRunRequest {
  readonly main: { readonly name: string; readonly source: FileSource };
  /** `argv[1..]` (the program name is the main's name). */
  readonly args: readonly string[];
  /** Opened files given to `dlopen` (preloaded: C's dlopen is synchronous), by name. */
  readonly libraries: readonly string[];
}

/** How a run ended: what the program printed and its exit status, or why it could not run. */
export type WasiRunOutcome =
  | {
      readonly ok: true;
      readonly stdout: string;
      readonly stderr: string;
      readonly exitCode: number;
      /** The libraries the program loaded while it ran, in load order (the linker's `done` events). */
      readonly loaded: readonly string[];
      readonly ms: number;
    }
  /** The main could not be fetched, compiled or instantiated, or it trapped. */
  | { readonly ok: false; readonly error: ErrorInfo; readonly stdout: string; readonly stderr: string };
