import { DlError, messageOf } from '@dl/errors';
import type { Library, LinkState } from '../state.js';
import type { LoadedLibrary } from '../runtime.js';
import type { Journal } from '../journal.js';
import { now } from '../clock.js';

type Fn = () => unknown;

/** What a runtime adapter sees of a library of the load. */
export function loadedView(lib: Library): LoadedLibrary {
  return {
    handle: lib.handle,
    exports: lib.instance!.exports,
    published: lib.symbols.names,
    memoryBase: lib.memoryBase,
    tableBase: lib.tableBase,
    global: lib.global,
  };
}

/** Calls one initialiser, turning a trap into DL_INIT_FAILED naming the library. */
function call(lib: Library, what: string, fn: Fn): void {
  try {
    fn();
  } catch (e) {
    throw new DlError('DL_INIT_FAILED', `${what} failed: ${messageOf(e)}`, { library: lib.name, cause: e });
  }
}

/** Every `__wasm_apply_data_relocs` (LLVM ≥ 15 exports it; emcc 3.1.6 relocates from its start function and again from its constructors). */
function relocate(state: LinkState, libs: readonly Library[]): void {
  for (const lib of libs) {
    const relocs = lib.instance!.exports.__wasm_apply_data_relocs;
    if (typeof relocs !== 'function') continue;
    const t0 = now();
    call(lib, '__wasm_apply_data_relocs', relocs as Fn);
    state.emit({ type: 'relocate', library: lib.name, ms: now() - t0 });
  }
}

/** Every `__wasm_call_ctors` or `_initialize`, in the order given. */
function construct(state: LinkState, libs: readonly Library[]): void {
  for (const lib of libs) {
    const ex = lib.instance!.exports;
    const ctors = ex.__wasm_call_ctors ?? ex._initialize;
    if (typeof ctors !== 'function') continue;
    const t0 = now();
    call(lib, typeof ex.__wasm_call_ctors === 'function' ? '__wasm_call_ctors' : '_initialize', ctors as Fn);
    state.emit({ type: 'init', library: lib.name, ms: now() - t0 });
  }
}

/**
 * Step 6, "initialise", in dependency order (a relocatable main, instantiated first, last):
 * relocations, then the runtime's `beforeConstructors` phase (`onRelocated` first: a main's
 * allocator becomes usable then), then the constructors — run by the runtime's `constructors`
 * phase when it has one (it may defer them), by the load otherwise.
 */
export function initialise(
  state: LinkState,
  journal: Journal,
  libs: readonly Library[],
  promoted: readonly Library[],
  onRelocated: () => void,
): void {
  const order = [...libs.filter((l) => !l.role.initialisesLast), ...libs.filter((l) => l.role.initialisesLast)];
  relocate(state, order);
  onRelocated();
  state.runtime.beforeConstructors?.({ loaded: libs.map(loadedView), promoted: promoted.map(loadedView) }, journal);
  const run = (): void => {
    construct(state, order);
  };
  if (state.runtime.constructors === undefined) run();
  else state.runtime.constructors(run);
}
