import { describe, expect, it } from 'vitest';
import { loadName, memoryText } from './link-view.js';

describe('the Link tab wording', () => {
  it("names a main module's own load (it has no dlopen roots) instead of leaving it blank", () => {
    expect(loadName([], 'main.wasm')).toBe('main.wasm (main module)');
    expect(loadName([], null)).toBe('the program');
    expect(loadName(['libneed_c.so'], 'main.wasm')).toBe('libneed_c.so');
  });

  it('words a library without data as 0 bytes at its address, as the event log and memory map do', () => {
    expect(memoryText(66752, 0)).toBe('at 66752 (0 bytes)');
    expect(memoryText(66720, 12)).toBe('66720..66732 (12 bytes)');
  });
});
