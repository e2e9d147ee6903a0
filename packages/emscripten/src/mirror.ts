import type { Handle, LoadTransaction, SymbolValue } from '@dl/linker';
import type { EmscriptenContext } from './context.js';
import { publishSymbols } from './publish.js';
import type { PublishedExports } from './publish.js';

/** A library whose symbols may be mirrored: its handle, exports and scope. */
export interface PublishedLibrary extends PublishedExports {
  readonly handle: Handle;
  readonly global: boolean;
}

const asNumber = (x: unknown): number => (typeof x === 'bigint' ? Number(x) : (x as number));

/**
 * Where an Emscripten program finds side modules' symbols besides the linker: global
 * libraries' functions mirrored into `Module` and the import object (Emscripten's
 * mergeLibSymbols), and the main's GOT entries still at 0 filled as libraries define them
 * (its reportUndefinedSymbols). Everything it does inside a load is undone if the load fails.
 */
export class Mirror {
  /** Libraries whose symbols are mirrored (in the order they were), with how to take them back. */
  private readonly published = new Map<number, { readonly lib: PublishedLibrary; undo: () => readonly string[] }>();
  /** The main's GOT entries this mirror filled, by name: the library that defined them. */
  private readonly filled = new Map<string, string>();
  /** Names to look at again once an unload is complete (its definitions have left the scopes). */
  private readonly orphans = { mirrored: new Set<string>(), got: new Set<string>() };
  /** The main's GOT entries still at 0: resolved as libraries define them. */
  private readonly pendingGot: Set<string>;
  /** Whether every pending GOT entry was looked at once (later loads look only at their own names). */
  private settledOnce = false;

  constructor(
    private readonly ctx: Pick<EmscriptenContext, 'Module' | 'imports' | 'got' | 'heapBase'>,
    /** `dlsym(RTLD_DEFAULT)`, undefined when nothing defines the name. */
    private readonly find: (name: string) => SymbolValue | undefined,
  ) {
    this.pendingGot = new Set(
      Object.entries(ctx.got ?? {})
        .filter(([, g]) => g.value === 0)
        .map(([n]) => n),
    );
  }

  /**
   * A load's part of the facade, inside the load's transaction (undone if the load fails):
   * mirror the global libraries' symbols (Emscripten's mergeLibSymbols), and fill the main's GOT
   * entries now defined. The first time every pending entry is looked at; later only the
   * names the newly global libraries publish (cost: this load's libraries, not everything loaded).
   */
  settle(libraries: readonly PublishedLibrary[], tx: LoadTransaction | null): void {
    const names: string[] = [];
    for (const lib of libraries) {
      if (!lib.global || this.published.has(lib.handle.id)) continue;
      const undo = publishSymbols(lib, this.ctx.Module, this.ctx.imports);
      this.published.set(lib.handle.id, { lib, undo });
      tx?.onRollback(() => {
        undo();
        this.published.delete(lib.handle.id);
      });
      if (this.pendingGot.size > 0) names.push(...this.pendingDefinedBy(lib));
    }
    if (this.pendingGot.size === 0) return;
    if (!this.settledOnce) {
      this.settledOnce = true;
      tx?.onRollback(() => {
        this.settledOnce = false;
      });
      names.splice(0, names.length, ...this.pendingGot);
    }
    for (const name of names) this.fillGot(name, tx);
  }

  /** The main's pending GOT entries a library publishes. Cost: the library's names (what this load adds). */
  private pendingDefinedBy(lib: PublishedLibrary): string[] {
    return lib.published.filter((n) => this.pendingGot.has(n));
  }

  /** Fills one of the main's pending GOT entries if the name is defined now. */
  private fillGot(name: string, tx: LoadTransaction | null): void {
    const entry = this.ctx.got?.[name];
    if (entry?.value !== 0) {
      this.pendingGot.delete(name);
      return;
    }
    let value: number | undefined;
    let library: string | undefined;
    if (name === '__heap_base' && this.ctx.heapBase !== undefined) value = this.ctx.heapBase.get();
    else {
      // Still undefined: a later library may define it (a weak or unused import stays 0).
      const s = this.find(name);
      if (s !== undefined) value = s.kind === 'global' ? asNumber(s.global.value) : s.address;
      library = s?.library;
    }
    if (value === undefined) return;
    entry.value = value;
    this.pendingGot.delete(name);
    if (library !== undefined) this.filled.set(name, library);
    tx?.onRollback(() => {
      entry.value = 0;
      this.pendingGot.add(name);
      this.filled.delete(name);
    });
  }

  /**
   * The runtime's `unloaded` phase for one library (its names are still in the scopes): its
   * entries leave `Module` and the import object, and the main's GOT entries it defined go back
   * to 0 and pending. {@link afterUnload} then gives both to the next definition, if any.
   */
  unloaded(handle: Handle): void {
    const entry = this.published.get(handle.id);
    if (entry !== undefined) {
      this.published.delete(handle.id);
      for (const name of entry.undo()) this.orphans.mirrored.add(name);
    }
    for (const [name, library] of this.filled) {
      if (library !== handle.name) continue;
      const got = this.ctx.got?.[name];
      if (got !== undefined) got.value = 0;
      this.filled.delete(name);
      this.pendingGot.add(name);
      this.orphans.got.add(name);
    }
  }

  /**
   * Once an unload's libraries have left the scopes (its first `unload` event): what they had in `Module`, the import object
   * and the main's GOT goes to the next definition, as a native lookup would find it — the
   * first global library (in load order) exporting the function, the next definition in scope
   * for a GOT entry — or stays absent / 0.
   */
  afterUnload(): void {
    const { mirrored, got } = this.orphans;
    if (mirrored.size > 0) {
      for (const entry of this.published.values()) {
        const published = entry.lib.published.filter((n) => mirrored.has(n));
        if (published.length === 0) continue;
        const more = publishSymbols({ exports: entry.lib.exports, published }, this.ctx.Module, this.ctx.imports);
        const before = entry.undo;
        entry.undo = (): readonly string[] => [...more(), ...before()];
      }
      mirrored.clear();
    }
    for (const name of got) this.fillGot(name, null);
    got.clear();
  }

  /** Looks at every pending GOT entry again (Emscripten's `reportUndefinedSymbols()`). */
  settleAll(): void {
    this.settledOnce = false;
    this.settle([], null);
  }
}
