import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { beginSuite, writeCases } from './suite.js';
import { summarise, unloadSizes, unloadVerdicts, wantedCases } from './unload.js';
import type { UnloadCase } from './unload.js';
import type { UnloadSample, UnloadSpec } from './unload-run.js';

const spec: UnloadSpec = {
  key: 'open-close-same',
  name: 'open-close-same',
  runner: 'dl-sync',
  toolchain: 'clang-16',
  n: 10_000,
  script: 'unload-same',
  manifest: 'unused.json',
};

const sample = (over: Partial<UnloadSample>): UnloadSample => ({
  totalMs: 100,
  cycles: 10_000,
  memoryGrowthBytes: 0,
  memoryTopGrowthBytes: 0,
  memoryPagesGrowthBytes: 0,
  tableGrowthSlots: 0,
  tableRangeGrowthSlots: 0,
  heapGrowthBytesPerCycle: 10,
  residentLibraries: 1,
  loadMedianMs: 0.4,
  unloadMedianMs: 0.04,
  unloadToLoad: 0.1,
  ...over,
});

describe('the unload suite', () => {
  it('reports the median time and heap, and the worst run of memory and table growth', () => {
    const c = summarise(spec, [
      sample({ totalMs: 90, heapGrowthBytesPerCycle: 5 }),
      sample({ totalMs: 120, memoryGrowthBytes: 64, tableGrowthSlots: -2, heapGrowthBytesPerCycle: 40 }),
      sample({ totalMs: 100, tableGrowthSlots: 1 }),
    ]);
    expect(c).toMatchObject({
      case: 'open-close-same',
      runner: 'dl-sync',
      toolchain: 'clang-16',
      n: 10_000,
      runs: 3,
      medianMs: 100,
      memoryGrowthBytes: 64,
      tableGrowthSlots: -2,
      heapGrowthBytesPerCycle: 10,
      unloadToLoad: 0.1,
    });
    expect(c.callsVerified).toBeUndefined();
  });

  it('keeps the fewest verified calls of the reload runs, and no unload ÷ load ratio for them', () => {
    const reload = { ...spec, key: 'reload', name: 'reload', n: 1000 } as const;
    const c = summarise(reload, [
      sample({ callsVerified: 3003, reloadMedianMs: 0.5 }),
      sample({ callsVerified: 3000, reloadMedianMs: 0.7 }),
    ]);
    expect(c.callsVerified).toBe(3000);
    expect(c.unloadMedianMs).toBe(0.6);
    expect(c.unloadToLoad).toBeNull();
  });

  it("judges the issue's targets and says when the sizes are below the issue's", () => {
    const sizes = { same: 100, distinct: 2000, batch: 500, reloads: 1000 };
    const good: UnloadCase = summarise({ ...spec, n: 100 }, [sample({})]);
    const bad: UnloadCase = summarise({ ...spec, n: 100 }, [
      sample({ memoryGrowthBytes: 166, tableGrowthSlots: 2, heapGrowthBytesPerCycle: 65, unloadToLoad: 0.3 }),
    ]);
    const lines = unloadVerdicts([good, bad], sizes);
    expect(lines[0]).toBe("  (below the issue's sizes: --same 100 < 10000)");
    expect(lines.slice(1, 5).every((l) => l.startsWith('  [ met ]'))).toBe(true);
    expect(lines.slice(5).every((l) => l.startsWith('  [MISSED]'))).toBe(true);
    const reload = summarise({ ...spec, key: 'reload', name: 'reload', n: 1000 }, [sample({ callsVerified: 3002 })]);
    expect(unloadVerdicts([reload], { ...sizes, same: 10_000 })[2]).toBe(
      '  [MISSED] reload (dl-sync, clang-16, N=1000): every call correct: 3002 of 3003',
    );
  });

  it("defaults to the issue's sizes and every case, and refuses what it cannot run", () => {
    expect(unloadSizes(new Map())).toEqual({ same: 10_000, distinct: 2_000, batch: 500, reloads: 1_000 });
    expect(unloadSizes(new Map([['same', '50']])).same).toBe(50);
    expect(() => unloadSizes(new Map([['same', '1']]))).toThrow('--same wants an integer ≥ 2');
    expect(() => unloadSizes(new Map([['batch', '3000']]))).toThrow('larger than --distinct');
    expect([...wantedCases(new Map())]).toEqual([
      'open-close-same',
      'open-close-distinct',
      'open-close-batch',
      'reload',
    ]);
    expect(() => wantedCases(new Map([['cases', 'reload,close']]))).toThrow('unknown case close');
  });

  it('collects the cases of several suites in one --json file, each tagged with its suite', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dl-bench-')), 'all.json');
    const options = new Map([['json', file]]);
    beginSuite('linker');
    writeCases(options, [{ set: 'bm', n: 10 }]);
    beginSuite('unload');
    writeCases(options, [{ case: 'reload', n: 1000 }]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      cases: [
        { suite: 'linker', set: 'bm', n: 10 },
        { suite: 'unload', case: 'reload', n: 1000 },
      ],
    });
  });
});
