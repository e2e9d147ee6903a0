/**
 * The undo log of one load: every change to shared state registers how to take it back.
 * A failed load rolls back in reverse order; a successful one commits (forgets the log).
 */
export class Journal {
  private undo: (() => void)[] = [];

  /** Records how to undo a change just made. */
  record(undo: () => void): void {
    this.undo.push(undo);
  }

  /** Undoes everything recorded, newest first; every undo runs even if one throws. */
  rollback(): void {
    const steps = this.undo.reverse();
    this.undo = [];
    for (const step of steps) {
      try {
        step();
      } catch {
        // An undo that fails must not stop the others; the state digest test guards this.
      }
    }
  }

  /** Keeps the changes. */
  commit(): void {
    this.undo = [];
  }
}
