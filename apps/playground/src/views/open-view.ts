/**
 * Opening modules: drop `.so`/`.wasm` files anywhere on the page or pick them, or choose a
 * bundled example set (recorded in the URL as `#example=<id>`).
 */
import type { App } from '../app.js';
import { exampleSets } from '../examples.js';
import { fill, h } from './dom.js';

/** Builds the Open section into `container`; `onExample` is called when an example is picked. */
export function mountOpenView(container: HTMLElement, app: App, onExample: (id: string) => void): void {
  const input = h('input', { type: 'file', multiple: true, id: 'file-input', class: 'visually-hidden', 'aria-label': 'Open .so or .wasm files' });
  const openPicked = (list: FileList | null): void => {
    const files = [...(list ?? [])];
    if (files.length === 0) return;
    app.leaveExample();
    void app.openFiles(files.map((file) => ({ name: file.name, source: { kind: 'blob', blob: file } })));
  };
  input.addEventListener('change', () => {
    openPicked(input.files);
    input.value = '';
  });

  const zone = h('div', { class: 'drop-zone', id: 'drop-zone', tabindex: 0, role: 'button', 'aria-label': 'Drop files here, or press Enter to choose files' },
    h('strong', {}, 'Drop .so / .wasm files here'),
    h('span', {}, ' or '),
    h('button', { type: 'button', class: 'link-button', onclick: () => { input.click(); } }, 'choose files…'),
  );
  zone.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); input.click(); }
  });
  // Anywhere on the page: the drop zone lights up while files are dragged over the window.
  let depth = 0;
  const hasFiles = (event: DragEvent): boolean => event.dataTransfer?.types.includes('Files') ?? false;
  window.addEventListener('dragenter', (event) => { if (hasFiles(event)) { depth++; zone.classList.add('dragging'); } });
  window.addEventListener('dragleave', (event) => { if (hasFiles(event) && --depth <= 0) { depth = 0; zone.classList.remove('dragging'); } });
  window.addEventListener('dragover', (event) => { if (hasFiles(event)) event.preventDefault(); });
  window.addEventListener('drop', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth = 0;
    zone.classList.remove('dragging');
    openPicked(event.dataTransfer?.files ?? null);
  });

  const select = h('select', { id: 'example-select', 'aria-label': 'Example set' },
    h('option', { value: '' }, 'Choose an example set…'),
    ...exampleSets.map((set) => h('option', { value: set.id }, set.title)),
  );
  select.addEventListener('change', () => { if (select.value !== '') onExample(select.value); });
  const description = h('p', { class: 'example-description', id: 'example-description' });
  const update = (): void => {
    select.value = app.example?.id ?? '';
    fill(description, app.example?.description ?? 'Or start from one of the bundled sets of real modules.');
  };
  app.subscribe((topic) => { if (topic === 'files' || topic === 'setup') update(); });
  update();

  fill(container, h('h2', {}, 'Open'), zone, input, h('label', { class: 'field' }, 'Example ', select), description);
}
