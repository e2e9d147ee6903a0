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
  /** Libraries whose symbols are mirrored. */
  private readonly published = new Set<number>();
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
      this.published.add(lib.handle.id);
      const undo = publishSymbols(lib, this.ctx.Module, this.ctx.imports);
      tx?.onRollback(() => {
        undo();
        this.published.delete(lib.handle.id);
      });
      for (const name of lib.published) if (this.pendingGot.has(name)) names.push(name);
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

  /** Fills one of the main's pending GOT entries if the name is defined now. */
  private fillGot(name: string, tx: LoadTransaction | null): void {
    const entry = this.ctx.got?.[name];
    if (entry?.value !== 0) {
      this.pendingGot.delete(name);
      return;
    }
    let value: number | undefined;
    if (name === '__heap_base' && this.ctx.heapBase !== undefined) value = this.ctx.heapBase.get();
    else {
      // Still undefined: a later library may define it (a weak or unused import stays 0).
      const s = this.find(name);
      if (s !== undefined) value = s.kind === 'global' ? asNumber(s.global.value) : s.address;
    }
    if (value === undefined) return;
    entry.value = value;
    this.pendingGot.delete(name);
    tx?.onRollback(() => {
      entry.value = 0;
      this.pendingGot.add(name);
    });
  }

  /** Looks at every pending GOT entry again (Emscripten's `reportUndefinedSymbols()`). */
  settleAll(): void {
    this.settledOnce = false;
    this.settle([], null);
  }
}
