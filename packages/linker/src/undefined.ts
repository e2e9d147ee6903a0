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
  override readonly name: string = 'UndefinedSymbolsError';
  readonly missing: readonly MissingSymbol[];

  constructor(missing: readonly MissingSymbol[], library: string | undefined, hint = '') {
    const list = missing.map((m) => `${m.module === 'env' ? '' : `${m.module}.`}${m.name} (needed by ${m.neededBy})${m.module === 'GOT.mem' || m.module === 'GOT.func' ? ` [${m.module}]` : ''}`);
    super('DL_UNDEFINED_SYMBOL', `${missing.length} undefined symbol${missing.length === 1 ? '' : 's'}: ${list.join(', ')}${compatAdvice(missing.map((m) => m.name))}${hint}`, { library, symbol: missing[0]?.name });
    this.missing = missing;
  }
}
