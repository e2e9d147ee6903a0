import { DlError } from '@dl/errors';
import type { MemoryAllocator, Reservation } from './memory.js';

/** A library's thread-local storage needs, from its `__tls_size` / `__tls_align` exports. */
export interface TlsNeeds {
  /** Bytes per thread. */
  readonly size: number;
  /** Alignment in bytes (a power of two). */
  readonly align: number;
}

/**
 * Reserves one thread's TLS block for a library from the memory allocator (zeroed; the
 * library's `__wasm_init_tls` copies `.tdata` into it).
 *
 * @param allocator - where the block comes from
 * @param needs - size and alignment
 * @param owner - e.g. `libfoo.so (thread 0)`
 */
export function reserveTlsBlock(allocator: MemoryAllocator, needs: TlsNeeds, owner: string): Reservation {
  if (!Number.isInteger(Math.log2(needs.align)) || needs.align < 1) {
    throw new DlError('DL_LIMIT', `TLS alignment ${needs.align} is not a power of two`, { library: owner });
  }
  return allocator.reserve(needs.size, Math.max(needs.align, 16), owner);
}
