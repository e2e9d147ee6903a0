/**
 * Unloading through the facade, in a running Emscripten program (web-tree-sitter 0.27.1, the
 * run-time route): what the facade mirrored for a library — its functions in `Module` and the
 * import object, its LDSO entries and `struct dso` fields, its EM_JS functions and EM_ASM blocks —
 * leaves with it, and a library loaded again into the same `struct dso` (as libc's dlopen hands it
 * back by name) starts afresh. The C half (dl_unload.c, C dlclose in a 3.1.6 program) is the
 * differential suite's `unload` program.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fixture, fixtureBytes } from '@dl/fixtures';
import { virtualLoader } from '@dl/loaders';
import { beforeAll, describe, expect, it } from 'vitest';
import { emscriptenRuntime } from './attach.js';
import type { EmscriptenDylink } from './facade.js';
import type { TreeSitter } from './tree-sitter-support.harness.js';
import { RTLD_FLAGS, emscripten316 } from './versions.js';

const require = createRequire(import.meta.url);
const wasmPath = require.resolve('web-tree-sitter/web-tree-sitter.wasm');
const NAME = 'libemcode.so';

type Fn = (...args: number[]) => number;

/** A `struct dso` as libc's dlopen allocates it (3.1.6's layout): flags and the name, the rest zero. */
function allocDso(Module: Record<string, unknown>, name: string, flags: number): number {
  const size = emscripten316.dso.name + name.length + 1;
  const dso = (Module._malloc as (n: number) => number)(size);
  const heap = Module.HEAPU8 as Uint8Array;
  heap.fill(0, dso, dso + size);
  new DataView(heap.buffer).setInt32(dso + emscripten316.dso.flags, flags, true);
  heap.set(new TextEncoder().encode(name), dso + emscripten316.dso.name);
  return dso;
}

/** The placement fields of a `struct dso`: mem_allocated, mem_addr, mem_size, table_addr, table_size. */
function placementOf(Module: Record<string, unknown>, dso: number): number[] {
  const view = new DataView((Module.HEAPU8 as Uint8Array).buffer);
  const { memAllocated, memAddr, memSize, tableAddr, tableSize } = emscripten316.dso;
  return [
    view.getUint8(dso + memAllocated),
    ...[memAddr, memSize, tableAddr, tableSize].map((o) => view.getUint32(dso + o, true)),
  ];
}

