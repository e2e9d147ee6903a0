import { DlError, isDlError } from '@dl/errors';
import { createLinkerSync, RTLD, RTLD_DEFAULT } from '@dl/linker';
import type { CompatGroup, Handle, HostFunction, Linker, LinkerEvent, Loader } from '@dl/linker';
import { chainLoader } from '@dl/loaders';
import type { EmscriptenContext } from './context.js';
import { emscriptenFsLoader, emscriptenReadLoader } from './loader.js';
import { EmCode } from './em-code.js';
import { explainFailure, withHint } from './hints.js';
import { makeInvoke } from './invoke.js';
import { getDylinkMetadata } from './metadata.js';
import type { EmscriptenDylinkMetadata } from './metadata.js';
import { forwardedName, publishSymbols, relocatedExports } from './publish.js';
import { emscriptenAbis, emscripten316, RTLD_FLAGS } from './versions.js';
import type { EmscriptenAbi } from './versions.js';

/** Options of {@link linkEmscripten}. */
export interface EmscriptenFacadeOptions {
  /** Where libraries come from (default: Emscripten's `FS`, then its `readBinary`/`readAsync`). */
  readonly loader?: Loader;
  /** Directories `dlopen` searches (Emscripten: `ENV.LD_LIBRARY_PATH`). */
  readonly searchPath?: readonly string[];
  /** The Emscripten ABI (default: from the context's version, else 3.1.6's). */
  readonly abi?: EmscriptenAbi;
  readonly onEvent?: (event: LinkerEvent) => void;
  readonly debug?: boolean | ((line: string) => void);
  /**
   * Evaluate side modules' JavaScript — EM_JS functions and EM_ASM blocks — as Emscripten
   * does (default false: such a library is refused with `DL_EVAL_REQUIRED`, before anything is
   * allocated). The only place this package evaluates code: in the glue's scope through the
   * link-time route (as Emscripten's own loader), with `Module` in scope otherwise.
   */
  readonly allowEval?: boolean;
  /**
   * Offer `@dl`'s compatibility library to side modules needing C library or C++ runtime
   * functions the main did not keep (MAIN_MODULE=2, web-tree-sitter): `['libc', 'libc++abi']`
   * or either. Consulted after the main, every library and the runtime's own symbols (a
   * function assigned as `Module._name` still wins). See the linker's `compat` option.
   */
  readonly compat?: readonly CompatGroup[];
}

/** `loadDynamicLibrary`'s flags, as Emscripten takes them. */
export interface EmscriptenLoadFlags {
  readonly global?: boolean;
  readonly nodelete?: boolean;
  readonly loadAsync?: boolean;
  readonly allowUndefined?: boolean;
}

/** An entry of the {@link EmscriptenDylink.LDSO} view. */
export interface EmscriptenDso {
  readonly refcount: number;
  readonly name: string;
  /** The library's exports, relocated (functions, and data as absolute addresses). */
  readonly module: Record<string, unknown>;
  readonly global: boolean;
}

/**
 * The run-time route's evaluator: the source as a function of `Module`. Reached only with
 * `allowEval` (EmCode refuses libraries carrying code otherwise): the user's opt-in.
 */
function evaluateWithModule(source: string, Module: Record<string, unknown>): unknown {
  // eslint-disable-next-line no-new-func, @typescript-eslint/no-implied-eval -- the user opted in (allowEval)
  const make = new Function('Module', `return (${source});`) as (m: Record<string, unknown>) => unknown;
  return make(Module);
}

/** The exception tags in the runtime's import object (`__cpp_exception`, `__c_longjmp`). */
function tagsOf(imports: Readonly<Record<string, unknown>>): Record<string, object> {
  const Tag = (WebAssembly as unknown as { Tag?: abstract new (...args: never[]) => object }).Tag;
  const out: Record<string, object> = {};
  if (Tag === undefined) return out;
  for (const [name, value] of Object.entries(imports)) if (value instanceof Tag) out[name] = value;
  return out;
}

