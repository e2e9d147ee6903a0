import { DlError } from '@dl/errors';
import { reserveTlsBlock } from '@dl/layout';
import type { Journal } from './journal.js';
import type { Library, LinkState } from './state.js';

type Fn = (...args: number[]) => unknown;

/**
 * Sets up the current thread's TLS for a library that has thread-locals, and returns the
 * block base its TLS exports are relative to:
 * - `__wasm_init_tls` + `__tls_size` / `__tls_align` exported: a block is reserved and initialised;
 * - `emscripten_tls_init` exported (Emscripten): it allocates and initialises its own block;
 * - otherwise (clang shared-memory modules, whose start function already placed `.tdata` at
 *   `__memory_base` for the first thread; or TLS lowered to plain data): the library's data.
 * Returns null for a library without TLS exports.
 */
export function setUpTls(state: LinkState, journal: Journal, lib: Library): number | null {
  if (lib.meta.dylink.tlsExports.size === 0) return null;
  const ex = lib.instance!.exports;
  const initTls = ex.__wasm_init_tls;
  const size = ex.__tls_size;
  const align = ex.__tls_align;
  if (typeof initTls === 'function' && size instanceof WebAssembly.Global && align instanceof WebAssembly.Global) {
    const block = reserveTlsBlock(state.allocator, { size: size.value as number, align: align.value as number }, `${lib.name} TLS`);
    journal.record(() => { state.allocator.release(block); });
    lib.tlsBlock = block;
    (initTls as Fn)(block.address);
    return block.address;
  }
  if (typeof ex.emscripten_tls_init === 'function') return (ex.emscripten_tls_init as () => number)();
  return lib.memoryBase;
}

/** Calls one initialiser, turning a trap into DL_INIT_FAILED naming the library. */
function call(lib: Library, what: string, fn: Fn): void {
  try {
    fn();
  } catch (e) {
    throw new DlError('DL_INIT_FAILED', `${what} failed: ${e instanceof Error ? e.message : String(e)}`, { library: lib.name, cause: e });
  }
}

/**
 * Runs the initialisers of a load in dependency order: every `__wasm_apply_data_relocs`
 * first (LLVM ≥ 15 exports it; emcc 3.1.6 runs relocations from its start function and
 * again from its constructors), then every `__wasm_call_ctors` or `_initialize`.
 *
 * @param onPhase - told when relocations are done (a host allocator becomes usable then)
 */
export function runInitialisers(state: LinkState, libs: readonly Library[], onPhase: (phase: 'relocated') => void): void {
  for (const lib of libs) {
    const relocs = lib.instance!.exports.__wasm_apply_data_relocs;
    if (typeof relocs !== 'function') continue;
    const t0 = performance.now();
    call(lib, '__wasm_apply_data_relocs', relocs as Fn);
    state.emit({ type: 'relocate', library: lib.name, ms: performance.now() - t0 });
  }
  onPhase('relocated');
  const construct = (): void => {
    for (const lib of libs) {
      const ex = lib.instance!.exports;
      const ctors = ex.__wasm_call_ctors ?? ex._initialize;
      if (typeof ctors !== 'function') continue;
      const t0 = performance.now();
      call(lib, typeof ex.__wasm_call_ctors === 'function' ? '__wasm_call_ctors' : '_initialize', ctors as Fn);
      state.emit({ type: 'init', library: lib.name, ms: performance.now() - t0 });
    }
  };
  if (state.constructors === null) construct();
  else state.constructors(construct);
}
