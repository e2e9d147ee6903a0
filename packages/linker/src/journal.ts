import type { GotEntry, GotTable, GotUndo } from '@dl/symbols';
import type { LoadTransaction } from './runtime.js';
import type { Library } from './state.js';

/**
 * The undo log of one load: every change to shared state registers how to take it back.
 * A failed load rolls back in reverse order; a successful one commits (forgets the log).
 * The frequent changes (GOT entries created or resolved: several per library) are kept as
 * data by the GOT's own undo log, not as closures; the rare ones as closures.
 */
export class Journal implements LoadTransaction {
  private undo: (() => void)[] = [];
  private readonly got: GotUndo;
  /** The library being placed and instantiated (what it allocates meanwhile is its own). */
  current: Library | null = null;
  /** The libraries this load creates, by id (bindings find their provider here before they are resident). */
  readonly libraries: Map<number, Library> = new Map<number, Library>();

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

  /**
   * Records something a library of this load holds: `rollback` undoes it if the load fails,
   * `unload` (default: the same) releases it when the library is unloaded.
   */
  own(lib: Library, rollback: () => void, unload: () => void = rollback): void {
    this.undo.push(rollback);
    lib.teardown.push(unload);
  }

  /** {@link Journal.own} for the library being set up; a plain {@link Journal.record} between libraries. */
  ownCurrent(release: () => void): void {
    if (this.current === null) this.record(release);
    else this.own(this.current, release);
  }

  /** A runtime's view of the transaction for one library: its undo, and what to release at its unload. */
  forLibrary(lib: Library): LoadTransaction {
    return {
      onRollback: (undo) => {
        this.undo.push(undo);
      },
      onUnload: (release) => {
        lib.teardown.push(release);
      },
    };
  }

  /** Records a GOT entry created by this load. */
  createdEntry(entry: GotEntry): void {
    this.got.createdEntry(entry);
  }

  /** Records that a library of this load imports a GOT entry (one more user). */
  usedEntry(entry: GotEntry): void {
    this.got.usedEntry(entry);
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
