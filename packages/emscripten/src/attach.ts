import type { EmscriptenContext } from './context.js';
import { EmscriptenDylink } from './facade.js';
import type { EmscriptenFacadeOptions } from './facade.js';
import { asmjsMangle } from './publish.js';

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
   * memory, table, stack pointer and raw exports.
   */
  readonly instantiateWasm: (imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) => Record<string, never>;
  /**
   * Once the program is up: routes its `Module.loadWebAssemblyModule` (how Emscripten and
   * libraries built on it load side modules) to the facade and returns the facade.
   */
  attach(Module: Record<string, unknown>): Promise<EmscriptenDylink>;
}

async function compiled(source: MainModuleSource): Promise<WebAssembly.Module> {
  const value = await source;
  if (value instanceof WebAssembly.Module) return value;
  return WebAssembly.compile(value instanceof Uint8Array ? (value as Uint8Array<ArrayBuffer>) : value);
}

function utf8(memory: WebAssembly.Memory, ptr: number): string {
  const bytes = new Uint8Array(memory.buffer);
  let end = ptr;
  while (bytes[end] !== 0 && end < bytes.length) end++;
  return new TextDecoder().decode(bytes.subarray(ptr, end));
}

/**
 * The run-time route into an Emscripten program — modern, non-relocatable mains (Emscripten ≥
 * 4.0.19) and programs built on them, such as web-tree-sitter: pass `instantiateWasm` in the
 * Module options, then `attach(Module)` once the program is up. Side modules loaded through
 * `Module.loadWebAssemblyModule` are then linked by `@dl` (dylink.0 and the legacy dylink
 * section) against the main's exports.
 */
export function emscriptenRuntime(options: RuntimeOptions): EmscriptenAttachment {
  let instantiated: ((v: { instance: WebAssembly.Instance; imports: WebAssembly.Imports }) => void) | null = null;
  const main = new Promise<{ instance: WebAssembly.Instance; imports: WebAssembly.Imports }>((resolve) => { instantiated = resolve; });
  let facade: EmscriptenDylink | null = null;
  return {
    instantiateWasm(imports, receive) {
      void compiled(options.main).then(async (module) => {
        const instance = await WebAssembly.instantiate(module, imports);
        instantiated?.({ instance, imports });
        receive(instance, module);
      });
      return {};
    },
    async attach(Module) {
      if (facade !== null) return facade;
      const { instance, imports } = await main;
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
        addInit: (run) => { run(); },
        resolveGlobalSymbol: (name) => env[name] ?? Module[asmjsMangle(name)],
        dynamicLibraries: () => [],
        setError: () => undefined,
        readString: (ptr) => utf8(memory, ptr),
      };
      facade = new EmscriptenDylink(ctx, options);
      const linker = facade;
      Module.loadWebAssemblyModule = (binary: Uint8Array | WebAssembly.Module, flags?: Record<string, unknown>, libName?: unknown) =>
        linker.loadWebAssemblyModule(binary, flags ?? {}, typeof libName === 'string' ? libName : undefined);
      return facade;
    },
  };
}
