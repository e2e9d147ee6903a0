import { compatBytesMissing, compatEnabled, creationLoads, setUpCompat } from './compat.js';
import { Listeners } from './events.js';
import { Linker } from './linker.js';
import type { LoadJob } from './load/job.js';
import { setUpProgram } from './program.js';
import type { LibrarySource, LinkerOptions } from './types.js';

/** Options of {@link createLinker}: the linker's, plus libraries to load with the program. */
export interface CreateOptions extends LinkerOptions {
  /** Libraries loaded (globally) in the same pass as the program, like Emscripten's `dynamicLibraries`. */
  readonly libraries?: readonly LibrarySource[];
}

/** The compatibility library's bytes: given, or imported from its own entry when `compat` names a group. */
async function compatBytes(options: CreateOptions): Promise<Uint8Array | undefined> {
  if (options.compatLibrary !== undefined || (options.compat ?? []).length === 0) return options.compatLibrary;
  return (await import('./compat-library.js')).compatLibrary();
}

/** The linker and the loads that create its program; `compat`: the compatibility library's bytes, when it has them. */
function prepare(options: CreateOptions, compat: Uint8Array | undefined): { linker: Linker; loads: LoadJob[] } {
  const enabled = compatEnabled(options.compat);
  if (enabled.length > 0 && compat === undefined) throw compatBytesMissing();
  const listeners = new Listeners(options.onEvent, options.onListenerError);
  const { state, main } = setUpProgram({
    ...options,
    onEvent: (e) => {
      listeners.emit(e);
    },
  });
  const linker = Linker.fromState(state, listeners);
  const compatLoad = compat === undefined ? null : setUpCompat(state, enabled, compat);
  return { linker, loads: creationLoads(main, options.libraries ?? [], compatLoad) };
}

/**
 * Creates a linker for a program. A relocatable main is loaded (with its NEEDED libraries
 * and `options.libraries`) before this resolves. With `compat` and no `compatLibrary`, the
 * compatibility library's entry (`@dl/linker/compat-library`) is imported first.
 */
export async function createLinker(options: CreateOptions = {}): Promise<Linker> {
  const { linker, loads } = prepare(options, await compatBytes(options));
  for (const job of loads) linker.adopt(await linker.perform(job));
  return linker;
}

/**
 * {@link createLinker}, synchronously. With `compat`, give the library's bytes as
 * `compatLibrary` (`compatLibrary()` of `@dl/linker/compat-library`).
 *
 * @throws DlError `DL_INCOMPATIBLE` for `compat` without `compatLibrary`
 */
export function createLinkerSync(options: CreateOptions = {}): Linker {
  const { linker, loads } = prepare(options, options.compatLibrary);
  for (const job of loads) linker.adopt(linker.performSync(job));
  return linker;
}
