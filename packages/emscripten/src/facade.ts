import { DlError, messageOf } from '@dl/errors';
import { RTLD, RTLD_DEFAULT } from '@dl/linker';
import type { Handle, Linker } from '@dl/linker';
import type { EmscriptenContext } from './context.js';
import { dlsymFailureText, failureText } from './dlerror.js';
import { withHint } from './hints.js';
import { getDylinkMetadata } from './metadata.js';
import type { EmscriptenDylinkMetadata } from './metadata.js';
import type { Mirror } from './mirror.js';
import { relocatedExports } from './publish.js';
import { emscriptenAbis, emscripten316, RTLD_FLAGS } from './versions.js';
import type { EmscriptenAbi } from './versions.js';
import { anonymousLibraryName } from './library-name.js';
import { DsoTable } from './dso.js';
import type { LdsoView } from './dso.js';
import { abortOnUndefined, loadAtStart, withCompatHeld } from './preload.js';
import type { PreloadPlan } from './preload.js';
import { createFacadeLinker } from './facade-link.js';
import type { FacadeLinker } from './facade-link.js';
import type { EmscriptenFacadeOptions, EmscriptenLoadFlags } from './facade-options.js';
import type { ThreadLeader, ThreadStart, UpdatePort } from './threads.js';

const asNumber = (x: unknown): number => (typeof x === 'bigint' ? Number(x) : (x as number));

/** The `dlopen` flags the linker takes from a `struct dso`. */
const OPEN_FLAGS = RTLD_FLAGS.LAZY | RTLD_FLAGS.NOW | RTLD_FLAGS.GLOBAL | RTLD_FLAGS.NODELETE | RTLD_FLAGS.NOLOAD;

/**
 * Emscripten's dynamic linker, implemented by `@dl/linker` inside a running Emscripten
 * program: the entry points its C library calls (`_dlopen_js`, `_dlsym_js`,
 * `_emscripten_dlopen_js`), load-time `dynamicLibraries`, and the runtime API
 * (`loadDynamicLibrary`, `loadWebAssemblyModule`, `getDylinkMetadata`, `LDSO`).
 */
export class EmscriptenDylink {
  readonly abi: EmscriptenAbi;
  /** The C side's handles (`struct dso*`) and the names libraries were opened by. */
  private readonly dsos: DsoTable;
  /** The linker and the mirror, made on first use (see {@link EmscriptenDylink.linker}). */
  private linked: FacadeLinker | null = null;
  private anonymous = 0;
  /** What `loadWebAssemblyModule` returned, to the library: `mergeLibSymbols` makes it global. */
  private readonly returnedExports = new WeakMap<object, Handle>();
  /** The last failed load's error, with everything `@dl` knows (`dlerror()` has Emscripten's words). */
  lastError: unknown = null;
  private readonly explainErrors: boolean;
  /** A `-pthread` program (shared memory): its pthreads follow the linked program. */
  private readonly shared: boolean;
  /** The compatibility library's bytes: given, or imported by {@link EmscriptenDylink.preload}. */
  private compatBytes: Uint8Array | undefined;
  /** On shared memory: the bytes libraries were loaded from (by name), for the workers' mailbox. */
  private readonly threadBytes = new Map<string, Uint8Array>();

  constructor(
    private readonly ctx: EmscriptenContext,
    private readonly options: EmscriptenFacadeOptions = {},
  ) {
    this.abi = options.abi ?? emscriptenAbis[ctx.version] ?? emscripten316;
    this.explainErrors = options.explainErrors === true;
    this.compatBytes = options.compatLibrary;
    this.dsos = new DsoTable(ctx.memory, this.abi);
    this.shared = typeof SharedArrayBuffer !== 'undefined' && ctx.memory.buffer instanceof SharedArrayBuffer;
    // Side modules' destructors (registered with the linker) when the runtime exits, before the main's.
    ctx.onExit?.(() => {
      this.linked?.linker.exit();
    });
  }

  /**
   * The linker doing the work (its `graph()`, `dlsym`, events). Made on first use — the first
   * load, or reading this — so that attaching to a program costs nothing until it loads a library.
   */
  get linker(): Linker {
    return (this.linked ??= this.link()).linker;
  }

  /** Global libraries' symbols in `Module` and the import object; the main's GOT filled. */
  private get mirror(): Mirror {
    return (this.linked ??= this.link()).mirror;
  }

  /** The pthreads' workers following this program (shared memory only). */
  private get threads(): ThreadLeader | null {
    return this.shared ? (this.linked ??= this.link()).threads : null;
  }

