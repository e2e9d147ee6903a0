/**
 * Docs: the pages of `../docs` at `#/docs/<id>`, with the list of pages beside them. The docs
 * (READMEs and API references of every package) load on first visit, in a chunk of their own,
 * so the playground itself stays small.
 */
import type * as Docs from '../docs/docs-chunk.js';
import { errorInfo } from '../worker/errors.js';
import { fill, h } from './dom.js';
import { errorBox } from './error-box.js';

type DocsModule = typeof Docs;

let loading: Promise<DocsModule> | null = null;

/** The docs module, loaded once; its stylesheet is added to the page then. */
function loadDocs(): Promise<DocsModule> {
  loading ??= import('../docs/docs-chunk.js').then((docs) => {
    document.head.append(h('style', { id: 'docs-css' }, docs.docsCss));
    return docs;
  });
  return loading;
}

/**
 * What the page's HTML leaves to the DOM: code blocks highlighted (`language-*`), blocks and
 * tables that scroll sideways reachable by keyboard, and empty table headers made cells.
 */
function finishPage(body: HTMLElement, highlight: DocsModule['highlight']): void {
  for (const code of body.querySelectorAll<HTMLElement>('pre > code[class*="language-"]')) {
    const language = /language-([\w-]+)/.exec(code.className)?.[1] ?? '';
    // highlight() escapes the code's text and only adds spans.
    code.innerHTML = highlight(code.textContent, language);
  }
  for (const block of body.querySelectorAll<HTMLElement>('pre, table')) block.tabIndex = 0;
  for (const th of body.querySelectorAll<HTMLElement>('th')) {
    if (th.textContent.trim() !== '') continue;
    const cell = document.createElement('td');
    th.replaceWith(cell);
  }
}

/** Builds the docs page into `container`; `show(id)` renders one page (null: the first). */
export function mountDocsView(container: HTMLElement): { show: (id: string | null) => void } {
  const nav = h('nav', { class: 'docs-nav', 'aria-label': 'Documentation pages' }, h('h2', {}, 'Docs'));
  const body = h('article', { class: 'docs-body', id: 'docs-body' }, h('p', { class: 'muted' }, 'Loading the docs…'));
  fill(container, nav, body);
  let shown = 0;
  return {
    show: (id) => {
      const request = ++shown;
      loadDocs()
        .then((docs) => {
          if (request !== shown) return;
          // `#/docs` alone is the first page; an unknown id is "not found", with links to every page.
          const page = id === null ? docs.docsPages[0] : docs.docsPages.find((p) => p.id === id);
          const shownId = page?.id ?? id ?? '';
          fill(
            nav,
            h('h2', {}, 'Docs'),
            h(
              'ul',
              {},
              ...docs.docsPages.map((p) =>
                h(
                  'li',
                  {},
                  h(
                    'a',
                    { href: `#/docs/${encodeURIComponent(p.id)}`, class: p.id === page?.id ? 'current' : '' },
                    p.title,
                  ),
                ),
              ),
            ),
          );
          // renderDocs builds escaped HTML from the project's own READMEs and API model.
          body.innerHTML = docs.renderDocs(shownId);
          body.dataset.page = page?.id ?? 'not-found';
          finishPage(body, docs.highlight);
          body.scrollTop = 0;
        })
        .catch((error: unknown) => {
          fill(body, errorBox(errorInfo(error), 'The docs could not be loaded:'));
        });
    },
  };
}
