import { DlError, isDlErrorCode } from '@dl/errors';
import type { DlopenFlags, Handle } from '../types.js';
import { followThen } from './follow.js';
import type { Follower, FollowOptions } from './follow.js';
import type { ThreadImage } from './image.js';
import { decodeImage } from './wire.js';
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
 * This thread's requests to its leader (`dlopen`, `dlclose`), each settled by the leader's
 * `done`; once the group has removed the thread, the requests it did not hear fail, and so
 * does every later one.
 */
class Requests {
  private readonly waiting = new Map<number, (m: Extract<FollowMessage, { dl: 'done' }>) => void>();
  private seq = 0;
  /** The last request the group heard before it removed this thread (null while it follows). */
  private heard: number | null = null;

  constructor(private readonly port: ThreadPort) {}

  ask(
    m: { dl: 'dlopen'; name: string; flags: DlopenFlags } | { dl: 'dlclose'; handle: Handle },
  ): Promise<Handle | undefined> {
    return new Promise<Handle | undefined>((resolve, reject) => {
      if (this.heard !== null) {
        reject(removedError());
        return;
      }
      const mine = ++this.seq;
      this.waiting.set(mine, (r) => {
        if (r.error === undefined) resolve(r.handle);
        else reject(new DlError(r.code !== undefined && isDlErrorCode(r.code) ? r.code : 'DL_NOT_FOUND', r.error));
      });
      this.port.postMessage({ ...m, seq: mine });
    });
  }

  done(m: Extract<FollowMessage, { dl: 'done' }>): void {
    this.waiting.get(m.seq)?.(m);
    this.waiting.delete(m.seq);
  }

  /** The group removed this thread: it answers the requests up to `heard`, no later one. */
  removed(heard: number): void {
    this.heard = heard;
    const error = removedError();
    for (const seq of [...this.waiting.keys()])
      if (seq > heard) this.done({ dl: 'done', seq, error: error.detail, code: error.code });
  }
}

function removedError(): DlError {
  return new DlError('DL_THREAD_SYNC_FAILED', 'this thread no longer follows the program: its group removed it');
}

/**
 * Inside a worker: follows the images and updates its leader posts (the `dl` messages; others
 * are left to the worker's own handlers) and acknowledges each. Resolves once the first image is
 * applied, with the follower and a `dlopen`/`dlclose` that go through the leading thread (which
 * loads, brings every thread up to date, then answers); rejects with the error when this thread
 * cannot take its first image (its leader's `add` rejects too, and the group lets it go).
 */
export function serveFollower(port: ThreadPort, options: FollowOptions = {}): Promise<ServedFollower> {
  const requests = new Requests(port);
  const ask = requests.ask.bind(requests);
  return new Promise((resolve, reject) => {
    let updateThen: ((image: ThreadImage) => () => void) | null = null;
    let memory: WebAssembly.Memory | undefined;
    listen(port, (data) => {
      if (!isFollowMessage(data) || data.dl === 'ack' || data.dl === 'dlopen' || data.dl === 'dlclose') return;
      if (data.dl === 'done' || data.dl === 'removed') {
        if (data.dl === 'done') requests.done(data);
        else requests.removed(data.seq);
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
          const image = decodeImage(data.wire, undefined);
          memory = image.memory;
          const served = followThen(image, options);
          ({ rest, updateThen } = served);
          resolve({
            follower: served.follower,
            dlopen: async (name, flags = { binding: 'now' }) => (await ask({ dl: 'dlopen', name, flags }))!,
            dlclose: async (handle) => {
              await ask({ dl: 'dlclose', handle });
            },
          });
        } else if (updateThen !== null) rest = updateThen(decodeImage(data.wire, memory));
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