describe('unloading through the facade (web-tree-sitter, the run-time route)', () => {
  let facade: EmscriptenDylink;
  let Module: Record<string, unknown>;
  beforeAll(async () => {
    const T = require('web-tree-sitter') as TreeSitter;
    const dl = emscriptenRuntime({
      main: readFileSync(wasmPath),
      allowEval: true,
      loader: virtualLoader({
        [`/${NAME}`]: fixtureBytes(fixture('emcode', 'clang16')),
        // Two libraries defining interpose_who (1 and 2), with no imports.
        '/libinterpose_1.so': fixtureBytes(fixture('interpose_1', 'clang16')),
        '/libinterpose_2.so': fixtureBytes(fixture('interpose_2', 'clang16')),
      }),
    });
    Module = { instantiateWasm: dl.instantiateWasm, locateFile: (f: string) => f };
    await T.Parser.init(Module);
    facade = await dl.attach();
  }, 20_000);

  it('takes back what it mirrored: Module and import-object functions, LDSO entries, struct dso fields', () => {
    const flags = RTLD_FLAGS.NOW | RTLD_FLAGS.GLOBAL;
    const dso = allocDso(Module, NAME, flags);
    expect(facade.dlopenJs(dso), String(facade.lastError)).toBe(1);
    expect((Module._emcode_add as Fn)(2, 3)).toBe(1005);
    expect(facade.LDSO.loadedLibsByHandle[dso]?.name).toBe(NAME);
    expect(facade.LDSO.loadedLibsByName[NAME]).toBeDefined();
    const [allocated, memAddr] = placementOf(Module, dso);
    expect([allocated, memAddr! > 0]).toEqual([1, true]);

    // libc's dlopen returns the struct _dlopen_js just filled: no second reference.
    expect(facade.openedJs(dso, flags)).toBe(1);
    expect(facade.dlcloseJs(dso)).toBe(0);

    expect(Module._emcode_add).toBeUndefined();
    expect(facade.LDSO.loadedLibsByHandle[dso]).toBeUndefined();
    expect(facade.LDSO.loadedLibsByName[NAME]).toBeUndefined();
    expect(placementOf(Module, dso)).toEqual([0, 0, 0, 0, 0]);
    expect(facade.linker.graph().libraries.map((l) => l.name)).not.toContain(NAME);
    // The struct stays in libc's list, its library gone: a second dlclose is refused.
    expect(facade.dlcloseJs(dso)).toBe(1);
  });

  it('loads a library again into the struct dso libc hands back by name: EM_JS and EM_ASM evaluated afresh, constructor run again', () => {
    const flags = RTLD_FLAGS.NOW | RTLD_FLAGS.GLOBAL;
    const dso = allocDso(Module, NAME, flags);
    expect(facade.dlopenJs(dso)).toBe(1);
    expect(facade.openedJs(dso, flags)).toBe(1);
    expect(facade.dlcloseJs(dso)).toBe(0);

    // dlopen of the same name again: libc finds the struct in its list and returns it (no _dlopen_js).
    expect(facade.openedJs(dso, flags)).toBe(1);
    expect(placementOf(Module, dso)[0]).toBe(1);
    expect((Module._emcode_add as Fn)(-1000, 1)).toBe(1);
    expect((Module._emcode_asm as Fn)(5, 0.5)).toBe(50);
    expect((Module._emcode_loaded as Fn)()).toBe(7);
    // Opened twice through the struct (dlopen by name again): two dlcloses unload it.
    expect(facade.openedJs(dso, flags)).toBe(1);
    expect(facade.dlcloseJs(dso)).toBe(0);
    expect((Module._emcode_add as Fn)(1, 1)).toBe(1002);
    expect(facade.dlcloseJs(dso)).toBe(0);
    expect(Module._emcode_add).toBeUndefined();
  });

  it('RTLD_NOLOAD into a struct whose library was unloaded fails, as natively, and leaves nothing', () => {
    const flags = RTLD_FLAGS.NOW;
    const dso = allocDso(Module, NAME, flags);
    expect(facade.dlopenJs(dso)).toBe(1);
    expect(facade.openedJs(dso, flags)).toBe(1);
    expect(facade.dlcloseJs(dso)).toBe(0);
    const before = facade.linker.graph();
    expect(facade.openedJs(dso, flags | RTLD_FLAGS.NOLOAD)).toBe(0);
    expect(facade.linker.graph()).toEqual(before);
    expect(placementOf(Module, dso)).toEqual([0, 0, 0, 0, 0]);
  });

  it('gives a name mirrored from an unloaded library to the next global library defining it, then to nothing', () => {
    const flags = RTLD_FLAGS.NOW | RTLD_FLAGS.GLOBAL;
    const first = allocDso(Module, 'libinterpose_1.so', flags);
    const second = allocDso(Module, 'libinterpose_2.so', flags);
    expect(facade.dlopenJs(first), String(facade.lastError)).toBe(1);
    expect(facade.dlopenJs(second), String(facade.lastError)).toBe(1);
    // Existing entries win, as in Emscripten: the first library's.
    expect((Module._interpose_who as Fn)()).toBe(1);

    expect(facade.dlcloseJs(first)).toBe(0);
    expect(facade.linker.graph().libraries.map((l) => l.name)).not.toContain('libinterpose_1.so');
    expect((Module._interpose_who as Fn)()).toBe(2);
    expect(facade.dlcloseJs(second)).toBe(0);
    expect(Module._interpose_who).toBeUndefined();
  });

  it('promotes an RTLD_LOCAL library reopened RTLD_GLOBAL under the same name (libc answers it from its list)', () => {
    const dso = allocDso(Module, 'libinterpose_2.so', RTLD_FLAGS.NOW);
    expect(facade.dlopenJs(dso)).toBe(1);
    expect(facade.openedJs(dso, RTLD_FLAGS.NOW)).toBe(1);
    expect(Module._interpose_who).toBeUndefined();
    expect(facade.openedJs(dso, RTLD_FLAGS.NOW | RTLD_FLAGS.GLOBAL)).toBe(1);
    expect((Module._interpose_who as Fn)()).toBe(2);
    expect([facade.dlcloseJs(dso), facade.dlcloseJs(dso)]).toEqual([0, 0]);
    expect(Module._interpose_who).toBeUndefined();
  });
});
