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
  const view = new SqliteConsole(container, app);
  app.subscribe((topic) => {
    if (topic === 'files' || topic === 'setup') view.update();
  });
  container.prepend(view.section);
  view.update();
}

/** The console's elements and runs. */
class SqliteConsole {
  readonly section = h('section', { id: 'sqlite-console', 'aria-labelledby': 'sqlite-title' });
  private readonly query = h('textarea', {
    id: 'sqlite-query',
    spellcheck: 'false',
    'aria-label': 'SQL, one statement per line',
  });
  private readonly run = h('button', { type: 'button', id: 'sqlite-run', class: 'primary' }, 'Run query');
  private readonly status = h('p', { id: 'sqlite-status', class: 'muted', role: 'status', 'aria-live': 'polite' });
  private readonly results = h('div', { id: 'sqlite-results' });
  private shown: WasiExample | null = null;
  /** Runs started (and examples shown): an outcome is shown only if no run started after it. */
  private runs = 0;
  private finished = 0;

  constructor(
    private readonly container: HTMLElement,
    private readonly app: App,
  ) {
    this.run.addEventListener('click', () => {
      if (this.shown !== null) void this.execute(this.shown);
    });
    this.query.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && this.shown !== null) {
        event.preventDefault();
        void this.execute(this.shown);
      }
    });
  }

  /** Shows the open example's console, or hides it when no WASI example is open. */
  update(): void {
    const wasi = this.app.example?.wasi ?? null;
    if (wasi === this.shown) return;
    this.shown = wasi;
    this.runs++;
    this.section.hidden = wasi === null;
    if (wasi === null) delete this.container.dataset.wasi;
    else {
      this.container.dataset.wasi = 'true';
      this.render(wasi);
    }
  }

  private async execute(wasi: WasiExample): Promise<void> {
    if (wasi.main === null) return;
    const current = ++this.runs;
    const args = statementsOf(this.query.value);
    this.container.dataset.state = 'running';
    fill(this.status, `Running ${String(args.length)} statement${args.length === 1 ? '' : 's'}…`);
    let outcome: WasiRunOutcome;
    try {
      const answer = await this.app.client.request({
        type: 'run-wasi',
        main: { name: wasi.main.name, source: { kind: 'url', url: wasi.main.url } },
        args,
        libraries: wasi.libraries,
      });
      outcome = answer.outcome;
    } catch (error) {
      outcome = { ok: false, error: failureOf(error), stdout: '', stderr: '' };
    }
    if (current !== this.runs) return;
    this.show(outcome);
    this.container.dataset.runs = String(++this.finished);
  }

  private show(outcome: WasiRunOutcome): void {
    const lines = outputLines(outcome.stdout);
    fill(
      this.results,
      outcome.ok ? null : errorBox(outcome.error, 'The program could not run'),
      lines.length === 0 ? h('p', { class: 'muted' }, 'No output.') : outputTable(lines),
      outcome.stderr === '' ? null : h('pre', { id: 'sqlite-stderr', class: 'error' }, outcome.stderr),
      h('details', {}, h('summary', {}, 'What the program printed'), h('pre', { id: 'sqlite-stdout' }, outcome.stdout)),
    );
    if (outcome.ok) {
      const loaded = outcome.loaded.length === 0 ? 'no extension loaded' : `loaded ${outcome.loaded.join(', ')}`;
      fill(this.status, `Exit status ${String(outcome.exitCode)} in ${ms(outcome.ms)} (a fresh instance) · ${loaded}`);
      this.container.dataset.state = 'done';
      this.container.dataset.exit = String(outcome.exitCode);
    } else {
      fill(this.status, 'The program did not run to its end.');
      this.container.dataset.state = 'failed';
    }
  }

  private render(wasi: WasiExample): void {
    if (wasi.main === null) {
      fill(this.section, h('h2', { id: 'sqlite-title' }, 'SQLite'), buildGate(wasi));
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
            this.query.value = q.sql;
            void this.execute(wasi);
          },
        },
        q.title,
      ),
    );
    this.query.value = wasi.queries[0]?.sql ?? '';
    fill(this.results);
    fill(this.status, 'Each line is one statement; each run starts the program afresh (an in-memory database).');
    this.container.dataset.state = 'idle';
    fill(
      this.section,
      h('h2', { id: 'sqlite-title' }, 'SQLite'),
      h(
        'p',
        { class: 'muted' },
        `${wasi.main.name} is a WASI program: SQLite's load_extension calls C's dlopen, which @dl/wasi links from the extensions opened on the left.`,
      ),
      h('div', { class: 'ready-queries', role: 'group', 'aria-label': 'Ready queries' }, ...ready),
      this.query,
      this.run,
      this.status,
      this.results,
    );
  }
}

/** Why a run has no outcome from the worker: cancelled, the worker's error, or another. */
function failureOf(error: unknown): ReturnType<typeof errorInfo> {
  if (error instanceof CancelledError)
    return {
      code: null,
      name: 'Cancelled',
      message: 'the run was cancelled: the worker was stopped and a fresh one started',
    };
  return error instanceof WorkerError ? error.info : errorInfo(error);
}

/** The program's output lines as a table: rows split into cells, SQLite's errors on their own rows. */
function outputTable(lines: ReturnType<typeof outputLines>): HTMLElement {
  return h(
    'table',
    { id: 'sqlite-output' },
    h(
      'tbody',
      {},
      ...lines.map((line) =>
        line.kind === 'error'
          ? h('tr', { class: 'sqlite-error' }, h('td', {}, line.text))
          : h('tr', { class: 'sqlite-row' }, ...line.cells.map((cell) => cellOf(cell, line.cells.length))),
      ),
    ),
  );
}

/** One cell; a row that is one empty cell is NULL (or the empty string: the driver prints both alike). */
function cellOf(cell: string, cells: number): HTMLElement {
  if (cells !== 1 || cell !== '') return h('td', {}, cell);
  return h(
    'td',
    {
      class: 'null-row',
      title: 'an empty line: the driver prints NULL (what load_extension returns) and the empty string alike',
    },
    'NULL',
  );
}

/** What the console says when the example's build outputs are missing: which command builds them. */
function buildGate(wasi: WasiExample): HTMLElement {
  return h(
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
  );
}
