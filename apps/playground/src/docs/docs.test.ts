import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApiModel } from './api-typedoc.js';
import type { ApiModel } from './index.js';
import { docsCss, docsHref, docsPages, renderDocs as render } from './index.js';

const packageIds = ['errors', 'reader', 'layout', 'symbols', 'linker', 'loaders', 'emscripten', 'cli'];

/** The API model as the build makes it: TypeDoc's JSON of the real packages. */
let api: ApiModel = {};
beforeAll(async () => {
  api = await buildApiModel(packageIds);
}, 120_000);
const renderDocs = (id: string): string => render(api, id);

describe('docsPages', () => {
  it('has the concepts page first, then one page per package', () => {
    expect(docsPages.map((p) => p.id)).toEqual(['concepts', ...packageIds]);
    expect(docsPages.find((p) => p.id === 'linker')?.title).toBe('@dl/linker');
  });
});

describe('renderDocs for a package', () => {
  it("renders the linker README (via Vite's ?raw glob) and createLinker's TSDoc", () => {
    const html = renderDocs('linker');
    const readme = readFileSync(new URL('../../../../packages/linker/README.md', import.meta.url), 'utf8');
    const firstSentence = readme.split('\n\n')[1]?.split(':')[0] ?? '';
    expect(firstSentence).toBe('The WebAssembly dynamic linker');
    expect(html).toContain(`<p>${firstSentence}: loads side modules`);
    expect(html).toContain('<h2 id="linker-api-reference">API reference</h2>');
    expect(html).toContain('<section class="dl-api-entry" id="linker-api-createLinker" data-kind="function">');
    expect(html).toContain('function createLinker(options: CreateOptions = {}): Promise&lt;Linker&gt;');
    expect(html).toContain(
      'Creates a linker for a program. A relocatable main is loaded (with its NEEDED libraries\nand <code>options.libraries</code>) before this resolves.',
    );
    // The README's link to another package becomes a docs link.
    expect(html).toContain(`<a href="${docsHref('symbols')}"><code>@dl/symbols</code></a>`);
  });

  it('renders every package page with its README title and an API entry for each export', () => {
    for (const id of packageIds) {
      const html = renderDocs(id);
      expect(html, id).toContain(`<h1 id="${id}-dl-${id}">@dl/${id}</h1>`);
      const index = readFileSync(new URL(`../../../../packages/${id}/src/index.ts`, import.meta.url), 'utf8');
      const exported = [...index.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)].flatMap((m) =>
        (m[1] ?? '')
          .split(',')
          .map((s) => s.trim().replace(/^type\s+/, ''))
          .filter((s) => s !== ''),
      );
      for (const name of exported) expect(html, `${id}: ${name}`).toContain(`id="${id}-api-${name}"`);
      expect(html, id).not.toContain('Declaration not found');
    }
  });

  it('reads the TSDoc through TypeDoc: overloads, members, and prose TSDoc misreads as a tag ("the @dl packages")', () => {
    const errors = renderDocs('errors');
    expect(errors).toContain('Every stable error code used across the @dl packages, with its one-line meaning.');
    expect(errors).not.toContain('<dt>@dl</dt>');
    const linker = renderDocs('linker');
    // Class members with their own docs, and no member inherited from Error/Object listed.
    expect(linker).toMatch(
      /<section class="dl-api-entry" id="linker-api-Linker" data-kind="class">[\s\S]*?<dt><code class="language-ts">dlopen\(/,
    );
    expect(api.linker?.[0]?.entries.find((e) => e.name === 'DlError')?.kind).toBe('reexport');
  });

  it('adds what a subpath entry point exports beyond the main one (@dl/loaders/node)', () => {
    const html = renderDocs('loaders');
    expect(html).toContain('<h3 class="dl-api-subpath">@dl/loaders/node</h3>');
    expect(html).toContain('id="loaders-api-fsLoader"');
  });

  it('renders TSDoc block tags as a definition list', () => {
    const html = renderDocs('reader');
    expect(html).toMatch(
      /<dt>Parameter <code>input<\/code><\/dt><dd>the module&#39;s bytes, or an already compiled <code>WebAssembly.Module<\/code><\/dd>/,
    );
    expect(html).toContain('<dt>Throws</dt><dd>DlFormatError on malformed input;');
  });
});

describe('renderDocs for the concepts page', () => {
  let html = '';
  beforeAll(() => {
    html = renderDocs('concepts');
  });

  it('explains each concept in its own section', () => {
    for (const title of [
      'Side modules and dylink.0',
      'Memory base and table base: relocation',
      'The GOT: GOT.mem and GOT.func',
      'Symbol resolution and scopes',
      'Load order',
      'Lazy binding and the PLT',
      'Constructors',
      'Unloading',
    ]) {
      expect(html).toContain(`>${title}</h2>`);
    }
    expect(html).toContain('<code>GOT.mem.&lt;name&gt;</code>');
    expect(html).toContain('<code>RTLD_LOCAL</code>');
  });

  it("draws the sample graphs with the playground's pictures", () => {
    const figures = html.match(/<figure class="dl-docs-figure">/g) ?? [];
    expect(figures.length).toBe(5);
    expect((html.match(/<svg\b/g) ?? []).length).toBeGreaterThanOrEqual(5);
    expect(html).not.toContain('dl-docs-figure-error');
    expect(html).toContain('libneed_c.so');
    expect(html).toContain('libcycle_b.so (PLT)');
  });

  it("shows libneed_b.so's bindings from the sample graph", () => {
    expect(html).toContain(
      '<tr><td><code>GOT.mem.need_a_value</code></td><td>a GOT entry holding a data address</td><td><code>libneed_a.so</code></td></tr>',
    );
  });
});

describe('renderDocs for an unknown id', () => {
  it('lists the pages, with the id escaped', () => {
    const html = renderDocs('<img src=x onerror=alert(1)>');
    expect(html).toContain('<h1>Page not found</h1>');
    expect(html).toContain('<code>&lt;img src=x onerror=alert(1)&gt;</code>');
    for (const page of docsPages) expect(html).toContain(`<a href="${docsHref(page.id)}">${page.title}</a>`);
  });
});

describe('docsCss', () => {
  it('scopes its rules under .dl-docs and styles tables and code', () => {
    const selectors = docsCss.split('\n').filter((line) => line.includes('{') && !line.startsWith('@'));
    expect(selectors.length).toBeGreaterThan(20);
    for (const line of selectors) expect(line.trim()).toMatch(/^\.dl-docs/);
    expect(docsCss).toContain('.dl-docs table');
    expect(docsCss).toContain('.dl-docs pre code');
  });
});
