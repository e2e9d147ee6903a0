import { outcome } from '@dl/fixtures/outcome';
import { describe, expect, it } from 'vitest';
import { checkRequest, defaultLimits } from './limits.js';
import { LinkerHeap, PAGE } from './memory.js';
import { TableAllocator } from './table.js';
import { reserveTlsBlock } from './tls.js';

describe('LinkerHeap', () => {
  it('reserves aligned, zeroed, distinct regions above its start, growing the memory', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 100 });
    const heap = new LinkerHeap(memory, { start: 1024 });
    const a = heap.reserve(148, 16, 'liba.so');
    const b = heap.reserve(0, 16, 'libempty.so');
    const c = heap.reserve(5000, 4096, 'libc.so');
    expect(a.address).toBe(1024);
    expect(b.address).toBeGreaterThanOrEqual(a.address + 148);
    expect(b.size).toBe(1);
    expect(c.address % 4096).toBe(0);
    const big = heap.reserve(3 * PAGE, 16, 'libbig.so');
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(big.address + 3 * PAGE);
    expect(heap.live().map((r) => r.owner)).toEqual(['liba.so', 'libempty.so', 'libc.so', 'libbig.so']);
  });

  it('zeroes reused memory and coalesces released regions', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const heap = new LinkerHeap(memory, { start: 1024 });
    const a = heap.reserve(64, 16, 'a');
    const b = heap.reserve(64, 16, 'b');
    new Uint8Array(memory.buffer, a.address, 64).fill(0xaa);
    new Uint8Array(memory.buffer, b.address, 64).fill(0xbb);
    heap.release(a);
    heap.release(b);
    expect(heap.freeRanges()).toEqual([{ start: 1024, size: memory.buffer.byteLength - 1024 }]);
    const c = heap.reserve(128, 16, 'c');
    expect(c.address).toBe(1024);
    expect(new Uint8Array(memory.buffer, c.address, 128).every((x) => x === 0)).toBe(true);
    expect(() => {
      heap.release(a);
    }).toThrow(/no live reservation/);
  });

  it('leaves the bytes its owner writes (options.written) as they are and zeroes the rest of reused memory', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const heap = new LinkerHeap(memory, { start: 1024 });
    const a = heap.reserve(128, 16, 'a');
    new Uint8Array(memory.buffer, a.address, 128).fill(0xaa);
    heap.release(a);
    const b = heap.reserve(128, 16, 'b', { written: 100 });
    expect(b.address).toBe(a.address);
    const bytes = new Uint8Array(memory.buffer, b.address, 128);
    expect(bytes.subarray(0, 100).every((x) => x === 0xaa)).toBe(true);
    expect(bytes.subarray(100).every((x) => x === 0)).toBe(true);
    heap.release(b);
    // More than it reserves counts as all of it; a negative count as none.
    expect(new Uint8Array(memory.buffer, heap.reserve(128, 16, 'c', { written: 500 }).address, 128)[127]).toBe(0);
    const d = heap.reserve(16, 16, 'd', { written: -5 });
    expect(new Uint8Array(memory.buffer, d.address, 16).every((x) => x === 0)).toBe(true);
    new Uint8Array(memory.buffer, d.address, 16).fill(0xdd);
    heap.release(d);
    // Not a count: every byte is zeroed.
    const e = heap.reserve(16, 16, 'e', { written: Number.NaN });
    expect(e.address).toBe(d.address);
    expect(new Uint8Array(memory.buffer, e.address, 16).every((x) => x === 0)).toBe(true);
  });

  it('refuses a double free and a stale reservation with DL_BAD_RELEASE (not an out-of-memory code), leaving the heap unchanged', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const heap = new LinkerHeap(memory, { start: 1024 });
    const a = heap.reserve(64, 16, 'a');
    heap.release(a);
    const again = heap.reserve(64, 16, 'b'); // a's address, handed out again
    expect(again.address).toBe(a.address);
    const before = JSON.stringify([heap.live(), heap.freeRanges()]);
    expect(
      outcome(() => {
        heap.release(a);
      }),
    ).toBe('DL_BAD_RELEASE');
    expect(
      outcome(() => {
        heap.release({ ...again });
      }),
    ).toBe('DL_BAD_RELEASE');
    expect(JSON.stringify([heap.live(), heap.freeRanges()])).toBe(before);
  });

  it('reports DL_OUT_OF_MEMORY when the memory cannot grow, leaving the heap unchanged', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
    const heap = new LinkerHeap(memory, { start: 1024 });
    heap.reserve(100, 16, 'a');
    const before = JSON.stringify(heap.live());
    expect(outcome(() => heap.reserve(3 * PAGE, 16, 'huge'))).toBe('DL_OUT_OF_MEMORY');
    expect(JSON.stringify(heap.live())).toBe(before);
    expect(heap.reserve(PAGE, 16, 'fits').address).toBeGreaterThan(1024);
  });

  it('gives TLS blocks at least 16-byte alignment', () => {
    const heap = new LinkerHeap(new WebAssembly.Memory({ initial: 1 }), { start: 1000 });
    expect(reserveTlsBlock(heap, { size: 8, align: 4 }, 'tls').address % 16).toBe(0);
    expect(outcome(() => reserveTlsBlock(heap, { size: 8, align: 3 }, 'tls'))).toBe('DL_LIMIT');
  });
});