const asNumber = (x: unknown): number => (typeof x === 'bigint' ? Number(x) : (x as number));

/**
 * Emscripten's dynamic linker, implemented by `@dl/linker` inside a running Emscripten
 * program: the entry points its C library calls (`_dlopen_js`, `_dlsym_js`,
 * `_emscripten_dlopen_js`), load-time `dynamicLibraries`, and the runtime API
 * (`loadDynamicLibrary`, `loadWebAssemblyModule`, `getDylinkMetadata`, `LDSO`).
 */
export class EmscriptenDylink {
  /** The linker doing the work (its `graph()`, `dlsym`, events). */
  readonly linker: Linker;
  readonly abi: EmscriptenAbi;
  /** `struct dso*` → handle, for the C side's handles. */
  private readonly handles = new Map<number, Handle>();
  /** Libraries whose symbols are mirrored into `Module` and the import object. */
  private readonly published = new Set<number>();
  /** The main's GOT entries still at 0: resolved as libraries define them. */
  private readonly pendingGot: Set<string>;
  /** Names libraries were opened by (the LDSO view's keys). */
  private readonly byName = new Map<string, Handle>();
  private lastLoad: readonly { readonly id: number; readonly name: string; readonly global: boolean }[] = [];
  private anonymous = 0;
  /** Libraries published since the last settle (their exports may fill pending GOT entries). */
  private fresh: Handle[] = [];
  private settledOnce = false;
  /** Side modules' EM_JS / EM_ASM. */
  private readonly emCode: EmCode;

  constructor(private readonly ctx: EmscriptenContext, options: EmscriptenFacadeOptions = {}) {
    this.abi = options.abi ?? emscriptenAbis[ctx.version] ?? emscripten316;
    const fsLoader = ctx.fs === null || ctx.fs === undefined ? [] : [emscriptenFsLoader(ctx.fs, { searchPath: options.searchPath })];
    const loader = options.loader ?? chainLoader(...fsLoader, emscriptenReadLoader(ctx));
    const exports: Record<string, WebAssembly.ExportValue> = {};
    for (const [name, value] of Object.entries(ctx.mainExports)) {
      if (value instanceof WebAssembly.Global) exports[name] = value;
      else if (typeof value === 'function') exports[name] = value;
      else if (typeof value === 'number') exports[name] = new WebAssembly.Global({ value: 'i32', mutable: false }, value);
    }
    const evaluate = ctx.evaluate ?? ((source: string): unknown => evaluateWithModule(source, ctx.Module));
    this.emCode = new EmCode(options.allowEval === true, evaluate, ctx.memory, (name) => ctx.resolveGlobalSymbol?.(name) ?? ctx.imports[name]);
    this.pendingGot = new Set(Object.entries(ctx.got ?? {}).filter(([, g]) => g.value === 0).map(([n]) => n));
    this.linker = createLinkerSync({
      program: {
        kind: 'attached', name: 'main', exports, memory: ctx.memory, table: ctx.table, stackPointer: ctx.stackPointer,
        allocator: { heap: { malloc: ctx.malloc, free: ctx.free }, ready: ctx.runtimeInitialized, heapBase: ctx.heapBase },
        ...(ctx.got === null ? {} : { got: ctx.got }),
        tags: tagsOf(ctx.imports),
      },
      loader,
      fallback: (name) => this.emCode.symbol(name) ?? this.runtimeSymbol(name),
      admit: (library) => { this.emCode.admit(library); },
      constructors: (run) => { if (ctx.runtimeInitialized()) run(); else ctx.addInit(run); },
      onEvent: (e) => {
        this.emCode.onEvent(e);
        if (e.type === 'instantiate') this.setStackLimits(e.exports);
        if (e.type === 'done') this.lastLoad = e.loaded;
        options.onEvent?.(e);
      },
      ...(options.debug === undefined ? {} : { debug: options.debug }),
      ...(options.compat === undefined ? {} : { compat: options.compat }),
    });
  }

