/**
 * web-tree-sitter 0.27.1 (an Emscripten 4.0.x program) with its grammars linked by @dl through
 * the run-time route: `Parser.init({ instantiateWasm })`, then `attach()`, then the program's
 * own `Language.load`. The reference is a second, untouched web-tree-sitter instance (the
 * package's CommonJS build: its own module state, memory, table and heap) loading the same
 * grammars with Emscripten's loader, so nothing @dl does can reach the reference trees.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isDlError } from '@dl/errors';
import { treeSitterGenericSample, treeSitterGrammars, treeSitterLegacyGrammars, treeSitterSample } from '@dl/fixtures';
import type { RealModule } from '@dl/fixtures';
import { beforeAll, describe, expect, it } from 'vitest';
import { emscriptenRuntime } from './attach.js';
import type { EmscriptenDylink } from './facade.js';
import { languageAbi, legacyToDylink0, parseToString, RECOVERED } from './tree-sitter-support.harness.js';
import type { TreeSitter, TreeSitterLanguage } from './tree-sitter-support.harness.js';

const require = createRequire(import.meta.url);
const wasmPath = require.resolve('web-tree-sitter/web-tree-sitter.wasm');
const bytesOf = (g: RealModule): Uint8Array<ArrayBuffer> => new Uint8Array(readFileSync(g.path));
const modern = treeSitterGrammars();
const legacy = treeSitterLegacyGrammars();
/** Legacy grammars older than any runtime here accepts (web-tree-sitter 0.27: ABI 13..15). */
const OLD_ABI: ReadonlyMap<string, number> = new Map([
  ['elm', 12],
  ['ql', 10],
]);
/** A legacy grammar whose C++ scanner calls operator new, which web-tree-sitter does not export. */
const NEEDS_NEW = 'yaml';
const regular = legacy.filter((g) => !OLD_ABI.has(g.id) && g.id !== NEEDS_NEW);
const legacyGrammar = (id: string): RealModule => legacy.find((g) => g.id === id)!;

/** The language sample's and the generic sample's trees. */
function trees(T: TreeSitter, language: TreeSitterLanguage, id: string): [string, string] {
  return [parseToString(T, language, treeSitterSample(id)), parseToString(T, language, treeSitterGenericSample)];
}

/** What loading and parsing gave: the trees, or the error thrown. */
async function attempt(T: TreeSitter, bytes: Uint8Array, id: string): Promise<unknown> {
  try {
    return trees(T, await T.Language.load(bytes), id);
  } catch (e) {
    return e;
  }
}

let official: TreeSitter;
let linked: TreeSitter;
let Module: Record<string, unknown>;
let facade: EmscriptenDylink;
let ownLoader: unknown;
/** A grammar the linked instance loaded with its own loader before attaching, and its tree then. */
let before: { language: TreeSitterLanguage; tree: string };
const linkedCount = (): number => facade.linker.graph().libraries.length;

beforeAll(async () => {
  official = require('web-tree-sitter') as TreeSitter;
  linked = await import('web-tree-sitter');
  expect(linked.Parser).not.toBe(official.Parser);
  await official.Parser.init({ locateFile: () => wasmPath });

  const dl = emscriptenRuntime({ main: readFileSync(wasmPath) });
  Module = { instantiateWasm: dl.instantiateWasm, locateFile: (file: string) => file };
  await linked.Parser.init(Module);
  ownLoader = Module.loadWebAssemblyModule;
  const js = await linked.Language.load(bytesOf(modern.find((g) => g.id === 'javascript')!));
  before = { language: js, tree: parseToString(linked, js, treeSitterSample('javascript')) };
  facade = await dl.attach();
}, 30_000);

describe('attaching to web-tree-sitter', () => {
  it("finds the Module without being told: Parser.init's options object, where Language.load looks", async () => {
    expect(typeof ownLoader).toBe('function');
    expect(Module.loadWebAssemblyModule).not.toBe(ownLoader);
    // The options object is Emscripten's Module: it received the runtime's exports.
    expect(typeof Module._ts_parser_new_wasm).toBe('function');
    expect(Module.HEAPU8).toBeInstanceOf(Uint8Array);
    const again = emscriptenRuntime({ main: new Uint8Array() });
    await expect(again.attach()).rejects.toMatchObject({ code: 'DL_INCOMPATIBLE' });
  });
});

