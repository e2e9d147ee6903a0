/**
 * Inspect: what `dl inspect`, `dl nm` and `dl ldd` say about the selected file, in their own
 * words (the CLI's report functions), with the symbols, imports and exports searchable.
 */
import { filterSymbols, renderInspect, renderSymbols } from '@dl/cli/report';
import type { ExportEntry, ImportEntry, SymbolFilter } from '@dl/cli/report';
import type { App } from '../app.js';
import type { OpenedFile } from '../worker/protocol.js';
import { fill, h } from './dom.js';
import { errorBox } from './error-box.js';

/** At most this many rows per table (libmany.so has 4,004 exports): the search narrows them. */
const MAX_ROWS = 400;

const NOTHING_OPEN = 'Open a file or an example set: its dylink.0 metadata, imports, exports and symbols show here.';

/** Builds the Inspect tab into `container`. */
export function mountInspectView(container: HTMLElement, app: App): void {
  const title = h('h2', { id: 'inspect-title' });
  const summary = h('div', { id: 'inspect-summary' });
  const search = h('input', {
    type: 'search',
    id: 'symbol-search',
    placeholder: 'Search symbols, imports, exports…',
    'aria-label': 'Search symbols',
  });
  const filter = h(
    'select',
    { id: 'symbol-filter', 'aria-label': 'Which symbols' },
    h('option', { value: 'all' }, 'all symbols'),
    h('option', { value: 'defined' }, '--defined'),
    h('option', { value: 'undefined' }, '--undefined'),
  );
  const symbols = h('div', { id: 'inspect-symbols' });
  const symbolTools = h('div', { class: 'toolbar' }, search, filter);

  const current = (): OpenedFile | null => app.files.find((f) => f.name === app.selected)?.opened ?? null;

  const renderSymbolsPart = (): void => {
    const file = current();
    if (file?.ok !== true) {
      fill(symbols);
      return;
    }
    fill(symbols, ...symbolsPart(file, search.value.trim().toLowerCase(), filter.value as SymbolFilter));
  };

  const render = (): void => {
    const entry = app.files.find((f) => f.name === app.selected);
    if (entry === undefined) {
      fill(title, 'Inspect');
      fill(summary, h('p', { class: 'muted' }, NOTHING_OPEN));
      symbolTools.hidden = true;
      renderSymbolsPart();
      return;
    }
    fill(title, `Inspect ${entry.name}`);
    const file = entry.opened;
    symbolTools.hidden = file?.ok !== true;
    if (file === null) fill(summary, h('p', { class: 'muted' }, 'Reading…'));
    else if (!file.ok) fill(summary, errorBox(file.error, `${file.name} cannot be used:`));
    else {
      fill(summary, ...reportOf(file));
    }
    renderSymbolsPart();
  };

  search.addEventListener('input', renderSymbolsPart);
  filter.addEventListener('change', renderSymbolsPart);
  app.subscribe((topic) => {
    // Another example set: its files have other symbols, so the search starts afresh.
    if (topic === 'example') {
      search.value = '';
      filter.value = 'all';
    }
    if (topic === 'files' || topic === 'selection') render();
  });
  render();
  fill(container, title, summary, symbolTools, symbols);
}

function importTable(imports: readonly ImportEntry[]): HTMLElement {
  return h(
    'table',
    { class: 'data-table', id: 'imports-table' },
    h('thead', {}, h('tr', {}, ...['module', 'name', 'kind', 'category', 'type', 'weak'].map((c) => h('th', {}, c)))),
    h(
      'tbody',
      {},
      ...imports
        .slice(0, MAX_ROWS)
        .map((i) =>
          h(
            'tr',
            {},
            h('td', { class: 'mono' }, i.module),
            h('td', { class: 'mono' }, i.name),
            h('td', {}, i.kind),
            h('td', {}, i.category),
            h('td', { class: 'mono' }, i.type),
            h('td', {}, i.weak ? 'weak' : ''),
          ),
        ),
      moreRow(imports.length, 6),
    ),
  );
}

