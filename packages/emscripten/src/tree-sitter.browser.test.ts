/**
 * The run-time route in Chromium: web-tree-sitter 0.27.1 in a page, its grammars linked by @dl
 * (two modern dylink.0 grammars, two legacy `dylink` ones its own loader refuses), trees equal
 * to what web-tree-sitter's own loader gives in node (legacy grammars rewritten to dylink.0).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { bundle, describeInChromium, runInPage } from '@dl/browser';
import type { TestServer } from '@dl/browser';
import { treeSitterGenericSample, treeSitterGrammars, treeSitterLegacyGrammars, treeSitterSample } from '@dl/fixtures';
import type { RealModule } from '@dl/fixtures';
import { expect, it } from 'vitest';
import { legacyToDylink0, parseToString } from './tree-sitter-support.harness.js';
import { treeSitterServer, webTreeSitterWasm } from './tree-sitter-server.harness.js';
import type { TreeSitter } from './tree-sitter-support.harness.js';

const require = createRequire(import.meta.url);
const wasmPath = webTreeSitterWasm;
const pick = (list: readonly RealModule[], ids: readonly string[]): RealModule[] =>
  ids.map((id) => list.find((g) => g.id === id)!);
const grammars = [
  ...pick(treeSitterGrammars(), ['javascript', 'css']).map((g) => ({ g, legacy: false })),
  ...pick(treeSitterLegacyGrammars(), ['rust', 'toml']).map((g) => ({ g, legacy: true })),
];
const cases = grammars.map(({ g, legacy }) => ({
  id: `${legacy ? 'legacy' : 'modern'}-${g.id}`,
  g,
  legacy,
  url: `/grammars/${legacy ? 'legacy' : 'modern'}/${g.id}.wasm`,
  samples: [treeSitterSample(g.id), treeSitterGenericSample],
}));

const server = (): Promise<TestServer> => treeSitterServer(cases.map((c) => ({ url: c.url, path: c.g.path })));

describeInChromium('web-tree-sitter in Chromium through the run-time route', { server }, (chromium) => {
  it("links modern and legacy grammars in the page; the trees are those of web-tree-sitter's own loader", async () => {
    const script = await bundle(fileURLToPath(new URL('./tree-sitter-page.harness.ts', import.meta.url)), {
      define: { TS_CASES: JSON.stringify(cases.map(({ id, url, samples }) => ({ id, url, samples }))) },
    });
    const result = await runInPage<{ trees: Record<string, string[]>; libraries: number }>({
      browser: chromium.browser,
      url: chromium.server.url,
      script,
      timeoutMs: 60_000,
    });

    const official = require('web-tree-sitter') as TreeSitter;
    await official.Parser.init({ locateFile: () => wasmPath });
    const expected: Record<string, string[]> = {};
    for (const c of cases) {
      const bytes = new Uint8Array(readFileSync(c.g.path));
      const language = await official.Language.load(c.legacy ? legacyToDylink0(bytes) : bytes);
      expected[c.id] = c.samples.map((s) => parseToString(official, language, s));
    }
    expect(result.trees).toEqual(expected);
    expect(result.libraries).toBe(cases.length);
    // Only the page's @dl loaded them: each grammar was fetched once, by URL.
    for (const c of cases) expect(chromium.server.log.filter((r) => r.path === c.url)).toHaveLength(1);
  }, 90_000);
});
