import { describe, expect, it } from 'vitest';
import { tabKeyTarget } from './tab-keys.js';

describe('tabKeyTarget', () => {
  it('moves with the arrows (wrapping around), Home and End, and ignores other keys', () => {
    expect(tabKeyTarget('ArrowRight', 0, 4)).toBe(1);
    expect(tabKeyTarget('ArrowRight', 3, 4)).toBe(0);
    expect(tabKeyTarget('ArrowLeft', 0, 4)).toBe(3);
    expect(tabKeyTarget('Home', 2, 4)).toBe(0);
    expect(tabKeyTarget('End', 1, 4)).toBe(3);
    expect(tabKeyTarget('Enter', 1, 4)).toBeNull();
  });
});
