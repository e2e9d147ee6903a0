import { outcome } from '@dl/fixtures/outcome';
import { describe, expect, it } from 'vitest';
import { RTLD } from './flags.js';
import { RTLD_DEFAULT, RTLD_NEXT } from './symbol-lookup.js';
import { call, hostLinkerSync } from './test-support.harness.js';

const addressOf = (value: { kind: string; address?: number }): number => value.address!;

describe.each(['clang16', 'emcc'] as const)('%s: RTLD_LOCAL groups', (tc) => {
  it('a local library calls into its own NEEDED libraries (Emscripten 3.1.6 crashes here)', () => {
    const { linker } = hostLinkerSync(tc);
    const c = linker.dlopenSync('libneed_c.so', RTLD.NOW | RTLD.LOCAL);
    expect(call(linker, c, 'need_c_check')).toBe(0);
    expect(call(linker, c, 'need_b_check')).toBe(0);
    expect(linker.graph().scopes.map((s) => s.members)).toEqual([
      ['host'],
      ['libneed_a.so', 'libneed_b.so', 'libneed_c.so'],
    ]);
  });

  it('hides a local group from the global scope, but dlsym on its handle searches its dependencies', () => {
    const { linker } = hostLinkerSync(tc);
    const c = linker.dlopenSync('libneed_c.so', RTLD.NOW | RTLD.LOCAL);
    expect(outcome(() => linker.dlsym(RTLD_DEFAULT, 'need_a'))).toBe('DL_UNDEFINED_SYMBOL');
    expect(linker.dlsym(c, 'need_a')).toMatchObject({ kind: 'function', library: 'libneed_a.so' });
  });

  it('keeps two local groups apart: each sees its own definitions of the same names', () => {
    const { linker } = hostLinkerSync(tc);
    const a = linker.dlopenSync('libreloc.so', RTLD.NOW | RTLD.LOCAL);
    const b = linker.dlopenSync('libreloc_bsym.so', RTLD.NOW | RTLD.LOCAL);
    expect(call(linker, a, 'reloc_check')).toBe(0);
    expect(call(linker, b, 'reloc_check')).toBe(0);
    expect(addressOf(linker.dlsym(a, 'r_value'))).not.toBe(addressOf(linker.dlsym(b, 'r_value')));
    expect(linker.graph().interpositions).toEqual([]);
  });

  it('makes a dependency loaded locally before part of a new local group that needs it', () => {
    const { linker } = hostLinkerSync(tc);
    linker.dlopenSync('libneed_b.so', RTLD.NOW | RTLD.LOCAL);
    const c = linker.dlopenSync('libneed_c.so', RTLD.NOW | RTLD.LOCAL);
    expect(call(linker, c, 'need_c_check')).toBe(0);
    expect(linker.graph().libraries.map((l) => l.name)).toEqual(['libneed_a.so', 'libneed_b.so', 'libneed_c.so']);
  });
});

describe.each(['clang16', 'emcc'] as const)('%s: the global scope', (tc) => {
  it('lets the first definition in load order win and records the interposed one', () => {
    const { linker } = hostLinkerSync(tc);
    const first = linker.dlopenSync('libreloc.so', RTLD.NOW | RTLD.GLOBAL);
    const second = linker.dlopenSync('libreloc_bsym.so', RTLD.NOW | RTLD.GLOBAL);
    expect(addressOf(linker.dlsym(RTLD_DEFAULT, 'r_value'))).toBe(addressOf(linker.dlsym(first, 'r_value')));
    expect(call(linker, second, 'reloc_check')).toBe(0);
    expect(linker.graph().interpositions).toContainEqual({
      scope: 0,
      name: 'r_value',
      winner: 'libreloc.so',
      losers: ['libreloc_bsym.so'],
    });
    // RTLD_NEXT from the winner finds the interposed definition.
    expect(linker.dlsym(RTLD_NEXT, 'r_double', { from: first })).toMatchObject({ library: 'libreloc_bsym.so' });
    expect(outcome(() => linker.dlsym(RTLD_NEXT, 'r_double', { from: second }))).toBe('DL_UNDEFINED_SYMBOL');
  });

  it('loads dependencies first, so a strong definition in a NEEDED library beats the weak one needing it', () => {
    const { linker } = hostLinkerSync(tc);
    const h = linker.dlopenSync('libweak_weakdef.so', RTLD.NOW | RTLD.GLOBAL);
    expect(call(linker, h, 'weak_pair_check')).toBe(0);
    expect(call(linker, h, 'weak_strong_check')).toBe(0);
    expect(linker.graph().scopes[0]!.members).toEqual(['host', 'libweak_strong.so', 'libweak_weakdef.so']);
  });
});

