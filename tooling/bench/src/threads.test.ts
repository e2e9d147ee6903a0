import { describe, expect, it } from 'vitest';
import { Samples } from './suite.js';
import { FLOOR_OF, threadCases, threadVerdicts } from './threads.js';

describe('the threads suite', () => {
  it('divides follow by the floor and dlopen-4 by dlopen-1, per N, in table order', () => {
    const samples = new Samples(3);
    const add = (key: string, ...ms: number[]): void => {
      for (const totalMs of ms) samples.add(key, { totalMs, checksum: 1 }, 1);
    };
    add('100 floor', 40, 50, 60);
    add('100 follow', 44, 55, 66);
    add('100 dlopen-1', 2, 2, 2);
    add('100 dlopen-4', 2, 3, 4);
    const cases = threadCases(samples, [100, 500]);
    expect(cases).toEqual([
      { set: 'thr', n: 100, runner: 'floor', medianMs: 50, ratioToFloor: 1, runs: 3 },
      { set: 'thr', n: 100, runner: 'follow', medianMs: 55, ratioToFloor: 1.1, runs: 3 },
      { set: 'thr', n: 100, runner: 'dlopen-1', medianMs: 2, ratioToFloor: 1, runs: 3 },
      { set: 'thr', n: 100, runner: 'dlopen-4', medianMs: 3, ratioToFloor: 1.5, runs: 3 },
    ]);
    expect(FLOOR_OF['dlopen-4']).toBe('dlopen-1');
  });

  it('judges the issue’s targets: follower ≤ 1.1× floor, dlopen reaching 4 threads ≤ 1.5× single-threaded', () => {
    const c = (runner: 'floor' | 'follow' | 'dlopen-4', ratioToFloor: number) =>
      ({ set: 'thr', n: 500, runner, medianMs: 1, ratioToFloor, runs: 7 }) as const;
    expect(threadVerdicts([c('floor', 1), c('follow', 1.1), c('dlopen-4', 1.6)])).toEqual([
      '  [ met ] follow ≤ 1.1× floor, N=500: 1.10×',
      '  [MISSED] dlopen-4 ≤ 1.5× dlopen-1, N=500: 1.60×',
    ]);
  });
});
