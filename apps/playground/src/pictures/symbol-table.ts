/**
 * The symbol table: each library's imports and who provides them, with interposed symbols,
 * lazy (PLT) bindings, weak undefined and unbound imports marked by class.
 */
import type { GraphLibrary, LinkGraph } from '@dl/linker';
import { plural } from './format.js';
import { element, text } from './markup.js';
import { pictureColours } from './palette.js';
import type { PictureColours } from './palette.js';

/** What the linker records as the provider of a weak undefined import (bound to 0). */
export const weakUndefinedProvider = '(weak, undefined)';

/** One row: an import of a library and how it is bound. */
export interface SymbolRow {
  readonly library: GraphLibrary;
  /** `env`, `GOT.mem`, `GOT.func`, or another module. */
  readonly module: string;
  readonly symbol: string;
  /** The providing library or `host`; null while a lazy import is not bound yet. */
  readonly provider: string | null;
  readonly lazy: boolean;
  readonly unbound: boolean;
  readonly weak: boolean;
  /** The interposition of this symbol in a scope the library looks in, if any. */
  readonly interposition: LinkGraph['interpositions'][number] | null;
}

/** `GOT.mem.x` → `['GOT.mem', 'x']`; `env.x` → `['env', 'x']`; `wasi.fd_write` → `['wasi', 'fd_write']`. */
export function splitImport(key: string): [module: string, symbol: string] {
  for (const module of ['GOT.mem', 'GOT.func']) {
    if (key.startsWith(`${module}.`)) return [module, key.slice(module.length + 1)];
  }
  const dot = key.indexOf('.');
  return dot < 0 ? ['', key] : [key.slice(0, dot), key.slice(dot + 1)];
}

/** The scopes a library's imports are looked up in: the global scope, then its own group. */
function scopesSeenBy(lib: GraphLibrary, graph: LinkGraph): Set<number> {
  const seen = new Set(graph.scopes.filter((s) => s.kind === 'global').map((s) => s.id));
  if (lib.group !== null) seen.add(lib.group);
  return seen;
}

/** The rows of `graph`: libraries in load order, each import in the library's import order, then lazy imports not bound yet. */
export function symbolRows(graph: LinkGraph): SymbolRow[] {
  const rows: SymbolRow[] = [];
  for (const library of [...graph.libraries].sort((a, b) => a.id - b.id)) {
    const scopes = scopesSeenBy(library, graph);
    const interposed = (symbol: string): SymbolRow['interposition'] =>
      graph.interpositions.find((i) => i.name === symbol && scopes.has(i.scope)) ?? null;
    const lazy = new Map(library.lazy.map((l) => [l.name, l.bound]));
    const seen = new Set<string>();
    for (const [key, provider] of Object.entries(library.bindings)) {
      const [module, symbol] = splitImport(key);
      const isLazy = module === 'env' && lazy.has(symbol);
      if (isLazy) seen.add(symbol);
      const weak = provider === weakUndefinedProvider;
      rows.push({
        library,
        module,
        symbol,
        provider,
        lazy: isLazy,
        weak,
        unbound: weak || (isLazy && lazy.get(symbol) === false),
        interposition: interposed(symbol),
      });
    }
    for (const { name, bound } of library.lazy) {
      if (seen.has(name)) continue;
      rows.push({
        library,
        module: 'env',
        symbol: name,
        provider: null,
        lazy: true,
        weak: false,
        unbound: !bound,
        interposition: interposed(name),
      });
    }
  }
  return rows;
}

function rowClasses(row: SymbolRow): string | undefined {
  const classes = [
    row.interposition !== null ? 'interposed' : '',
    row.lazy ? 'lazy' : '',
    row.unbound ? 'unbound' : '',
    row.weak ? 'weak' : '',
    row.provider === row.library.name ? 'own' : '',
  ].filter((c) => c !== '');
  return classes.length === 0 ? undefined : classes.join(' ');
}

