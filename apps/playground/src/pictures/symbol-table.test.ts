import { describe, expect, it } from 'vitest';
import { splitImport, symbolRows, symbolTableHtml } from './symbol-table.js';
import {
  cycle,
  hostile,
  hostileName,
  hostOnly,
  localGroups,
  neededChain,
  nothing,
  weakHostAndUndefined,
  weakPair,
} from './test-graphs.js';
import { attributeValues, elements, xmlProblems } from './well-formed.js';

/** The `<tr>` attributes of rows for `symbol`. */
const rowsFor = (html: string, symbol: string): Record<string, string>[] =>
  elements(html, 'tr', { 'data-symbol': symbol });

describe('the symbol table', () => {
  it('has a header row and a row per (library, import) with its provider', () => {
    const graph = neededChain();
    const html = symbolTableHtml(graph);
    expect(xmlProblems(html)).toEqual([]);
    expect(html).toContain('<thead><tr><th scope="col">#</th><th scope="col">library</th>');
    const imports = graph.libraries.flatMap((l) => Object.keys(l.bindings).map((k) => [l.name, splitImport(k)[1]]));
    expect(
      elements(html, 'tr')
        .filter((r) => r['data-library'] !== undefined)
        .map((r) => [r['data-library'], r['data-symbol']]),
    ).toEqual(imports);
    expect(rowsFor(html, 'need_a')).toEqual([
      expect.objectContaining({ 'data-library': 'libneed_b.so', 'data-provider': 'libneed_a.so' }),
    ]);
    expect(rowsFor(html, 'need_b_tag')[0]!.class).toBe('own');
    expect(html).not.toMatch(/class="[^"]*\b(interposed|lazy|unbound)\b/);
  });

  it('highlights interposed symbols: the weak pair, where the strong NEEDED library wins', () => {
    const html = symbolTableHtml(weakPair());
    expect(xmlProblems(html)).toEqual([]);
    for (const symbol of ['pair_fn', 'pair_data']) {
      const [row, footer] = rowsFor(html, symbol);
      expect(row).toMatchObject({
        class: 'interposed',
        'data-library': 'libweak_weakdef.so',
        'data-provider': 'libweak_strong.so',
      });
      expect(footer).toMatchObject({ class: 'dl-interposition' });
    }
    expect(html).toContain('interposed in scope #0: libweak_strong.so wins over libweak_weakdef.so');
  });

  it('marks weak undefined imports and lazy (PLT) imports, bound or not', () => {
    const html = symbolTableHtml(weakHostAndUndefined());
    expect(xmlProblems(html)).toEqual([]);
    expect(rowsFor(html, 'weak_hook')[0]).toMatchObject({ class: 'interposed', 'data-provider': 'host' });
    expect(rowsFor(html, 'missing_data')[0]).toMatchObject({
      class: 'unbound weak',
      'data-provider': '(weak, undefined)',
    });
    // missing_fn: its address (GOT.func) is weak undefined, and its call goes through a PLT entry not bound yet.
    expect(rowsFor(html, 'missing_fn').map((r) => r.class)).toEqual(['unbound weak', 'lazy unbound']);
    expect(html).toContain('lazy (PLT): not bound yet');

    const cycleRows = symbolRows(cycle());
    expect(cycleRows.filter((r) => r.lazy).map((r) => [r.library.name, r.symbol, r.provider, r.unbound])).toEqual([
      ['libcycle_b.so', 'cycle_a', 'libcycle_a.so', false],
    ]);
    expect(rowsFor(symbolTableHtml(cycle()), 'cycle_a')[0]!.class).toBe('lazy');
  });

  it('looks interpositions up in the scopes each library sees', () => {
    const rows = symbolRows(localGroups());
    expect(rows.some((r) => r.interposition !== null)).toBe(false);
    expect(
      rows.filter((r) => r.library.name === 'libreloc.so' && r.provider === 'host').map((r) => r.symbol),
    ).toContain('main_add1');
  });

  it('splits import keys into module and symbol', () => {
    expect([
      splitImport('env.f'),
      splitImport('GOT.mem.x.y'),
      splitImport('GOT.func.g'),
      splitImport('wasi_snapshot_preview1.fd_write'),
      splitImport('bare'),
    ]).toEqual([
      ['env', 'f'],
      ['GOT.mem', 'x.y'],
      ['GOT.func', 'g'],
      ['wasi_snapshot_preview1', 'fd_write'],
      ['', 'bare'],
    ]);
  });

  it('escapes hostile names', () => {
    const html = symbolTableHtml(hostile());
    expect(html).not.toMatch(/<script/i);
    expect(xmlProblems(html)).toEqual([]);
    expect(attributeValues(html, 'data-library')).toContain(hostileName);
  });

  it('renders without libraries', () => {
    for (const graph of [nothing, hostOnly()]) {
      const html = symbolTableHtml(graph);
      expect(xmlProblems(html)).toEqual([]);
      expect(html).toContain('No imports bound.');
    }
  });
});
