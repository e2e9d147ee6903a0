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
  const added: [where: Record<string, unknown>, key: string, name: string, value: unknown][] = [];
  const set = (name: string, value: unknown): void => {
    const mangled = asmjsMangle(name);
    if (!Object.hasOwn(Module, mangled)) {
      Module[mangled] = value;
      added.push([Module, mangled, name, value]);
    }
    if (!Object.hasOwn(imports, name)) {
      imports[name] = value;
      added.push([imports, name, name, value]);
    }
  };
  for (const name of published) {
    const value = exports[name];
    if (typeof value !== 'function') continue;
    set(name, value);
    // A side module's `main` defines `__main_argc_argv` (clang's name for main(argc, argv)) and
    // the other way round, as in Emscripten's mergeLibSymbols.
    if (name === 'main') set(MAIN_ALIAS, value);
    else if (name === MAIN_ALIAS) set('main', value);
  }
  return (): readonly string[] => {
    const names = new Set<string>();
    for (const [where, key, name, value] of added.reverse()) {
      // Only what is still this library's: something assigned since is someone else's.
      if (where[key] !== value) continue;
      Reflect.deleteProperty(where, key);
      names.add(name);
    }
    added.length = 0;
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
