import { DlError, messageOf } from '@dl/errors';
import { load } from './load/load.js';
import type { LoadJob, LoadResult } from './load/job.js';
import { abortedError, LoadSignals, runAsync, runSync } from './ops.js';
import type { Library, LinkState } from './state.js';
import type { LoadOptions } from './types.js';
import { unload } from './unload.js';

/**
 * Runs a linker's loads one at a time: an async load waits for the previous one; a sync load
 * during an async one (or from a constructor) fails with `DL_BUSY`. A library whose last
 * reference is dropped during a load is unloaded when the load ends.
 */
export class LoadQueue {
  private queue: Promise<unknown> = Promise.resolve();
  /** Libraries whose last reference was dropped during a load: unloaded when it ends. */
  private readonly deferred = new Set<Library>();

  /** @param state - the linker's state */
  constructor(private readonly state: LinkState) {}

  /** Unloads a library now, or when the running load ends. */
  unload(lib: Library): void {
    if (this.state.busy) this.deferred.add(lib);
    else unload(this.state, lib);
  }

  /** Runs one load synchronously. */
  runSync(req: LoadJob): LoadResult {
    this.begin();
    try {
      return runSync(load(this.state, req), this.state.loader);
    } finally {
      this.end();
    }
  }

  /**
   * Runs one load asynchronously, after the previous one. The loader gets a signal of this
   * load's own (`LoadSignals`): aborted by the caller's `signal`, and when the load fails (its
   * other downloads and reads stop).
   */
  run(req: LoadJob, options: LoadOptions = {}): Promise<LoadResult> {
    const run = async (): Promise<LoadResult> => {
      const signals = new LoadSignals(options.signal);
      this.begin();
      try {
        if (options.signal?.aborted === true) throw abortedError(options.signal);
        return await runAsync(load(this.state, req), this.state.loader, signals);
      } catch (e) {
        signals.fail(e);
        throw e;
      } finally {
        signals.close();
        this.end();
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private begin(): void {
    if (this.state.busy)
      throw new DlError(
        'DL_BUSY',
        'another load is in progress (a sync load cannot start during an async one, nor from a constructor)',
      );
    this.state.busy = true;
  }

  /** Ends a load: unloads what a `dlclose` during it left (errors go to the trace: the caller has returned). */
  private end(): void {
    this.state.busy = false;
    for (const lib of this.deferred) {
      this.deferred.delete(lib);
      if (!this.state.libraries.has(lib.id) || lib.refcount > 0) continue;
      try {
        unload(this.state, lib);
      } catch (e) {
        this.state.trace?.(`deferred unload of ${lib.name}: ${messageOf(e)}`);
      }
    }
  }
}
