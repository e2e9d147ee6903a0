import type { CompatGroup, LinkerEvent, Loader } from '@dl/linker';
import type { PlanStore } from '@dl/linker/plans';
import type { EmscriptenAbi } from './versions.js';

/** Options of `linkEmscripten` (the Emscripten facade). */
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
   * `dlerror()` texts: Emscripten's own, word for word, where it has one for the failure (a
   * missing file: `Could not load dynamic lib: libfoo.so` then the reader's error), `@dl`'s
   * explanation otherwise (Emscripten then has none, or a TypeError). With `explainErrors`,
   * `@dl`'s explanation (every place tried, what to change) follows Emscripten's lines too.
   * Either way the failure itself is {@link EmscriptenDylink.lastError}.
   */
  readonly explainErrors?: boolean;
  /**
   * Offer `@dl`'s compatibility library to side modules needing C library or C++ runtime
   * functions the main did not keep (MAIN_MODULE=2, web-tree-sitter): `['libc', 'libc++abi']`
   * or either. Consulted after the main, every library and the runtime's own symbols (a
   * function assigned as `Module._name` still wins). See the linker's `compat` option.
   */
  readonly compat?: readonly CompatGroup[];
  /**
   * The compatibility library's bytes (`compatLibrary()` of `@dl/linker/compat-library`), for
   * `compat`. Default: `emscriptenRuntime`'s `attach()` and the `--js-library`'s start-up
   * import them when `compat` names a group; a facade made with `linkEmscripten` needs them
   * given (its linker is made synchronously, on first use).
   */
  readonly compatLibrary?: Uint8Array;
  /**
   * Link plans for the program's load-time libraries (`dynamicLibraries`: the main's NEEDED
   * entries and `Module.dynamicLibraries`): the first start records the link in `store` (under
   * `key`, default `preload:` and the libraries' names), later starts replay it — no metadata
   * read, no resolution walk, no signature check — when the libraries' hashes, the flags and the
   * program still match, and link normally (recording again) when they do not. Any
   * `PlanStore`: `filePlanStore` in node, `indexedDbPlanStore` / `cacheStoragePlanStore` in
   * browsers (`@dl/loaders`).
   */
  readonly plans?: { readonly store: PlanStore; readonly key?: string };
}

/** `loadDynamicLibrary`'s flags, as Emscripten takes them. */
export interface EmscriptenLoadFlags {
  readonly global?: boolean;
  readonly nodelete?: boolean;
  readonly loadAsync?: boolean;
  readonly allowUndefined?: boolean;
}
