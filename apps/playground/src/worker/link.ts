/**
 * One link in the worker: the chosen program (the JS host or a main module), the chosen
 * libraries opened one by one with their flags, the linker's events forwarded as they happen,
 * then calls into what was linked — by name, or through a function pointer — and unloading:
 * closing what the link opened, and reloading a library with another build.
 */
import { DlError } from '@dl/errors';
import { createLinker } from '@dl/linker';
import type { DlopenFlags, Handle, LinkerEvent, Linker, Program } from '@dl/linker';
import { isSideModule, readModule } from '@dl/reader';
import { formatResult, parseArgument, uncallableReason } from './args.js';
import { errorInfo } from './errors.js';
import type { FileSet } from './files.js';
import { jsHost } from './host.js';
import { pointerCaller } from './pointer-call.js';
import type {
  CallableFunction,
  CallOutcome,
  ChangeOutcome,
  ErrorInfo,
  FunctionPointer,
  HostRecord,
  LibraryChoice,
  LinkOutcome,
  PostedEvent,
  ProgramChoice,
} from './protocol.js';
import { slotState, UnloadState } from './unload-state.js';

type Linked = Extract<LinkOutcome, { ok: true }>;

/** The event as posted: without handles and keys. */
export function postableEvent(event: LinkerEvent): PostedEvent {
  switch (event.type) {
    case 'resolve':
      return { type: 'resolve', library: event.library, neededBy: event.neededBy, bytes: event.bytes };
    case 'compile':
      return { type: 'compile', library: event.library, bytes: event.bytes, ms: event.ms };
    case 'instantiate':
      return {
        type: 'instantiate',
        library: event.library,
        memoryBase: event.memoryBase,
        memorySize: event.memorySize,
        tableBase: event.tableBase,
        tableSize: event.tableSize,
        ms: event.ms,
      };
    case 'relocate':
    case 'init':
      return { type: event.type, library: event.library, ms: event.ms };
    case 'done':
      return { type: 'done', roots: event.roots, libraries: event.libraries, ms: event.ms, phases: event.phases };
    case 'failed':
      return event;
    case 'unload':
      return {
        type: 'unload',
        library: event.library,
        ms: event.ms,
        memoryBytes: event.memoryBytes,
        tableSlots: event.tableSlots,
      };
    case 'reload':
      return { type: 'reload', library: event.library, ms: event.ms };
    case 'leak':
      return { type: 'leak', library: event.library, count: event.count, bytes: event.bytes };
  }
}

const noRecord: HostRecord = { notes: [], logs: [] };

/** The current link: its linker, what the host recorded, and a handle per library for calls. */
export class LinkSession {
  private linker: Linker | null = null;
  private record: () => HostRecord = () => noRecord;
  private readonly handles = new Map<string, Handle>();
  private readonly functions = new Map<string, CallableFunction>();
  /** The libraries the link opened (a reference each, which Close drops). */
  private readonly opened = new Set<string>();
  /** The build a library was last reloaded with (its file), for its functions' types. */
  private readonly builds = new Map<string, string>();
  private readonly unloads = new UnloadState();
  /** Where the linker's events go now (the request being answered), or nowhere. */
  private sink: ((event: PostedEvent) => void) | null = null;

  /** Links from scratch (a new program); `onEvent` hears every linker event of the link. */
  async link(
    files: FileSet,
    program: ProgramChoice,
    libraries: readonly LibraryChoice[],
    onEvent: (event: PostedEvent) => void,
  ): Promise<LinkOutcome> {
    const started = performance.now();
    this.linker = null;
    this.record = () => noRecord;
    this.handles.clear();
    this.functions.clear();
    this.opened.clear();
    this.builds.clear();
    this.unloads.reset();
    this.sink = onEvent;
    let linker: Linker | null = null;
    try {
      const host = program.kind === 'host' ? jsHost() : null;
      const chosen = host?.program ?? (await mainProgram(files, program.kind === 'main' ? program.name : ''));
      linker = await createLinker({
        program: chosen,
        loader: files.loader(),
        onEvent: (event) => {
          this.sink?.(postableEvent(event));
        },
      });
      host?.bind(linker);
      this.linker = linker;
      if (host !== null) this.record = host.record;
      for (const library of libraries) {
        const flags: DlopenFlags = {
          binding: library.binding,
          scope: library.scope,
          ...(library.reloadable === true ? { reloadable: true } : {}),
        };
        const handle = await linker.dlopen(library.name, flags);
        this.handles.set(handle.name, handle);
        this.opened.add(handle.name);
      }
      this.sink = null;
      return this.snapshot(files, linker, started);
    } catch (error) {
      return { ok: false, error: errorInfo(error), graph: linker?.graph() ?? null };
    } finally {
      this.sink = null;
    }
  }

