/**
 * The playground's state and actions: opened files, the link set-up, the link and the calls.
 * All work goes to the worker; views subscribe to the topics they show.
 */
import { exampleSet } from './examples.js';
import type { ExampleSet } from './examples.js';
import { CancelledError, WorkerClient, WorkerError } from './worker/client.js';
import { errorInfo } from './worker/errors.js';
import type {
  CallOutcome,
  ErrorInfo,
  FileSource,
  LinkOutcome,
  OpenedFile,
  PostedEvent,
  ProgramChoice,
} from './worker/protocol.js';

/** An opened file: where it came from and, once read, what the CLI reports say (or its error). */
export interface FileEntry {
  readonly name: string;
  readonly source: FileSource;
  /** null while the worker reads it. */
  readonly opened: OpenedFile | null;
}

/** Whether a library is loaded by the next link, and its dlopen flags. */
export interface LibrarySetting {
  readonly load: boolean;
  readonly binding: 'now' | 'lazy';
  readonly scope: 'global' | 'local';
}

/** The last link: its events as they came, and its outcome. */
export interface LinkRun {
  readonly status: 'idle' | 'running' | 'done' | 'failed' | 'cancelled';
  readonly events: readonly PostedEvent[];
  readonly outcome: LinkOutcome | null;
  /** Why there is no outcome (cancelled, or the worker failed). */
  readonly error: ErrorInfo | null;
  /** The main module linked as the program (its loads have no roots), or null for the JS host. */
  readonly main: string | null;
}

/** The tabs of the playground. */
export type View = 'inspect' | 'link' | 'run' | 'pictures';

/** What changed, for subscribers. */
/** `example`: another example set was opened (searches and filters start afresh). */
export type Topic = 'files' | 'setup' | 'link' | 'calls' | 'busy' | 'view' | 'selection' | 'example';

const idleLink: LinkRun = { status: 'idle', events: [], outcome: null, error: null, main: null };

/** Key of a call result: library and function. */
export function callKey(library: string, name: string): string {
  return `${library}\n${name}`;
}

/** The playground. */
export class App {
  readonly client: WorkerClient = new WorkerClient();
  files: readonly FileEntry[] = [];
  selected: string | null = null;
  program: ProgramChoice = { kind: 'host' };
  readonly settings: Map<string, LibrarySetting> = new Map<string, LibrarySetting>();
  link: LinkRun = idleLink;
  readonly calls: Map<string, CallOutcome | 'pending'> = new Map<string, CallOutcome | 'pending'>();
  example: ExampleSet | null = null;
  view: View = 'inspect';
  /** Bumped by every openFiles/loadExample: answers to older requests are dropped. */
  private generation = 0;
  private readonly listeners = new Set<(topic: Topic) => void>();

  constructor() {
    this.client.onBusy(() => {
      this.emit('busy');
    });
  }

  /** Hears about changes. */
  subscribe(listener: (topic: Topic) => void): void {
    this.listeners.add(listener);
  }

  private emit(topic: Topic): void {
    for (const listener of this.listeners) listener(topic);
  }

  /** Switches the tab. */
  show(view: View): void {
    this.view = view;
    this.emit('view');
  }

  /** Shows one file in the Inspect tab. */
  select(name: string): void {
    this.selected = name;
    this.emit('selection');
  }

  /** Opens dropped or picked files (a file with the name of an opened one replaces it). */
  async openFiles(
    files: readonly { readonly name: string; readonly source: FileSource }[],
    defaults: (opened: OpenedFile) => LibrarySetting = defaultSetting,
  ): Promise<void> {
    if (files.length === 0) return;
    const names = new Set(files.map((f) => f.name));
    this.files = [...this.files.filter((f) => !names.has(f.name)), ...files.map((f) => ({ ...f, opened: null }))];
    for (const name of names) this.settings.delete(name);
    this.selected ??= files[0]!.name;
    this.emit('files');
    const generation = this.generation;
    try {
      const answer = await this.client.request({ type: 'open', files }, (message) => {
        if (message.type === 'file-progress' && generation === this.generation) this.record(message.file, defaults);
      });
      if (generation === this.generation) for (const file of answer.files) this.record(file, defaults);
    } catch (error) {
      if (generation !== this.generation) return;
      const info =
        error instanceof CancelledError
          ? { code: null, name: 'Cancelled', message: 'reading was cancelled' }
          : error instanceof WorkerError
            ? error.info
            : errorInfo(error);
      this.files = this.files.map((f) =>
        names.has(f.name) && f.opened === null
          ? { ...f, opened: { ok: false, name: f.name, size: null, error: info } }
          : f,
      );
      this.emit('files');
    }
  }

  private record(file: OpenedFile, defaults: (opened: OpenedFile) => LibrarySetting): void {
    this.files = this.files.map((f) => (f.name === file.name ? { ...f, opened: file } : f));
    if (!this.settings.has(file.name)) this.settings.set(file.name, defaults(file));
    this.emit('files');
    this.emit('setup');
  }

  /** Forgets a file (the worker too). */
  async removeFile(name: string): Promise<void> {
    this.files = this.files.filter((f) => f.name !== name);
    this.settings.delete(name);
    if (this.selected === name) this.selected = this.files[0]?.name ?? null;
    if (this.program.kind === 'main' && this.program.name === name) this.program = { kind: 'host' };
    this.emit('files');
    this.emit('setup');
    await this.client.request({ type: 'remove', names: [name] }).catch(() => undefined);
  }

