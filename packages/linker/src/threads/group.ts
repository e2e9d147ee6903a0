import { DlError } from '@dl/errors';
import type { Linker } from '../linker.js';
import type { Handle } from '../types.js';
import type { ChangeReader } from './changes.js';
import type { ThreadImage, ThreadResources } from './image.js';
import { isFollowMessage, listen } from './messages.js';
import { encodeImage } from './wire.js';
import type { FollowMessage, ThreadPort } from './messages.js';
import { newWorker, onError } from './start.js';
import type { ThreadStartOptions, ThreadWorker } from './start.js';

interface Member {
  /** `thread N`, in the order the threads were added. */
  readonly name: string;
  readonly port: ThreadPort;
  readonly resources: ThreadResources;
  /** The image or updates posted and not yet acknowledged, by sequence number. */
  readonly waiting: Map<number, Waiting>;
  /** Stops listening to the thread's port (its messages and, on node, its exit). */
  unlisten: () => void;
  /** The sequence number of the last request (`dlopen`, `dlclose`) heard from the thread. */
  heard: number;
}

/** A post waiting for its acknowledgement. */
interface Waiting {
  readonly dl: 'follow' | 'update';
  resolve(): void;
  reject(e: Error): void;
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
  private added = 0;
  /**
   * Where the last sync ended in the linker's change log (while threads follow): a failed sync
   * unloads the libraries loaded since and gives back the slots given since.
   */
  private mark: ChangeReader | null = null;

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
      member.waiting.set(seq, { dl, resolve, reject });
      member.port.postMessage({ dl, seq, wire: encodeImage(image, dl === 'follow') } satisfies FollowMessage);
    });
  }

  /** Starts a thread (a worker running {@link serveFollower}) following the program; resolves once it does. */
  add(port: ThreadPort): Promise<void> {
    const already = this.members.get(port);
    if (already !== undefined)
      return Promise.reject(
        new DlError('DL_THREAD_SYNC_FAILED', `${already.name} already follows this program: add each thread once`),
      );
    const stackSize = this.options.stackSize;
    const { image, resources } = this.linker.threadImage(stackSize === undefined ? {} : { stackSize });
    const name = `thread ${++this.added}`;
    const member: Member = { name, port, resources, waiting: new Map(), unlisten: () => undefined, heard: 0 };
    this.mark ??= this.linker.linkState.changes.reader();
    this.members.set(port, member);
    const unlisten = listen(port, (data) => {
      this.onMessage(member, data);
    });
    // A node worker that ends (terminated, exited, or killed by an uncaught error) leaves the group by itself.
    const exited = (): void => {
      this.remove(port);
    };
    port.on?.('exit', exited);
    member.unlisten = () => {
      unlisten();
      port.off?.('exit', exited);
    };
    // A thread that could not take its first image follows nothing: it leaves the group (its
    // stack and TLS blocks go back), and the next update does not count it.
    return this.send(member, 'follow', image).catch((e: unknown) => {
      this.remove(port);
      throw e;
    });
  }

  /** A message from a member thread: a request to load or close, or an acknowledgement. */
  private onMessage(member: Member, data: unknown): void {
    if (!isFollowMessage(data)) return;
    if (data.dl === 'dlopen' || data.dl === 'dlclose') {
      member.heard = Math.max(member.heard, data.seq);
      void this.answer(member.port, data);
      return;
    }
    if (data.dl !== 'ack') return;
    const w = member.waiting.get(data.seq);
    member.waiting.delete(data.seq);
    if (data.error === undefined) w?.resolve();
    else
      w?.reject(
        new DlError('DL_THREAD_SYNC_FAILED', `${member.name} could not take the load: ${data.error}`, {
          library: data.library,
        }),
      );
  }

  /** After a sync every thread has everything so far (cost: constant). */
  private markSynced(): void {
    if (this.mark !== null) this.linker.linkState.changes.advance(this.mark);
  }

  /** Sends every thread its update (with `dropping`); the first failure, if any, once all have answered. */
  private async update(dropping: readonly Handle[]): Promise<DlError | undefined> {
    const members = [...this.members.values()];
    // Every update is made first (what they share once), then all are posted back to back.
    const images = this.linker.threadUpdates(
      members.map((m) => m.resources),
      { dropping },
    );
    const results = await Promise.allSettled(
      members.map(async (m, i) => {
        try {
          const image = images[i]!;
          if (image instanceof Error) throw image;
          await this.send(m, 'update', image);
        } catch (e) {
          // The leader could not make this thread's update (e.g. no memory for its TLS block).
          if (e instanceof DlError && e.code === 'DL_THREAD_SYNC_FAILED') throw e;
          throw new DlError(
            'DL_THREAD_SYNC_FAILED',
            `${m.name} could not take the load: ${e instanceof Error ? e.message : String(e)}`,
            {
              library: e instanceof DlError ? e.library : undefined,
              cause: e,
            },
          );
        }
      }),
    );
    const failed = results.find((r) => r.status === 'rejected');
    return failed === undefined ? undefined : (failed.reason as DlError);
  }

  /** Has every thread drop what is being unloaded, then unloads it here. */
  private async dropAll(): Promise<void> {
    const dropping = [...this.dropping.values()];
    const failed = await this.update(dropping);
    for (const h of dropping) {
      this.dropping.delete(h.id);
      this.dropped.add(h.id);
    }
    if (dropping.length > 0) this.linker.collect();
    this.dropped.clear();
    if (failed !== undefined) throw failed;
  }

  /**
   * A sync failed on some thread: unloads here every library loaded since the last sync (each
   * open reference closed, newest first; the ones they needed go with them), has every thread
   * drop them again, and gives back the function slots given since — the state is what it was
   * before those loads.
   */
  private async rollback(): Promise<void> {
    const state = this.linker.linkState;
    const since = this.mark === null ? [] : state.changes.since(this.mark);
    const newest = this.mark?.lastLibrary ?? Infinity;
    const fresh = [...new Set(since.flatMap((c) => (c.kind === 'library' && c.id > newest ? [c.id] : [])))]
      .sort((a, b) => b - a)
      .flatMap((id) => state.libraries.get(id) ?? []);
    for (const l of fresh) {
      for (let open = l.refcount; open > 0 && state.libraries.has(l.id); open--) {
        try {
          this.linker.dlclose(l.handle);
        } catch {
          // DL_FINI_FAILED: a destructor threw, the unload went on; the sync's own error is the answer.
        }
      }
    }
    this.linker.collect();
    await this.dropAll();
    if (this.mark !== null) state.changes.advance(this.mark);
    // `&f` of an older library taken by a rolled-back one: its slot goes too.
    for (const c of since) {
      if (c.kind !== 'slot' || !c.created) continue;
      const func = state.slots.ownedAt(c.index);
      if (func !== undefined) state.slots.forget(func, true);
    }
  }

  /**
   * Brings every thread up to date with the linker — libraries loaded since, and those being
   * unloaded — and, once every thread has dropped a library being unloaded, unloads it.
   * Calls are queued: each sync starts after the previous one.
   *
   * @throws DlError `DL_THREAD_SYNC_FAILED` (naming the thread and the library) when a thread
   *   could not take the update — its table could not grow, the engine refused an instance, the
   *   leader had no memory for its TLS block. Then the load is rolled back everywhere: every
   *   library loaded since the last sync is unloaded here and dropped by every thread (handles
   *   to them are closed), and the linker's state is what it was before those loads.
   */
  sync(): Promise<void> {
    const run = async (): Promise<void> => {
      const dropping = [...this.dropping.values()];
      const failed = await this.update(dropping);
      if (failed !== undefined) {
        // The first failure is the answer; a thread failing to drop again cannot fail (it grows nothing).
        await this.rollback().catch(() => undefined);
        throw failed;
      }
      for (const h of dropping) {
        this.dropping.delete(h.id);
        this.dropped.add(h.id);
      }
      if (dropping.length > 0) this.linker.collect();
      this.dropped.clear();
      this.markSynced();
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

  /** Serves a worker's `dlopen`/`dlclose`: done here, then synced to every thread, then answered. */
  private async answer(port: ThreadPort, m: Extract<FollowMessage, { dl: 'dlopen' | 'dlclose' }>): Promise<void> {
    try {
      let handle: Handle | undefined;
      if (m.dl === 'dlopen') handle = await this.linker.dlopen(m.name, m.flags);
      else this.linker.dlclose(m.handle);
      await this.sync();
      port.postMessage({ dl: 'done', seq: m.seq, ...(handle === undefined ? {} : { handle }) } satisfies FollowMessage);
    } catch (e) {
      port.postMessage({
        dl: 'done',
        seq: m.seq,
        error: e instanceof Error ? e.message : String(e),
        ...(e instanceof DlError ? { code: e.code } : {}),
      } satisfies FollowMessage);
    }
  }

  /**
   * Forgets a thread that has ended and frees its stack and TLS blocks. A node `Worker` is
   * removed when it exits; remove a Web Worker after `terminate()`. What the thread had not
   * acknowledged settles: a pending update counts as taken (an ended thread runs no code, so a
   * sync or an unload waiting for it goes on), a pending first image rejects `add` with
   * `DL_THREAD_SYNC_FAILED`. The group stops listening to the port (given `off` or
   * `removeEventListener`) and tells the thread, which answers a `dlopen` or `dlclose` asked
   * from then on with `DL_THREAD_SYNC_FAILED` (what the group heard before is still answered).
   */
  remove(port: ThreadPort): void {
    this.leave(port);
  }

  /** {@link ThreadGroup.remove}, saying why the thread ended when it is known. */
  private leave(port: ThreadPort, why?: string): void {
    const member = this.members.get(port);
    if (member === undefined) return;
    this.members.delete(port);
    member.unlisten();
    // A thread still running learns it was removed: a request it sent after the last one heard
    // here fails instead of waiting for ever (an ended thread gets nothing: the post goes nowhere).
    port.postMessage({ dl: 'removed', seq: member.heard } satisfies FollowMessage);
    this.linker.releaseThread(member.resources);
    const ended = `${member.name} ended before it followed the program${why === undefined ? '' : `: ${why}`}`;
    for (const w of member.waiting.values()) {
      if (w.dl === 'update') w.resolve();
      else w.reject(new DlError('DL_THREAD_SYNC_FAILED', ended));
    }
    member.waiting.clear();
    if (this.members.size > 0 || this.mark === null) return;
    this.linker.linkState.changes.release(this.mark);
    this.mark = null;
  }

  /**
   * Starts a worker running `script` (which calls {@link serveFollower}) and adds it: resolves
   * with the worker once it follows the program — a Web Worker, or a node `worker_threads` one
   * when `options.Worker` is node's `Worker` (node 20 has no Web Workers). If the worker fails
   * before it follows (its script does not load, it throws or exits), it is terminated and
   * this rejects with `DL_THREAD_SYNC_FAILED`. End it with {@link ThreadGroup.stop}.
   */
  async start(script: string | URL, options: ThreadStartOptions = {}): Promise<ThreadWorker> {
    const worker = newWorker(script, options);
    // A worker that fails before it follows leaves the group, which rejects `add`.
    const unwatch = onError(worker, (why) => {
      this.leave(worker, why);
    });
    try {
      await this.add(worker);
      return worker;
    } catch (e) {
      await worker.terminate();
      throw e;
    } finally {
      unwatch();
    }
  }

  /** Ends a worker this group follows (its `terminate()`) and removes it from the group. */
  async stop(worker: ThreadWorker): Promise<void> {
    await worker.terminate();
    this.remove(worker);
  }

  /** How many threads follow. */
  get size(): number {
    return this.members.size;
  }
}
