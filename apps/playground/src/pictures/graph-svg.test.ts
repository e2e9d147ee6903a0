import { RTLD } from '@dl/linker';
import { describe, expect, it } from 'vitest';
import { graphSvg } from './graph-svg.js';
import { dependencyDepths } from './layout.js';
import {
  cycle,
  graphAfter,
  hostile,
  hostileName,
  hostOnly,
  localGroups,
  neededChain,
  nothing,
  weakPair,
} from './test-graphs.js';
import { attributeValues, elements, xmlProblems } from './well-formed.js';

/** The first rect after `data-library="name"`: the node's box. */
function nodeBox(svg: string, name: string): { x: number; y: number; fill: string } {
  const at = svg.indexOf(`data-library="${name}"`);
  const rect = elements(svg.slice(at), 'rect')[0]!;
  return { x: Number(rect.x), y: Number(rect.y), fill: rect.fill! };
}

describe.each(['emcc', 'clang16'] as const)('%s: the NEEDED chain c → b → a', (toolchain) => {
  const graph = neededChain(toolchain);
  const svg = graphSvg(graph);

  it('is a well-formed standalone SVG', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(xmlProblems(svg)).toEqual([]);
  });

  it('has three nodes and two NEEDED edges, by name', () => {
    expect(attributeValues(svg, 'data-library')).toEqual(['libneed_a.so', 'libneed_b.so', 'libneed_c.so']);
    expect(attributeValues(svg, 'data-edge')).toEqual(['libneed_b.so->libneed_a.so', 'libneed_c.so->libneed_b.so']);
    expect(svg).not.toContain('dl-edge-back');
  });

  it('shows load order as #id and puts what needs nothing at the bottom', () => {
    for (const lib of graph.libraries) expect(svg).toContain(`>#${lib.id}</tspan> ${lib.name}<`);
    expect(
      elements(svg, 'g', { class: 'dl-node' }).map((g) => [g['data-library'], g['data-id'], g['data-layer']]),
    ).toEqual([
      ['libneed_a.so', '1', '0'],
      ['libneed_b.so', '2', '1'],
      ['libneed_c.so', '3', '2'],
    ]);
    const [a, b, c] = ['libneed_a.so', 'libneed_b.so', 'libneed_c.so'].map((n) => nodeBox(svg, n));
    expect(a!.y).toBeGreaterThan(b!.y);
    expect(b!.y).toBeGreaterThan(c!.y);
  });

  it('gives hover text with address ranges and export counts', () => {
    const a = graph.libraries.find((l) => l.name === 'libneed_a.so')!;
    const start = `0x${a.memory.base.toString(16).toUpperCase()}`;
    const end = `0x${(a.memory.base + a.memory.size).toString(16).toUpperCase()}`;
    expect(svg).toContain(`data: ${start}–${end} (${a.memory.size} bytes)`);
    expect(svg).toContain(`exports: ${a.exports};`);
    expect(svg).toContain('<title>libneed_c.so needs libneed_b.so</title>');
  });

  it('is deterministic: the same links draw the same picture', () => {
    expect(graphSvg(neededChain(toolchain))).toBe(svg);
  });
});

describe('a NEEDED cycle (emcc libcycle_a ⇄ libcycle_b)', () => {
  const svg = graphSvg(cycle());

  it('draws both edges, the one to the library loaded later as a back edge', () => {
    expect(xmlProblems(svg)).toEqual([]);
    expect(attributeValues(svg, 'data-edge').sort()).toEqual([
      'libcycle_a.so->libcycle_b.so',
      'libcycle_b.so->libcycle_a.so',
    ]);
    // libcycle_b.so loads first (#1) and needs libcycle_a.so (#2), loaded after it.
    expect(elements(svg, 'g', { class: 'dl-edge dl-edge-back' }).map((g) => g['data-edge'])).toEqual([
      'libcycle_b.so->libcycle_a.so',
    ]);
    expect(elements(svg, 'g', { class: 'dl-edge dl-edge-down' }).map((g) => g['data-edge'])).toEqual([
      'libcycle_a.so->libcycle_b.so',
    ]);
    expect(svg).toContain('needs a library loaded later (cycle)');
  });

  it('puts the two on different rows with distinct edge paths', () => {
    expect(nodeBox(svg, 'libcycle_b.so').y).toBeGreaterThan(nodeBox(svg, 'libcycle_a.so').y);
    const paths = elements(svg, 'path').filter(
      (p) => p['marker-end'] !== undefined && p.d!.startsWith('M') && !p.d!.includes('L'),
    );
    expect(new Set(paths.map((p) => p.d)).size).toBe(2);
  });
});

