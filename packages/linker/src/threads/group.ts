import { DlError } from '@dl/errors';
import type { Linker } from '../linker.js';
import type { Handle } from '../types.js';
import { followLinker } from './follow.js';
import type { Follower, FollowOptions } from './follow.js';
import type { ThreadImage, ThreadResources } from './image.js';

/**
 * The messages between a leading thread and the threads following it. The leader posts an
 * image or an update and waits (asynchronously: it never blocks) for each thread's
 * acknowledgement; a thread applies it when it handles the message — between two of its own
 * tasks — so a thread busy in a long computation or in `Atomics.wait` delays the
 * acknowledgement, never the leader's event loop, and nothing deadlocks on a lock the leader
 * holds.
 */
export type FollowMessage =
  | { readonly dl: 'follow' | 'update'; readonly seq: number; readonly image: ThreadImage }
  | { readonly dl: 'ack'; readonly seq: number; readonly error?: string };

/** A worker or its inside, as both node's `worker_threads` and Web Workers offer it. */
export interface ThreadPort {
  postMessage(message: unknown): void;
  /** Web Workers (and a worker's `self`). */
  addEventListener?(type: 'message', listener: (event: Event) => void): void;
  /** node's `Worker` and `parentPort`. */
  on?(type: 'message', listener: (data: unknown) => void): unknown;
}

function listen(port: ThreadPort, listener: (data: unknown) => void): void {
  if (port.on !== undefined) port.on('message', listener);
  else if (port.addEventListener !== undefined)
    port.addEventListener('message', (e) => {
      listener((e as MessageEvent).data);
    });
  else throw new DlError('DL_INCOMPATIBLE', 'a thread port needs on() or addEventListener()');
}

function isFollowMessage(data: unknown): data is FollowMessage {
  return typeof data === 'object' && data !== null && typeof (data as { dl?: unknown }).dl === 'string';
}

/**
 * Inside a worker: follows the images and updates its leader posts (the `dl` messages; others
 * are left to the worker's own handlers) and acknowledges each. Resolves with the follower once
 * the first image is applied.
 */
export function serveFollower(port: ThreadPort, options: FollowOptions = {}): Promise<Follower> {
  return new Promise((resolve) => {
    let follower: Follower | null = null;
    listen(port, (data) => {
      if (!isFollowMessage(data) || data.dl === 'ack') return;
      try {
        if (data.dl === 'follow') {
          follower = followLinker(data.image, options);
          resolve(follower);
        } else follower?.update(data.image);
        port.postMessage({ dl: 'ack', seq: data.seq } satisfies FollowMessage);
      } catch (e) {
        port.postMessage({ dl: 'ack', seq: data.seq, error: e instanceof Error ? e.message : String(e) });
      }
    });
  });
}

interface Member {
  readonly port: ThreadPort;
  readonly resources: ThreadResources;
  readonly waiting: Map<number, { resolve: () => void; reject: (e: Error) => void }>;
}

/**
 * The leading thread's side: the threads following its linker. `add` starts a thread following
 * the program as it is; after a `dlopen` or `dlclose`, `sync()` brings every thread up to date
 * and resolves when all have applied it — from then on any thread may call the new library
 * (before, a thread finds no new library, and a slot it has not filled is null: a call traps).
 */
export class ThreadGroup {
  private readonly members = new Map<ThreadPort, Member>();
  private seq = 0;
  /** Libraries whose unload waits until every thread has dropped them, by handle id. */
  private readonly dropping = new Map<number, Handle>();
  /** Libraries every thread has dropped: their unload may go on. */
  private readonly dropped = new Set<number>();
  private syncing: Promise<void> = Promise.resolve();

  /**
   * @param linker - the leading thread's linker (shared memory)
   * @param options - `stackSize` of each thread (default 64 KiB)
   */
  constructor(
    private readonly linker: Linker,
    private readonly options: { readonly stackSize?: number } = {},
  ) {}

  private send(member: Member, dl: 'follow' | 'update', image: ThreadImage): Promise<void> {
    const seq = ++this.seq;
    return new Promise<void>((resolve, reject) => {
      member.waiting.set(seq, { resolve, reject });
      member.port.postMessage({ dl, seq, image } satisfies FollowMessage);
    });
  }

  /** Starts a thread (a worker running {@link serveFollower}) following the program; resolves once it does. */
  add(port: ThreadPort): Promise<void> {
    const stackSize = this.options.stackSize;
    const { image, resources } = this.linker.threadImage(stackSize === undefined ? {} : { stackSize });
    const member: Member = { port, resources, waiting: new Map() };
    this.members.set(port, member);
    listen(port, (data) => {
      if (!isFollowMessage(data) || data.dl !== 'ack') return;
      const w = member.waiting.get(data.seq);
      member.waiting.delete(data.seq);
      if (data.error === undefined) w?.resolve();
      else w?.reject(new DlError('DL_INSTANTIATE_FAILED', `a follower thread failed: ${data.error}`));
    });
    return this.send(member, 'follow', image);
  }

  /**
   * Brings every thread up to date with the linker — libraries loaded since, and those being
   * unloaded — and, once every thread has dropped a library being unloaded, unloads it.
   * Calls are queued: each sync starts after the previous one.
   */
  sync(): Promise<void> {
    const run = async (): Promise<void> => {
      const dropping = [...this.dropping.values()];
      await Promise.all(
        [...this.members.values()].map((m) =>
          this.send(m, 'update', this.linker.threadUpdate(m.resources, { dropping })),
        ),
      );
      for (const h of dropping) {
        this.dropping.delete(h.id);
        this.dropped.add(h.id);
      }
      if (dropping.length > 0) this.linker.collect();
      this.dropped.clear();
    };
    const next = this.syncing.then(run, run);
    this.syncing = next.catch(() => undefined);
    return next;
  }

  /**
   * Give this to the linker as `beforeUnload` (`createLinker({ beforeUnload: (h) =>
   * group.beforeUnload(h) })`): a library unloads only when no thread can be running it. While
   * threads follow, the unload is put off: the libraries stay resident without references, the
   * next `sync()` has every thread drop them (each between two of its tasks: then none runs
   * their code), and then unloads them. With no thread following, it goes on at once.
   */
  beforeUnload(libraries: readonly Handle[]): boolean {
    if (this.members.size === 0 || libraries.every((h) => this.dropped.has(h.id))) return true;
    for (const h of libraries) this.dropping.set(h.id, h);
    return false;
  }

  /** Forgets a thread that has ended and frees its stack and TLS blocks. */
  remove(port: ThreadPort): void {
    const member = this.members.get(port);
    if (member === undefined) return;
    this.members.delete(port);
    this.linker.releaseThread(member.resources);
  }

  /** How many threads follow. */
  get size(): number {
    return this.members.size;
  }
}
