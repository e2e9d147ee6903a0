import { describe, expect, it } from 'vitest';
import { parseArgs } from './args.js';
import { median } from './suite.js';

describe('pnpm bench arguments', () => {
  it('separates suites from options with values, =values and boolean flags', () => {
    const a = parseArgs(['linker', '--n', '10,100', '--runs=5', '--no-build', 'reader', '--json', 'out.json']);
    expect(a.suites).toEqual(['linker', 'reader']);
    expect(Object.fromEntries(a.options)).toEqual({ n: '10,100', runs: '5', 'no-build': 'true', json: 'out.json' });
  });

  it('refuses an option without its value', () => {
    expect(() => parseArgs(['--runs'])).toThrow('--runs needs a value');
  });
});

describe('median', () => {
  it('is the middle value, or the mean of the middle two', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
