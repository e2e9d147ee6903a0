/**
 * The compat option on real wasm: libneeds_compat.so (clang-16) needs C library functions and
 * operator new/delete that neither a JS host nor the clang main has; the compatibility library
 * (libdlcompat.so, built by compat/build.sh) provides them, last.
 */
import { fixture, fixtureBytes, sideModuleFiles } from '@dl/fixtures';
import { describe, expect, it } from 'vitest';
import { COMPAT_LIBRARY, compatAdvice, compatGroupOf } from './compat.js';
import { compatLibrary } from './compat-library.js';
import { compatGroups } from './compat-wasm.js';
import { createLinker, createLinkerSync } from './create.js';
import { RTLD_DEFAULT } from './symbol-lookup.js';
import type { Linker } from './linker.js';
import { memoryLoader } from './loader.js';
import { call } from './test-support.harness.js';
import type { CompatGroup } from './types.js';
import { UndefinedSymbolsError } from './undefined.js';

const NEEDS = 'libneeds_compat.so';
const OWN = 'libown_strtol.so';
const needs = (): Uint8Array => fixtureBytes(fixture('needs_compat', 'clang16'));

/** A JS host with malloc/free (on the linker's heap) and its own isalpha (returns 2 for letters). */
function jsHost(compat?: readonly CompatGroup[]): Linker {
  const holder: { linker?: Linker } = {};
  const isalpha = (c: number): number => (/[a-z]/i.test(String.fromCharCode(c)) ? 2 : 0);
  holder.linker = createLinkerSync({
    program: {
      kind: 'host',
      functions: {
        malloc: { func: (n: number) => holder.linker!.malloc(n), type: '(i32) -> i32' },
        free: {
          func: (p: number) => {
            holder.linker!.free(p);
          },
          type: '(i32) -> ()',
        },
        isalpha: { func: isalpha, type: '(i32) -> i32' },
      },
    },
    loader: memoryLoader({ [NEEDS]: needs(), [OWN]: fixtureBytes(fixture('own_strtol', 'clang16')) }),
    ...(compat === undefined ? {} : { compat, compatLibrary: compatLibrary() }),
  });
  return holder.linker;
}

