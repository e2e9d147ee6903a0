/**
 * One link in the worker: the chosen program (the JS host or a main module), the chosen
 * libraries opened one by one with their flags, the linker's events forwarded as they happen,
 * then calls into what was linked.
 */
import { DlError } from '@dl/errors';
import { createLinker } from '@dl/linker';
import type { Handle, LinkerEvent, Linker, Program } from '@dl/linker';
import { isSideModule, readModule } from '@dl/reader';
import { formatResult, parseArgument, uncallableReason } from './args.js';
import { errorInfo } from './errors.js';
import type { FileSet } from './files.js';
import { jsHost } from './host.js';
import type {
  CallableFunction,
  CallOutcome,
  HostRecord,
  LibraryChoice,
  LinkOutcome,
  PostedEvent,
  ProgramChoice,
} from './protocol.js';

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
  }
}

const noRecord: HostRecord = { notes: [], logs: [] };

/** The current link: its linker, what the host recorded, and a handle per library for calls. */
export class LinkSession {
  private linker: Linker | null = null;
  private record: () => HostRecord = () => noRecord;
  private readonly handles = new Map<string, Handle>();
  private readonly functions = new Map<string, CallableFunction>();

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
    let forward = true;
    let linker: Linker | null = null;
    try {
      const host = program.kind === 'host' ? jsHost() : null;
      const chosen = host?.program ?? (await mainProgram(files, program.kind === 'main' ? program.name : ''));
      linker = await createLinker({
        program: chosen,
        loader: files.loader(),
        onEvent: (event) => {
          if (forward) onEvent(postableEvent(event));
        },
      });
      host?.bind(linker);
      this.linker = linker;
      if (host !== null) this.record = host.record;
      for (const library of libraries) {
        const handle = await linker.dlopen(library.name, { binding: library.binding, scope: library.scope });
        this.handles.set(handle.name, handle);
      }
      const graph = linker.graph();
      forward = false;
      const functions = this.callables(files, linker, graph.libraries);
      return { ok: true, graph, functions, host: this.record(), ms: performance.now() - started };
    } catch (error) {
      return { ok: false, error: errorInfo(error), graph: linker?.graph() ?? null };
    } finally {
      forward = false;
    }
  }

  /** The functions each library publishes, with their wasm types (read from its bytes). */
  private callables(
    files: FileSet,
    linker: Linker,
    libraries: ReturnType<Linker['graph']>['libraries'],
  ): CallableFunction[] {
    const out: CallableFunction[] = [];
    for (const lib of libraries) {
      const bytes = files.get(lib.key.replace(/^\//, '')) ?? files.get(lib.name);
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
