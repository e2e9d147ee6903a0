// Data of the differential matrix (differential.test.ts): where Emscripten 3.1.6's own loader
// does not do what a correct dynamic linker does, and the one line the facade cannot print.
// Each row is asserted: a stock failure that goes away, or one not listed, fails the suite.
import type { Coordinates } from '@dl/fixtures/emsuite-matrix';
import type { MainModule } from '@dl/fixtures/emsuite';

/** Which variants a row is about: every listed axis must take one of the listed values. */
export type Match = { readonly [K in keyof Omit<Coordinates, 'reads'>]?: readonly Coordinates[K][] } & {
  readonly shape?: readonly string[];
};

/** Where Emscripten 3.1.6's own loader does not do what the expected output says, and what it does instead. */
export interface StockFailure {
  readonly match: Match;
  /** What goes wrong, in a few words. */
  readonly what: string;
  /** How the stock run ends: its status, and a pattern its stdout or stderr must match. */
  readonly status: number;
  readonly stdout?: RegExp;
  readonly stderr?: RegExp;
  /**
   * Where the program's own output marks what an implementation may do either way (POSIX lets
   * `dlclose` keep a library): stdout lines matching this differ; every other line stock prints
   * must equal the facade's, in order.
   */
  readonly sameExcept?: RegExp;
}

