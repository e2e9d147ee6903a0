import { DlError } from '@dl/errors';
import { compatAdvice } from './compat.js';

/** One import nothing defines. */
export interface MissingSymbol {
  readonly name: string;
  /** The library that imports it. */
  readonly neededBy: string;
  /** How it is imported: `env` (a function or global), `GOT.mem` (data), `GOT.func` (a function's address), or another module. */
  readonly module: string;
}

/**
 * `DL_UNDEFINED_SYMBOL` for a load refused because imports are undefined: the message lists
 * every one and who needs it; `missing` has them as data (for tools that explain how to fix
 * them, like the Emscripten facade's export hints). When the compatibility library has some of
 * them, the message names the `compat` option that provides them.
 */
export class UndefinedSymbolsError extends DlError {
  static override readonly errorName: string = 'UndefinedSymbolsError';
  readonly missing: readonly MissingSymbol[];

  constructor(missing: readonly MissingSymbol[], library: string | undefined, hint = '') {
    const list = missing.map(
      (m) =>
        `${m.module === 'env' ? '' : `${m.module}.`}${m.name} (needed by ${m.neededBy})${m.module === 'GOT.mem' || m.module === 'GOT.func' ? ` [${m.module}]` : ''}`,
    );
    super(
      'DL_UNDEFINED_SYMBOL',
      `${missing.length} undefined symbol${missing.length === 1 ? '' : 's'}: ${list.join(', ')}${compatAdvice(missing.map((m) => m.name))}${hint}`,
      { library, symbol: missing[0]?.name },
    );
    this.missing = missing;
  }
}

/** Where `dlsym` looked: the global scope, a handle's library and its dependencies, or after a library (`RTLD_NEXT`). */
export type SymbolLookup = 'global' | 'handle' | 'next';

/**
 * `DL_UNDEFINED_SYMBOL` from `dlsym`: `symbol` is not defined where it looked. `library` is the
 * handle's library (`handle`) or the calling library (`next`); runtimes word their own
 * `dlerror()` text from these fields (the message is `@dl`'s, in ld.so's words).
 */
export class SymbolNotFoundError extends DlError {
  static override readonly errorName: string = 'SymbolNotFoundError';
  /** Where it looked. */
  readonly lookup: SymbolLookup;

  /**
   * @param symbol - the name asked for
   * @param lookup - where it looked
   * @param library - the handle's library, or the caller for `next`; undefined for `global`
   */
  constructor(symbol: string, lookup: SymbolLookup, library: string | undefined) {
    const where =
      lookup === 'global'
        ? ' (in the global scope)'
        : lookup === 'next'
          ? ' (after this library in its lookup order: RTLD_NEXT)'
          : '';
    super('DL_UNDEFINED_SYMBOL', `undefined symbol: ${symbol}${where}`, { symbol, library });
    this.lookup = lookup;
  }
}
