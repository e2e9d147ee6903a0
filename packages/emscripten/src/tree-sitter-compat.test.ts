/**
 * The compat option with web-tree-sitter 0.27.1 (run-time route): the tree-sitter-wasms grammars
 * whose scanners need what its main does not export — bash (`isalpha`) and yaml (`operator
 * new`/`delete`) — parse with `compat: ['libc', 'libc++abi']` and nothing assigned by hand, giving
 * the trees web-tree-sitter's own loader gives when those functions are supplied by hand
 * (`isalpha`, `_Znwm`, `_ZdlPv` added to its import object, where Emscripten 4 resolves side
 * modules' imports) to a second instance @dl never touches; so do
 * the other grammars any runtime can load (all but elm and ql).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { treeSitterGenericSample, treeSitterLegacyGrammars, treeSitterSample } from '@dl/fixtures';
import type { RealModule } from '@dl/fixtures';
import { beforeAll, describe, expect, it } from 'vitest';
import { emscriptenRuntime } from './attach.js';
import type { EmscriptenDylink } from './facade.js';
import { compatSamples } from './tree-sitter-compat-samples.harness.js';
import { initWithSupplied } from './tree-sitter-supplied.harness.js';
import { legacyToDylink0, parseToString, RECOVERED } from './tree-sitter-support.harness.js';
import type { TreeSitter } from './tree-sitter-support.harness.js';

const require = createRequire(import.meta.url);
const wasmPath = require.resolve('web-tree-sitter/web-tree-sitter.wasm');
const bytesOf = (g: RealModule): Uint8Array<ArrayBuffer> => new Uint8Array(readFileSync(g.path));
/** ABI versions older than any runtime accepts (see tree-sitter.test.ts). */
const OLD_ABI = new Set(['elm', 'ql']);
const loadable = treeSitterLegacyGrammars().filter((g) => !OLD_ABI.has(g.id));
const grammar = (id: string): RealModule => loadable.find((g) => g.id === id)!;

let official: TreeSitter;
let linked: TreeSitter;
let facade: EmscriptenDylink;
/** How often web-tree-sitter's own loader called the hand-supplied isalpha. */
let isalphaCalls = 0;

beforeAll(async () => {
  official = require('web-tree-sitter') as TreeSitter;
  linked = await import('web-tree-sitter');
  // The reference: the missing functions supplied by hand in its import object.
  await initWithSupplied(official, wasmPath, () => {
    isalphaCalls++;
  });

  const dl = emscriptenRuntime({ main: readFileSync(wasmPath), compat: ['libc', 'libc++abi'] });
  await linked.Parser.init({ instantiateWasm: dl.instantiateWasm, locateFile: (file: string) => file });
  facade = await dl.attach();
}, 30_000);

describe("web-tree-sitter with compat: ['libc', 'libc++abi']", () => {
  it.each(['bash', 'yaml'] as const)(
    "%s: five inputs, the trees of web-tree-sitter's own loader with the functions supplied by hand",
    async (id) => {
      const bytes = bytesOf(grammar(id));
      const mine = await linked.Language.load(bytes);
      const theirs = await official.Language.load(legacyToDylink0(bytes));
      const before = isalphaCalls;
      const expected = compatSamples[id].map((s) => parseToString(official, theirs, s));
      const actual = compatSamples[id].map((s) => parseToString(linked, mine, s));
      expect(actual).toEqual(expected);
      for (const tree of actual) expect(tree).not.toMatch(RECOVERED);
      // The inputs reach the function the main lacks (bash's scanner calls isalpha).
      if (id === 'bash') expect(isalphaCalls).toBeGreaterThan(before);
    },
  );

  it('shows the compatibility library in the graph, and what came from it', () => {
    const { libraries, scopes } = facade.linker.graph();
    const compat = libraries.find((l) => l.compat !== undefined)!;
    expect(compat).toMatchObject({ name: 'libdlcompat.so', compat: ['libc', 'libc++abi'], global: false });
    expect(compat.bindings).toMatchObject({ 'env.malloc': 'main', 'env.free': 'main' });
    expect(scopes[0]!.members).not.toContain('libdlcompat.so');
    const bash = libraries.find((l) => l.exports > 0 && Object.keys(l.bindings).includes('env.isalpha'))!;
    // Only what the main lacks comes from it: iswalpha, memcpy and malloc are the main's.
    expect(bash.bindings).toMatchObject({
      'env.isalpha': 'libdlcompat.so',
      'env.iswalpha': 'main',
      'env.memcpy': 'main',
      'env.calloc': 'main',
    });
    const yaml = libraries.find((l) => Object.keys(l.bindings).includes('env._Znwm'))!;
    expect(yaml.bindings).toMatchObject({
      'env._Znwm': 'libdlcompat.so',
      'env._ZdlPv': 'libdlcompat.so',
      'env.memcpy': 'main',
    });
  });

  it.each(loadable.map((g) => [g.id, g] as const))(
    "%s: the trees of web-tree-sitter's own loader",
    { timeout: 60_000 },
    async (id, g) => {
      const bytes = bytesOf(g);
      const samples = [treeSitterSample(id), treeSitterGenericSample];
      const theirs = await official.Language.load(legacyToDylink0(bytes));
      const expected = samples.map((s) => parseToString(official, theirs, s));
      const mine = await linked.Language.load(bytes);
      expect(samples.map((s) => parseToString(linked, mine, s))).toEqual(expected);
    },
  );
});
