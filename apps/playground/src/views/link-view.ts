/**
 * Link: progress from the linker's events as they arrive from the worker, the timings of each
 * load's phases (the `done` event's `phases`), and what was linked — libraries with their
 * scope, memory and table ranges, the scopes and the interpositions.
 */
import type { GraphLibrary, LinkGraph } from '@dl/linker';
import type { App, LinkRun } from '../app.js';
import type { PostedEvent } from '../worker/protocol.js';
import { bytes, count, fill, h, ms } from './dom.js';
import { errorBox } from './error-box.js';
import { unloadControls } from './unload-controls.js';

/** The events of one library's load (not a load's end, nor unloading). */
type LoadStage = Exclude<PostedEvent['type'], 'done' | 'failed' | 'unload' | 'reload' | 'leak'>;

/** How far each library got: resolve 1, compile 2, instantiate 3, relocate/init 4. */
const stageOf: Readonly<Record<LoadStage, number>> = {
  resolve: 1,
  compile: 2,
  instantiate: 3,
  relocate: 4,
  init: 4,
};

/** Builds the Link tab into `container`. */
export function mountLinkView(container: HTMLElement, app: App): void {
  const status = h('p', { id: 'link-status', role: 'status' });
  const progress = h('progress', { id: 'link-progress', max: 1 });
  const timings = h('div', { id: 'link-timings' });
  const result = h('div', { id: 'link-result' });
  const log = h('ol', { id: 'link-events', class: 'event-log', tabindex: 0, 'aria-label': 'Linker events' });
  const render = (): void => {
    const run = app.link;
    const { done, total } = progressOf(run.events);
    progress.max = Math.max(total, 1);
    progress.value = run.status === 'done' ? progress.max : done;
    progress.dataset.state = run.status;
    fill(status, statusText(run, done, total));
    fill(log, ...run.events.map((e) => h('li', { class: `event event-${e.type}` }, eventText(e, run.main))));
    const loads = run.events.filter((e): e is Extract<PostedEvent, { type: 'done' }> => e.type === 'done');
    fill(
      timings,
      ...(loads.length === 0
        ? []
        : [
            h('h3', {}, 'Timings by phase'),
            h('div', { class: 'table-scroll', tabindex: 0 }, timingTable(loads, run.main)),
          ]),
    );
    const outcome = run.outcome;
    const graph = outcome?.graph ?? null;
    fill(
      result,
      run.error === null ? null : errorBox(run.error),
      outcome !== null && !outcome.ok ? errorBox(outcome.error) : null,
      graph === null
        ? null
        : graph.libraries.length === 0 && outcome?.ok === false
          ? h('p', { class: 'muted' }, 'Nothing stayed loaded: a failed load changes nothing.')
          : graphTables(graph, outcome?.ok === false),
      unloadControls(app),
      outcome?.ok === true && (outcome.host.notes.length > 0 || outcome.host.logs.length > 0)
        ? h(
            'p',
            { class: 'host-record' },
            `JS host: host_note ${JSON.stringify(outcome.host.notes)}, host_log ${JSON.stringify(outcome.host.logs)}`,
          )
        : null,
    );
  };
  app.subscribe((topic) => {
    // Files too: a file opened after the link is a build Reload can take.
    if (topic === 'link' || topic === 'files') render();
  });
  render();
  fill(container, h('h2', {}, 'Link'), status, progress, result, timings, h('h3', {}, 'Linker events'), log);
}

/** Library stages reached, of four per library found. */
function progressOf(events: readonly PostedEvent[]): { done: number; total: number } {
  const stages = new Map<string, number>();
  for (const e of events) {
    if (!(e.type in stageOf) || !('library' in e)) continue;
    stages.set(e.library, Math.max(stages.get(e.library) ?? 0, stageOf[e.type as LoadStage]));
  }
  return { done: [...stages.values()].reduce((a, b) => a + b, 0), total: stages.size * 4 };
}

function statusText(run: LinkRun, done: number, total: number): string {
  const libraries = total / 4;
  switch (run.status) {
    case 'idle':
      return 'Not linked yet: choose the program and libraries, then Link.';
    case 'running':
      return `Linking… ${count(libraries, 'library', 'libraries')} found, ${Math.round((100 * done) / Math.max(total, 1))}% done`;
    case 'done': {
      const ok = run.outcome?.ok === true ? run.outcome : null;
      return `Linked: ${count(ok?.graph.libraries.length ?? 0, 'library', 'libraries')} in ${ms(ok?.ms ?? 0)}.`;
    }
    case 'failed':
      return 'The link failed:';
    case 'cancelled':
      return 'Cancelled.';
  }
}

/**
 * What a load loaded: its roots, or for the program's own load (a main module, which has no
 * dlopen roots) the main module's name.
 */
export function loadName(roots: readonly string[], main: string | null): string {
  if (roots.length > 0) return roots.join(', ');
  return main === null ? 'the program' : `${main} (main module)`;
}

/** Memory as every view words it: `base..end (N bytes)`, and `at base (0 bytes)` for none. */
export function memoryText(base: number, size: number): string {
  return size === 0 ? `at ${base} (0 bytes)` : `${base}..${base + size} (${bytes(size)})`;
}

