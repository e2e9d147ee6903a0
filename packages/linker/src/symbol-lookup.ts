import { DlError } from '@dl/errors';
import { findBreadthFirst, findNext, resolveSymbol } from '@dl/symbols';
import type { Definition } from '@dl/symbols';
import { pathOf } from './load/bind.js';
import type { Library, LinkState } from './state.js';
import { symbolValue } from './symbol-value.js';
import type { Handle, SymbolValue } from './types.js';
import { SymbolNotFoundError } from './undefined.js';

/** `dlsym` special handles. */
export const RTLD_DEFAULT: unique symbol = Symbol('RTLD_DEFAULT');
/** The next definition after the caller's library (give `from`). */
export const RTLD_NEXT: unique symbol = Symbol('RTLD_NEXT');

/** A handle, a special handle, or `null` for the whole program. */
export type SymbolScope = Handle | typeof RTLD_DEFAULT | typeof RTLD_NEXT | null;

/**
 * `dlsym`: a name in the global scope (`null`, `RTLD_DEFAULT`, the program's handle), after
 * `from` in its lookup order (`RTLD_NEXT`), or in a library and its dependencies
 * breadth-first. `library` turns a handle into its library (or throws `DL_BAD_HANDLE`).
 */
export function lookupSymbol(
  state: LinkState,
  scope: SymbolScope,
  name: string,
  from: Handle | undefined,
  library: (handle: Handle) => Library,
): SymbolValue {
  if (scope === null || scope === RTLD_DEFAULT || (typeof scope === 'object' && scope.id === 0)) {
    return found(state, resolveSymbol([state.global], name), name, 'global', undefined);
  }
  if (scope === RTLD_NEXT) {
    if (from === undefined) throw new DlError('DL_BAD_HANDLE', 'RTLD_NEXT needs the calling library (options.from)');
    const caller = library(from);
    return found(state, findNext(pathOf(state, caller), caller.provider, name), name, 'next', caller.name);
  }
  const lib = library(scope);
  return found(state, findBreadthFirst(lib, name), name, 'handle', lib.name);
}

function found(
  state: LinkState,
  d: Definition | undefined,
  name: string,
  lookup: 'global' | 'handle' | 'next',
  library: string | undefined,
): SymbolValue {
  if (d === undefined) throw new SymbolNotFoundError(name, lookup, library);
  return symbolValue(state, d);
}
