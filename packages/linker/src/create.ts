import { creationLoads, setUpCompat } from './compat.js';
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

function prepare(options: CreateOptions): { linker: Linker; loads: LoadJob[] } {
  const listeners = new Listeners(options.onEvent, options.onListenerError);
  const { state, main } = setUpProgram({
    ...options,
    onEvent: (e) => {
      listeners.emit(e);
    },
  });
  const linker = Linker.fromState(state, listeners);
  return { linker, loads: creationLoads(main, options.libraries ?? [], setUpCompat(state, options.compat)) };
}

/**
 * Creates a linker for a program. A relocatable main is loaded (with its NEEDED libraries
 * and `options.libraries`) before this resolves.
 */
export async function createLinker(options: CreateOptions = {}): Promise<Linker> {
  const { linker, loads } = prepare(options);
  for (const job of loads) linker.adopt(await linker.perform(job));
  return linker;
}

/** {@link createLinker}, synchronously. */
export function createLinkerSync(options: CreateOptions = {}): Linker {
  const { linker, loads } = prepare(options);
  for (const job of loads) linker.adopt(linker.performSync(job));
  return linker;
}
