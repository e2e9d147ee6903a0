import { reserveTlsBlock } from '@dl/layout';
import type { Journal } from '../journal.js';
import type { Library, LoadContext, Placement } from '../state.js';

/**
 * Step 4c, "TLS set-up": the current thread's thread-locals of a library that has them, and
 * the block base its TLS exports are relative to:
 * - `__wasm_init_tls` + `__tls_size` / `__tls_align` exported: a block is reserved and initialised;
 * - the runtime's TLS-init export (`RuntimeAdapter.tlsInit`; emcc's by default) exported: it
 *   allocates and initialises its own block and returns it;
 * - otherwise (clang shared-memory modules, whose start function already placed `.tdata` at
 *   `__memory_base` for the first thread; or TLS lowered to plain data): the library's data.
 * Returns null for a library without TLS exports.
 */
export function setUpTls(state: Placement & LoadContext, journal: Journal, lib: Library): number | null {
  if (lib.meta.dylink.tlsExports.size === 0) return null;
  const ex = lib.instance!.exports;
  const initTls = ex.__wasm_init_tls;
  const size = ex.__tls_size;
  const align = ex.__tls_align;
  if (typeof initTls === 'function' && size instanceof WebAssembly.Global && align instanceof WebAssembly.Global) {
    const block = reserveTlsBlock(
      state.allocator,
      { size: size.value as number, align: align.value as number },
      `${lib.name} TLS`,
    );
    const allocator = state.allocator;
    journal.own(lib, () => {
      allocator.release(block);
    });
    lib.tlsBlock = block;
    (initTls as (base: number) => void)(block.address);
    return block.address;
  }
  const runtimeInit = ex[state.conventions.tlsInit];
  if (typeof runtimeInit === 'function') return (runtimeInit as () => number)();
  return lib.memoryBase;
}
