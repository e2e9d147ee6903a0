import { Worker } from 'node:worker_threads';
import { DlError } from '@dl/errors';
import { outcome } from '@dl/fixtures/outcome';
import { describe, expect, it } from 'vitest';
import type { Linker } from '../linker.js';
import { RTLD } from '../flags.js';
import { ThreadGroup } from './group.js';
import { callOn, groupAsBeforeUnload, stop, useGroupWorkerScript } from './group-tests.harness.js';
import { hostLinkerSync } from '../test-support.harness.js';

const groupWorker = useGroupWorkerScript();

/** The rejection of a promise (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<DlError> {
  const e = await p.then(
    () => new Error('resolved'),
    (e: unknown) => e,
  );
  expect(e).toBeInstanceOf(DlError);
  return e as DlError;
}

/** Reserves every byte of the linker's memory that is left (the memory cannot grow past its maximum). */
function exhaust(linker: Linker): number[] {
  const held: number[] = [];
  for (const size of [1 << 16, 4096, 256, 16, 1])
    for (;;) {
      try {
        held.push(linker.malloc(size, 1));
      } catch {
        break;
      }
    }
  return held;
}

describe('a load failing on one thread rolls back everywhere (node worker_threads)', () => {
  it('a thread whose table cannot grow (started with a limit) refuses the update: sync rejects with DL_THREAD_SYNC_FAILED naming it and the library, the leader unloads it, the other threads drop it, the digest is as before', async () => {
    const { linker } = hostLinkerSync('clang16', { program: { shared: true } });
    linker.dlopenSync('libthr_base.so', { binding: 'now', scope: 'global' });
    const group = new ThreadGroup(linker, { stackSize: 16384 });
    const limit = linker.table.length;
    const workers = [0, 1, 2, 3].map(
      (i) => new Worker(groupWorker.path(), { workerData: i === 2 ? { tableMaximum: limit } : {} }),
    );
    try {
      await Promise.all(workers.map((w) => group.add(w)));
      expect(await callOn(workers[0]!, 'thr_add', [1])).toBe(1);
      const before = linker.digest();
      const user = linker.dlopenSync('libthr_user.so', RTLD.NOW);
      // The update needs a bigger table than thread 3 may have: a real failure of the engine's Table.grow there.
      expect(linker.table.length).toBeGreaterThan(limit);
      const error = await rejection(group.sync());
      expect(error).toMatchObject({ code: 'DL_THREAD_SYNC_FAILED', library: 'libthr_user.so' });
      expect(error.message).toMatch(
        /thread 3 could not take the load: its table cannot grow to \d+ slots for libthr_user\.so/,
      );
      // Unloaded here (the handle is closed), dropped everywhere: the state is as before the dlopen.
      expect(linker.handleOf('libthr_user.so')).toBeUndefined();
      expect(outcome(() => linker.describe(user))).toBe('DL_BAD_HANDLE');
      expect(linker.digest()).toBe(before);
      expect(await Promise.all(workers.map((w) => callOn(w, 'thr_user_call', [1])))).toEqual([null, null, null, null]);
      // What was there before still works on every thread (each its own thread-local sum).
      expect(await Promise.all(workers.map((w) => callOn(w, 'thr_add', [2])))).toEqual([3, 2, 2, 2]);
      // Without the limited thread, the same load reaches every other thread.
      group.remove(workers[2]!);
      await workers[2]!.terminate();
      linker.dlopenSync('libthr_user.so', RTLD.NOW);
      await group.sync();
      expect(await Promise.all([0, 1, 3].map((i) => callOn(workers[i]!, 'thr_user_call', [1])))).toEqual([4, 3, 3]);
    } finally {
      await stop(group, workers);
    }
  });

  it('no memory for one thread’s TLS block: the sync rejects naming the thread and the library, and rolls back the library and the dependency it brought in', async () => {
    const memory = new WebAssembly.Memory({ initial: 32, maximum: 32, shared: true });
    const { linker } = hostLinkerSync('clang16', { program: { shared: true, memory } });
    const group = new ThreadGroup(linker, { stackSize: 16384 });
    const workers = [0, 1].map(() => new Worker(groupWorker.path()));
    try {
      await Promise.all(workers.map((w) => group.add(w)));
      const before = linker.digest();
      // libthr_user.so brings libthr_base.so (NEEDED), which has thread-locals: each thread needs a block.
      linker.dlopenSync('libthr_user.so', RTLD.NOW);
      expect(linker.handleOf('libthr_base.so')).toBeDefined();
      const held = exhaust(linker);
      const error = await rejection(group.sync());
      expect(error).toMatchObject({ code: 'DL_THREAD_SYNC_FAILED', library: 'libthr_base.so' });
      expect(error.message).toMatch(/thread 1 could not take the load: .*no TLS block for one more thread/);
      for (const p of held) linker.free(p);
      expect(linker.handleOf('libthr_user.so')).toBeUndefined();
      expect(linker.handleOf('libthr_base.so')).toBeUndefined();
      expect(linker.digest()).toBe(before);
      expect(await Promise.all(workers.map((w) => callOn(w, 'thr_add', [1])))).toEqual([null, null]);
      // With memory again, the same load reaches both threads.
      linker.dlopenSync('libthr_user.so', RTLD.NOW);
      await group.sync();
      expect(await Promise.all(workers.map((w) => callOn(w, 'thr_user_call', [5])))).toEqual([5, 5]);
    } finally {
      await stop(group, workers);
    }
  });

  it('with the group as beforeUnload, the rolled-back libraries are unloaded only after every thread has dropped them', async () => {
    const { linker, group } = groupAsBeforeUnload();
    const limit = linker.table.length;
    const workers = [
      new Worker(groupWorker.path()),
      new Worker(groupWorker.path(), { workerData: { tableMaximum: limit } }),
    ];
    try {
      await Promise.all(workers.map((w) => group.add(w)));
      const before = linker.digest();
      linker.dlopenSync('libthr_user.so', RTLD.NOW);
      const error = await rejection(group.sync());
      expect(error).toMatchObject({ code: 'DL_THREAD_SYNC_FAILED', library: 'libthr_user.so' });
      expect(error.message).toMatch(/thread 2/);
      expect(linker.handleOf('libthr_user.so')).toBeUndefined();
      expect(linker.digest()).toBe(before);
      expect(await callOn(workers[0]!, 'thr_user_call', [1])).toBeNull();
    } finally {
      await stop(group, workers);
    }
  });
});