  /** Forgets every file (a new example starts from nothing). */
  private async clear(): Promise<void> {
    const names = this.files.map((f) => f.name);
    this.generation++;
    this.files = [];
    this.settings.clear();
    this.selected = null;
    this.program = { kind: 'host' };
    this.link = idleLink;
    this.calls.clear();
    this.emit('files');
    this.emit('setup');
    this.emit('link');
    this.emit('calls');
    if (names.length > 0) await this.client.request({ type: 'remove', names });
  }

  /**
   * Opens an example set and links it as it says; the Link tab shows the link unless `keepView`
   * (a deep link naming its tab keeps it).
   */
  async loadExample(id: string, keepView = false): Promise<void> {
    const set = exampleSet(id);
    if (set === undefined) return;
    this.example = set;
    this.emit('example');
    await this.clear();
    this.program = set.program;
    const chosen = new Map(set.libraries.map((l) => [l.name, l]));
    await this.openFiles(
      set.files.map((f) => ({ name: f.name, source: { kind: 'url', url: f.url } })),
      (opened) => {
        const library = chosen.get(opened.name);
        return library === undefined
          ? { load: false, binding: 'now', scope: 'global' }
          : { load: true, binding: library.binding, scope: library.scope };
      },
    );
    this.emit('setup');
    if (set.libraries.length > 0 || set.program.kind === 'main') {
      if (!keepView) this.show('link');
      await this.runLink();
    } else if (set.wasi !== undefined) this.show('run');
  }

  /** Leaves the example (the files no longer are exactly the example's). */
  leaveExample(): void {
    this.example = null;
  }

  /** Changes the program. */
  setProgram(program: ProgramChoice): void {
    this.program = program;
    this.emit('setup');
  }

  /** Changes a library's setting. */
  setLibrary(name: string, setting: Partial<LibrarySetting>): void {
    const current = this.settings.get(name) ?? { load: false, binding: 'now', scope: 'global' };
    this.settings.set(name, { ...current, ...setting });
    this.emit('setup');
  }

  /** The libraries the next link opens, in file order. */
  chosenLibraries(): { name: string; binding: 'now' | 'lazy'; scope: 'global' | 'local' }[] {
    return this.files.flatMap((f) => {
      const s = this.settings.get(f.name);
      const isMain = this.program.kind === 'main' && this.program.name === f.name;
      return s?.load === true && f.opened?.ok === true && !isMain
        ? [{ name: f.name, binding: s.binding, scope: s.scope }]
        : [];
    });
  }

  /** Links the chosen program and libraries in the worker (a fresh program each time). */
  async runLink(): Promise<void> {
    const main = this.program.kind === 'main' ? this.program.name : null;
    this.link = { status: 'running', events: [], outcome: null, error: null, main };
    this.calls.clear();
    this.emit('link');
    this.emit('calls');
    const events: PostedEvent[] = [];
    try {
      const answer = await this.client.request(
        { type: 'link', program: this.program, libraries: this.chosenLibraries() },
        (message) => {
          if (message.type !== 'link-event') return;
          events.push(message.event);
          this.link = { ...this.link, events: [...events] };
          this.emit('link');
        },
      );
      this.link = { status: answer.outcome.ok ? 'done' : 'failed', events, outcome: answer.outcome, error: null, main };
    } catch (error) {
      const cancelled = error instanceof CancelledError;
      const info = cancelled
        ? {
            code: null,
            name: 'Cancelled',
            message: 'the link was cancelled: the worker was stopped and a fresh one started',
          }
        : error instanceof WorkerError
          ? error.info
          : errorInfo(error);
      this.link = { status: cancelled ? 'cancelled' : 'failed', events, outcome: null, error: info, main };
    }
    this.emit('link');
    this.emit('calls');
  }

  /** Calls a linked function with arguments typed in the page. */
  async call(library: string, name: string, args: readonly string[]): Promise<void> {
    const key = callKey(library, name);
    this.calls.set(key, 'pending');
    this.emit('calls');
    try {
      const answer = await this.client.request({ type: 'call', library, name, args });
      this.calls.set(key, answer.outcome);
    } catch (error) {
      const info =
        error instanceof CancelledError
          ? { code: null, name: 'Cancelled', message: 'the call was cancelled: the worker was stopped, link again' }
          : error instanceof WorkerError
            ? error.info
            : errorInfo(error);
      this.calls.set(key, { ok: false, error: info, host: { notes: [], logs: [] } });
    }
    this.emit('calls');
  }

  /**
   * Cancel: terminates the worker (whatever it was doing) and starts a fresh one, which
   * re-reads the files that were read; the link is gone.
   */
  cancel(): void {
    const wasLinked = this.link.status === 'done';
    this.client.cancel();
    if (wasLinked) {
      this.link = {
        ...this.link,
        status: 'cancelled',
        outcome: null,
        error: { code: null, name: 'Cancelled', message: 'the worker was stopped and a fresh one started: link again' },
      };
      this.calls.clear();
      this.emit('link');
      this.emit('calls');
    }
    const reread = this.files.filter((f) => f.opened !== null).map((f) => ({ name: f.name, source: f.source }));
    if (reread.length > 0) void this.client.request({ type: 'open', files: reread }).catch(() => undefined);
  }
}

/** Dropped files: every side module is loaded, RTLD_NOW | RTLD_GLOBAL. */
function defaultSetting(opened: OpenedFile): LibrarySetting {
  return { load: opened.ok, binding: 'now', scope: 'global' };
}
