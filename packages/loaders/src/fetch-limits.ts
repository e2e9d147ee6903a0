import { DlError } from '@dl/errors';

/**
 * Limits of one `fetchLoader`'s downloads. Each failure is a `DlError` naming the URL and the
 * option: `DL_NETWORK` for a time limit, `DL_LIMIT` for a size.
 */
export interface FetchLimits {
  /** From sending the request to the response's headers (default 30,000 ms). */
  readonly headersMs?: number;
  /** Longest wait for the next chunk of a body (default 30,000 ms). */
  readonly idleMs?: number;
  /** One library's whole download, request to last byte (default 300,000 ms). */
  readonly totalMs?: number;
  /** Most bytes of one library, announced (`Content-Length`) or received (default 256 MiB). */
  readonly maxBytes?: number;
  /** Most bytes one load (one `dlopen`/`load` call, one `loadGraph`) downloads in all (default 1 GiB). */
  readonly maxGraphBytes?: number;
}

/** The defaults (see the README for why). */
export const defaultFetchLimits: Required<FetchLimits> = Object.freeze({
  headersMs: 30_000,
  idleMs: 30_000,
  totalMs: 300_000,
  maxBytes: 256 * 1024 * 1024,
  maxGraphBytes: 1024 * 1024 * 1024,
});

const seconds = (ms: number): string => `${ms / 1000} s`;

/** Bytes downloaded so far by each load, by the signal the linker gave its requests. */
const graphBytes = new WeakMap<AbortSignal, { bytes: number }>();

/**
 * One download: its own abort controller (the fetch and body read stop when it aborts), its
 * timers, its byte budget, and the callers holding it. It is cancelled when every caller that
 * holds it has aborted; a caller without a signal holds it for good.
 */
export class Download {
  readonly controller: AbortController = new AbortController();
  private holders = 0;
  private pinned = false;
  private finished = false;
  private bytes = 0;
  private readonly timers: ReturnType<typeof setTimeout>[] = [];
  /** The budget of the load that started the download (others share the bytes, not the bill). */
  private readonly budget: { bytes: number } | null;

  constructor(
    readonly url: string,
    readonly library: string,
    readonly limits: Required<FetchLimits>,
    signal: AbortSignal | undefined,
  ) {
    if (signal !== undefined) {
      let b = graphBytes.get(signal);
      if (b === undefined) graphBytes.set(signal, (b = { bytes: 0 }));
      this.budget = b;
    } else {
      this.budget = null;
    }
    this.hold(signal);
  }

  /** The request is being sent (a download slot is free): `limits.totalMs` counts from here. */
  start(): void {
    const { totalMs } = this.limits;
    this.after(
      totalMs,
      () =>
        new DlError('DL_NETWORK', `${this.url}: the download took longer than ${seconds(totalMs)} (limits.totalMs)`, {
          library: this.library,
        }),
    );
  }

  /** Stopped: a limit, or every caller cancelled (a new request must not join it). */
  get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Aborts the download with `error` after `ms`, unless it has finished by then. */
  after(ms: number, error: () => DlError): () => void {
    if (this.finished) return () => undefined;
    const t = setTimeout(() => {
      this.fail(error());
    }, ms);
    // A limit never keeps a node process alive on its own.
    (t as { unref?: () => void }).unref?.();
    this.timers.push(t);
    return () => {
      clearTimeout(t);
    };
  }

  /** A caller that waits for this download: when every holder has aborted, it stops. */
  hold(signal: AbortSignal | undefined): void {
    if (this.finished) return;
    if (signal === undefined) {
      this.pinned = true;
      return;
    }
    this.holders++;
    const letGo = (): void => {
      if (--this.holders === 0 && !this.pinned)
        this.fail(
          new DlError('DL_ABORTED', `the load was cancelled while downloading ${this.url}`, { library: this.library }),
        );
    };
    if (signal.aborted) letGo();
    else signal.addEventListener('abort', letGo, { once: true });
  }

  /** Refuses a response announcing more than `maxBytes`. */
  checkAnnounced(total: number | null): void {
    if (total !== null && total > this.limits.maxBytes) {
      throw new DlError(
        'DL_LIMIT',
        `${this.url} announces ${total} bytes, more than the ${this.limits.maxBytes} of limits.maxBytes`,
        { library: this.library },
      );
    }
  }

  /** Counts received bytes against the library's and the load's limits; aborts past either. */
  received(size: number): void {
    const delta = size - this.bytes;
    this.bytes = size;
    if (size > this.limits.maxBytes) {
      this.fail(
        new DlError('DL_LIMIT', `${this.url}: more than the ${this.limits.maxBytes} bytes of limits.maxBytes`, {
          library: this.library,
          offset: size,
        }),
      );
      return;
    }
    if (this.budget === null) return;
    this.budget.bytes += delta;
    if (this.budget.bytes > this.limits.maxGraphBytes) {
      this.fail(
        new DlError(
          'DL_LIMIT',
          `${this.url}: this load has downloaded more than the ${this.limits.maxGraphBytes} bytes of limits.maxGraphBytes`,
          { library: this.library },
        ),
      );
    }
  }

  /** Stops the download with `error` (the fetch, the body read, a streaming compilation). */
  fail(error: DlError): void {
    if (this.finished) return;
    this.finish();
    this.controller.abort(error);
  }

  /** The body has been read (or abandoned): timers off, nobody can cancel it any more. */
  finish(): void {
    this.finished = true;
    for (const t of this.timers.splice(0)) clearTimeout(t);
  }
}

/** The DlError a download was aborted with, or null when the abort came from elsewhere. */
export function abortReason(signal: AbortSignal): DlError | null {
  return signal.aborted && signal.reason instanceof DlError ? signal.reason : null;
}

/**
 * Settles with `p`, or rejects with the download's abort reason as soon as it aborts (a `fetch`
 * given as an option may not honour the signal).
 */
export function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => {
      signal.removeEventListener('abort', onAbort);
    });
  });
}

/**
 * Settles with `p`, or rejects with `DL_ABORTED` once the caller's signal aborts (the download
 * itself goes on while another load still waits for it).
 */
export function whileWanted<T>(
  p: Promise<T>,
  signal: AbortSignal | undefined,
  url: string,
  library: string,
): Promise<T> {
  if (signal === undefined) return p;
  const aborted = (): DlError =>
    new DlError('DL_ABORTED', `the load was cancelled while downloading ${url}`, { library });
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(aborted());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => {
      signal.removeEventListener('abort', onAbort);
    });
  });
}