describe('reopening, promotion, NOLOAD, NODELETE and dlclose', () => {
  it('returns the same handle, counts references and promotes local to global, never back', () => {
    const { linker } = hostLinkerSync('clang16');
    const local = linker.dlopenSync('libneed_a.so', RTLD.LAZY | RTLD.LOCAL);
    expect(outcome(() => linker.dlsym(RTLD_DEFAULT, 'need_a'))).toBe('DL_UNDEFINED_SYMBOL');
    const global = linker.dlopenSync('libneed_a.so', RTLD.LAZY | RTLD.GLOBAL);
    expect(global.id).toBe(local.id);
    expect(linker.dlsym(RTLD_DEFAULT, 'need_a')).toMatchObject({ library: 'libneed_a.so' });
    linker.dlopenSync('libneed_a.so', RTLD.LAZY | RTLD.LOCAL);
    expect(linker.graph().libraries[0]).toMatchObject({ global: true, refcount: 3 });
  });

  it('promotes a library together with its local dependencies', () => {
    const { linker } = hostLinkerSync('clang16');
    linker.dlopenSync('libneed_c.so', RTLD.NOW | RTLD.LOCAL);
    linker.dlopenSync('libneed_c.so', RTLD.NOW | RTLD.GLOBAL);
    expect(linker.graph().scopes[0]!.members).toEqual(['host', 'libneed_a.so', 'libneed_b.so', 'libneed_c.so']);
  });

  it('NOLOAD: a handle only for a library already loaded', () => {
    const { linker } = hostLinkerSync('clang16');
    expect(outcome(() => linker.dlopenSync('libneed_a.so', RTLD.NOW | RTLD.NOLOAD))).toBe('DL_NOT_LOADED');
    expect(linker.graph().libraries).toEqual([]);
    const h = linker.dlopenSync('libneed_a.so', RTLD.NOW);
    expect(linker.dlopenSync('libneed_a.so', RTLD.NOW | RTLD.NOLOAD).id).toBe(h.id);
  });

  it('dlclose counts down; the last close unloads it and invalidates the handle; NODELETE keeps it', () => {
    const { linker } = hostLinkerSync('clang16');
    const h = linker.dlopenSync('libneed_a.so', RTLD.NOW);
    linker.dlopenSync('libneed_a.so', RTLD.NOW);
    linker.dlclose(h);
    expect(call(linker, h, 'need_a_check')).toBe(0);
    linker.dlclose(h);
    expect(outcome(() => linker.dlsym(h, 'need_a_check'))).toBe('DL_BAD_HANDLE');
    expect(
      outcome(() => {
        linker.dlclose(h);
      }),
    ).toBe('DL_BAD_HANDLE');
    // Unloaded: opening it again loads it afresh, under a new handle.
    expect(linker.handleOf('libneed_a.so')).toBeUndefined();
    const again = linker.dlopenSync('libneed_a.so', RTLD.NOW);
    expect(again.id).not.toBe(h.id);
    expect(call(linker, again, 'need_a_check')).toBe(0);
    const kept = linker.dlopenSync('libneed_b.so', RTLD.NOW | RTLD.NODELETE);
    linker.dlclose(kept);
    expect(call(linker, kept, 'need_b_check')).toBe(0);
  });

  it('dlopen(null) is the program: its handle sees the global scope', async () => {
    const { linker } = hostLinkerSync('clang16');
    const program = await linker.dlopen(null);
    expect(linker.dlsym(program, 'main_add1')).toMatchObject({ kind: 'function', library: 'host' });
    expect(outcome(() => linker.dlopenSync('libneed_a.so', 0))).toBe('DL_BAD_FLAGS');
    expect(outcome(() => linker.dlopenSync('libneed_a.so', RTLD.NOW | RTLD.LAZY))).toBe('DL_BAD_FLAGS');
  });
});
