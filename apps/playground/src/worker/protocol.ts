/**
 * The messages between the page and the playground's worker. Everything here is
 * structured-cloneable: the worker does the reading, linking and calling; the page only shows.
 */
import type { InspectReport, SymbolEntry } from '@dl/cli/report';
import type { LinkGraph } from '@dl/linker';
import type { WasiRunOutcome, WasiRunRequest } from './wasi-protocol.js';

/** An error as the page shows it: the DlError code (null for other errors) and message. */
export interface ErrorInfo {
  /** `DL_*` for a `DlError`, null otherwise. */
  readonly code: string | null;
  /** The error's class name (`DlFormatError`, `LinkError`, `RuntimeError`, …). */
  readonly name: string;
  /** The message, as the API reports it. */
  readonly message: string;
}

/** Where a file's bytes come from: a dropped file, or a URL (a bundled example). */
export type FileSource =
  { readonly kind: 'blob'; readonly blob: Blob } | { readonly kind: 'url'; readonly url: string };

/** A file to open, under the name libraries will know it by (NEEDED entries, dlopen). */
export interface FileToOpen {
  readonly name: string;
  readonly source: FileSource;
}

/** What `dl inspect`, `dl nm` and `dl ldd` say about one opened file. */
export type OpenedFile =
  | {
      readonly ok: true;
      readonly name: string;
      readonly size: number;
      readonly report: InspectReport;
      readonly symbols: readonly SymbolEntry[];
      /** `dl ldd`'s tree over the opened files, and its problems (one line each). */
      readonly ldd: { readonly tree: string; readonly problems: readonly string[] };
    }
  | { readonly ok: false; readonly name: string; readonly size: number | null; readonly error: ErrorInfo };

/** The main program of a link. */
export type ProgramChoice =
  /** No main module: a JS host giving the fixtures' host API (`c/host_api.h`) and a small libc. */
  | { readonly kind: 'host' }
  /** One of the opened files: relocatable when it has a dylink section, else attached after instantiation. */
  | { readonly kind: 'main'; readonly name: string };

/** One library to load and its dlopen flags. */
export interface LibraryChoice {
  readonly name: string;
  readonly binding: 'now' | 'lazy';
  readonly scope: 'global' | 'local';
  /** Opened `{ reloadable: true }`: its importers bind through the PLT, so it can be reloaded. */
  readonly reloadable?: boolean;
}

/** A linker event as posted to the page (without handles). */
export type PostedEvent =
  | { readonly type: 'resolve'; readonly library: string; readonly neededBy: string | null; readonly bytes: number }
  | { readonly type: 'compile'; readonly library: string; readonly bytes: number; readonly ms: number }
  | {
      readonly type: 'instantiate';
      readonly library: string;
      readonly memoryBase: number;
      readonly memorySize: number;
      readonly tableBase: number;
      readonly tableSize: number;
      readonly ms: number;
    }
  | { readonly type: 'relocate' | 'init'; readonly library: string; readonly ms: number }
  | {
      readonly type: 'done';
      readonly roots: readonly string[];
      readonly libraries: number;
      readonly ms: number;
      readonly phases: Readonly<Record<string, number>>;
    }
  | { readonly type: 'failed'; readonly roots: readonly string[]; readonly code: string; readonly message: string }
  | {
      readonly type: 'unload';
      readonly library: string;
      readonly ms: number;
      readonly memoryBytes: number;
      readonly tableSlots: number;
    }
  | { readonly type: 'reload'; readonly library: string; readonly ms: number }
  | { readonly type: 'leak'; readonly library: string; readonly count: number; readonly bytes: number };

/** A function one can call: its library, name and wasm type. */
export interface CallableFunction {
  readonly library: string;
  readonly name: string;
  readonly params: readonly string[];
  readonly results: readonly string[];
}

/** What unloading left behind: memory given back, table slots set to null (unload-state.ts). */
export interface Unloaded {
  /** Libraries unloaded since the link, in order (a reload is not an unload). */
  readonly libraries: readonly string[];
  /** Memory freed by those unloads and not reserved again since: `owner` is who had it. */
  readonly freedMemory: readonly { readonly owner: string; readonly address: number; readonly size: number }[];
  /** Runs of table slots in quarantine (null, reused only when the table would have to grow). */
  readonly quarantinedSlots: readonly { readonly owner: string; readonly base: number; readonly size: number }[];
}

/** The outcome of a link. */
export type LinkOutcome =
  | {
      readonly ok: true;
      readonly graph: LinkGraph;
      readonly functions: readonly CallableFunction[];
      /** What the JS host recorded (host_note codes, host_log messages). */
      readonly host: HostRecord;
      readonly ms: number;
      /** The libraries the link opened and has not closed (each holds a reference Close drops). */
      readonly opened: readonly string[];
      readonly unloaded: Unloaded;
    }
  /** `graph` is what stayed loaded (earlier loads of the same link succeeded), or null. */
  | { readonly ok: false; readonly error: ErrorInfo; readonly graph: LinkGraph | null };

