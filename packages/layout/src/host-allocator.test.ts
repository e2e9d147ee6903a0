import { fixture, fixtureBytes } from '@dl/fixtures';
import { outcome } from '@dl/fixtures/outcome';
import { describe, expect, it } from 'vitest';
import { HostAllocator } from './host-allocator.js';
import type { HostHeap } from './host-allocator.js';

/** The real C allocator of the non-relocatable fixture main (c/host_alloc.c). */
function realHeap(): { memory: WebAssembly.Memory; heap: HostHeap; liveBlocks: () => number; heapBase: number } {
  const { exports } = new WebAssembly.Instance(
    new WebAssembly.Module(fixtureBytes(fixture('main_static', 'clang16'))),
    {},
  );
  const stats = exports.host_alloc_stats as (which: number) => number;
  return {
    memory: exports.memory as WebAssembly.Memory,
    heap: {
      malloc: exports.malloc as (n: number) => number,
      free: exports.free as (p: number) => void,
      alignedAlloc: exports.aligned_alloc as (a: number, n: number) => number,
    },
    liveBlocks: () => stats(1),
    heapBase: (exports.__heap_base as WebAssembly.Global).value as number,
  };
}

describe('HostAllocator over a real malloc (c/host_alloc.c)', () => {
  it('reserves zeroed, aligned blocks from the host heap and gives them back with free', () => {
    const { memory, heap, liveBlocks, heapBase } = realHeap();
    const a = new HostAllocator(memory, { heap });
    const r1 = a.reserve(100, 16, 'liba');
    const r2 = a.reserve(64, 4096, 'libb');
    expect(r1.address).toBeGreaterThanOrEqual(heapBase);
    expect(r2.address % 4096).toBe(0);
    expect(liveBlocks()).toBe(2);
    new Uint8Array(memory.buffer, r1.address, 100).fill(0xee);
    a.release(r1);
    expect(liveBlocks()).toBe(1);
    const r3 = a.reserve(100, 16, 'libc');
    expect(new Uint8Array(memory.buffer, r3.address, 100).every((b) => b === 0)).toBe(true);
    expect(
      a
        .live()
        .map((r) => r.owner)
        .sort(),
    ).toEqual(['libb', 'libc']);
    expect(r3.address).toBe(r1.address); // the freed block, reused
    expect(
      outcome(() => {
        a.release(r1);
      }),
    ).toBe('DL_BAD_RELEASE'); // stale: refused, libc keeps its block
    expect(liveBlocks()).toBe(2);
  });

  it('leaves the bytes its owner writes (options.written) as malloc gave them and zeroes the rest', () => {
    const { memory, heap } = realHeap();
    const a = new HostAllocator(memory, { heap });
    const r1 = a.reserve(100, 16, 'liba');
    new Uint8Array(memory.buffer, r1.address, 100).fill(0xee);
    a.release(r1);
    const r2 = a.reserve(100, 16, 'libb', { written: 60 });
    expect(r2.address).toBe(r1.address);
    const bytes = new Uint8Array(memory.buffer, r2.address, 100);
    expect(bytes.subarray(0, 60).every((b) => b === 0xee)).toBe(true);
    expect(bytes.subarray(60).every((b) => b === 0)).toBe(true);
  });

  it('before the runtime is up, bumps __heap_base instead, and reuses that space once released', () => {
    const { memory, heap, liveBlocks } = realHeap();
    let base = 200_000;
    let ready = false;
    const a = new HostAllocator(memory, {
      heap,
      ready: () => ready,
      heapBase: {
        get: () => base,
        set: (v) => {
          base = v;
        },
      },
    });
    const early = a.reserve(1000, 64, 'early');
    expect(early.address).toBe(200_000);
    expect(base).toBe(201_008);
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(base);
    expect(liveBlocks()).toBe(0);
    a.release(early);
    expect(a.reserve(500, 16, 'reuses').address).toBe(200_000);
    ready = true;
    a.reserve(400, 16, 'still fits the carved space');
    expect(liveBlocks()).toBe(0);
    a.reserve(2000, 16, 'from malloc');
    expect(liveBlocks()).toBe(1);
  });

  it('keeps every reservation inside the block malloc gave, even when malloc only aligns to 8', () => {
    const { memory, heap } = realHeap();
    // The real allocator, shifted by 8: a malloc that returns 8- but not 16-aligned blocks.
    const blocks: [number, number][] = [];
    const eight: HostHeap = {
      malloc: (n) => {
        const p = heap.malloc(n + 8) + 8;
        blocks.push([p, n]);
        return p;
      },
      free: (p) => {
        heap.free(p - 8);
      },
    };
    const a = new HostAllocator(memory, { heap: eight });
    for (const [size, align] of [
      [124, 16],
      [100, 16],
      [4000, 64],
      [7, 16],
    ] as const) {
      const r = a.reserve(size, align, `lib${size}`);
      const [p, n] = blocks.at(-1)!;
      expect(r.address % align).toBe(0);
      expect(r.address).toBeGreaterThanOrEqual(p);
      expect(r.address + size).toBeLessThanOrEqual(p + n);
    }
  });

  it('refuses when the host allocator returns NULL', () => {
    const { memory } = realHeap();
    const a = new HostAllocator(memory, { heap: { malloc: () => 0, free: () => undefined } });
    expect(outcome(() => a.reserve(10, 16, 'x'))).toBe('DL_OUT_OF_MEMORY');
  });
});
