import type { Callable } from './definitions.js';

/** How {@link FunctionSlots} gets and gives back table slots (a layout table allocator). */
export interface SlotSource {
  /** Reserves one slot for `owner`. */
  readonly reserve: (owner: string) => number;
  /** Releases a slot reserved by `reserve`. */
  readonly release: (slot: number) => void;
  /** Releases a slot of an unloaded library's function into quarantine (default: `release`). */
  readonly retire?: (slot: number) => void;
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
  /** Functions given a slot here, by the id of the library that defines them (for unloading). */
  private readonly byOwner = new Map<number, Set<Callable>>();
  private readonly owners = new Map<Callable, number>();

  /**
   * @param table - the program's funcref table
   * @param source - where new slots come from
   */
  constructor(
    private readonly table: WebAssembly.Table,
    private readonly source: SlotSource,
  ) {}

  /** The id of the library defining a function given a slot here (as `ensure` or `redirect` was told), if known. */
  ownerOf(func: Callable): number | undefined {
    return this.owners.get(func);
  }

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
  ensure(func: Callable, owner: string, ownerId = -1): { slot: number; created: boolean } {
    const existing = this.slots.get(func);
    if (existing !== undefined) return { slot: existing, created: false };
    const slot = this.source.reserve(owner);
    this.table.set(slot, func);
    this.slots.set(func, slot);
    this.owned.set(slot, func);
    this.own(func, ownerId);
    return { slot, created: true };
  }

  /** Forgets a function's slot; a slot this registry reserved is released (or retired). */
  forget(func: Callable, retire = false): void {
    const slot = this.slots.get(func);
    if (slot === undefined) return;
    this.slots.delete(func);
    this.disown(func);
    if (this.owned.get(slot) === func) {
      this.owned.delete(slot);
      (retire ? (this.source.retire ?? this.source.release) : this.source.release)(slot);
    }
  }

  /**
   * Retires the slots given here to the functions of one library (it is unloaded): each slot
   * is cleared and goes to the source's quarantine. Cost: those functions.
   */
  retireOwner(ownerId: number): number {
    const set = this.byOwner.get(ownerId);
    if (set === undefined) return 0;
    const funcs = [...set];
    for (const func of funcs) this.forget(func, true);
    this.byOwner.delete(ownerId);
    return funcs.length;
  }

  /** The functions of one library that were given a slot here, with their slots. */
  slotsOf(ownerId: number): [Callable, number][] {
    return [...(this.byOwner.get(ownerId) ?? [])].map((f) => [f, this.slots.get(f)!]);
  }

  /**
   * Points the slot of `from` at `to` (a library reloaded: a stored pointer calls the new
   * code); the slot now belongs to `to` and its owner.
   */
  redirect(from: Callable, to: Callable, ownerId: number): number | undefined {
    const slot = this.slots.get(from);
    if (slot === undefined || this.slots.has(to)) return undefined;
    this.slots.delete(from);
    this.disown(from);
    this.table.set(slot, to);
    this.slots.set(to, slot);
    if (this.owned.get(slot) === from) this.owned.set(slot, to);
    this.own(to, ownerId);
    return slot;
  }

  private own(func: Callable, ownerId: number): void {
    if (ownerId < 0) return;
    let set = this.byOwner.get(ownerId);
    if (set === undefined) this.byOwner.set(ownerId, (set = new Set()));
    set.add(func);
    this.owners.set(func, ownerId);
  }

  private disown(func: Callable): void {
    const o = this.owners.get(func);
    if (o === undefined) return;
    this.owners.delete(func);
    this.byOwner.get(o)?.delete(func);
  }

  /**
   * Forgets every function registered in `[base, base + size)` (a library's range going away).
   * Cost: the range's size.
   */
  forgetRange(base: number, size: number): void {
    for (let i = base; i < base + size; i++) {
      const f = this.table.get(i) as Callable | null;
      if (f !== null && this.slots.get(f) === i) this.slots.delete(f);
    }
  }

  /** Every function with a slot (registered from a range or reserved here), with its slot. Cost: none until iterated. */
  entries(): MapIterator<[Callable, number]> {
    return this.slots.entries();
  }

  /** Number of functions with a slot (diagnostics). */
  get size(): number {
    return this.slots.size;
  }

  /** The function in a slot this registry reserved, if any. Cost: constant. */
  ownedAt(slot: number): Callable | undefined {
    return this.owned.get(slot);
  }

  /** Slots reserved by this registry, in order (for digests). */
  ownedSlots(): number[] {
    return [...this.owned.keys()].sort((a, b) => a - b);
  }
}
