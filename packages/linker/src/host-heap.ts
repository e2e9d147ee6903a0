import { DlError } from '@dl/errors';
import type { Reservation } from '@dl/layout';
import type { LinkState } from './state.js';

/**
 * The blocks a JS host allocates through the linker (`linker.malloc`), from the linker's
 * memory strategy of the moment (the linker heap, or the main's allocator).
 */
export class HostHeap {
  private readonly blocks = new Map<number, Reservation>();

  /** @param state - the linker's state (its allocator is read at each call) */
  constructor(private readonly state: LinkState) {}

  /** A zeroed block of `size` bytes aligned to `align` (a power of two); its address. */
  malloc(size: number, align: number): number {
    const r = this.state.allocator.reserve(size, align, 'host malloc');
    this.blocks.set(r.address, r);
    return r.address;
  }

  /** Frees a block from {@link HostHeap.malloc}; `free(0)` does nothing. */
  free(address: number): void {
    if (address === 0) return;
    const r = this.blocks.get(address);
    if (r === undefined) throw new DlError('DL_BAD_RELEASE', `free(${address}): not allocated by linker.malloc`);
    this.blocks.delete(address);
    this.state.allocator.release(r);
  }

  /** The size of a block from {@link HostHeap.malloc}, or undefined. */
  sizeOf(address: number): number | undefined {
    return this.blocks.get(address)?.size;
  }
}
