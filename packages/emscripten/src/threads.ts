import type { Handle, LoadedSource, Linker, Loader, LoadRequest, ThreadImage, ThreadResources } from '@dl/linker';
import type { DsoTable } from './dso.js';
import { MailboxWriter } from './mailbox.js';
import type { MailboxRef } from './mailbox.js';

/**
 * What the main thread sends an Emscripten pthread's worker (in the `run` message that starts a
 * thread, then on the thread's own port after each load): what the worker lacks of the linked
 * program, numbered so that it is applied in order.
 */
export interface ThreadMessage {
  /** 1 for a worker's first image, then one more per update. */
  readonly seq: number;
  readonly image: ThreadImage;
  /** `struct dso*` → the library's name, for the libraries opened since the last message. */
  readonly dsos: readonly (readonly [number, string])[];
  /** The main's GOT entries (name, value): the worker's main module imports them too. */
  readonly got: readonly (readonly [string, number])[];
  /** Table slots the main thread gave to functions of the main module (index, export name). */
  readonly mainSlots: readonly (readonly [number, string])[];
  /** The libraries in the global scope (their functions become `Module._name` on the worker too). */
  readonly global: readonly string[];
  /** With a worker's first image: the log its later updates are also written to (read synchronously). */
  readonly mailbox?: MailboxRef | undefined;
  /**
   * The thread-local variables each library of the image exports (library name, export names):
   * on the worker, `dlsym` of one answers the worker's own TLS block plus the export's offset.
   */
  readonly tls: readonly (readonly [string, readonly string[]])[];
}

/** The port a worker's updates travel on (a `MessagePort` in node and browsers). */
export interface UpdatePort {
  postMessage(message: unknown): void;
  unref?(): void;
  close?(): void;
}

/** What {@link ThreadLeader.start} gives the `run` message: the update, and the port on a worker's first thread. */
export interface ThreadStart {
  readonly message: ThreadMessage;
  readonly port: UpdatePort | null;
}

/** The part of a {@link ThreadMessage} that is the same for every worker at one moment. */
type ProgramPart = Pick<ThreadMessage, 'got' | 'mainSlots' | 'global'>;

interface Followed {
  /** Its messages' target in the mailbox. */
  readonly id: number;
  readonly resources: ThreadResources;
  readonly port: UpdatePort;
  seq: number;
  readonly dsos: Set<number>;
}

/** What the leader reads of the running program. */
export interface LeaderContext {
  readonly linker: Linker;
  readonly dsos: DsoTable;
  readonly table: WebAssembly.Table;
  readonly got: Record<string, WebAssembly.Global> | null;
  readonly mainExports: Readonly<Record<string, unknown>>;
  /** The bytes a library was loaded from (by name; {@link keepingBytes}): workers compile them from the mailbox. */
  readonly bytesOf: (name: string) => Uint8Array | undefined;
}

/** A worker's stack is Emscripten's (pthread_create allocated it): the image's own stays minimal. */
const NO_STACK = 16;

/**
 * The main thread's side of an Emscripten pthreads program: one follower per worker (kept for
 * the worker's life: a pool worker runs one thread after another), each brought up to date when
 * a thread starts on it and after every load on the main thread. Every exported function of a
 * library gets its table slot before an image is made (as Emscripten 3.1.6 does at load), so a
 * `dlsym` on a worker answers the number the main thread's `dlsym` answers.
 */
export class ThreadLeader {
  private readonly followed = new Map<object, Followed>();
  private readonly slotted = new Set<number>();
  /** Each library's thread-local exports (by id), found once. */
  private readonly tlsNames = new Map<number, readonly string[]>();
  /** Functions given a slot for the workers (reading `address` gives one). */
  private given = 0;
  /** The last worker's number in the mailbox (never reused: a worker that ended keeps its number). */
  private lastId = 0;
  /** Made with the first worker; null where SharedArrayBuffer cannot grow. */
  private mailbox: MailboxWriter | null | undefined;
  /** See {@link ThreadLeader.mainFunctions}. */
  private byFunction: Map<unknown, string> | null = null;

  constructor(private readonly ctx: LeaderContext) {}

  /** Gives every exported function of every resident library its table slot (once per library). */
  private slotExports(): void {
    const { linker } = this.ctx;
    for (const lib of linker.graph().libraries) {
      if (lib.id === 0 || this.slotted.has(lib.id) || lib.compat !== undefined) continue;
      this.slotted.add(lib.id);
      const handle: Handle = { id: lib.id, name: lib.name };
      for (const [name, value] of Object.entries(linker.exportsOf(handle).exports)) {
        if (typeof value !== 'function') continue;
        try {
          const s = linker.dlsym(handle, name);
          // A function's slot is given when its address is first read.
          if (s.kind === 'function') this.given += s.address > 0 ? 1 : 0;
        } catch {
          // A name the library does not make visible (hidden, or another's definition first): no slot.
        }
      }
    }
  }

  /** The main module's exported functions, by function (made once: the main's exports do not change). */
  private mainFunctions(): Map<unknown, string> {
    if (this.byFunction !== null) return this.byFunction;
    const byFunction = new Map<unknown, string>();
    for (const [name, value] of Object.entries(this.ctx.mainExports))
      if (typeof value === 'function' && !byFunction.has(value)) byFunction.set(value, name);
    this.byFunction = byFunction;
    return byFunction;
  }

