/**
 * Every stable error code used across the @dl packages, with its one-line meaning.
 * Codes never change once released; messages may be improved at any time, so callers
 * branch on `error.code`, never on `error.message`.
 */
export const errorCodes = {
  // Binary format (reader)
  DL_BAD_MAGIC: 'the bytes do not start with the WebAssembly magic number "\\0asm"',
  DL_BAD_VERSION: 'the WebAssembly binary version is not 1',
  DL_TRUNCATED: 'the input ends before a value it announces',
  DL_BAD_LEB128: 'a LEB128 number uses more bytes than its type allows, or overflows it',
  DL_BAD_UTF8: 'a name is not valid UTF-8',
  DL_BAD_LENGTH: 'a length or count reaches past the end of its enclosing section',
  DL_SIZE_MISMATCH: 'a section or subsection does not end exactly where its size says',
  DL_DUPLICATE_SECTION: 'a section that may appear once appears twice',
  DL_DUPLICATE_SUBSECTION: 'a dylink subsection appears twice',
  DL_SECTION_ORDER: 'a known section appears out of the order the WebAssembly spec requires',
  DL_BAD_VALUE: 'a byte that must be one of a fixed set of values is not',
  DL_BAD_INDEX: 'an index refers to a type, function or global that does not exist',
  DL_NOT_SIDE_MODULE: 'the module does not start with a dylink.0 (or legacy dylink) section',
  // Input handling (tools and loaders)
  DL_NOT_FOUND: 'a file or library could not be found',
  DL_IO: 'reading an input failed',
  DL_CHANGED: 'a library changed (on disk or on the server) between being found and being read',
  DL_HTTP: 'a server answered a library request with an error status',
  DL_NETWORK: 'a library could not be fetched: the request itself failed, or the server was too slow (a time limit)',
  DL_ABORTED: 'the load was cancelled by its AbortSignal; nothing it did remains',
  DL_BUILD_FAILED: 'rebuilding a library from its sources failed (a build command exited with an error)',
  // Layout (memory, table, TLS)
  DL_LIMIT: 'a requested size or alignment exceeds a configured or hard limit',
  DL_OUT_OF_MEMORY: 'linear memory or the host allocator cannot provide the space',
  DL_TABLE_FULL: 'the function table cannot grow to the size needed',
  DL_BAD_RELEASE:
    'memory or table space was released that is not reserved: a double free, or a stale or unknown reservation',
  // Linking
  DL_UNDEFINED_SYMBOL: 'a symbol is used but no loaded library or the host defines it',
  DL_SIGNATURE_MISMATCH: 'a function import and its provider have different wasm types',
  DL_INCOMPATIBLE: 'a library cannot be linked into this program (memory, table or feature mismatch)',
  DL_INSTANTIATE_FAILED: 'the engine refused to instantiate a library, or its start function trapped',
  DL_INIT_FAILED: "a library's relocations or constructors failed",
  DL_BAD_HANDLE: 'a handle does not name a library that is open',
  DL_BAD_FLAGS: 'dlopen flags are invalid',
  DL_NOT_LOADED: 'RTLD_NOLOAD was given and the library is not loaded',
  DL_BUSY: 'the linker is in the middle of another load',
  DL_THREAD_SYNC_FAILED:
    'a following thread could not take a load (its instantiation, table or TLS set-up failed): the load was rolled back on every thread',
  DL_EVAL_REQUIRED: 'a library carries JavaScript (Emscripten EM_JS / EM_ASM) and evaluating code was not allowed',
  // Unloading and reloading
  DL_FINI_FAILED: "a library's destructor or unload hook failed while it was unloaded (the unload completed)",
  DL_LEAK_DETECTED: 'a leak-checked library (strict) still holds memory it allocated: its unload was refused',
  DL_RELOAD_INCOMPATIBLE: "a new build's exported function types or data sizes differ from the running library's",
  DL_RELOAD_BOUND: "a resident library calls the reloaded library's functions directly (not through a PLT entry)",
  // Link plans and snapshots
  DL_PLAN_CORRUPT: 'a link plan or snapshot is damaged: its bytes do not decode to what its header announces',
  DL_PLAN_FOREIGN: 'the bytes are not a link plan or snapshot of this format and version',
  DL_PLAN_STALE:
    'a link plan or snapshot does not fit: a library, a flag, the host or the linker state differs from when it was recorded',
  DL_SNAPSHOT_UNSUPPORTED: 'the program holds state a snapshot cannot restore, so none is taken',
} as const;

/** A stable error code; see {@link errorCodes} for the meaning of each. */
export type DlErrorCode = keyof typeof errorCodes;

/**
 * Tells whether a string is a known {@link DlErrorCode}.
 *
 * @param code - any string, e.g. a code read from JSON
 */
export function isDlErrorCode(code: string): code is DlErrorCode {
  return Object.hasOwn(errorCodes, code);
}
