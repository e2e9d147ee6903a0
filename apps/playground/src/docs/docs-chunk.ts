/**
 * What the Docs view loads on first visit (a chunk of its own): the renderer and the API model
 * that TypeDoc's JSON was turned into at build time (`virtual:dl-api`, see vite.config.ts).
 */
import generated from 'virtual:dl-api';
import type { ApiModel } from './api-model.js';
import { renderDocs as render } from './index.js';

/** The model vite.config.ts made with apiModelFrom (./api-model.ts). */
const api = generated as ApiModel;

export { docsCss, docsPages } from './index.js';
export { highlight } from './highlight.js';

/** The HTML of the docs page `id`, or the "not found" page. */
export function renderDocs(id: string): string {
  return render(api, id);
}
