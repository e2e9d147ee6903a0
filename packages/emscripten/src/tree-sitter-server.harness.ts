/** The test server of the web-tree-sitter Chromium tests: the package's ES module and wasm, and the grammars. */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { startServer } from '@dl/browser';
import type { TestServer } from '@dl/browser';

const require = createRequire(import.meta.url);

/** web-tree-sitter 0.27.1's own wasm (its main module). */
export const webTreeSitterWasm: string = require.resolve('web-tree-sitter/web-tree-sitter.wasm');

/** Serves `/web-tree-sitter.js` and `.wasm` and each grammar file at its URL. */
export function treeSitterServer(
  grammars: readonly { readonly url: string; readonly path: string }[],
): Promise<TestServer> {
  const routes: Record<string, { file: string }> = {
    // The package's ES module (its exports map names only "." for it), next to its .wasm.
    '/web-tree-sitter.js': { file: join(dirname(webTreeSitterWasm), 'web-tree-sitter.js') },
    '/web-tree-sitter.wasm': { file: webTreeSitterWasm },
  };
  for (const g of grammars) routes[g.url] = { file: g.path };
  return startServer(routes);
}
