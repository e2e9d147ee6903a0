/** Scope colours as data, and the colour of each library and each memory/table owner. */
import type { GraphLibrary, LinkGraph } from '@dl/linker';

/** A colour family: a hue in a few light shades (fills under dark text) and a darker stroke. */
export interface ColourFamily {
  readonly name: string;
  readonly shades: readonly string[];
  readonly stroke: string;
}

/** The global scope's family. */
export const globalFamily: ColourFamily = {
  name: 'blue',
  shades: ['#bcd7f5', '#9cc3ee', '#d7e7f9'],
  stroke: '#2f6db5',
};

/** RTLD_LOCAL groups take these in the order the graph lists its scopes, cycling. */
export const localFamilies: readonly ColourFamily[] = [
  { name: 'orange', shades: ['#fbd3a8', '#f8bc7f', '#fde4c8'], stroke: '#c0660e' },
  { name: 'green', shades: ['#c3e8bd', '#a3da9a', '#dcf2d8'], stroke: '#3d8a31' },
  { name: 'purple', shades: ['#ddd0f2', '#c8b4ea', '#ece4f8'], stroke: '#6b4aa8' },
  { name: 'teal', shades: ['#b8e6e3', '#94d8d3', '#d5f0ee'], stroke: '#22837b' },
  { name: 'rose', shades: ['#f6c6d3', '#f0a8bc', '#fadbe4'], stroke: '#b33a5c' },
  { name: 'olive', shades: ['#e4e6b0', '#d4d78c', '#eff0cf'], stroke: '#7f8124' },
];

/** Libraries in no scope (not global, no group), and unknown owners. */
export const unscopedFamily: ColourFamily = {
  name: 'grey',
  shades: ['#e2e2e2', '#d0d0d0', '#eeeeee'],
  stroke: '#777777',
};

/** The program (JS host or main) when it owns memory or table slots. */
export const hostFamily: ColourFamily = { name: 'slate', shades: ['#cfd6de', '#bcc5cf', '#e1e6eb'], stroke: '#4c5a69' };

/** A fill and its stroke. */
export interface Swatch {
  readonly fill: string;
  readonly stroke: string;
}

/** One legend entry: a scope (or the program) and its colour. */
export interface LegendEntry {
  readonly label: string;
  readonly swatch: Swatch;
}

/** The colours of one graph: per scope, per library, per owner. */
export interface PictureColours {
  readonly library: (lib: GraphLibrary) => Swatch;
  /** `libx.so`, `libx.so (PLT)`, `libx.so TLS`, `host data main_counter`… */
  readonly owner: (owner: string) => Swatch;
  /** The scopes that have libraries, global first, then local groups in the graph's order. */
  readonly legend: readonly LegendEntry[];
}

const base = (family: ColourFamily): Swatch => ({ fill: family.shades[0] ?? '#ffffff', stroke: family.stroke });

/** Names of the program as providers and owners (JS host, or a main module's graph name). */
export function isProgramOwner(owner: string): boolean {
  return owner === 'host' || owner.startsWith('host ') || owner === 'main' || owner.startsWith('main ');
}

function familyOf(lib: GraphLibrary, groupFamilies: ReadonlyMap<number, ColourFamily>): ColourFamily {
  if (lib.group !== null) return groupFamilies.get(lib.group) ?? unscopedFamily;
  return lib.global ? globalFamily : unscopedFamily;
}

/** Colours for `graph`: a hue per scope; libraries of one scope alternate its shades in load order. */
export function pictureColours(graph: LinkGraph): PictureColours {
  const groupFamilies = new Map<number, ColourFamily>();
  let nextLocal = 0;
  for (const scope of graph.scopes) {
    if (scope.kind === 'global') continue;
    groupFamilies.set(scope.id, localFamilies[nextLocal % localFamilies.length]!);
    nextLocal++;
  }
  const byId = new Map<number, Swatch>();
  const byName = new Map<string, Swatch>();
  const usedPerFamily = new Map<ColourFamily, number>();
  for (const lib of [...graph.libraries].sort((a, b) => a.id - b.id)) {
    const family = familyOf(lib, groupFamilies);
    const index = usedPerFamily.get(family) ?? 0;
    usedPerFamily.set(family, index + 1);
    const swatch = { fill: family.shades[index % family.shades.length]!, stroke: family.stroke };
    byId.set(lib.id, swatch);
    if (!byName.has(lib.name)) byName.set(lib.name, swatch);
  }
  // Longest names first, so `libx.so` does not claim `libx.so.2 TLS`.
  const names = [...byName.keys()].sort((a, b) => b.length - a.length);
  const owner = (name: string): Swatch => {
    const exact = byName.get(name);
    if (exact !== undefined) return exact;
    const lib = names.find((n) => name.startsWith(`${n} `));
    if (lib !== undefined) return byName.get(lib)!;
    return base(isProgramOwner(name) ? hostFamily : unscopedFamily);
  };
  const legend: LegendEntry[] = [];
  const families = new Set([...graph.libraries].map((lib) => familyOf(lib, groupFamilies)));
  const global = graph.scopes.find((s) => s.kind === 'global');
  if (families.has(globalFamily))
    legend.push({ label: `global scope${global === undefined ? '' : ` (#${global.id})`}`, swatch: base(globalFamily) });
  for (const scope of graph.scopes) {
    const family = groupFamilies.get(scope.id);
    if (family === undefined || !families.has(family)) continue;
    legend.push({ label: `RTLD_LOCAL group #${scope.id}`, swatch: base(family) });
  }
  if (families.has(unscopedFamily)) legend.push({ label: 'no scope', swatch: base(unscopedFamily) });
  return {
    library: (lib) => byId.get(lib.id) ?? base(familyOf(lib, groupFamilies)),
    owner,
    legend,
  };
}
