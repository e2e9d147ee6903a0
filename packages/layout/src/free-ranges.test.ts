import { describe, expect, it } from 'vitest';
import { alignUp, FreeRanges } from './free-ranges.js';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

describe('FreeRanges', () => {
  it('takes best fit, aligned, keeping head and tail free', () => {
    const f = new FreeRanges();
    f.give(5, 100);
    f.give(200, 10);
    expect(f.take(8, 1)).toBe(200); // the 10-unit range fits best
    expect(f.take(16, 32)).toBe(32); // head [5,32) and tail [48,105) stay
    expect(f.ranges()).toEqual([
      { start: 5, size: 27 },
      { start: 48, size: 57 },
      { start: 208, size: 2 },
    ]);
    expect(f.take(1000, 1)).toBe(-1);
  });

  it('coalesces with both neighbours and refuses double frees', () => {
    const f = new FreeRanges();
    f.give(0, 10);
    f.give(20, 10);
    f.give(10, 10);
    expect(f.ranges()).toEqual([{ start: 0, size: 30 }]);
    expect(() => {
      f.give(5, 2);
    }).toThrow(RangeError);
    expect(() => {
      f.give(29, 5);
    }).toThrow(RangeError);
  });

  it('matches a bitmap model under random take/give', () => {
    const rand = rng(7);
    const N = 512;
    const f = new FreeRanges();
    f.give(0, N);
    const used = new Uint8Array(N);
    const held: [number, number][] = [];
    for (let step = 0; step < 5000; step++) {
      if (held.length > 0 && rand() < 0.45) {
        const [start, size] = held.splice(Math.floor(rand() * held.length), 1)[0]!;
        f.give(start, size);
        used.fill(0, start, start + size);
      } else {
        const size = 1 + Math.floor(rand() * 24);
        const align = 2 ** Math.floor(rand() * 4);
        const start = f.take(size, align);
        // The model: is there any aligned free run of `size`?
        let possible = false;
        for (let s = 0; s + size <= N && !possible; s = alignUp(s + 1, align)) {
          possible = used.subarray(s, s + size).every((b) => b === 0);
        }
        expect(start >= 0).toBe(possible);
        if (start >= 0) {
          expect(start % align).toBe(0);
          expect(used.subarray(start, start + size).every((b) => b === 0)).toBe(true);
          used.fill(1, start, start + size);
          held.push([start, size]);
        }
      }
      // Invariants: sorted, disjoint, coalesced, exactly the unused units.
      const ranges = f.ranges();
      for (let i = 1; i < ranges.length; i++)
        expect(ranges[i]!.start).toBeGreaterThan(ranges[i - 1]!.start + ranges[i - 1]!.size);
      expect(f.total()).toBe(used.reduce((n, b) => n + (b === 0 ? 1 : 0), 0));
    }
  });
});
