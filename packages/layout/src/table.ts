import { DlError } from '@dl/errors';
import { FreeRanges } from './free-ranges.js';
import type { Range } from './free-ranges.js';

/** A range of table slots held by an owner (a library's `tableSize`, or one function's slot). */
export interface TableRange {
  readonly base: number;
  readonly size: number;
  readonly owner: string;
}

/** Options of a {@link TableAllocator}. */
export interface TableAllocatorOptions {
  /** Slots below this index are never handed out (default 1: slot 0 stays null). */
  readonly firstFree?: number;
  /** Minimum growth step in slots (default 64); growth is also at least half the current length. */
  readonly minGrowth?: number;
}

/**
 * Allocates slots of a funcref table: contiguous ranges for libraries, single slots for
 * functions whose address is taken. One coalescing free list serves both; the table grows
 * in amortised steps (doubling, never one slot at a time: in V8 11.3 a grow costs time proportional to the instances sharing the table), clamped to its
 * maximum. Released slots are cleared to null so the table drops its references.
 */
export class TableAllocator {
  private readonly free = new FreeRanges();
  private readonly held = new Map<number, TableRange>();
  /** Retired ranges, oldest first: cleared, not yet reusable (see {@link TableAllocator.retire}). */
  private readonly quarantine: TableRange[] = [];
  private end: number;
  private readonly minGrowth: number;

  /**
   * @param table - the program's funcref table
   * @param options - the first allocatable index and the growth step
   */
  constructor(
    readonly table: WebAssembly.Table,
    options: TableAllocatorOptions = {},
  ) {
    // Everything the table already holds belongs to its creator; allocate above it.
    this.end = Math.max(table.length, options.firstFree ?? 1);
    this.minGrowth = options.minGrowth ?? 64;
  }

  /**
   * Reserves `size` consecutive slots (aligned to `align`), growing the table if needed.
   *
   * @throws DlError `DL_TABLE_FULL` when the table cannot grow enough
   */
  reserve(size: number, owner: string, align = 1): TableRange {
    if (size === 0) return { base: this.end, size: 0, owner };
    let base = this.free.take(size, align);
    // Retired slots come back only when the table would otherwise have to grow, oldest first.
    while (base < 0 && this.quarantine.length > 0) {
      const r = this.quarantine.shift()!;
      this.free.give(r.base, r.size);
      base = this.free.take(size, align);
    }
    if (base < 0) {
      this.grow(size + align - 1, owner);
      base = this.free.take(size, align);
      if (base < 0) throw new DlError('DL_TABLE_FULL', `cannot find ${size} free table slots`, { library: owner });
    }
    const r = { base, size, owner };
    this.held.set(base, r);
    return r;
  }

  /** Reserves one slot. */
  reserveSlot(owner: string): number {
    return this.reserve(1, owner).base;
  }

  /**
   * Makes room for `count` more slots before they are asked for, growing the table at most once,
   * by what is missing (at least `minGrowth`). For a batch of libraries, before their instances
   * exist: in V8 11.3 a grow costs time proportional to the instances sharing the table, so the
   * doubling grows among 2,000 instances took 242 ms of a load, one grow before them next to
   * nothing. Free and retired slots count; `count` may be an upper bound — a table that cannot
   * grow that far (its maximum) is left as it is, and a later reservation says what is missing.
   */
  reserveAhead(count: number, owner: string): void {
    let free = this.free.total();
    for (const r of this.quarantine) free += r.size;
    if (free >= count) return;
    try {
      // By what is missing, not doubled: an estimate that is too high costs no more than itself
      // (V8 11.3 gives every sharing instance a dispatch table as long as the table).
      const tail = this.free.endingAt(this.end)?.size ?? 0;
      this.grow(count - free + tail, owner, true);
    } catch {
      // DL_TABLE_FULL on an estimate: the reservations themselves will grow as far as they can.
    }
  }

  private grow(atLeast: number, owner: string, exact = false): void {
    // Slots someone else appended since (a runtime's own `addFunction`) are theirs: skip them.
    if (this.table.length > this.end) this.end = this.table.length;
    const length = this.table.length;
    const tail = this.free.endingAt(this.end);
    const missing = Math.max(0, atLeast - (tail?.size ?? 0)) + Math.max(0, this.end - length);
    const step = exact ? Math.max(missing, this.minGrowth) : Math.max(missing, this.minGrowth, length);
    try {
      this.table.grow(step);
    } catch {
      try {
        this.table.grow(missing);
      } catch {
        throw new DlError('DL_TABLE_FULL', `the function table cannot grow by ${missing} slots (length ${length})`, {
          library: owner,
        });
      }
    }
    this.free.give(this.end, this.table.length - this.end);
    this.end = this.table.length;
  }

  /**
   * Releases a range (or a slot) and clears its entries.
   *
   * @throws DlError `DL_BAD_RELEASE` when no range is reserved at its base (released twice, or never reserved)
   */
  release(range: TableRange | number): void {
    const base = typeof range === 'number' ? range : range.base;
    const r = this.held.get(base);
    if (r === undefined) {
      if (typeof range !== 'number' && range.size === 0) return;
      throw new DlError('DL_BAD_RELEASE', `no reserved table range at ${base} to release`);
    }
    this.held.delete(base);
    for (let i = base; i < base + r.size; i++) this.table.set(i, null);
    this.free.give(base, r.size);
  }

  /**
   * Releases a range of an unloaded library (or a slot of one of its functions) into
   * quarantine: its entries are cleared at once — a stale function pointer into it traps
   * instead of calling someone else's function — and it is reused only when the table would
   * otherwise have to grow, the oldest retired first. A long-running program that loads and
   * unloads therefore keeps a stable table length, and a freed slot stays empty for as long
   * as the table has room elsewhere.
   *
   * @throws DlError `DL_BAD_RELEASE` as {@link TableAllocator.release}
   */
  retire(range: TableRange | number): void {
    const base = typeof range === 'number' ? range : range.base;
    const r = this.held.get(base);
    if (r === undefined) {
      if (typeof range !== 'number' && range.size === 0) return;
      throw new DlError('DL_BAD_RELEASE', `no reserved table range at ${base} to retire`);
    }
    this.held.delete(base);
    for (let i = base; i < base + r.size; i++) this.table.set(i, null);
    this.quarantine.push(r);
  }

  /** The state of one slot: held (and by whom), retired and not yet reusable, or free. */
  slotState(index: number): { readonly state: 'held' | 'quarantined' | 'free'; readonly owner?: string } {
    const inRange = (r: TableRange): boolean => index >= r.base && index < r.base + r.size;
    for (const r of this.held.values()) if (inRange(r)) return { state: 'held', owner: r.owner };
    const q = this.quarantine.find(inRange);
    return q === undefined ? { state: 'free' } : { state: 'quarantined', owner: q.owner };
  }

  /** Retired ranges not yet reusable, oldest first (diagnostics). */
  quarantined(): TableRange[] {
    return [...this.quarantine];
  }

  /** Every range held, by base. */
  live(): TableRange[] {
    return [...this.held.values()].sort((a, b) => a.base - b.base);
  }

  /** The free ranges (diagnostics). */
  freeRanges(): Range[] {
    return this.free.ranges();
  }
}
