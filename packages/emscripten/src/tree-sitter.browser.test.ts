/**
 * The run-time route in Chromium: web-tree-sitter 0.27.1 in a page, its grammars linked by @dl
 * (two modern dylink.0 grammars, two legacy `dylink` ones its own loader refuses), trees equal
 * to what web-tree-sitter's own loader gives in node (legacy grammars rewritten to dylink.0).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle, chromiumGate, launchChromium, runInPage, startServer } from '@dl/browser';
import type { Browser, TestServer } from '@dl/browser';
import { treeSitterGenericSample, treeSitterGrammars, treeSitterLegacyGrammars, treeSitterSample } from '@dl/fixtures';
import type { RealModule } from '@dl/fixtures';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { legacyToDylink0, parseToString } from './tree-sitter-support.harness.js';
import type { TreeSitter } from './tree-sitter-support.harness.js';

const gate = chromiumGate();
if (gate.mode === 'skip') console.warn(gate.message);

const require = createRequire(import.meta.url);
const wasmPath = require.resolve('web-tree-sitter/web-tree-sitter.wasm');
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

describe.skipIf(gate.mode === 'skip')('web-tree-sitter in Chromium through the run-time route', () => {
  let browser: Browser | undefined;
  let server: TestServer | undefined;
  beforeEach(() => {
    if (gate.mode === 'fail') throw new Error(gate.message);
  });
  beforeAll(async () => {
    if (gate.mode === 'fail') return;
    const routes: Record<string, { file: string }> = {
      // The package's ES module (its exports map names only "." for it), next to its .wasm.
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

  it("links modern and legacy grammars in the page; the trees are those of web-tree-sitter's own loader", async () => {
    const script = await bundle(fileURLToPath(new URL('./tree-sitter-page.harness.ts', import.meta.url)), {
      define: { TS_CASES: JSON.stringify(cases.map(({ id, url, samples }) => ({ id, url, samples }))) },
    });
    const result = await runInPage<{ trees: Record<string, string[]>; libraries: number }>({
      browser: browser!,
      url: server!.url,
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
    for (const c of cases) expect(server!.log.filter((r) => r.path === c.url)).toHaveLength(1);
  }, 90_000);
});