  /**
   * A side module built with -sSTACK_OVERFLOW_CHECK=2 checks the stack pointer against limits it
   * is told before its constructors run (Emscripten's postInstantiation does the same).
   */
  private setStackLimits(exports: WebAssembly.Exports): void {
    const set = exports.__set_stack_limits;
    const base = this.ctx.mainExports.emscripten_stack_get_base;
    const end = this.ctx.mainExports.emscripten_stack_get_end;
    if (typeof set === 'function' && typeof base === 'function' && typeof end === 'function') {
      (set as (top: number, max: number) => void)((base as () => number)(), (end as () => number)());
    }
  }

  /**
   * A symbol only the runtime has: JS library functions, `invoke_*`, `__heap_base`… emcc's
   * forwarding stubs for what the main imports from side modules are placeholders, not
   * definitions: they count only when something real sits behind them in `Module`.
   */
  private runtimeSymbol(name: string): HostFunction | number | undefined {
    let value = this.ctx.resolveGlobalSymbol?.(name) ?? this.ctx.imports[name];
    const target = typeof value === 'function' ? forwardedName(value as (...args: never[]) => unknown) : null;
    if (target !== null) {
      const real = this.ctx.Module[target];
      value = typeof real === 'function' && forwardedName(real as (...args: never[]) => unknown) === null ? real : undefined;
    }
    if (value === undefined && name.startsWith('invoke_')) value = makeInvoke(this.ctx.table, this.ctx.mainExports) ?? undefined;
    if (typeof value === 'function') {
      const sig = (value as { sig?: unknown }).sig;
      const func = value as (...args: never[]) => unknown;
      return typeof sig === 'string' ? { func, type: this.abi.jsSignature(name, sig) } : func;
    }
    if (typeof value === 'number' || typeof value === 'bigint') return asNumber(value);
    if (value instanceof WebAssembly.Global && !value.value) return undefined;
    return undefined;
  }

  /**
   * After a load: mirror new global libraries' symbols, fill the main's GOT entries now
   * defined. The first pass looks at every pending entry; later ones only at the names the
   * newly global libraries export (cost: this load's libraries, not everything loaded).
   */
  private settle(): void {
    for (const lib of this.lastLoad) if (lib.global) this.publish(lib);
    this.lastLoad = [];
    const fresh = this.fresh;
    this.fresh = [];
    if (this.pendingGot.size === 0) return;
    if (!this.settledOnce) {
      this.settledOnce = true;
      for (const name of this.pendingGot) this.fillGot(name);
      return;
    }
    for (const handle of fresh) {
      for (const name of this.linker.exportsOf(handle).published) if (this.pendingGot.has(name)) this.fillGot(name);
    }
  }

  /** Fills one of the main's pending GOT entries if the name is defined now. */
  private fillGot(name: string): void {
    const entry = this.ctx.got?.[name];
    if (entry?.value !== 0) {
      this.pendingGot.delete(name);
      return;
    }
    if (name === '__heap_base' && this.ctx.heapBase !== undefined) {
      entry.value = this.ctx.heapBase.get();
      this.pendingGot.delete(name);
      return;
    }
    try {
      const s = this.linker.dlsym(RTLD_DEFAULT, name);
      entry.value = s.kind === 'global' ? asNumber(s.global.value) : s.address;
      this.pendingGot.delete(name);
    } catch {
      // Still undefined: a later library may define it (a weak or unused import stays 0).
    }
  }

  private publish(handle: Handle): void {
    if (this.published.has(handle.id)) return;
    this.published.add(handle.id);
    this.fresh.push(handle);
    publishSymbols(this.linker, handle, this.ctx.Module, this.ctx.imports);
  }

  /** Emscripten's `getDylinkMetadata(binary)`. */
  getDylinkMetadata(binary: Uint8Array | ArrayBuffer | WebAssembly.Module): EmscriptenDylinkMetadata {
    return getDylinkMetadata(binary);
  }

