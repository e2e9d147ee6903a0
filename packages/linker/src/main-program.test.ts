import { fixture, fixtureBytes, fixtures } from '@dl/fixtures';
import { outcome } from '@dl/fixtures/outcome';
import { describe, expect, it } from 'vitest';
import { createLinker, createLinkerSync } from './create.js';
import { RTLD_DEFAULT } from './symbol-lookup.js';
import type { Linker } from './linker.js';
import { memoryLoader } from './loader.js';
import { call, readI32, sideFiles, sharedMemoryFixtures } from './test-support.harness.js';

const mainBytes = (): Uint8Array => fixtureBytes(fixture('main', 'clang16'));
const stats = (linker: Linker, which: number): number => call(linker, RTLD_DEFAULT, 'host_alloc_stats', which);
const LIVE_BLOCKS = 1;
const HEAP_START = 5;
// emcc sides legalise i64 through the host's tempRet0; the clang main has no libc for it.
let tempRet0 = 0;
const emccRuntime = {
  setTempRet0: {
    func: (v: number) => {
      tempRet0 = v;
    },
    type: '(i32) -> ()',
  },
  getTempRet0: { func: () => tempRet0, type: '() -> i32' },
};

describe('a relocatable main (clang -pie) loaded by the linker', () => {
  it('loads the main with its NEEDED libraries, binds both ways, and its self-check passes', async () => {
    const linker = await createLinker({
      program: { kind: 'relocatable', module: mainBytes() },
      loader: memoryLoader(sideFiles('clang16')),
    });
    expect(call(linker, RTLD_DEFAULT, 'main_run')).toBe(0);
    const graph = linker.graph();
    expect(graph.scopes[0]!.members).toEqual(['main', 'libreloc.so', 'libfptr.so']);
    const main = graph.libraries.find((l) => l.name === 'main')!;
    expect(main.memory.base).toBe(1024);
    // main imports reloc_check/fptr_check, which only its libraries define: bound through the PLT.
    expect(main.lazy.map((l) => l.name).sort()).toEqual(['fptr_check', 'reloc_check']);
    expect(main.lazy.every((l) => l.bound)).toBe(true);
  });

  it("places libraries above the main's data and stack, and uses the main's malloc once its runtime is up", () => {
    const linker = createLinkerSync({
      program: { kind: 'relocatable', module: mainBytes(), stackSize: 32768 },
      loader: memoryLoader(sideFiles('clang16')),
    });
    const heapStart = stats(linker, HEAP_START);
    const first = linker.graph().libraries.filter((l) => l.name !== 'main');
    // Loaded with the main, before its runtime was up: carved below the heap by bumping __heap_base.
    for (const l of first) {
      expect(l.memory.base).toBeGreaterThanOrEqual(1024 + 208 + 32768);
      expect(l.memory.base + l.memory.size).toBeLessThanOrEqual(heapStart);
    }
    const live = stats(linker, LIVE_BLOCKS);
    const h = linker.dlopenSync('libneed_a.so', { binding: 'now' });
    expect(stats(linker, LIVE_BLOCKS)).toBe(live + 1);
    const lib = linker.graph().libraries.find((l) => l.name === 'libneed_a.so')!;
    expect(lib.memory.base).toBeGreaterThanOrEqual(heapStart);
    expect(call(linker, h, 'need_a_check')).toBe(0);
  });

  it.each(['clang16', 'emcc'] as const)('takes every %s side module with dlopen, RTLD_NOW | RTLD_LOCAL', (tc) => {
    const linker = createLinkerSync({
      program: { kind: 'relocatable', module: mainBytes(), functions: emccRuntime },
      loader: memoryLoader(sideFiles(tc)),
    });
    for (const f of fixtures.filter(
      (x) => x.toolchain === tc && x.kind === 'side' && x.checks.length > 0 && !sharedMemoryFixtures.has(x.id),
    )) {
      const h = linker.dlopenSync(f.file.slice(f.file.lastIndexOf('/') + 1), { binding: 'now', scope: 'local' });
      for (const c of f.checks) expect(call(linker, h, c), `${f.id} ${c}`).toBe(0);
    }
    expect(call(linker, RTLD_DEFAULT, 'main_run')).toBe(0);
  });

  it("keeps side modules' destructors even when the main defines __cxa_atexit (its libc cannot run one library's at unload)", () => {
    const linker = createLinkerSync({
      program: { kind: 'relocatable', module: mainBytes() },
      loader: memoryLoader(sideFiles('clang16')),
    });
    linker.dlopenSync('libctor.so', { binding: 'now' });
    const notes = (): number[] => {
      const s = linker.dlsym(RTLD_DEFAULT, 'main_notes');
      const n = linker.dlsym(RTLD_DEFAULT, 'main_note_count');
      if (s.kind === 'global' || n.kind === 'global') throw new Error('data');
      return Array.from({ length: readI32(linker, n.address) }, (_, i) => readI32(linker, s.address + 4 * i));
    };
    expect(notes()).toEqual([200, 300, 1000]);
    // The main's own exit list does not have it (main_exit returns how many it ran)…
    expect(call(linker, RTLD_DEFAULT, 'main_exit')).toBe(0);
    expect(notes()).toEqual([200, 300, 1000]);
    // …the linker's does: run at exit, or when the library is unloaded.
    linker.exit();
    expect(notes()).toEqual([200, 300, 1000, 9000]);
  });

  it('refuses memory strategies the main cannot work with', () => {
    expect(
      outcome(() =>
        createLinkerSync({
          program: { kind: 'relocatable', module: mainBytes() },
          memoryStrategy: 'linker-heap',
          loader: memoryLoader(sideFiles('clang16')),
        }),
      ),
    ).toBe('DL_INCOMPATIBLE');
  });
});

