import { DlError } from '@dl/errors';
import { cStringAt } from '@dl/reader/bytes';
import type { EmscriptenContext } from './context.js';
import { EmscriptenDylink } from './facade.js';
import type { EmscriptenFacadeOptions } from './facade-options.js';
import { withCompatBytes } from './compat-bytes.js';
import { asmjsMangle } from './publish.js';
import { guardUntilAttached } from './unattached.js';

/** A main module: bytes or compiled (`WebAssembly.compileStreaming(fetch(url))` streams it). */
export type MainModule = Uint8Array | ArrayBuffer | WebAssembly.Module;

/** The main module of a program attached at run time, or a promise of it. */
export type MainModuleSource = MainModule | PromiseLike<MainModule>;

/** Options of {@link emscriptenRuntime}. */
export interface RuntimeOptions extends EmscriptenFacadeOptions {
  /** The program's main module (`*.wasm` next to its JS). */
  readonly main: MainModuleSource;
  /** The Emscripten version it was built with, when known (selects texts). */
  readonly version?: string;
}

/** A running Emscripten program taken over at run time (see {@link emscriptenRuntime}). */
export interface EmscriptenAttachment {
  /**
   * Give this as `instantiateWasm` in the program's Module options: the facade instantiates
   * the main module with Emscripten's import object and hands the instance back, keeping its
   * memory, table, stack pointer and raw exports. Emscripten calls it as a method of its
   * `Module` object (`Module['instantiateWasm'](info, receive)`), so it also learns which
   * object that is: {@link EmscriptenAttachment.attach} can then be called without one.
   */
  readonly instantiateWasm: (
    this: unknown,
    imports: WebAssembly.Imports,
    receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
  ) => Record<string, never>;
  /**
   * Once the program is up: routes its `Module.loadWebAssemblyModule` (how Emscripten and
   * libraries built on it load side modules) to the facade and returns the facade.
   *
   * `Module` defaults to the object Emscripten called `instantiateWasm` on: the Module
   * options object itself in MODULARIZE builds (`var Module = moduleArg`), e.g. the options
   * given to web-tree-sitter's `Parser.init`, which returns nothing to attach to.
   *
   * @throws DlError `DL_INCOMPATIBLE` when no Module is given and none was seen; rejects with
   *   the cause when the main module could not be compiled or instantiated.
   */
  attach(Module?: Record<string, unknown>): Promise<EmscriptenDylink>;
}

/** The main module once Emscripten's import object instantiated it. */
interface Instantiated {
  readonly instance: WebAssembly.Instance;
  readonly imports: WebAssembly.Imports;
}

/**
 * The main module compiled as soon as it is there: when {@link emscriptenRuntime} is called
 * (bytes) or when the promise settles, not when Emscripten asks for the instance. The engine
 * compiles on its own threads while the program's JavaScript starts up (web-tree-sitter runs
 * ~5 ms of its runtime before it calls `instantiateWasm`). A failure is kept for
 * `instantiateWasm` and `attach()` to report, never left unhandled.
 */
function compiledEarly(source: MainModuleSource): Promise<WebAssembly.Module> {
  const compile = (value: MainModule): WebAssembly.Module | Promise<WebAssembly.Module> =>
    value instanceof WebAssembly.Module
      ? value
      : WebAssembly.compile(value instanceof Uint8Array ? (value as Uint8Array<ArrayBuffer>) : value);
  // Bytes start compiling now, in this call: a callback on a promise would wait until the
  // program's own synchronous start-up is over. (Inside the executor, a throw rejects.)
  const compiled = new Promise<WebAssembly.Module>((resolve) => {
    resolve('then' in source ? Promise.resolve(source).then(compile) : compile(source));
  });
  compiled.catch(() => undefined);
  return compiled;
}

/**
 * The run-time route into an Emscripten program — modern, non-relocatable mains (Emscripten ≥
 * 4.0.19) and programs built on them, such as web-tree-sitter (Emscripten 4.0.x): pass
 * `instantiateWasm` in the Module options, then `attach()` once the program is up. Side modules loaded through
 * `Module.loadWebAssemblyModule` are then linked by `@dl` (dylink.0 and the legacy dylink
 * section) against the main's exports.
 */
export function emscriptenRuntime(options: RuntimeOptions): EmscriptenAttachment {
  let resolveMain: (main: Instantiated) => void = () => undefined;
  let rejectMain: (cause: unknown) => void = () => undefined;
  const main = new Promise<Instantiated>((resolve, reject) => {
    resolveMain = resolve;
    rejectMain = reject;
  });
  // Emscripten 4.x cannot hear of a failed asynchronous instantiateWasm; attach() reports it.
  main.catch(() => undefined);
  let seenModule: Record<string, unknown> | null = null;
  let attached: Promise<EmscriptenDylink> | null = null;
  const compiled = compiledEarly(options.main);
  return {
    instantiateWasm(imports, receive) {
      if (typeof this === 'object' && this !== null) seenModule = this as Record<string, unknown>;
      if (seenModule !== null && attached === null) guardUntilAttached(seenModule);
      void compiled
        .then(async (module) => ({ module, instance: await WebAssembly.instantiate(module, imports) }))
        .then(({ module, instance }) => {
          resolveMain({ instance, imports });
          receive(instance, module);
        }, rejectMain);
      return {};
    },
    attach(given) {
      const Module = given ?? seenModule;
      if (Module === null) {
        return Promise.reject(
          new DlError(
            'DL_INCOMPATIBLE',
            'attach() needs the Emscripten Module: give it, or let Emscripten call instantiateWasm as Module.instantiateWasm',
          ),
        );
      }
      // With compat: the compatibility library's bytes are imported while the main instantiates.
      attached ??= Promise.all([main, withCompatBytes(options)]).then(([m, o]) => attachTo(Module, m, o));
      return attached;
    },
  };
}

/** Builds the facade over an instantiated main and routes `Module.loadWebAssemblyModule` to it. */
function attachTo(
  Module: Record<string, unknown>,
  { instance, imports }: Instantiated,
  options: RuntimeOptions,
): EmscriptenDylink {
  const env = (imports.env ?? {}) as Record<string, unknown>;
  const ex = instance.exports as Record<string, unknown>;
  const memory = (env.memory ?? ex.memory) as WebAssembly.Memory;
  const table = (env.__indirect_function_table ?? ex.__indirect_function_table) as WebAssembly.Table;
  const ctx: EmscriptenContext = {
    version: options.version ?? '4',
    Module,
    memory,
    table,
    stackPointer: (env.__stack_pointer ?? ex.__stack_pointer) as WebAssembly.Global,
    mainExports: ex,
    got: null,
    imports: env,
    malloc: ex.malloc as (n: number) => number,
    free: ex.free as (p: number) => void,
    runtimeInitialized: () => true,
    addInit: (run) => {
      run();
    },
    resolveGlobalSymbol: (name) => env[name] ?? Module[asmjsMangle(name)],
    dynamicLibraries: () => [],
    setError: () => undefined,
    readString: (ptr) => cStringAt(memory, ptr),
  };
  const facade = new EmscriptenDylink(ctx, options);
  Module.loadWebAssemblyModule = (
    binary: Uint8Array | WebAssembly.Module,
    flags?: Record<string, unknown>,
    libName?: unknown,
  ) => facade.loadWebAssemblyModule(binary, flags ?? {}, typeof libName === 'string' ? libName : undefined);
  return facade;
}