  /** Creates the linker over the program's main (its exports, memory, table, allocator) and the mirror. */
  private link(): FacadeLinker {
    const options =
      this.compatBytes === undefined ? this.options : { ...this.options, compatLibrary: this.compatBytes };
    return createFacadeLinker(this.ctx, options, {
      abi: this.abi,
      dsos: this.dsos,
      threadBytes: this.shared ? this.threadBytes : null,
    });
  }

  /** Mirrors a library made global outside a load (promoted by reopening it RTLD_GLOBAL). */
  private publish(handle: Handle): void {
    const { exports, published, global } = this.linker.exportsOf(handle);
    this.mirror.settle([{ handle, exports, published, global }], null);
  }

  /**
   * Emscripten's `reportUndefinedSymbols()`: fills the main's GOT entries that loaded
   * libraries now define. Entries nobody defines stay 0, as weak ones (Emscripten 3.1.6 throws
   * `bad export type`, which the facade never needs: its loads check their own symbols).
   */
  reportUndefinedSymbols(): void {
    this.mirror.settleAll();
  }

  /**
   * Emscripten's `mergeLibSymbols(exports, libName)`, after the `--js-library` copied the exports
   * into `Module` and the import object as Emscripten does: when they are what
   * `loadWebAssemblyModule` returned, the library joins the global scope (what merging means
   * for later loads and `dlsym(RTLD_DEFAULT)`, which find it as a library, not a JS function).
   */
  mergeLibSymbols(exports: Record<string, unknown>): void {
    const handle = this.returnedExports.get(exports);
    if (handle === undefined || this.linker.placement(handle).global) return;
    const h = this.linker.dlopenSync(handle.name, RTLD.LAZY | RTLD.GLOBAL | RTLD.NOLOAD);
    this.linker.dlclose(h);
    this.publish(h);
  }

  /** Emscripten's `getDylinkMetadata(binary)`. */
  getDylinkMetadata(binary: Uint8Array | ArrayBuffer | WebAssembly.Module): EmscriptenDylinkMetadata {
    return getDylinkMetadata(binary);
  }

  /**
   * Load-time linking (`preloadDylibs`): `dynamicLibraries`, asynchronously, holding `run()`.
   * With `compat` and no bytes given, the compatibility library is imported first (also
   * holding `run()`): a C `dlopen` in `main` then links synchronously with it.
   */
  preload(): void {
    withCompatHeld(
      this.ctx,
      this.options,
      this.compatBytes,
      (bytes) => {
        this.compatBytes = bytes;
        this.preloadLibraries();
      },
      (e) => {
        this.preloadFailed(e);
      },
    );
  }

  private preloadLibraries(): void {
    const libs = this.ctx.dynamicLibraries();
    if (libs.length === 0) {
      this.mirror.settle([], null);
      return;
    }
    this.ctx.runDependency?.add('preloadDylibs');
    loadAtStart(this.linker, libs, this.options.plans).then(
      ({ handles, plan }) => {
        this.preloadPlan = plan;
        handles.forEach((h, i) => {
          this.dsos.record(0, h, libs[i]!, null);
        });
        this.threads?.sync();
        this.ctx.runDependency?.remove('preloadDylibs');
      },
      (e: unknown) => {
        this.preloadFailed(e);
      },
    );
  }

  /** What the last load-time link did with its plan (`plans` option): replayed, or recorded and why. */
  preloadPlan: PreloadPlan | null = null;

  /** As Emscripten's own preload: the program cannot start; the error surfaces unhandled. */
  private preloadFailed(e: unknown): never {
    this.lastError = e;
    abortOnUndefined(e, this.ctx, this.abi);
    throw withHint(e);
  }

  /** A failed `dlopen`: `dlerror()` in Emscripten's words, its -sASSERTIONS log line, the error kept. */
  private failed(name: string, e: unknown, log: boolean): void {
    this.lastError = e;
    const text = failureText(this.abi, name, e, this.explainErrors);
    if (log && this.ctx.assertions === true) this.ctx.err?.(text.log);
    this.ctx.setError(text.dlerror);
  }

  /** `_dlopen_js(struct dso*)`: 1 and the handle recorded, or 0 and `dlerror()` set. */
  dlopenJs(dso: number): number {
    const name = this.ctx.readString(dso + this.abi.dso.name);
    try {
      const handle =
        name === '__main__' ? this.linker.dlopenSync(null) : this.linker.dlopenSync(name, this.flagsOf(dso));
      this.opened(dso, handle, name);
      this.dsos.markFresh(dso);
      this.threads?.sync();
      return 1;
    } catch (e) {
      this.failed(name, e, true);
      return 0;
    }
  }

