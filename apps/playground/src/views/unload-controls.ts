/**
 * Close and Reload, under the Link tab's libraries: Close drops the reference the link took with
 * `dlopen` (the library is unloaded when nothing else keeps it); Reload swaps a library for
 * another build among the opened files (the example's other builds first), in place.
 */
import type { GraphLibrary } from '@dl/linker';
import type { App, LastChange } from '../app.js';
import { count, fill, h } from './dom.js';
import { errorBox } from './error-box.js';

/** The Close and Reload controls of the current link, or null when nothing is linked. */
export function unloadControls(app: App): HTMLElement | null {
  const outcome = app.link.outcome;
  if (outcome?.ok !== true) return null;
  const opened = new Set(outcome.opened);
  const busy = app.lastChange?.status === 'running';
  const libraries = outcome.graph.libraries.filter((l) => l.id !== 0 && l.name !== app.link.main);
  const unloaded = outcome.unloaded.libraries;
  const resident = new Set(outcome.graph.libraries.map((l) => l.name));
  return h(
    'section',
    { id: 'unload-controls', 'aria-labelledby': 'unload-heading' },
    h('h3', { id: 'unload-heading' }, 'Close and reload'),
    libraries.length === 0
      ? h('p', { class: 'muted' }, 'Nothing is loaded.')
      : h(
          'ul',
          { id: 'library-actions', class: 'library-actions' },
          ...libraries.map((lib) => libraryActions(app, lib, opened.has(lib.name), busy, resident)),
        ),
    changeStatus(app.lastChange),
    unloaded.length === 0
      ? null
      : h(
          'p',
          { id: 'unloaded-list', class: 'muted' },
          `Unloaded since the link: ${unloaded.join(', ')} (${count(unloaded.length, 'library', 'libraries')}).`,
        ),
  );
}

/**
 * The builds offered for `library`: the example's first, then the other opened side modules
 * that are not loaded (a loaded library is not another build of it).
 */
function buildsFor(app: App, library: string, resident: ReadonlySet<string>): string[] {
  const suggested = app.example?.builds?.[library] ?? [];
  const others = app.files.filter((f) => f.opened?.ok === true && !resident.has(f.name)).map((f) => f.name);
  return [...new Set([...suggested.filter((b) => others.includes(b)), ...others])];
}

function libraryActions(
  app: App,
  lib: GraphLibrary,
  opened: boolean,
  busy: boolean,
  resident: ReadonlySet<string>,
): HTMLElement {
  const close = opened
    ? h(
        'button',
        {
          type: 'button',
          class: 'close-library',
          disabled: busy,
          'aria-label': `Close ${lib.name}`,
          onclick: () => void app.close(lib.name),
        },
        'Close',
      )
    : h('span', { class: 'muted small kept-note' }, 'loaded as a dependency: close what needs it');
  const builds = buildsFor(app, lib.name, resident);
  const select = h(
    'select',
    { class: 'reload-build', 'aria-label': `New build of ${lib.name}`, disabled: builds.length === 0 },
    ...builds.map((b) => h('option', { value: b }, b)),
  );
  const reload = h(
    'button',
    {
      type: 'button',
      class: 'reload-library',
      disabled: busy || builds.length === 0,
      'aria-label': `Reload ${lib.name}`,
      title: builds.length === 0 ? 'Open another build of it first (drop or choose a file)' : `Reload ${lib.name}`,
      onclick: () => {
        if (select.value !== '') void app.reload(lib.name, select.value);
      },
    },
    'Reload',
  );
  return h(
    'li',
    { dataset: { library: lib.name } },
    h('span', { class: 'mono library-action-name' }, lib.name),
    close,
    h('span', { class: 'reload-group' }, h('span', { class: 'muted small' }, 'with'), select, reload),
  );
}

function changeStatus(change: LastChange | null): HTMLElement {
  const status = h('div', { id: 'change-status', role: 'status', dataset: { state: change?.status ?? 'idle' } });
  if (change === null) return status;
  const what =
    change.action === 'close' ? `Close ${change.library}` : `Reload ${change.library} with ${change.build ?? ''}`;
  if (change.status === 'running') fill(status, `${what}…`);
  else if (change.error === null)
    fill(
      status,
      change.action === 'close'
        ? `Closed ${change.library}.`
        : `Reloaded ${change.library} with ${change.build ?? ''}: the new build runs in its place.`,
    );
  else fill(status, errorBox(change.error, `${what}:`));
  return status;
}
