/**
 * Where the dependency graph's nodes and edges go: layers by dependency depth (libraries
 * that need nothing at the bottom), load order left to right, deterministic, no layout library.
 */
import type { GraphLibrary } from '@dl/linker';

/** Node and spacing sizes, in SVG user units. */
export const graphMetrics = {
  nodeHeight: 46,
  minNodeWidth: 120,
  maxNodeWidth: 300,
  /** Width of one character of the monospace node label (13px) and detail line (11px). */
  charWidth: 7.8,
  detailCharWidth: 6.6,
  labelPadding: 28,
  columnGap: 36,
  rowGap: 72,
  /** Between the lines of one layer wrapped because it is wider than `maxRowWidth`. */
  wrapGap: 40,
  maxRowWidth: 980,
  margin: 24,
  /** Room on the right for edges that curve around (NEEDED cycles). */
  curveRoom: 64,
} as const;

/** One placed library. */
export interface PlacedNode {
  readonly lib: GraphLibrary;
  /** 0 for libraries that need nothing (already loaded): the bottom row. */
  readonly layer: number;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** The label, cut with `…` when the name is too long for the widest node. */
  readonly label: string;
  /** The second line: exports and data size. */
  readonly detail: string;
}

/** A point. */
export interface Point {
  readonly x: number;
  readonly y: number;
}

/** One NEEDED edge, with its path (`d`) from the needing library to the needed one. */
export interface PlacedEdge {
  readonly from: PlacedNode;
  readonly to: PlacedNode;
  /**
   * `down`: to a row below (a library loaded before: the usual case); `back`: up to a library
   * loaded later (a NEEDED cycle); `across`: within a row; `self`: a library needing itself.
   */
  readonly kind: 'down' | 'back' | 'across' | 'self';
  readonly path: string;
}

/** The whole layout: nodes by load order, edges in NEEDED order, and the drawing's size. */
export interface GraphLayout {
  readonly nodes: readonly PlacedNode[];
  readonly edges: readonly PlacedEdge[];
  readonly width: number;
  readonly height: number;
}

