/**
 * Pictures: the link graph drawn by `../pictures` — the NEEDED graph, the memory map, the table
 * map and the symbol table — from the graph the worker posted after the link.
 */
import type { LinkGraph } from '@dl/linker';
import type { Unloaded } from '../worker/protocol.js';
import { graphSvg, memoryMapSvg, picturesCss, symbolTableHtml, tableMapSvg } from '../pictures/index.js';
import type { App } from '../app.js';
import { errorInfo } from '../worker/errors.js';
import { fill, h } from './dom.js';
import { errorBox } from './error-box.js';

/** The four pictures: where each goes and how it is drawn. */
const pictures: readonly {
  readonly id: string;
  readonly title: string;
  readonly draw: (graph: LinkGraph, unloaded: Unloaded) => string;
}[] = [
  { id: 'picture-graph', title: 'Dependency graph', draw: (graph) => graphSvg(graph) },
  { id: 'picture-memory', title: 'Memory map', draw: (graph, u) => memoryMapSvg(graph, u.freedMemory) },
  { id: 'picture-table', title: 'Table map', draw: (graph, u) => tableMapSvg(graph, u.quarantinedSlots) },
  { id: 'picture-symbols', title: 'Symbols', draw: (graph) => symbolTableHtml(graph) },
];

const nothingUnloaded: Unloaded = { libraries: [], freedMemory: [], quarantinedSlots: [] };

/** What Close and Reload changed, in a sentence (empty before any). */
function unloadNote(unloaded: Unloaded): string {
  const gone = unloaded.libraries.length === 0 ? '' : `Unloaded since the link: ${unloaded.libraries.join(', ')}. `;
  const marks = unloaded.freedMemory.length > 0 || unloaded.quarantinedSlots.length > 0;
  return `${gone}${marks ? 'Dashed: memory given back by unloads and reloads, and table slots in quarantine.' : ''}`;
}

/** Builds the Pictures tab into `container`. */
export function mountPicturesView(container: HTMLElement, app: App): void {
  document.head.append(h('style', { id: 'pictures-css' }, picturesCss));
  const note = h('p', { class: 'muted', id: 'pictures-note' });
  const areas = pictures.map((p) => ({ ...p, body: h('div', { class: 'picture-body', id: p.id, tabindex: 0 }) }));
  const render = (): void => {
    const outcome = app.link.outcome;
    const graph = outcome?.graph ?? null;
    const unloaded = outcome?.ok === true ? outcome.unloaded : nothingUnloaded;
    fill(
      note,
      graph === null
        ? 'Link first: the pictures show what a link produced.'
        : outcome?.ok === false
          ? 'The link failed: these show what stayed loaded.'
          : unloadNote(unloaded),
    );
    for (const area of areas) {
      if (graph === null) {
        fill(area.body);
        continue;
      }
      try {
        // The pictures are built as escaped SVG/HTML text by ../pictures (no script, no handlers).
        area.body.innerHTML = area.draw(graph, unloaded);
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
