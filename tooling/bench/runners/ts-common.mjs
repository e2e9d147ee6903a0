// Shared by the tree-sitter suite's runners (ts-own, ts-facade, ts-floor): one fresh plain-node
// process loads web-tree-sitter 0.27.1's main and one set of grammars, and prints one JSON line
// {"totalMs", "setupMs", "loadedMs", "compileMs", "instantiateMs", "checksum", "recovered"}. The manifest
// (written by src/tree-sitter.ts) is {"set", "kind": "tree-sitter", "main": path,
// "modules": [{"path", "id", "sample"}]}.
// Everything after the imports is timed: reading the files, set-up (setupMs), and per grammar
// Language.load (loadedMs: set-up and every load), then one parse of its sample each (the
// floor: compile + instantiate only).
import { readFileSync } from 'node:fs';
import { fail, manifest } from './common.mjs';
import { instrument, rounded } from './timing.mjs';

export { importDist, manifest, fail } from './common.mjs';

/** FNV-1a over the trees' strings: equal for two runners that built the same trees. */
function fnv(hash, text) {
  let h = hash;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** What a parse gives when the parser had to recover from an error. */
const RECOVERED = /\((ERROR|MISSING)\b/;

/**
 * One measurement of web-tree-sitter `T` (the ESM namespace): `setup(mainPath)` makes the
 * runtime ready (Parser.init, through whichever loader), then every grammar is read, loaded with
 * `Language.load` and parses its sample once. Prints the JSON line.
 */
export async function treeSitterRun(T, setup) {
  const m = manifest();
  const timing = instrument();
  const t0 = performance.now();
  await setup(m.main);
  const setupMs = performance.now() - t0;
  // Every grammar loaded first, then one parse each: a parse makes V8 tier up the grammar's
  // huge lexer functions on its background threads, and node 20's asynchronous compilations
  // (what both loaders do) wait behind those jobs — seconds per grammar (README) — which would
  // time the engine's queue rather than the loader.
  const languages = [];
  for (const { path } of m.modules) languages.push(await T.Language.load(new Uint8Array(readFileSync(path))));
  const loadedMs = performance.now() - t0;
  let checksum = 0x811c9dc5;
  let recovered = 0;
  m.modules.forEach(({ path, sample }, i) => {
    const parser = new T.Parser();
    parser.setLanguage(languages[i]);
    const tree = parser.parse(sample);
    if (tree === null) fail(`${path}: web-tree-sitter returned no tree`);
    const text = tree.rootNode.toString();
    tree.delete();
    parser.delete();
    checksum = fnv(checksum, text);
    if (RECOVERED.test(text)) {
      recovered++;
      if (process.env.TS_DEBUG) process.stderr.write(`${path}: ${text}\n`);
    }
  });
  const totalMs = performance.now() - t0;
  console.log(
    JSON.stringify({
      ...rounded({ totalMs, compileMs: timing.compileMs, instantiateMs: timing.instantiateMs, checksum }),
      setupMs: Math.round(setupMs * 1000) / 1000,
      loadedMs: Math.round(loadedMs * 1000) / 1000,
      recovered,
    }),
  );
  // The parses left V8 tiering the grammars' lexers up on its background threads: node would
  // wait for those jobs before exiting (a minute and more on 2 busy cores). Nothing is left to do.
  process.exit(0);
}
