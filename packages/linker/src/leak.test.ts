import { outcome } from '@dl/fixtures/outcome';
import type { TypedHostFunction } from '@dl/fixtures/js-host';
import { describe, expect, it } from 'vitest';
import type { LinkerEvent } from './events.js';
import type { Linker } from './linker.js';
import { call, hostLinkerSync } from './test-support.harness.js';
import type { HostedOptions } from './test-support.harness.js';

/** A JS host whose malloc family is the linker's own heap (what a JS runtime gives its libraries). */
function withMalloc(get: () => Linker): NonNullable<HostedOptions['editHost']> {
  const fn = (func: (...a: number[]) => number, type: string): TypedHostFunction => ({
    func,
    type,
  });
  return (functions) => ({
    ...functions,
    malloc: fn((n) => get().malloc(n), '(i32) -> i32'),
    calloc: fn((n, s) => get().malloc(n * s), '(i32, i32) -> i32'),
    free: fn((p) => {
      get().free(p);
      return 0;
    }, '(i32) -> ()'),
    realloc: fn((p, n) => {
      const q = get().malloc(n);
      if (p !== 0) {
        const old = get().sizeOf(p) ?? 0;
        new Uint8Array(get().memory.buffer).copyWithin(q, p, p + Math.min(old, n));
        get().free(p);
      }
      return q;
    }, '(i32, i32) -> i32'),
  });
}

function leakLinker(tc: 'clang16' | 'emcc', leakCheck: 'report' | 'strict'): { linker: Linker; events: LinkerEvent[] } {
  const holder: { linker?: Linker } = {};
  const events: LinkerEvent[] = [];
  const { linker } = hostLinkerSync(tc, {
    leakCheck,
    editHost: withMalloc(() => holder.linker!),
    onEvent: (e) => events.push(e),
  });
  holder.linker = linker;
  return { linker, events };
}

describe.each(['clang16', 'emcc'] as const)('%s: leak check', (tc) => {
  it('reports what a library still holds when it is unloaded (count, bytes, addresses), and graph() shows it meanwhile', () => {
    const { linker, events } = leakLinker(tc, 'report');
    const h = linker.dlopenSync('libleak.so', { binding: 'now' });
    expect(call(linker, h, 'leak_churn')).toBe(0);
    expect(linker.describe(h).leaks).toEqual({ count: 0, bytes: 0 });
    expect(call(linker, h, 'leak_keep', 3)).toBe(3);
    expect(linker.describe(h).leaks).toEqual({ count: 3, bytes: 24 + 25 + 26 });
    linker.dlclose(h);
    const leak = events.find((e) => e.type === 'leak');
    expect(leak).toMatchObject({ library: 'libleak.so', count: 3, bytes: 75 });
    expect(leak?.type === 'leak' ? leak.addresses : []).toHaveLength(3);
    expect(linker.handleOf('libleak.so')).toBeUndefined();
  });

  it('strict: refuses the unload of a library that leaks (it stays, NODELETE); one that frees everything goes', () => {
    const { linker } = leakLinker(tc, 'strict');
    const h = linker.dlopenSync('libleak.so', { binding: 'now' });
    call(linker, h, 'leak_keep', 2);
    let error: unknown;
    try {
      linker.dlclose(h);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'DL_LEAK_DETECTED', library: 'libleak.so' });
    expect((error as Error).message).toMatch(/2 block\(s\), 49 bytes/);
    expect(linker.describe(h)).toMatchObject({ nodelete: true });
  });

  it('a library that frees what it allocated unloads under strict checking', () => {
    const { linker, events } = leakLinker(tc, 'strict');
    const h = linker.dlopenSync('libleak.so', { binding: 'now' });
    call(linker, h, 'leak_keep', 4);
    call(linker, h, 'leak_release');
    linker.dlclose(h);
    expect(events.some((e) => e.type === 'leak')).toBe(false);
    expect(linker.handleOf('libleak.so')).toBeUndefined();
  });

  it('off by default: no wrapper, nothing reported', () => {
    const holder: { linker?: Linker } = {};
    const { linker } = hostLinkerSync(tc, { editHost: withMalloc(() => holder.linker!) });
    holder.linker = linker;
    const h = linker.dlopenSync('libleak.so', { binding: 'now' });
    call(linker, h, 'leak_keep', 1);
    expect(linker.describe(h).leaks).toBeUndefined();
    expect(
      outcome(() => {
        linker.dlclose(h);
      }),
    ).toBe('ok');
  });
});