  /** `_emscripten_dlopen_js(struct dso*, onsuccess, onerror)`: asynchronous `dlopen`. */
  emscriptenDlopenJs(dso: number, onsuccess: number, onerror: number): void {
    const name = this.ctx.readString(dso + this.abi.dso.name);
    const call = (fn: number): void => {
      this.ctx.keepalive?.pop();
      const run = (): void => {
        (this.ctx.table.get(fn) as (p: number) => void)(dso);
      };
      if (this.ctx.callUserCallback === undefined) run();
      else this.ctx.callUserCallback(run);
    };
    this.ctx.keepalive?.push();
    this.linker.dlopen(name, this.flagsOf(dso)).then(
      (handle) => {
        this.opened(dso, handle, name);
        this.threads?.sync();
        call(onsuccess);
      },
      (e: unknown) => {
        this.failed(name, e, false);
        call(onerror);
      },
    );
  }

  /** `_dlsym_js(struct dso*, const char*)`: an address (a table index for functions), or 0 and `dlerror()` set. */
  dlsymJs(dso: number, symbolPtr: number): number {
    const symbol = this.ctx.readString(symbolPtr);
    const handle = dso === 0 ? undefined : this.dsos.handles.get(dso);
    const where = dso === 0 ? 'RTLD_DEFAULT' : (handle?.name ?? `${dso}`);
    try {
      if (dso !== 0 && handle === undefined)
        throw new DlError(
          'DL_BAD_HANDLE',
          dso === -1 ? "RTLD_NEXT is not supported by Emscripten's dlsym" : `no library is open under handle ${dso}`,
        );
      const s = this.linker.dlsym(handle ?? RTLD_DEFAULT, symbol);
      return s.kind === 'global' ? asNumber(s.global.value) : s.address;
    } catch (e) {
      this.ctx.setError(dlsymFailureText(this.abi, e, symbol, where));
      return 0;
    }
  }

  /**
   * `_dl_opened_js(struct dso*, flags)`, from dl_unload.c once libc's `dlopen` returned `dso`: 1,
   * or 0 and `dlerror()` set (its `dlopen` then returns NULL). A `struct dso` `_dlopen_js` just
   * loaded into holds its reference already; one libc found by name in its list gets one more
   * (promoted by `RTLD_GLOBAL`), or, its library unloaded since, the library is loaded again
   * into it — with `RTLD_NOLOAD` that fails, as natively.
   */
  openedJs(dso: number, flags: number): number {
    if (this.dsos.takeFresh(dso)) return 1;
    const known = this.dsos.handles.get(dso);
    if (known?.id === 0) return 1;
    const name = this.ctx.readString(dso + this.abi.dso.name);
    try {
      const handle = this.linker.dlopenSync(name, flags & OPEN_FLAGS);
      if (known === undefined) this.dsos.setFlags(dso, flags);
      this.opened(dso, handle, name);
      return 1;
    } catch (e) {
      this.failed(name, e, true);
      return 0;
    }
  }

  /**
   * `_dl_dlclose_js(struct dso*)`, from dl_unload.c once libc's `dlclose` accepted `dso`: drops
   * the reference it holds — the library is unloaded when nothing keeps it (`linker.dlclose`;
   * never in a `-pthread` program, as in Emscripten: a worker may be running its code) — and returns 0; 1 with `dlerror()` set for a handle whose library is gone, or when a
   * destructor or unload hook failed (the library is unloaded all the same).
   */
  dlcloseJs(dso: number): number {
    const handle = this.dsos.handles.get(dso);
    if (handle === undefined) {
      this.ctx.setError(this.abi.texts.invalidHandle(dso));
      return 1;
    }
    // With pthreads, a library stays loaded (as in 3.1.6): its code may be running on a worker.
    if (handle.id === 0 || this.shared) return 0;
    try {
      this.linker.dlclose(handle);
      return 0;
    } catch (e) {
      this.lastError = e;
      this.ctx.setError(messageOf(e));
      return 1;
    }
  }

  private flagsOf(dso: number): number {
    const flags = new Int32Array(this.ctx.memory.buffer, dso + this.abi.dso.flags, 1)[0]!;
    return flags & OPEN_FLAGS;
  }