  /** The link as it is now: its graph, what can be called, and what unloads left behind. */
  private snapshot(files: FileSet, linker: Linker, started: number): Linked {
    const graph = linker.graph();
    const resident = new Set(graph.libraries.map((l) => l.name));
    for (const name of [...this.handles.keys()]) if (!resident.has(name)) this.handles.delete(name);
    this.functions.clear();
    const functions = this.callables(files, linker, graph.libraries);
    const unloaded = this.unloads.snapshot(graph, (index) => linker.slotInfo(index));
    const opened = [...this.opened].filter((name) => resident.has(name));
    return { ok: true, graph, functions, host: this.record(), ms: performance.now() - started, opened, unloaded };
  }

  /**
   * Closes what the link opened for `library` (`dlclose` on its handle): it is unloaded, with
   * the dependencies nothing else keeps, unless something still keeps it. A destructor that
   * failed is reported with the link as it is after the unload.
   */
  close(files: FileSet, library: string, onEvent: (event: PostedEvent) => void): Promise<ChangeOutcome> {
    return this.change(files, library, onEvent, (linker, handle) => {
      if (!this.opened.has(library))
        throw new DlError('DL_BAD_HANDLE', 'loaded as a dependency, not opened by the link: close what needs it', {
          library,
        });
      this.opened.delete(library);
      linker.dlclose(handle);
      return Promise.resolve();
    });
  }

  /** Reloads `library` with the opened file `build` (the same handle, the new code). */
  reload(
    files: FileSet,
    library: string,
    build: string,
    onEvent: (event: PostedEvent) => void,
  ): Promise<ChangeOutcome> {
    return this.change(files, library, onEvent, async (linker, handle) => {
      const bytes = files.get(build);
      if (bytes === undefined) throw new DlError('DL_NOT_FOUND', 'not among the opened files', { library: build });
      await linker.reload(handle, { name: library, bytes });
      this.builds.set(library, build);
    });
  }

  /** Runs an unload or reload on `library`'s handle, forwarding its events; the link as it is after. */
  private async change(
    files: FileSet,
    library: string,
    onEvent: (event: PostedEvent) => void,
    act: (linker: Linker, handle: Handle) => Promise<void>,
  ): Promise<ChangeOutcome> {
    const linker = this.linker;
    const handle = this.handles.get(library);
    if (linker === null || handle === undefined) {
      const error = new DlError('DL_BAD_HANDLE', 'not loaded (link first)', { library });
      return { ok: false, error: errorInfo(error), link: null };
    }
    const started = performance.now();
    const before = linker.graph();
    let error: ErrorInfo | null = null;
    const unloadOrder: string[] = [];
    this.sink = (event) => {
      if (event.type === 'unload') unloadOrder.push(event.library);
      onEvent(event);
    };
    try {
      await act(linker, handle);
    } catch (e) {
      error = errorInfo(e);
    } finally {
      this.sink = null;
    }
    this.unloads.record(before, linker.graph(), unloadOrder);
    const link = this.snapshot(files, linker, started);
    return error === null ? { ok: true, link } : { ok: false, error, link };
  }

