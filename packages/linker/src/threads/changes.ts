import type { GotEntry } from '@dl/symbols';

/**
 * A change: a library (by id) became resident or stopped being so; a table slot outside
 * every library's own range was given a function (`created`: reserved now) or re-pointed (a
 * reload); or a GOT entry took another value (a reload moved its data, an unload rebound it) or
 * was deleted. Changes are hints, checked against the linker's state when read: an entry of a
 * load that was rolled back needs no removal.
 */
export type Change =
  | { readonly kind: 'library'; readonly id: number }
  | { readonly kind: 'slot'; readonly index: number; readonly created: boolean }
  | { readonly kind: 'got'; readonly entry: GotEntry };

/**
 * Where one reader (a following thread, a `ThreadGroup`'s last sync) is in a {@link ChangeLog}:
 * the changes from `position` on are the ones it has not taken yet.
 */
export interface ChangeReader {
  /** Absolute position in the log. */
  readonly position: number;
  /** The highest library id given out when the reader last moved to the end. */
  readonly lastLibrary: number;
}

interface Cursor {
  position: number;
  lastLibrary: number;
}

/**
 * What changed in a linker's residents and extra table slots, for the threads following it:
 * an update reads the changes since its thread's last one instead of walking everything loaded.
 * Changes are recorded only while a reader exists, and dropped once every reader is past them.
 */
export class ChangeLog {
  private entries: Change[] = [];
  /** Absolute position of `entries[0]`. */
  private start = 0;
  private readonly readers = new Set<Cursor>();
  private lastLibrary = 0;
  private gotChanges = 0;

  /** The position after the last change. */
  get end(): number {
    return this.start + this.entries.length;
  }

  /** Whether a thread follows (a reader exists): changes are recorded only then. */
  get following(): boolean {
    return this.readers.size > 0;
  }

  /**
   * How many times a resolved GOT entry changed its value (moved, or made pending again),
   * counted with or without readers: what was made from resolved GOT values before the count
   * moved may be stale. A pending entry resolved, or an entry deleted with its last importer,
   * does not count: nothing resident took its value as final.
   */
  get gotChangeCount(): number {
    return this.gotChanges;
  }

  /** How many changes are kept (diagnostics, tests). */
  get size(): number {
    return this.entries.length;
  }

  /** A library became resident (its id is the highest given so far) or stopped being so. */
  library(id: number): void {
    if (id > this.lastLibrary) this.lastLibrary = id;
    if (this.following) this.entries.push({ kind: 'library', id });
  }

  /** A slot outside the libraries' own ranges got a function. */
  slot(index: number, created: boolean): void {
    if (this.following) this.entries.push({ kind: 'slot', index, created });
  }

  /**
   * A GOT entry changed its value or was deleted (every thread's copy must follow); `moved`:
   * it was resolved before (`GotTable.onChange` in @dl/symbols).
   */
  got(entry: GotEntry, moved: boolean): void {
    if (moved) this.gotChanges++;
    if (this.following) this.entries.push({ kind: 'got', entry });
  }

  /** A new reader, at the end: it has seen everything so far. */
  reader(): ChangeReader {
    const r: Cursor = { position: this.end, lastLibrary: this.lastLibrary };
    this.readers.add(r);
    return r;
  }

  /** Whether `r` reads this log (it was not released). */
  reads(r: ChangeReader): boolean {
    return this.readers.has(r);
  }

  /** The changes `r` has not taken yet, oldest first. */
  since(r: ChangeReader): readonly Change[] {
    return this.entries.slice(Math.max(0, r.position - this.start));
  }

  /** `r` has taken every change so far; changes every reader has taken are dropped. */
  advance(r: ChangeReader): void {
    const c = r as Cursor;
    c.position = this.end;
    c.lastLibrary = this.lastLibrary;
    this.trim();
  }

  /** Forgets a reader (its thread ended). */
  release(r: ChangeReader): void {
    this.readers.delete(r);
    this.trim();
  }

  /** Drops the changes below the lowest reader, in batches (amortised constant per change). */
  private trim(): void {
    let low = this.end;
    for (const r of this.readers) low = Math.min(low, r.position);
    const drop = low - this.start;
    if (drop === 0 || drop * 2 < this.entries.length) return;
    this.entries = this.entries.slice(drop);
    this.start = low;
  }
}
