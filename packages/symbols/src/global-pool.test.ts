import { describe, expect, it } from 'vitest';
import { mutableI32 } from './global-pool.js';

describe('mutableI32 (GOT globals made by the engine in batches)', () => {
  it('gives distinct mutable i32 globals across batches, each holding its own value', () => {
    const globals = Array.from({ length: 300 }, (_, i) => mutableI32(i * 7));
    expect(new Set(globals).size).toBe(300);
    globals.forEach((g, i) => {
      expect(g).toBeInstanceOf(WebAssembly.Global);
      expect(g.value).toBe(i * 7);
    });
    globals[5]!.value = -1;
    expect(globals[4]!.value).toBe(28);
    expect(globals[6]!.value).toBe(42);
    expect(globals[5]!.value).toBe(-1);
  });
});
