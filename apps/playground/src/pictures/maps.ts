/** The memory map and the table map of a link graph: ranges per owner, to scale. */
import type { LinkGraph } from '@dl/linker';
import { byteRange, hex, plural, sizeText, slotRange } from './format.js';
import { pictureColours } from './palette.js';
import type { MapMark, MapRange } from './range-map.js';
import { rangeMapSvg } from './range-map.js';

/** Memory an unload gave back: who had it. */
export interface FreedMemory {
  readonly owner: string;
  readonly address: number;
  readonly size: number;
}

/** Table slots in quarantine after an unload: whose they were. */
export interface QuarantinedSlots {
  readonly owner: string;
  readonly base: number;
  readonly size: number;
}

/** Whether `owner` names `library` (`libx.so`, `libx.so (PLT)`, `libx.so TLS`). */
function ownedBy(owner: string, library: string): boolean {
  return owner === library || owner.startsWith(`${library} `);
}

/** Libraries with nothing in `ranges`, as list notes. */
function withoutRanges(graph: LinkGraph, ranges: readonly MapRange[], what: string): string[] {
  return graph.libraries
    .filter((lib) => !ranges.some((r) => ownedBy(r.owner, lib.name)))
    .map((lib) => `${lib.name}: ${what}`);
}

/**
 * A reservation's text. A library with no data (`memory.size` 0) still gets a reservation of
 * one byte, so that its address is its own: it reads `0 bytes at 0x…`, as the Link tab says.
 */
function describeMemory(graph: LinkGraph, range: MapRange): string {
  const library = graph.libraries.find((lib) => lib.name === range.owner);
  if (library?.memory.size === 0)
    return `${range.owner}: 0 bytes at ${hex(range.start)} (${plural(range.size, 'byte')} kept so its address is its own)`;
  return `${range.owner}: ${byteRange(range.start, range.size)}`;
}

/** Libraries without a reservation: no data, or a main module's data, which the program placed. */
function memoryNotes(graph: LinkGraph, ranges: readonly MapRange[]): string[] {
  return graph.libraries
    .filter((lib) => !ranges.some((r) => ownedBy(r.owner, lib.name)))
    .map((lib) =>
      lib.memory.size === 0
        ? `${lib.name}: 0 bytes (no data)`
        : `${lib.name}: ${byteRange(lib.memory.base, lib.memory.size)}, placed by the program (not a linker reservation)`,
    );
}

/**
 * Linear memory to scale (`graph.memory.bytes`): each reservation a coloured range with
 * `data-owner` and the hover text `owner: 0xADDR–0xEND (N bytes)`; a zoom on the part in use
 * when it is small; a list below for tiny and zero-size owners.
 */
export function memoryMapSvg(graph: LinkGraph, freed: readonly FreedMemory[] = []): string {
  const colours = pictureColours(graph);
  const ranges = [...graph.memory.reservations]
    .sort((a, b) => a.address - b.address || a.owner.localeCompare(b.owner))
    .map((r) => ({ owner: r.owner, start: r.address, size: r.size }));
  const reserved = ranges.reduce((sum, r) => sum + r.size, 0);
  const marks: MapMark[] = freed.map((f) => ({ kind: 'freed', owner: f.owner, start: f.address, size: f.size }));
  const given = marks.reduce((sum, f) => sum + f.size, 0);
  return rangeMapSvg({
    className: 'dl-memory-map',
    heading: `Linear memory: ${sizeText(graph.memory.bytes)} (${hex(graph.memory.bytes)}), ${plural(ranges.length, 'reservation')}, ${plural(reserved, 'byte')} reserved${marks.length === 0 ? '' : `, ${plural(given, 'byte')} freed by unloads`}`,
    total: graph.memory.bytes,
    ranges,
    position: hex,
    radix: 'hex',
    describe: (r) => describeMemory(graph, r),
    colour: colours.owner,
    notes: memoryNotes(graph, ranges),
    marks,
    describeMark: (f) => `freed: ${byteRange(f.start, f.size)}, was ${f.owner}'s (back to the allocator)`,
  });
}

/**
 * The function table to scale (`graph.table.length` slots): each range with `data-owner` and
 * hover text `owner: slots A–B (N slots)`; slots outside every range are the shared function
 * slots handed out on demand (`&f`) and slot 0 (null).
 */
export function tableMapSvg(graph: LinkGraph, quarantined: readonly QuarantinedSlots[] = []): string {
  const colours = pictureColours(graph);
  const ranges = [...graph.table.ranges]
    .sort((a, b) => a.base - b.base || a.owner.localeCompare(b.owner))
    .map((r) => ({ owner: r.owner, start: r.base, size: r.size }));
  const used = ranges.reduce((sum, r) => sum + r.size, 0);
  const marks: MapMark[] = quarantined.map((q) => ({
    kind: 'quarantined',
    owner: q.owner,
    start: q.base,
    size: q.size,
  }));
  const held = marks.reduce((sum, q) => sum + q.size, 0);
  return rangeMapSvg({
    className: 'dl-table-map',
    heading: `Function table: ${plural(graph.table.length, 'slot')}, ${plural(ranges.length, 'range')}, ${plural(used, 'slot')} in ranges${marks.length === 0 ? '' : `, ${plural(held, 'slot')} in quarantine`}`,
    total: graph.table.length,
    ranges,
    position: String,
    radix: 'decimal',
    describe: (r) => `${r.owner}: ${slotRange(r.start, r.size)}`,
    colour: colours.owner,
    notes: withoutRanges(graph, ranges, 'no table range'),
    marks,
    describeMark: (q) =>
      `quarantined: ${slotRange(q.start, q.size)}, were ${q.owner}'s (null; reused only when the table would grow)`,
  });
}
