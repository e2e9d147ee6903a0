import { DlError, isDlErrorCode, messageOf } from '@dl/errors';
import { followLinker } from '@dl/linker/follow';
import type { Follower } from '@dl/linker';
import type { EmscriptenContext } from './context.js';
import { MailboxReader } from './mailbox.js';
import { asmjsMangle } from './publish.js';
import type { ThreadMessage } from './threads.js';
import { emscriptenAbis, emscripten316 } from './versions.js';
import type { EmscriptenAbi } from './versions.js';

type Fn = (...args: unknown[]) => unknown;

/** What a pthread's worker gives the follower besides Emscripten's context. */
export interface FollowerContext extends EmscriptenContext {
  /**
   * Has the main thread open the library of a `struct dso*` (a call proxied synchronously, as
   * Emscripten proxies file I/O): 1, 0, or a `malloc`ed string (freed here): the error's code,
   * a newline, the `dlerror()` text the main thread got.
   */
  readonly openOnMain?: ((dso: number) => number) | undefined;
}

const ON_PTHREAD = '@dl/emscripten loads libraries on the main thread, which did not answer';

/**
 * The worker side of an Emscripten pthreads program linked by `@dl`: the worker's instance of the
 * main module follows the main thread's linked program (`followLinker` over the worker's own
 * table and stack pointer) — the same libraries at the same bases, the same table slots, one TLS
 * block per library for this worker. Images and updates come from the main thread (in the `run`
 * message, then on a port); `_dlopen_js` (Emscripten's `_emscripten_thread_sync_code` at thread
 * start) and `_dlsym_js` on this thread first take every update already sent, so a library the
 * main thread opened before the pthread learnt of it is here before the pthread runs its code.
 */
export class EmscriptenFollower {
  readonly abi: EmscriptenAbi;
  private follower: Follower | null = null;
  private applied = 0;
  private readonly waiting = new Map<number, ThreadMessage>();
  /** The log the main thread also writes this worker's updates to (read synchronously; see mailbox.ts). */
  private mailbox: MailboxReader | null = null;
  /** `struct dso*` → library name; library name → memory base. */
  private readonly dsos = new Map<number, string>();
  private readonly bases = new Map<string, number>();
  /** Library name → this worker's TLS block and the library's thread-local exports. */
  private readonly tls = new Map<string, { readonly block: number; readonly names: ReadonlySet<string> }>();
  lastError: unknown = null;

  constructor(private readonly ctx: FollowerContext) {
    this.abi = emscriptenAbis[ctx.version] ?? emscripten316;
  }

  /** The linker is the main thread's: nothing to load here before a thread starts. */
  preload(): void {
    /* Libraries come with the first thread's image. */
  }

  reportUndefinedSymbols(): void {
    /* The main thread's GOT values come with each image. */
  }

  /** The port later updates come on (given with a worker's first thread). */
  listen(port: { onmessage: ((e: { data: unknown }) => void) | null; unref?(): void }): void {
    port.onmessage = (e) => {
      this.receive(e.data as ThreadMessage);
    };
    port.unref?.();
  }

  /** Takes every update already sent, now, from the mailbox (its port's copies are then old). */
  drain(): void {
    for (const message of this.mailbox?.take(this.applied) ?? []) this.receive(message);
  }

  /** Applies a message, and the ones that waited for it (messages on two channels may cross). */
  receive(message: ThreadMessage): void {
    if (message.mailbox !== undefined && this.mailbox === null)
      this.mailbox = new MailboxReader(message.mailbox, this.ctx.memory);
    if (message.seq <= this.applied) return;
    this.waiting.set(message.seq, message);
    for (let next = this.waiting.get(this.applied + 1); next !== undefined; next = this.waiting.get(this.applied + 1)) {
      this.waiting.delete(next.seq);
      this.apply(next);
      this.applied = next.seq;
    }
  }

