import { RTLD } from '@dl/linker';

/**
 * What differs between Emscripten versions, as data: the layout of `struct dso` (which the C
 * side of `dlopen` allocates and the JS side fills in) and the `dlerror()` texts, word for word,
 * so that programs matching on them keep working.
 */
export interface EmscriptenAbi {
  readonly version: string;
  /** Byte offsets in `struct dso` (system/lib/libc/musl/src/internal/dynlink.h). */
  readonly dso: {
    readonly flags: number;
    readonly memAllocated: number;
    readonly memAddr: number;
    readonly memSize: number;
    readonly tableAddr: number;
    readonly tableSize: number;
    readonly name: number;
  };
  /**
   * The wasm signature of a JS library function, from the `sig` emcc attaches to it, corrected
   * where the version's is wrong (a typed host function must match every import exactly, and
   * the signature is what its table slot is made with).
   */
  readonly jsSignature: (name: string, sig: string) => string;
  readonly texts: {
    /** `dlopen` failed (`dlopenInternal`). */
    readonly couldNotLoad: (file: string, error: string) => string;
    /** `dlsym` found nothing. */
    readonly unknownSymbol: (symbol: string, library: string) => string;
    /** What a program built with -sASSERTIONS prints on stderr when `dlopen` fails. */
    readonly loadError: (file: string, error: string) => string;
    /** `dlclose` of a handle that is not open (musl's `__dl_invalid_handle`, `%p` as Emscripten's printf prints it). */
    readonly invalidHandle: (dso: number) => string;
    /** The assertion a program built with -sASSERTIONS aborts with when load-time linking leaves a symbol undefined (`reportUndefinedSymbols`). */
    readonly undefinedSymbol: (symbol: string) => string;
  };
}

/** Emscripten 3.1.6 (Debian bookworm's `emscripten` package), read from its sources. */
export const emscripten316: EmscriptenAbi = {
  version: '3.1.6',
  dso: { flags: 20, memAllocated: 24, memAddr: 28, memSize: 32, tableAddr: 36, tableSize: 40, name: 44 },
  // src/library_exceptions.js: `__cxa_allocate_exception__sig: 'vi'` (it returns the exception),
  // and `__cxa_find_matching_catch_N` gets N + 1 i32s where LLVM imports it with N - 2 params.
  jsSignature: (name, sig) => {
    if (name === '__cxa_allocate_exception') return 'ii';
    const n = /^__cxa_find_matching_catch_(\d+)$/.exec(name)?.[1];
    return n === undefined ? sig : 'i'.repeat(Math.max(Number(n) - 1, 1));
  },
  texts: {
    couldNotLoad: (file, error) => `Could not load dynamic lib: ${file}\n${error}`,
    unknownSymbol: (symbol, library) => `Tried to lookup unknown symbol "${symbol}" in dynamic lib: ${library}`,
    loadError: (file, error) => `Error in loading dynamic library ${file}: ${error}`,
    invalidHandle: (dso) => `Invalid library handle 0x${dso.toString(16).padStart(8, '0')}`,
    undefinedSymbol: (symbol) =>
      `Assertion failed: undefined symbol \`${symbol}\`. perhaps a side module was not linked in? if this global was expected to arrive from a system library, try to build the MAIN_MODULE with EMCC_FORCE_STDLIBS=1 in the environment`,
  },
};

/** The versions this package knows, by version string. */
export const emscriptenAbis: Readonly<Record<string, EmscriptenAbi>> = { '3.1.6': emscripten316 };

/** RTLD_* as Emscripten's musl defines them: the linker's `RTLD` (one home for the numbers). */
export const RTLD_FLAGS: typeof RTLD = RTLD;
