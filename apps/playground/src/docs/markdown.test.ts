import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown.js';

const readme = (id: string): string =>
  readFileSync(new URL(`../../../../packages/${id}/README.md`, import.meta.url), 'utf8');

describe('renderMarkdown on the real READMEs', () => {
  it('renders the linker README: headings, paragraphs, code blocks, tables, lists', () => {
    const html = renderMarkdown(readme('linker'));
    expect(html).toMatch(/^<h1 id="dl-linker">@dl\/linker<\/h1>/);
    expect(html).toContain('<h2 id="usage">Usage</h2>');
    expect(html).toContain('<h2 id="how-a-load-works">How a load works</h2>');
    expect(html).toContain(
      '<p>The WebAssembly dynamic linker: loads side modules (<code>dylink.0</code>) with their NEEDED libraries\ninto a program',
    );
    expect(html).toContain('<pre><code class="language-ts">import { readFileSync } from &#39;node:fs&#39;;');
    expect(html).toContain('<pre><code class="language-text">0 {');
    expect(html).toContain(
      '<table><thead><tr><th><code>program.kind</code></th><th>what it is</th><th>memory for libraries</th></tr></thead>',
    );
    // `\|` inside a table cell is a literal pipe, not a column break.
    expect(html).toContain('<td><code>dlsym(handle | null | RTLD_DEFAULT | RTLD_NEXT, name, { from })</code></td>');
    expect(html).toMatch(/<ol>\n<li><strong>Find<\/strong>: the library and its NEEDED libraries, breadth-first/);
    expect(html).toContain('<h2 id="limits-of-this-version">Limits of this version</h2>\n<ul>\n<li>In node 20, ');
    expect(html).toContain('<li>memory64 side modules are refused (<code>DL_INCOMPATIBLE</code>).</li>');
    // The README's link to the symbols README is a repository path: shown as text by default.
    expect(html).toContain('<span class="dl-docs-link-text"><code>@dl/symbols</code></span>');
  });

  it('renders every README with balanced blocks and no raw Markdown markers left in tables or headings', () => {
    for (const id of ['errors', 'reader', 'layout', 'symbols', 'linker', 'loaders', 'emscripten', 'cli']) {
      const text = readme(id);
      const html = renderMarkdown(text);
      const fences = (text.match(/^\s*```/gm) ?? []).length;
      expect((html.match(/<pre><code/g) ?? []).length, id).toBe(fences / 2);
      for (const tag of ['table', 'ul', 'ol', 'pre', 'p', 'li']) {
        expect((html.match(new RegExp(`<${tag}[ >]`, 'g')) ?? []).length, `${id} <${tag}>`).toBe(
          (html.match(new RegExp(`</${tag}>`, 'g')) ?? []).length,
        );
      }
      expect(html, id).not.toMatch(/<h\d[^>]*>#/);
      expect(html, id).not.toMatch(/<td>\s*-{3}/);
      expect(html, id).not.toMatch(/<(?:p|li|td)>[^<]*\*\*/);
    }
  });

  it('keeps the code of a fenced block exactly, escaped', () => {
    const html = renderMarkdown(readme('cli'));
    expect(html).toContain(
      '<pre><code class="language-sh">pnpm dl inspect tooling/fixtures/wasm/emcc/libtls_mt.so</code></pre>',
    );
    expect(html).toContain(
      '└─ librpath_dep.so =&gt; /path/to/dl/tooling/fixtures/wasm/clang16/rpath/deps/librpath_dep.so',
    );
  });

  it("renders the symbols README's numbered rules as one ordered list with bold lead-ins", () => {
    const html = renderMarkdown(readme('symbols'));
    const rules = /<ol>\n([\s\S]*?)\n<\/ol>/.exec(html)?.[1] ?? '';
    expect((rules.match(/<li>/g) ?? []).length).toBe(14);
    expect(rules).toContain('<li><strong>The global scope</strong> holds the main program');
    expect(rules).toContain('<em>interposed</em>');
  });
});

describe('renderMarkdown details', () => {
  it('escapes raw HTML and refuses script links', () => {
    const html = renderMarkdown(
      '<script>alert(1)</script> and [x](javascript:alert(1)) and [y](https://example.org/a?b=1&c=2)',
    );
    expect(html).toBe(
      '<p>&lt;script&gt;alert(1)&lt;/script&gt; and <span class="dl-docs-link-text">x</span> and ' +
        '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer">y</a></p>',
    );
  });

  it('lets a link policy rewrite or drop links, even to script URLs', () => {
    expect(renderMarkdown('[a](../symbols/README.md)', { linkHref: () => '#docs/symbols' })).toBe(
      '<p><a href="#docs/symbols">a</a></p>',
    );
    expect(renderMarkdown('[a](b)', { linkHref: () => 'javascript:void 0' })).toBe(
      '<p><span class="dl-docs-link-text">a</span></p>',
    );
  });

  it('renders inline code literally, emphasis outside it only', () => {
    expect(renderMarkdown('`**not bold**` **bold** *em* snake_case_name `a<b>`')).toBe(
      '<p><code>**not bold**</code> <strong>bold</strong> <em>em</em> snake_case_name <code>a&lt;b&gt;</code></p>',
    );
  });

  it('renders nested and loose lists, and prefixes heading ids', () => {
    const html = renderMarkdown('# Title\n\n- one\n  - inner\n- two\n\n1. a\n\n   more of a\n2. b\n\n## Title', {
      idPrefix: 'p-',
    });
    expect(html).toBe(
      [
        '<h1 id="p-title">Title</h1>',
        '<ul>\n<li>one\n<ul>\n<li>inner</li>\n</ul></li>\n<li>two</li>\n</ul>',
        '<ol>\n<li><p>a</p>\n<p>more of a</p></li>\n<li><p>b</p></li>\n</ol>',
        '<h2 id="p-title-1">Title</h2>',
      ].join('\n'),
    );
  });

  it('renders table alignment and block quotes', () => {
    expect(renderMarkdown('| a | b |\n|:--|--:|\n| 1 | 2 |')).toBe(
      '<table><thead><tr><th style="text-align: left">a</th><th style="text-align: right">b</th></tr></thead>' +
        '<tbody><tr><td style="text-align: left">1</td><td style="text-align: right">2</td></tr></tbody></table>',
    );
    expect(renderMarkdown('> quoted\n> text')).toBe('<blockquote>\n<p>quoted\ntext</p>\n</blockquote>');
  });
});
