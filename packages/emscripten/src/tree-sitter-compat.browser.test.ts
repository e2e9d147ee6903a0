/**
 * The compat option in Chromium: web-tree-sitter 0.27.1 in a page with `compat: ['libc',
 * 'libc++abi']`, every tree-sitter-wasms grammar a runtime can load (all but elm and ql) loaded
 * by URL and linked by @dl — bash and yaml with five inputs each, the others with their sample
 * and the generic one; trees equal to web-tree-sitter's own loader's in node with the missing
 * functions supplied by hand.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { bundle, describeInChromium, runInPage } from '@dl/browser';
import type { TestServer } from '@dl/browser';
import { treeSitterGenericSample, treeSitterLegacyGrammars, treeSitterSample } from '@dl/fixtures';
import { expect, it } from 'vitest';
import { compatSamples } from './tree-sitter-compat-samples.harness.js';
import { initWithSupplied } from './tree-sitter-supplied.harness.js';
import { legacyToDylink0, parseToString, RECOVERED } from './tree-sitter-support.harness.js';
import { treeSitterServer, webTreeSitterWasm } from './tree-sitter-server.harness.js';
import type { TreeSitter } from './tree-sitter-support.harness.js';

const require = createRequire(import.meta.url);
const wasmPath = webTreeSitterWasm;
/** ABI versions older than any runtime accepts (see tree-sitter.test.ts). */
const OLD_ABI = new Set(['elm', 'ql']);
const cases = treeSitterLegacyGrammars()
  .filter((g) => !OLD_ABI.has(g.id))
  .map((g) => ({
    id: g.id,
    g,
    url: `/grammars/legacy/${g.id}.wasm`,
    samples:
      g.id === 'bash' || g.id === 'yaml' ? compatSamples[g.id] : [treeSitterSample(g.id), treeSitterGenericSample],
  }));

const server = (): Promise<TestServer> => treeSitterServer(cases.map((c) => ({ url: c.url, path: c.g.path })));

describeInChromium(
  'compat in Chromium: the tree-sitter-wasms grammars in web-tree-sitter through the run-time route',
  { server },
  (chromium) => {
    it("parses with nothing supplied by hand: the trees of web-tree-sitter's own loader with the functions supplied", async () => {
      const script = await bundle(fileURLToPath(new URL('./tree-sitter-page.harness.ts', import.meta.url)), {
        define: {
          TS_CASES: JSON.stringify(cases.map(({ id, url, samples }) => ({ id, url, samples }))),
          TS_COMPAT: JSON.stringify(['libc', 'libc++abi']),
        },
      });
      const result = await runInPage<{ trees: Record<string, string[]>; libraries: number; compat: string[] }>({
        browser: chromium.browser,
        url: chromium.server.url,
        script,
        timeoutMs: 150_000,
      });

      const official = require('web-tree-sitter') as TreeSitter;
      await initWithSupplied(official, wasmPath);
      const expected: Record<string, string[]> = {};
      for (const c of cases) {
        const language = await official.Language.load(legacyToDylink0(new Uint8Array(readFileSync(c.g.path))));
        expected[c.id] = c.samples.map((s) => parseToString(official, language, s));
      }
      expect(Object.keys(result.trees)).toHaveLength(34);
      expect(result.trees).toEqual(expected);
      for (const id of ['bash', 'yaml']) for (const tree of result.trees[id]!) expect(tree).not.toMatch(RECOVERED);
      expect(result.compat).toEqual(['libdlcompat.so: libc, libc++abi']);
      expect(result.libraries).toBe(cases.length + 1);
    }, 240_000);
  },
);
