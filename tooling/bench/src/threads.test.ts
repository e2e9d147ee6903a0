import { describe, expect, it } from 'vitest';
import { Samples } from './suite.js';
import { extraNotes, FLOOR_OF, keepExtras, threadCases, threadVerdicts } from './threads.js';
import type { Extras } from './threads.js';

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

  it('notes the follower against the floor in thread CPU time, the leader’s image for a first and one more thread, the least a sync can take with K workers on C cores, and the idealised followers', () => {
    const extras: Extras = new Map();
    for (const cpuMs of [30, 40, 50]) keepExtras(extras, '100 floor', { cpuMs });
    for (const cpuMs of [33, 44, 55])
      keepExtras(extras, '100 follow', { cpuMs, imageMs: cpuMs / 11, nextImageMs: 0.25 });
    keepExtras(extras, '100 dlopen-1', { instantiateMs: 0.5, compiledMs: 1 });
    for (const k of [2, 4]) keepExtras(extras, `100 dlopen-${k}`, { applyMs: 1 });
    const one = { set: 'thr', n: 100, runner: 'dlopen-1', medianMs: 2, ratioToFloor: 1, runs: 3 } as const;
    const two = { ...one, runner: 'dlopen-2', medianMs: 5, ratioToFloor: 2.5 } as const;
    const four = { ...one, runner: 'dlopen-4', medianMs: 6, ratioToFloor: 3 } as const;
    const ideal = { ...one, runner: 'ideal-4', medianMs: 3.5, ratioToFloor: 1.75 } as const;
    const ack = { ...one, runner: 'ack-4', medianMs: 2.5, ratioToFloor: 1.25 } as const;
    expect(extraNotes([100], [one, two, four, ideal, ack], extras, 2)).toEqual([
      'N=100: thread CPU time: follow 44.0 ms, floor 40.0 ms: follow ÷ floor = 1.10×',
      "N=100: the leading thread's image of the program (threadImage): 4.00 ms for the first thread, 0.25 ms for one more",
      'N=100: dlopen-2: a worker applies an update in 1.00 ms (the leader’s dlopenSync instantiates in 0.50 ms); with 2 workers on 2 cores at least dlopen-1 + 1 × apply = 3.00 ms = 1.50× dlopen-1',
      'N=100: dlopen-2: an eager follower, however scheduled, starts once the leader has compiled the library (1.00 ms into dlopen-1) and instantiates it (0.50 ms): at least 1.00 + (dlopen-1 − 1.00 + 2 × 0.50) / 2 cores = 2.00 ms = 1.00× dlopen-1 (measured: 2.50×)',
      'N=100: dlopen-4: a worker applies an update in 1.00 ms (the leader’s dlopenSync instantiates in 0.50 ms); with 4 workers on 2 cores at least dlopen-1 + 2 × apply = 4.00 ms = 2.00× dlopen-1',
      'N=100: dlopen-4: an eager follower, however scheduled, starts once the leader has compiled the library (1.00 ms into dlopen-1) and instantiates it (0.50 ms): at least 1.00 + (dlopen-1 − 1.00 + 4 × 0.50) / 2 cores = 2.50 ms = 1.25× dlopen-1 (measured: 3.00×)',
      'N=100: ideal-4: 4 followers that only instantiate, ready in advance and started with dlopenSync: 3.50 ms = 1.75× dlopen-1, the best an eager follower could do here',
      'N=100: ack-4: 4 followers that only acknowledge (taking each update later, as one that instantiates a library when first used would): 2.50 ms = 1.25× dlopen-1',
      '',
    ]);
  });
});
