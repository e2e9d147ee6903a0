import { DlError } from '@dl/errors';
import type { LoadedSource, Loader } from './loader.js';

/**
 * What the load pipeline asks its driver to do (the only steps that can be asynchronous).
 * `compile` answers one entry per source: the module, or the Error compiling it raised.
 */
export type Op =
  | { readonly op: 'load'; readonly name: string; readonly neededBy: string | null }
  | { readonly op: 'compile'; readonly sources: readonly (Uint8Array<ArrayBuffer> | WebAssembly.Module)[] }
  | { readonly op: 'instantiate'; readonly module: WebAssembly.Module; readonly imports: WebAssembly.Imports; readonly bytes: number };

/**
 * Modules up to this size are instantiated synchronously even by async loads: node has no
 * limit, and browsers refuse synchronous instantiation on the main thread only for large
 * modules (Chrome: 8 MB), while the async path costs a task hop per library.
 */
export const SYNC_INSTANTIATE_LIMIT: number = 4 * 1024 * 1024;

/** The pipeline: a generator that yields operations and receives their results. */
export type Pipeline<T> = Generator<Op, T, unknown>;

function noLoader(name: string): never {
  throw new DlError('DL_NOT_FOUND', `library ${JSON.stringify(name)} is not loaded and the linker has no loader`, { library: name });
}

/** Runs a pipeline synchronously: sync loader, `new WebAssembly.Module/Instance`. */
export function runSync<T>(pipeline: Pipeline<T>, loader: Loader | null): T {
  let step = pipeline.next();
  while (step.done !== true) {
    const op = step.value;
    let result: unknown;
    try {
      if (op.op === 'load') {
        if (loader === null) noLoader(op.name);
        if (loader.loadSync === undefined) throw new DlError('DL_IO', `the loader cannot load ${JSON.stringify(op.name)} synchronously; use dlopen()`, { library: op.name });
        result = loader.loadSync(op.name, op.neededBy);
      } else if (op.op === 'compile') {
        result = op.sources.map((s) => {
          try {
            return s instanceof WebAssembly.Module ? s : new WebAssembly.Module(s);
          } catch (e) {
            return e instanceof Error ? e : new Error(String(e));
          }
        });
      } else {
        result = new WebAssembly.Instance(op.module, op.imports);
      }
    } catch (e) {
      step = pipeline.throw(e);
      continue;
    }
    step = pipeline.next(result);
  }
  return step.value;
}

/** Runs a pipeline asynchronously: async loader, compiles in parallel, async instantiation. */
export async function runAsync<T>(pipeline: Pipeline<T>, loader: Loader | null): Promise<T> {
  let step = pipeline.next();
  while (step.done !== true) {
    const op = step.value;
    let result: unknown;
    try {
      if (op.op === 'load') {
        if (loader === null) noLoader(op.name);
        result = await loader.load(op.name, op.neededBy);
      } else if (op.op === 'compile') {
        const settled = await Promise.allSettled(op.sources.map((s) => (s instanceof WebAssembly.Module ? Promise.resolve(s) : WebAssembly.compile(s))));
        result = settled.map((r) => (r.status === 'fulfilled' ? r.value : r.reason instanceof Error ? r.reason : new Error(String(r.reason))));
      } else if (op.bytes <= SYNC_INSTANTIATE_LIMIT) {
        result = new WebAssembly.Instance(op.module, op.imports);
      } else {
        result = await WebAssembly.instantiate(op.module, op.imports);
      }
    } catch (e) {
      step = pipeline.throw(e);
      continue;
    }
    step = pipeline.next(result);
  }
  return step.value;
}

/** Type guard for the result of a `load` op. */
export function asSource(value: unknown): LoadedSource {
  return value as LoadedSource;
}