  /** The table slots holding the main module's exported functions (the worker's main has its own). */
  private mainSlots(): [number, string][] {
    const byFunction = this.mainFunctions();
    const out: [number, string][] = [];
    const { table } = this.ctx;
    for (let i = 0; i < table.length; i++) {
      const name = byFunction.get(table.get(i));
      if (name !== undefined) out.push([i, name]);
    }
    return out;
  }

  private gotValues(): [string, number][] {
    const got = this.ctx.got;
    if (got === null) return [];
    return Object.entries(got).flatMap(([name, g]) => (typeof g.value === 'number' ? [[name, g.value]] : []));
  }

  /** The exports of a library that are thread-local (`dlsym` answers a TLS address for them). */
  private tlsExports(id: number, name: string): readonly string[] {
    const known = this.tlsNames.get(id);
    if (known !== undefined) return known;
    const handle: Handle = { id, name };
    const { linker } = this.ctx;
    const names = Object.entries(linker.exportsOf(handle).exports).flatMap(([symbol, value]) => {
      if (!(value instanceof WebAssembly.Global)) return [];
      try {
        return linker.dlsym(handle, symbol).kind === 'tls' ? [symbol] : [];
      } catch {
        return [];
      }
    });
    this.tlsNames.set(id, names);
    return names;
  }

  /**
   * What every worker's message says of the whole program: the main's GOT values, the slots
   * holding the main's functions, the global libraries. Made once per sync, not once per worker
   * (the slots are a walk of the table).
   */
  private programPart(): ProgramPart {
    const global = this.ctx.linker
      .graph()
      .libraries.filter((l) => l.global && l.id !== 0)
      .map((l) => l.name);
    return { got: this.gotValues(), mainSlots: this.mainSlots(), global };
  }

  private message(f: Followed, image: ThreadImage, program: ProgramPart, mailbox?: MailboxRef): ThreadMessage {
    const dsos: [number, string][] = [];
    for (const [dso, handle] of this.ctx.dsos.handles) {
      if (f.dsos.has(dso) || handle.id === 0) continue;
      f.dsos.add(dso);
      dsos.push([dso, handle.name]);
    }
    f.seq += 1;
    const tls = image.libraries.flatMap((l): [string, readonly string[]][] => {
      const names = l.tlsBlock === null ? [] : this.tlsExports(l.id, l.name);
      return names.length === 0 ? [] : [[l.name, names]];
    });
    const message = { seq: f.seq, image, dsos, ...program, tls };
    return mailbox === undefined ? message : { ...message, mailbox };
  }

  /**
   * A thread starts on `worker`: the whole image on its first thread (with the port later
   * updates take), what it lacks since otherwise.
   */
  start(worker: object, channel: () => { ours: UpdatePort; theirs: UpdatePort }): ThreadStart {
    this.slotExports();
    const known = this.followed.get(worker);
    if (known !== undefined)
      return {
        message: this.message(known, this.ctx.linker.threadUpdate(known.resources), this.programPart()),
        port: null,
      };
    const { image, resources } = this.ctx.linker.threadImage({ stackSize: NO_STACK });
    const { ours, theirs } = channel();
    ours.unref?.();
    const f: Followed = { id: ++this.lastId, resources, port: ours, seq: 0, dsos: new Set() };
    this.followed.set(worker, f);
    this.mailbox ??= MailboxWriter.create();
    return { message: this.message(f, image, this.programPart(), this.mailbox?.ref(f.id)), port: theirs };
  }

  /**
   * `worker` is gone (Emscripten terminated it: `killThread`, `terminateAllThreads`): its stack
   * and TLS blocks go back to the linker's allocator, its port is closed. False for a worker
   * that never ran a thread here.
   */
  end(worker: object): boolean {
    const f = this.followed.get(worker);
    if (f === undefined) return false;
    this.followed.delete(worker);
    this.ctx.linker.releaseThread(f.resources);
    f.port.close?.();
    return true;
  }

  /** After a load on the main thread: every followed worker gets what it lacks, on its port. */
  sync(): void {
    if (this.followed.size === 0) return;
    this.slotExports();
    let program: ProgramPart | undefined;
    for (const f of this.followed.values()) {
      const image = this.ctx.linker.threadUpdate(f.resources);
      if (image.libraries.length === 0 && image.removed.length === 0 && image.slots.length === 0) {
        const pending = [...this.ctx.dsos.handles.keys()].some((d) => !f.dsos.has(d));
        if (!pending) continue;
      }
      program ??= this.programPart();
      const message = this.message(f, image, program);
      // The mailbox first: a pthread that reads it finds the update there, the port's copy is then old.
      this.mailbox?.post(f.id, message, this.ctx.bytesOf);
      f.port.postMessage(message);
    }
  }
}

/** Keeps the bytes `loader` finds (by library name), for the workers' mailbox. */
export function keepingBytes(loader: Loader, kept: Map<string, Uint8Array>): Loader {
  const keep = (source: LoadedSource): LoadedSource => {
    if (source.bytes !== undefined) kept.set(source.name, source.bytes);
    return source;
  };
  return {
    load: (request: LoadRequest) => loader.load(request).then(keep),
    ...(loader.loadSync === undefined ? {} : { loadSync: (request: LoadRequest) => keep(loader.loadSync!(request)) }),
  };
}
