/**
 * The playground's Docs: a page per `@dl` package — its README rendered, then an API
 * reference generated from the TSDoc in its sources — and a concepts page explaining dynamic
 * linking with the playground's pictures. Pages are HTML strings; `docsCss` styles them.
 */
import { apiOf } from './api-extract.js';
import type { ApiEntry } from './api-extract.js';
import { renderApi } from './api-render.js';
import { renderConcepts } from './concepts.js';
import { escapeHtml } from './escape.js';
import { renderMarkdown } from './markdown.js';
import { entryPointsOf, readmeOf, sourcesOf } from './sources.js';

export { docsCss } from './styles.js';
export { apiOf } from './api-extract.js';
export type { ApiEntry, ApiKind } from './api-extract.js';
export { renderMarkdown } from './markdown.js';
export { highlight } from './highlight.js';

/** The pages, concepts first, then the packages from the bottom of the stack up. */
export const docsPages: readonly { readonly id: string; readonly title: string }[] = [
  { id: 'concepts', title: 'Concepts' },
  { id: 'errors', title: '@dl/errors' },
  { id: 'reader', title: '@dl/reader' },
  { id: 'layout', title: '@dl/layout' },
  { id: 'symbols', title: '@dl/symbols' },
  { id: 'linker', title: '@dl/linker' },
  { id: 'loaders', title: '@dl/loaders' },
  { id: 'emscripten', title: '@dl/emscripten' },
  { id: 'cli', title: '@dl/cli' },
];

/** Where a link to another docs page points (`#docs/<id>`); clicks on these are the app's to route. */
export function docsHref(id: string): string {
  return `#docs/${encodeURIComponent(id)}`;
}

function isPage(id: string): boolean {
  return docsPages.some((page) => page.id === id);
}

/**
 * Links in a README: another package's README (`../symbols/README.md`, `packages/linker`)
 * becomes a docs link, web links stay, other repository paths are shown as text.
 */
function readmeLinkHref(href: string): string | null {
  const packageLink = /^(?:\.\.\/|(?:\.\/)?packages\/)([\w-]+)\/?(?:README\.md)?(#.*)?$/.exec(href);
  if (packageLink !== null && isPage(packageLink[1] ?? '')) return docsHref(packageLink[1] ?? '');
  return /^(?:https?:|mailto:|#)/i.test(href) ? href : null;
}

function packageName(id: string): string {
  return `@dl/${id}`;
}

/** The API section: the main entry point, then each subpath with what the main one lacks. */
function renderApiSection(id: string): string {
  const files = sourcesOf(id);
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const { subpath, source } of entryPointsOf(id)) {
    const indexSource = files[source];
    if (indexSource === undefined) continue;
    const entries: ApiEntry[] = apiOf(indexSource, files, source).filter((entry) => !seen.has(entry.name));
    for (const entry of entries) seen.add(entry.name);
    const entryPoint = subpath === '.' ? packageName(id) : `${packageName(id)}${subpath.slice(1)}`;
    if (subpath !== '.') {
      if (entries.length === 0) continue;
      parts.push(`<h3 class="dl-api-subpath">${escapeHtml(entryPoint)}</h3>`);
    }
    parts.push(renderApi(id, entryPoint, entries));
  }
  if (parts.length === 0) parts.push('<p class="dl-api-missing">No sources found for this package.</p>');
  return `<section class="dl-docs-api" aria-labelledby="${escapeHtml(id)}-api-reference">`
    + `<h2 id="${escapeHtml(id)}-api-reference">API reference</h2>`
    + `<p>Generated from the TSDoc comments in <code>packages/${escapeHtml(id)}/src</code>.</p>${parts.join('\n')}</section>`;
}

function renderPackage(id: string): string {
  const readme = readmeOf(id);
  const readmeHtml = readme === undefined
    ? `<h1>${escapeHtml(packageName(id))}</h1><p>This package has no README.</p>`
    : renderMarkdown(readme, { idPrefix: `${id}-`, linkHref: readmeLinkHref });
  return `<article class="dl-docs dl-docs-package" data-docs-page="${escapeHtml(id)}">`
    + `<div class="dl-docs-readme">${readmeHtml}</div>\n${renderApiSection(id)}</article>`;
}

function renderNotFound(id: string): string {
  const links = docsPages.map((page) => `<li><a href="${escapeHtml(docsHref(page.id))}">${escapeHtml(page.title)}</a></li>`).join('');
  return '<article class="dl-docs dl-docs-not-found" data-docs-page="not-found">'
    + '<h1>Page not found</h1>'
    + `<p>There is no docs page <code>${escapeHtml(id)}</code>. The pages are:</p>`
    + `<ul class="dl-docs-pages">${links}</ul></article>`;
}

/** Rendered pages, by id: the sources do not change while the app runs. */
const rendered = new Map<string, string>();

/** The HTML of the docs page `id` (see {@link docsPages}); an unknown id gives a "not found" page listing the pages. */
export function renderDocs(id: string): string {
  if (!isPage(id)) return renderNotFound(id);
  const cached = rendered.get(id);
  if (cached !== undefined) return cached;
  const html = id === 'concepts' ? renderConcepts() : renderPackage(id);
  rendered.set(id, html);
  return html;
}
