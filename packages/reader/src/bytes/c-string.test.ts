import { describe, expect, it } from 'vitest';
import { cStringAt, cStringsIn } from './index.js';

/** One page of memory holding `text` (UTF-8) at `at`. */
function memoryWith(at: number, bytes: readonly number[]): WebAssembly.Memory {
  const memory = new WebAssembly.Memory({ initial: 1 });
  new Uint8Array(memory.buffer).set(bytes, at);
  return memory;
}

describe('cStringAt', () => {
  it('reads UTF-8 up to the NUL, from a memory or its bytes', () => {
    const memory = memoryWith(16, [...new TextEncoder().encode('dlsym: ünïcode'), 0, 120]);
    expect(cStringAt(memory, 16)).toBe('dlsym: ünïcode');
    expect(cStringAt(new Uint8Array(memory.buffer), 16)).toBe('dlsym: ünïcode');
    expect(cStringAt(memory, 0)).toBe('');
  });

  it('reads to the end of memory when unterminated, and a pointer as unsigned', () => {
    const memory = memoryWith(65536 - 3, [104, 105, 33]);
    expect(cStringAt(memory, 65536 - 3)).toBe('hi!');
    expect(cStringAt(memory, -1)).toBe(''); // 0xffffffff: past the end, not a negative index
  });
});

describe('cStringsIn', () => {
  it('lists each string of a range with its address, the last one cut at the range end', () => {
    const memory = memoryWith(100, [97, 0, 0, 98, 99, 0, 100, 101, 102]);
    expect(cStringsIn(memory, 100, 108)).toEqual([
      [100, 'a'],
      [102, ''],
      [103, 'bc'],
      [106, 'de'],
    ]);
  });
});
