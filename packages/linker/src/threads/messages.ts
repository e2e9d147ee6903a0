import { DlError } from '@dl/errors';
import type { DlopenFlags, Handle } from '../types.js';
import type { WireImage } from './wire.js';

/**
 * The messages between a leading thread and the threads following it. The leader posts an
 * image or an update and waits (asynchronously: it never blocks) for each thread's
 * acknowledgement; a thread applies it when it handles the message — between two of its own
 * tasks — so a thread busy in a long computation or in `Atomics.wait` delays the
 * acknowledgement, never the leader's event loop, and nothing deadlocks on a lock the leader
 * holds.
 */
export type FollowMessage =
  /** An image (`follow`: a thread's first) or an update, encoded to post (`encodeImage`, `threads/wire.ts`). */
  | { readonly dl: 'follow' | 'update'; readonly seq: number; readonly wire: WireImage }
  /** `error`: why the thread could not take it (it took none of it), and the library it could not follow. */
  | { readonly dl: 'ack'; readonly seq: number; readonly error?: string; readonly library?: string }
  /** A worker asks the leader to load (or close) a library: every thread has it when the answer comes. */
  | { readonly dl: 'dlopen'; readonly seq: number; readonly name: string; readonly flags: DlopenFlags }
  | { readonly dl: 'dlclose'; readonly seq: number; readonly handle: Handle }
  /** The group removed this thread: it answers its requests up to `seq` (those it heard), no later one. */
  | { readonly dl: 'removed'; readonly seq: number }
  | {
      readonly dl: 'done';
      readonly seq: number;
      readonly handle?: Handle;
      readonly error?: string;
      /** The DlError code of `error`, when it has one. */
      readonly code?: string;
    };

/**
 * A worker or its inside, as both node's `worker_threads` and Web Workers offer it. With
 * `removeEventListener` or `off`, a `ThreadGroup` stops listening to a thread it removes.
 */
export interface ThreadPort {
  postMessage(message: unknown): void;
  /** Web Workers (and a worker's `self`; a Web Worker also tells an `error`). */
  addEventListener?(type: 'message' | 'error', listener: (event: Event) => void): void;
  removeEventListener?(type: 'message' | 'error', listener: (event: Event) => void): void;
  /** node's `Worker` and `parentPort` (a `Worker` also tells its `exit` and an `error`). */
  on?(type: 'message' | 'exit' | 'error', listener: (data: unknown) => void): unknown;
  off?(type: 'message' | 'exit' | 'error', listener: (data: unknown) => void): unknown;
}

/** Listens to a port's messages; returns what stops listening (nothing, on a port that cannot). */
export function listen(port: ThreadPort, listener: (data: unknown) => void): () => void {
  if (port.on !== undefined) {
    port.on('message', listener);
    return () => port.off?.('message', listener);
  }
  if (port.addEventListener === undefined)
    throw new DlError('DL_INCOMPATIBLE', 'a thread port needs on() or addEventListener()');
  const onEvent = (e: Event): void => {
    listener((e as MessageEvent).data);
  };
  port.addEventListener('message', onEvent);
  return () => {
    port.removeEventListener?.('message', onEvent);
  };
}

export function isFollowMessage(data: unknown): data is FollowMessage {
  return typeof data === 'object' && data !== null && typeof (data as { dl?: unknown }).dl === 'string';
}
