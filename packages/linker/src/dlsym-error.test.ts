import { describe, expect, it } from 'vitest';
import { RTLD } from './flags.js';
import { RTLD_DEFAULT, RTLD_NEXT } from './symbol-lookup.js';
import { hostLinkerSync } from './test-support.harness.js';
import { SymbolNotFoundError } from './undefined.js';

/** What `dlsym` threw, as the fields a runtime words its `dlerror()` from. */
function thrown(f: () => unknown): {
  code: string;
  symbol: string | undefined;
  library: string | undefined;
  lookup: string;
  message: string;
} {
  try {
    f();
  } catch (e) {
    if (!(e instanceof SymbolNotFoundError)) throw e;
    return { code: e.code, symbol: e.symbol, library: e.library, lookup: e.lookup, message: e.message };
  }
  throw new Error('dlsym did not throw');
}

describe("dlsym of a missing name: SymbolNotFoundError (where it looked, as data; ld.so's words)", () => {
  it('in the global scope, on a handle (the library and its dependencies), and with RTLD_NEXT', () => {
    const { linker } = hostLinkerSync('clang16');
    const c = linker.dlopenSync('libneed_c.so', RTLD.NOW | RTLD.LOCAL);
    const r = linker.dlopenSync('libreloc.so', RTLD.NOW | RTLD.GLOBAL);
    expect(thrown(() => linker.dlsym(RTLD_DEFAULT, 'need_c'))).toEqual({
      code: 'DL_UNDEFINED_SYMBOL',
      symbol: 'need_c',
      library: undefined,
      lookup: 'global',
      message: 'undefined symbol: need_c (in the global scope)',
    });
    expect(thrown(() => linker.dlsym(c, 'no_such_symbol'))).toEqual({
      code: 'DL_UNDEFINED_SYMBOL',
      symbol: 'no_such_symbol',
      library: 'libneed_c.so',
      lookup: 'handle',
      message: 'libneed_c.so: undefined symbol: no_such_symbol',
    });
    expect(thrown(() => linker.dlsym(RTLD_NEXT, 'r_double', { from: r }))).toMatchObject({
      library: 'libreloc.so',
      lookup: 'next',
      symbol: 'r_double',
    });
    expect(linker.findSymbol(c, 'no_such_symbol')).toBeUndefined();
  });
});