/** What the JS host recorded so far. */
export interface HostRecord {
  readonly notes: readonly number[];
  readonly logs: readonly string[];
}

/** What a table slot is now (`linker.slotInfo`): `owner` is who holds it, or held it before an unload. */
export interface SlotState {
  readonly slot: number;
  readonly state: 'held' | 'free' | 'quarantined';
  readonly owner?: string;
}

/** The outcome of a call. */
export type CallOutcome =
  | { readonly ok: true; readonly result: string; readonly ms: number; readonly host: HostRecord }
  | {
      readonly ok: false;
      readonly error: ErrorInfo;
      readonly host: HostRecord;
      /** A call through a function pointer that failed: what its slot is now. */
      readonly slot?: SlotState;
    };

/** A function pointer taken in the page (`&f`: `dlsym(handle, f).address`), a table slot. */
export interface FunctionPointer {
  readonly slot: number;
  /** Whose function it was taken from, and its type. */
  readonly library: string;
  readonly name: string;
  readonly params: readonly string[];
  readonly results: readonly string[];
}

/** The outcome of an unload or a reload: the link as it is now, or the error (the link unchanged). */
export type ChangeOutcome =
  | { readonly ok: true; readonly link: Extract<LinkOutcome, { ok: true }> }
  | { readonly ok: false; readonly error: ErrorInfo; readonly link: Extract<LinkOutcome, { ok: true }> | null };

/** Requests, each answered by one {@link WorkerResponse} with the same id. */
export type WorkerRequest =
  | { readonly id: number; readonly type: 'open'; readonly files: readonly FileToOpen[] }
  | { readonly id: number; readonly type: 'remove'; readonly names: readonly string[] }
  | {
      readonly id: number;
      readonly type: 'link';
      readonly program: ProgramChoice;
      readonly libraries: readonly LibraryChoice[];
    }
  | {
      readonly id: number;
      readonly type: 'call';
      readonly library: string;
      readonly name: string;
      readonly args: readonly string[];
    }
  /** `dlclose` the handle the link opened for `library` (an unload when nothing else keeps it). */
  | { readonly id: number; readonly type: 'close'; readonly library: string }
  /** `reload` `library` with the bytes of the opened file `build`. */
  | { readonly id: number; readonly type: 'reload'; readonly library: string; readonly build: string }
  /** `&f`: the table slot of `name` as `dlsym(library's handle, name).address` gives it. */
  | { readonly id: number; readonly type: 'address'; readonly library: string; readonly name: string }
  /** Calls the function in table slot `pointer.slot` with `call_indirect` of its type (as C calls a pointer). */
  | {
      readonly id: number;
      readonly type: 'call-pointer';
      readonly pointer: FunctionPointer;
      readonly args: readonly string[];
    }
  /** A WASI program (wasi-protocol.ts). */
  | ({ readonly id: number; readonly type: 'run-wasi' } & WasiRunRequest);

/** The answer to a request, or something the worker reports while it works. */
export type WorkerMessage =
  | { readonly id: number; readonly type: 'opened'; readonly files: readonly OpenedFile[] }
  | { readonly id: number; readonly type: 'removed' }
  | { readonly id: number; readonly type: 'linked'; readonly outcome: LinkOutcome }
  | { readonly id: number; readonly type: 'called'; readonly outcome: CallOutcome }
  | { readonly id: number; readonly type: 'wasi-ran'; readonly outcome: WasiRunOutcome }
  | { readonly id: number; readonly type: 'changed'; readonly outcome: ChangeOutcome }
  | {
      readonly id: number;
      readonly type: 'addressed';
      readonly outcome:
        { readonly ok: true; readonly pointer: FunctionPointer } | { readonly ok: false; readonly error: ErrorInfo };
    }
  | { readonly id: number; readonly type: 'failed'; readonly error: ErrorInfo }
  /** Progress of request `id`: one file read, or one linker event. */
  | {
      readonly id: number;
      readonly type: 'file-progress';
      readonly file: OpenedFile;
      readonly done: number;
      readonly total: number;
    }
  | { readonly id: number; readonly type: 'link-event'; readonly event: PostedEvent };

/** The response types, by request type. */
export interface ResponseFor {
  readonly open: Extract<WorkerMessage, { type: 'opened' }>;
  readonly remove: Extract<WorkerMessage, { type: 'removed' }>;
  readonly link: Extract<WorkerMessage, { type: 'linked' }>;
  readonly call: Extract<WorkerMessage, { type: 'called' }>;
  readonly 'run-wasi': Extract<WorkerMessage, { type: 'wasi-ran' }>;
  readonly close: Extract<WorkerMessage, { type: 'changed' }>;
  readonly reload: Extract<WorkerMessage, { type: 'changed' }>;
  readonly address: Extract<WorkerMessage, { type: 'addressed' }>;
  readonly 'call-pointer': Extract<WorkerMessage, { type: 'called' }>;
}
