import { describe, expect, it } from 'vitest';
import { TableAllocator } from './table.js';

function slotFunction(): WebAssembly.ExportValue {
  // The smallest wasm module exporting a function: (func (export "f")).
  const bytes = new Uint8Array([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 7, 5, 1, 1, 102, 0, 0, 10, 4, 1, 2, 0, 11,
  ]);
  return new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.f!;
}

describe('TableAllocator.retire (quarantine of an unloaded library’s slots)', () => {
  it('clears retired slots at once and reuses them only when the table would otherwise grow', () => {
    const table = new WebAssembly.Table({ element: 'anyfunc', initial: 1 });
    const tables = new TableAllocator(table, { minGrowth: 8 });
    const a = tables.reserve(4, 'liba.so');
    for (let i = a.base; i < a.base + 4; i++) table.set(i, slotFunction());
    const length = table.length;
    tables.retire(a);
    expect(table.get(a.base)).toBeNull();
    expect(tables.slotState(a.base + 1)).toEqual({ state: 'quarantined', owner: 'liba.so' });
    // Free room elsewhere is used first: the retired slots stay empty.
    const b = tables.reserve(2, 'libb.so');
    expect(b.base).toBeGreaterThanOrEqual(a.base + 4);
    expect(tables.slotState(b.base)).toEqual({ state: 'held', owner: 'libb.so' });
    // Exhaust the free space: the quarantine is drained before the table grows.
    const rest = length - (b.base + 2);
    if (rest > 0) tables.reserve(rest, 'filler');
    const c = tables.reserve(4, 'libc.so');
    expect(c.base).toBe(a.base);
    expect(table.length).toBe(length);
    expect(tables.quarantined()).toEqual([]);
  });

  it('refuses to retire a range that is not held', () => {
    const tables = new TableAllocator(new WebAssembly.Table({ element: 'anyfunc', initial: 1 }));
    const r = tables.reserve(2, 'x');
    tables.retire(r);
    expect(() => {
      tables.retire(r);
    }).toThrow(expect.objectContaining({ code: 'DL_BAD_RELEASE' }) as Error);
    expect(tables.slotState(9999)).toEqual({ state: 'free' });
  });
});
