/**
 * The SQLite console of a WASI example set (sqlite-example.ts), in the Run tab: ready queries,
 * a query box, and what the program printed — its rows (columns split at `|`, as the driver
 * prints them) and SQLite's `Error: …` lines — from a fresh run of the WASI main in the worker.
 * When the example's build outputs are missing, it says which command builds them.
 */
import './sqlite-view.css';
import type { App } from '../app.js';
import type { WasiExample } from '../examples.js';
import { outputLines, statementsOf } from '../sqlite-example.js';
import { CancelledError, WorkerError } from '../worker/client.js';
import { errorInfo } from '../worker/errors.js';
import type { WasiRunOutcome } from '../worker/wasi-protocol.js';
import { errorBox } from './error-box.js';
import { fill, h, ms } from './dom.js';

/** Adds the console to the Run panel (`container`); it shows only while a WASI example is open. */
export function mountSqliteView(container: HTMLElement, app: App): void {
  const section = h('section', { id: 'sqlite-console', 'aria-labelledby': 'sqlite-title' });
  const query = h('textarea', { id: 'sqlite-query', spellcheck: 'false', 'aria-label': 'SQL, one statement per line' });
  const run = h('button', { type: 'button', id: 'sqlite-run', class: 'primary' }, 'Run query');
  const status = h('p', { id: 'sqlite-status', class: 'muted', role: 'status', 'aria-live': 'polite' });
  const results = h('div', { id: 'sqlite-results' });
  let shown: WasiExample | null = null;
  let runs = 0;
  let finished = 0;

  const execute = async (wasi: WasiExample): Promise<void> => {
    if (wasi.main === null) return;
    const current = ++runs;
    const args = statementsOf(query.value);
    container.dataset.state = 'running';
    fill(status, `Running ${String(args.length)} statement${args.length === 1 ? '' : 's'}…`);
    let outcome: WasiRunOutcome;
    try {
      const answer = await app.client.request({
        type: 'run-wasi',
        main: { name: wasi.main.name, source: { kind: 'url', url: wasi.main.url } },
        args,
        libraries: wasi.libraries,
      });
      outcome = answer.outcome;
    } catch (error) {
      const info =
        error instanceof CancelledError
          ? {
              code: null,
              name: 'Cancelled',
              message: 'the run was cancelled: the worker was stopped and a fresh one started',
            }
          : error instanceof WorkerError
            ? error.info
            : errorInfo(error);
      outcome = { ok: false, error: info, stdout: '', stderr: '' };
    }
    if (current !== runs) return;
    show(outcome);
    container.dataset.runs = String(++finished);
  };

  const show = (outcome: WasiRunOutcome): void => {
    const lines = outputLines(outcome.stdout);
    const table = h(
      'table',
      { id: 'sqlite-output' },
      h(
        'tbody',
        {},
        ...lines.map((line) =>
          line.kind === 'error'
            ? h('tr', { class: 'sqlite-error' }, h('td', {}, line.text))
            : h(
                'tr',
                { class: 'sqlite-row' },
                ...line.cells.map((cell) =>
                  line.cells.length === 1 && cell === ''
                    ? h(
                        'td',
                        {
                          class: 'null-row',
                          title:
                            'an empty line: the driver prints NULL (what load_extension returns) and the empty string alike',
                        },
                        'NULL',
                      )
                    : h('td', {}, cell),
                ),
              ),
        ),
      ),
    );
    fill(
      results,
      outcome.ok ? null : errorBox(outcome.error, 'The program could not run'),
      lines.length === 0 ? h('p', { class: 'muted' }, 'No output.') : table,
      outcome.stderr === '' ? null : h('pre', { id: 'sqlite-stderr', class: 'error' }, outcome.stderr),
      h('details', {}, h('summary', {}, 'What the program printed'), h('pre', { id: 'sqlite-stdout' }, outcome.stdout)),
    );
    if (outcome.ok) {
      const loaded = outcome.loaded.length === 0 ? 'no extension loaded' : `loaded ${outcome.loaded.join(', ')}`;
      fill(status, `Exit status ${String(outcome.exitCode)} in ${ms(outcome.ms)} (a fresh instance) · ${loaded}`);
      container.dataset.state = 'done';
      container.dataset.exit = String(outcome.exitCode);
    } else {
      fill(status, 'The program did not run to its end.');
      container.dataset.state = 'failed';
    }
  };

  const render = (wasi: WasiExample): void => {
    if (wasi.main === null) {
      fill(
        section,
        h('h2', { id: 'sqlite-title' }, 'SQLite'),
        h(
          'div',
          { id: 'sqlite-gate', role: 'alert' },
          h(
            'p',
            {},
            'The SQLite build outputs are not in this playground: ',
            h('code', {}, wasi.missing.join(', ')),
            ' missing (they are build outputs, not committed).',
          ),
          h(
            'p',
            {},
            'Run ',
            h('code', {}, wasi.buildCommand),
            ' (it builds tooling/fixtures/wasm/sqlite with clang-16, wasi-libc, gcc and emcc), then build the playground again (',
            h('code', {}, 'pnpm --filter playground build'),
            ', or restart ',
            h('code', {}, 'pnpm dev'),
            ').',
          ),
        ),
      );
      return;
    }
    const ready = wasi.queries.map((q) =>
      h(
        'button',
        {
          type: 'button',
          class: 'ready-query',
          dataset: { query: q.id },
          onclick: () => {
            query.value = q.sql;
            void execute(wasi);
          },
        },
        q.title,
      ),
    );
    query.value = wasi.queries[0]?.sql ?? '';
    fill(results);
    fill(status, 'Each line is one statement; each run starts the program afresh (an in-memory database).');
    container.dataset.state = 'idle';
    fill(
      section,
      h('h2', { id: 'sqlite-title' }, 'SQLite'),
      h(
        'p',
        { class: 'muted' },
        `${wasi.main.name} is a WASI program: SQLite's load_extension calls C's dlopen, which @dl/wasi links from the extensions opened on the left.`,
      ),
      h('div', { class: 'ready-queries', role: 'group', 'aria-label': 'Ready queries' }, ...ready),
      query,
      run,
      status,
      results,
    );
  };

  run.addEventListener('click', () => {
    if (shown !== null) void execute(shown);
  });
  query.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && shown !== null) {
      event.preventDefault();
      void execute(shown);
    }
  });
  const update = (): void => {
    const wasi = app.example?.wasi ?? null;
    if (wasi === shown) return;
    shown = wasi;
    runs++;
    section.hidden = wasi === null;
    if (wasi === null) delete container.dataset.wasi;
    else {
      container.dataset.wasi = 'true';
      render(wasi);
    }
  };
  app.subscribe((topic) => {
    if (topic === 'files' || topic === 'setup') update();
  });
  container.prepend(section);
  update();
}
