import { describe, expect, it } from 'vitest';
import { neededByText, requestAlias } from './index.js';

const parent = (name: string, chain: string[]): { name: string; key: string; chain: string[] } => ({
  name,
  key: `/lib/${name}`,
  chain,
});

describe('a NEEDED request', () => {
  it('is remembered by who asked and the name asked for', () => {
    expect(requestAlias({ name: 'liba.so', parent: null })).toBe('\u0000liba.so');
    expect(requestAlias({ name: 'liba.so', parent: parent('libb.so', []) })).toBe('/lib/libb.so\u0000liba.so');
    expect(requestAlias({ name: 'liba.so', parent: parent('libc.so', []) })).not.toBe(
      requestAlias({ name: 'liba.so', parent: parent('libb.so', []) }),
    );
  });

  it('names its dependents nearest first, at most eight', () => {
    expect(neededByText({ name: 'liba.so', parent: null })).toBe('');
    expect(neededByText({ name: 'liba.so', parent: parent('libb.so', ['libd.so', 'libc.so']) })).toBe(
      ' (needed by libb.so, needed by libc.so, needed by libd.so)',
    );
    const deep = Array.from({ length: 10 }, (_, i) => `lib${i}.so`);
    expect(neededByText({ name: 'x', parent: parent('top.so', deep) })).toBe(
      ` (${['top.so', ...[...deep].reverse().slice(0, 7)].map((n) => `needed by ${n}`).join(', ')}, and 3 more)`,
    );
  });
});