/** The failures of Emscripten 3.1.6 the matrix shows; each is asserted, so the table stays true. */
export const stockFailures: readonly StockFailure[] = [
  {
    match: { program: ['dlopen_poison'] },
    status: 0,
    what: "one failed dlopen poisons the rest: libbad.so's GOT entry for missing_data stays 0 in the shared GOT, so every later dlopen's reportUndefinedSymbols throws `bad export type for `missing_data`: undefined`; reopening libbad.so then 'succeeds' (its LDSO entry is still 'loading', a handle without symbols)",
    stdout:
      /dlopen\(libgood\.so\): NULL[^\n]*\n {2}the detail names missing_data: yes\n[\s\S]*dlopen\(libbad\.so\): handle\n {2}dlsym\(bad_ptr\): NULL/,
  },
  {
    match: { program: ['dlopen_async'] },
    status: 4,
    what: "emscripten_dlopen's onerror: dlerror() has no file name, 'Could not load dynamic lib: ' (_emscripten_dlopen_js reads struct dso's inline name as a pointer)",
    stdout: /second: onerror\(second\): dlerror\(\) = "Could not load dynamic lib: "\n/,
  },
  {
    match: { program: ['rtld_local'] },
    status: 1,
    what: "an RTLD_LOCAL library cannot call its own NEEDED library: loc_fn(1) → dep_fn's lazy stub finds it neither global nor in libloc's own exports → TypeError … 'apply' (-O0: `Assertion failed: undefined symbol `dep_fn``)",
    stderr: /\(reading 'apply'\)|undefined symbol `dep_fn`/,
  },
  {
    match: { program: ['weak_undef'] },
    status: 7,
    what: 'a weak undefined symbol is an error: preloading libwu0.so ends in reportUndefinedSymbols throwing `bad export type for `maybe_fn`: undefined` (unhandled), main never runs; a dlopen fails the same way',
    stderr:
      /uncaught exception: (Error: bad export type for `maybe_fn`: undefined|RuntimeError: Aborted\(Assertion failed: undefined symbol `maybe_fn`)/,
  },
  {
    match: { program: ['missing_libc'], mm: [2] },
    status: 1,
    what: "dlopen of a library needing functions the MAIN_MODULE=2 main dropped succeeds (RTLD_NOW ignored); the first call crashes: TypeError … 'apply' (-O0: `Assertion failed: undefined symbol `strtol``)",
    stdout: /^dlopen\(libneedy\.so\): handle\n$/,
    stderr: /\(reading 'apply'\)|undefined symbol `strtol`/,
  },
  {
    match: { program: ['em_code'] },
    status: 1,
    what: "3.1.6's loader neither evaluates a side module's EM_JS nor registers its EM_ASM blocks: libemcode.so's constructor calls emscripten_asm_const_int, whose ASM_CONSTS has no entry for the block → TypeError … 'apply' inside dlopen",
    stdout:
      /^dlopen\(libemcode\.so\): NULL, dlerror\(\) = "Could not load dynamic lib: libemcode\.so\n(TypeError: Cannot read properties of undefined \(reading 'apply'\)|RuntimeError: Aborted\((No EM_ASM constant found at address \d+|Assertion failed: undefined symbol `emscripten_asm_const_int`[^"]*)\))"\n$/,
  },
  {
    match: { program: ['unload'] },
    status: 0,
    what: "never unloads (allowed by POSIX, unlike glibc): C dlclose is libc's handle check (musl ldso/dlclose.c), nothing reaches JS, so libplugin's and libhelper's destructors run only at exit, and the reopened libplugin.so keeps its data (plugin_call() = 3, plugin_value() = 7) without running its constructors again; every line not marked 'unload: ' is the facade's",
    stdout:
      /^main: static constructor\nmain: start\nunload: libhelper constructor\nunload: libplugin constructor \(calls=0 value=42\)\n(?:(?!unload: )[^\n]*\n)*dlclose #1 = 0\ndlopen #2: handle\nunload: after reopen: plugin_call\(\) = 3, plugin_value\(\) = 7\n(?:(?!unload: )[^\n]*\n)*unload: still loaded: plugin_call\(\) = 4\nmain: return\nunload: libplugin destructor \(calls=4 value=7\)\nunload: libhelper destructor\nmain: static destructor\n$/,
    sameExcept: /^unload: /,
  },
  // --- issue 13's pthreads programs
  {
    match: { program: ['thr_late'] },
    status: 7,
    what: "a library dlopen()ed on the main thread after a pthread started never reaches that pthread: 3.1.6 brings a worker's libraries up to date only when a thread starts on it (_emscripten_thread_sync_code, from invokeEntryPoint), and the pthread's dlopen of a name already in libc's list returns the handle without calling _dlopen_js, so its dlsym finds no LDSO entry for liblate.so on that worker: TypeError … 'module' (-O0: `Assertion failed: Tried to dlsym() from an unopened handle`) and the program dies",
    stdout: /^main: early\(1\) = 2\nmain: late\(0\) = 100\n$/,
    stderr: /Cannot read properties of undefined \(reading 'module'\)|Tried to dlsym\(\) from an unopened handle/,
  },
  {
    match: { program: ['thr_four'] },
    status: 7,
    what: "as thr_late, with 4 pthreads: libafter.so, dlopen()ed on the main thread while they run, never reaches them, and the first pthread's dlsym of it kills the program (TypeError … 'module'; -O0: `Tried to dlsym() from an unopened handle`)",
    stdout: /^main: 4 threads running; after\(0\) = 1000\n$/,
    stderr: /Cannot read properties of undefined \(reading 'module'\)|Tried to dlsym\(\) from an unopened handle/,
  },
  {
    match: { program: ['thr_tls'] },
    status: 0,
    what: "dlsym of a side module's _Thread_local is no thread's &tv, not even the main's: _dlsym_js returns lib.module's export, which relocateExports treated as data (__memory_base + the variable's offset in the TLS block); registerTlsInit relocates only a copy (metadata.tlsExports, into the GOT) to each thread's __tls_base",
    stdout: /^dlsym\(tv\) == &tv on the main: 0\n(?:dlsym\(tv\) == &tv on thread \d: 0\n){3}$/m,
    sameExcept: /^dlsym\(tv\) == &tv on /,
  },
  // --- the generated shapes
  {
    match: { program: ['shapes'], way: ['dlopen_local', 'emscripten_dlopen'], shape: ['chain', 'diamond', 'cycle'] },
    status: 1,
    what: "a library loaded without RTLD_GLOBAL (dlopen RTLD_LOCAL; emscripten_dlopen, which 3.1.6 always loads locally) cannot call its own NEEDED libraries: 3.1.6 loads them with the same local flags, so libroot's call to mid_fn/left_fn/peer_fn finds them neither global nor in libroot's own exports — -O0: `Assertion failed: undefined symbol`, -O2: TypeError … 'apply' (the constructors did run)",
    stdout: /ctor libroot\.so\n(dlopen\(libroot\.so\): handle|onsuccess)\n$/,
    stderr: /undefined symbol `(mid|left|peer)_fn`|\(reading 'apply'\)/,
  },
  {
    match: { program: ['shapes'], way: ['js_load_wasm_module'], shape: ['chain', 'diamond', 'cycle'], fs: ['embed'] },
    status: 1,
    what: "loadWebAssemblyModule loads a module's NEEDED libraries with the caller's flags, which carry no fs: they are read with readBinary from the disk, while an --embed-file build has them only in FS → ENOENT",
    stdout: /js: error: Error: ENOENT: no such file or directory, open 'lib(mid|left|peer)\.so'\n$/,
  },
  {
    match: { program: ['shapes'], way: ['js_load_wasm_module'], shape: ['cycle'] },
    status: 1,
    what: "loadWebAssemblyModule of one half of a NEEDED cycle: the other half, loaded first with local flags, cannot see libroot's peer_data (-O2: reportUndefinedSymbols' `bad export type for `peer_data`: undefined`; -O0: `Assertion failed: undefined symbol `peer_data``)",
    stdout: /peer_data/,
  },
  {
    match: { program: ['shapes'], way: ['js_load_wasm_module'], shape: ['chain', 'diamond'] },
    status: 1,
    what: "loadWebAssemblyModule loads a module's NEEDED libraries with the caller's flags (not global), so libroot cannot call them: as RTLD_LOCAL above, after mergeLibSymbols made root_fn global",
    stdout: /dlsym\(RTLD_DEFAULT, root_fn\): found\n$/,
    stderr: /undefined symbol `(mid|left)_fn`|\(reading 'apply'\)/,
  },
];

