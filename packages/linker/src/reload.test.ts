import { outcome } from '@dl/fixtures/outcome';
import { describe, expect, it } from 'vitest';
import type { LinkerEvent } from './events.js';
import { RTLD } from './flags.js';
import { RTLD_DEFAULT } from './symbol-lookup.js';
import { call, hostLinkerSync, sideFiles } from './test-support.harness.js';

describe.each(['clang16', 'emcc'] as const)('%s: hot reload', (tc) => {
  const build = (file: string): { name: string; bytes: Uint8Array } => ({ name: file, bytes: sideFiles(tc)[file]! });

  it('a stored function pointer and a PLT-bound caller call the new code; the handle stays the same', () => {
    const { linker } = hostLinkerSync(tc);
    const lib = linker.dlopenSync('libreload.so', { binding: 'now', scope: 'global', reloadable: true });
    const caller = linker.dlopenSync('libreload_caller.so', { binding: 'now' });
    const pointer = call(linker, caller, 'caller_pointer');
    expect([call(linker, caller, 'caller_stored'), call(linker, caller, 'caller_direct')]).toEqual([1, 1]);
    const events: LinkerEvent[] = [];
    linker.on((e) => events.push(e));
    const again = linker.reloadSync(lib, build('libreload_v2.so'));
    expect(again).toBe(lib);
    expect([call(linker, caller, 'caller_stored'), call(linker, caller, 'caller_direct')]).toEqual([2, 2]);
    expect(call(linker, caller, 'caller_pointer')).toBe(pointer);
    expect((linker.table.get(pointer) as () => number)()).toBe(2);
    expect(call(linker, lib, 'reload_version')).toBe(2);
    expect(call(linker, RTLD_DEFAULT, 'reload_read_state')).toBe(200);
    expect(events.find((e) => e.type === 'reload')).toMatchObject({ library: 'libreload.so' });
    expect(linker.graph().libraries.map((l) => l.name)).toEqual(['libreload_caller.so', 'libreload.so']);
    // And back again, many times: nothing grows.
    const digest = linker.digest();
    const table = linker.table.length;
    for (let i = 0; i < 50; i++) linker.reloadSync(lib, build(i % 2 === 0 ? 'libreload.so' : 'libreload_v2.so'));
    expect(call(linker, caller, 'caller_stored')).toBe(2);
    expect(linker.table.length).toBe(table);
    const memoryOf = (d: string): unknown => (JSON.parse(d) as { memory: unknown }).memory;
    expect(memoryOf(linker.digest())).toEqual(memoryOf(digest));
  });

  it('data another library reads through its GOT moves with the new build (v1 → v2 → v1: 100, 200, 100)', () => {
    const { linker } = hostLinkerSync(tc);
    const lib = linker.dlopenSync('libreload.so', { binding: 'now', scope: 'global', reloadable: true });
    const reader = linker.dlopenSync('libreload_reader.so', RTLD.NOW);
    expect(call(linker, reader, 'reader_state')).toBe(100);
    const where = [call(linker, reader, 'reader_where')];
    for (const [file, state] of [
      ['libreload_v2.so', 200],
      ['libreload.so', 100],
    ] as const) {
      linker.reloadSync(lib, build(file));
      expect(call(linker, reader, 'reader_state')).toBe(state);
      // The entry now locates the new build's data (the old build's is released).
      expect(call(linker, reader, 'reader_where')).not.toBe(where.at(-1));
      where.push(call(linker, reader, 'reader_where'));
    }
  });

  it('refuses a changed signature or data size, and the old build keeps running with the digest unchanged', () => {
    const { linker } = hostLinkerSync(tc);
    const lib = linker.dlopenSync('libreload.so', { binding: 'now', scope: 'global', reloadable: true });
    const before = linker.digest();
    let error: unknown;
    try {
      linker.reloadSync(lib, build('libreload_sig.so'));
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'DL_RELOAD_INCOMPATIBLE', library: 'libreload.so' });
    expect((error as Error).message).toMatch(/function reload_value was \(\) -> i32, is \(i32\) -> i32/);
    expect(outcome(() => linker.reloadSync(lib, build('libreload_big.so')))).toBe('DL_RELOAD_INCOMPATIBLE');
    expect(linker.digest()).toBe(before);
    expect(call(linker, lib, 'reload_version')).toBe(1);
    // Opting in reloads anyway.
    linker.reloadSync(lib, build('libreload_big.so'), { allowIncompatible: true });
    expect(call(linker, lib, 'reload_version')).toBe(1);
  });

  it('a new build whose constructor fails: the old one stays, the digest is unchanged', () => {
    const { linker } = hostLinkerSync(tc);
    const lib = linker.dlopenSync('libreload.so', { binding: 'now', scope: 'global', reloadable: true });
    const caller = linker.dlopenSync('libreload_caller.so', { binding: 'now' });
    const before = linker.digest();
    expect(outcome(() => linker.reloadSync(lib, build('libreload_ctor.so')))).toBe('DL_INIT_FAILED');
    expect(linker.digest()).toBe(before);
    expect(call(linker, caller, 'caller_stored')).toBe(1);
    expect(call(linker, lib, 'reload_read_state')).toBe(100);
  });

  it('refuses when a library calls it directly (not reloadable): the caller could not be reached', () => {
    const { linker } = hostLinkerSync(tc);
    const caller = linker.dlopenSync('libreload_caller.so', RTLD.NOW);
    const lib = linker.handleOf('libreload.so')!;
    const before = linker.digest();
    let error: unknown;
    try {
      linker.reloadSync(lib, build('libreload_v2.so'));
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'DL_RELOAD_BOUND' });
    expect((error as Error).message).toMatch(/libreload_caller\.so \(reload_value\)/);
    expect(linker.digest()).toBe(before);
    expect(call(linker, caller, 'caller_direct')).toBe(1);
  });

  it('a reloaded library unloads like any other, and runs the old build’s destructors at the reload', async () => {
    const { linker, host } = hostLinkerSync(tc);
    const before = linker.digest();
    const lib = linker.dlopenSync('libunload.so', RTLD.NOW);
    const again = await linker.reload(lib, build('libunload.so'));
    expect(host.notes).toEqual([100, 100, 903, 902, 901, 950]);
    expect(call(linker, again, 'unload_bump')).toBe(8);
    linker.dlclose(again);
    expect(linker.handleOf('libunload.so')).toBeUndefined();
    const after = JSON.parse(linker.digest()) as Record<string, unknown>;
    expect({ ...after, table: [] }).toEqual({ ...(JSON.parse(before) as Record<string, unknown>), table: [] });
  });
});
