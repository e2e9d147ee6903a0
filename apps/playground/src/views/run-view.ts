/**
 * Run: every function the linked libraries publish, with an input per parameter typed from the
 * export's wasm type; a call goes to the worker (`dlsym` on the library's handle) and shows the
 * result, or the error as the API reports it.
 */
import type { App } from '../app.js';
import { callKey } from '../app.js';
import { uncallableReason } from '../worker/args.js';
import type { CallableFunction, CallOutcome } from '../worker/protocol.js';
import { fill, h, ms } from './dom.js';
import { errorBox } from './error-box.js';
import { pointerList } from './pointer-list.js';
import type { TypedArguments } from './pointer-list.js';

/** At most this many functions are listed (a grammar exports a handful, libmany.so 2,000). */
const MAX_FUNCTIONS = 300;

/** Builds the Run tab into `container`. */
export function mountRunView(container: HTMLElement, app: App): void {
  const search = h('input', {
    type: 'search',
    id: 'function-search',
    placeholder: 'Search functions…',
    'aria-label': 'Search functions',
  });
  const hint = h('p', { id: 'run-hint', class: 'muted' });
  const list = h('div', { id: 'function-list' });
  const pointers = h('div', { id: 'pointers' });
  const typed: TypedArguments = new Map();
  const rows = new Map<string, CallRow>();

  const renderList = (): void => {
    rows.clear();
    const outcome = app.link.outcome;
    fill(hint, hintOf(app));
    if (outcome?.ok !== true) {
      fill(list, app.link.error === null ? null : errorBox(app.link.error));
      return;
    }
    const needle = search.value.trim().toLowerCase();
    const shown = outcome.functions.filter(
      (f) => needle === '' || f.name.toLowerCase().includes(needle) || f.library.toLowerCase().includes(needle),
    );
    const sections = librarySections(app, shown, rows);
    fill(list, ...(sections.length === 0 ? [h('p', { class: 'muted' }, 'No function matches.')] : sections));
    renderResults();
  };

  const renderResults = (): void => {
    if (app.pointers.length === 0) typed.clear();
    fill(pointers, app.link.outcome?.ok === true || app.pointers.length > 0 ? pointerList(app, typed) : null);
    for (const [key, { output, button }] of rows) {
      const result = app.calls.get(key);
      button.classList.toggle('busy', result === 'pending');
      if (result === undefined) fill(output);
      else if (result === 'pending') fill(output, h('span', { class: 'muted' }, 'calling…'));
      else if (result.ok) fill(output, ...resultView(result));
      else fill(output, errorBox(result.error));
    }
  };

  search.addEventListener('input', renderList);
  app.subscribe((topic) => {
    if (topic === 'example') search.value = '';
    if (topic === 'link') renderList();
    if (topic === 'calls') renderResults();
  });
  renderList();
  fill(container, h('h2', {}, 'Run'), hint, h('div', { class: 'toolbar' }, search), list, pointers);
}

/** One function's row: its arguments, Call, its address, and where the result shows. */
interface CallRow {
  readonly row: HTMLElement;
  readonly output: HTMLElement;
  readonly button: HTMLButtonElement;
}

function functionRow(app: App, f: CallableFunction): CallRow {
  const reason = uncallableReason(f.params, f.results);
  const inputs = f.params.map((type, i) =>
    h('input', {
      type: 'text',
      class: 'arg',
      placeholder: type,
      'aria-label': `${f.name} argument ${i + 1} (${type})`,
      size: 8,
    }),
  );
  const button = h(
    'button',
    { type: 'button', class: 'call', disabled: reason !== null, title: reason ?? `Call ${f.name}` },
    'Call',
  );
  const output = h('div', { class: 'call-output' });
  const address = h(
    'button',
    {
      type: 'button',
      class: 'take-address',
      'aria-label': `Take the address of ${f.name} (a function pointer)`,
      title: `&${f.name}: a function pointer, kept after Close and Reload`,
      onclick: () => void app.takeAddress(f.library, f.name),
    },
    '&',
  );
  const call = (): void => {
    void app.call(
      f.library,
      f.name,
      inputs.map((input) => input.value),
    );
  };
  button.addEventListener('click', call);
  for (const input of inputs)
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') call();
    });
  const signature = `(${f.params.join(', ')}) -> ${f.results.length === 1 ? f.results[0]! : `(${f.results.join(', ')})`}`;
  const row = h(
    'div',
    { class: 'function-row', dataset: { function: f.name, library: f.library } },
    h('span', { class: 'mono fn-name' }, f.name),
    h('span', { class: 'mono muted fn-type' }, signature),
    h('span', { class: 'args' }, ...inputs),
    button,
    address,
    output,
  );
  return { row, output, button };
}

/** A call's result, with its time and what the host functions saw. */
function resultView(result: Extract<CallOutcome, { ok: true }>): HTMLElement[] {
  const host =
    result.host.notes.length > 0 || result.host.logs.length > 0
      ? `  · host_note ${JSON.stringify(result.host.notes)}, host_log ${JSON.stringify(result.host.logs)}`
      : '';
  return [
    h('output', { class: 'result', dataset: { result: result.result } }, `= ${result.result}`),
    h('span', { class: 'muted small' }, ` in ${ms(result.ms)}${host}`),
  ];
}

/** What the tab says above the list: how the link stands, or which function to try. */
function hintOf(app: App): string {
  if (app.link.outcome?.ok !== true) {
    if (app.link.status === 'running') return 'Linking…';
    return app.link.status === 'cancelled'
      ? 'The worker was restarted: link again.'
      : 'Link first: the functions of the linked libraries show here.';
  }
  const tryCalling = app.example?.tryCalling;
  return tryCalling === undefined
    ? 'Type arguments and call.'
    : `Try ${tryCalling.name} in ${tryCalling.library}: it returns ${tryCalling.expect} when everything was linked right.`;
}

/** The shown functions grouped by library (at most {@link MAX_FUNCTIONS} each); each row goes into `rows` by its call key. */
function librarySections(app: App, shown: readonly CallableFunction[], rows: Map<string, CallRow>): HTMLElement[] {
  const libraries = [...new Set(shown.map((f) => f.library))];
  const sections = libraries.map((library) =>
    h(
      'section',
      { class: 'library-functions', dataset: { library } },
      h('h3', { class: 'mono' }, library),
      h(
        'div',
        { class: 'function-rows' },
        ...shown
          .filter((f) => f.library === library)
          .slice(0, MAX_FUNCTIONS)
          .map((f) => {
            const r = functionRow(app, f);
            rows.set(callKey(f.library, f.name), r);
            return r.row;
          }),
      ),
    ),
  );
  return sections;
}
