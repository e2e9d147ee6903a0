/**
 * The run-time route on real modules in a running Emscripten program (web-tree-sitter 0.27.1):
 * when the main compiles (as soon as it is given) and what a main that does not compile gives;
 * what the facade says about side modules it cannot link — a typed DlError that names the cause
 * and the build change that fixes it, and nothing left behind — and a program's main in a side
 * module.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fixture, fixtureBytes } from '@dl/fixtures';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { emscriptenRuntime } from './attach.js';
import type { EmscriptenDylink } from './facade.js';

const require = createRequire(import.meta.url);
let facade: EmscriptenDylink;
let Module: Record<string, unknown>;
/** The main's compilations started by `emscriptenRuntime` itself, before Parser.init ran. */
let compiledAtCreation: unknown[][] = [];
const mainBytes = readFileSync(require.resolve('web-tree-sitter/web-tree-sitter.wasm'));

beforeAll(async () => {
  const T = await import('web-tree-sitter');
  const compile = vi.spyOn(WebAssembly, 'compile');
  const dl = emscriptenRuntime({ main: mainBytes });
  compiledAtCreation = compile.mock.calls.slice();
  compile.mockRestore();
  Module = { instantiateWasm: dl.instantiateWasm, locateFile: (f: string) => f };
  await T.Parser.init(Module);
  facade = await dl.attach();
}, 20_000);

/** Runs `load` and checks that the linker's graph and the heap size did not change. */
async function refused(load: () => unknown): Promise<unknown> {
  const before = facade.linker.graph();
  const heap = (Module.HEAPU8 as Uint8Array).length;
  let error: unknown = null;
  try {
    await load();
  } catch (e) {
    error = e;
  }
  expect(facade.linker.graph()).toEqual(before);
  expect((Module.HEAPU8 as Uint8Array).length).toBe(heap);
  return error;
}

describe('the main module', () => {
  it('starts compiling when emscriptenRuntime is called, before the program asks for it', () => {
    expect(compiledAtCreation).toHaveLength(1);
    expect(compiledAtCreation[0]?.[0]).toBe(mainBytes);
    expect(typeof Module._ts_parser_new_wasm).toBe('function');
  });

  it('a promise of bytes compiles once it settles; a main that does not compile rejects attach() with the cause, nothing unhandled', async () => {
    const truncated = mainBytes.subarray(0, 100);
    let settle: (b: Uint8Array) => void = () => undefined;
    const compile = vi.spyOn(WebAssembly, 'compile');
    try {
      const dl = emscriptenRuntime({ main: new Promise<Uint8Array>((resolve) => (settle = resolve)) });
      await Promise.resolve();
      expect(compile).not.toHaveBeenCalled();
      settle(truncated);
      await vi.waitFor(() => {
        expect(compile).toHaveBeenCalledWith(truncated);
      });
      const received = vi.fn();
      const program: Record<string, unknown> = {};
      dl.instantiateWasm.call(program, {}, received);
      await expect(dl.attach()).rejects.toBeInstanceOf(WebAssembly.CompileError);
      expect(received).not.toHaveBeenCalled();
      // Never asked for: the failure stays with the attachment (vitest fails a run on an
      // unhandled rejection).
      emscriptenRuntime({ main: truncated });
    } finally {
      compile.mockRestore();
    }
  });
});

describe('side modules the facade refuses', () => {
  it('built for another ABI: threads (shared memory) into a program without them', async () => {
    const bytes = fixtureBytes(fixture('tls_mt', 'clang16'));
    for (const loadAsync of [false, true]) {
      const e = await refused(() => facade.loadWebAssemblyModule(bytes, { loadAsync }, 'libtls_mt.so'));
      expect(e).toMatchObject({ code: 'DL_INCOMPATIBLE', library: 'libtls_mt.so' });
      expect((e as Error).message).toMatch(
        /needs a shared memory but the program's memory is not shared\nto fix: build the side module and the main module alike: both with -pthread/,
      );
      expect((e as Error).cause).toMatchObject({ code: 'DL_INCOMPATIBLE' });
    }
  });

  it("not a side module at all (a plain main): DL_NOT_SIDE_MODULE; getDylinkMetadata in Emscripten's words", async () => {
    const bytes = fixtureBytes(fixture('main_static', 'clang16'));
    const e = await refused(() => facade.loadWebAssemblyModule(bytes, { loadAsync: true }, 'main_static.wasm'));
    expect(e).toMatchObject({ code: 'DL_NOT_SIDE_MODULE', library: 'main_static.wasm' });
    expect(() => facade.getDylinkMetadata(new WebAssembly.Module(bytes))).toThrow(/^need dylink section$/);
  });

  it('truncated: the byte offset where it ends', async () => {
    const bytes = fixtureBytes(fixture('reloc', 'clang16')).slice(0, 20);
    const e = await refused(() => facade.loadWebAssemblyModule(bytes, {}, 'libreloc.so'));
    expect(e).toMatchObject({ code: 'DL_TRUNCATED', library: 'libreloc.so' });
    expect((e as { offset?: number }).offset).toBeGreaterThan(0);
  });

  it('a global library whose constructor traps: what the facade published for it is taken back', async () => {
    const bytes = fixtureBytes(fixture('ctor_trap', 'clang16'));
    const keys = Object.keys(Module).length;
    for (const loadAsync of [false, true]) {
      const e = await refused(() =>
        facade.loadWebAssemblyModule(bytes, { loadAsync, global: true }, 'libctor_trap.so'),
      );
      expect(e).toMatchObject({ code: 'DL_INIT_FAILED', library: 'libctor_trap.so' });
      expect(Module._ctor_trap_value).toBeUndefined();
      expect(Object.keys(Module).length).toBe(keys);
      expect(facade.linker.findSymbol(null, 'ctor_trap_value')).toBeUndefined();
    }
  });

  it('after all that, a good library still links', async () => {
    const exports = await facade.loadWebAssemblyModule(
      fixtureBytes(fixture('need_a', 'clang16')),
      { loadAsync: true },
      'libneed_a.so',
    );
    expect(typeof exports.need_a).toBe('function');
  });
});

describe("a program's main in a side module", () => {
  it("clang's __main_argc_argv is also _main, where Emscripten's runtime calls it (and the other way round)", async () => {
    const bytes = fixtureBytes(fixture('sidemain', 'clang16'));
    expect(Module._main).toBeUndefined();
    await facade.loadWebAssemblyModule(bytes, { loadAsync: true, global: true }, 'libsidemain.so');
    const main = Module._main as (argc: number, argv: number) => number;
    expect(main).toBe(Module.___main_argc_argv);
    // argv = { "A" }: main returns argc * 10 + 'A'.
    const heap = Module.HEAPU8 as Uint8Array;
    const malloc = Module._malloc as (n: number) => number;
    const s = malloc(2);
    heap.set([65, 0], s);
    const argv = malloc(4);
    new DataView(heap.buffer).setUint32(argv, s, true);
    expect(main(1, argv)).toBe(75);
  });
});
