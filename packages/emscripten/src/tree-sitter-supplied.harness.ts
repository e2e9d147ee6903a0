/**
 * Test helper (node): web-tree-sitter started with its own loader and the functions its main
 * lacks for bash and yaml supplied by hand — `isalpha` (musl's, in JS), `_Znwm`/`_ZdlPv` (the
 * main's malloc/free) — in its import object, where Emscripten 4 resolves side modules' imports.
 * The reference the compat tests compare @dl with. Not part of the package.
 */
import { readFileSync } from 'node:fs';
import type { TreeSitter } from './tree-sitter-support.harness.js';

/**
 * Initialises `T` (an instance @dl never touches) with the missing functions supplied.
 *
 * @param onIsalpha - called at each call of the supplied isalpha (to see that inputs reach it)
 */
export async function initWithSupplied(
  T: TreeSitter,
  wasmPath: string,
  onIsalpha: () => void = () => undefined,
): Promise<void> {
  const isalpha = (c: number): number => {
    onIsalpha();
    return ((c | 32) - 97) >>> 0 < 26 ? 1 : 0;
  };
  await T.Parser.init({
    locateFile: () => wasmPath,
    instantiateWasm(
      imports: WebAssembly.Imports,
      receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
    ) {
      const env = imports.env as Record<string, unknown>;
      void WebAssembly.instantiate(readFileSync(wasmPath), imports).then(({ instance, module }) => {
        Object.assign(env, { isalpha, _Znwm: instance.exports.malloc, _ZdlPv: instance.exports.free });
        receive(instance, module);
      });
      return {};
    },
  });
}
