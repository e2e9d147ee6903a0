/**
 * What unloading leaves behind, for the pictures: the memory each unload (or reload) gave back
 * and that nothing reserved again since, and the table slots in quarantine (`linker.slotInfo`).
 */
import type { LinkGraph, Linker } from '@dl/linker';
import type { SlotState, Unloaded } from './protocol.js';

/** `linker.slotInfo(index)`: what a table slot is now. */
export type SlotInfo = ReturnType<Linker['slotInfo']>;

type Range = Unloaded['freedMemory'][number];

const overlaps = (a: { address: number; size: number }, b: { address: number; size: number }): boolean =>
  a.address < b.address + b.size && b.address < a.address + a.size;

/** The unloads of one link, as the pictures show them. */
export class UnloadState {
  private readonly unloaded: string[] = [];
  private freed: Range[] = [];
  private changed = false;

  /** A new link: nothing unloaded. */
  reset(): void {
    this.unloaded.length = 0;
    this.freed = [];
    this.changed = false;
  }

  /**
   * Records one unload or reload from the graphs before and after it: libraries gone (in the
   * order of their `unload` events, dependents first), and the reservations given back (a reload
   * gives back the old build's).
   */
  record(before: LinkGraph, after: LinkGraph, unloadOrder: readonly string[]): void {
    this.changed = true;
    // A reload's new build may take a new id under the same name: that library was not unloaded.
    const resident = new Set(after.libraries.flatMap((l) => [l.id, l.name]));
    const gone = before.libraries.filter((l) => !resident.has(l.id) && !resident.has(l.name)).map((l) => l.name);
    this.unloaded.push(...unloadOrder.filter((name) => gone.includes(name)));
    this.unloaded.push(...gone.filter((name) => !unloadOrder.includes(name)));
    const live = after.memory.reservations;
    for (const r of before.memory.reservations) {
      const kept = live.some((l) => l.owner === r.owner && l.address === r.address && l.size === r.size);
      if (!kept && r.size > 0) this.freed.push({ owner: r.owner, address: r.address, size: r.size });
    }
  }

  /** The state now: freed memory not reserved again, and the quarantined slots in runs per owner. */
  snapshot(graph: LinkGraph, slotInfo: (index: number) => SlotInfo): Unloaded {
    this.freed = this.freed.filter((f) => !graph.memory.reservations.some((r) => overlaps(r, f)));
    return {
      libraries: [...this.unloaded],
      freedMemory: [...this.freed].sort((a, b) => a.address - b.address),
      quarantinedSlots: this.changed ? quarantineRuns(graph.table.length, slotInfo) : [],
    };
  }
}

/** Runs of consecutive quarantined slots with the same former owner. */
export function quarantineRuns(
  length: number,
  slotInfo: (index: number) => SlotInfo,
): { owner: string; base: number; size: number }[] {
  const runs: { owner: string; base: number; size: number }[] = [];
  for (let slot = 0; slot < length; slot++) {
    const info = slotInfo(slot);
    if (info.state !== 'quarantined') continue;
    const owner = info.owner ?? '(unknown)';
    const last = runs.at(-1);
    if (last?.owner === owner && last.base + last.size === slot) last.size++;
    else runs.push({ owner, base: slot, size: 1 });
  }
  return runs;
}

/** A slot's state for the page (`linker.slotInfo`). */
export function slotState(slot: number, slotInfo: (index: number) => SlotInfo): SlotState {
  const info = slotInfo(slot);
  return info.owner === undefined ? { slot, state: info.state } : { slot, state: info.state, owner: info.owner };
}
