import { DlError } from '@dl/errors';
import { alignUp, FreeRanges } from './free-ranges.js';
import { ensureMemory, GRANULE, ReservationBook, writtenOf, zero } from './memory.js';
import type { MemoryAllocator, Reservation, ReserveOptions } from './memory.js';

/** The host program's allocator, e.g. a main module's exports. */
export interface HostHeap {
  /** `malloc(size)`: an address, 0 on failure. */
  readonly malloc: (size: number) => number;
  /** `free(address)`. */
  readonly free: (address: number) => void;
  /** `aligned_alloc(align, size)` / `memalign`, when the host has one. */
  readonly alignedAlloc?: ((align: number, size: number) => number) | undefined;
}

/** The `__heap_base` value the host's allocator starts from, readable and writable. */
export interface HeapBase {
  get(): number;
  set(value: number): void;
}

/** Options of a {@link HostAllocator}. */
export interface HostAllocatorOptions {
  /** The allocator, once the host runtime is up (calls before `ready()` is true bump `heapBase`). */
  readonly heap: HostHeap;
  /** The heap start, bumped for reservations made before the runtime is up. */
  readonly heapBase?: HeapBase | undefined;
  /** Whether the host's runtime (and so its allocator) is up. Default: always. */
  readonly ready?: (() => boolean) | undefined;
}

interface HostReservation extends Reservation {
  /** What `malloc` returned, to free; `-1` for a reservation carved out of `__heap_base`. */
  readonly raw: number;
}

/** The alignment every `malloc` guarantees on wasm32 (C's `max_align_t` is 8 there for dlmalloc). */
const MALLOC_ALIGN = 8;

/**
 * Strategy (b), Emscripten's semantics: before the host runtime is up, reservations bump
 * `__heap_base` (the host allocator will start above them); afterwards they come from the
 * host's `aligned_alloc`/`malloc` and go back with `free`. Space carved from `__heap_base`
 * cannot return to the host heap: when released it is kept on a private free list and
 * reused for later reservations that fit.
 */

export class HostAllocator implements MemoryAllocator {
  readonly kind = 'host' as const;
  private readonly book = new ReservationBook();
  private readonly raw = new Map<number, number>();
  private readonly carved = new FreeRanges();

  /**
   * @param memory - the linear memory the host allocates in
   * @param options - the host heap, `__heap_base` and readiness
   */
  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly options: HostAllocatorOptions,
  ) {}

  reserve(size: number, align: number, owner: string, options?: ReserveOptions): Reservation {
    const bytes = Math.max(1, size);
    const reused = this.carved.take(alignUp(bytes, GRANULE), Math.max(align, GRANULE));
    let address: number;
    let raw: number;
    if (reused >= 0) {
      address = reused;
      raw = -1;
    } else if (this.options.ready?.() === false) {
      const base = this.options.heapBase;
      if (base === undefined)
        throw new DlError('DL_OUT_OF_MEMORY', 'the host runtime is not up and no __heap_base was given', {
          library: owner,
        });
      address = alignUp(base.get(), align);
      const end = alignUp(address + bytes, 16);
      if (!ensureMemory(this.memory, end))
        throw new DlError('DL_OUT_OF_MEMORY', `linear memory cannot grow to ${end} bytes`, { library: owner });
      base.set(end);
      raw = -1;
    } else {
      ({ address, raw } = this.fromHeap(bytes, align, owner));
    }
    const written = writtenOf(bytes, options);
    zero(this.memory, address + written, bytes - written);
    const r: HostReservation = { address, size: bytes, owner, raw };
    this.book.add(r);
    this.raw.set(address, raw);
    return r;
  }

  private fromHeap(bytes: number, align: number, owner: string): { address: number; raw: number } {
    const { heap } = this.options;
    let raw: number;
    let address: number;
    // malloc only promises 8-byte alignment (dlmalloc on wasm32): anything stricter needs the
    // aligned allocator or room to align within the block.
    if (align > MALLOC_ALIGN && heap.alignedAlloc !== undefined) {
      raw = heap.alignedAlloc(align, bytes);
      address = raw;
    } else {
      raw = heap.malloc(align > MALLOC_ALIGN ? bytes + align - MALLOC_ALIGN : bytes);
      address = alignUp(raw, align);
    }
    if (raw === 0)
      throw new DlError('DL_OUT_OF_MEMORY', `the host allocator returned NULL for ${bytes} bytes`, { library: owner });
    return { address, raw };
  }

  release(reservation: Reservation): void {
    const r = this.book.remove(reservation);
    const raw = this.raw.get(r.address) ?? -1;
    this.raw.delete(r.address);
    if (raw >= 0) this.options.heap.free(raw);
    else this.carved.give(r.address, alignUp(r.size, GRANULE));
  }

  live(): Reservation[] {
    return this.book.all();
  }
}