/** The second line of a node: what it exports and how much data it has. */
export function nodeDetail(lib: GraphLibrary): string {
  const parts = [`${lib.exports} export${lib.exports === 1 ? '' : 's'}`, `${lib.memory.size} B data`];
  if (lib.table.size > 0) parts.push(`${lib.table.size} slot${lib.table.size === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

/** The label of the node and its width: monospace, so the width is known without a DOM. */
function labelOf(lib: GraphLibrary): { label: string; detail: string; width: number } {
  const m = graphMetrics;
  const order = `#${lib.id} `.length;
  const maxChars = Math.floor((m.maxNodeWidth - m.labelPadding) / m.charWidth) - order;
  const label = lib.name.length > maxChars ? `${lib.name.slice(0, maxChars - 1)}…` : lib.name;
  const detail = nodeDetail(lib);
  const wanted = Math.max((label.length + order) * m.charWidth, detail.length * m.detailCharWidth) + m.labelPadding;
  const width = Math.min(m.maxNodeWidth, Math.max(m.minNodeWidth, Math.ceil(wanted)));
  return { label, detail, width };
}

/**
 * Depth of each library: 0 when it needs no library loaded before it, else one more than the
 * deepest such dependency. Load order is dependencies first, so a NEEDED library with a larger
 * id closes a cycle and does not count — the depth exists for every graph, cycles included.
 */
export function dependencyDepths(libraries: readonly GraphLibrary[]): Map<number, number> {
  const depth = new Map<number, number>();
  for (const lib of [...libraries].sort((a, b) => a.id - b.id)) {
    let d = 0;
    for (const id of lib.needed) {
      const below = id < lib.id ? depth.get(id) : undefined;
      if (below !== undefined) d = Math.max(d, below + 1);
    }
    depth.set(lib.id, d);
  }
  return depth;
}

/** Libraries per layer, bottom first; each row ordered by where its dependencies sit, then load order. */
function orderRows(libraries: readonly GraphLibrary[], depth: ReadonlyMap<number, number>): GraphLibrary[][] {
  const rows: GraphLibrary[][] = [];
  for (const lib of [...libraries].sort((a, b) => a.id - b.id)) {
    const layer = depth.get(lib.id) ?? 0;
    while (rows.length <= layer) rows.push([]);
    rows[layer]!.push(lib);
  }
  // Barycentre pass, bottom up: a row follows the mean relative position of what it needs below.
  const relative = new Map<number, number>();
  rows.forEach((row, layer) => {
    if (layer > 0) {
      const key = (lib: GraphLibrary): number => {
        const below = lib.needed.map((id) => relative.get(id)).filter((p): p is number => p !== undefined);
        return below.length === 0 ? 0.5 : below.reduce((sum, p) => sum + p, 0) / below.length;
      };
      const keys = new Map(row.map((lib) => [lib.id, key(lib)]));
      row.sort((a, b) => keys.get(a.id)! - keys.get(b.id)! || a.id - b.id);
    }
    row.forEach((lib, i) => relative.set(lib.id, (i + 0.5) / row.length));
  });
  return rows;
}

/** Splits a row into lines no wider than `limit` (a node wider than the limit gets a line of its own). */
function wrap<T extends { readonly width: number }>(row: readonly T[], limit: number, gap: number): T[][] {
  const lines: T[][] = [];
  let line: T[] = [];
  let width = 0;
  for (const node of row) {
    if (line.length > 0 && width + gap + node.width > limit) {
      lines.push(line);
      line = [];
      width = 0;
    }
    width += (line.length > 0 ? gap : 0) + node.width;
    line.push(node);
  }
  if (line.length > 0) lines.push(line);
  return lines;
}

type Side = 'top' | 'bottom';

/** Spreads the ends of the edges on each side of a node, ordered by the other end's position. */
function portsOf(
  edges: readonly { from: PlacedNode; to: PlacedNode; kind: PlacedEdge['kind'] }[],
): (edge: number, end: 'from' | 'to') => Point {
  const sides = new Map<string, { edge: number; end: 'from' | 'to'; other: PlacedNode }[]>();
  const sideOf = (kind: PlacedEdge['kind'], end: 'from' | 'to'): Side => {
    if (kind === 'across') return 'top';
    return (kind === 'down') === (end === 'from') ? 'bottom' : 'top';
  };
  edges.forEach((e, i) => {
    if (e.kind === 'self') return;
    for (const end of ['from', 'to'] as const) {
      const node = e[end];
      const key = `${node.lib.id}:${sideOf(e.kind, end)}`;
      const list = sides.get(key) ?? [];
      list.push({ edge: i, end, other: end === 'from' ? e.to : e.from });
      sides.set(key, list);
    }
  });
  const points = new Map<string, Point>();
  for (const [key, list] of sides) {
    // Down edges first, then edges that curve round to the right; each by where the other end is.
    const rank = (port: { edge: number }): number => (edges[port.edge]!.kind === 'down' ? 0 : 1);
    const centre = (node: PlacedNode): number => node.x + node.width / 2;
    list.sort(
      (a, b) =>
        rank(a) - rank(b) || centre(a.other) - centre(b.other) || a.other.lib.id - b.other.lib.id || a.edge - b.edge,
    );
    list.forEach((port, i) => {
      const e = edges[port.edge]!;
      const node = e[port.end];
      const x = node.x + (node.width * (i + 1)) / (list.length + 1);
      const y = key.endsWith('bottom') ? node.y + node.height : node.y;
      points.set(`${port.edge}:${port.end}`, { x, y });
    });
  }
  return (edge, end) => points.get(`${edge}:${end}`)!;
}

const r1 = (v: number): number => Math.round(v * 10) / 10;

function edgePath(kind: PlacedEdge['kind'], from: PlacedNode, start: Point, end: Point): string {
  if (kind === 'self') {
    const x = from.x + from.width;
    const y = from.y + from.height / 2;
    return `M ${r1(x)} ${r1(y - 10)} C ${r1(x + 44)} ${r1(y - 34)} ${r1(x + 44)} ${r1(y + 34)} ${r1(x + 2)} ${r1(y + 10)}`;
  }
  if (kind === 'down') {
    const bend = Math.max(24, (end.y - start.y) / 2);
    return `M ${r1(start.x)} ${r1(start.y)} C ${r1(start.x)} ${r1(start.y + bend)} ${r1(end.x)} ${r1(end.y - bend)} ${r1(end.x)} ${r1(end.y)}`;
  }
  if (kind === 'across') {
    const lift = Math.max(28, Math.abs(end.x - start.x) / 4);
    return `M ${r1(start.x)} ${r1(start.y)} C ${r1(start.x)} ${r1(start.y - lift)} ${r1(end.x)} ${r1(end.y - lift)} ${r1(end.x)} ${r1(end.y)}`;
  }
  // Back to a library loaded later: leave from the top, bulge right, come into the other's bottom.
  const out = graphMetrics.curveRoom * 0.8;
  const lift = 30;
  return `M ${r1(start.x)} ${r1(start.y)} C ${r1(start.x + out)} ${r1(start.y - lift)} ${r1(end.x + out)} ${r1(end.y + lift)} ${r1(end.x)} ${r1(end.y)}`;
}

/**
 * Lays `libraries` out; `top` is where the first row may start (below a legend), `minWidth`
 * the drawing's least width (the graph is centred in it).
 */
export function layoutGraph(libraries: readonly GraphLibrary[], top: number, minWidth = 0): GraphLayout {
  const m = graphMetrics;
  const depth = dependencyDepths(libraries);
  const rows = orderRows(libraries, depth);
  const sized = rows.map((row) => row.map((lib) => ({ lib, ...labelOf(lib) })));
  const rowWidth = (row: readonly { width: number }[]): number =>
    row.reduce((w, n) => w + n.width, 0) + Math.max(0, row.length - 1) * m.columnGap;
  // A layer wider than the limit wraps onto several lines (the first on top), in its order.
  const lines = sized.flatMap((row, layer) => wrap(row, m.maxRowWidth, m.columnGap).map((line) => ({ layer, line })));
  lines.sort((a, b) => b.layer - a.layer); // top layer first; within a layer, first line first (stable)
  const needed = Math.max(0, ...lines.map((l) => rowWidth(l.line)));
  const inner = Math.max(needed, minWidth - 2 * m.margin - m.curveRoom);
  const nodes: PlacedNode[] = [];
  let y = top;
  lines.forEach(({ layer, line }, i) => {
    if (i > 0) y += m.nodeHeight + (lines[i - 1]!.layer === layer ? m.wrapGap : m.rowGap);
    let x = m.margin + (inner - rowWidth(line)) / 2;
    for (const n of line) {
      nodes.push({
        lib: n.lib,
        layer,
        x: r1(x),
        y,
        width: n.width,
        height: m.nodeHeight,
        label: n.label,
        detail: n.detail,
      });
      x += n.width + m.columnGap;
    }
  });
  nodes.sort((a, b) => a.lib.id - b.lib.id);
  const byId = new Map(nodes.map((n) => [n.lib.id, n]));
  const raw = nodes.flatMap((from) =>
    from.lib.needed.flatMap((id) => {
      const to = byId.get(id);
      if (to === undefined) return [];
      const kind: PlacedEdge['kind'] =
        to === from ? 'self' : to.y > from.y ? 'down' : to.y < from.y ? 'back' : 'across';
      return [{ from, to, kind }];
    }),
  );
  const port = portsOf(raw);
  const edges = raw.map((e, i) => ({ ...e, path: edgePath(e.kind, e.from, port(i, 'from'), port(i, 'to')) }));
  const height = lines.length === 0 ? top : y + m.nodeHeight + m.margin;
  return { nodes, edges, width: inner + 2 * m.margin + m.curveRoom, height };
}
