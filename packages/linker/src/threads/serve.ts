import { DlError, isDlErrorCode } from '@dl/errors';
import type { DlopenFlags, Handle } from '../types.js';
import { followThen } from './follow.js';
import type { Follower, FollowOptions } from './follow.js';
import type { ThreadImage } from './image.js';
import { isFollowMessage, listen } from './messages.js';
import type { FollowMessage, ThreadPort } from './messages.js';

/** A thread's follower, and `dlopen`/`dlclose` that go through the leading thread. */
export interface ServedFollower {
  readonly follower: Follower;
  /** Loads a library on the leading thread; resolves once this thread (and every other) has it. */
  dlopen(name: string, flags?: DlopenFlags): Promise<Handle>;
  /** Closes it there; resolves once every thread has taken the change. */
  dlclose(handle: Handle): Promise<void>;
}

/**
 * Inside a worker: follows the images and updates its leader posts (the `dl` messages; others
 * are left to the worker's own handlers) and acknowledges each. Resolves once the first image is
 * applied, with the follower and a `dlopen`/`dlclose` that go through the leading thread (which
 * loads, brings every thread up to date, then answers); rejects with the error when this thread
 * cannot take its first image (its leader's `add` rejects too, and the group lets it go).
 */
export function serveFollower(port: ThreadPort, options: FollowOptions = {}): Promise<ServedFollower> {
  const asked = new Map<number, (m: Extract<FollowMessage, { dl: 'done' }>) => void>();
  let seq = 0;
  const ask = (m: { dl: 'dlopen'; name: string; flags: DlopenFlags } | { dl: 'dlclose'; handle: Handle }) =>
    new Promise<Handle | undefined>((resolve, reject) => {
      const mine = ++seq;
      asked.set(mine, (r) => {
        if (r.error === undefined) resolve(r.handle);
        else reject(new DlError(r.code !== undefined && isDlErrorCode(r.code) ? r.code : 'DL_NOT_FOUND', r.error));
      });
      port.postMessage({ ...m, seq: mine });
    });
  return new Promise((resolve, reject) => {
    let updateThen: ((image: ThreadImage) => () => void) | null = null;
    listen(port, (data) => {
      if (!isFollowMessage(data) || data.dl === 'ack' || data.dl === 'dlopen' || data.dl === 'dlclose') return;
      if (data.dl === 'done') {
        asked.get(data.seq)?.(data);
        asked.delete(data.seq);
        return;
      }
      // What is left once the image is taken (its extra slots: this cannot fail) is done after
      // the acknowledgement, in this same task: no code of this thread runs before it is done.
      let rest = (): void => undefined;
      try {
        if (data.dl === 'follow') {
          // A second program image (this thread added again, or to another group) is refused:
          // the follower this thread uses stays as it is.
          if (updateThen !== null)
            throw new DlError('DL_THREAD_SYNC_FAILED', 'this thread already follows a program (add a thread once)');
          const served = followThen(data.image, options);
          ({ rest, updateThen } = served);
          resolve({
            follower: served.follower,
            dlopen: async (name, flags = { binding: 'now' }) => (await ask({ dl: 'dlopen', name, flags }))!,
            dlclose: async (handle) => {
              await ask({ dl: 'dlclose', handle });
            },
          });
        } else if (updateThen !== null) rest = updateThen(data.image);
        port.postMessage({ dl: 'ack', seq: data.seq } satisfies FollowMessage);
      } catch (e) {
        const library = e instanceof DlError ? e.library : undefined;
        port.postMessage({
          dl: 'ack',
          seq: data.seq,
          error: e instanceof DlError ? e.detail : e instanceof Error ? e.message : String(e),
          ...(library === undefined ? {} : { library }),
        } satisfies FollowMessage);
        // Without its first image this thread follows nothing (its leader has let it go).
        if (data.dl === 'follow') reject(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      rest();
    });
  });
}
