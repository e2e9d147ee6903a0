import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32.js';

describe('crc32', () => {
  it("is CRC-32/IEEE: the standard check value, and zlib's over random parts", () => {
    expect(crc32([new TextEncoder().encode('123456789')])).toBe(0xcbf43926);
    expect(crc32([])).toBe(0);
    let x = 7;
    const bytes = Uint8Array.from({ length: 4099 }, () => (x = (x * 1103515245 + 12345) >>> 0) >>> 24);
    expect(crc32([bytes.subarray(0, 1000), bytes.subarray(1000)])).toBe(zlibCrc32(bytes));
  });
});
