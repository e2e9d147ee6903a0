/**
 * EM_JS and EM_ASM in side modules (libemcode.so: clang-16 with Emscripten's own headers) loaded
 * into a running Emscripten program — web-tree-sitter 0.27.1, an Emscripten 4.0.x main — through
 * the run-time route: refused unless the user allows evaluating code, then run as Emscripten runs them.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fixture, fixtureBytes } from '@dl/fixtures';
import { beforeAll, describe, expect, it } from 'vitest';
import { emscriptenRuntime } from './attach.js';
import { EmCode } from './em-code.js';
import type { EmscriptenDylink } from './facade.js';
import type { TreeSitter } from './tree-sitter-support.harness.js';

const require = createRequire(import.meta.url);
const wasmPath = require.resolve('web-tree-sitter/web-tree-sitter.wasm');
const emcode = (): Uint8Array<ArrayBuffer> => fixtureBytes(fixture('emcode', 'clang16'));

/** A web-tree-sitter instance with the facade attached (`esm`: the ESM build, else the CommonJS one: separate instances). */
async function attached(
  esm: boolean,
  allowEval: boolean,
): Promise<{ facade: EmscriptenDylink; Module: Record<string, unknown> }> {
  const T = esm ? await import('web-tree-sitter') : (require('web-tree-sitter') as TreeSitter);
  const dl = emscriptenRuntime({ main: readFileSync(wasmPath), allowEval });
  const Module: Record<string, unknown> = { instantiateWasm: dl.instantiateWasm, locateFile: (f: string) => f };
  await T.Parser.init(Module);
  return { facade: await dl.attach(), Module };
}

type Fn = (...args: number[]) => number;

describe('side modules carrying JavaScript', () => {
  let refusing: Awaited<ReturnType<typeof attached>>;
  let allowing: Awaited<ReturnType<typeof attached>>;
  beforeAll(async () => {
    refusing = await attached(false, false);
    allowing = await attached(true, true);
  }, 20_000);

  it('are refused by default, naming what they carry and how to allow it; nothing is left behind', async () => {
    const { facade, Module } = refusing;
    const before = facade.linker.graph();
    const heap = (Module.HEAPU8 as Uint8Array).length;
    const error = { code: 'DL_EVAL_REQUIRED', library: expect.stringMatching(/./) as unknown };
    expect(() => facade.loadWebAssemblyModule(new WebAssembly.Module(emcode()))).toThrow(
      expect.objectContaining(error),
    );
    await expect(facade.loadWebAssemblyModule(emcode(), { loadAsync: true })).rejects.toThrow(
      /carries JavaScript \(EM_JS functions js_add, js_scale and EM_ASM blocks\).*allowEval: true/,
    );
    expect(facade.linker.graph()).toEqual(before);
    expect((Module.HEAPU8 as Uint8Array).length).toBe(heap);
  });

  it('run as Emscripten runs them once allowed: EM_JS imports, EM_ASM with int and double arguments, from a constructor too', async () => {
    const exports = (await allowing.facade.loadWebAssemblyModule(emcode(), { loadAsync: true })) as Record<string, Fn>;
    expect(exports.emcode_add!(2, 3)).toBe(1005);
    // js_scale reads its C string argument through Module.HEAPU8: the label is "\x03".
    expect(exports.emcode_scale!(2.5)).toBe(7.5);
    expect(exports.emcode_asm!(4, 2.9)).toBe(42);
    expect(exports.emcode_asm_noargs!()).toBe(42);
    expect(exports.emcode_loaded!()).toBe(7);
  });

  it('a second copy (synchronously, from a compiled module) gets its own EM_ASM blocks, at its own addresses', () => {
    const exports = allowing.facade.loadWebAssemblyModule(new WebAssembly.Module(emcode())) as Record<string, Fn>;
    expect(exports.emcode_asm!(5, 0.5)).toBe(50);
    expect(exports.emcode_add!(-1000, 1)).toBe(1);
    expect(allowing.facade.linker.graph().libraries.length).toBeGreaterThanOrEqual(2);
  });
});

describe("what a load learnt of side modules' JavaScript is part of its transaction", () => {
  it('admit registers its undo: once the failed load rolls back, the EM_JS names are unknown again', () => {
    const module = new WebAssembly.Module(emcode());
    const exports = WebAssembly.Module.exports(module).map((e) => ({ name: e.name, kind: e.kind }));
    const code = new EmCode(
      true,
      () => () => 0,
      new WebAssembly.Memory({ initial: 1 }),
      () => undefined,
    );
    const undo: (() => void)[] = [];
    code.admit(
      { name: 'libemcode.so', key: 'libemcode.so', location: null, neededBy: [], exports, imports: [] },
      {
        onRollback: (u) => {
          undo.push(u);
        },
      },
    );
    expect(typeof code.symbol('js_add')).toBe('function');
    expect(undo.length).toBeGreaterThan(0);
    for (const u of undo.reverse()) u();
    expect(code.symbol('js_add')).toBeUndefined();
    expect(code.symbol('js_scale')).toBeUndefined();
  });
});
