import type { GotEntry, GotTable, GotUndo } from '@dl/symbols';
import type { LoadTransaction } from './runtime.js';

/**
 * The undo log of one load: every change to shared state registers how to take it back.
 * A failed load rolls back in reverse order; a successful one commits (forgets the log).
 * The frequent changes (GOT entries created or resolved: several per library) are kept as
 * data by the GOT's own undo log, not as closures; the rare ones as closures.
 */
export class Journal implements LoadTransaction {
  private undo: (() => void)[] = [];
  private readonly got: GotUndo;

  /** @param got - the GOT whose entries this journal tracks */
  constructor(got: GotTable) {
    this.got = got.undoLog();
  }

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
    this.got.createdEntry(entry);
  }

  /** Records a GOT entry that was unresolved before this load resolved it. */
  resolvedEntry(entry: GotEntry): void {
    this.got.resolvedEntry(entry);
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
    this.got.rollback();
  }

  /** Keeps the changes. */
  commit(): void {
    this.undo = [];
    this.got.commit();
  }
}
