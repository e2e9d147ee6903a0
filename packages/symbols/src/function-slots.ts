import type { Callable } from './definitions.js';

/** How {@link FunctionSlots} gets and gives back table slots (a layout table allocator). */
export interface SlotSource {
  /** Reserves one slot for `owner`. */
  readonly reserve: (owner: string) => number;
  /** Releases a slot reserved by `reserve`. */
  readonly release: (slot: number) => void;
}

/**
 * Function addresses: each wasm function that has its address taken gets exactly one table
 * slot, created on first need and shared by everyone (`&f` is the same number in every
 * module, and equals what `dlsym` returns). Slots a library's own table range already holds
 * for a function are registered and reused, not duplicated. Functions nobody takes the
 * address of never get a slot.
 */
export class FunctionSlots {
  private readonly slots = new Map<Callable, number>();
  /** Slots this registry reserved itself (as opposed to registered from a library's range). */
  private readonly owned = new Map<number, Callable>();

  /**
   * @param table - the program's funcref table
   * @param source - where new slots come from
   */
  constructor(
    private readonly table: WebAssembly.Table,
    private readonly source: SlotSource,
  ) {}

  /** The slot of a function, if it has one. */
  slotOf(func: Callable): number | undefined {
    return this.slots.get(func);
  }

  /** Records that `slot` already holds `func` (e.g. in a library's own table range). */
  register(func: Callable, slot: number): void {
    if (!this.slots.has(func)) this.slots.set(func, slot);
  }

  /**
   * Registers every function in `[base, base + size)` of the table (a library's range after
   * instantiation). Cost: the range's size.
   */
  registerRange(base: number, size: number): void {
    for (let i = base; i < base + size; i++) {
      const f = this.table.get(i) as Callable | null;
      if (f !== null) this.register(f, i);
    }
  }

  /**
   * The slot of a wasm function, reserving one and storing the function in it on first need.
   *
   * @returns the slot and whether it was created now
   */
  ensure(func: Callable, owner: string): { slot: number; created: boolean } {
    const existing = this.slots.get(func);
    if (existing !== undefined) return { slot: existing, created: false };
    const slot = this.source.reserve(owner);
    this.table.set(slot, func);
    this.slots.set(func, slot);
    this.owned.set(slot, func);
    return { slot, created: true };
  }

  /** Forgets a function's slot; a slot this registry reserved is released. */
  forget(func: Callable): void {
    const slot = this.slots.get(func);
    if (slot === undefined) return;
    this.slots.delete(func);
    if (this.owned.get(slot) === func) {
      this.owned.delete(slot);
      this.source.release(slot);
    }
  }

  /** Forgets every function registered in `[base, base + size)` (a library's range going away). */
  forgetRange(base: number, size: number): void {
    for (const [func, slot] of this.slots) if (slot >= base && slot < base + size) this.slots.delete(func);
  }

  /** Number of functions with a slot (diagnostics). */
  get size(): number {
    return this.slots.size;
  }

  /** Slots reserved by this registry, in order (for digests). */
  ownedSlots(): number[] {
    return [...this.owned.keys()].sort((a, b) => a - b);
  }
}
