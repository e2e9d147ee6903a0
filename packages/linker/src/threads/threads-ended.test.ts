import { Worker } from 'node:worker_threads';
import { DlError } from '@dl/errors';
import { describe, expect, it } from 'vitest';
import { RTLD } from '../flags.js';
import {
  askWorker,
  baseProgram,
  callOn,
  groupAsBeforeUnload,
  stop,
  useGroupWorkerScript,
} from './group-tests.harness.js';
import { settlesWithin } from './page-parts.harness.js';

const groupWorker = useGroupWorkerScript();
/** Each test settles in about a second; a group waiting for an ended thread would hang it. */
const LIMIT = 20_000;

/** Resolves once the worker has exited. */
function exited(w: Worker): Promise<void> {
  return new Promise((resolve) =>
    w.once('exit', () => {
      resolve();
    }),
  );
}

describe('a thread that ends never holds the group up (node worker_threads)', () => {
  it(
    'a thread that cannot take its first image (its table limit is below the program’s) rejects add() and leaves the group: nothing stays reserved for it, and the next sync does not count it',
    async () => {
      const { linker, group } = baseProgram();
      // libthr_user.so takes function addresses: the program's table outgrows a 1-slot limit.
      const user = linker.dlopenSync('libthr_user.so', RTLD.NOW);
      expect(linker.table.length).toBeGreaterThan(1);
      const used = linker.linkState.allocator.live().length;
      const small = new Worker(groupWorker.path(), { workerData: { tableMaximum: 1 } });
      const ok = new Worker(groupWorker.path());
      try {
        const e = await group.add(small).then(
          () => new Error('resolved'),
          (e: unknown) => e,
        );
        expect(e).toMatchObject({ code: 'DL_THREAD_SYNC_FAILED' });
        expect((e as DlError).message).toMatch(/thread 1 could not take the load/);
        expect(group.size).toBe(0);
        expect(linker.linkState.allocator.live().length).toBe(used);
        await group.add(ok);
        linker.dlclose(user);
        await group.sync();
        linker.dlopenSync('libthr_user.so', RTLD.NOW);
        await group.sync();
        expect(await callOn(ok, 'thr_user_call', [4])).toBe(4);
        // Inside the thread, serveFollower rejected with the same cause.
        expect(await callOn(small, 'thr_user_call', [4])).toMatch(/^error: .*table/);
      } finally {
        await stop(group, [small, ok]);
      }
    },
    LIMIT,
  );

  it(
    'a thread blocked in Atomics.wait holds a sync back until it is terminated; then the sync resolves, the other threads have the library, its stack and TLS blocks are freed',
    async () => {
      const { linker, group } = baseProgram();
      const workers = [0, 1, 2].map(() => new Worker(groupWorker.path()));
      try {
        await Promise.all(workers.map((w) => group.add(w)));
        const stuck = workers[1]!;
        expect(await askWorker(stuck, { op: 'block', lock: new SharedArrayBuffer(4) })).toBe('blocked');
        linker.dlopenSync('libthr_user.so', RTLD.NOW);
        const synced = group.sync();
        // The blocked thread cannot take the update: the sync waits for it, the leader does not block.
        expect(await settlesWithin(synced, 300)).toBe(false);
        const heldBefore = linker.linkState.allocator.live().length;
        await stuck.terminate();
        await synced;
        expect(group.size).toBe(2);
        // Its stack and its TLS blocks (libthr_base's, and libthr_user's update) went back.
        expect(linker.linkState.allocator.live().length).toBeLessThan(heldBefore);
        expect(await Promise.all([0, 2].map((i) => callOn(workers[i]!, 'thr_user_call', [1])))).toEqual([1, 1]);
        // The group goes on: the next load reaches the threads left.
        linker.dlclose(linker.handleOf('libthr_user.so')!);
        await group.sync();
        expect(await Promise.all([0, 2].map((i) => callOn(workers[i]!, 'thr_user_call', [1])))).toEqual([null, null]);
      } finally {
        await stop(group, workers);
      }
    },
    LIMIT,
  );

  it(
    'an unload waiting for a blocked thread goes on once that thread is removed (a Web Worker after terminate())',
    async () => {
      const { linker, group } = groupAsBeforeUnload(16384);
      const workers = [0, 1].map(() => new Worker(groupWorker.path()));
      try {
        await Promise.all(workers.map((w) => group.add(w)));
        const user = linker.dlopenSync('libthr_user.so', RTLD.NOW);
        await group.sync();
        const stuck = workers[0]!;
        expect(await askWorker(stuck, { op: 'block', lock: new SharedArrayBuffer(4) })).toBe('blocked');
        linker.dlclose(user);
        // Put off: the blocked thread may be running it.
        expect(linker.handleOf('libthr_user.so')).toBeDefined();
        const synced = group.sync();
        expect(await settlesWithin(synced, 300)).toBe(false);
        expect(linker.handleOf('libthr_user.so')).toBeDefined();
        // As a page does for a Web Worker (no exit event): terminate, then remove.
        const gone = exited(stuck);
        await stuck.terminate();
        await gone;
        group.remove(stuck);
        await synced;
        expect(linker.handleOf('libthr_user.so')).toBeUndefined();
        expect(await callOn(workers[1]!, 'thr_user_call', [1])).toBeNull();
      } finally {
        await stop(group, workers);
      }
    },
    LIMIT,
  );

  it(
    'a thread that exits before it follows rejects add() with DL_THREAD_SYNC_FAILED, and leaves nothing reserved; adding a thread twice is refused',
    async () => {
      const { linker, group } = baseProgram();
      const used = linker.linkState.allocator.live().length;
      const w = new Worker(groupWorker.path(), { workerData: { exitAtStart: true } });
      const e = await group.add(w).then(
        () => new Error('resolved'),
        (e: unknown) => e,
      );
      expect(e).toBeInstanceOf(DlError);
      expect(e).toMatchObject({ code: 'DL_THREAD_SYNC_FAILED' });
      expect((e as DlError).message).toMatch(/thread 1 ended before it followed the program/);
      expect(group.size).toBe(0);
      expect(linker.linkState.allocator.live().length).toBe(used);
      // A sync with no thread left resolves at once, and a new thread follows as usual.
      linker.dlopenSync('libthr_user.so', RTLD.NOW);
      await group.sync();
      const next = new Worker(groupWorker.path());
      try {
        await group.add(next);
        expect(await callOn(next, 'thr_user_call', [2])).toBe(2);
        // Adding it again is refused, and reserves nothing more.
        const held = linker.linkState.allocator.live().length;
        const twice = await group.add(next).then(
          () => new Error('resolved'),
          (e: unknown) => e,
        );
        expect(twice).toMatchObject({ code: 'DL_THREAD_SYNC_FAILED' });
        expect((twice as DlError).message).toMatch(/thread 2 already follows this program/);
        expect(linker.linkState.allocator.live().length).toBe(held);
        expect(group.size).toBe(1);
      } finally {
        await stop(group, [next]);
      }
    },
    LIMIT,
  );
});