function eventText(e: PostedEvent, main: string | null): string {
  switch (e.type) {
    case 'resolve':
      return `resolve ${e.library} (${bytes(e.bytes)})${e.neededBy === null ? '' : `, needed by ${e.neededBy}`}`;
    case 'compile':
      return `compile ${e.library}: ${ms(e.ms)}`;
    case 'instantiate':
      return `instantiate ${e.library}: memory ${memoryText(e.memoryBase, e.memorySize)}, table at ${e.tableBase} (${count(e.tableSize, 'slot')}), ${ms(e.ms)}`;
    case 'relocate':
      return `relocate ${e.library}: ${ms(e.ms)}`;
    case 'init':
      return `init ${e.library}: ${ms(e.ms)}`;
    case 'done':
      return `done ${loadName(e.roots, main)}: ${count(e.libraries, 'new library', 'new libraries')} in ${ms(e.ms)}`;
    case 'failed':
      return `failed ${loadName(e.roots, main)}: ${e.code} ${e.message}`;
    case 'unload':
      return `unload ${e.library}: ${bytes(e.memoryBytes)} of memory and ${count(e.tableSlots, 'table slot')} given back, ${ms(e.ms)}`;
    case 'reload':
      return `reload ${e.library}: the new build runs in its place, ${ms(e.ms)}`;
    case 'leak':
      return `leak ${e.library}: ${count(e.count, 'block')} (${bytes(e.bytes)}) still allocated at unload`;
  }
}

function timingTable(loads: readonly Extract<PostedEvent, { type: 'done' }>[], main: string | null): HTMLElement {
  const phases = [...new Set(loads.flatMap((l) => Object.keys(l.phases)))];
  return h(
    'table',
    { class: 'data-table', id: 'timings-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'load'),
        ...phases.map((p) => h('th', { class: 'num' }, p)),
        h('th', { class: 'num' }, 'total'),
      ),
    ),
    h(
      'tbody',
      {},
      ...loads.map((l) =>
        h(
          'tr',
          { dataset: { load: l.roots.length > 0 ? l.roots.join(',') : (main ?? '') } },
          h('td', { class: 'mono' }, loadName(l.roots, main)),
          ...phases.map((p) => h('td', { class: 'num' }, l.phases[p] === undefined ? '' : ms(l.phases[p]))),
          h('td', { class: 'num' }, ms(l.ms)),
        ),
      ),
    ),
  );
}

function scopeOf(lib: GraphLibrary): string {
  if (lib.global) return 'global';
  return lib.group === null ? '—' : `local group ${lib.group}`;
}

/** The libraries table's body: one row per library, in load order. */
function libraryRows(graph: LinkGraph): HTMLElement {
  const names = new Map(graph.libraries.map((l) => [l.id, l.name]));
  return h(
    'tbody',
    {},
    ...graph.libraries.map((l) =>
      h(
        'tr',
        { dataset: { library: l.name, memoryBase: String(l.memory.base), memorySize: String(l.memory.size) } },
        h('td', { class: 'num' }, String(l.id)),
        h('td', { class: 'mono' }, l.name),
        h('td', {}, scopeOf(l)),
        h('td', { class: 'mono' }, l.needed.map((id) => names.get(id) ?? `#${id}`).join(', ')),
        h('td', { class: 'mono' }, memoryText(l.memory.base, l.memory.size)),
        h('td', { class: 'mono' }, l.table.size === 0 ? '—' : `${l.table.base}..${l.table.base + l.table.size}`),
        h('td', { class: 'num' }, String(l.exports)),
        h('td', {}, l.lazy.length === 0 ? '' : `${l.lazy.filter((x) => x.bound).length}/${l.lazy.length} bound`),
      ),
    ),
  );
}

function graphTables(graph: LinkGraph, partial: boolean): HTMLElement {
  return h(
    'div',
    { class: 'graph-tables' },
    h(
      'h3',
      {},
      partial ? 'Still loaded after the failure' : 'Libraries',
      h('span', { class: 'muted' }, ' — in load order'),
    ),
    h(
      'div',
      { class: 'table-scroll', tabindex: 0 },
      h(
        'table',
        { class: 'data-table', id: 'libraries-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['id', 'library', 'scope', 'needs', 'memory', 'table', 'exports', 'lazy'].map((c) => h('th', {}, c)),
          ),
        ),
        libraryRows(graph),
      ),
    ),
    h('h3', {}, 'Scopes'),
    h(
      'ul',
      { id: 'scopes-list' },
      ...graph.scopes.map((s) =>
        h(
          'li',
          { dataset: { scope: String(s.id) } },
          `${s.kind === 'global' ? 'global scope' : `local group ${s.id}`}: `,
          h('span', { class: 'mono' }, s.members.join(' → ')),
        ),
      ),
    ),
    graph.interpositions.length === 0 ? null : h('h3', {}, 'Interpositions'),
    graph.interpositions.length === 0
      ? null
      : h(
          'ul',
          {},
          ...graph.interpositions.map((i) =>
            h('li', { class: 'mono' }, `${i.name}: ${i.winner} wins over ${i.losers.join(', ')} (scope ${i.scope})`),
          ),
        ),
    h(
      'p',
      { class: 'muted' },
      `Memory: ${bytes(graph.memory.bytes)}, ${count(graph.memory.reservations.length, 'reservation')}; table: ${count(graph.table.length, 'slot')}.`,
    ),
  );
}
