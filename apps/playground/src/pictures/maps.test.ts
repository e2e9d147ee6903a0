import { describe, expect, it } from 'vitest';
import type { LinkGraph } from '@dl/linker';
import { graphSvg } from './graph-svg.js';
import { memoryMapSvg, tableMapSvg } from './maps.js';
import { mapMetrics, tickValues } from './range-map.js';
import { cycle, hostile, hostileName, hostOnly, localGroups, neededChain, nothing } from './test-graphs.js';
import { attributeValues, elements, xmlProblems } from './well-formed.js';

const left = mapMetrics.margin;
const barWidth = mapMetrics.width - 2 * mapMetrics.margin;

/** The rects of one view (`whole`, `zoom`) in range order. */
const rects = (svg: string, view: string): Record<string, string>[] =>
  elements(svg, 'rect', { 'data-view': view }).filter((r) => r.class === `dl-range-${view}`);

describe.each(['emcc', 'clang16'] as const)('%s: the memory map of the NEEDED chain', (toolchain) => {
  const graph = neededChain(toolchain);
  const svg = memoryMapSvg(graph);
  const reservations = [...graph.memory.reservations].sort((a, b) => a.address - b.address);

  it('is well-formed and has a range per reservation, by owner', () => {
    expect(xmlProblems(svg)).toEqual([]);
    expect(attributeValues(svg, 'data-owner')).toEqual(reservations.map((r) => r.owner));
    expect(attributeValues(svg, 'data-owner')).toEqual(
      expect.arrayContaining(['libneed_a.so', 'libneed_b.so', 'libneed_c.so']),
    );
  });

  it('places every range to scale over the whole memory, within 1px, at least the minimum wide', () => {
    const whole = rects(svg, 'whole');
    expect(whole).toHaveLength(reservations.length);
    whole.forEach((rect, i) => {
      const r = reservations[i]!;
      expect(Math.abs(Number(rect.x) - (left + (r.address / graph.memory.bytes) * barWidth))).toBeLessThan(1);
      expect(Number(rect.width)).toBeGreaterThanOrEqual(mapMetrics.minRangeWidth);
    });
  });

  it('zooms on the part in use, still to scale', () => {
    const zoom = rects(svg, 'zoom');
    expect(zoom).toHaveLength(reservations.length);
    const from = reservations[0]!.address;
    const to = Math.max(...reservations.map((r) => r.address + r.size));
    zoom.forEach((rect, i) => {
      const r = reservations[i]!;
      expect(Math.abs(Number(rect.x) - (left + ((r.address - from) / (to - from)) * barWidth))).toBeLessThan(1);
      expect(
        Math.abs(Number(rect.width) - Math.max(mapMetrics.minRangeWidth, (r.size / (to - from)) * barWidth)),
      ).toBeLessThan(1);
    });
    // A 12-byte range is wider than an 8-byte one in the zoom.
    const width = (owner: string): number => Number(zoom[reservations.findIndex((r) => r.owner === owner)]!.width);
    expect(width('libneed_a.so') / width('libneed_b.so')).toBeCloseTo(12 / 8, 1);
  });

  it('says owner, addresses and size on hover and in the list', () => {
    const a = reservations.find((r) => r.owner === 'libneed_a.so')!;
    const line = `libneed_a.so: 0x${a.address.toString(16).toUpperCase()}–0x${(a.address + a.size).toString(16).toUpperCase()} (${a.size} bytes)`;
    expect(svg).toContain(`<title>${line}</title>`);
    expect(svg).toContain(`>${line}</text>`);
  });

  it('words a library without data as the Link tab does: 0 bytes at its address, not "1 byte"', () => {
    const c = graph.libraries.find((lib) => lib.name === 'libneed_c.so')!;
    expect(c.memory.size).toBe(0);
    const reserved = reservations.find((r) => r.owner === 'libneed_c.so')!;
    expect(svg).toContain(
      `<title>libneed_c.so: 0 bytes at 0x${reserved.address.toString(16).toUpperCase()} (${reserved.size} byte kept so its address is its own)</title>`,
    );
    expect(svg).not.toMatch(/libneed_c\.so: 0x[0-9A-F]+–0x[0-9A-F]+ \(1 byte\)/);
  });

  it('colours a library as the dependency graph does', () => {
    const graphPicture = graphSvg(graph);
    for (const name of ['libneed_a.so', 'libneed_b.so']) {
      const node = elements(graphPicture.slice(graphPicture.indexOf(`data-library="${name}"`)), 'rect')[0]!;
      const range = rects(svg, 'whole')[reservations.findIndex((r) => r.owner === name)]!;
      expect([range.fill, range.stroke]).toEqual([node.fill, node.stroke]);
    }
  });
});

describe('the table map', () => {
  it('shows library ranges and PLT slots to scale, and lists libraries without one', () => {
    for (const graph of [localGroups(), cycle()]) {
      const svg = tableMapSvg(graph);
      expect(xmlProblems(svg)).toEqual([]);
      const ranges = [...graph.table.ranges].sort((a, b) => a.base - b.base);
      expect(ranges.length).toBeGreaterThan(0);
      expect(attributeValues(svg, 'data-owner')).toEqual(ranges.map((r) => r.owner));
      expect(rects(svg, 'whole')).toHaveLength(ranges.length);
      rects(svg, 'whole').forEach((rect, i) => {
        expect(Math.abs(Number(rect.x) - (left + (ranges[i]!.base / graph.table.length) * barWidth))).toBeLessThan(1);
      });
      for (const r of ranges)
        expect(svg).toContain(
          `<title>${r.owner}: slots ${r.base}–${r.base + r.size} (${r.size} slot${r.size === 1 ? '' : 's'})</title>`,
        );
    }
    expect(attributeValues(tableMapSvg(cycle()), 'data-owner')).toEqual(['libcycle_b.so (PLT)']);
    expect(tableMapSvg(localGroups())).toContain('libneed_a.so: no table range');
  });
});