  /** Load-time linking (`preloadDylibs`): `dynamicLibraries`, asynchronously, holding `run()`. */
  preload(): void {
    const libs = this.ctx.dynamicLibraries();
    if (libs.length === 0) {
      this.settle();
      return;
    }
    this.ctx.runDependency?.add('preloadDylibs');
    this.linker.load(libs, RTLD.LAZY | RTLD.GLOBAL | RTLD.NODELETE).then((handles) => {
      handles.forEach((h, i) => { this.byName.set(libs[i]!, h); });
      this.settle();
      this.ctx.runDependency?.remove('preloadDylibs');
    }, (e: unknown) => {
      // As Emscripten's own preload: the program cannot start; the error surfaces unhandled.
      throw e;
    });
  }

  /** `_dlopen_js(struct dso*)`: 1 and the handle recorded, or 0 and `dlerror()` set. */
  dlopenJs(dso: number): number {
    const name = this.ctx.readString(dso + this.abi.dso.name);
    try {
      const handle = name === '__main__' ? this.linker.dlopenSync(null) : this.linker.dlopenSync(name, this.flagsOf(dso));
      this.opened(dso, handle, name);
      return 1;
    } catch (e) {
      this.ctx.setError(this.abi.texts.couldNotLoad(name, explainFailure(e)));
      return 0;
    }
  }

  /** `_emscripten_dlopen_js(struct dso*, onsuccess, onerror)`: asynchronous `dlopen`. */
  emscriptenDlopenJs(dso: number, onsuccess: number, onerror: number): void {
    const name = this.ctx.readString(dso + this.abi.dso.name);
    const call = (fn: number): void => {
      this.ctx.keepalive?.pop();
      const run = (): void => { (this.ctx.table.get(fn) as (p: number) => void)(dso); };
      if (this.ctx.callUserCallback === undefined) run();
      else this.ctx.callUserCallback(run);
    };
    this.ctx.keepalive?.push();
    this.linker.dlopen(name, this.flagsOf(dso)).then((handle) => {
      this.opened(dso, handle, name);
      call(onsuccess);
    }, (e: unknown) => {
      this.ctx.setError(this.abi.texts.couldNotLoad(name, explainFailure(e)));
      call(onerror);
    });
  }

  /** `_dlsym_js(struct dso*, const char*)`: an address (a table index for functions), or 0 and `dlerror()` set. */
  dlsymJs(dso: number, symbolPtr: number): number {
    const symbol = this.ctx.readString(symbolPtr);
    const handle = dso === 0 ? undefined : this.handles.get(dso);
    const where = dso === 0 ? 'RTLD_DEFAULT' : handle?.name ?? `${dso}`;
    try {
      if (dso !== 0 && handle === undefined) throw new DlError('DL_BAD_HANDLE', dso === -1 ? 'RTLD_NEXT is not supported by Emscripten\'s dlsym' : `no library is open under handle ${dso}`);
      const s = this.linker.dlsym(handle ?? RTLD_DEFAULT, symbol);
      return s.kind === 'global' ? asNumber(s.global.value) : s.address;
    } catch (e) {
      this.ctx.setError(isDlError(e) && e.code === 'DL_UNDEFINED_SYMBOL' ? this.abi.texts.unknownSymbol(symbol, where) : `${this.abi.texts.unknownSymbol(symbol, where)} (${message(e)})`);
      return 0;
    }
  }

  private flagsOf(dso: number): number {
    const flags = new Int32Array(this.ctx.memory.buffer, dso + this.abi.dso.flags, 1)[0]!;
    return flags & (RTLD_FLAGS.LAZY | RTLD_FLAGS.NOW | RTLD_FLAGS.GLOBAL | RTLD_FLAGS.NODELETE | RTLD_FLAGS.NOLOAD);
  }

