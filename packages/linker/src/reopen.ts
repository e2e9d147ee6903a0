import { DlError } from '@dl/errors';
import { resolveSymbol } from '@dl/symbols';
import { compatAdvice } from './compat.js';
import { notePltBinding } from './keep.js';
import { pathOf, wasmCallable } from './load/bind.js';
import { dependenciesFirst } from './state.js';
import type { Library, LinkState } from './state.js';

/** What `dlopen` of a library already loaded may change: its scope (RTLD_GLOBAL) and its binding (RTLD_NOW). */

/** RTLD_GLOBAL on a local library: it and its not-yet-global dependencies join the global scope. */
export function promote(state: LinkState, lib: Library): void {
  for (const l of dependenciesFirst([lib])) {
    if (l.global) continue;
    state.global.add(l.provider, l.symbols);
    l.global = true;
    l.scopes.add(state.global);
  }
}

/** RTLD_NOW on a library loaded lazily: binds every PLT entry now, or fails listing the undefined. */
export function bindNow(state: LinkState, lib: Library): void {
  const missing: string[] = [];
  const names: string[] = [];
  const bind: (() => void)[] = [];
  for (const l of dependenciesFirst([lib])) {
    for (const { entry, name, type } of l.lazy) {
      if (entry.bound()) continue;
      const d = resolveSymbol(pathOf(state, l), name);
      if (d?.kind === 'function')
        bind.push(() => {
          entry.bind(wasmCallable(state, d, type, l.name));
          notePltBinding(state, l, entry, name, d);
        });
      else if (!l.meta.dylink.weakImports.has(name)) {
        missing.push(`${name} (needed by ${l.name})`);
        names.push(name);
      }
    }
  }
  if (missing.length > 0)
    throw new DlError(
      'DL_UNDEFINED_SYMBOL',
      `${missing.length} undefined symbol${missing.length === 1 ? '' : 's'}: ${missing.join(', ')}${compatAdvice(names)}`,
      { library: lib.name },
    );
  for (const b of bind) b();
}
