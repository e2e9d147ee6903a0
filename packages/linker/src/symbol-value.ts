import type { Definition } from '@dl/symbols';
import { Journal } from './journal.js';
import { addressOfFunction } from './load/bind.js';
import type { LinkState } from './state.js';
import type { SymbolValue } from './types.js';

/**
 * What `dlsym` returns for a definition. A function's `address` (`&f`) gives it a table slot
 * when first read; it is not enumerable, so spreading, `JSON.stringify` or logging the result
 * do not take one.
 */
export function symbolValue(state: LinkState, d: Definition): SymbolValue {
  const library = d.provider.name;
  if (d.kind === 'function') {
    const value = { kind: 'function' as const, name: d.name, func: d.func, type: d.type, library };
    Object.defineProperty(value, 'address', {
      enumerable: false,
      get: (): number => addressOfFunction(state, new Journal(state.got), d, 'dlsym'),
    });
    return value as SymbolValue;
  }
  if (d.kind === 'global') return { kind: 'global', name: d.name, global: d.global, library };
  return { kind: d.kind, name: d.name, address: d.address, library };
}
