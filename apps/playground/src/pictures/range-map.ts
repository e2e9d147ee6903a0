/**
 * A to-scale map of ranges on a line (linear memory, the function table): the whole space,
 * a zoom on the part in use when it is small, address ticks, and a readable list below.
 */
import { element, monospace, svgRoot, svgTitle, text } from './markup.js';
import type { Swatch } from './palette.js';

/** One range of the map. */
export interface MapRange {
  readonly owner: string;
  readonly start: number;
  readonly size: number;
}

/**
 * What unloading left on the map, drawn apart from the ranges in use: memory given back
 * (`freed`), table slots set to null and held back (`quarantined`). `owner` is who had it.
 */
export interface MapMark extends MapRange {
  readonly kind: 'freed' | 'quarantined';
}

/** What a map shows and how it names positions. */
export interface RangeMapSpec {
  /** `dl-memory-map`, `dl-table-map`. */
  readonly className: string;
  /** The first line, e.g. `Linear memory: 1 MiB`. */
  readonly heading: string;
  /** The size of the whole space (bytes, slots). */
  readonly total: number;
  readonly ranges: readonly MapRange[];
  /** A position as the axis shows it (hex address, slot number). */
  readonly position: (value: number) => string;
  /** Round numbers for ticks: powers of two in hex (addresses) or 1-2-5 in decimal (slots). */
  readonly radix: 'hex' | 'decimal';
  /** The hover text and list text of a range, e.g. `libx.so: 0x10400–0x1040C (12 bytes)`. */
  readonly describe: (range: MapRange) => string;
  readonly colour: (owner: string) => Swatch;
  /** Extra list lines for owners with nothing on the map (zero-size libraries). */
  readonly notes: readonly string[];
  /** What unloads left (after the ranges in the list), and its list text. */
  readonly marks?: readonly MapMark[];
  readonly describeMark?: (mark: MapMark) => string;
}

/** How marks look: dashed outlines, white for freed memory, red for quarantined slots. */
export const markSwatches: Readonly<Record<MapMark['kind'], { fill: string; stroke: string }>> = {
  freed: { fill: '#ffffff', stroke: '#5b6570' },
  quarantined: { fill: '#fbd9d5', stroke: '#b3261e' },
};

/** Geometry of the maps, in SVG user units. */
export const mapMetrics = {
  width: 880,
  margin: 24,
  barHeight: 28,
  /** Smallest drawn width of a range, so a 1-byte range is still seen (its position stays to scale). */
  minRangeWidth: 2,
  /** At most this many intervals between round ticks. */
  tickCount: 4,
  listRow: 18,
  /** Zoom on the used part when it covers less than this share of the whole. */
  zoomBelow: 0.5,
} as const;

/** A to-scale axis: `x(value)` for values in `[from, to]` over `[left, left + width]`. */
export interface Scale {
  readonly from: number;
  readonly to: number;
  readonly x: (value: number) => number;
}

const r2 = (v: number): number => Math.round(v * 100) / 100;

/** The scale of `[from, to]` on a bar of `width` starting at `left` (a zero span maps to `left`). */
export function scaleOf(from: number, to: number, left: number, width: number): Scale {
  const span = to - from;
  return { from, to, x: (value) => r2(span > 0 ? left + ((value - from) / span) * width : left) };
}

/** The part in use: from the lowest start to the highest end (at least one unit wide). */
export function usedExtent(ranges: readonly MapRange[]): { from: number; to: number } | null {
  if (ranges.length === 0) return null;
  const from = Math.min(...ranges.map((r) => r.start));
  const to = Math.max(...ranges.map((r) => r.start + r.size));
  return { from, to: Math.max(to, from + 1) };
}

/** The smallest step of `steps` (1, 2, 4, 8 × 16^k for hex; 1, 2, 5 × 10^k for decimal) giving at most `count` intervals. */
export function tickStep(span: number, count: number, radix: 'hex' | 'decimal'): number {
  const [factors, base] = radix === 'hex' ? [[1, 2, 4, 8], 16] : [[1, 2, 5], 10];
  for (let power = 1; power < Number.MAX_SAFE_INTEGER; power *= base) {
    for (const f of factors) if (span / (f * power) <= count) return f * power;
  }
  return Math.max(1, span);
}

/** Tick values: multiples of a round step inside `[from, to]`, and `to` itself when it has room. */
export function tickValues(from: number, to: number, radix: 'hex' | 'decimal', width: number): number[] {
  if (to <= from) return [from];
  const step = tickStep(to - from, mapMetrics.tickCount, radix);
  const values: number[] = [];
  for (let v = Math.ceil(from / step) * step; v <= to; v += step) values.push(v);
  const room = ((to - (values.at(-1) ?? from)) / (to - from)) * width;
  if (values.at(-1) !== to && room >= 60) values.push(to);
  if (values[0] !== from && (((values[0] ?? to) - from) / (to - from)) * width >= 60) values.unshift(from);
  return values;
}

