import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { RTLD } from '../flags.js';
import { newTag } from '../wasm-tag.js';
import { call, hostLinkerSync, withCxaCatch } from '../test-support.harness.js';
import { followLinker } from './follow.js';
import { ThreadGroup } from './group.js';
import { callOn, stop, useGroupWorkerScript } from './group-tests.harness.js';

type Fn = (...args: unknown[]) => unknown;

/** What `fn` throws (undefined when it returns). */
function caught(fn: () => unknown): unknown {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e;
  }
}

/** A leader with libthr_lazy.so (slots of four types in its range) and libthr_lazy_user.so (calls pointers). */
function leader() {
  const { linker } = hostLinkerSync('clang16', { program: { shared: true } });
  const lazy = linker.dlopenSync('libthr_lazy.so', RTLD.NOW);
  linker.dlopenSync('libthr_lazy_user.so', RTLD.NOW);
  const pointers = [0, 1, 2, 3].map((i) => call(linker, lazy, 'lazy_pointer', i));
  return { linker, lazy, pointers };
}

/** The four calls through a pointer, made by libthr_lazy_user.so's wasm code (call_indirect), and what each returns on a fresh thread. */
const cases = [
  { caller: 'lazy_call_i32', args: [5], result: 5 + 101, calls: 101 },
  { caller: 'lazy_call_i64', args: [3n, 7.9], result: 3_000_000_000_007n, calls: 101 },
  { caller: 'lazy_call_f64', args: [1.5, 4], result: 6, calls: 101 },
  { caller: 'lazy_call_void', args: [], result: undefined, calls: 110 },
] as const;

describe('a follower instantiates a library on its first use (clang-16 shared-memory modules)', () => {
  it.each(cases.map((c, i) => [c.caller, i] as const))(
    '%s: wasm code calls through a slot of a library this thread has not instantiated; the typed trampoline there instantiates it (a fresh TLS block) and the call goes on',
    (_name, i) => {
      const { linker, lazy, pointers } = leader();
      const { image, resources } = linker.threadImage();
      try {
        const follower = followLinker(image);
        expect(follower.deferred()).toEqual(['libthr_lazy.so', 'libthr_lazy_user.so']);
        const c = cases[i]!;
        // The caller's library is instantiated by find; the callee's is not, until the call.
        const caller = follower.find(c.caller) as Fn;
        expect(follower.deferred()).toEqual(['libthr_lazy.so']);
        const slotted = follower.table.get(pointers[i]!) as Fn;
        expect(typeof slotted).toBe('function');
        expect(caller(pointers[i], ...c.args)).toBe(c.result);
        expect(follower.deferred()).toEqual([]);
        // The slot now holds the library's own function; this thread's thread-local started fresh.
        expect(follower.table.get(pointers[i]!)).not.toBe(slotted);
        expect((follower.find('lazy_calls_now') as () => number)()).toBe(c.calls);
      } finally {
        linker.releaseThread(resources);
      }
      // The leading thread's own thread-local did not move.
      expect(call(linker, lazy, 'lazy_calls_now')).toBe(100);
    },
  );

  it('a call from JS through the slot works the same; &f is the same slot as on the leading thread', () => {
    const { linker, pointers } = leader();
    const { image, resources } = linker.threadImage();
    try {
      const follower = followLinker(image);
      expect((follower.table.get(pointers[0]!) as Fn)(1)).toBe(102);
      expect((follower.table.get(pointers[0]!) as Fn)(1)).toBe(103);
      expect(follower.deferred()).toEqual(['libthr_lazy_user.so']);
      const leaderSlot = linker.linkState.table.get(pointers[0]!) as Fn;
      expect(leaderSlot(0)).toBe(101);
    } finally {
      linker.releaseThread(resources);
    }
  });

  it("instantiate: 'eager' makes every instance when the image arrives; the results are the same", () => {
    const { linker, pointers } = leader();
    const { image, resources } = linker.threadImage();
    try {
      const follower = followLinker(image, { instantiate: 'eager' });
      expect(follower.deferred()).toEqual([]);
      expect((follower.find('lazy_call_i32') as Fn)(pointers[0], 5)).toBe(106);
    } finally {
      linker.releaseThread(resources);
    }
  });

  it('a library loaded after the thread started arrives as trampolines; one dropped before its first use leaves its slots empty', () => {
    const { linker } = hostLinkerSync('clang16', { program: { shared: true } });
    linker.dlopenSync('libthr_lazy_user.so', RTLD.NOW);
    const { image, resources } = linker.threadImage();
    try {
      const follower = followLinker(image);
      const lazy = linker.dlopenSync('libthr_lazy.so', RTLD.NOW);
      const pointer = call(linker, lazy, 'lazy_pointer', 0);
      follower.update(linker.threadUpdate(resources));
      expect(follower.deferred()).toEqual(['libthr_lazy_user.so', 'libthr_lazy.so']);
      expect(typeof follower.table.get(pointer)).toBe('function');
      linker.dlclose(lazy);
      follower.update(linker.threadUpdate(resources));
      expect(follower.table.get(pointer)).toBeNull();
      expect(follower.find('lazy_calls_now')).toBeUndefined();
      expect(follower.deferred()).toEqual(['libthr_lazy_user.so']);
      // Loaded again: the trampolines given back serve the new slots.
      const again = linker.dlopenSync('libthr_lazy.so', RTLD.NOW);
      const pointers = [0, 1, 2, 3].map((i) => call(linker, again, 'lazy_pointer', i));
      follower.update(linker.threadUpdate(resources));
      expect((follower.find('lazy_call_f64') as Fn)(pointers[2], 2, 2.25)).toBe(4.5);
      expect((follower.find('lazy_calls_now') as () => number)()).toBe(101);
    } finally {
      linker.releaseThread(resources);
    }
  });
});

