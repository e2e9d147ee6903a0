import type { GotEntry, GotTable } from '@dl/symbols';
import type { LoadTransaction } from './runtime.js';

/**
 * The undo log of one load: every change to shared state registers how to take it back.
 * A failed load rolls back in reverse order; a successful one commits (forgets the log).
 * The frequent changes (GOT entries created or resolved: several per library) are kept as
 * data, not closures; the rare ones as closures.
 */
export class Journal implements LoadTransaction {
  private undo: (() => void)[] = [];
  private readonly created: GotEntry[] = [];
  private readonly resolved: GotEntry[] = [];

  /** @param got - the GOT whose entries this journal tracks */
  constructor(private readonly got: GotTable) {}

  /** Records how to undo a change just made. */
  record(undo: () => void): void {
    this.undo.push(undo);
  }

  /** A runtime's undo ({@link LoadTransaction}): the same as {@link Journal.record}. */
  onRollback(undo: () => void): void {
    this.undo.push(undo);
  }

  /** Records a GOT entry created by this load. */
  createdEntry(entry: GotEntry): void {
    this.created.push(entry);
  }

  /** Records a GOT entry that was unresolved before this load resolved it. */
  resolvedEntry(entry: GotEntry): void {
    this.resolved.push(entry);
  }

  /** Undoes everything recorded, newest first; every undo runs even if one throws. */
  rollback(): void {
    const steps = this.undo.reverse();
    this.undo = [];
    for (const step of steps) {
      try {
        step();
      } catch {
        // An undo that fails must not stop the others; the state digest tests guard this.
      }
    }
    for (const entry of this.resolved) {
      entry.resolved = false;
      entry.definition = null;
      entry.global.value = 0;
    }
    for (const entry of this.created) this.got.delete(entry);
    this.resolved.length = 0;
    this.created.length = 0;
  }

  /** Keeps the changes. */
  commit(): void {
    this.undo = [];
    this.resolved.length = 0;
    this.created.length = 0;
  }
}
