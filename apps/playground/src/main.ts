/**
 * The playground page: mounts the views, routes `#example=<id>` (an example set, shareable),
 * `#/docs/<id>` (the docs) and `view=<tab>`, and shows whether the worker is busy (Cancel).
 */
import './style.css';
import { App } from './app.js';
import type { View } from './app.js';
import { byId, ms } from './views/dom.js';
import { tabKeyTarget } from './views/tab-keys.js';
import { mountDocsView } from './views/docs-view.js';
import { mountInspectView } from './views/inspect-view.js';
import { mountLinkView } from './views/link-view.js';
import { mountOpenView } from './views/open-view.js';
import { mountPicturesView } from './views/pictures-view.js';
import { mountRunView } from './views/run-view.js';
import { mountSetupView } from './views/setup-view.js';
import { mountSqliteView } from './views/sqlite-view.js';

const views: readonly View[] = ['inspect', 'link', 'run', 'pictures'];
const app = new App();

// An example picked from the menu shows its link (the Link tab); a deep link keeps the tab it names.
mountOpenView(byId('open-section', HTMLElement), app, (id) => {
  location.hash = hashFor(id, 'inspect');
});
mountSetupView(byId('setup-section', HTMLElement), app);
mountInspectView(byId('view-inspect', HTMLElement), app);
mountLinkView(byId('view-link', HTMLElement), app);
mountRunView(byId('view-run', HTMLElement), app);
mountSqliteView(byId('view-run', HTMLElement), app);
mountPicturesView(byId('view-pictures', HTMLElement), app);
const docs = mountDocsView(byId('docs', HTMLElement));

/** The hash for an example and a tab. */
function hashFor(example: string | null, view: View): string {
  const params = new URLSearchParams();
  if (example !== null && example !== '') params.set('example', example);
  if (view !== 'inspect') params.set('view', view);
  return params.toString();
}

/** Records the current example and tab in the URL without a new history entry. */
function recordInUrl(): void {
  if (/^#\/?docs(\/|$)/.test(location.hash)) return;
  const hash = hashFor(app.example?.id ?? null, app.view);
  if (location.hash.slice(1) !== hash)
    history.replaceState(null, '', hash === '' ? location.pathname + location.search : `#${hash}`);
}

// Tabs: click, or the arrow keys, Home and End (the WAI-ARIA tabs pattern, activation follows focus).
const tabs = [...document.querySelectorAll<HTMLButtonElement>('.tabs [role=tab]')];
for (const tab of tabs) {
  tab.addEventListener('click', () => {
    const view = views.find((v) => v === tab.dataset.view);
    if (view !== undefined) app.show(view);
  });
  tab.addEventListener('keydown', (event) => {
    const next = tabKeyTarget(event.key, tabs.indexOf(tab), tabs.length);
    if (next === null) return;
    event.preventDefault();
    const view = views.find((v) => v === tabs[next]?.dataset.view);
    if (view !== undefined) app.show(view);
    tabs[next]?.focus();
  });
}
function showTab(): void {
  for (const tab of tabs) {
    const selected = tab.dataset.view === app.view;
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
  }
  for (const panel of document.querySelectorAll<HTMLElement>('.panel')) panel.hidden = panel.dataset.view !== app.view;
  recordInUrl();
}

// The worker's state and Cancel.
const cancel = byId('cancel-button', HTMLButtonElement);
const state = byId('worker-state', HTMLSpanElement);
let busySince = 0;
let ticker = 0;
function showBusy(): void {
  cancel.disabled = !app.client.busy;
  if (app.client.busy) {
    if (busySince === 0) busySince = performance.now();
    state.textContent = `worker busy ${ms(performance.now() - busySince)}`;
    ticker ||= window.setInterval(showBusy, 100);
  } else {
    busySince = 0;
    window.clearInterval(ticker);
    ticker = 0;
    state.textContent = 'worker idle';
  }
  state.dataset.busy = String(app.client.busy);
}
cancel.addEventListener('click', () => {
  app.cancel();
});

app.subscribe((topic) => {
  if (topic === 'view') showTab();
  if (topic === 'busy') showBusy();
  if (topic === 'files') recordInUrl();
});

// Routes.
function route(): void {
  const hash = location.hash.slice(1);
  // `#/docs/<id>`, and `#docs/<id>` as the docs' own links write it.
  const onDocs = /^\/?docs(\/|$)/.test(hash);
  byId('playground', HTMLDivElement).hidden = onDocs;
  byId('docs', HTMLElement).hidden = !onDocs;
  byId('nav-docs', HTMLAnchorElement).classList.toggle('current', onDocs);
  byId('nav-playground', HTMLAnchorElement).classList.toggle('current', !onDocs);
  if (onDocs) {
    const id = hash.replace(/^\/?docs\/?/, '');
    docs.show(id === '' ? null : decodeURIComponent(id));
    return;
  }
  const params = new URLSearchParams(hash);
  const view = views.find((v) => v === params.get('view'));
  if (view !== undefined && view !== app.view) app.show(view);
  const example = params.get('example');
  if (example !== null && example !== app.example?.id) void app.loadExample(example, view !== undefined);
}
window.addEventListener('hashchange', route);
// Route first: the URL's example is taken before the tabs record the state in the URL.
route();
showTab();
showBusy();
