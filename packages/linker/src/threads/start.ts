import { DlError } from '@dl/errors';
import type { ThreadPort } from './messages.js';

/** A worker a {@link ThreadGroup} started: node's `Worker` or a Web Worker. */
export interface ThreadWorker extends ThreadPort {
  terminate(): unknown;
}

/**
 * Calls `failed` (with what went wrong) when the worker tells an `error` (its script did not
 * load, or it threw) and returns what stops listening. On node's `Worker` a listener also keeps
 * the error from crashing the process while the group starts the worker.
 */
export function onError(worker: ThreadWorker, failed: (why: string) => void): () => void {
  const listener = (e: unknown): void => {
    // node passes the Error; a Web Worker an ErrorEvent (its message is empty when the script did not load).
    const message = (e as { message?: unknown } | null)?.message;
    failed(typeof message === 'string' && message !== '' ? message : 'its script failed to load or threw');
  };
  if (worker.on !== undefined) {
    worker.on('error', listener);
    return () => worker.off?.('error', listener);
  }
  worker.addEventListener?.('error', listener);
  return () => {
    worker.removeEventListener?.('error', listener);
  };
}

/** A worker class: node's `Worker` (from `node:worker_threads`) or the platform's Web `Worker`. */
export type ThreadWorkerClass = new (script: string | URL, options?: Record<string, unknown>) => ThreadWorker;

/** How {@link ThreadGroup.start} starts a worker (what both node's `Worker` and a Web Worker take). */
export interface ThreadStartOptions {
  /**
   * The worker class (default: the platform's Web `Worker`). node 20 has none: give `Worker`
   * from `node:worker_threads` (the linker does not import it itself, so that bundles for
   * browsers need nothing of node).
   */
  readonly Worker?: ThreadWorkerClass;
  /** A Web Worker's script kind (default `classic`); node tells ES modules by their file name. */
  readonly type?: 'classic' | 'module';
  /** The worker's name (devtools, `self.name`). */
  readonly name?: string;
  /** node only: the worker's `workerData` (a Web Worker has none: post a message). */
  readonly workerData?: unknown;
}

/**
 * Starts a worker running `script` with `options.Worker`, else the platform's Web `Worker`.
 *
 * @throws DlError `DL_INCOMPATIBLE` when there is neither
 */
export function newWorker(script: string | URL, options: ThreadStartOptions): ThreadWorker {
  const make = options.Worker ?? (globalThis as { Worker?: ThreadWorkerClass }).Worker;
  if (typeof make !== 'function')
    throw new DlError(
      'DL_INCOMPATIBLE',
      "this platform has no Web Workers: give ThreadGroup.start the Worker class (node: { Worker } from 'node:worker_threads')",
    );
  const { type, name, workerData } = options;
  return new make(script, {
    ...(type === undefined ? {} : { type }),
    ...(name === undefined ? {} : { name }),
    ...(workerData === undefined ? {} : { workerData }),
  });
}
