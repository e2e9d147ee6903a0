import { DlError } from '@dl/errors';
import { alignUp, FreeRanges } from './free-ranges.js';
import type { Range } from './free-ranges.js';

/** A zeroed region of linear memory handed to one owner (a library's data, a TLS block…). */
export interface Reservation {
  /** First byte, aligned as requested. */
  readonly address: number;
  /** Size in bytes as requested (at least 1, so every reservation has a distinct address). */
  readonly size: number;
  /** Who holds it, e.g. the library name; for diagnostics and leak checks. */
  readonly owner: string;
}

/** Options of {@link MemoryAllocator.reserve}. */
export interface ReserveOptions {
  /**
   * How many bytes at the start of the reservation its owner writes before anything reads
   * them (a side module's active data segments, written when it is instantiated): they are
   * not zeroed first. Default 0: every byte is zeroed.
   */
  readonly written?: number;
}

/** How many of a reservation's `size` bytes its owner writes (`options.written`, within 0…size): those are not zeroed. */
export function writtenOf(size: number, options: ReserveOptions | undefined): number {
  const written = options?.written ?? 0;
  // Anything but a count (NaN, ±Infinity) leaves every byte to zero.
  return Number.isFinite(written) ? Math.max(0, Math.min(size, Math.floor(written))) : 0;
}

/** Where libraries' data goes: a strategy the linker is given. */
export interface MemoryAllocator {
  /** `linker-heap` or `host` (see the two implementations). */
  readonly kind: 'linker-heap' | 'host';
  /**
   * Reserves `size` bytes aligned to `align` (a power of two ≥ 1) and zeroes them (but the
   * first `options.written`).
   *
   * @throws DlError `DL_OUT_OF_MEMORY` when the space cannot be found or grown
   */
  reserve(size: number, align: number, owner: string, options?: ReserveOptions): Reservation;
  /**
   * Gives a reservation back.
   *
   * @throws DlError `DL_BAD_RELEASE` when it is not live (released twice, stale, or never reserved here)
   */
  release(reservation: Reservation): void;
  /** Every reservation currently held, in address order (for digests and leak checks). */
  live(): Reservation[];
}

/** The wasm page size. */
export const PAGE = 65536;

/**
 * Heap space is handed out in granules of 16 bytes (every reservation starts 16-aligned), so
 * rounding never leaves gaps smaller than a granule between reservations. (Without it, each
 * odd-sized reservation left a few-byte free fragment, and best-fit scans grew with them.)
 */
export const GRANULE = 16;

/** Grows `memory` so that `end` bytes are addressable; returns false when it cannot. */
export function ensureMemory(memory: WebAssembly.Memory, end: number): boolean {
  const have = memory.buffer.byteLength;
  if (end <= have) return true;
  try {
    memory.grow(Math.ceil((end - have) / PAGE));
    return true;
  } catch {
    return false;
  }
}

/** Zeroes `[address, address + size)` of `memory` (a fresh view: growth detaches old buffers). */
export function zero(memory: WebAssembly.Memory, address: number, size: number): void {
  // Nothing to zero (a block its data segments write whole) makes no view of the buffer.
  if (size > 0) new Uint8Array(memory.buffer, address, size).fill(0);
}

/** Live reservations kept in a map by address. */
export class ReservationBook {
  private readonly byAddress = new Map<number, Reservation>();

  add(r: Reservation): void {
    this.byAddress.set(r.address, r);
  }

  /**
   * Removes and returns the reservation, throwing when it is not live. It must be the object
   * `reserve` returned: a stale reservation whose address was handed out again is refused.
   */
  remove(r: Reservation): Reservation {
    const held = this.byAddress.get(r.address);
    if (held !== r)
      throw new DlError('DL_BAD_RELEASE', `no live reservation of ${r.size} bytes at ${r.address} to release`, {
        library: r.owner,
      });
    this.byAddress.delete(r.address);
    return held;
  }

  all(): Reservation[] {
    return [...this.byAddress.values()].sort((a, b) => a.address - b.address);
  }
}

/** Options of a {@link LinkerHeap}. */
export interface LinkerHeapOptions {
  /** First address the heap may use (below it: the host's data, the stack…). */
  readonly start: number;
  /** Addresses at and above this are never used (default: whatever the memory can grow to). */
  readonly end?: number;
}

/**
 * Strategy (a): a heap the linker owns inside the linear memory, for hosts without an
 * allocator of their own. Best-fit over coalesced free ranges; the memory grows (in whole
 * pages, as needed) when no free range fits. Memory never handed out before is known to be
 * zero; reused memory is zeroed again.
 */
export class LinkerHeap implements MemoryAllocator {
  readonly kind = 'linker-heap' as const;
  private readonly free = new FreeRanges();
  private readonly book = new ReservationBook();
  /** One past the highest address ever handed out: everything above is still zero. */
  private highWater: number;
  /** The heap currently spans [start, top). */
  private top: number;

  /**
   * @param memory - the linear memory
   * @param options - where the heap starts (and ends)
   */
  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly options: LinkerHeapOptions,
  ) {
    this.highWater = options.start;
    this.top = options.start;
  }

  reserve(size: number, align: number, owner: string, options?: ReserveOptions): Reservation {
    const bytes = Math.max(1, size);
    const span = alignUp(bytes, GRANULE);
    const at = Math.max(align, GRANULE);
    let address = this.free.take(span, at);
    if (address < 0) address = this.growFor(span, at, owner);
    const from = address + writtenOf(bytes, options);
    const dirtyEnd = Math.min(address + bytes, this.highWater);
    if (dirtyEnd > from) zero(this.memory, from, dirtyEnd - from);
    this.highWater = Math.max(this.highWater, address + bytes);
    const r = { address, size: bytes, owner };
    this.book.add(r);
    return r;
  }

  /** Extends the heap's top (growing the memory) so that `bytes` fit, and takes them. */
  private growFor(bytes: number, align: number, owner: string): number {
    const last: Range | null = this.free.endingAt(this.top);
    const from = last?.start ?? this.top;
    const needEnd = alignUp(from, align) + bytes;
    const limit = this.options.end ?? Infinity;
    if (needEnd > limit || !ensureMemory(this.memory, needEnd)) {
      throw new DlError(
        'DL_OUT_OF_MEMORY',
        `cannot reserve ${bytes} bytes: linear memory cannot grow to ${needEnd} bytes`,
        { library: owner },
      );
    }
    // Everything up to the end of the (possibly grown) memory belongs to the heap now.
    const newTop = Math.min(limit, this.memory.buffer.byteLength);
    this.free.give(this.top, newTop - this.top);
    this.top = newTop;
    const address = this.free.take(bytes, align);
    if (address < 0) throw new DlError('DL_OUT_OF_MEMORY', `cannot reserve ${bytes} bytes`, { library: owner });
    return address;
  }

  release(reservation: Reservation): void {
    const r = this.book.remove(reservation);
    this.free.give(r.address, alignUp(r.size, GRANULE));
  }

  live(): Reservation[] {
    return this.book.all();
  }

  /** The free ranges (for diagnostics and tests). */
  freeRanges(): Range[] {
    return this.free.ranges();
  }
}
