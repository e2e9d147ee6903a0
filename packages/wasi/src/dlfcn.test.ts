import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, fixturePath, fixturesDir } from '@dl/fixtures';
import { isDlError, memoryLoader } from '@dl/linker';
import { afterAll, describe, expect, it } from 'vitest';
import { instantiateWasiMain, jspiSupported } from './instantiate.js';
import { runWasiNode } from './node/run.js';

const mainPath = fixturePath(fixture('wasi_dl_main', 'clang16'));
const wasiDir = join(fixturesDir, 'wasi');
const clangDir = join(fixturesDir, 'clang16');
const scratch = mkdtempSync(join(tmpdir(), 'dl-wasi-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs the fixture main with its stdout in a file; returns what it printed and the run. */
function run(): { out: string; exitCode: number; libraries: string[]; loaded: string[]; digest: string } {
  const file = join(scratch, `out-${String(Date.now())}-${String(Math.random()).slice(2)}.txt`);
  const fd = openSync(file, 'w');
  const loaded: string[] = [];
  try {
    const r = runWasiNode({
      main: mainPath,
      args: ['dl_main'],
      searchPath: [wasiDir, clangDir],
      cwd: wasiDir,
      stdout: fd,
      linker: {
        onEvent: (e) => {
          if (e.type === 'done') loaded.push(...e.loaded.map((l) => l.name));
        },
      },
    });
    return {
      out: readFileSync(file, 'utf8'),
      exitCode: r.exitCode,
      libraries: r.linker.graph().libraries.map((l) => l.name),
      loaded,
      digest: r.linker.digest(),
    };
  } finally {
    closeSync(fd);
  }
}

const expected = `chain: dlopen libneed_c.so LOCAL: ok
chain: need_c_check=0 need_b_check=0
chain: *need_a_value=5 (through the handle's NEEDED tree)
local: dlsym(RTLD_DEFAULT, need_c) NULL: undefined symbol: need_c (in the global scope)
local: dlerror again: (null)
local: dlopen libwasi_user.so: libwasi_user.so: 1 undefined symbol: need_a (needed by libwasi_user.so)
global: promote libneed_a.so: ok
global: dlopen libwasi_user.so: ok, user_value=105
global: dlsym(RTLD_DEFAULT, need_a) is need_a
close: 0 0 0
default: strlen via dlsym(RTLD_DEFAULT)=4, self ok
default: dlsym(self, weak_hook) is the program's: yes
weak: weak_check=0 hook=2001 level=2
weak: weak_undef_check=0 weak_undef_call=-1
weak: weak_pair_check=0
libc: text_shout=DLOPEN FROM C!
libc: text_count=101
fail: dlerror with no failure: (null)
fail: dlopen libmissing.so: libmissing.so: library not found; tried WASI/libmissing.so (not found), CLANG/libmissing.so (not found)
fail: dlerror after it was read: (null)
fail: dlsym missing: NULL: libwasi_text.so: undefined symbol: no_such_symbol
fail: dlsym RTLD_NEXT: NULL: dlsym(RTLD_NEXT, malloc): not supported: a wasm call does not tell the linker which module made it
fail: dlclose bad handle: 1: dlclose: invalid handle 12345
fail: dlopen no mode: invalid mode for dlopen(): Either RTLD_LAZY or RTLD_NOW is required
fail: after failures text_count=101
exit: atexit handler
`;

describe('a wasi-libc main calling dlopen from C (node:wasi)', () => {
  const result = run();

  it('prints every step as expected: NEEDED chain, LOCAL/GLOBAL, RTLD_DEFAULT, weak symbols, dlerror after failures, atexit once at the end (no command export wrappers)', () => {
    const out = result.out.split(wasiDir).join('WASI').split(clangDir).join('CLANG');
    expect(out).toBe(expected);
    expect(result.exitCode).toBe(0);
  });

  it('loaded the libraries C asked for, unloaded what C closed, and the failed loads left none behind', () => {
    expect([...new Set(result.loaded)].sort()).toEqual([
      'libneed_a.so',
      'libneed_b.so',
      'libneed_c.so',
      'libwasi_text.so',
      'libwasi_user.so',
      'libweak.so',
      'libweak_strong.so',
      'libweak_undef.so',
      'libweak_weakdef.so',
    ]);
    // Still resident: what C never closed (the NEEDED chain's libraries closed by `close:` went).
    expect(result.libraries.length).toBeLessThan(new Set(result.loaded).size);
    expect(result.libraries).not.toContain('libwasi_user.so');
  });

  it('exports every C library function of link/main.exports (the checked main recipe)', () => {
    const names = readFileSync(new URL('../link/main.exports', import.meta.url), 'utf8')
      .trim()
      .split('\n');
    const exports = new Set(
      WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(mainPath))).map((e) => e.name),
    );
    expect(names.filter((n) => !exports.has(n))).toEqual([]);
    for (const n of ['memory', '__indirect_function_table', '__stack_pointer', '__heap_base', '_start'])
      expect(exports.has(n)).toBe(true);
  });

  it('imports exactly the four dl functions of include/dlfcn.h', () => {
    const mod = new WebAssembly.Module(readFileSync(mainPath));
    expect(
      WebAssembly.Module.imports(mod)
        .map((i) => `${i.module}.${i.name}`)
        .filter((n) => n.startsWith('dl.'))
        .sort(),
    ).toEqual(['dl.dlclose', 'dl.dlerror', 'dl.dlopen', 'dl.dlsym']);
  });
});

