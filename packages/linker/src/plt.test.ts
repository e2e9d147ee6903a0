import { describe, expect, it } from 'vitest';
import { HostFunctions } from './host-functions.js';
import { createPlt, createThunk } from './plt.js';

const i32x2: { kind: 'func'; params: string[]; results: string[] } = {
  kind: 'func',
  params: ['i32', 'i32'],
  results: ['i32'],
};
const i64: { kind: 'func'; params: string[]; results: string[] } = { kind: 'func', params: ['i64'], results: ['i64'] };

describe('PLT', () => {
  it('resolves on the first call, then calls straight through the table', () => {
    const table = new WebAssembly.Table({ element: 'anyfunc', initial: 4 });
    const host = new HostFunctions();
    let resolutions = 0;
    const add = host.wrap((a: number, b: number) => a + b, i32x2);
    const neg = host.wrap((x: bigint) => -x, i64);
    let next = 1;
    const plt = createPlt(table, () => next++, [
      {
        type: i32x2,
        resolve: () => {
          resolutions++;
          return add;
        },
      },
      { type: i64, resolve: () => neg },
    ]);
    const [a, b] = plt.entries.map((e) => e.stub as (...args: unknown[]) => unknown);
    expect(plt.entries[0]!.bound()).toBe(false);
    expect(a!(2, 3)).toBe(5);
    expect(a!(4, 5)).toBe(9);
    expect(resolutions).toBe(1);
    expect(table.get(plt.entries[0]!.slot)).toBe(add);
    expect(b!(7n)).toBe(-7n);
    expect(plt.slots).toEqual([1, 2]);
  });

  it("binds immediately when asked, and propagates the resolver's error", () => {
    const table = new WebAssembly.Table({ element: 'anyfunc', initial: 3 });
    const host = new HostFunctions();
    const plt = createPlt(table, () => 1, [
      {
        type: i32x2,
        resolve: () => {
          throw new Error('undefined symbol f');
        },
      },
    ]);
    const stub = plt.entries[0]!.stub as (a: number, b: number) => number;
    expect(() => stub(1, 2)).toThrow('undefined symbol f');
    plt.entries[0]!.bind(host.wrap((a: number, b: number) => a * b, i32x2));
    expect(stub(6, 7)).toBe(42);
  });

  it('wraps a host function once per type so it can sit in the table', () => {
    const host = new HostFunctions();
    const f = (x: number): number => x + 1;
    expect(host.wrap(f, { kind: 'func', params: ['i32'], results: ['i32'] })).toBe(
      host.wrap(f, { kind: 'func', params: ['i32'], results: ['i32'] }),
    );
    const table = new WebAssembly.Table({ element: 'anyfunc', initial: 1 });
    table.set(0, host.wrap(f, { kind: 'func', params: ['i32'], results: ['i32'] }));
    expect((table.get(0) as (x: number) => number)(41)).toBe(42);
  });

  it('a thunk resolves on its first call, rebinds, and after unbind resolves again', () => {
    const host = new HostFunctions();
    const add = host.wrap((a: number, b: number) => a + b, i32x2);
    let resolutions = 0;
    const entry = createThunk({
      type: i32x2,
      resolve: () => {
        resolutions++;
        if (resolutions === 1) throw new Error('undefined symbol f');
        return add;
      },
    });
    const stub = entry.stub as (a: number, b: number) => number;
    expect(() => stub(1, 2)).toThrow('undefined symbol f');
    expect(entry.bound()).toBe(false);
    expect(stub(2, 3)).toBe(5);
    expect(stub(4, 5)).toBe(9);
    expect(resolutions).toBe(2);
    expect(entry.bound()).toBe(true);
    entry.bind(host.wrap((a: number, b: number) => a * b, i32x2));
    expect(stub(6, 7)).toBe(42);
    entry.unbind();
    expect(entry.bound()).toBe(false);
    expect(stub(1, 1)).toBe(2);
    expect(resolutions).toBe(3);
  });

  it('a thunk passes i64 values (BigInt) through to its target', () => {
    const host = new HostFunctions();
    const entry = createThunk({ type: i64, resolve: () => host.wrap((x: bigint) => x * 2n, i64) });
    expect((entry.stub as (x: bigint) => bigint)(21n)).toBe(42n);
  });
});