  /** The functions each library publishes, with their wasm types (read from its bytes). */
  private callables(
    files: FileSet,
    linker: Linker,
    libraries: ReturnType<Linker['graph']>['libraries'],
  ): CallableFunction[] {
    const out: CallableFunction[] = [];
    for (const lib of libraries) {
      const build = this.builds.get(lib.name);
      const bytes =
        (build === undefined ? undefined : files.get(build)) ??
        files.get(lib.key.replace(/^\//, '')) ??
        files.get(lib.name);
      if (bytes === undefined) continue;
      let handle: Handle;
      let published: readonly string[];
      try {
        // A library loaded only as NEEDED has a handle too, without a reference (handleOf).
        handle =
          this.handles.get(lib.name) ??
          (lib.id === 0
            ? { id: 0, name: lib.name }
            : (linker.handleOf(lib.key) ?? linker.handleOf(lib.name) ?? { id: lib.id, name: lib.name }));
        published = linker.exportsOf(handle).published;
      } catch {
        continue; // an attached main has no instance of its own: nothing to list
      }
      this.handles.set(lib.name, handle);
      const names = new Set(published);
      for (const e of readModule(bytes, { name: lib.name }).exports) {
        if (e.kind !== 'function' || !names.has(e.name)) continue;
        const fn: CallableFunction = {
          library: lib.name,
          name: e.name,
          params: [...e.type.params],
          results: [...e.type.results],
        };
        this.functions.set(`${lib.name}\n${e.name}`, fn);
        out.push(fn);
      }
    }
    return out;
  }

  /** Calls `name` as `dlsym(library's handle, name)` finds it, with arguments parsed for its type. */
  call(library: string, name: string, args: readonly string[]): CallOutcome {
    const started = performance.now();
    try {
      const linker = this.linker;
      const handle = this.handles.get(library);
      if (linker === null || handle === undefined)
        throw new DlError('DL_BAD_HANDLE', `${library} is not open: link first`, { library });
      const symbol = linker.dlsym(handle, name);
      if (symbol.kind !== 'function')
        throw new DlError('DL_UNDEFINED_SYMBOL', `${name} is ${symbol.kind}, not a function`, {
          library,
          symbol: name,
        });
      const known = this.functions.get(`${library}\n${name}`);
      const params = symbol.type?.params ?? known?.params ?? [];
      const results = symbol.type?.results ?? known?.results ?? [];
      const reason = uncallableReason(params, results);
      if (reason !== null) throw new TypeError(`${name} cannot be called from the page: ${reason}`);
      if (args.length !== params.length)
        throw new TypeError(
          `${name} takes ${params.length} argument${params.length === 1 ? '' : 's'}, ${args.length} given`,
        );
      const values = params.map((type, i) => parseArgument(args[i] ?? '', type, i));
      const result: unknown = (symbol.func as (...a: unknown[]) => unknown)(...values);
      return { ok: true, result: formatResult(result, results), ms: performance.now() - started, host: this.record() };
    } catch (error) {
      return { ok: false, error: errorInfo(error), host: this.record() };
    }
  }

  /** `&name` in `library`: the table slot `dlsym(handle, name).address` gives the function (once). */
  address(library: string, name: string): FunctionPointer {
    const linker = this.linker;
    const handle = this.handles.get(library);
    if (linker === null || handle === undefined)
      throw new DlError('DL_BAD_HANDLE', `${library} is not loaded: link first`, { library });
    const symbol = linker.dlsym(handle, name);
    if (symbol.kind !== 'function')
      throw new DlError('DL_UNDEFINED_SYMBOL', `${name} is ${symbol.kind}, not a function`, { library, symbol: name });
    const known = this.functions.get(`${library}\n${name}`);
    const params = symbol.type?.params ?? known?.params ?? [];
    const results = symbol.type?.results ?? known?.results ?? [];
    return { slot: symbol.address, library, name, params: [...params], results: [...results] };
  }

  /**
   * Calls through a function pointer as C does (`call_indirect` of the pointer's type): a stale
   * pointer traps in the engine, and the outcome says what its slot is now (`slotInfo`).
   */
  callPointer(pointer: FunctionPointer, args: readonly string[]): CallOutcome {
    const started = performance.now();
    const linker = this.linker;
    try {
      if (linker === null) throw new DlError('DL_BAD_HANDLE', 'nothing is linked: link first');
      const reason = uncallableReason(pointer.params, pointer.results);
      if (reason !== null) throw new TypeError(`${pointer.name} cannot be called from the page: ${reason}`);
      if (args.length !== pointer.params.length)
        throw new TypeError(`the pointer takes ${pointer.params.length} arguments, ${args.length} given`);
      const values = pointer.params.map((type, i) => parseArgument(args[i] ?? '', type, i));
      const result = pointerCaller(linker.table, pointer.params, pointer.results)(pointer.slot, values);
      return {
        ok: true,
        result: formatResult(result, pointer.results),
        ms: performance.now() - started,
        host: this.record(),
      };
    } catch (error) {
      const outcome = { ok: false as const, error: errorInfo(error), host: this.record() };
      // A trap: what the slot is now says why (a bad argument is not the slot's doing).
      if (linker === null || !(error instanceof WebAssembly.RuntimeError)) return outcome;
      return { ...outcome, slot: slotState(pointer.slot, (index) => linker.slotInfo(index)) };
    }
  }
}

/** A main module from the opened files: relocatable with a dylink section, else instantiated and attached. */
async function mainProgram(files: FileSet, name: string): Promise<Program> {
  const bytes = files.get(name);
  if (bytes === undefined)
    throw new DlError('DL_NOT_FOUND', 'the main module is not among the opened files', { library: name });
  if (isSideModule(bytes)) return { kind: 'relocatable', module: bytes, name, location: `/${name}` };
  const { instance } = await WebAssembly.instantiate(bytes, {});
  return { kind: 'attached', exports: instance.exports, name };
}
