import { createLinkerSync, RTLD_DEFAULT } from '@dl/linker';
import type { AttachedMainProgram, Linker, Loader } from '@dl/linker';
import { chainLoader } from '@dl/loaders';
import { emscriptenAdapter } from './adapter.js';
import { compatBytesMissing, lacksCompatBytes } from './compat-bytes.js';
import type { EmscriptenContext } from './context.js';
import type { DsoTable } from './dso.js';
import { EmCode } from './em-code.js';
import type { EmscriptenFacadeOptions } from './facade-options.js';
import { evaluateWithModule, mainExportsOf, tagsOf, usableFs } from './facade-parts.js';
import { emscriptenFsLoader, emscriptenReadLoader } from './loader.js';
import { Mirror } from './mirror.js';
import { keepingBytes, ThreadLeader } from './threads.js';
import type { EmscriptenAbi } from './versions.js';

/** What the facade works through: the linker, the mirror into `Module`, the pthreads' leader. */
export interface FacadeLinker {
  readonly linker: Linker;
  /** Global libraries' symbols in `Module` and the import object; the main's GOT filled. */
  readonly mirror: Mirror;
  /** The pthreads' workers following the program (shared memory only). */
  readonly threads: ThreadLeader | null;
}

/** What the facade shares with its linker. */
export interface FacadeLinkerParts {
  readonly abi: EmscriptenAbi;
  /** The C side's handles: an unloaded library's goes. */
  readonly dsos: DsoTable;
  /** On shared memory, where the bytes libraries were loaded from are kept (by name) for the workers; null otherwise. */
  readonly threadBytes: Map<string, Uint8Array> | null;
}

/** The loader: the option's, else Emscripten's `FS` (when it is a real one), then its `readBinary`/`readAsync`. */
function facadeLoader(ctx: EmscriptenContext, options: EmscriptenFacadeOptions, parts: FacadeLinkerParts): Loader {
  // A real FS, by what it can do: 3.1.6 at -O0 / -sASSERTIONS gives programs that never touch
  // files a stub `FS` object without `findObject` (Emscripten's own loader then uses readBinary).
  const fs = usableFs(ctx.fs);
  const fsLoader = fs === null ? [] : [emscriptenFsLoader(fs, { searchPath: options.searchPath })];
  const found = options.loader ?? chainLoader(...fsLoader, emscriptenReadLoader(ctx));
  return parts.threadBytes === null ? found : keepingBytes(found, parts.threadBytes);
}

/** The running program as the linker's attached main: its exports, memory, table, stack, allocator, GOT and tags. */
function attachedProgram(ctx: EmscriptenContext, shared: boolean): AttachedMainProgram {
  return {
    kind: 'attached',
    name: 'main',
    exports: mainExportsOf(ctx, shared),
    memory: ctx.memory,
    table: ctx.table,
    stackPointer: ctx.stackPointer,
    allocator: {
      heap: { malloc: ctx.malloc, free: ctx.free },
      ready: ctx.runtimeInitialized,
      heapBase: ctx.heapBase,
    },
    ...(ctx.got === null ? {} : { got: ctx.got }),
    tags: tagsOf(ctx.imports),
  };
}

/**
 * Creates the linker over a running Emscripten program's main (its exports, memory, table,
 * allocator) with the Emscripten adapter, and the mirror. Loads made while the linker is being
 * created (the compatibility library) are not mirrored.
 */
export function createFacadeLinker(
  ctx: EmscriptenContext,
  options: EmscriptenFacadeOptions,
  parts: FacadeLinkerParts,
): FacadeLinker {
  if (lacksCompatBytes(options)) throw compatBytesMissing();
  const shared = parts.threadBytes !== null;
  const evaluate = ctx.evaluate ?? ((source: string): unknown => evaluateWithModule(source, ctx.Module));
  const emCode = new EmCode(
    options.allowEval === true,
    evaluate,
    ctx.memory,
    (name) => ctx.resolveGlobalSymbol?.(name) ?? ctx.imports[name],
  );
  let mirror: Mirror | null = null;
  const linker = createLinkerSync({
    program: attachedProgram(ctx, shared),
    loader: facadeLoader(ctx, options, parts),
    runtime: emscriptenAdapter({
      ctx,
      abi: parts.abi,
      emCode,
      settle: (libraries, tx) => {
        mirror?.settle(libraries, tx);
      },
      unloaded: (library) => {
        mirror?.unloaded(library.handle);
        parts.dsos.forget(library.handle);
      },
    }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    ...(options.debug === undefined ? {} : { debug: options.debug }),
    ...(options.compat === undefined ? {} : { compat: options.compat, compatLibrary: options.compatLibrary }),
  });
  const made = new Mirror(ctx, (name) => linker.findSymbol(RTLD_DEFAULT, name));
  mirror = made;
  const threadBytes = parts.threadBytes;
  const threads =
    threadBytes === null
      ? null
      : new ThreadLeader({
          linker,
          dsos: parts.dsos,
          table: ctx.table,
          got: ctx.got,
          mainExports: ctx.mainExports,
          bytesOf: (name) => threadBytes.get(name),
        });
  // Once an unload is through (whoever called linker.dlclose), what the unloaded libraries had in
  // Module and the main's GOT goes to the next definition: the names have left the scopes.
  linker.on((event) => {
    if (event.type === 'unload') made.afterUnload();
  });
  return { linker, mirror: made, threads };
}