  /** Records an open library against its `struct dso` (as Emscripten fills it in), and settles. */
  private opened(dso: number, handle: Handle, name: string): void {
    if (handle.id === 0) {
      this.dsos.record(dso, handle, '__main__', null);
      return;
    }
    const lib = this.linker.placement(handle);
    this.dsos.record(dso, handle, name, lib);
    // Opened RTLD_GLOBAL after an RTLD_LOCAL load: promoted now, mirrored now.
    if (lib.global) this.publish(handle);
  }

  /** Emscripten's `loadDynamicLibrary(name, flags, handle)`: true, or a promise of it. */
  loadDynamicLibrary(
    name: string,
    flags: EmscriptenLoadFlags = { global: true, nodelete: true },
    dso?: number,
  ): boolean | Promise<boolean> {
    const bits =
      (flags.allowUndefined === false ? RTLD.NOW : RTLD.LAZY) |
      (flags.global === true ? RTLD.GLOBAL : 0) |
      (flags.nodelete === true ? RTLD.NODELETE : 0);
    const done = (handle: Handle): true => {
      this.dsos.record(dso ?? 0, handle, name, null);
      if (flags.global === true) this.publish(handle);
      this.threads?.sync();
      return true;
    };
    if (flags.loadAsync === true)
      return this.linker.dlopen(name, bits).then(done, (e: unknown) => {
        throw withHint(e);
      });
    try {
      return done(this.linker.dlopenSync(name, bits));
    } catch (e) {
      throw withHint(e);
    }
  }

  /**
   * Emscripten's `loadWebAssemblyModule(binary, flags, …)`: links bytes or a compiled module
   * and returns its exports relocated (functions, data as absolute addresses), or a promise
   * of them. Accepts both signatures: 3.1.6's `(binary, flags, handle)` and 4.x's
   * `(binary, flags, libName, localScope, handle)`.
   */
  loadWebAssemblyModule(
    binary: Uint8Array | WebAssembly.Module,
    flags: EmscriptenLoadFlags = {},
    nameOrHandle?: string | number,
  ): Record<string, unknown> | Promise<Record<string, unknown>> {
    const name = typeof nameOrHandle === 'string' ? nameOrHandle : anonymousLibraryName(binary, ++this.anonymous);
    const source = binary instanceof WebAssembly.Module ? { name, module: binary } : { name, bytes: binary };
    if (this.shared && !(binary instanceof WebAssembly.Module)) this.threadBytes.set(name, binary);
    const bits = RTLD.LAZY | (flags.global === true ? RTLD.GLOBAL : 0) | (flags.nodelete === true ? RTLD.NODELETE : 0);
    const done = (handle: Handle): Record<string, unknown> => {
      if (flags.global === true) this.publish(handle);
      const exports = relocatedExports(this.linker, handle);
      this.returnedExports.set(exports, handle);
      this.threads?.sync();
      return exports;
    };
    if (flags.loadAsync === true)
      return this.linker.dlopen(source, bits).then(done, (e: unknown) => {
        throw withHint(e);
      });
    try {
      return done(this.linker.dlopenSync(source, bits));
    } catch (e) {
      throw withHint(e);
    }
  }

  /**
   * A pthread starts on `worker` (Emscripten's `spawnThread` posting `run`): what the worker's
   * instance needs to follow this program — its image on its first thread, with the port later
   * updates go through (`channel()` makes one), what it lacks otherwise. Null without shared memory.
   */
  threadStart(worker: object, channel: () => { ours: UpdatePort; theirs: UpdatePort }): ThreadStart | null {
    return this.threads?.start(worker, channel) ?? null;
  }

  /**
   * Emscripten terminated `worker` (`killThread` after `pthread_kill`, `terminateAllThreads` at
   * exit): the stack and TLS blocks reserved for it go back to the linker's allocator. False for
   * a worker that never ran a thread (or without shared memory).
   */
  threadEnd(worker: object): boolean {
    return this.threads?.end(worker) ?? false;
  }

  /**
   * Emscripten's `LDSO` registry, as a view of the libraries opened through the facade (cost:
   * all of them, each time: a diagnostic).
   */
  get LDSO(): LdsoView {
    return this.dsos.view(this.linker, this.ctx.mainExports);
  }
}

/** Creates the facade for a running Emscripten program (what the `--js-library` calls). */
export function linkEmscripten(ctx: EmscriptenContext, options: EmscriptenFacadeOptions = {}): EmscriptenDylink {
  return new EmscriptenDylink(ctx, options);
}
