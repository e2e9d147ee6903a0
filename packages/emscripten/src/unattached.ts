/**
 * Forgetting `await attach()` on the run-time route: the program then loads side modules with
 * Emscripten's own loader, which refuses legacy grammars — web-tree-sitter reports that with an
 * empty message. Between `instantiateWasm` and `attach()`, a failure of the program's own
 * `Module.loadWebAssemblyModule` is reported with what to do instead.
 */
import { DlError, messageOf } from '@dl/errors';

/** The error a side-module load gets when it fails before `attach()` routed the loader to @dl. */
export function notAttachedError(cause: unknown): DlError {
  const detail = messageOf(cause) === '' ? 'failed without a message' : `failed: ${messageOf(cause)}`;
  return new DlError(
    'DL_INCOMPATIBLE',
    `a side module loaded through Module.loadWebAssemblyModule before attach() ${detail} — Emscripten's own loader was used; call \`await dl.attach()\` once the program is up (e.g. after \`await Parser.init({ instantiateWasm: dl.instantiateWasm })\`) and before loading libraries`,
    { cause },
  );
}

/**
 * Wraps the program's `Module.loadWebAssemblyModule` (when already set, as Emscripten 4.x does
 * before instantiating) so that its failures become {@link notAttachedError}; loads that succeed
 * are unchanged. `attach()` then replaces it with the facade's. The program's internal callers
 * that do not go through `Module` (load-time `dynamicLibraries`, C `dlopen`) are not affected.
 */
export function guardUntilAttached(Module: Record<string, unknown>): void {
  const own = Module.loadWebAssemblyModule;
  if (typeof own !== 'function') return;
  Module.loadWebAssemblyModule = function (this: unknown, ...args: unknown[]): unknown {
    let result: unknown;
    try {
      result = Reflect.apply(own, this, args);
    } catch (e) {
      throw notAttachedError(e);
    }
    if (result instanceof Promise)
      return result.catch((e: unknown) => {
        throw notAttachedError(e);
      });
    return result;
  };
}
