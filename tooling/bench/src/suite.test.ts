import { describe, expect, it } from 'vitest';
import { Samples, verdict, wantedRunners } from './suite.js';

describe('the fresh-process suites', () => {
  it('summarises samples against the floor of the same set: medians, ratio, phases', () => {
    const samples = new Samples(3);
    for (const totalMs of [10, 30, 20]) samples.add('s floor', { totalMs, checksum: 3 }, 1);
    for (const [totalMs, resolve] of [
      [15, 1],
      [5, 3],
      [10, 2],
    ] as const)
      samples.add('s graph', { totalMs, compileMs: totalMs / 5, checksum: 7, phases: { resolve } }, 1);
    const s = samples.summary('s graph', 's floor')!;
    expect(s).toMatchObject({
      medianMs: 10,
      ratioToFloor: 0.5,
      compileMs: 2,
      instantiateMs: null,
      phases: { resolve: 2 },
    });
    expect(s.samples).toEqual([15, 5, 10]);
    expect(samples.summary('s none', 's floor')).toBeUndefined();
    expect(samples.summary('s floor', 's none')?.ratioToFloor).toBeNull();
  });

  it('says met, MISSED or n/a', () => {
    expect(verdict('(b)', 0.9, (v) => v <= 1)).toBe('  [ met ] (b): 0.90×');
    expect(verdict('(c)', 0.45, (v) => v <= 0.3)).toBe('  [MISSED] (c): 0.45×');
    expect(verdict('(c)', null, (v) => v <= 0.3)).toBe('  [ n/a ] (c): not measured');
  });

  it('keeps the floors when --runners picks some, and refuses unknown runners', () => {
    const all = ['floor', 'a', 'b'] as const;
    expect([...wantedRunners(new Map([['runners', 'b']]), all, ['floor'])]).toEqual(['floor', 'b']);
    expect([...wantedRunners(new Map(), all, ['floor'])]).toEqual(['floor', 'a', 'b']);
    expect(() => wantedRunners(new Map([['runners', 'c']]), all, ['floor'])).toThrow('unknown runner c');
  });
});