describe('edge cases', () => {
  it('escapes hostile owners', () => {
    const graph = hostile();
    for (const svg of [memoryMapSvg(graph), tableMapSvg(graph)]) {
      expect(svg).not.toMatch(/<script/i);
      expect(xmlProblems(svg)).toEqual([]);
    }
    expect(attributeValues(memoryMapSvg(graph), 'data-owner')).toContain(hostileName);
  });

  it('draws maps with nothing reserved, or no memory at all', () => {
    const empty: LinkGraph = nothing;
    for (const svg of [memoryMapSvg(empty), tableMapSvg(empty), memoryMapSvg(hostOnly()), tableMapSvg(hostOnly())]) {
      expect(xmlProblems(svg)).toEqual([]);
      expect(svg).not.toContain('NaN');
      expect(svg).not.toContain('Infinity');
    }
    expect(memoryMapSvg(empty)).toContain('Nothing reserved.');
    expect(attributeValues(memoryMapSvg(hostOnly()), 'data-owner').every((o) => o.startsWith('host data '))).toBe(true);
  });

  it('keeps a zero-size range visible and in the list', () => {
    const graph: LinkGraph = {
      ...nothing,
      memory: {
        bytes: 65536,
        reservations: [
          { owner: 'libz.so', address: 4096, size: 0 },
          { owner: 'liby.so', address: 8192, size: 16 },
        ],
      },
    };
    const svg = memoryMapSvg(graph);
    const [z] = rects(svg, 'whole');
    expect(Number(z!.width)).toBe(mapMetrics.minRangeWidth);
    expect(Math.abs(Number(z!.x) - (left + (4096 / 65536) * barWidth))).toBeLessThan(1);
    expect(svg).toContain('libz.so: 0x1000–0x1000 (0 bytes)');
  });

  it('puts round ticks on the axes', () => {
    expect(tickValues(0, 0x100000, 'hex', 800)).toEqual([0, 0x40000, 0x80000, 0xc0000, 0x100000]);
    expect(tickValues(0x10400, 0x104c1, 'hex', 800)).toEqual([0x10400, 0x10440, 0x10480, 0x104c0]);
    expect(tickValues(0, 65, 'decimal', 800)).toEqual([0, 20, 40, 60, 65]);
    expect(tickValues(5, 5, 'decimal', 800)).toEqual([5]);
  });
});

describe('what unloading leaves on the maps', () => {
  const graph = neededChain('clang16');
  const [first] = [...graph.memory.reservations].sort((a, b) => a.address - b.address);
  const freed = [{ owner: 'libgone.so', address: first!.address + first!.size + 64, size: 48 }];
  // Two slots past what the chain uses, in a table grown for them.
  const quarantined = [{ owner: 'libgone.so', base: graph.table.length, size: 2 }];
  const grown: LinkGraph = { ...graph, table: { ...graph.table, length: graph.table.length + 2 } };

  it('draws freed memory apart from the reservations, dashed, with who had it, to scale', () => {
    const svg = memoryMapSvg(graph, freed);
    expect(xmlProblems(svg)).toEqual([]);
    // The reservations are as before: a freed range is no owner's.
    expect(attributeValues(svg, 'data-owner')).toEqual(attributeValues(memoryMapSvg(graph), 'data-owner'));
    expect(attributeValues(svg, 'data-former-owner')).toEqual(['libgone.so']);
    expect(attributeValues(svg, 'data-kind')).toEqual(['freed']);
    const [mark] = elements(svg, 'rect', { class: 'dl-mark-whole' });
    expect(mark?.['stroke-dasharray']).toBe('3 2');
    expect(Math.abs(Number(mark!.x) - (left + (freed[0]!.address / graph.memory.bytes) * barWidth))).toBeLessThan(1);
    expect(elements(svg, 'rect', { class: 'dl-mark-zoom' })).toHaveLength(1);
    expect(svg).toContain(`freed: 0x${freed[0]!.address.toString(16).toUpperCase()}–`);
    expect(svg).toContain('was libgone.so&#39;s (back to the allocator)');
    expect(svg).toContain('48 bytes freed by unloads');
  });

  it('draws quarantined table slots distinctly, and says they are reused only when the table would grow', () => {
    const svg = tableMapSvg(grown, quarantined);
    expect(xmlProblems(svg)).toEqual([]);
    expect(attributeValues(svg, 'data-kind')).toEqual(['quarantined']);
    expect(attributeValues(svg, 'data-former-owner')).toEqual(['libgone.so']);
    const [mark] = elements(svg, 'rect', { class: 'dl-mark-whole' });
    expect(mark?.stroke).toBe('#b3261e');
    expect(elements(svg, 'rect', { class: 'dl-range-whole' }).map((r) => r.stroke)).not.toContain('#b3261e');
    expect(svg).toContain(
      `quarantined: slots ${quarantined[0]!.base}–${quarantined[0]!.base + 2} (2 slots), were libgone.so&#39;s (null; reused only when the table would grow)`,
    );
    expect(svg).toContain('2 slots in quarantine');
    // Without unloads the maps are what they were.
    expect(tableMapSvg(grown, [])).toBe(tableMapSvg(grown));
  });
});
