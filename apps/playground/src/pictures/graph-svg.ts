/** The dependency graph: libraries as nodes, NEEDED as arrows, scopes as colours, load order as `#id`. */
import type { GraphLibrary, LinkGraph } from '@dl/linker';
import { byteRange, hex, plural, slotRange } from './format.js';
import { graphMetrics, layoutGraph } from './layout.js';
import type { PlacedEdge, PlacedNode } from './layout.js';
import { element, monospace, svgRoot, svgTitle, text } from './markup.js';
import { pictureColours } from './palette.js';
import type { LegendEntry, PictureColours } from './palette.js';

/** Edge colours: NEEDED to a library loaded before, and back to one loaded later (cycles). */
export const edgeColours = { down: '#55606b', back: '#b33a5c' } as const;

const legendRow = 22;
const legendCharWidth = 6.8;

function arrowMarker(id: string, colour: string): string {
  return element(
    'marker',
    {
      id,
      viewBox: '0 0 10 10',
      refX: 9,
      refY: 5,
      markerWidth: 7,
      markerHeight: 7,
      orient: 'auto-start-reverse',
      markerUnits: 'strokeWidth',
    },
    element('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: colour }),
  );
}

/** The library's scope in words. */
export function scopeText(lib: GraphLibrary): string {
  if (lib.group !== null) return `RTLD_LOCAL group #${lib.group}${lib.global ? ', also global' : ''}`;
  return lib.global ? 'global scope' : 'no scope';
}

function nodeTitle(lib: GraphLibrary, graph: LinkGraph): string[] {
  const names = new Map(graph.libraries.map((l) => [l.id, l.name]));
  const needed = lib.needed.map((id) => names.get(id) ?? `#${id}`);
  const scopes = graph.scopes.filter((s) => s.members.includes(lib.name)).map((s) => `#${s.id} (${s.kind})`);
  const bound = Object.keys(lib.bindings).length;
  const unbound = lib.lazy.filter((l) => !l.bound).length;
  return [
    `${lib.name} — #${lib.id} in load order`,
    `scope: ${scopeText(lib)}${scopes.length > 0 ? `; member of scopes ${scopes.join(', ')}` : ''}`,
    `needs: ${needed.length === 0 ? 'nothing' : needed.join(', ')}`,
    `data: ${lib.memory.size === 0 ? 'none' : byteRange(lib.memory.base, lib.memory.size)}`,
    `table: ${lib.table.size === 0 ? 'none' : slotRange(lib.table.base, lib.table.size)}`,
    `TLS: ${lib.tlsBase === null ? 'none' : hex(lib.tlsBase)}`,
    `exports: ${lib.exports}; imports bound: ${bound}; lazy (PLT): ${lib.lazy.length}${unbound > 0 ? `, ${unbound} not bound yet` : ''}`,
    `references: ${lib.refcount}${lib.nodelete ? ' (NODELETE)' : ''}`,
    ...(lib.location === null ? [] : [`location: ${lib.location}`]),
  ];
}

function nodeSvg(node: PlacedNode, graph: LinkGraph, colours: PictureColours): string {
  const { lib } = node;
  const swatch = colours.library(lib);
  const promoted = lib.group !== null && lib.global;
  return element(
    'g',
    {
      class: 'dl-node',
      'data-library': lib.name,
      'data-id': lib.id,
      'data-layer': node.layer,
      'data-scope': lib.group !== null ? `local-${lib.group}` : lib.global ? 'global' : 'none',
    },
    svgTitle(nodeTitle(lib, graph)),
    element('rect', {
      x: node.x,
      y: node.y,
      width: node.width,
      height: node.height,
      rx: 8,
      fill: swatch.fill,
      stroke: swatch.stroke,
      'stroke-width': promoted ? 2.5 : 1.5,
      'stroke-dasharray': promoted ? '6 3' : undefined,
    }),
    element(
      'text',
      { x: node.x + 12, y: node.y + 19, 'font-size': 13, fill: '#1d232a' },
      element('tspan', { class: 'dl-node-order', 'font-weight': 700 }, text(`#${lib.id}`)),
      text(` ${node.label}`),
    ),
    element(
      'text',
      { class: 'dl-node-detail', x: node.x + 12, y: node.y + 36, 'font-size': 11, fill: '#4a5561' },
      text(node.detail),
    ),
  );
}

function edgeSvg(edge: PlacedEdge): string {
  const from = edge.from.lib.name;
  const to = edge.to.lib.name;
  const normal = edge.kind === 'down';
  const colour = normal ? edgeColours.down : edgeColours.back;
  const why = normal ? '' : edge.kind === 'self' ? ' (itself)' : ' (loaded after it: a NEEDED cycle)';
  return element(
    'g',
    { class: `dl-edge dl-edge-${edge.kind}`, 'data-edge': `${from}->${to}` },
    svgTitle([`${from} needs ${to}${why}`]),
    element('path', {
      d: edge.path,
      fill: 'none',
      stroke: colour,
      'stroke-width': 1.6,
      'stroke-dasharray': normal ? undefined : '5 3',
      'marker-end': `url(#${normal ? 'dl-arrow' : 'dl-arrow-back'})`,
    }),
  );
}

interface LegendItem {
  readonly width: number;
  readonly draw: (x: number, y: number) => string;
}

function swatchItem(entry: LegendEntry): LegendItem {
  return {
    width: 22 + entry.label.length * legendCharWidth + 18,
    draw: (x, y) =>
      element(
        'g',
        { class: 'dl-legend-item' },
        element('rect', {
          x,
          y: y - 11,
          width: 14,
          height: 14,
          rx: 3,
          fill: entry.swatch.fill,
          stroke: entry.swatch.stroke,
        }),
        element('text', { x: x + 20, y, fill: '#1d232a' }, text(entry.label)),
      ),
  };
}

function arrowItem(label: string, colour: string, marker: string, dashed: boolean): LegendItem {
  return {
    width: 36 + label.length * legendCharWidth + 18,
    draw: (x, y) =>
      element(
        'g',
        { class: 'dl-legend-item' },
        element('path', {
          d: `M ${x} ${y - 4} L ${x + 26} ${y - 4}`,
          stroke: colour,
          'stroke-width': 1.6,
          'stroke-dasharray': dashed ? '5 3' : undefined,
          'marker-end': `url(#${marker})`,
        }),
        element('text', { x: x + 34, y, fill: '#1d232a' }, text(label)),
      ),
  };
}

function noteItem(note: string): LegendItem {
  return {
    width: note.length * legendCharWidth,
    draw: (x, y) => element('text', { x, y, fill: '#4a5561' }, text(note)),
  };
}

/** The legend, wrapped into rows no wider than `width`; returns its markup and height. */
function legendSvg(items: readonly LegendItem[], width: number): { svg: string; height: number } {
  const parts: string[] = [];
  let x: number = graphMetrics.margin;
  let y: number = graphMetrics.margin;
  for (const item of items) {
    if (x > graphMetrics.margin && x + item.width > width - graphMetrics.margin) {
      x = graphMetrics.margin;
      y += legendRow;
    }
    parts.push(item.draw(x, y));
    x += item.width;
  }
  return { svg: element('g', { class: 'dl-legend' }, ...parts), height: y + 8 };
}

/**
 * The dependency graph of `graph` as a standalone SVG string. Rows by dependency depth
 * (libraries needing nothing at the bottom), `#id` = load order, fill = scope, dashed arrows
 * = NEEDED edges back to a library loaded later (cycles). Nodes carry `data-library`, edges
 * `data-edge="from->to"`, and both a `<title>` for hover text.
 */
export function graphSvg(graph: LinkGraph): string {
  const colours = pictureColours(graph);
  const probe = layoutGraph(graph.libraries, 0);
  const hasBack = probe.edges.some((e) => e.kind !== 'down');
  const items = [
    ...colours.legend.map(swatchItem),
    ...(graph.libraries.some((l) => l.global && l.group !== null)
      ? [
          swatchItem({
            label: 'dashed border: local, promoted to global',
            swatch: { fill: '#ffffff', stroke: '#55606b' },
          }),
        ]
      : []),
    arrowItem('needs (NEEDED)', edgeColours.down, 'dl-arrow', false),
    ...(hasBack ? [arrowItem('needs a library loaded later (cycle)', edgeColours.back, 'dl-arrow-back', true)] : []),
    noteItem('#n = load order · bottom row needs nothing'),
  ];
  const width = Math.max(probe.width, 520);
  const legend = legendSvg(items, width);
  const layout = layoutGraph(graph.libraries, legend.height + 40, width);
  const label = `Dependency graph: ${plural(graph.libraries.length, 'library', 'libraries')}, ${plural(layout.edges.length, 'NEEDED edge')}`;
  const empty =
    graph.libraries.length === 0
      ? element(
          'text',
          { class: 'dl-empty', x: graphMetrics.margin, y: legend.height + 40, fill: '#4a5561' },
          text('No libraries loaded.'),
        )
      : '';
  return svgRoot(
    'dl-graph',
    width,
    Math.max(layout.height, legend.height + 64),
    label,
    element('defs', {}, arrowMarker('dl-arrow', edgeColours.down), arrowMarker('dl-arrow-back', edgeColours.back)),
    legend.svg,
    element('g', { class: 'dl-edges' }, ...layout.edges.map(edgeSvg)),
    element(
      'g',
      { class: 'dl-nodes', 'font-family': monospace },
      ...layout.nodes.map((n) => nodeSvg(n, graph, colours)),
    ),
    empty,
  );
}
