import type { Definition } from './definitions.js';
import { mutableI32 } from './global-pool.js';
import type { Scope } from './scope.js';

/** `mem`: the entry holds a data address (`GOT.mem.*`); `func`: a table index (`GOT.func.*`). */
export type GotSpace = 'mem' | 'func';

/** One GOT entry: a mutable i32 global shared by every library of one scope. */
export interface GotEntry {
  /** Unique in its table, never reused (another thread's copy of the entry is known by it). */
  readonly id: number;
  readonly space: GotSpace;
  readonly name: string;
  /** The scope whose lookup order resolved (or will resolve) it. */
  readonly scope: Scope;
  /** The global handed to the libraries as their `GOT.mem.<name>` / `GOT.func.<name>` import. */
  readonly global: WebAssembly.Global;
  /** The definition it points at, once resolved; `null` while pending or when weak-undefined (value 0). */
  definition: Definition | null;
  /** Whether its value is final. */
  resolved: boolean;
  /** How many resident libraries import it (the entry goes when the last one is unloaded). */
  users: number;
}

/**
 * The GOT: one entry per (scope, space, name), created on first need and shared by every
 * library that imports it through that scope. Once resolved, an entry keeps its value
 * (immediate binding, as ELF does for data and function-address relocations).
 */
export class GotTable {
  /** scope id → space → name → entry: no key strings are built per lookup. */
  private readonly scopes = new Map<
    number,
    { readonly mem: Map<string, GotEntry>; readonly func: Map<string, GotEntry> }
  >();
  private readonly order = new Set<GotEntry>();
  /** Resolved entries by the id of the provider of their definition (what unloading rebinds). */
  private readonly byProvider = new Map<number, Set<GotEntry>>();
  private nextId = 1;
  /**
   * Observes every change of an existing entry: its value (resolved, made pending) or its
   * deletion — what threads following the program must copy. New entries are not reported
   * (they reach others with the libraries that import them). `moved` is true when the entry was
   * resolved before the change: a value others may have copied as final is no longer its value
   * (a pending entry resolved, or an entry deleted with its last importer, is not a move).
   */
  onChange: ((entry: GotEntry, moved: boolean) => void) | null = null;

  private index(entry: GotEntry): void {
    const id = entry.definition?.provider.id;
    if (id === undefined) return;
    let set = this.byProvider.get(id);
    if (set === undefined) this.byProvider.set(id, (set = new Set()));
    set.add(entry);
  }

  private unindex(entry: GotEntry): void {
    const id = entry.definition?.provider.id;
    if (id === undefined) return;
    const set = this.byProvider.get(id);
    set?.delete(entry);
    if (set?.size === 0) this.byProvider.delete(id);
  }

  private spaceOf(scope: Scope, space: GotSpace): Map<string, GotEntry> {
    let s = this.scopes.get(scope.id);
    if (s === undefined) {
      s = { mem: new Map(), func: new Map() };
      this.scopes.set(scope.id, s);
    }
    return s[space];
  }

  /** The entry for (scope, space, name), if it exists. */
  get(scope: Scope, space: GotSpace, name: string): GotEntry | undefined {
    return this.scopes.get(scope.id)?.[space].get(name);
  }

  /**
   * The entry, created when missing — unresolved with value 0, or already resolved when the
   * definition is known (then the global is created with its final value). `created` tells
   * whether it was made now. `adopt` makes an existing global the entry (a GOT shared with a
   * running program, e.g. Emscripten's): a non-zero value there counts as already resolved and
   * is kept; a zero one takes the known value.
   */
  obtain(
    scope: Scope,
    space: GotSpace,
    name: string,
    known?: { readonly value: number; readonly definition: Definition },
    adopt?: WebAssembly.Global,
  ): { entry: GotEntry; created: boolean } {
    const map = this.spaceOf(scope, space);
    const found = map.get(name);
    if (found !== undefined) return { entry: found, created: false };
    return { entry: this.insert(map, scope, space, name, known, adopt), created: true };
  }

  /**
   * {@link GotTable.obtain} for a name the caller knows has no entry yet (`get` gave
   * undefined): the new entry, without a second lookup.
   */
  create(
    scope: Scope,
    space: GotSpace,
    name: string,
    known?: { readonly value: number; readonly definition: Definition },
    adopt?: WebAssembly.Global,
  ): GotEntry {
    return this.insert(this.spaceOf(scope, space), scope, space, name, known, adopt);
  }

