import type { Entry, Thread } from './follow-thread.js';
import type { ImageSlot } from './image.js';

/** Forgets the trampoline a slot held (its slot was overwritten): it can serve another slot. */
function release(t: Thread, slot: number): void {
  const held = t.held.get(slot);
  if (held === undefined) return;
  t.held.delete(slot);
  t.trampolines.give(held);
}

/** Puts a function (or null) in a slot. */
export function setSlot(t: Thread, slot: number, value: WebAssembly.ExportValue | null): void {
  release(t, slot);
  t.table.set(slot, value);
}

/** Puts a trampoline of type `key` for `library` in a slot (reserved beforehand: this cannot fail). */
function placeTrampoline(t: Thread, slot: number, library: number, key: string): void {
  release(t, slot);
  const { id, fn } = t.trampolines.take(key, { library, slot });
  t.held.set(slot, id);
  t.table.set(slot, fn);
}

/** The trampolines a library not instantiated yet needs for its range, by type key. */
export function rangeNeeds(e: Entry, needs: Map<string, number>): void {
  for (const key of e.lib.slotTypes?.types ?? []) needs.set(key, (needs.get(key) ?? 0) + 1);
}

/** Fills the range of a library not instantiated yet with trampolines. */
export function placeRange(t: Thread, e: Entry): void {
  const types = e.lib.slotTypes;
  if (types === null) return;
  for (let i = 0; i < types.offsets.length; i++)
    placeTrampoline(t, e.lib.table.base + types.offsets[i]!, e.lib.id, types.types[i]!);
}

/**
 * A library whose instance was made but refused afterwards (its TLS set-up trapped): its
 * element segments wrote its range, which gets its trampolines back (it stays unmade).
 */
export function restoreRange(t: Thread, e: Entry): void {
  for (const offset of e.lib.slotTypes?.offsets ?? []) {
    const slot = e.lib.table.base + offset;
    const held = t.held.get(slot);
    if (held !== undefined) t.table.set(slot, t.trampolines.functionOf(held));
  }
}

/**
 * A library just instantiated: its element segments filled its range (the trampolines there
 * are free again), and the extra slots given to its exports meanwhile get them.
 */
export function settle(t: Thread, e: Entry): void {
  const types = e.lib.slotTypes;
  for (const offset of types?.offsets ?? []) release(t, e.lib.table.base + offset);
  for (const [slot, name] of e.waiting) setSlot(t, slot, e.instance!.exports[name]!);
  e.waiting.clear();
}

/** Drops an unloaded library on this thread: its slots cleared, its instance forgotten. */
export function drop(t: Thread, id: number): void {
  const range = t.ranges.get(id);
  const end = range === undefined ? 0 : Math.min(t.table.length, range.base + range.size);
  for (let slot = range?.base ?? 0; slot < end; slot++) setSlot(t, slot, null);
  for (const slot of t.extra.get(id) ?? []) {
    if (slot < t.table.length) setSlot(t, slot, null);
    t.extraOwner.delete(slot);
  }
  t.ranges.delete(id);
  t.extra.delete(id);
  t.entries.delete(id);
  t.tlsBlocks.delete(id);
}

/**
 * Sets extra slots to their library's exports, or to a trampoline while the library has no
 * instance (recorded: dropping the library clears them). A slot of unknown type was made
 * ready by instantiating its library first (see `take`).
 */
export function fill(t: Thread, slots: readonly ImageSlot[]): void {
  for (const s of slots) {
    const before = t.extraOwner.get(s.index);
    if (before !== undefined && before !== s.library) {
      t.extra.get(before)?.delete(s.index);
      t.entries.get(before)?.waiting.delete(s.index);
    }
    const e = t.entries.get(s.library)!;
    if (e.instance !== null) setSlot(t, s.index, e.instance.exports[s.name]!);
    else {
      placeTrampoline(t, s.index, s.library, s.type!);
      e.waiting.set(s.index, s.name);
    }
    t.extraOwner.set(s.index, s.library);
    const extra = t.extra.get(s.library);
    if (extra === undefined) t.extra.set(s.library, new Set([s.index]));
    else extra.add(s.index);
  }
}
