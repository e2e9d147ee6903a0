import type { Handle, Linker } from '@dl/linker';

/** A library's exports and the names it publishes (what `Linker.exportsOf` and runtime adapters give). */
export interface PublishedExports {
  readonly exports: WebAssembly.Exports;
  readonly published: readonly string[];
}

/** Emscripten's `asmjsMangle`: the `Module` property of a native symbol. */
export function asmjsMangle(name: string): string {
  return name.startsWith('dynCall_') || name === 'stackAlloc' || name === 'stackSave' || name === 'stackRestore'
    ? name
    : `_${name}`;
}

const stubBody =
  /^function\s*[\w$]*\s*\(\s*\)\s*\{\s*(?:if\s*\(![^)]*\)\s*abort\([^;]*\);?\s*)?return\s+Module\[(["'])([\w$]+)\1\]\.apply\(null,\s*arguments\);?\s*\}$/;

/**
 * The `Module` property an emcc forwarding stub calls, or null when `fn` is not one. For every
 * symbol a main module imports from side modules — functions and, in 3.1.6, data symbols too —
 * emcc puts `function _x(){return Module["_x"].apply(null,arguments)}` in the import object: a
 * placeholder for a side module's definition, never a definition itself. Cost: the function's
 * source text, once per call.
 */
export function forwardedName(fn: (...args: never[]) => unknown): string | null {
  const m = stubBody.exec(Function.prototype.toString.call(fn));
  return m === null ? null : m[2]!;
}

/**
 * Mirrors a global library's functions where Emscripten code looks for symbols (its
 * `mergeLibSymbols`): `Module._name` — the main module's JS stubs for functions it imports from
 * side modules call `Module._name` — and the import object; existing entries win, as in
 * Emscripten. Data addresses are found with `dlsym` (or `LDSO`), not mirrored. Returns how to
 * take back what it added (a failed load's rollback, the library's unload): the function
 * returns the symbol names whose entries it deleted.
 */
export function publishSymbols(
  { exports, published }: PublishedExports,
  Module: Record<string, unknown>,
  imports: Record<string, unknown>,
): () => readonly string[] {
  // What was added, as flat [name, exported as] pairs of strings (a tuple per entry was most of
  // this function's garbage: a library publishes ~80 names); the values are read again to undo.
  const inModule: string[] = [];
  const inImports: string[] = [];
  const set = (name: string, source: string, value: unknown): void => {
    const mangled = asmjsMangle(name);
    if (!Object.hasOwn(Module, mangled)) {
      Module[mangled] = value;
      inModule.push(name, source);
    }
    if (!Object.hasOwn(imports, name)) {
      imports[name] = value;
      inImports.push(name, source);
    }
  };
  for (const name of published) {
    const value = exports[name];
    if (typeof value !== 'function') continue;
    set(name, name, value);
    // A side module's `main` defines `__main_argc_argv` (clang's name for main(argc, argv)) and
    // the other way round, as in Emscripten's mergeLibSymbols.
    if (name === 'main') set(MAIN_ALIAS, name, value);
    else if (name === MAIN_ALIAS) set('main', name, value);
  }
  return (): readonly string[] => {
    const names = new Set<string>();
    const take = (where: Record<string, unknown>, added: string[], mangle: boolean): void => {
      for (let i = added.length - 2; i >= 0; i -= 2) {
        const name = added[i]!;
        const key = mangle ? asmjsMangle(name) : name;
        // Only what is still this library's: something assigned since is someone else's.
        if (where[key] !== exports[added[i + 1]!]) continue;
        Reflect.deleteProperty(where, key);
        names.add(name);
      }
      added.length = 0;
    };
    take(imports, inImports, false);
    take(Module, inModule, true);
    return [...names];
  };
}

const MAIN_ALIAS = '__main_argc_argv';

/** A library's exports as Emscripten returns them: functions, and data relocated to addresses. */
export function relocatedExports(linker: Linker, handle: Handle): Record<string, unknown> {
  const { exports, published } = linker.exportsOf(handle);
  const out: Record<string, unknown> = {};
  for (const name of published) {
    const value = exports[name];
    if (typeof value === 'function') {
      out[name] = value;
      continue;
    }
    const s = linker.dlsym(handle, name);
    out[name] = s.kind === 'global' ? s.global.value : s.kind === 'function' ? s.func : s.address;
  }
  return out;
}