  private insert(
    map: Map<string, GotEntry>,
    scope: Scope,
    space: GotSpace,
    name: string,
    known: { readonly value: number; readonly definition: Definition } | undefined,
    adopt: WebAssembly.Global | undefined,
  ): GotEntry {
    let global: WebAssembly.Global;
    let resolved = known !== undefined;
    if (adopt === undefined) {
      global = mutableI32(known?.value ?? 0);
    } else {
      global = adopt;
      if (global.value !== 0) resolved = true;
      else if (known !== undefined) global.value = known.value;
    }
    const entry: GotEntry = {
      id: this.nextId++,
      space,
      name,
      scope,
      global,
      definition: known?.definition ?? null,
      resolved,
      users: 0,
    };
    map.set(name, entry);
    this.order.add(entry);
    this.index(entry);
    return entry;
  }

  /** Sets an entry's value and marks it resolved. */
  resolve(entry: GotEntry, value: number, definition: Definition | null): void {
    const moved = entry.resolved;
    this.unindex(entry);
    entry.global.value = value;
    entry.definition = definition;
    entry.resolved = true;
    this.index(entry);
    this.onChange?.(entry, moved);
  }

  /** Makes an entry pending again (value 0, no definition): its definition was unloaded. */
  unresolve(entry: GotEntry): void {
    const moved = entry.resolved;
    this.unindex(entry);
    entry.global.value = 0;
    entry.definition = null;
    entry.resolved = false;
    this.onChange?.(entry, moved);
  }

  /** Forgets an entry (rollback of a failed load, or the last user unloaded). */
  delete(entry: GotEntry): void {
    const spaces = this.scopes.get(entry.scope.id);
    if (spaces?.[entry.space].delete(entry.name) !== true) return;
    if (spaces.mem.size === 0 && spaces.func.size === 0) this.scopes.delete(entry.scope.id);
    this.unindex(entry);
    this.order.delete(entry);
    this.onChange?.(entry, false);
  }

  /** Whether the entry is in the table (not deleted). */
  has(entry: GotEntry): boolean {
    return this.order.has(entry);
  }

  /** One more library imports the entry. */
  use(entry: GotEntry): void {
    entry.users++;
  }

  /** A library importing the entry is gone; the entry is deleted with its last user. Returns whether it was. */
  unuse(entry: GotEntry): boolean {
    entry.users--;
    if (entry.users > 0) return false;
    this.delete(entry);
    return true;
  }

  /** The resolved entries whose definition a provider gives (cost: those entries). */
  definedBy(providerId: number): GotEntry[] {
    return [...(this.byProvider.get(providerId) ?? [])];
  }

  /** Every entry, in creation order. */
  all(): GotEntry[] {
    return [...this.order];
  }

  /** A new undo log for this table's changes in one transaction (a load). */
  undoLog(): GotUndo {
    return new GotUndo(this);
  }
}

/**
 * The undo of one transaction's GOT changes, kept as data (several per library): entries it
 * created are deleted, entries it resolved become pending again (value 0).
 */
export class GotUndo {
  private readonly created: GotEntry[] = [];
  private readonly resolved: GotEntry[] = [];
  private readonly used: GotEntry[] = [];

  /** @param got - the table the entries belong to */
  constructor(private readonly got: GotTable) {}

  /** Records an entry created by this transaction. */
  createdEntry(entry: GotEntry): void {
    this.created.push(entry);
  }

  /** Records an entry that was pending (or an adopted global that was 0) before this transaction resolved it. */
  resolvedEntry(entry: GotEntry): void {
    this.resolved.push(entry);
  }

  /** Records that a library of this transaction imports the entry. */
  usedEntry(entry: GotEntry): void {
    this.got.use(entry);
    this.used.push(entry);
  }

  /** Takes every recorded change back, then forgets them. */
  rollback(): void {
    for (const entry of this.used) entry.users--;
    for (const entry of this.resolved) this.got.unresolve(entry);
    for (const entry of this.created) this.got.delete(entry);
    this.commit();
  }

  /** Keeps the changes (forgets the log). */
  commit(): void {
    this.resolved.length = 0;
    this.created.length = 0;
    this.used.length = 0;
  }
}