describe('attaching to an instantiated non-relocatable main (clang, no -pie)', () => {
  const instantiate = (): WebAssembly.Exports => {
    const { exports } = new WebAssembly.Instance(
      new WebAssembly.Module(fixtureBytes(fixture('main_static', 'clang16'))),
      {},
    );
    (exports.__wasm_call_ctors as () => void)();
    return exports;
  };

  it.each(['clang16', 'emcc'] as const)(
    'links every %s side module into it, using its allocator and its table',
    (tc) => {
      const exports = instantiate();
      expect((exports.main_static_run as () => number)()).toBe(0); // the main's own check wants a fresh heap
      const linker = createLinkerSync({
        program: { kind: 'attached', exports, functions: emccRuntime },
        loader: memoryLoader(sideFiles(tc)),
      });
      expect(linker.memory).toBe(exports.memory);
      const live = stats(linker, LIVE_BLOCKS);
      const sides = fixtures.filter(
        (x) => x.toolchain === tc && x.kind === 'side' && x.checks.length > 0 && !sharedMemoryFixtures.has(x.id),
      );
      for (const f of sides) {
        const h = linker.dlopenSync(f.file.slice(f.file.lastIndexOf('/') + 1), { binding: 'now', scope: 'global' });
        for (const c of f.checks) expect(call(linker, h, c), `${f.id} ${c}`).toBe(0);
      }
      expect(stats(linker, LIVE_BLOCKS)).toBeGreaterThanOrEqual(live + sides.length);
    },
  );

  it("reuses the main's own table slot for &main_add1", () => {
    const exports = instantiate();
    const table = exports.__indirect_function_table as WebAssembly.Table;
    const slot = [...Array(table.length).keys()].find((i) => table.get(i) === exports.main_add1);
    const linker = createLinkerSync({
      program: { kind: 'attached', exports },
      loader: memoryLoader(sideFiles('clang16')),
    });
    const h = linker.dlopenSync('libfptr.so', { binding: 'now', scope: 'global' });
    const add1 = linker.dlsym(RTLD_DEFAULT, 'main_add1');
    const ptr = linker.dlsym(h, 'fp_add1_ptr');
    if (add1.kind !== 'function' || ptr.kind === 'global') throw new Error('symbols');
    expect(add1.address).toBe(slot);
    expect(readI32(linker, ptr.address)).toBe(slot);
    expect(linker.dlsym(RTLD_DEFAULT, 'main_counter')).toMatchObject({ kind: 'data', address: 1056 });
  });

  it('needs an allocator or a heap start', () => {
    const { malloc: _m, free: _f, ...noHeap } = instantiate();
    expect(outcome(() => createLinkerSync({ program: { kind: 'attached', exports: noHeap } }))).toBe('DL_INCOMPATIBLE');
  });
});

describe("unloading with the main's allocator", () => {
  it("a library's data goes back through the main's free: 200 open/close cycles leave the main's heap as it was", () => {
    const linker = createLinkerSync({
      program: { kind: 'relocatable', module: mainBytes() },
      loader: memoryLoader(sideFiles('clang16')),
    });
    const open = (): void => {
      const h = linker.dlopenSync('libneed_c.so', { binding: 'now' });
      expect(call(linker, h, 'need_c_check')).toBe(0);
      linker.dlclose(h);
    };
    open();
    const live = stats(linker, LIVE_BLOCKS);
    const bytes = linker.memory.buffer.byteLength;
    const h = linker.dlopenSync('libneed_c.so', { binding: 'now' });
    // Three libraries' data, from the main's malloc.
    expect(stats(linker, LIVE_BLOCKS)).toBe(live + 3);
    linker.dlclose(h);
    expect(stats(linker, LIVE_BLOCKS)).toBe(live);
    for (let i = 0; i < 200; i++) open();
    expect(stats(linker, LIVE_BLOCKS)).toBe(live);
    expect(linker.memory.buffer.byteLength).toBe(bytes);
  });
});
