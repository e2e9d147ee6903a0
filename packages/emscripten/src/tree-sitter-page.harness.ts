/**
 * Runs in Chromium (bundled by tree-sitter.browser.test.ts): web-tree-sitter 0.27.1, served as
 * its own ES module, started with the facade's `instantiateWasm` (the main compiled from its
 * response stream), attached, then its own `Language.load(url)` for each grammar — modern and
 * legacy — through @dl (with the compat option when the test defines TS_COMPAT); returns each
 * grammar's trees and the compatibility library the graph shows.
 */
import { reportResult } from '@dl/browser/page';
import type { CompatGroup } from '@dl/linker';
import { emscriptenRuntime } from './attach.js';
import { parseToString } from './tree-sitter-support.harness.js';
import type { TreeSitter } from './tree-sitter-support.harness.js';

/** The grammars to load: id, URL, and the samples to parse (set by the test through esbuild's define). */
declare const TS_CASES: readonly { readonly id: string; readonly url: string; readonly samples: readonly string[] }[];
/** The facade's compat option, when the test defines it. */
declare const TS_COMPAT: readonly CompatGroup[] | undefined;

reportResult(async () => {
  // Not bundled: web-tree-sitter's ES module is served as is (its node-only branches stay unused).
  const moduleUrl = new URL('/web-tree-sitter.js', location.href).href;
  const T = (await import(moduleUrl)) as TreeSitter;
  const compat = typeof TS_COMPAT === 'undefined' ? undefined : TS_COMPAT;
  const dl = emscriptenRuntime({
    main: WebAssembly.compileStreaming(fetch('/web-tree-sitter.wasm')),
    ...(compat === undefined ? {} : { compat }),
  });
  await T.Parser.init({ instantiateWasm: dl.instantiateWasm, locateFile: (file: string) => `/${file}` });
  const facade = await dl.attach();
  const trees: Record<string, string[]> = {};
  for (const c of TS_CASES) {
    const language = await T.Language.load(c.url);
    trees[c.id] = c.samples.map((s) => parseToString(T, language, s));
  }
  const { libraries } = facade.linker.graph();
  return {
    trees,
    libraries: libraries.length,
    compat: libraries.filter((l) => l.compat !== undefined).map((l) => `${l.name}: ${l.compat!.join(', ')}`),
  };
});