describe('the legacy grammars older than web-tree-sitter 0.27 accepts (first: in fresh instances)', () => {
  it.each([...OLD_ABI].map(([id, abi]) => [id, abi] as const))(
    '%s: linked by @dl; ABI %i; web-tree-sitter fails the same way with either loader',
    async (id, abi) => {
      const bytes = bytesOf(legacyGrammar(id));
      const exports = await facade.loadWebAssemblyModule(bytes, { loadAsync: true });
      const address = (exports[`tree_sitter_${id}`] as () => number)();
      expect(languageAbi(Module.HEAPU8 as Uint8Array, address)).toBe(abi);
      expect(abi).toBeLessThan(linked.MIN_COMPATIBLE_VERSION);
      // Language's constructor reads the struct as a current one before anyone checks the ABI:
      // here setLanguage names the cause; with other grammars loaded first, the constructor can
      // run off the end of memory instead ("memory access out of bounds"), with either loader.
      const viaDl = await attempt(linked, bytes, id);
      const viaOwn = await attempt(official, legacyToDylink0(bytes), id);
      expect(viaDl).toBeInstanceOf(Error);
      expect(String(viaDl)).toBe(`Error: Incompatible language version ${abi}. Compatibility range 13 through 15.`);
      expect(String(viaOwn)).toBe(String(viaDl));
    },
  );
});

describe("the 16 @vscode/tree-sitter-wasm grammars (dylink.0): @dl vs web-tree-sitter's loader", () => {
  it.each(modern.map((g) => [g.id, g] as const))('%s: identical trees', async (id, g) => {
    const bytes = bytesOf(g);
    const expected = trees(official, await official.Language.load(bytes), id);
    const count = linkedCount();
    const actual = trees(linked, await linked.Language.load(bytes), id);
    expect(linkedCount()).toBe(count + 1);
    expect(actual).toEqual(expected);
    expect(actual[0]).not.toMatch(RECOVERED);
  });
});

describe('the legacy tree-sitter-wasms grammars (dylink section)', () => {
  it.each(regular.map((g) => [g.id, g] as const))(
    '%s: refused by web-tree-sitter 0.27, linked by @dl, identical to its loader on dylink.0 bytes',
    async (id, g) => {
      const bytes = bytesOf(g);
      // Emscripten 4's getDylinkMetadata: bytes fail a message-less check, a Module has no dylink.0.
      await expect(official.Language.load(bytes)).rejects.toSatisfy((e) => e instanceof Error && e.message === '');
      expect(() => official.Language.loadSync(new WebAssembly.Module(bytes))).toThrow(/^need dylink section$/);
      const expected = trees(official, await official.Language.load(legacyToDylink0(bytes)), id);
      const actual = trees(linked, await linked.Language.load(bytes), id);
      expect(actual).toEqual(expected);
      expect(actual[0]).not.toMatch(RECOVERED);
    },
  );

  it(`${NEEDS_NEW}: @dl names the missing _Znwm (web-tree-sitter: "resolved is not a function"); with Module.__Znwm it parses`, async () => {
    const bytes = bytesOf(legacyGrammar(NEEDS_NEW));
    const viaDl = await attempt(linked, bytes, NEEDS_NEW);
    expect(isDlError(viaDl) && viaDl.code).toBe('DL_UNDEFINED_SYMBOL');
    expect(String(viaDl)).toMatch(
      /undefined symbol _Znwm was called, and no library defines it; the option compat: \['libc\+\+abi'\] provides it$/,
    );
    const viaOwn = await attempt(official, legacyToDylink0(bytes), NEEDS_NEW);
    expect(String(viaOwn)).toBe('TypeError: resolved is not a function');
    // The facade also resolves runtime symbols as Module['_' + name], as Emscripten names them.
    Module.__Znwm = Module._malloc;
    Module.__ZdlPv = Module._free;
    const [sample] = trees(linked, await linked.Language.load(bytes), NEEDS_NEW);
    expect(sample).toMatch(/^\(stream \(document \(block_node \(block_mapping/);
    expect(sample).not.toMatch(RECOVERED);
  });
});

describe('the instance after all that', () => {
  it('still parses with the grammar its own loader loaded before attaching', () => {
    expect(parseToString(linked, before.language, treeSitterSample('javascript'))).toBe(before.tree);
  });

  it('loads concurrently (Promise.all) and synchronously (Language.loadSync) through @dl', async () => {
    const picks = ['rust', 'toml', 'go'].map(legacyGrammar);
    const languages = await Promise.all(picks.map((g) => linked.Language.load(bytesOf(g))));
    const sync = linked.Language.loadSync(new WebAssembly.Module(bytesOf(legacyGrammar('c'))));
    for (const [i, g] of [...picks, legacyGrammar('c')].entries()) {
      const language = languages[i] ?? sync;
      const expected = trees(official, await official.Language.load(legacyToDylink0(bytesOf(g))), g.id);
      expect(trees(linked, language, g.id), g.id).toEqual(expected);
    }
  });
});
