import type { HostFunction, LoadedLibrary, LoadTransaction, RuntimeAdapter } from '@dl/linker';
import type { EmscriptenContext } from './context.js';
import type { EmCode } from './em-code.js';
import { makeInvoke } from './invoke.js';
import { forwardedName } from './publish.js';
import type { EmscriptenAbi } from './versions.js';

/** What the Emscripten runtime adapter works with. */
export interface EmscriptenAdapterParts {
  readonly ctx: EmscriptenContext;
  readonly abi: EmscriptenAbi;
  /** Side modules' EM_JS / EM_ASM. */
  readonly emCode: EmCode;
  /** Mirrors a load's global libraries into `Module` and fills the main's GOT (inside the load's transaction). */
  readonly settle: (libraries: readonly LoadedLibrary[], tx: LoadTransaction) => void;
  /** A library is being unloaded (its names still in the scopes): drop what mirrors it. */
  readonly unloaded: (library: LoadedLibrary) => void;
}

/** The Emscripten runtime's names the linker honours: TLS set-up and the aligned allocator TLS blocks come from. */
export const emscriptenConventions: Readonly<Required<Pick<RuntimeAdapter, 'tlsInit' | 'alignedAlloc'>>> =
  Object.freeze({ tlsInit: 'emscripten_tls_init', alignedAlloc: 'emscripten_builtin_memalign' });

const asNumber = (x: unknown): number => (typeof x === 'bigint' ? Number(x) : (x as number));

/**
 * A side module built with -sSTACK_OVERFLOW_CHECK=2 checks the stack pointer against limits it
 * is told before its constructors run (Emscripten's postInstantiation does the same).
 */
function setStackLimits(ctx: EmscriptenContext, exports: WebAssembly.Exports): void {
  const set = exports.__set_stack_limits;
  const base = ctx.mainExports.emscripten_stack_get_base;
  const end = ctx.mainExports.emscripten_stack_get_end;
  if (typeof set === 'function' && typeof base === 'function' && typeof end === 'function') {
    (set as (top: number, max: number) => void)((base as () => number)(), (end as () => number)());
  }
}

/**
 * A symbol only the runtime has: JS library functions, `invoke_*`, `__heap_base`… emcc's
 * forwarding stubs for what the main imports from side modules are placeholders, not
 * definitions: they count only when something real sits behind them in `Module`.
 */
function runtimeSymbol(ctx: EmscriptenContext, abi: EmscriptenAbi, name: string): HostFunction | number | undefined {
  let value = ctx.resolveGlobalSymbol?.(name) ?? ctx.imports[name];
  const target = typeof value === 'function' ? forwardedName(value as (...args: never[]) => unknown) : null;
  if (target !== null) {
    const real = ctx.Module[target];
    value =
      typeof real === 'function' && forwardedName(real as (...args: never[]) => unknown) === null ? real : undefined;
  }
  if (value === undefined && name.startsWith('invoke_')) value = makeInvoke(ctx.table, ctx.mainExports) ?? undefined;
  if (typeof value === 'function') {
    const sig = (value as { sig?: unknown }).sig;
    const func = value as (...args: never[]) => unknown;
    return typeof sig === 'string' ? { func, type: abi.jsSignature(name, sig) } : func;
  }
  if (typeof value === 'number' || typeof value === 'bigint') return asNumber(value);
  return undefined;
}

/**
 * The Emscripten runtime's part in every load, as Emscripten's own `loadWebAssemblyModule`
 * does it, each step undone if the load fails: refuse (or learn) side modules' JavaScript
 * (`admit`), give JS library functions and `invoke_*` (`resolveFallback`), set stack limits and
 * evaluate EM_JS / EM_ASM once a library's data is in memory (`instantiated`), mirror global
 * libraries' symbols into `Module` and fill the main's GOT (`beforeConstructors`), defer
 * constructors until the runtime is up (`constructors`), and, when a library is unloaded, drop
 * those mirrors and its `struct dso` data (`unloaded`; its EM_JS names go by `tx.onUnload`).
 */
export function emscriptenAdapter({ ctx, abi, emCode, settle, unloaded }: EmscriptenAdapterParts): RuntimeAdapter {
  // What the libraries of the load in progress export. Their own GOT imports are looked up while
  // they are not in scope yet; as in Emscripten's updateGOT, their own definitions win over the
  // runtime's symbols, so the runtime is not asked (3.1.6's resolveGlobalSymbol: ~8 µs a name).
  const inLoad = new Set<string>();
  return {
    ...emscriptenConventions,
    admit: (library, tx) => {
      emCode.admit(library, tx);
      if (inLoad.size === 0)
        tx.onRollback(() => {
          inLoad.clear();
        });
      for (const e of library.exports) inLoad.add(e.name);
    },
    resolveFallback: (name, tx) =>
      emCode.symbol(name) ?? (tx !== null && inLoad.has(name) ? undefined : runtimeSymbol(ctx, abi, name)),
    instantiated: (library, tx) => {
      setStackLimits(ctx, library.exports);
      emCode.instantiated(library, tx);
    },
    beforeConstructors: (load, tx) => {
      inLoad.clear();
      settle([...load.promoted, ...load.loaded], tx);
    },
    constructors: (run) => {
      if (ctx.runtimeInitialized()) run();
      else ctx.addInit(run);
    },
    unloaded: (library) => {
      unloaded(library);
    },
  };
}
