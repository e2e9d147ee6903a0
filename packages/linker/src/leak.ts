import type { Callable } from '@dl/symbols';
import type { Library, LinkState } from './state.js';

/** The allocation functions a leak check attributes (C's names, as a library imports them). */
export const ALLOCATION_FUNCTIONS: ReadonlySet<string> = new Set([
  'malloc',
  'calloc',
  'realloc',
  'aligned_alloc',
  'posix_memalign',
  'free',
]);

type Fn = (...args: number[]) => number;

/** What a library still holds, as the `leak` event and `graph()` report it. */
export interface LeakReport {
  readonly count: number;
  readonly bytes: number;
  /** The first few addresses (at most 8), lowest first. */
  readonly addresses: readonly number[];
}

/**
 * The blocks leak-checked libraries hold, by address and by library: an allocation or a free
 * costs a map access, a library's report or unload its own blocks (never everyone's).
 */
export class HeldBlocks {
  private readonly owner = new Map<number, Library>();
  private readonly byLibrary = new Map<Library, Map<number, number>>();

  /** How many blocks are held (by every leak-checked library). */
  get size(): number {
    return this.owner.size;
  }

  /** A library now holds a block (address 0, a failed allocation, is nothing). */
  take(lib: Library, address: number, size: number): void {
    if (address === 0) return;
    this.drop(address);
    this.owner.set(address, lib);
    let blocks = this.byLibrary.get(lib);
    if (blocks === undefined) this.byLibrary.set(lib, (blocks = new Map<number, number>()));
    blocks.set(address, size);
  }

  /** A block was freed (by whoever held it). */
  drop(address: number): void {
    const lib = this.owner.get(address);
    if (lib === undefined) return;
    this.owner.delete(address);
    this.byLibrary.get(lib)?.delete(address);
  }

  /** What a library holds now. */
  of(lib: Library): LeakReport {
    const blocks = this.byLibrary.get(lib);
    if (blocks === undefined) return { count: 0, bytes: 0, addresses: [] };
    let bytes = 0;
    for (const size of blocks.values()) bytes += size;
    const addresses = [...blocks.keys()].sort((a, b) => a - b).slice(0, 8);
    return { count: blocks.size, bytes, addresses };
  }

  /** Forgets a library's blocks (it was unloaded: they belong to no one now). */
  forget(lib: Library): void {
    const blocks = this.byLibrary.get(lib);
    if (blocks === undefined) return;
    for (const address of blocks.keys()) this.owner.delete(address);
    this.byLibrary.delete(lib);
  }
}

function take(state: LinkState, lib: Library, address: number, size: number): void {
  state.held.take(lib, address, size);
}

/**
 * The import a leak-checked library gets for one allocation function: the program's own,
 * wrapped to record which blocks the library holds. A block freed by any leak-checked library
 * is no longer held; blocks freed by code that is not checked are not seen (say so in reports).
 */
export function leakWrapper(state: LinkState, lib: Library, name: string, real: Callable): Callable {
  const f = real as Fn;
  const held = state.held;
  switch (name) {
    case 'malloc':
      return (size: number) => {
        const p = f(size);
        take(state, lib, p, size);
        return p;
      };
    case 'calloc':
      return (n: number, size: number) => {
        const p = f(n, size);
        take(state, lib, p, n * size);
        return p;
      };
    case 'aligned_alloc':
      return (align: number, size: number) => {
        const p = f(align, size);
        take(state, lib, p, size);
        return p;
      };
    case 'realloc':
      return (old: number, size: number) => {
        const p = f(old, size);
        if (p !== 0 || size === 0) held.drop(old);
        take(state, lib, p, size);
        return p;
      };
    case 'posix_memalign':
      return (out: number, align: number, size: number) => {
        const r = f(out, align, size);
        if (r === 0) take(state, lib, new DataView(state.memory.buffer).getUint32(out, true), size);
        return r;
      };
    default:
      return (p: number) => {
        held.drop(p);
        return f(p);
      };
  }
}

/** What a library holds now (cost: its own blocks). */
export function heldBy(state: LinkState, lib: Library): LeakReport {
  return state.held.of(lib);
}

/** Forgets the blocks of an unloaded library (they belong to no one now). */
export function forgetHeld(state: LinkState, lib: Library): void {
  state.held.forget(lib);
}