/** Where the facade cannot print the expected output: one line differs, for a reason outside this package. */
export interface FacadeGap {
  readonly program: string;
  readonly mainModules: readonly MainModule[];
  /** 1-based line of `expected.txt`, and what the facade prints there instead. */
  readonly line: number;
  readonly prints: string;
  readonly why: string;
}

export const facadeGaps: readonly FacadeGap[] = [
  {
    program: 'rtld_local',
    mainModules: [1, 2],
    line: 6,
    prints:
      '  dlsym(RTLD_DEFAULT, loc_fn): NULL, dlerror() = "Tried to lookup unknown symbol "loc_fn" in dynamic lib: RTLD_DEFAULT"',
    why: "promotion by reopening under the same name: 3.1.6's C dlopen() (system/lib/libc/dynlink.c) finds 'libloc.so' in its own list and returns it without calling _dlopen_js, so no JS linker sees the RTLD_GLOBAL. Reopening as './libloc.so' reaches the facade and promotes (lines 7-11).",
  },
];

/** Whether a variant (its coordinates and shape) is one a row is about. */
export function matches(m: Match, c: Coordinates, shape: string | undefined): boolean {
  const axis = (k: keyof Omit<Coordinates, 'reads'>): boolean => {
    const allowed: readonly unknown[] | undefined = m[k];
    return allowed === undefined || allowed.includes(c[k]);
  };
  return (
    axis('program') &&
    axis('way') &&
    axis('opt') &&
    axis('mm') &&
    axis('fs') &&
    (m.shape === undefined || (shape !== undefined && m.shape.includes(shape)))
  );
}

/** The stock-failure row of a variant, if any (the first that matches). */
export const stockFailureOf = (c: Coordinates, shape: string | undefined): StockFailure | undefined =>
  stockFailures.find((f) => matches(f.match, c, shape));

/** The expected stdout of the facade: `expected` with a recorded gap's line replaced. */
export function facadeExpected(program: string, mm: MainModule, expected: string): string {
  const gap = facadeGaps.find((g) => g.program === program && g.mainModules.includes(mm));
  if (gap === undefined) return expected;
  const lines = expected.split('\n');
  lines[gap.line - 1] = gap.prints;
  return lines.join('\n');
}

/** Where the facade cannot print a generated shape's expected output: a line it prints on top. */
export interface ShapeGap {
  readonly shape: string;
  readonly way: string;
  /** 1-based line before which the facade prints `prints`. */
  readonly line: number;
  readonly prints: string;
  readonly why: string;
}

export const shapeGaps: readonly ShapeGap[] = [
  {
    shape: 'cycle',
    way: 'js_load_wasm_module',
    line: 2,
    prints: 'ctor libroot.so',
    why: "3.1.6's loadWebAssemblyModule(binary, flags) takes no name, and the binary is a compiled WebAssembly.Module (no bytes to compare): when libpeer.so's NEEDED entry names libroot.so, nothing says it is the module given, so libroot.so is loaded once more from its file (its constructor prints twice). Stock fails the whole load here; with a name (4.x's loadWebAssemblyModule(binary, flags, libName), or loadDynamicLibrary) the facade loads it once.",
  },
];

/** What the facade prints for a generated shape: the expected output with its known gap, if any. */
export function shapeExpected(shape: string, way: string, expected: string): string {
  const gap = shapeGaps.find((g) => g.shape === shape && g.way === way);
  if (gap === undefined) return expected;
  const lines = expected.split('\n');
  lines.splice(gap.line - 1, 0, gap.prints);
  return lines.join('\n');
}
