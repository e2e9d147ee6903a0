/**
 * The playground's Docs: a page per `@dl` package — how to install it, its README rendered,
 * then its API reference from the model TypeDoc's JSON output was turned into at build time
 * (./api-model.ts) — and a concepts page explaining dynamic linking with the playground's
 * pictures. Pages are HTML strings; `docsCss` styles them.
 */
import type { ApiModel } from './api-model.js';
import { renderApi } from './api-render.js';
import { renderConcepts } from './concepts.js';
import { escapeHtml } from './escape.js';
import { renderMarkdown } from './markdown.js';
import { docsPages } from './pages.js';
import { readmeOf } from './sources.js';

export { docsCss } from './styles.js';
export { docsPages } from './pages.js';
export type { ApiEntry, ApiEntryPoint, ApiKind, ApiModel } from './api-model.js';
export { renderMarkdown } from './markdown.js';

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
function renderApiSection(api: ApiModel, id: string): string {
  const parts: string[] = [];
  for (const { entryPoint, entries } of api[id] ?? []) {
    if (entryPoint !== packageName(id)) {
      if (entries.length === 0) continue;
      parts.push(`<h3 class="dl-api-subpath">${escapeHtml(entryPoint)}</h3>`);
    }
    parts.push(renderApi(id, entryPoint, entries));
  }
  if (parts.length === 0) parts.push('<p class="dl-api-missing">No API reference was generated for this package.</p>');
  return (
    `<section class="dl-docs-api" aria-labelledby="${escapeHtml(id)}-api-reference">` +
    `<h2 id="${escapeHtml(id)}-api-reference">API reference</h2>` +
    `<p>Generated at build time by TypeDoc from the TSDoc of <code>${escapeHtml(packageName(id))}</code>.</p>${parts.join('\n')}</section>`
  );
}

/**
 * What a user outside this repository runs first: the install command and the import line of
 * the main entry point. Left out when the README already starts with the install command.
 */
function renderInstall(api: ApiModel, id: string, readme: string | undefined): string {
  const install = `npm install ${packageName(id)}`;
  if (readme?.includes(install) === true) return '';
  const main =
    api[id]?.[0]?.entries
      .filter((e) => !e.typeOnly && e.kind !== 'reexport')
      .slice(0, 3)
      .map((e) => e.name) ?? [];
  const importLine = main.length === 0 ? '' : `\nimport { ${main.join(', ')} } from '${packageName(id)}';`;
  return (
    `<section class="dl-docs-install" aria-label="Install"><pre><code class="language-sh">${escapeHtml(install)}</code></pre>` +
    (importLine === '' ? '' : `<pre><code class="language-ts">${escapeHtml(importLine.trim())}</code></pre>`) +
    '</section>'
  );
}

function renderPackage(api: ApiModel, id: string): string {
  const readme = readmeOf(id);
  const readmeHtml =
    readme === undefined
      ? `<h1>${escapeHtml(packageName(id))}</h1><p>This package has no README.</p>`
      : renderMarkdown(readme, { idPrefix: `${id}-`, linkHref: readmeLinkHref });
  // The install box goes right after the README's title.
  const titleEnd = readmeHtml.indexOf('</h1>');
  const at = titleEnd === -1 ? 0 : titleEnd + '</h1>'.length;
  const withInstall = `${readmeHtml.slice(0, at)}${renderInstall(api, id, readme)}${readmeHtml.slice(at)}`;
  return (
    `<article class="dl-docs dl-docs-package" data-docs-page="${escapeHtml(id)}">` +
    `<div class="dl-docs-readme">${withInstall}</div>\n${renderApiSection(api, id)}</article>`
  );
}

function renderNotFound(id: string): string {
  const links = docsPages
    .map((page) => `<li><a href="${escapeHtml(docsHref(page.id))}">${escapeHtml(page.title)}</a></li>`)
    .join('');
  return (
    '<article class="dl-docs dl-docs-not-found" data-docs-page="not-found">' +
    '<h1>Page not found</h1>' +
    `<p>There is no docs page <code>${escapeHtml(id)}</code>. The pages are:</p>` +
    `<ul class="dl-docs-pages">${links}</ul></article>`
  );
}

/** Rendered pages, by model and id: the docs do not change while the app runs. */
const rendered = new WeakMap<ApiModel, Map<string, string>>();

/**
 * The HTML of the docs page `id` (see {@link docsPages}), its API reference from `api`; an
 * unknown id gives a "not found" page listing the pages.
 */
export function renderDocs(api: ApiModel, id: string): string {
  if (!isPage(id)) return renderNotFound(id);
  const cache = rendered.get(api) ?? new Map<string, string>();
  rendered.set(api, cache);
  const cached = cache.get(id);
  if (cached !== undefined) return cached;
  const html = id === 'concepts' ? renderConcepts() : renderPackage(api, id);
  cache.set(id, html);
  return html;
}
