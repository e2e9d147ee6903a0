import type { Handle } from './types.js';

/**
 * Typed events a load (and an unload) emits, for progress bars and diagnostics. Times are milliseconds. Events
 * only observe: a listener cannot change or refuse a load, and one that throws is reported
 * (`onListenerError`) without breaking the load. A runtime takes part through its
 * `RuntimeAdapter` instead.
 */
export type LinkerEvent =
  | {
      readonly type: 'resolve';
      readonly library: string;
      readonly key: string;
      readonly location: string | null;
      readonly neededBy: string | null;
      readonly bytes: number;
    }
  | { readonly type: 'compile'; readonly library: string; readonly bytes: number; readonly ms: number }
  | {
      readonly type: 'instantiate';
      readonly library: string;
      /** The library's handle (the same object `dlopen` returns for it). */
      readonly handle: Handle;
      readonly memoryBase: number;
      readonly memorySize: number;
      readonly tableBase: number;
      readonly tableSize: number;
      readonly ms: number;
    }
  | { readonly type: 'relocate'; readonly library: string; readonly ms: number }
  | { readonly type: 'init'; readonly library: string; readonly ms: number }
  | {
      readonly type: 'done';
      readonly roots: readonly string[];
      readonly libraries: number;
      /** The libraries this load added, in load order (dependencies first), each with its handle. */
      readonly loaded: readonly {
        readonly id: number;
        readonly name: string;
        readonly global: boolean;
        readonly handle: Handle;
      }[];
      readonly ms: number;
      readonly phases: Readonly<Record<string, number>>;
    }
  | { readonly type: 'failed'; readonly roots: readonly string[]; readonly code: string; readonly message: string }
  | {
      /** A library was unloaded (its destructors ran; its memory and table slots are free). */
      readonly type: 'unload';
      readonly library: string;
      readonly handle: Handle;
      /** Its data size given back. */
      readonly memoryBytes: number;
      /** Its table range given back (into quarantine). */
      readonly tableSlots: number;
      /** Since the unload began. */
      readonly ms: number;
    }
  | {
      /** A leak-checked library still held memory when it was unloaded. */
      readonly type: 'leak';
      readonly library: string;
      readonly handle: Handle;
      readonly count: number;
      readonly bytes: number;
      /** The first few addresses (at most 8), lowest first. */
      readonly addresses: readonly number[];
    }
  | {
      /** A library was replaced by a new build (`reload`). */
      readonly type: 'reload';
      readonly library: string;
      readonly handle: Handle;
      /** Table slots and GOT and PLT entries pointed at the new build. */
      readonly rebound: number;
      readonly ms: number;
    };

/** Event names. */
export type LinkerEventType = LinkerEvent['type'];

/** Turns tracing on when asked, or when the environment says `DL_DEBUG`. */
export function tracer(option: boolean | ((line: string) => void) | undefined): ((line: string) => void) | null {
  if (typeof option === 'function') return option;
  const env = typeof process !== 'undefined' ? process.env.DL_DEBUG : undefined;
  if (option === true || (option === undefined && env !== undefined && env !== '' && env !== '0')) {
    return (line) => {
      console.error(`[dl] ${line}`);
    };
  }
  return null;
}

/**
 * The listeners of a linker's events: the `onEvent` option and `on()` subscribers. Events only
 * observe: a listener that throws is reported (`onListenerError`, else `console.error`) and the
 * others and the load go on.
 */
export class Listeners {
  private readonly subscribers = new Set<(event: LinkerEvent) => void>();

  constructor(
    private readonly onEvent: ((event: LinkerEvent) => void) | undefined,
    private readonly onListenerError: ((error: unknown, event: LinkerEvent) => void) | undefined,
  ) {}

  /** Subscribes; returns the unsubscribe function. */
  add(listener: (event: LinkerEvent) => void): () => void {
    this.subscribers.add(listener);
    return () => {
      this.subscribers.delete(listener);
    };
  }

  /** Tells every listener, the option's first. */
  emit(event: LinkerEvent): void {
    if (this.onEvent !== undefined) this.tell(this.onEvent, event);
    for (const l of this.subscribers) this.tell(l, event);
  }

  private tell(listener: (event: LinkerEvent) => void, event: LinkerEvent): void {
    try {
      listener(event);
    } catch (e) {
      try {
        if (this.onListenerError !== undefined) this.onListenerError(e, event);
        else console.error(`[dl] an event listener threw on '${event.type}':`, e);
      } catch {
        // A reporter that throws is not the load's failure either.
      }
    }
  }
}
