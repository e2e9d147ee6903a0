// facade (tree-sitter suite): the same as `own` with @dl/emscripten's run-time route (built):
// read the main, emscriptenRuntime({ main }), Parser.init({ instantiateWasm }), attach(); then
// Language.load + one parse per grammar, linked by @dl (ts-common.mjs).
import { readFileSync } from 'node:fs';
import { importDist, treeSitterRun } from './ts-common.mjs';

const T = await import('web-tree-sitter');
const { emscriptenRuntime } = await importDist('emscripten');
await treeSitterRun(T, async (main) => {
  const dl = emscriptenRuntime({ main: readFileSync(main) });
  await T.Parser.init({ instantiateWasm: dl.instantiateWasm });
  await dl.attach();
});
