import { DlError } from '@dl/errors';
import { neededByText } from './loader.js';
import type { LoadedSource, Loader, LoadRequest } from './loader.js';
import { now } from './clock.js';

/**
 * What the load pipeline asks its driver to do (the only steps that can be asynchronous).
 * `compile` answers one entry per source: the module, or the Error compiling it raised.
 */
export type Op =
  | { readonly op: 'load'; readonly requests: readonly LoadRequest[] }
  /**
   * Libraries found as bytes, before their metadata is read: an asynchronous driver starts
   * compiling them (the engine compiles on other threads while the load reads, checks and
   * places) and answers the compilations under way; the synchronous driver answers `null`.
   */
  | { readonly op: 'precompile'; readonly sources: readonly Uint8Array<ArrayBuffer>[] }
  | {
      readonly op: 'compile';
      readonly sources: readonly (Uint8Array<ArrayBuffer> | WebAssembly.Module | PromiseLike<WebAssembly.Module>)[];
    }
  | {
      readonly op: 'instantiate';
      readonly module: WebAssembly.Module;
      readonly imports: WebAssembly.Imports;
      readonly bytes: number;
    };

/**
 * Modules up to this size are instantiated synchronously even by async loads: node has no
 * limit, and browsers refuse synchronous instantiation on the main thread only for large
 * modules (Chrome: 8 MB), while the async path costs a task hop per library.
 */
export const SYNC_INSTANTIATE_LIMIT: number = 4 * 1024 * 1024;

/** The pipeline: a generator that yields operations and receives their results. */
export type Pipeline<T> = Generator<Op, T, unknown>;

