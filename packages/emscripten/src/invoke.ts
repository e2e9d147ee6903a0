/** The main-module exports an `invoke_*` wrapper needs, under their 3.x or 4.x names. */
function stackOps(
  exports: Readonly<Record<string, unknown>>,
): { save: () => number; restore: (sp: number) => void; setThrew: (a: number, b: number) => void } | null {
  const pick = (...names: string[]): unknown => names.map((n) => exports[n]).find((f) => typeof f === 'function');
  const save = pick('stackSave', 'emscripten_stack_get_current');
  const restore = pick('stackRestore', '_emscripten_stack_restore');
  const setThrew = pick('setThrew');
  if (typeof save !== 'function' || typeof restore !== 'function' || typeof setThrew !== 'function') return null;
  return {
    save: save as () => number,
    restore: restore as (sp: number) => void,
    setThrew: setThrew as (a: number, b: number) => void,
  };
}

/**
 * Emscripten's `invoke_<sig>` for JS-based exceptions and setjmp/longjmp, made on demand (its
 * `createInvokeFunction`): calls table slot `index` with the arguments; a C++ exception or a
 * longjmp (thrown to JS as a number) restores the stack and sets `__THREW__` through
 * `setThrew(1, 0)`; anything else propagates. Null when the main lacks the stack exports.
 */
export function makeInvoke(
  table: WebAssembly.Table,
  exports: Readonly<Record<string, unknown>>,
): ((index: number, ...args: unknown[]) => unknown) | null {
  const ops = stackOps(exports);
  if (ops === null) return null;
  return (index, ...args) => {
    const sp = ops.save();
    try {
      return (table.get(index) as (...a: unknown[]) => unknown)(...args);
    } catch (e) {
      ops.restore(sp);
      if (typeof e !== 'number') throw e;
      ops.setThrew(1, 0);
      return undefined;
    }
  };
}
