import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { DlError } from '@dl/errors';
import { fixturesDir } from '@dl/fixtures';
import { loadGraph } from '@dl/loaders';
import type { GraphNode, GraphProblem } from '@dl/loaders';
import { fsLoader } from '@dl/loaders/node';
import { describe, expect, it } from 'vitest';
import { buildLddReport, renderLdd } from './ldd.js';
import type { LddGraph } from './ldd.js';

const emcc = realpathSync(join(fixturesDir, 'emcc'));

/** A found library of a hand-made graph. */
function node(
  key: string,
  needed: [string, string | null][],
  name: string = key.slice(key.lastIndexOf('/') + 1),
): GraphNode {
  return {
    key,
    name,
    location: key,
    size: 100,
    runtimePaths: [],
    needed: needed.map(([n, k]) => ({
      name: n,
      key: k,
      via: k === null ? null : { location: k, step: 'search-path', entry: '/lib' },
      tried: [],
    })),
    via: { location: key, step: 'search-path', entry: '/lib' },
    tried: [],
  };
}

const problem = (name: string, parent: string | null, neededBy: string[]): GraphProblem => ({
  name,
  parent,
  neededBy,
  error: new DlError('DL_IO', `read failed (${neededBy.join(' < ')})`, { library: name }),
});

describe('buildLddReport and renderLdd', () => {
  it('orders a real graph depth first in NEEDED order, whatever order the loader discovered it in', async () => {
    const graph = await loadGraph(fsLoader({ searchPath: [emcc], cache: null }), [join(emcc, 'main2.wasm')], {
      compile: false,
    });
    const shuffled: LddGraph = {
      ...graph,
      nodes: [...graph.nodes].reverse(),
      cycles: graph.cycles.map((c) => [...c].reverse()),
    };
    const report = buildLddReport(shuffled);
    expect(report).toEqual(buildLddReport(graph));
    expect(report.libraries.map((l) => l.key.slice(emcc.length + 1))).toEqual([
      'main2.wasm',
      'libreloc.so',
      'libfptr.so',
      'libweak.so',
      'libweak_weakdef.so',
      'libweak_strong.so',
      'libneed_c.so',
      'libneed_b.so',
      'libneed_a.so',
      'libcycle_a.so',
      'libcycle_b.so',
      'libctor.so',
      'libtls.so',
      'libi64.so',
      'libmany.so',
    ]);
    expect(report.cycles).toEqual([[join(emcc, 'libcycle_a.so'), join(emcc, 'libcycle_b.so')]]);
    const text = renderLdd(report);
    expect(text.split('\n').filter((l) => l.endsWith('(already shown)'))).toEqual([
      `│  └─ libreloc.so => ${emcc}/libreloc.so (already shown)`,
      `│     └─ libcycle_a.so => ${emcc}/libcycle_a.so (already shown)`,
    ]);
    expect(text.split('\n').filter((l) => l.includes('(cycle: libcycle_a.so ↔ libcycle_b.so)'))).toHaveLength(2);
  });

  it('attaches each problem to the library that needed it, even when two libraries share a name', () => {
    // liba.so and libb.so each find their own libdup.so; both need libmissing.so, which fails twice.
    const graph: LddGraph = {
      roots: ['/r/root.so'],
      nodes: [
        node(
          '/r/root.so',
          [
            ['liba.so', '/r/a/liba.so'],
            ['libb.so', '/r/b/libb.so'],
          ],
          'root.so',
        ),
        node('/r/b/libb.so', [['libdup.so', '/r/b/libdup.so']]),
        node('/r/a/liba.so', [['libdup.so', '/r/a/libdup.so']]),
        node('/r/b/libdup.so', [['libmissing.so', null]]),
        node('/r/a/libdup.so', [['libmissing.so', null]]),
      ],
      problems: [
        problem('libmissing.so', '/r/b/libdup.so', ['libdup.so', 'libb.so', 'root.so']),
        problem('libmissing.so', '/r/a/libdup.so', ['libdup.so', 'liba.so', 'root.so']),
      ],
      cycles: [],
    };
    const report = buildLddReport(graph);
    expect(report.libraries.map((l) => l.key)).toEqual([
      '/r/root.so',
      '/r/a/liba.so',
      '/r/a/libdup.so',
      '/r/b/libb.so',
      '/r/b/libdup.so',
    ]);
    expect(report.problems.map((p) => [p.parent, p.neededBy[1]])).toEqual([
      ['/r/a/libdup.so', 'liba.so'],
      ['/r/b/libdup.so', 'libb.so'],
    ]);
    expect(renderLdd(report)).toBe(
      [
        '/r/root.so (100 bytes, search-path /lib)',
        '├─ liba.so => /r/a/liba.so (search-path /lib)',
        '│  └─ libdup.so => /r/a/libdup.so (search-path /lib)',
        '│     └─ libmissing.so => error DL_IO (needed by libdup.so, liba.so, root.so)',
        '│          libmissing.so: read failed (libdup.so < liba.so < root.so) [DL_IO]',
        '└─ libb.so => /r/b/libb.so (search-path /lib)',
        '   └─ libdup.so => /r/b/libdup.so (search-path /lib)',
        '      └─ libmissing.so => error DL_IO (needed by libdup.so, libb.so, root.so)',
        '           libmissing.so: read failed (libdup.so < libb.so < root.so) [DL_IO]',
      ].join('\n'),
    );
  });

  it('marks a library that needs itself and prints it once', () => {
    const report = buildLddReport({
      roots: ['/r/self.so'],
      nodes: [node('/r/self.so', [['self.so', '/r/self.so']])],
      problems: [],
      cycles: [['/r/self.so']],
    });
    expect(renderLdd(report)).toBe(
      '/r/self.so (100 bytes, search-path /lib) (cycle: self.so needs itself)\n└─ self.so => /r/self.so (already shown)',
    );
  });

  it('names at most 8 dependents of a problem deep in a chain', () => {
    const names = Array.from({ length: 11 }, (_, i) => `l${i}.so`);
    const nodes = names.map((n, i) =>
      node(`/r/${n}`, [[names[i + 1] ?? 'libmissing.so', i + 1 < names.length ? `/r/${names[i + 1]!}` : null]]),
    );
    const report = buildLddReport({
      roots: ['/r/l0.so'],
      nodes,
      problems: [problem('libmissing.so', '/r/l10.so', [...names].reverse())],
      cycles: [],
    });
    const lines = renderLdd(report).split('\n');
    expect(lines).toHaveLength(13);
    expect(lines[11]).toBe(
      `${'   '.repeat(10)}└─ libmissing.so => error DL_IO (needed by l10.so, l9.so, l8.so, l7.so, l6.so, l5.so, l4.so, l3.so, and 3 more)`,
    );
  });

  it('takes the graph of exactly one root', () => {
    expect(() => buildLddReport({ roots: ['/a', '/b'], nodes: [], problems: [], cycles: [] })).toThrow(TypeError);
  });
});
