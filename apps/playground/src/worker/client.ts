/**
 * The page's side of the worker: requests with promises, progress callbacks, and Cancel —
 * which terminates the worker (whatever it is doing, even an endless loop in a library) and
 * starts a fresh one.
 */
import type { ErrorInfo, ResponseFor, WorkerMessage, WorkerRequest } from './protocol.js';

/** A request without its id (the client numbers them). */
type Request = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

/** Thrown by pending requests when the worker is cancelled. */
export class CancelledError extends Error {
  constructor() {
    super('cancelled: the worker was stopped and restarted');
    this.name = 'CancelledError';
  }
}

/** Thrown when the worker answers a request with an error it could not put in an outcome. */
export class WorkerError extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.message);
    this.name = info.name;
  }
}

interface Pending {
  readonly resolve: (message: WorkerMessage) => void;
  readonly reject: (error: Error) => void;
  readonly onProgress: (message: WorkerMessage) => void;
}

/** Makes the worker (vite bundles `worker.ts` as a module worker). */
function startWorker(): Worker {
  return new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'dl-playground' });
}

/** Talks to the playground worker. */
export class WorkerClient {
  private worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly busyListeners = new Set<(busy: boolean) => void>();

  constructor() {
    this.worker = this.start();
  }

  /** True while a request is in flight. */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  /** Hears when the worker becomes busy or idle. */
  onBusy(listener: (busy: boolean) => void): void {
    this.busyListeners.add(listener);
  }

  /**
   * Sends a request; `onProgress` gets the worker's progress messages for it. Resolves to the
   * answer, rejects with {@link CancelledError} on {@link WorkerClient.cancel}.
   */
  request<T extends Request>(
    request: T,
    onProgress: (message: WorkerMessage) => void = () => undefined,
  ): Promise<ResponseFor[T['type']]> {
    const id = this.nextId++;
    return new Promise<ResponseFor[T['type']]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (message: WorkerMessage) => void, reject, onProgress });
      this.notify();
      this.worker.postMessage({ ...request, id });
    });
  }

  /** Terminates the worker, rejects what was pending, and starts a fresh worker. */
  cancel(): void {
    this.worker.terminate();
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.worker = this.start();
    for (const p of pending) p.reject(new CancelledError());
    this.notify();
  }

  private start(): Worker {
    const worker = startWorker();
    worker.addEventListener('message', (event: MessageEvent<WorkerMessage>) => {
      this.receive(event.data);
    });
    worker.addEventListener('error', (event) => {
      // An uncaught error in the worker (it should not happen): fail everything pending, keep going.
      event.preventDefault();
      const pending = [...this.pending.values()];
      this.pending.clear();
      for (const p of pending)
        p.reject(new WorkerError({ code: null, name: 'WorkerError', message: event.message || 'the worker failed' }));
      this.notify();
    });
    return worker;
  }

  private receive(message: WorkerMessage): void {
    const pending = this.pending.get(message.id);
    if (pending === undefined) return;
    if (message.type === 'file-progress' || message.type === 'link-event') {
      pending.onProgress(message);
      return;
    }
    this.pending.delete(message.id);
    this.notify();
    if (message.type === 'failed') pending.reject(new WorkerError(message.error));
    else pending.resolve(message);
  }

  private notify(): void {
    for (const listener of this.busyListeners) listener(this.busy);
  }
}