const groupWorker = useGroupWorkerScript();

describe('on 4 node worker_threads following through a ThreadGroup', () => {
  it('a library opened after the threads started, called through its function pointers by wasm code on each thread: each instantiates it there with its own TLS block', async () => {
    const { linker } = hostLinkerSync('clang16', { program: { shared: true } });
    linker.dlopenSync('libthr_lazy_user.so', { binding: 'now', scope: 'global' });
    const group = new ThreadGroup(linker);
    const workers = [0, 1, 2, 3].map(() => new Worker(groupWorker.path()));
    try {
      await Promise.all(workers.map((w) => group.add(w)));
      const lazy = linker.dlopenSync('libthr_lazy.so', { binding: 'now', scope: 'global' });
      await group.sync();
      const pointer = call(linker, lazy, 'lazy_pointer', 0);
      // Each thread's first call goes through the trampoline; its own thread-local starts at 100.
      expect(await Promise.all(workers.map((w) => callOn(w, 'lazy_call_i32', [pointer, 5])))).toEqual([
        106, 106, 106, 106,
      ]);
      expect(await Promise.all(workers.map((w) => callOn(w, 'lazy_call_i32', [pointer, 5])))).toEqual([
        107, 107, 107, 107,
      ]);
      expect(await Promise.all(workers.map((w) => callOn(w, 'lazy_calls_now', [])))).toEqual([102, 102, 102, 102]);
      expect(call(linker, lazy, 'lazy_calls_now')).toBe(100);
    } finally {
      await stop(group, workers);
    }
  });
});

describe('a library the engine refuses on a follower (clang-16 libthr_eh_user.so, given a tag of another type)', () => {
  function ehLeader() {
    const { linker } = hostLinkerSync('clang16', {
      program: { shared: true },
      editHost: withCxaCatch,
    });
    const user = linker.dlopenSync('libthr_eh_user.so', RTLD.NOW);
    return { linker, user };
  }
  // The thread's runtime says __cpp_exception carries an f64: the engine refuses an import of (i32).
  const tags = { __cpp_exception: newTag(['f64']) };

  it('left for its first use: that use throws DL_INSTANTIATE_FAILED naming it, on this thread only; it stays unmade, and fails again the same way', () => {
    const { linker, user } = ehLeader();
    const { image, resources } = linker.threadImage();
    try {
      const follower = followLinker(image, { tags, host: { __cxa_begin_catch: (p) => p, __cxa_end_catch: () => 0 } });
      expect(follower.deferred()).toEqual(['libthr_eh.so', 'libthr_eh_user.so']);
      for (let i = 0; i < 2; i++) {
        const e = caught(() => follower.find('thr_catch'));
        expect(e).toMatchObject({ code: 'DL_INSTANTIATE_FAILED', library: 'libthr_eh.so' });
      }
      expect(follower.deferred()).toEqual(['libthr_eh.so', 'libthr_eh_user.so']);
      // The leading thread is untouched.
      expect(call(linker, user, 'thr_catch', 41)).toBe(42);
    } finally {
      linker.releaseThread(resources);
    }
  });

  it("with instantiate: 'eager' the image itself is refused: DL_THREAD_SYNC_FAILED naming the library", () => {
    const { linker } = ehLeader();
    const { image, resources } = linker.threadImage();
    try {
      const e = caught(() => followLinker(image, { tags, instantiate: 'eager' }));
      expect(e).toMatchObject({ code: 'DL_THREAD_SYNC_FAILED', library: 'libthr_eh.so' });
    } finally {
      linker.releaseThread(resources);
    }
  });
});
