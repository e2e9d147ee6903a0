/**
 * Unnamed libraries get recognisable names, and a program that loads a side module before
 * `attach()` is told so (web-tree-sitter 0.27.1, a legacy grammar from tree-sitter-wasms).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isDlError } from '@dl/errors';
import { fixture, fixtureBytes } from '@dl/fixtures';
import { describe, expect, it } from 'vitest';
import { emscriptenRuntime } from './attach.js';
import { anonymousLibraryName, contentHash } from './library-name.js';
import type { TreeSitter } from './tree-sitter-support.harness.js';

const require = createRequire(import.meta.url);
const json: Uint8Array<ArrayBuffer> = new Uint8Array(
  readFileSync(require.resolve('tree-sitter-wasms/out/tree-sitter-json.wasm')),
);
const sideModule = fixtureBytes(fixture('need_a', 'emcc'));

describe('anonymousLibraryName', () => {
  it('contentHash is FNV-1a 32-bit', () => {
    expect(contentHash(new Uint8Array())).toBe('811c9dc5');
    expect(contentHash(new TextEncoder().encode('a'))).toBe('e40c292c');
  });

  it('names a tree-sitter grammar after its language function, bytes or compiled', async () => {
    expect(anonymousLibraryName(json, 1)).toBe('tree-sitter-json-1');
    expect(anonymousLibraryName(await WebAssembly.compile(json), 2)).toBe('tree-sitter-json-2');
  });

  it('names other modules by a content hash (bytes) or the count alone (compiled)', async () => {
    expect(anonymousLibraryName(sideModule, 3)).toBe(`module-${contentHash(sideModule)}-3`);
    expect(anonymousLibraryName(await WebAssembly.compile(sideModule), 4)).toBe('module-4');
    const notWasm = new Uint8Array([1, 2, 3]);
    expect(anonymousLibraryName(notWasm, 5)).toBe(`module-${contentHash(notWasm)}-5`);
  });
});

it('web-tree-sitter: a load before attach() names the cause; after it, graph() shows the grammar by name', async () => {
  const T: TreeSitter = await import('web-tree-sitter');
  const wasm = require.resolve('web-tree-sitter/web-tree-sitter.wasm');
  const dl = emscriptenRuntime({ main: readFileSync(wasm) });
  await T.Parser.init({ instantiateWasm: dl.instantiateWasm, locateFile: (file: string) => file });

  // Forgot `await dl.attach()`: Emscripten's own loader refuses the legacy `dylink` section.
  const early: unknown = await T.Language.load(json).catch((e: unknown) => e);
  expect(isDlError(early) && early.code).toBe('DL_INCOMPATIBLE');
  expect((early as Error).message).toContain('await dl.attach()');

  const facade = await dl.attach();
  const language = await T.Language.load(json);
  expect(language.abiVersion).toBe(14);
  expect(facade.linker.graph().libraries.map((l) => l.name)).toEqual(['tree-sitter-json-1']);
});