  /** Records an open library against its `struct dso` (as Emscripten fills it in), and settles. */
  private opened(dso: number, handle: Handle, name: string): void {
    this.handles.set(dso, handle);
    if (handle.id !== 0) {
      this.byName.set(name, handle);
      const lib = this.linker.placement(handle);
      const view = new DataView(this.ctx.memory.buffer);
      view.setUint8(dso + this.abi.dso.memAllocated, 1);
      view.setUint32(dso + this.abi.dso.memAddr, lib.memory.base, true);
      view.setUint32(dso + this.abi.dso.memSize, lib.memory.size, true);
      view.setUint32(dso + this.abi.dso.tableAddr, lib.table.base, true);
      view.setUint32(dso + this.abi.dso.tableSize, lib.table.size, true);
      // Opened RTLD_GLOBAL after an RTLD_LOCAL load: promoted now, mirrored now.
      if (lib.global) this.publish(handle);
    }
    this.settle();
  }

  /** Emscripten's `loadDynamicLibrary(name, flags, handle)`: true, or a promise of it. */
  loadDynamicLibrary(name: string, flags: EmscriptenLoadFlags = { global: true, nodelete: true }, dso?: number): boolean | Promise<boolean> {
    const bits = (flags.allowUndefined === false ? RTLD.NOW : RTLD.LAZY) | (flags.global === true ? RTLD.GLOBAL : 0) | (flags.nodelete === true ? RTLD.NODELETE : 0);
    const done = (handle: Handle): true => {
      if (dso !== undefined) this.handles.set(dso, handle);
      this.byName.set(name, handle);
      this.settle();
      if (flags.global === true) this.publish(handle);
      return true;
    };
    if (flags.loadAsync === true) return this.linker.dlopen(name, bits).then(done, (e: unknown) => { throw withHint(e); });
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
  loadWebAssemblyModule(binary: Uint8Array | WebAssembly.Module, flags: EmscriptenLoadFlags = {}, nameOrHandle?: string | number): Record<string, unknown> | Promise<Record<string, unknown>> {
    const name = typeof nameOrHandle === 'string' ? nameOrHandle : `module-${++this.anonymous}`;
    const source = binary instanceof WebAssembly.Module ? { name, module: binary } : { name, bytes: binary };
    const bits = RTLD.LAZY | (flags.global === true ? RTLD.GLOBAL : 0) | (flags.nodelete === true ? RTLD.NODELETE : 0);
    const done = (handle: Handle): Record<string, unknown> => {
      this.settle();
      if (flags.global === true) this.publish(handle);
      return relocatedExports(this.linker, handle);
    };
    if (flags.loadAsync === true) return this.linker.dlopen(source, bits).then(done, (e: unknown) => { throw withHint(e); });
    try {
      return done(this.linker.dlopenSync(source, bits));
    } catch (e) {
      throw withHint(e);
    }
  }

  /**
   * Emscripten's `LDSO` registry, as a view of the libraries opened through the facade (cost:
   * all of them, each time: a diagnostic).
   */
  get LDSO(): { readonly loadedLibsByName: Record<string, EmscriptenDso>; readonly loadedLibsByHandle: Record<number, EmscriptenDso> } {
    const entry = (name: string, handle: Handle): EmscriptenDso => {
      if (handle.id === 0) return { refcount: Infinity, name: '__main__', module: { ...this.ctx.mainExports }, global: true };
      const lib = this.linker.describe(handle);
      return { refcount: lib.nodelete ? Infinity : lib.refcount, name, module: relocatedExports(this.linker, handle), global: lib.global };
    };
    const loadedLibsByName: Record<string, EmscriptenDso> = { __main__: entry('__main__', this.linker.dlopenSync(null)) };
    for (const [name, handle] of this.byName) loadedLibsByName[name] = entry(name, handle);
    const loadedLibsByHandle: Record<number, EmscriptenDso> = {};
    for (const [dso, handle] of this.handles) loadedLibsByHandle[dso] = entry(handle.name, handle);
    return { loadedLibsByName, loadedLibsByHandle };
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Creates the facade for a running Emscripten program (what the `--js-library` calls). */
export function linkEmscripten(ctx: EmscriptenContext, options: EmscriptenFacadeOptions = {}): EmscriptenDylink {
  return new EmscriptenDylink(ctx, options);
}