function axis(scale: Scale, y: number, spec: RangeMapSpec, view: string, width: number): string {
  const ticks: string[] = [];
  const values = tickValues(scale.from, scale.to, spec.radix, width);
  values.forEach((value) => {
    const x = scale.x(value);
    const anchor = x - scale.x(scale.from) < 30 ? 'start' : scale.x(scale.to) - x < 30 ? 'end' : 'middle';
    ticks.push(
      element('line', { x1: x, y1: y, x2: x, y2: y + 5, stroke: '#8a949e' }),
      element(
        'text',
        { x, y: y + 17, 'text-anchor': anchor, 'font-size': 10, fill: '#4a5561' },
        text(spec.position(value)),
      ),
    );
  });
  return element('g', { class: 'dl-axis', 'data-view': view, 'font-family': monospace }, ...ticks);
}

function bar(scale: Scale, left: number, y: number, width: number, view: string): string {
  return element('rect', {
    class: 'dl-bar',
    'data-view': view,
    x: left,
    y,
    width,
    height: mapMetrics.barHeight,
    fill: '#f4f6f8',
    stroke: '#8a949e',
  });
}

/** The rectangle of one range on one bar: position to scale, width at least the minimum. */
function rangeRect(range: MapRange, scale: Scale, y: number, view: string, swatch: Swatch): string {
  const x = scale.x(range.start);
  const width = Math.max(mapMetrics.minRangeWidth, r2(scale.x(range.start + range.size) - x));
  return element('rect', {
    class: `dl-range-${view}`,
    'data-view': view,
    x,
    y,
    width,
    height: mapMetrics.barHeight,
    fill: swatch.fill,
    stroke: swatch.stroke,
    'stroke-width': 1,
  });
}

/** The rectangle of one mark on one bar: to scale, dashed. */
function markRect(mark: MapMark, scale: Scale, y: number, view: string): string {
  const x = scale.x(mark.start);
  const swatch = markSwatches[mark.kind];
  return element('rect', {
    class: `dl-mark-${view}`,
    'data-view': view,
    x,
    y: y + 3,
    width: Math.max(mapMetrics.minRangeWidth, r2(scale.x(mark.start + mark.size) - x)),
    height: mapMetrics.barHeight - 6,
    fill: swatch.fill,
    stroke: swatch.stroke,
    'stroke-width': 1.5,
    'stroke-dasharray': '3 2',
  });
}

/** The marks, each a group with `data-kind` and `data-former-owner`, its rectangles and its list line. */
function markGroups(
  spec: RangeMapSpec,
  whole: Scale,
  zoom: Scale | null,
  ys: { whole: number; zoom: number; list: number },
): string[] {
  const marks = spec.marks ?? [];
  return marks.map((mark, i) => {
    const description = spec.describeMark?.(mark) ?? `${mark.kind}: ${mark.owner}`;
    const y = ys.list + (spec.ranges.length + i) * mapMetrics.listRow;
    const swatch = markSwatches[mark.kind];
    return element(
      'g',
      {
        class: `dl-mark dl-${mark.kind}`,
        'data-kind': mark.kind,
        'data-former-owner': mark.owner,
        'data-start': mark.start,
        'data-size': mark.size,
      },
      svgTitle([description]),
      markRect(mark, whole, ys.whole, 'whole'),
      zoom === null ? '' : markRect(mark, zoom, ys.zoom, 'zoom'),
      element('rect', {
        class: 'dl-range-swatch',
        x: mapMetrics.margin,
        y: y - 10,
        width: 12,
        height: 12,
        rx: 2,
        fill: swatch.fill,
        stroke: swatch.stroke,
        'stroke-dasharray': '3 2',
      }),
      element(
        'text',
        { class: 'dl-range-text', x: mapMetrics.margin + 18, y, 'font-size': 11, fill: '#1d232a' },
        text(description),
      ),
    );
  });
}

/** The zoom bar under the whole one: the guide widening the used part into it, the bar, its caption. */
function zoomParts(spec: RangeMapSpec, whole: Scale, zoom: Scale, ys: { whole: number; zoom: number }): string[] {
  const m = mapMetrics;
  const left = m.margin;
  const barWidth = m.width - 2 * m.margin;
  const from = whole.x(zoom.from);
  const to = Math.max(whole.x(zoom.to), from + m.minRangeWidth);
  return [
    element('path', {
      class: 'dl-zoom-guide',
      d: `M ${from} ${ys.whole + m.barHeight} L ${to} ${ys.whole + m.barHeight} L ${left + barWidth} ${ys.zoom} L ${left} ${ys.zoom} z`,
      fill: '#e8edf2',
      'fill-opacity': 0.7,
      stroke: '#b7c0c9',
      'stroke-dasharray': '3 3',
    }),
    bar(zoom, left, ys.zoom, barWidth, 'zoom'),
    element(
      'text',
      { x: left + barWidth, y: ys.whole + m.barHeight + 34, 'text-anchor': 'end', 'font-size': 10, fill: '#4a5561' },
      text(`below: ${spec.position(zoom.from)}–${spec.position(zoom.to)}, the part in use, to scale`),
    ),
  ];
}

