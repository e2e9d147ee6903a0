import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { RTLD } from '../flags.js';
import { askWorker, baseProgram, callOn, useGroupWorkerScript } from './group-tests.harness.js';
import type { ThreadPort } from './messages.js';

const groupWorker = useGroupWorkerScript();

describe('ThreadGroup.start and stop (node worker_threads)', () => {
  it('start() resolves with a worker already following (a library loaded before it, one loaded after); stop() ends it and gives its stack and TLS blocks back', async () => {
    const { linker, group, held } = baseProgram();
    const started = await Promise.all([
      group.start(groupWorker.path(), { Worker }),
      group.start(groupWorker.path(), { Worker }),
    ]);
    // With node's Worker class, start() makes worker_threads workers.
    const workers = started.map((w) => {
      if (!(w instanceof Worker)) throw new Error('not a node worker');
      return w;
    });
    expect(group.size).toBe(2);
    // Following as soon as start() resolves: each thread its own thread-local sum.
    expect(await Promise.all(workers.map((w) => callOn(w, 'thr_add', [3])))).toEqual([3, 3]);
    linker.dlopenSync('libthr_user.so', RTLD.NOW);
    await group.sync();
    expect(await Promise.all(workers.map((w) => callOn(w, 'thr_user_call', [1])))).toEqual([4, 4]);
    for (const w of workers) await group.stop(w);
    expect(group.size).toBe(0);
    // What is left reserved is libthr_user.so's own (its load), nothing of the threads'.
    linker.dlclose(linker.handleOf('libthr_user.so')!);
    expect(linker.linkState.allocator.live().length).toBe(held);
  });

  it('a thread removed while it runs is no longer listened to (node on/off); added again, it refuses a second program and nothing stays reserved', async () => {
    const { linker, group, held } = baseProgram();
    const w = new Worker(groupWorker.path());
    const count = (): number[] => [w.listenerCount('message'), w.listenerCount('exit')];
    const before = count();
    await group.add(w);
    expect(count()).toEqual([before[0]! + 1, before[1]! + 1]);
    group.remove(w);
    expect(count()).toEqual(before);
    // Still running, the thread asks its leader to load a library: it learns it was removed, and nothing loads.
    expect(await askWorker(w, { op: 'dlopen', name: 'libthr_user.so' })).toMatch(
      /^error: this thread no longer follows the program: its group removed it/,
    );
    expect(linker.handleOf('libthr_user.so')).toBeUndefined();
    // Added again: the thread keeps the follower it has and refuses the new image; the group lets it go.
    await expect(group.add(w)).rejects.toMatchObject({ code: 'DL_THREAD_SYNC_FAILED' });
    await expect(group.add(w)).rejects.toThrow(/thread 3 could not take the load: .*already follows a program/);
    expect(count()).toEqual(before);
    expect(group.size).toBe(0);
    expect(linker.linkState.allocator.live().length).toBe(held);
    expect(await callOn(w, 'thr_add', [5])).toBe(5);
    await w.terminate();
  });

  it('a request the group heard before it removed the thread is still answered', async () => {
    const { linker, group } = baseProgram();
    const w = new Worker(groupWorker.path());
    await group.add(w);
    // The thread is removed while the leader loads what it asked for (after the group heard it).
    const dlopen = linker.dlopen.bind(linker);
    linker.dlopen = (...args: Parameters<typeof dlopen>) => {
      group.remove(w);
      return dlopen(...args);
    };
    expect(await askWorker(w, { op: 'dlopen', name: 'libthr_user.so' })).toBe('libthr_user.so');
    expect(linker.handleOf('libthr_user.so')).toBeDefined();
    expect(group.size).toBe(0);
    await w.terminate();
  });

  it('a Web-style port (addEventListener/removeEventListener) is no longer listened to once removed', async () => {
    const { group } = baseProgram();
    const w = new Worker(groupWorker.path());
    const wrapped = new Map<(event: Event) => void, (data: unknown) => void>();
    const port: ThreadPort = {
      postMessage: (m) => {
        w.postMessage(m);
      },
      addEventListener: (type, listener) => {
        const onData = (data: unknown): void => {
          listener({ data } as MessageEvent);
        };
        wrapped.set(listener, onData);
        w.on(type, onData);
      },
      removeEventListener: (type, listener) => {
        w.off(type, wrapped.get(listener)!);
        wrapped.delete(listener);
      },
    };
    const before = w.listenerCount('message');
    await group.add(port);
    expect(await callOn(w, 'thr_add', [2])).toBe(2);
    expect(w.listenerCount('message')).toBe(before + 1);
    group.remove(port);
    expect(w.listenerCount('message')).toBe(before);
    expect(wrapped.size).toBe(0);
    await w.terminate();
  });

  it('without a Worker class where the platform has no Web Workers (node 20), start() says what to give, and reserves nothing', async () => {
    const { group, linker, held } = baseProgram();
    await expect(group.start(groupWorker.path())).rejects.toMatchObject({ code: 'DL_INCOMPATIBLE' });
    await expect(group.start(groupWorker.path())).rejects.toThrow(/node: \{ Worker \} from 'node:worker_threads'/);
    expect(group.size).toBe(0);
    expect(linker.linkState.allocator.live().length).toBe(held);
  });

  it('a worker whose script cannot be loaded, or that exits before it follows, rejects start() with DL_THREAD_SYNC_FAILED saying why; nothing stays reserved and the process goes on', async () => {
    const { linker, group, held } = baseProgram();
    const missing = await group.start('/no/such/worker.mjs', { Worker }).then(
      () => new Error('resolved'),
      (e: unknown) => e,
    );
    expect(missing).toMatchObject({ code: 'DL_THREAD_SYNC_FAILED' });
    expect((missing as Error).message).toMatch(/thread 1 ended before it followed the program: .*no[/]such[/]worker/);
    const exits = await group.start(groupWorker.path(), { Worker, workerData: { exitAtStart: true } }).then(
      () => new Error('resolved'),
      (e: unknown) => e,
    );
    expect(exits).toMatchObject({ code: 'DL_THREAD_SYNC_FAILED' });
    expect((exits as Error).message).toMatch(/thread 2 ended before it followed the program/);
    expect(group.size).toBe(0);
    expect(linker.linkState.allocator.live().length).toBe(held);
  });
});
