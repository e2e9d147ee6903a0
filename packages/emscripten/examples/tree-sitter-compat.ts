import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { emscriptenRuntime } from '@dl/emscripten';
import { Language, Parser } from 'web-tree-sitter';

const require = createRequire(import.meta.url);
// tree-sitter-wasms is installed in the fixtures package here: in a project, `require.resolve` it directly.
const grammars = createRequire(new URL('../../../tooling/fixtures/package.json', import.meta.url));
const grammar = (name: string): string => grammars.resolve(`tree-sitter-wasms/out/tree-sitter-${name}.wasm`);

// bash's scanner calls isalpha, yaml's calls operator new: web-tree-sitter's main has neither.
// The compatibility library provides them (and nothing the main or a grammar already has).
const dl = emscriptenRuntime({
  main: readFileSync(require.resolve('web-tree-sitter/web-tree-sitter.wasm')),
  compat: ['libc', 'libc++abi'],
});
await Parser.init({ instantiateWasm: dl.instantiateWasm });
const facade = await dl.attach();

const inputs = { bash: 'cat <<EOF\nhi $USER\nEOF\n', yaml: 'dl: [compat, {libc: yes}]\n' };
const parser = new Parser();
for (const [name, source] of Object.entries(inputs)) {
  parser.setLanguage(await Language.load(grammar(name)));
  console.log(parser.parse(source)?.rootNode.toString());
}
const { libraries } = facade.linker.graph();
const compat = libraries.find((l) => l.compat !== undefined)!;
const bash = libraries.find((l) => 'env.isalpha' in l.bindings)!;
console.log(`${compat.name} (${compat.compat!.join(', ')}) gave bash isalpha: ${bash.bindings['env.isalpha'] === compat.name}`);