function noLoader(request: LoadRequest): never {
  throw new DlError(
    'DL_NOT_FOUND',
    `library ${JSON.stringify(request.name)}${neededByText(request)} is not loaded and the linker has no loader`,
    { library: request.name },
  );
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * Marks a compilation under way as handled: a load that fails elsewhere never awaits it, and
 * its own failure must not surface as an unhandled rejection (it is reported when awaited).
 */
export function quiet(module: unknown): void {
  if (isPromiseLike(module)) Promise.resolve(module).catch(() => undefined);
}

function isPromiseLike(x: unknown): x is PromiseLike<WebAssembly.Module> {
  return typeof (x as { then?: unknown } | null)?.then === 'function';
}

/** Runs a pipeline synchronously: sync loader, `new WebAssembly.Module/Instance`. */
export function runSync<T>(pipeline: Pipeline<T>, loader: Loader | null): T {
  let step = pipeline.next();
  while (step.done !== true) {
    const op = step.value;
    let result: unknown;
    try {
      if (op.op === 'load') {
        const sync = loader?.loadSync?.bind(loader);
        result = op.requests.map((request) => {
          if (loader === null) noLoader(request);
          if (sync === undefined)
            throw new DlError(
              'DL_IO',
              `the loader cannot load ${JSON.stringify(request.name)}${neededByText(request)} synchronously; use dlopen()`,
              { library: request.name },
            );
          return sync(request);
        });
      } else if (op.op === 'precompile') {
        result = null;
      } else if (op.op === 'compile') {
        result = op.sources.map((s) => {
          try {
            if (s instanceof WebAssembly.Module) return s;
            if (isPromiseLike(s))
              throw new DlError('DL_IO', 'the loader delivered a module still compiling to a synchronous load');
            return new WebAssembly.Module(s);
          } catch (e) {
            return asError(e);
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

/** The error of a load cancelled by its signal. */
export function abortedError(signal: AbortSignal): DlError {
  const reason: unknown = signal.reason;
  const why = reason instanceof Error && reason.name !== 'AbortError' ? `: ${reason.message}` : '';
  return new DlError('DL_ABORTED', `the load was cancelled${why}`, { cause: reason });
}

/**
 * The signals of one asynchronous load: the caller's, which cancels it, and the one its loader
 * gets, aborted by the caller's and when the load fails (the loader's other downloads and reads
 * stop). The loader's is made when the load first asks its loader: a load of given bytes never
 * does, and node makes its first `AbortController` in ~0.7 ms (its event target's code loads).
 */
export class LoadSignals {
  private controller: AbortController | null = null;
  private readonly forward = (): void => {
    this.controller?.abort(this.caller?.reason);
  };

  constructor(readonly caller?: AbortSignal | undefined) {}

  /** The signal the loader gets. */
  loader(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController();
      if (this.caller?.aborted === true) this.controller.abort(this.caller.reason);
      else this.caller?.addEventListener('abort', this.forward, { once: true });
    }
    return this.controller.signal;
  }

  /** The load failed: what its loader still does is aborted with the load's error. */
  fail(error: unknown): void {
    this.controller?.abort(error);
  }

  /** The load is over: the caller's signal no longer reaches the loader. */
  close(): void {
    this.caller?.removeEventListener('abort', this.forward);
  }
}

/** Settles with `p`, or rejects with `DL_ABORTED` as soon as the signal aborts. */
function unlessAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return p;
  if (signal.aborted) return Promise.reject(abortedError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(abortedError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => {
      signal.removeEventListener('abort', onAbort);
    });
  });
}

/**
 * Lets the event loop run (timers, I/O, input) — a macrotask, not a microtask: `setImmediate`
 * in node, a `MessageChannel` message in browsers (not clamped like `setTimeout`).
 */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => void };
  if (typeof g.setImmediate === 'function')
    return new Promise((resolve) => {
      g.setImmediate!(resolve);
    });
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** Longest stretch an async load runs between two yields to the event loop while instantiating. */
const SLICE_MS = 8;

/**
 * Runs a pipeline asynchronously: async loader, compiles in parallel, async instantiation.
 * It yields to the event loop before asking the loader for each depth of the graph and, while
 * instantiating, at least every few milliseconds (waiting for an engine compilation or
 * instantiation counts: the event loop ran meanwhile), so a large load never stalls the host; with a
 * caller's signal (`signals.caller`), it stops at the next step once that aborts (the pipeline
 * rolls back); the loader's requests carry `signals.loader()`.
 */
export async function runAsync<T>(pipeline: Pipeline<T>, loader: Loader | null, signals: LoadSignals): Promise<T> {
  const signal = signals.caller;
  let step = pipeline.next();
  let lastYield = now();
  while (step.done !== true) {
    const op = step.value;
    let result: unknown;
    try {
      if (op.op === 'load' || (op.op === 'instantiate' && now() - lastYield > SLICE_MS)) {
        await yieldToEventLoop();
        lastYield = now();
      }
      if (signal?.aborted === true) throw abortedError(signal);
      if (op.op === 'load') {
        const from = loader ?? noLoader(op.requests[0]!);
        const requests = op.requests.map((request) => ({ ...request, signal: signals.loader() }));
        // All at once; the first failure in request order is reported (the others still settle).
        const all = Promise.allSettled(requests.map((request) => from.load(request))).then((s) => {
          for (const r of s) if (r.status === 'fulfilled') quiet(r.value.module);
          return s;
        });
        const settled = await unlessAborted(all, signal);
        const failed = settled.find((r) => r.status === 'rejected');
        if (failed !== undefined) throw failed.reason;
        result = settled.map((r) => (r as PromiseFulfilledResult<LoadedSource>).value);
      } else if (op.op === 'precompile') {
        result = op.sources.map((bytes) => {
          const compiling = WebAssembly.compile(bytes);
          quiet(compiling); // a load that fails before its compile step never awaits it
          return compiling;
        });
      } else if (op.op === 'compile') {
        // Waiting for an engine compilation lets the event loop run (its result comes in a task).
        const waits = op.sources.some((s) => !(s instanceof WebAssembly.Module));
        const settled = await unlessAborted(
          Promise.allSettled(
            op.sources.map((s) =>
              s instanceof WebAssembly.Module || isPromiseLike(s) ? Promise.resolve(s) : WebAssembly.compile(s),
            ),
          ),
          signal,
        );
        result = settled.map((r) => (r.status === 'fulfilled' ? r.value : asError(r.reason)));
        if (waits) lastYield = now();
      } else if (op.bytes <= SYNC_INSTANTIATE_LIMIT) {
        result = new WebAssembly.Instance(op.module, op.imports);
      } else {
        result = await unlessAborted(WebAssembly.instantiate(op.module, op.imports), signal);
        lastYield = now();
      }
    } catch (e) {
      step = pipeline.throw(e);
      continue;
    }
    step = pipeline.next(result);
  }
  return step.value;
}

/** The result of a `precompile` op: one compilation per source, or null (a synchronous driver). */
export function asCompiling(value: unknown): readonly PromiseLike<WebAssembly.Module>[] | null {
  return value as readonly PromiseLike<WebAssembly.Module>[] | null;
}

/** The result of a `load` op: one source per request, in order. */
export function asLoaded(value: unknown): readonly LoadedSource[] {
  return value as readonly LoadedSource[];
}