describe('the compatibility library', () => {
  it('is a real side module whose exports cover its catalog, importing only what every program gives plus malloc/free/__errno_location', () => {
    const module = new WebAssembly.Module(compatLibrary());
    const exported = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
    for (const name of [...compatGroups.libc, ...compatGroups['libc++abi']])
      expect(exported.has(name), name).toBe(true);
    const imports = WebAssembly.Module.imports(module)
      .map((i) => `${i.module}.${i.name}`)
      .sort();
    expect(imports).toEqual([
      'env.__errno_location',
      'env.__indirect_function_table',
      'env.__memory_base',
      'env.__stack_pointer',
      'env.__table_base',
      'env.free',
      'env.malloc',
      'env.memory',
    ]);
    expect(compatGroupOf('strtol')).toBe('libc');
    expect(compatGroupOf('_ZnwmSt11align_val_t')).toBe('libc++abi');
    expect(compatGroupOf('printf')).toBeUndefined();
  });

  it('links a library needing it into a JS host: every check passes, the graph shows where each symbol came from', () => {
    const linker = jsHost(['libc', 'libc++abi']);
    const h = linker.dlopenSync(NEEDS, { binding: 'now' });
    expect(call(linker, h, 'compat_check')).toBe(0);
    // Never instead of a definition someone has: the host's isalpha wins.
    expect(call(linker, h, 'compat_isalpha', 'a'.charCodeAt(0))).toBe(2);
    const graph = linker.graph();
    const compat = graph.libraries.find((l) => l.name === COMPAT_LIBRARY)!;
    expect(compat.compat).toEqual(['libc', 'libc++abi']);
    expect(compat.bindings).toMatchObject({
      'env.malloc': 'host',
      'env.free': 'host',
      'env.__errno_location': COMPAT_LIBRARY,
    });
    // In a scope of its own, not the global one: libraries loaded later come before it.
    expect(graph.scopes[0]!.members).not.toContain(COMPAT_LIBRARY);
    expect(graph.scopes.find((s) => s.members.includes(COMPAT_LIBRARY))!.members).toEqual([COMPAT_LIBRARY]);
    const user = graph.libraries.find((l) => l.name === NEEDS)!;
    expect(user.bindings).toMatchObject({
      'env.strtol': COMPAT_LIBRARY,
      'env.qsort': COMPAT_LIBRARY,
      'env._Znwm': COMPAT_LIBRARY,
      'env.isalpha': 'host',
    });
    expect(graph.libraries.find((l) => l.name === NEEDS)!.compat).toBeUndefined();
    expect(linker.describe(linker.dlopenSync(NEEDS)).compat).toBeUndefined();
    // dlsym(RTLD_DEFAULT) finds what the library offers, after everything else.
    expect(linker.dlsym(RTLD_DEFAULT, 'strtod').library).toBe(COMPAT_LIBRARY);
    expect(linker.dlsym(RTLD_DEFAULT, 'isalpha').library).toBe('host');
  });

  it("never takes a name from a library loaded after it: a global library's own strtol wins", () => {
    const linker = jsHost(['libc', 'libc++abi']);
    linker.dlopenSync(OWN, { scope: 'global' });
    const h = linker.dlopenSync(NEEDS, { binding: 'now' });
    // Its first check fails as it should: strtol is libown_strtol's (4242), not the C library's.
    expect(call(linker, h, 'compat_check')).toBe(1);
    const user = linker.graph().libraries.find((l) => l.name === NEEDS)!;
    expect(user.bindings).toMatchObject({ 'env.strtol': OWN, 'env.strtod': COMPAT_LIBRARY });
    expect(linker.dlsym(RTLD_DEFAULT, 'strtol').library).toBe(OWN);
  });

  it('without it, RTLD_NOW names the option that provides the missing symbols; a lazy call names it too', async () => {
    const without = jsHost();
    let error: unknown;
    try {
      without.dlopenSync(NEEDS, { binding: 'now' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UndefinedSymbolsError);
    expect((error as Error).message).toMatch(
      /undefined symbols: strtol \(needed by libneeds_compat\.so\), .*; the option compat: \['libc', 'libc\+\+abi'\] provides strtol, __errno_location, .*_Znwm/,
    );
    expect(without.graph().libraries.map((l) => l.name)).toEqual([]);
    // Lazily (the data import std::nothrow must be there at load time: only the C++ group).
    const linker = jsHost(['libc++abi']);
    const h = await linker.dlopen(NEEDS);
    expect(() => call(linker, h, 'compat_check')).toThrow(
      "undefined symbol strtol was called, and no library defines it; the option compat: ['libc'] provides it",
    );
    // Reopened RTLD_NOW: every PLT entry bound now, or the list with the option.
    expect(() => linker.dlopenSync(NEEDS, { binding: 'now' })).toThrow(
      /: \d+ undefined symbols: strtol \(needed by libneeds_compat\.so\), .*; the option compat: \['libc'\] provides strtol, /,
    );
    expect(compatAdvice(['printf'])).toBe('');
  });

  it('offers only the groups asked for', () => {
    const linker = jsHost(['libc']);
    expect(() => linker.dlopenSync(NEEDS, { binding: 'now' })).toThrow(
      /undefined symbols: _Znwm .*; the option compat: \['libc\+\+abi'\] provides _Znwm, _Znam, .*_ZSt7nothrow$/,
    );
    expect(linker.graph().libraries.find((l) => l.name === COMPAT_LIBRARY)!.compat).toEqual(['libc']);
    expect(() => jsHost(['libc', 'libstdc++' as CompatGroup])).toThrow(/unknown compat group "libstdc\+\+"/);
  });

  it('is not in the main entry: createLinkerSync needs its bytes, createLinker imports them itself', async () => {
    const sync = (): Linker => createLinkerSync({ compat: ['libc'] });
    expect(sync).toThrow(
      expect.objectContaining({
        code: 'DL_INCOMPATIBLE',
        library: COMPAT_LIBRARY,
        message: expect.stringContaining("import { compatLibrary } from '@dl/linker/compat-library'") as unknown,
      }),
    );
    // No groups, no library: nothing is needed.
    expect(createLinkerSync({ compat: [] }).graph().libraries).toEqual([]);
    const linker = await createLinker({ compat: ['libc'] });
    expect(linker.graph().libraries.map((l) => [l.name, l.compat])).toEqual([[COMPAT_LIBRARY, ['libc']]]);
    expect(linker.dlsym(RTLD_DEFAULT, 'strtol').library).toBe(COMPAT_LIBRARY);
  });

  it('with a relocatable main: loaded after the main (operator new uses its malloc), before the libraries option', async () => {
    const linker = await createLinker({
      program: { kind: 'relocatable', module: fixtureBytes(fixture('main', 'clang16')) },
      loader: memoryLoader({ ...sideModuleFiles('clang16') }),
      libraries: [NEEDS],
      compat: ['libc', 'libc++abi'],
    });
    expect(call(linker, RTLD_DEFAULT, 'main_run')).toBe(0);
    expect(call(linker, RTLD_DEFAULT, 'compat_check')).toBe(0);
    const graph = linker.graph();
    expect(graph.libraries.map((l) => l.name)).toEqual(['main', 'libreloc.so', 'libfptr.so', COMPAT_LIBRARY, NEEDS]);
    expect(graph.libraries.find((l) => l.name === COMPAT_LIBRARY)!.bindings).toMatchObject({
      'env.malloc': 'main',
      'env.free': 'main',
    });
  });
});
