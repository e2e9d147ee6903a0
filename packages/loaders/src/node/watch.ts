/**
 * `watchLibrary`: hot reload while you edit. Watches a library's source files, rebuilds it
 * with the commands you give (e.g. {@link clangSideModule}, the fixtures' clang-16 recipe) once
 * the files have been quiet for a moment, and swaps the new build into the running program
 * with `linker.reload`. A build that fails (the compiler's output is in the error) or a reload
 * the linker refuses leaves the old library running. Node only.
 */
import { execFile } from 'node:child_process';
import type { FSWatcher } from 'node:fs';
import { readFileSync, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { DlError, isDlError } from '@dl/errors';
import type { Handle, LibrarySource } from '@dl/linker';

/** What `watchLibrary` reloads into: a linker (only its `reload` is used). */
export interface Reloadable {
  reload(
    handle: Handle,
    source: LibrarySource,
    options?: { readonly allowIncompatible?: boolean; readonly signal?: AbortSignal },
  ): Promise<Handle>;
}

/** One build command: the program and its arguments, run without a shell. */
export type BuildCommand = readonly [program: string, ...args: string[]];

/** What a successful rebuild and reload report. */
export interface WatchReload {
  /** The library's handle (the same object before and after the reload). */
  readonly handle: Handle;
  /** The changed files that caused this rebuild (empty for {@link LibraryWatcher.rebuild}). */
  readonly changed: readonly string[];
  readonly buildMs: number;
  readonly reloadMs: number;
}

/** Options of {@link watchLibrary}. */
export interface WatchLibraryOptions {
  /** The files whose changes cause a rebuild: the library's sources and headers. */
  readonly files: readonly string[];
  /** The commands that rebuild it, in order (each must exit with 0), e.g. {@link clangSideModule}. */
  readonly build: readonly BuildCommand[];
  /** The file the commands write: the new build of the library. */
  readonly output: string;
  /** Working directory of the commands (default: the output's directory). */
  readonly cwd?: string;
  /** How long the files must stay quiet before a rebuild, in ms (default 100): an editor's save is several writes. */
  readonly debounceMs?: number;
  /** Reload even when a function's type or a data symbol's size changed (see `linker.reload`). */
  readonly allowIncompatible?: boolean;
  /** After each successful rebuild and reload. */
  readonly onReload?: (reload: WatchReload) => void;
  /**
   * When a rebuild fails (`DL_BUILD_FAILED`, the compiler's output in the message) or the linker
   * refuses the new build (e.g. `DL_RELOAD_INCOMPATIBLE`, `DL_INIT_FAILED`): the old library
   * keeps running. Default: `console.error(error.message)`.
   */
  readonly onError?: (error: DlError) => void;
  /** Stops watching (like {@link LibraryWatcher.close}). */
  readonly signal?: AbortSignal;
}

/** A running watch. */
export interface LibraryWatcher {
  /**
   * Rebuilds and reloads now; resolves to whether the new build is running. During a rebuild it
   * asks for one more after it and resolves with the one in progress.
   */
  rebuild(): Promise<boolean>;
  /** Stops watching; resolves once a rebuild in progress has finished. */
  close(): Promise<void>;
}

/** Options of {@link clangSideModule}. */
export interface ClangSideModuleOptions {
  /** The C (or C++, with `compiler: 'clang++-16'`) sources. */
  readonly sources: readonly string[];
  /** The side module to write. */
  readonly output: string;
  /** Default `clang-16`. */
  readonly compiler?: string;
  /** Default `wasm-ld-16`. */
  readonly linker?: string;
  /** More compiler flags (e.g. `-I`, `-D`). */
  readonly cflags?: readonly string[];
  /** More link arguments (e.g. the `.so` files it needs: they become NEEDED entries). */
  readonly ldflags?: readonly string[];
}

/** The fixtures' side-module recipe (toolchains-and-baseline.md §2). */
const CFLAGS = ['--target=wasm32-unknown-emscripten', '-fPIC', '-fvisibility=default', '-O2', '-nostdlib'];
const LDFLAGS = ['-shared', '--experimental-pic', '--export-dynamic'];

/**
 * The commands that build a dylink.0 side module with clang-16 and wasm-ld-16: each source
 * compiled to `OUTPUT.N.o`, then linked into `output`.
 */
export function clangSideModule(options: ClangSideModuleOptions): BuildCommand[] {
  const { sources, output, compiler = 'clang-16', linker = 'wasm-ld-16', cflags = [], ldflags = [] } = options;
  const objects = sources.map((_, i) => `${output}.${i}.o`);
  return [
    ...sources.map((source, i): BuildCommand => [compiler, ...CFLAGS, ...cflags, '-c', source, '-o', objects[i]!]),
    [linker, ...LDFLAGS, ...objects, ...ldflags, '-o', output],
  ];
}

/** Runs one command; rejects with DL_BUILD_FAILED carrying what it printed. */
function run(command: BuildCommand, cwd: string, library: string): Promise<void> {
  const [program, ...args] = command;
  return new Promise((done, fail) => {
    execFile(program, args, { cwd, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      if (error === null) {
        done();
        return;
      }
      const output = `${stdout}${stderr}`.trim();
      const status = typeof error.code === 'number' ? `exited with code ${error.code}` : error.message;
      fail(
        new DlError(
          'DL_BUILD_FAILED',
          `${program} ${status}; the old build keeps running${output ? `:\n${output}` : ''}`,
          {
            library,
            cause: error,
          },
        ),
      );
    });
  });
}

/** Watches the directories of `files` (editors replace files by renaming); calls `changed(path)`. */
function watchFiles(files: readonly string[], changed: (path: string) => void): FSWatcher[] {
  const byDir = new Map<string, Set<string>>();
  for (const f of files.map((f) => resolve(f))) {
    const names = byDir.get(dirname(f)) ?? new Set<string>();
    names.add(basename(f));
    byDir.set(dirname(f), names);
  }
  return [...byDir].map(([dir, names]) =>
    watch(dir, (_event, name) => {
      if (name !== null && names.has(name)) changed(resolve(dir, name));
    }),
  );
}

/** One rebuild and reload; any failure comes back as a DlError (the old build still runs). */
async function rebuildOnce(
  linker: Reloadable,
  handle: Handle,
  options: WatchLibraryOptions,
  files: readonly string[],
): Promise<WatchReload | DlError> {
  const output = resolve(options.output);
  try {
    const t0 = performance.now();
    for (const command of options.build) await run(command, options.cwd ?? dirname(output), handle.name);
    const bytes = readFileSync(output);
    const t1 = performance.now();
    const reloaded = await linker.reload(
      handle,
      { name: handle.name, bytes },
      { allowIncompatible: options.allowIncompatible === true },
    );
    return { handle: reloaded, changed: files, buildMs: t1 - t0, reloadMs: performance.now() - t1 };
  } catch (error) {
    return isDlError(error)
      ? error
      : new DlError('DL_IO', `rebuilding or reloading failed: ${String(error)}`, {
          library: handle.name,
          cause: error,
        });
  }
}

/** Calls a user callback; one that throws is reported on the console, never stops the watch. */
function notify<T>(callback: (value: T) => void, value: T): void {
  try {
    callback(value);
  } catch (error) {
    console.error('watchLibrary: a callback threw:', error);
  }
}

/**
 * Watches a loaded library's sources: on a change (after `debounceMs` of quiet), runs the build
 * commands and reloads the new build into the running program with `linker.reload(handle, …)`;
 * changes during a rebuild cause one more rebuild after it. Rebuilds never overlap. Open the
 * library with `{ reloadable: true }` so that libraries calling it bind through the PLT.
 *
 * @param linker - the linker running the program
 * @param handle - the library to replace (its name is kept)
 * @param options - what to watch, how to rebuild, where the build goes, callbacks
 * @returns the watcher: `rebuild()` now, `close()` to stop
 */
export function watchLibrary(linker: Reloadable, handle: Handle, options: WatchLibraryOptions): LibraryWatcher {
  const { debounceMs = 100, signal } = options;
  const onError =
    options.onError ??
    ((e: DlError) => {
      console.error(e.message);
    });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let changed = new Set<string>();
  let current: Promise<boolean> | null = null;
  let again = false;
  let closed = false;

  const rebuild = (): Promise<boolean> => {
    if (current !== null) {
      again = true;
      return current;
    }
    const files = [...changed];
    changed = new Set();
    current = rebuildOnce(linker, handle, options, files).then((result) => {
      if (isDlError(result)) notify(onError, result);
      else if (options.onReload !== undefined) notify(options.onReload, result);
      current = null;
      if (again && !closed) {
        again = false;
        void rebuild();
      }
      return !isDlError(result);
    });
    return current;
  };
  const watchers = watchFiles(options.files, (path) => {
    if (closed) return;
    changed.add(path);
    clearTimeout(timer);
    timer = setTimeout(() => void rebuild(), debounceMs);
  });
  for (const w of watchers)
    w.on('error', (error) => {
      notify(onError, new DlError('DL_IO', `watching the sources failed: ${String(error)}`, { library: handle.name }));
    });
  const close = async (): Promise<void> => {
    closed = true;
    clearTimeout(timer);
    for (const w of watchers) w.close();
    await current;
  };
  if (signal?.aborted === true) void close();
  else signal?.addEventListener('abort', () => void close(), { once: true });
  return { rebuild, close };
}