function note(row: SymbolRow): string {
  const parts: string[] = [];
  if (row.interposition !== null) {
    const { winner, losers, scope } = row.interposition;
    parts.push(`interposed in scope #${scope}: ${winner} wins over ${losers.join(', ')}`);
  }
  if (row.weak) parts.push('weak undefined: nothing defines it, bound to 0');
  if (row.lazy) parts.push(row.unbound ? 'lazy (PLT): not bound yet, resolved at the first call' : 'lazy (PLT): bound');
  else if (row.provider === null) parts.push('not bound');
  if (row.provider === row.library.name) parts.push('its own definition');
  return parts.join('; ');
}

const headings = ['#', 'library', 'module', 'symbol', 'provider', 'notes'] as const;

/** A name with a small square in its graph colour before it. */
function named(name: string, colour: PictureColours['owner']): string {
  const swatch = colour(name);
  return (
    element(
      'span',
      { class: 'dl-swatch', style: `background:${swatch.fill};border-color:${swatch.stroke}`, 'aria-hidden': 'true' },
      '',
    ) + text(name)
  );
}

function rowHtml(row: SymbolRow, colour: PictureColours['owner']): string {
  return element(
    'tr',
    {
      class: rowClasses(row),
      'data-library': row.library.name,
      'data-symbol': row.symbol,
      'data-provider': row.provider ?? undefined,
    },
    element('td', { class: 'dl-order' }, text(`#${row.library.id}`)),
    element('td', { class: 'dl-library' }, named(row.library.name, colour)),
    element('td', { class: 'dl-module' }, text(row.module)),
    element('th', { scope: 'row', class: 'dl-symbol' }, text(row.symbol)),
    element(
      'td',
      { class: 'dl-provider' },
      row.provider === null ? text('—') : row.weak ? text(row.provider) : named(row.provider, colour),
    ),
    element('td', { class: 'dl-note' }, text(note(row))),
  );
}

function interpositionRows(graph: LinkGraph): string[] {
  if (graph.interpositions.length === 0) return [];
  const kind = new Map(graph.scopes.map((s) => [s.id, s.kind]));
  return [
    element(
      'tr',
      { class: 'dl-interpositions-heading' },
      element(
        'th',
        { colspan: headings.length, scope: 'colgroup' },
        text('Interposed definitions (the first definition in a scope wins)'),
      ),
    ),
    ...graph.interpositions.map((i) =>
      element(
        'tr',
        { class: 'dl-interposition', 'data-symbol': i.name },
        element('td', { class: 'dl-order' }, text('')),
        element('td', { class: 'dl-library', colspan: 2 }, text(`${kind.get(i.scope) ?? 'unknown'} scope #${i.scope}`)),
        element('th', { scope: 'row', class: 'dl-symbol' }, text(i.name)),
        element('td', { class: 'dl-provider' }, text(i.winner)),
        element('td', { class: 'dl-note' }, text(`wins; interposed: ${i.losers.join(', ')}`)),
      ),
    ),
  ];
}

/**
 * The symbol table of `graph` as an HTML `<table>` string: a row per (library, import) with
 * its provider (`data-library`, `data-symbol`, `data-provider`), classes `interposed`, `lazy`,
 * `unbound`, `weak`, `own`; a footer lists every interposition of every scope.
 */
export function symbolTableHtml(graph: LinkGraph): string {
  const rows = symbolRows(graph);
  const { owner } = pictureColours(graph);
  const counts = [
    plural(rows.length, 'import'),
    `${rows.filter((r) => r.interposition !== null).length} interposed`,
    `${rows.filter((r) => r.lazy).length} lazy`,
    `${rows.filter((r) => r.unbound).length} unbound`,
  ];
  const body =
    rows.length === 0
      ? [element('tr', { class: 'dl-empty' }, element('td', { colspan: headings.length }, text('No imports bound.')))]
      : rows.map((row) => rowHtml(row, owner));
  const footer = interpositionRows(graph);
  return element(
    'table',
    { class: 'dl-symbols' },
    element('caption', {}, text(`Symbol bindings: ${counts.join(', ')}`)),
    element('thead', {}, element('tr', {}, ...headings.map((h) => element('th', { scope: 'col' }, text(h))))),
    element('tbody', {}, ...body),
    footer.length === 0 ? '' : element('tfoot', {}, ...footer),
  );
}
