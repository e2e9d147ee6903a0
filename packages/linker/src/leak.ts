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

function take(state: LinkState, lib: Library, address: number, size: number): void {
  if (address !== 0) state.held.set(address, { library: lib, size });
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
        if (p !== 0 || size === 0) held.delete(old);
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
        held.delete(p);
        return f(p);
      };
  }
}

/** What a library holds now (cost: the blocks held by all leak-checked libraries). */
export function heldBy(state: LinkState, lib: Library): LeakReport {
  let count = 0;
  let bytes = 0;
  const addresses: number[] = [];
  for (const [address, block] of state.held) {
    if (block.library !== lib) continue;
    count++;
    bytes += block.size;
    addresses.push(address);
  }
  addresses.sort((a, b) => a - b);
  return { count, bytes, addresses: addresses.slice(0, 8) };
}

/** Forgets the blocks of an unloaded library (they belong to no one now). */
export function forgetHeld(state: LinkState, lib: Library): void {
  for (const [address, block] of state.held) if (block.library === lib) state.held.delete(address);
}
