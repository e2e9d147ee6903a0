/** The parts of the facade's linker set-up that need no facade state. */
import type { EmscriptenContext, EmscriptenFs } from './context.js';

/**
 * The run-time route's evaluator: the source as a function of `Module`. Reached only with
 * `allowEval` (EmCode refuses libraries carrying code otherwise): the user's opt-in.
 */
export function evaluateWithModule(source: string, Module: Record<string, unknown>): unknown {
  // eslint-disable-next-line no-new-func, @typescript-eslint/no-implied-eval -- the user opted in (allowEval)
  const make = new Function('Module', `return (${source});`) as (m: Record<string, unknown>) => unknown;
  return make(Module);
}

/** The exception tags in the runtime's import object (`__cpp_exception`, `__c_longjmp`). */
export function tagsOf(imports: Readonly<Record<string, unknown>>): Record<string, object> {
  const Tag = (WebAssembly as unknown as { Tag?: abstract new (...args: never[]) => object }).Tag;
  const out: Record<string, object> = {};
  if (Tag === undefined) return out;
  for (const [name, value] of Object.entries(imports)) if (value instanceof Tag) out[name] = value;
  return out;
}

/**
 * Emscripten's `FS` when it is one the facade can read libraries from: 3.1.6 gives programs
 * built without file access at -O0 / -sASSERTIONS a stub object with none of its functions.
 */
export function usableFs(fs: EmscriptenFs | null | undefined): EmscriptenFs | null {
  if (fs === null || fs === undefined) return null;
  const candidate = fs as Partial<EmscriptenFs>;
  return typeof candidate.findObject === 'function' && typeof candidate.readFile === 'function' ? fs : null;
}

/**
 * The main module's exports as the linker takes them (numbers as immutable globals), with
 * dl_unload.c's wrappers. On shared memory, emcc's side modules allocate their TLS blocks with
 * the linker's aligned allocator rather than the main's: the linker then knows each block's size
 * and alignment, and reserves one per pthread (ThreadLeader).
 */
export function mainExportsOf(ctx: EmscriptenContext, shared: boolean): Record<string, WebAssembly.ExportValue> {
  const exports: Record<string, WebAssembly.ExportValue> = {};
  for (const [name, value] of Object.entries(ctx.mainExports)) {
    if (shared && name === 'emscripten_builtin_memalign') continue;
    if (value instanceof WebAssembly.Global) exports[name] = value;
    else if (typeof value === 'function') exports[name] = value;
    else if (typeof value === 'number') exports[name] = new WebAssembly.Global({ value: 'i32', mutable: false }, value);
  }
  // With dl_unload.c linked, side modules' dlopen/dlclose are the program's: through the facade.
  for (const name of ['dlopen', 'dlclose']) {
    const wrapped = ctx.mainExports[`__wrap_${name}`];
    if (typeof wrapped === 'function') exports[name] = wrapped;
  }
  return exports;
}
