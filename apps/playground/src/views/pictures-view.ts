/**
 * Pictures: the link graph drawn by `../pictures` — the NEEDED graph, the memory map, the table
 * map and the symbol table — from the graph the worker posted after the link.
 */
import type { LinkGraph } from '@dl/linker';
import { graphSvg, memoryMapSvg, picturesCss, symbolTableHtml, tableMapSvg } from '../pictures/index.js';
import type { App } from '../app.js';
import { errorInfo } from '../worker/errors.js';
import { fill, h } from './dom.js';
import { errorBox } from './error-box.js';

/** The four pictures: where each goes and how it is drawn. */
const pictures: readonly {
  readonly id: string;
  readonly title: string;
  readonly draw: (graph: LinkGraph) => string;
}[] = [
  { id: 'picture-graph', title: 'Dependency graph', draw: graphSvg },
  { id: 'picture-memory', title: 'Memory map', draw: memoryMapSvg },
  { id: 'picture-table', title: 'Table map', draw: tableMapSvg },
  { id: 'picture-symbols', title: 'Symbols', draw: symbolTableHtml },
];

/** Builds the Pictures tab into `container`. */
export function mountPicturesView(container: HTMLElement, app: App): void {
  document.head.append(h('style', { id: 'pictures-css' }, picturesCss));
  const note = h('p', { class: 'muted', id: 'pictures-note' });
  const areas = pictures.map((p) => ({ ...p, body: h('div', { class: 'picture-body', id: p.id, tabindex: 0 }) }));
  const render = (): void => {
    const outcome = app.link.outcome;
    const graph = outcome?.graph ?? null;
    fill(
      note,
      graph === null
        ? 'Link first: the pictures show what a link produced.'
        : outcome?.ok === false
          ? 'The link failed: these show what stayed loaded.'
          : '',
    );
    for (const area of areas) {
      if (graph === null) {
        fill(area.body);
        continue;
      }
      try {
        // The pictures are built as escaped SVG/HTML text by ../pictures (no script, no handlers).
        area.body.innerHTML = area.draw(graph);
      } catch (error) {
        fill(area.body, errorBox(errorInfo(error), `${area.title} could not be drawn:`));
      }
    }
  };
  app.subscribe((topic) => {
    if (topic === 'link') render();
  });
  render();
  fill(
    container,
    h('h2', {}, 'Pictures'),
    note,
    ...areas.map((a) => h('section', { class: 'picture', dataset: { picture: a.id } }, h('h3', {}, a.title), a.body)),
  );
}