describe('scopes as colours', () => {
  const graph = localGroups();
  const svg = graphSvg(graph);

  it('colours the global scope and each RTLD_LOCAL group apart, with a legend', () => {
    expect(xmlProblems(svg)).toEqual([]);
    expect(elements(svg, 'g', { class: 'dl-node' }).map((g) => [g['data-library'], g['data-scope']])).toEqual([
      ['libweak_strong.so', 'global'],
      ['libneed_a.so', 'local-1'],
      ['libneed_b.so', 'local-1'],
      ['libneed_c.so', 'local-1'],
      ['libreloc.so', 'local-2'],
    ]);
    const stroke = (name: string): string => {
      const at = svg.indexOf(`data-library="${name}"`);
      return elements(svg.slice(at), 'rect')[0]!.stroke!;
    };
    expect(new Set([stroke('libweak_strong.so'), stroke('libneed_a.so'), stroke('libreloc.so')]).size).toBe(3);
    expect(stroke('libneed_a.so')).toBe(stroke('libneed_c.so'));
    // Libraries of one group alternate shades of its hue, so neighbours stay apart.
    expect(nodeBox(svg, 'libneed_a.so').fill).not.toBe(nodeBox(svg, 'libneed_b.so').fill);
    const legend = svg.slice(svg.indexOf('class="dl-legend"'), svg.indexOf('class="dl-edges"'));
    expect(legend).toContain('global scope (#0)');
    expect(legend).toContain('RTLD_LOCAL group #1');
    expect(legend).toContain('RTLD_LOCAL group #2');
    const swatches = elements(legend, 'rect').map((r) => r.stroke);
    expect(swatches).toContain(stroke('libweak_strong.so'));
    expect(swatches).toContain(stroke('libreloc.so'));
  });

  it('marks a local library promoted to global', () => {
    const promoted = graphSvg(
      graphAfter([
        ['libneed_a.so', RTLD.NOW | RTLD.LOCAL],
        ['libneed_a.so', RTLD.NOW | RTLD.GLOBAL],
      ]),
    );
    expect(elements(promoted, 'rect', { 'stroke-dasharray': '6 3' })).toHaveLength(1);
    expect(promoted).toContain('RTLD_LOCAL group #1, also global');
  });
});

describe('hostile and empty graphs', () => {
  it('escapes a library name made of markup', () => {
    const svg = graphSvg(hostile());
    expect(svg).not.toMatch(/<script/i);
    expect(svg).toContain('&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;&#39;.so');
    expect(xmlProblems(svg)).toEqual([]);
    expect(attributeValues(svg, 'data-library')).toEqual(['libneed_a.so', hostileName]);
    expect(attributeValues(svg, 'data-edge')).toEqual([`${hostileName}->libneed_a.so`]);
  });

  it('draws a graph without libraries', () => {
    for (const graph of [nothing, hostOnly()]) {
      const svg = graphSvg(graph);
      expect(xmlProblems(svg)).toEqual([]);
      expect(svg).toContain('No libraries loaded.');
      expect(attributeValues(svg, 'data-library')).toEqual([]);
    }
  });

  it('draws the weak pair (strong library below the one needing it)', () => {
    const svg = graphSvg(weakPair());
    expect(attributeValues(svg, 'data-edge')).toEqual(['libweak_weakdef.so->libweak_strong.so']);
  });
});

describe('dependencyDepths', () => {
  it('layers by the deepest dependency loaded before, ignoring edges that close cycles', () => {
    const lib = (id: number, needed: number[]) => ({ ...nothingLib, id, name: `l${id}`, needed });
    const nothingLib = neededChain().libraries[0]!;
    const depths = dependencyDepths([
      lib(1, []),
      lib(2, [1]),
      lib(3, [1, 2]),
      lib(4, [5]),
      lib(5, [4, 3]),
      lib(6, [6]),
    ]);
    expect([...depths]).toEqual([
      [1, 0],
      [2, 1],
      [3, 2],
      [4, 0],
      [5, 3],
      [6, 0],
    ]);
  });
});