describe('checkRequest', () => {
  const ok = { memorySize: 100, memoryAlign: 4, tableSize: 2, tableAlign: 0 };
  it('refuses hostile sizes before anything is allocated', () => {
    expect(
      outcome(() => {
        checkRequest(ok, defaultLimits, 'lib');
      }),
    ).toBe('ok');
    expect(
      outcome(() => {
        checkRequest({ ...ok, memoryAlign: 17 }, defaultLimits, 'lib');
      }),
    ).toBe('DL_LIMIT');
    expect(
      outcome(() => {
        checkRequest({ ...ok, memorySize: 2 ** 31 }, defaultLimits, 'lib');
      }),
    ).toBe('DL_LIMIT');
    expect(
      outcome(() => {
        checkRequest({ ...ok, memorySize: 5 * PAGE }, defaultLimits, 'lib', 4 * PAGE);
      }),
    ).toBe('DL_LIMIT');
    expect(
      outcome(() => {
        checkRequest({ ...ok, tableSize: 2 ** 32 - 1 }, defaultLimits, 'lib');
      }),
    ).toBe('DL_LIMIT');
    expect(
      outcome(() => {
        checkRequest({ ...ok, tableSize: 50 }, { ...defaultLimits, maxTableSlots: 10 }, 'lib');
      }),
    ).toBe('DL_LIMIT');
  });

  it('keeps to finite numbers whatever maxAlignLog2 says, and names the option to raise (issue 15 items 5, 8)', () => {
    const raised = { ...defaultLimits, maxAlignLog2: 1000 };
    for (const [request, words] of [
      [
        { ...ok, memoryAlign: 64 },
        'memory alignment 2^64 is more than a 32-bit memory or table can honour (at most 2^31)',
      ],
      [
        { ...ok, tableAlign: 1023 },
        'table alignment 2^1023 is more than a 32-bit memory or table can honour (at most 2^31)',
      ],
      [{ ...ok, memoryAlign: 31 }, 'memory alignment 2^31 is more than the linear memory can ever hold (65536 bytes)'],
    ] as const) {
      let message = '';
      try {
        checkRequest(request, raised, 'lib', 65536);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toContain(words);
      expect(message).not.toMatch(/NaN|Infinity|e\+|18446744073709552000/);
    }
    expect(() => {
      checkRequest({ ...ok, tableSize: 1_000_000 }, defaultLimits, 'lib');
    }).toThrow(/table size 1000000 exceeds the limit of 262144 slots per library \(limits\.maxTableSlots\)/);
    expect(() => {
      checkRequest({ ...ok, memoryAlign: 17 }, defaultLimits, 'lib');
    }).toThrow(/\(limits\.maxAlignLog2\)/);
  });
});

/** Records every `grow` of a table (its argument), in order. */
function growsOf(table: WebAssembly.Table): number[] {
  const grows: number[] = [];
  const original = table.grow.bind(table);
  table.grow = (n: number): number => {
    grows.push(n);
    return original(n);
  };
  return grows;
}

describe('TableAllocator', () => {
  it('keeps slot 0 null and grows in amortised steps, never one slot at a time', () => {
    const table = new WebAssembly.Table({ element: 'anyfunc', initial: 1 });
    const grows = growsOf(table);
    const t = new TableAllocator(table);
    const slots = Array.from({ length: 500 }, (_, i) => t.reserveSlot(`f${i}`));
    expect(slots[0]).toBe(1);
    expect(new Set(slots).size).toBe(500);
    expect(grows.length).toBeLessThanOrEqual(6);
    expect(grows.every((n) => n >= 64)).toBe(true);
    expect(table.length).toBeLessThan(1000);
  });

  it('reserves contiguous ranges, reuses freed ones, coalesces, and clears released slots', () => {
    const table = new WebAssembly.Table({ element: 'anyfunc', initial: 1 });
    const t = new TableAllocator(table, { minGrowth: 8 });
    const a = t.reserve(4, 'liba');
    const b = t.reserve(3, 'libb');
    const fn = new WebAssembly.Instance(
      new WebAssembly.Module(
        Uint8Array.from([
          0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 7, 5, 1, 1, 102, 0, 0, 10, 4, 1, 2, 0, 11,
        ]),
      ),
    ).exports.f as () => void;
    table.set(b.base, fn);
    expect(b.base).toBe(a.base + 4);
    t.release(a);
    t.release(b);
    expect(table.get(b.base)).toBeNull();
    const c = t.reserve(7, 'libc');
    expect(c.base).toBe(1);
    expect(t.live()).toEqual([{ base: 1, size: 7, owner: 'libc' }]);
    expect(t.reserve(0, 'none').size).toBe(0);
  });

  it('refuses releasing a range twice, or a slot never reserved, with DL_BAD_RELEASE (the table is not full)', () => {
    const table = new WebAssembly.Table({ element: 'anyfunc', initial: 1 });
    const t = new TableAllocator(table, { minGrowth: 8 });
    const a = t.reserve(4, 'liba');
    t.release(a);
    expect(
      outcome(() => {
        t.release(a);
      }),
    ).toBe('DL_BAD_RELEASE');
    expect(
      outcome(() => {
        t.release(7);
      }),
    ).toBe('DL_BAD_RELEASE');
    expect(t.live()).toEqual([]);
  });

  it('starts above slots the table already holds and fails clearly at its maximum', () => {
    const table = new WebAssembly.Table({ element: 'anyfunc', initial: 10, maximum: 20 });
    const t = new TableAllocator(table);
    expect(t.reserveSlot('f')).toBe(10);
    expect(t.reserve(9, 'fits').base).toBe(11);
    expect(table.length).toBe(20);
    expect(outcome(() => t.reserve(5, 'too-many'))).toBe('DL_TABLE_FULL');
  });

  it('reserves ahead with one grow (free and retired slots counted), and an estimate past its maximum changes nothing', () => {
    const table = new WebAssembly.Table({ element: 'anyfunc', initial: 1 });
    const grows = growsOf(table);
    const t = new TableAllocator(table);
    t.reserveAhead(2000, 'batch');
    const slots = Array.from({ length: 2000 }, (_, i) => t.reserveSlot(`f${i}`));
    expect(grows).toEqual([2000]);
    expect(new Set(slots).size).toBe(2000);
    // 100 retired and 50 released slots: room for 150 without a grow.
    for (const s of slots.slice(0, 100)) t.retire(s);
    for (const s of slots.slice(100, 150)) t.release(s);
    t.reserveAhead(150, 'again');
    expect(grows).toHaveLength(1);
    // Part of what is asked for is free at the end already: one grow by the rest, not doubled.
    const partly = new WebAssembly.Table({ element: 'anyfunc', initial: 1 });
    const p = new TableAllocator(partly);
    p.reserveSlot('first'); // grows by 64: 63 free at the end
    const before = partly.length;
    p.reserveAhead(1000, 'batch');
    expect(partly.length).toBe(before + 1000 - 63);
    for (let i = 0; i < 1000; i++) p.reserveSlot(`g${i}`);
    expect(partly.length).toBe(before + 1000 - 63);
    const bounded = new WebAssembly.Table({ element: 'anyfunc', initial: 1, maximum: 10 });
    const b = new TableAllocator(bounded);
    b.reserveAhead(50, 'estimate');
    expect(bounded.length).toBe(1);
    expect(b.reserve(9, 'fits').base).toBe(1);
  });

  it("never hands out slots another user of the table appended (Emscripten's addFunction grows by one)", () => {
    const table = new WebAssembly.Table({ element: 'anyfunc', initial: 4 });
    const t = new TableAllocator(table, { minGrowth: 4 });
    const mine = [t.reserve(4, 'a')];
    table.grow(1); // the runtime's own slot
    const theirs = table.length - 1;
    for (let i = 0; i < 5; i++) mine.push(t.reserve(3, `lib${i}`));
    for (const r of mine) expect(theirs >= r.base && theirs < r.base + r.size).toBe(false);
  });
});

describe('LinkerHeap fragmentation', () => {
  it('leaves no sub-granule gaps between odd-sized reservations, so its free list stays one range', () => {
    const heap = new LinkerHeap(new WebAssembly.Memory({ initial: 2 }), { start: 1024 });
    for (let i = 0; i < 500; i++) heap.reserve(124, 16, `lib${i}`);
    expect(heap.freeRanges()).toHaveLength(1);
    const live = heap.live();
    for (let i = 1; i < live.length; i++) expect(live[i]!.address).toBe(live[i - 1]!.address + 128);
  });
});
