import type { Handle, Linker } from '@dl/linker';
import { relocatedExports } from './publish.js';
import type { EmscriptenAbi } from './versions.js';

/** An entry of the {@link EmscriptenDylink.LDSO} view. */
export interface EmscriptenDso {
  readonly refcount: number;
  readonly name: string;
  /** The library's exports, relocated (functions, and data as absolute addresses). */
  readonly module: Record<string, unknown>;
  readonly global: boolean;
}

/** Emscripten's `LDSO` registry, as the facade shows it. */
export interface LdsoView {
  readonly loadedLibsByName: Record<string, EmscriptenDso>;
  readonly loadedLibsByHandle: Record<number, EmscriptenDso>;
}

/** Where a library sits, as `struct dso` records it (`Linker.placement`'s parts). */
export interface DsoPlacement {
  readonly memory: { readonly base: number; readonly size: number };
  readonly table: { readonly base: number; readonly size: number };
}

/**
 * The C side's view of the facade's libraries: each `struct dso*` libc's `dlopen` allocated (or
 * `loadDynamicLibrary` was given) and the library it stands for, the names libraries were opened
 * by (Emscripten's `LDSO` keys), and the `struct dso` fields Emscripten fills in. When a library
 * is unloaded, all of it is forgotten and the fields are zeroed; libc keeps the `struct dso` in
 * its list (nothing outside dynlink.c can take it out), so a later `dlopen` of the same name
 * returns it, and the facade loads the library into it again.
 */
export class DsoTable {
  /** `struct dso*` → handle. */
  readonly handles: Map<number, Handle> = new Map<number, Handle>();
  /** Names libraries were opened by (the LDSO view's keys). */
  readonly byName: Map<string, Handle> = new Map<string, Handle>();
  /**
   * The `struct dso*` `_dlopen_js` just loaded into: libc's `dlopen` returns it next, and
   * dl_unload.c's `_dl_opened_js` must not count that reference twice.
   */
  private fresh: number | null = null;

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly abi: EmscriptenAbi,
  ) {}

  /** Records a library opened under `name` against `dso` (0: none) and fills the `struct dso` in. */
  record(dso: number, handle: Handle, name: string, where: DsoPlacement | null): void {
    this.byName.set(name, handle);
    if (dso === 0) return;
    this.handles.set(dso, handle);
    if (where === null) return;
    this.write(dso, 1, where.memory.base, where.memory.size, where.table.base, where.table.size);
  }

  /** Marks `dso` as the one `_dlopen_js` just loaded into (see {@link takeFresh}). */
  markFresh(dso: number): void {
    this.fresh = dso;
  }

  /** Whether `dso` is the one `_dlopen_js` just loaded into (the mark is taken). */
  takeFresh(dso: number): boolean {
    const fresh = this.fresh === dso;
    this.fresh = null;
    return fresh;
  }

  /** Sets the flags of a `struct dso` (a library loaded again into it, maybe with other flags). */
  setFlags(dso: number, flags: number): void {
    new DataView(this.memory.buffer).setInt32(dso + this.abi.dso.flags, flags, true);
  }

  /** Forgets an unloaded library: its handles, names, and the placement in its `struct dso`s. */
  forget(handle: Handle): void {
    for (const [dso, h] of this.handles) {
      if (h.id !== handle.id) continue;
      this.handles.delete(dso);
      this.write(dso, 0, 0, 0, 0, 0);
    }
    for (const [name, h] of this.byName) if (h.id === handle.id) this.byName.delete(name);
  }

  /** Emscripten's `LDSO` view of what is recorded (cost: every library, each time). */
  view(linker: Linker, mainExports: Readonly<Record<string, unknown>>): LdsoView {
    const entry = (name: string, handle: Handle): EmscriptenDso => {
      if (handle.id === 0) return { refcount: Infinity, name: '__main__', module: { ...mainExports }, global: true };
      const lib = linker.describe(handle);
      return {
        refcount: lib.nodelete ? Infinity : lib.refcount,
        name,
        module: relocatedExports(linker, handle),
        global: lib.global,
      };
    };
    // As in Emscripten, `__main__` is listed once something opened it (dlopen(NULL)).
    const loadedLibsByName: Record<string, EmscriptenDso> = {};
    for (const [name, handle] of this.byName) loadedLibsByName[name] = entry(name, handle);
    const loadedLibsByHandle: Record<number, EmscriptenDso> = {};
    for (const [dso, handle] of this.handles) loadedLibsByHandle[dso] = entry(handle.name, handle);
    return { loadedLibsByName, loadedLibsByHandle };
  }

  private write(
    dso: number,
    allocated: number,
    memAddr: number,
    memSize: number,
    tableAddr: number,
    tableSize: number,
  ): void {
    const view = new DataView(this.memory.buffer);
    view.setUint8(dso + this.abi.dso.memAllocated, allocated);
    view.setUint32(dso + this.abi.dso.memAddr, memAddr, true);
    view.setUint32(dso + this.abi.dso.memSize, memSize, true);
    view.setUint32(dso + this.abi.dso.tableAddr, tableAddr, true);
    view.setUint32(dso + this.abi.dso.tableSize, tableSize, true);
  }
}