function exportTable(exports: readonly ExportEntry[]): HTMLElement {
  return h(
    'table',
    { class: 'data-table', id: 'exports-table' },
    h('thead', {}, h('tr', {}, ...['name', 'kind', 'category', 'index', 'type', 'value'].map((c) => h('th', {}, c)))),
    h(
      'tbody',
      {},
      ...exports
        .slice(0, MAX_ROWS)
        .map((e) =>
          h(
            'tr',
            {},
            h('td', { class: 'mono' }, e.name),
            h('td', {}, e.kind),
            h('td', {}, e.category),
            h('td', { class: 'num' }, String(e.index)),
            h('td', { class: 'mono' }, e.type ?? ''),
            h('td', { class: 'mono num' }, e.value === null ? '' : String(e.value)),
          ),
        ),
      moreRow(exports.length, 6),
    ),
  );
}

/** In place of an empty table: none at all, or none matching the search (which says so). */
function noMatch(what: string, total: number, needle: string): HTMLElement {
  return h(
    'p',
    { class: 'muted no-match' },
    total === 0 ? `No ${what}s.` : `No ${what} matches “${needle}” (the search above filters every list).`,
  );
}

/** A last row saying how many rows were left out, or nothing. */
function moreRow(count: number, columns: number): HTMLElement | null {
  return count <= MAX_ROWS
    ? null
    : h(
        'tr',
        {},
        h(
          'td',
          { class: 'muted', colspan: columns },
          `… and ${(count - MAX_ROWS).toLocaleString('en')} more: narrow the search`,
        ),
      );
}

/** What `dl nm` says (filtered), then the imports and exports matching `needle`. */
function symbolsPart(file: Extract<OpenedFile, { ok: true }>, needle: string, which: SymbolFilter): HTMLElement[] {
  const matches = (...texts: (string | null)[]): boolean =>
    needle === '' || texts.some((t) => t?.toLowerCase().includes(needle) === true);
  const listed = filterSymbols(file.symbols, which).filter((s) => matches(s.name, s.type, s.module));
  const imports = file.report.imports.filter((i) => matches(i.module, i.name, i.type, i.category));
  const exports = file.report.exports.filter((e) => matches(e.name, e.type, e.category));
  return [
    h(
      'h3',
      {},
      `dl nm ${file.name}${which === 'all' ? '' : ` --${which}`}`,
      h('span', { class: 'muted' }, ` — ${listed.length} of ${file.symbols.length}`),
    ),
    h(
      'pre',
      { class: 'cli', id: 'nm-output', tabindex: 0 },
      listed.length === 0 ? '(no symbol matches)' : renderSymbols(listed),
    ),
    h('h3', {}, `Imports`, h('span', { class: 'muted' }, ` — ${imports.length} of ${file.report.imports.length}`)),
    imports.length === 0
      ? noMatch('import', file.report.imports.length, needle)
      : h('div', { class: 'table-scroll', tabindex: 0 }, importTable(imports)),
    h('h3', {}, `Exports`, h('span', { class: 'muted' }, ` — ${exports.length} of ${file.report.exports.length}`)),
    exports.length === 0
      ? noMatch('export', file.report.exports.length, needle)
      : h('div', { class: 'table-scroll', tabindex: 0 }, exportTable(exports)),
  ];
}

/** What `dl inspect` and `dl ldd` (among the opened files) say about a file. */
function reportOf(file: Extract<OpenedFile, { ok: true }>): HTMLElement[] {
  return [
    h('h3', {}, `dl inspect ${file.name}`),
    h('pre', { class: 'cli', id: 'inspect-output', tabindex: 0 }, renderInspect(file.report)),
    h('h3', {}, `dl ldd ${file.name}`, h('span', { class: 'muted' }, ' — among the opened files')),
    h(
      'pre',
      { class: 'cli', id: 'ldd-output', tabindex: 0 },
      [file.ldd.tree, ...file.ldd.problems.map((p) => `dl: ${p}`)].join('\n'),
    ),
  ];
}
