/**
 * Opening modules: drop `.so`/`.wasm` files anywhere on the page or pick them, or choose a
 * bundled example set (recorded in the URL as `#example=<id>`).
 */
import type { App } from '../app.js';
import { exampleSets } from '../examples.js';
import { fill, h } from './dom.js';
import { errorBox } from './error-box.js';

/** Builds the Open section into `container`; `onExample` is called when an example is picked. */
export function mountOpenView(container: HTMLElement, app: App, onExample: (id: string) => void): void {
  // Right under the drop zone, where the user just dropped or picked: what was refused, and why.
  const feedback = h('div', { id: 'open-feedback', 'aria-live': 'polite' });
  const input = h('input', {
    type: 'file',
    multiple: true,
    id: 'file-input',
    class: 'visually-hidden',
    'aria-label': 'Open .so or .wasm files',
  });
  const openPicked = (list: FileList | null): void => {
    openFiles(app, feedback, list);
  };
  input.addEventListener('change', () => {
    openPicked(input.files);
    input.value = '';
  });

  // Not a button itself (a button inside a button is one control too many): the keyboard uses "choose files…".
  const zone = h(
    'div',
    { class: 'drop-zone', id: 'drop-zone' },
    h('strong', {}, 'Drop .so / .wasm files here'),
    h('span', {}, ' or '),
    h(
      'button',
      {
        type: 'button',
        class: 'link-button',
        id: 'choose-files',
        onclick: () => {
          input.click();
        },
      },
      'choose files…',
    ),
  );
  watchDrags(zone, openPicked);

  const { select, description, update } = exampleChooser(app, onExample);
  app.subscribe((topic) => {
    if (topic === 'files' || topic === 'setup') update();
    if (topic === 'example') fill(feedback);
    // A refused file that was removed takes its message along.
    if (topic === 'files')
      for (const box of feedback.querySelectorAll<HTMLElement>('[data-file]'))
        if (!app.files.some((f) => f.name === box.dataset.file)) box.remove();
  });
  update();

  fill(
    container,
    h('h2', {}, 'Open'),
    zone,
    feedback,
    input,
    h('label', { class: 'field' }, 'Example ', select),
    description,
  );
}

/** Opens picked or dropped files; what was refused is said under the drop zone and shown in Inspect. */
function openFiles(app: App, feedback: HTMLElement, list: FileList | null): void {
  const files = [...(list ?? [])];
  if (files.length === 0) return;
  app.leaveExample();
  fill(feedback);
  const names = new Set(files.map((file) => file.name));
  void app.openFiles(files.map((file) => ({ name: file.name, source: { kind: 'blob', blob: file } }))).then(() => {
    const refused = app.files.flatMap((f) => (names.has(f.name) && f.opened?.ok === false ? [f.opened] : []));
    fill(
      feedback,
      ...refused.map((f) => {
        const box = errorBox(f.error, `${f.name} cannot be used:`);
        box.dataset.file = f.name;
        return box;
      }),
    );
    // The Inspect tab shows the first refused file, so the main view is not left on something else.
    const first = refused[0];
    if (first !== undefined) {
      app.select(first.name);
      app.show('inspect');
    }
  });
}

/** Files dropped anywhere on the page are opened; the drop zone lights up while they are dragged over the window. */
function watchDrags(zone: HTMLElement, open: (files: FileList | null) => void): void {
  let depth = 0;
  const hasFiles = (event: DragEvent): boolean => event.dataTransfer?.types.includes('Files') ?? false;
  window.addEventListener('dragenter', (event) => {
    if (hasFiles(event)) {
      depth++;
      zone.classList.add('dragging');
    }
  });
  window.addEventListener('dragleave', (event) => {
    if (hasFiles(event) && --depth <= 0) {
      depth = 0;
      zone.classList.remove('dragging');
    }
  });
  window.addEventListener('dragover', (event) => {
    if (hasFiles(event)) event.preventDefault();
  });
  window.addEventListener('drop', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth = 0;
    zone.classList.remove('dragging');
    open(event.dataTransfer?.files ?? null);
  });
}

/** The example sets' selector and the open set's description; `update` shows the open set. */
function exampleChooser(
  app: App,
  onExample: (id: string) => void,
): { select: HTMLSelectElement; description: HTMLElement; update: () => void } {
  const select = h(
    'select',
    { id: 'example-select', 'aria-label': 'Example set' },
    h('option', { value: '' }, 'Choose an example set…'),
    ...exampleSets.map((set) => h('option', { value: set.id }, set.title)),
  );
  select.addEventListener('change', () => {
    if (select.value !== '') onExample(select.value);
  });
  const description = h('p', { class: 'example-description', id: 'example-description' });
  const update = (): void => {
    select.value = app.example?.id ?? '';
    fill(description, app.example?.description ?? 'Or start from one of the bundled sets of real modules.');
  };
  return { select, description, update };
}