/** Each range: its rectangles on the bars and its line in the list. */
function rangeGroups(
  spec: RangeMapSpec,
  whole: Scale,
  zoom: Scale | null,
  ys: { whole: number; zoom: number; list: number },
): string[] {
  return spec.ranges.map((range, i) => {
    const swatch = spec.colour(range.owner);
    const y = ys.list + i * mapMetrics.listRow;
    const description = spec.describe(range);
    return element(
      'g',
      { class: 'dl-range', 'data-owner': range.owner, 'data-start': range.start, 'data-size': range.size },
      svgTitle([description]),
      rangeRect(range, whole, ys.whole, 'whole', swatch),
      zoom === null ? '' : rangeRect(range, zoom, ys.zoom, 'zoom', swatch),
      element('rect', {
        class: 'dl-range-swatch',
        x: mapMetrics.margin,
        y: y - 10,
        width: 12,
        height: 12,
        rx: 2,
        fill: swatch.fill,
        stroke: swatch.stroke,
      }),
      element(
        'text',
        { class: 'dl-range-text', x: mapMetrics.margin + 18, y, 'font-size': 11, fill: '#1d232a' },
        text(description),
      ),
    );
  });
}

/** The notes under the list, or "Nothing reserved." for an empty map. */
function noteTexts(spec: RangeMapSpec, listTop: number): string[] {
  const marks = spec.marks ?? [];
  const left = mapMetrics.margin;
  const notes = spec.notes.map((note, i) =>
    element(
      'text',
      {
        class: 'dl-map-note',
        x: left + 18,
        y: listTop + (spec.ranges.length + marks.length + i) * mapMetrics.listRow,
        'font-size': 11,
        fill: '#6b7580',
      },
      text(note),
    ),
  );
  if (spec.ranges.length === 0 && spec.notes.length === 0 && marks.length === 0) {
    notes.push(
      element('text', { class: 'dl-map-note', x: left, y: listTop, fill: '#6b7580' }, text('Nothing reserved.')),
    );
  }
  return notes;
}

/** The map as a standalone SVG string. */
export function rangeMapSvg(spec: RangeMapSpec): string {
  const m = mapMetrics;
  const left = m.margin;
  const barWidth = m.width - 2 * m.margin;
  const whole = scaleOf(0, spec.total, left, barWidth);
  const marks = spec.marks ?? [];
  const extent = usedExtent([...spec.ranges, ...marks]);
  const zoomed = extent !== null && spec.total > 0 && (extent.to - extent.from) / spec.total < m.zoomBelow;
  const wholeY = 34;
  const zoomY = wholeY + m.barHeight + 64;
  const zoom = zoomed ? scaleOf(extent.from, extent.to, left, barWidth) : null;
  const listTop = (zoom === null ? wholeY : zoomY) + m.barHeight + 56;
  const parts: string[] = [
    element(
      'text',
      { class: 'dl-map-heading', x: left, y: 20, 'font-weight': 600, fill: '#1d232a' },
      text(spec.heading),
    ),
    bar(whole, left, wholeY, barWidth, 'whole'),
  ];
  if (zoom !== null) parts.push(...zoomParts(spec, whole, zoom, { whole: wholeY, zoom: zoomY }));
  const ranges = rangeGroups(spec, whole, zoom, { whole: wholeY, zoom: zoomY, list: listTop });
  const marked = markGroups(spec, whole, zoom, { whole: wholeY, zoom: zoomY, list: listTop });
  const notes = noteTexts(spec, listTop);
  const rows = Math.max(1, spec.ranges.length + marks.length + spec.notes.length);
  return svgRoot(
    spec.className,
    m.width,
    listTop + rows * m.listRow + 4,
    spec.heading,
    ...parts,
    axis(whole, wholeY + m.barHeight, spec, 'whole', barWidth),
    zoom === null ? '' : axis(zoom, zoomY + m.barHeight, spec, 'zoom', barWidth),
    element(
      'text',
      { x: left, y: listTop - 18, 'font-size': 11, fill: '#4a5561' },
      text('Ranges are [start, end): start included, end excluded.'),
    ),
    element('g', { class: 'dl-ranges', 'font-family': monospace }, ...ranges),
    marked.length === 0 ? '' : element('g', { class: 'dl-marks', 'font-family': monospace }, ...marked),
    element('g', { class: 'dl-map-notes', 'font-family': monospace }, ...notes),
  );
}