  private host(): Readonly<Record<string, Fn>> {
    const { ctx } = this;
    const target: Record<string, Fn> = {};
    return new Proxy(target, {
      get: (_, name) => {
        if (typeof name !== 'string') return undefined;
        const own = ctx.mainExports[name];
        if (typeof own === 'function') return own;
        const found = ctx.resolveGlobalSymbol?.(name) ?? ctx.imports[name];
        return typeof found === 'function' ? found : undefined;
      },
    });
  }

  private apply(m: ThreadMessage): void {
    for (const lib of m.image.libraries) {
      const base = lib.imports.find((i) => i.name === '__memory_base' && i.how === 'const');
      this.bases.set(lib.name, base?.how === 'const' ? base.value : 0);
    }
    for (const [dso, name] of m.dsos) this.dsos.set(dso, name);
    for (const [name, names] of m.tls) {
      const block = m.image.libraries.find((l) => l.name === name)?.tlsBlock;
      if (block !== null && block !== undefined) this.tls.set(name, { block, names: new Set(names) });
    }
    const got = this.ctx.got;
    if (got !== null) for (const [name, value] of m.got) if (name in got) got[name]!.value = value;
    if (this.follower === null)
      this.follower = followLinker(m.image, {
        host: this.host(),
        table: this.ctx.table,
        stackPointer: this.ctx.stackPointer,
        // Emscripten's runtime walks every library's instance on this worker (its Module._name
        // stubs, a new pthread's TLS set-up): each is made as soon as the worker learns of it.
        instantiate: 'eager',
      });
    else this.follower.update(m.image);
    this.publish(m);
    const { table } = this.ctx;
    for (const [index, name] of m.mainSlots) {
      const f = this.ctx.mainExports[name];
      if (typeof f !== 'function') continue;
      if (index >= table.length) table.grow(index + 1 - table.length);
      if (table.get(index) === null) table.set(index, f);
    }
  }

  /**
   * Global libraries' functions as `Module._name` on this worker, where the main module's JS
   * stubs for them look (the main thread's mirror; the first definition wins, as there).
   */
  private publish(m: ThreadMessage): void {
    const { Module } = this.ctx;
    for (const lib of m.image.libraries) {
      const instance = m.global.includes(lib.name) ? this.follower?.libraries.get(lib.name) : undefined;
      for (const [name, f] of Object.entries(instance?.exports ?? {})) {
        const key = asmjsMangle(name);
        if (typeof f === 'function' && Module[key] === undefined) Module[key] = f;
      }
    }
  }

  /**
   * A thread starts on this worker (Emscripten's `PThread.threadInit`): every library's
   * thread-locals set up afresh in this worker's blocks (a pool worker runs one thread after another).
   */
  threadInit(): void {
    for (const instance of this.follower?.libraries.values() ?? []) {
      const init = instance.exports.emscripten_tls_init;
      if (typeof init === 'function') (init as () => number)();
    }
  }

  /**
   * `_dlopen_js(struct dso*)` on a pthread: Emscripten's `_emscripten_thread_sync_code` asks
   * for each library the main thread opened. 1 when this worker has it (after taking the
   * updates sent), 0 and `dlerror()` set for a library only this thread asks for.
   */
  dlopenJs(dso: number): number {
    const name = this.ctx.readString(dso + this.abi.dso.name);
    if (name === '__main__') return 1;
    this.drain();
    if (this.dsos.has(dso)) return 1;
    const open = this.ctx.openOnMain;
    const answer = open === undefined ? 0 : open(dso);
    if (answer === 1) {
      // The main thread posted this worker's update before answering.
      this.drain();
      if (this.dsos.has(dso)) return 1;
    }
    if (answer > 1) {
      const [code, ...lines] = this.ctx.readString(answer).split('\n');
      this.ctx.free(answer);
      const text = lines.join('\n');
      this.lastError = new DlError(code !== undefined && isDlErrorCode(code) ? code : 'DL_INCOMPATIBLE', text, {
        library: name,
      });
      this.ctx.setError(text);
      return 0;
    }
    this.lastError = new DlError(
      'DL_INCOMPATIBLE',
      answer === 1
        ? `${name} was opened by the main thread, and its update has not reached this pthread (not in its mailbox: a library loaded from a compiled module, or no growable SharedArrayBuffer here)`
        : `dlopen of ${name} on a pthread: ${ON_PTHREAD}`,
      { library: name },
    );
    this.ctx.setError(messageOf(this.lastError));
    return 0;
  }

