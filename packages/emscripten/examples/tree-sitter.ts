import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { emscriptenRuntime } from '@dl/emscripten';
import { Language, Parser } from 'web-tree-sitter';

const require = createRequire(import.meta.url);

// web-tree-sitter 0.27.1 is an Emscripten 4.0.x program: @dl instantiates its main module…
const dl = emscriptenRuntime({ main: readFileSync(require.resolve('web-tree-sitter/web-tree-sitter.wasm')) });
await Parser.init({ instantiateWasm: dl.instantiateWasm });
// …and, once it is up, takes over its Module.loadWebAssemblyModule.
const facade = await dl.attach();

// A legacy grammar (the old `dylink` section), which web-tree-sitter's own loader refuses.
const json = await Language.load(require.resolve('tree-sitter-wasms/out/tree-sitter-json.wasm'));
const parser = new Parser();
parser.setLanguage(json);
const tree = parser.parse('{"dl": [1, true]}');
console.log(tree?.rootNode.toString());
// Linked by @dl under a name from its tree_sitter_json export (Language.load gives none).
console.log(facade.linker.graph().libraries.map((l) => l.name), `ABI ${json.abiVersion}`);
