/**
 * The opened files (with their state: read, refused with an error code) and the link set-up:
 * the main program (the JS host or a main module) and each library's dlopen flags.
 */
import type { App, FileEntry } from '../app.js';
import { bytes, fill, h } from './dom.js';

/** Builds the Files and Link set-up sections into `container`. */
export function mountSetupView(container: HTMLElement, app: App): void {
  const list = h('ul', { class: 'file-list', id: 'file-list' });
  const setup = h('div', { class: 'setup', id: 'link-setup' });
  const linkButton = h(
    'button',
    {
      type: 'button',
      id: 'link-button',
      class: 'primary',
      onclick: () => {
        app.show('link');
        void app.runLink();
      },
    },
    'Link',
  );

  const renderFiles = (): void => {
    if (app.files.length === 0) {
      fill(list, h('li', { class: 'muted' }, 'No files yet.'));
      return;
    }
    fill(list, ...app.files.map((file) => fileRow(app, file)));
  };

  const renderSetup = (): void => {
    const usable = app.files.filter((f) => f.opened?.ok === true);
    const program = programSelect(app, usable);
    const rows = usable
      .filter((f) => !(app.program.kind === 'main' && app.program.name === f.name))
      .map((f) => libraryRow(app, f.name));
    linkButton.disabled = app.link.status === 'running';
    fill(
      setup,
      h('label', { class: 'field' }, 'Program ', program),
      rows.length === 0
        ? h('p', { class: 'muted' }, 'No side module to load yet.')
        : h('ul', { class: 'library-list', 'aria-label': 'Libraries to load, with their dlopen flags' }, ...rows),
      linkButton,
    );
  };

  app.subscribe((topic) => {
    if (topic === 'files' || topic === 'selection') renderFiles();
    if (topic === 'files' || topic === 'setup' || topic === 'link') renderSetup();
  });
  renderFiles();
  renderSetup();
  fill(container, h('h2', {}, 'Files'), list, h('h2', {}, 'Link set-up'), setup);
}

/** The main program's chooser: the JS host, or one of the files that opened. */
function programSelect(app: App, usable: readonly FileEntry[]): HTMLSelectElement {
  const program = h(
    'select',
    { id: 'program-select', 'aria-label': 'Main program' },
    h('option', { value: '', selected: app.program.kind === 'host' }, 'JS host (no main module)'),
    ...usable.map((f) =>
      h(
        'option',
        { value: f.name, selected: app.program.kind === 'main' && app.program.name === f.name },
        `main module: ${f.name}`,
      ),
    ),
  );
  program.addEventListener('change', () => {
    app.setProgram(program.value === '' ? { kind: 'host' } : { kind: 'main', name: program.value });
  });
  return program;
}

function fileRow(app: App, file: FileEntry): HTMLElement {
  const opened = file.opened;
  const status =
    opened === null
      ? h('span', { class: 'badge pending' }, 'reading…')
      : opened.ok
        ? h('span', { class: 'badge ok' }, opened.report.format)
        : h('span', { class: 'badge bad', title: opened.error.message }, opened.error.code ?? opened.error.name);
  const size = opened?.size ?? (file.source.kind === 'blob' ? file.source.blob.size : null);
  return h(
    'li',
    {
      class: app.selected === file.name ? 'selected' : '',
      dataset: { file: file.name, state: opened === null ? 'pending' : opened.ok ? 'ok' : 'error' },
    },
    h(
      'button',
      {
        type: 'button',
        class: 'file-name',
        title: `Inspect ${file.name}`,
        onclick: () => {
          app.select(file.name);
          app.show('inspect');
        },
      },
      file.name,
    ),
    status,
    h('span', { class: 'muted small' }, size === null ? '' : bytes(size)),
    h(
      'button',
      {
        type: 'button',
        class: 'remove',
        title: `Remove ${file.name}`,
        'aria-label': `Remove ${file.name}`,
        onclick: () => {
          app.leaveExample();
          void app.removeFile(file.name);
        },
      },
      '×',
    ),
  );
}

function libraryRow(app: App, name: string): HTMLElement {
  const setting = app.settings.get(name) ?? { load: false, binding: 'now', scope: 'global' };
  const load = h('input', { type: 'checkbox', checked: setting.load, 'aria-label': `Load ${name}` });
  load.addEventListener('change', () => {
    app.setLibrary(name, { load: load.checked });
  });
  const binding = h(
    'select',
    { 'aria-label': `Binding of ${name}` },
    h('option', { value: 'now', selected: setting.binding === 'now' }, 'RTLD_NOW'),
    h('option', { value: 'lazy', selected: setting.binding === 'lazy' }, 'RTLD_LAZY'),
  );
  binding.addEventListener('change', () => {
    app.setLibrary(name, { binding: binding.value === 'lazy' ? 'lazy' : 'now' });
  });
  const scope = h(
    'select',
    { 'aria-label': `Scope of ${name}` },
    h('option', { value: 'global', selected: setting.scope === 'global' }, 'RTLD_GLOBAL'),
    h('option', { value: 'local', selected: setting.scope === 'local' }, 'RTLD_LOCAL'),
  );
  scope.addEventListener('change', () => {
    app.setLibrary(name, { scope: scope.value === 'local' ? 'local' : 'global' });
  });
  // { reloadable: true }: importers bind through the PLT, so Reload can swap it (Link tab).
  const reloadable = h('input', { type: 'checkbox', class: 'reloadable', checked: setting.reloadable === true });
  reloadable.addEventListener('change', () => {
    app.setLibrary(name, { reloadable: reloadable.checked });
  });
  return h(
    'li',
    { dataset: { library: name } },
    h('label', { class: 'library-name' }, load, h('span', { class: 'mono' }, name)),
    h(
      'span',
      { class: 'flags' },
      binding,
      scope,
      h(
        'label',
        { class: 'flag-check', title: `Open ${name} { reloadable: true }: its importers bind through the PLT` },
        reloadable,
        ' reloadable',
      ),
    ),
  );
}
