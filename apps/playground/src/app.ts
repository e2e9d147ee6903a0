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
  FunctionPointer,
  LibraryChoice,
  OpenedFile,
  PostedEvent,
  ProgramChoice,
} from './worker/protocol.js';

import type { FileEntry, LastChange, LibrarySetting, LinkRun, Topic, View } from './app-state.js';

export type { FileEntry, LastChange, LibrarySetting, LinkRun, Topic, View } from './app-state.js';

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
  /** Function pointers taken in the Run tab (`&f`), and the last call through each, by slot. */
  pointers: readonly FunctionPointer[] = [];
  readonly pointerCalls: Map<number, CallOutcome | 'pending'> = new Map<number, CallOutcome | 'pending'>();
  lastChange: LastChange | null = null;
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
    this.forgetPointers();
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
          : {
              load: true,
              binding: library.binding,
              scope: library.scope,
              ...(library.reloadable === true ? { reloadable: true } : {}),
            };
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
  chosenLibraries(): LibraryChoice[] {
    return this.files.flatMap((f) => {
      const s = this.settings.get(f.name);
      const isMain = this.program.kind === 'main' && this.program.name === f.name;
      return s?.load === true && f.opened?.ok === true && !isMain
        ? [{ name: f.name, binding: s.binding, scope: s.scope, ...(s.reloadable === true ? { reloadable: true } : {}) }]
        : [];
    });
  }

  /** Links the chosen program and libraries in the worker (a fresh program each time). */
  async runLink(): Promise<void> {
    const main = this.program.kind === 'main' ? this.program.name : null;
    this.link = { status: 'running', events: [], outcome: null, error: null, main };
    this.calls.clear();
    this.forgetPointers();
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

  private forgetPointers(): void {
    this.pointers = [];
    this.pointerCalls.clear();
    this.lastChange = null;
  }

  /** Closes what the link opened for `library`: it is unloaded when nothing else keeps it. */
  async close(library: string): Promise<void> {
    await this.change({ type: 'close', library }, { action: 'close', library, build: null });
  }

  /** Reloads `library` with the opened file `build`. */
  async reload(library: string, build: string): Promise<void> {
    await this.change({ type: 'reload', library, build }, { action: 'reload', library, build });
  }

  private async change(
    request:
      | { readonly type: 'close'; readonly library: string }
      | { readonly type: 'reload'; readonly library: string; readonly build: string },
    what: Pick<LastChange, 'action' | 'library' | 'build'>,
  ): Promise<void> {
    const before = this.link.outcome;
    if (before?.ok !== true) return;
    this.lastChange = { ...what, status: 'running', error: null };
    // Results from before describe the code as it was.
    this.calls.clear();
    this.pointerCalls.clear();
    this.emit('link');
    this.emit('calls');
    const events = [...this.link.events];
    let error: ErrorInfo | null = null;
    try {
      const answer = await this.client.request(request, (message) => {
        if (message.type !== 'link-event') return;
        events.push(message.event);
        this.link = { ...this.link, events: [...events] };
        this.emit('link');
      });
      const outcome = answer.outcome;
      if (outcome.link !== null) this.link = { ...this.link, events, outcome: { ...outcome.link, ms: before.ms } };
      if (!outcome.ok) error = outcome.error;
    } catch (e) {
      if (e instanceof CancelledError) return;
      error = e instanceof WorkerError ? e.info : errorInfo(e);
    }
    this.lastChange = { ...what, status: error === null ? 'done' : 'failed', error };
    this.emit('link');
    this.emit('calls');
  }

  /** `&name` in `library`: a function pointer the Run tab can call (kept across unloads). */
  async takeAddress(library: string, name: string): Promise<void> {
    const answer = await this.client.request({ type: 'address', library, name }).catch(() => null);
    if (answer === null) return;
    const outcome = answer.outcome;
    if (!outcome.ok) {
      this.calls.set(callKey(library, name), { ok: false, error: outcome.error, host: { notes: [], logs: [] } });
    } else if (!this.pointers.some((p) => p.slot === outcome.pointer.slot)) {
      this.pointers = [...this.pointers, outcome.pointer];
    }
    this.emit('calls');
  }

  /** Calls through a function pointer (`call_indirect`), as C calls a pointer it stored. */
  async callPointer(pointer: FunctionPointer, args: readonly string[]): Promise<void> {
    this.pointerCalls.set(pointer.slot, 'pending');
    this.emit('calls');
    try {
      const answer = await this.client.request({ type: 'call-pointer', pointer, args });
      this.pointerCalls.set(pointer.slot, answer.outcome);
    } catch (error) {
      const info = error instanceof WorkerError ? error.info : errorInfo(error);
      this.pointerCalls.set(pointer.slot, { ok: false, error: info, host: { notes: [], logs: [] } });
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
      this.forgetPointers();
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