  /** The table slot of `f` on this thread: the one the main thread gave it (the same number). */
  private slotOf(f: unknown): number {
    const { table } = this.ctx;
    for (let i = 0; i < table.length; i++) if (table.get(i) === f) return i;
    return 0;
  }

  /** The library (name) a global lookup of `symbol` finds on this worker: the first, in load order. */
  private ownerOf(symbol: string): string | undefined {
    for (const [name, instance] of this.follower?.libraries ?? [])
      if (Object.hasOwn(instance.exports, symbol)) return name;
    return undefined;
  }

  /**
   * A data symbol's address on this thread: a thread-local's is this worker's TLS block of its
   * library plus its offset (the export's value), any other's the library's memory base plus it.
   */
  private dataAddress(library: string | undefined, symbol: string, offset: number): number {
    if (library === undefined) return offset;
    const tls = this.tls.get(library);
    if (tls?.names.has(symbol) === true) return tls.block + offset;
    return (this.bases.get(library) ?? 0) + offset;
  }

  /**
   * `_dlsym_js(struct dso*, const char*)` on a pthread: the same address as on the main thread —
   * but a thread-local variable's is this thread's own.
   */
  dlsymJs(dso: number, symbolPtr: number): number {
    const symbol = this.ctx.readString(symbolPtr);
    this.drain();
    const name = this.dsos.get(dso);
    const instance = name === undefined ? undefined : this.follower?.libraries.get(name);
    const value = dso === 0 ? (this.follower?.find(symbol) ?? this.ctx.mainExports[symbol]) : instance?.exports[symbol];
    if (typeof value === 'function') {
      const slot = this.slotOf(value);
      if (slot !== 0) return slot;
    } else if (value instanceof WebAssembly.Global) {
      return this.dataAddress(dso === 0 ? this.ownerOf(symbol) : name, symbol, value.value as number);
    } else if (typeof value === 'number') return value;
    const where = name ?? (dso === 0 ? 'RTLD_DEFAULT' : `handle ${dso}`);
    this.lastError = new DlError(
      value === undefined ? 'DL_UNDEFINED_SYMBOL' : 'DL_INCOMPATIBLE',
      value === undefined
        ? `${symbol}: not found in ${where} on this pthread`
        : `${symbol} (${where}) has no table slot on this pthread`,
      { symbol, ...(name === undefined ? {} : { library: name }) },
    );
    this.ctx.setError(messageOf(this.lastError));
    return 0;
  }

  /** `_emscripten_dlopen_js` on a pthread: refused (onerror), libraries load on the main thread. */
  emscriptenDlopenJs(dso: number, _onsuccess: number, onerror: number): void {
    const name = this.ctx.readString(dso + this.abi.dso.name);
    this.ctx.setError(`emscripten_dlopen of ${name} on a pthread: ${ON_PTHREAD}`);
    (this.ctx.table.get(onerror) as (p: number) => void)(dso);
  }

  /** Emscripten's JS loader on a pthread: refused, with the reason. */
  loadDynamicLibrary(name: string): never {
    throw new DlError('DL_INCOMPATIBLE', `loadDynamicLibrary(${name}) on a pthread: ${ON_PTHREAD}`, { library: name });
  }

  loadWebAssemblyModule(): never {
    throw new DlError('DL_INCOMPATIBLE', `loadWebAssemblyModule on a pthread: ${ON_PTHREAD}`);
  }
}

/** Creates the worker side of a pthreads program (what the `--js-library` calls on a pthread). */
export function followEmscripten(ctx: FollowerContext): EmscriptenFollower {
  return new EmscriptenFollower(ctx);
}