describe('instantiateWasiMain', () => {
  it('refuses a loader that cannot load synchronously, with a DlError', () => {
    const module = new WebAssembly.Module(readFileSync(mainPath));
    try {
      instantiateWasiMain(module, { loader: { load: () => Promise.reject(new Error('no')) }, wasiImport: {} });
      expect.unreachable();
    } catch (e) {
      expect(isDlError(e) && e.code).toBe('DL_INCOMPATIBLE');
    }
  });

  it.skipIf(jspiSupported())('refuses jspi where the engine has no JSPI (node 20), with a DlError', () => {
    const module = new WebAssembly.Module(readFileSync(mainPath));
    try {
      instantiateWasiMain(module, { loader: memoryLoader({}), wasiImport: {}, jspi: true });
      expect.unreachable();
    } catch (e) {
      expect(isDlError(e) && e.message).toMatch(/JSPI/);
    }
  });

  it('works with any WASI implementation and an in-memory loader (what a browser page gives)', () => {
    const module = new WebAssembly.Module(readFileSync(mainPath));
    const files: Record<string, Uint8Array<ArrayBuffer>> = {};
    for (const n of ['libneed_a.so', 'libneed_b.so', 'libneed_c.so'])
      files[n] = new Uint8Array(readFileSync(join(clangDir, n)));
    const wasiImport = new Proxy({}, { get: () => (): number => 52 /* ENOSYS */ }) as WebAssembly.ModuleImports;
    const { instance, linker, dlfcn } = instantiateWasiMain(module, { loader: memoryLoader(files), wasiImport });
    const memory = instance.exports.memory as WebAssembly.Memory;
    const malloc = instance.exports.malloc as (n: number) => number;
    const cstr = (s: string): number => {
      const p = malloc(s.length + 1);
      new Uint8Array(memory.buffer).set([...new TextEncoder().encode(s), 0], p);
      return p;
    };
    const h = dlfcn.imports.dlopen(cstr('libneed_c.so'), 2);
    expect(h).not.toBe(0);
    expect(dlfcn.imports.dlopen(cstr('libneed_c.so'), 2)).toBe(h);
    const check = dlfcn.imports.dlsym(h, cstr('need_c_check'));
    expect((linker.table.get(check) as () => number)()).toBe(0);
    expect(dlfcn.imports.dlopen(cstr('libnope.so'), 2)).toBe(0);
    expect(dlfcn.lastError).toMatch(/libnope\.so/);
    const text = dlfcn.imports.dlerror();
    expect(text).not.toBe(0);
    expect(dlfcn.imports.dlerror()).toBe(0);
  });
});
