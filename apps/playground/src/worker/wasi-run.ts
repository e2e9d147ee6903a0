/**
 * Runs a WASI program in the worker: a wasi-libc main under @bjorn3/browser_wasi_shim (the
 * maintained browser WASI of @dl/wasi's tests), `dlopen` from C on `@dl/wasi`, the libraries
 * from the opened files through an in-memory loader. Each run is a fresh instance (a fresh
 * process): argv in; stdout, stderr and the exit status out.
 */
import { ConsoleStdout, File, OpenFile, WASI } from '@bjorn3/browser_wasi_shim';
import { DlError } from '@dl/errors';
import { memoryLoader } from '@dl/linker';
import { instantiateWasiMain } from '@dl/wasi';
import { errorInfo } from './errors.js';
import type { FileSet } from './files.js';
import type { FileSource } from './protocol.js';
import type { WasiRunOutcome, WasiRunRequest } from './wasi-protocol.js';

/** Compiled mains by URL (a main is large: compiled once per worker). */
const compiled = new Map<string, Promise<WebAssembly.Module>>();

async function compileMain(name: string, source: FileSource): Promise<WebAssembly.Module> {
  if (source.kind === 'blob') return WebAssembly.compile(await source.blob.arrayBuffer());
  let module = compiled.get(source.url);
  if (module === undefined) {
    module = (async (): Promise<WebAssembly.Module> => {
      const response = await fetch(source.url);
      if (!response.ok)
        throw new DlError('DL_HTTP', `fetching ${source.url} gave HTTP ${response.status}`, { library: name });
      return WebAssembly.compile(await response.arrayBuffer());
    })();
    compiled.set(source.url, module);
    module.catch(() => {
      compiled.delete(source.url);
    });
  }
  return module;
}

/** Text of the chunks a stream received. */
function text(chunks: readonly Uint8Array[]): string {
  const decoder = new TextDecoder();
  return chunks.map((c) => decoder.decode(c, { stream: true })).join('') + decoder.decode();
}

/** Runs the main to its exit; never throws (a failure is an outcome with what was printed so far). */
export async function runWasi(files: FileSet, request: WasiRunRequest): Promise<WasiRunOutcome> {
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  try {
    const module = await compileMain(request.main.name, request.main.source);
    const started = performance.now();
    const libraries: Record<string, Uint8Array<ArrayBuffer>> = {};
    for (const name of request.libraries) {
      const bytes = files.get(name);
      if (bytes !== undefined) libraries[name] = bytes;
    }
    const wasi = new WASI(
      [request.main.name, ...request.args],
      [],
      [
        new OpenFile(new File([])),
        new ConsoleStdout((chunk) => {
          out.push(chunk.slice());
        }),
        new ConsoleStdout((chunk) => {
          err.push(chunk.slice());
        }),
        // The shim logs every call to the console unless debug is false (its default is on).
      ],
      { debug: false },
    );
    const main = instantiateWasiMain(module, {
      loader: memoryLoader(libraries),
      wasiImport: wasi.wasiImport,
      name: request.main.name,
    });
    // What C's dlopen loaded while it ran (SQLite closes its extensions at exit: dlclose unloads them).
    const loaded = new Set(main.linker.graph().libraries.map((l) => l.name));
    main.linker.on((event) => {
      if (event.type === 'done') for (const lib of event.loaded) loaded.add(lib.name);
    });
    const exitCode = wasi.start(main.instance as unknown as Parameters<WASI['start']>[0]);
    return {
      ok: true,
      stdout: text(out),
      stderr: text(err),
      exitCode,
      loaded: [...loaded],
      ms: performance.now() - started,
    };
  } catch (error) {
    return { ok: false, error: errorInfo(error), stdout: text(out), stderr: text(err) };
  }
}
