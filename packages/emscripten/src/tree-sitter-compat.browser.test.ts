/**
 * The compat option in Chromium: web-tree-sitter 0.27.1 in a page with `compat: ['libc',
 * 'libc++abi']`, every tree-sitter-wasms grammar a runtime can load (all but elm and ql) loaded
 * by URL and linked by @dl — bash and yaml with five inputs each, the others with their sample
 * and the generic one; trees equal to web-tree-sitter's own loader's in node with the missing
 * functions supplied by hand.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle, chromiumGate, launchChromium, runInPage, startServer } from '@dl/browser';
import type { Browser, TestServer } from '@dl/browser';
import { treeSitterGenericSample, treeSitterLegacyGrammars, treeSitterSample } from '@dl/fixtures';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compatSamples } from './tree-sitter-compat-samples.harness.js';
import { initWithSupplied } from './tree-sitter-supplied.harness.js';
import { legacyToDylink0, parseToString, RECOVERED } from './tree-sitter-support.harness.js';
import type { TreeSitter } from './tree-sitter-support.harness.js';

const gate = chromiumGate();
if (gate.mode === 'skip') console.warn(gate.message);

const require = createRequire(import.meta.url);
const wasmPath = require.resolve('web-tree-sitter/web-tree-sitter.wasm');
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

describe.skipIf(gate.mode === 'skip')(
  'compat in Chromium: the tree-sitter-wasms grammars in web-tree-sitter through the run-time route',
  () => {
    let browser: Browser | undefined;
    let server: TestServer | undefined;
    beforeEach(() => {
      if (gate.mode === 'fail') throw new Error(gate.message);
    });
    beforeAll(async () => {
      if (gate.mode === 'fail') return;
      const routes: Record<string, { file: string }> = {
        '/web-tree-sitter.js': { file: join(dirname(wasmPath), 'web-tree-sitter.js') },
        '/web-tree-sitter.wasm': { file: wasmPath },
      };
      for (const c of cases) routes[c.url] = { file: c.g.path };
      server = await startServer(routes);
      browser = await launchChromium();
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    it("parses with nothing supplied by hand: the trees of web-tree-sitter's own loader with the functions supplied", async () => {
      const script = await bundle(fileURLToPath(new URL('./tree-sitter-page.harness.ts', import.meta.url)), {
        define: {
          TS_CASES: JSON.stringify(cases.map(({ id, url, samples }) => ({ id, url, samples }))),
          TS_COMPAT: JSON.stringify(['libc', 'libc++abi']),
        },
      });
      const result = await runInPage<{ trees: Record<string, string[]>; libraries: number; compat: string[] }>({
        browser: browser!,
        url: server!.url,
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
