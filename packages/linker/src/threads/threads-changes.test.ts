import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { Linker } from '../linker.js';
import { RTLD } from '../flags.js';
import type { LinkState } from '../state.js';
import { followLinker } from './follow.js';
import { ThreadGroup } from './group.js';
import { callOn, groupAsBeforeUnload, stop, useGroupWorkerScript } from './group-tests.harness.js';
import { call, hostLinkerSync, sideFiles } from '../test-support.harness.js';

const groupWorker = useGroupWorkerScript();

/**
 * Counts the entries read by walking the linker's whole registries — every library, every
 * function with a slot — while `run` runs (what a sync must not do: its cost is the change).
 */
async function walked(state: LinkState, run: () => unknown): Promise<number> {
  let n = 0;
  const counting = <T>(it: Iterator<T>): IterableIterator<T> => {
    const out: IterableIterator<T> = {
      next: () => {
        const r = it.next();
        if (r.done !== true) n++;
        return r;
      },
      [Symbol.iterator]: () => out,
    };
    return out;
  };
  const spied = [
    [state.libraries, ['values', 'keys', 'entries', Symbol.iterator]],
    [state.slots, ['entries']],
  ] as const;
  const saved: [object, PropertyKey][] = [];
  for (const [target, names] of spied)
    for (const name of names) {
      const t = target as unknown as Record<PropertyKey, (...a: unknown[]) => Iterator<unknown>>;
      const original = t[name]!.bind(target);
      t[name] = (...a: unknown[]) => counting(original(...a));
      saved.push([target, name]);
    }
  const ownedSlots = state.slots.ownedSlots.bind(state.slots);
  state.slots.ownedSlots = () => {
    const all = ownedSlots();
    n += all.length;
    return all;
  };
  try {
    await run();
  } finally {
    for (const [target, name] of saved) Reflect.deleteProperty(target, name);
    delete (state.slots as unknown as Record<string, unknown>).ownedSlots;
  }
  return n;
}

/** `count` more copies of libthr_base.so (each its own library: other names, local scope). */
function loadCopies(linker: Linker, count: number): void {
  const bytes = sideFiles('clang16')['libthr_base.so']!;
  for (let i = 0; i < count; i++) linker.dlopenSync({ name: `copy${i}.so`, bytes }, RTLD.NOW);
}

describe('thread updates cost what changed (node worker_threads)', () => {
  it('after 60 libraries, one more (and the slot it gives) reaches the threads without walking the resident libraries or the slot registry', async () => {
    const { linker } = hostLinkerSync('clang16', { program: { shared: true } });
    const state = linker.linkState;
    loadCopies(linker, 60);
    const threads = [0, 1, 2, 3].map(() => linker.threadImage().resources);
    try {
      expect(threads[0]!.libraries.size).toBe(60);
      // libthr_user.so brings libthr_base.so and takes the address of thr_add (a new slot).
      linker.dlopenSync('libthr_user.so', RTLD.NOW);
      let updates: ReturnType<Linker['threadUpdates']> = [];
      const touched = await walked(state, () => {
        updates = linker.threadUpdates(threads);
      });
      expect(touched).toBe(0);
      for (const u of updates) {
        if (u instanceof Error) throw u;
        expect(u.libraries.map((l) => l.name)).toEqual(['libthr_base.so', 'libthr_user.so']);
        expect(u.slots).toHaveLength(1);
      }
      // Nothing new: nothing read, nothing sent.
      expect(await walked(state, () => linker.threadUpdates(threads))).toBe(0);
      expect(linker.threadUpdate(threads[0]!)).toMatchObject({ libraries: [], slots: [], removed: [] });
    } finally {
      for (const r of threads) linker.releaseThread(r);
    }
    // No reader left: nothing is recorded.
    expect(state.changes.size).toBe(0);
    linker.dlopenSync({ name: 'later.so', bytes: sideFiles('clang16')['libthr_base.so']! }, RTLD.NOW);
    expect(state.changes.size).toBe(0);
  });

  it('a ThreadGroup sync after one dlopen among 60 libraries walks nothing resident, and its threads call the new library', async () => {
    const { linker } = hostLinkerSync('clang16', { program: { shared: true } });
    loadCopies(linker, 60);
    const group = new ThreadGroup(linker, { stackSize: 16384 });
    const workers = [0, 1].map(() => new Worker(groupWorker.path()));
    try {
      await Promise.all(workers.map((w) => group.add(w)));
      linker.dlopenSync('libthr_user.so', RTLD.NOW);
      expect(await walked(linker.linkState, () => group.sync())).toBe(0);
      expect(await Promise.all(workers.map((w) => callOn(w, 'thr_user_call', [2])))).toEqual([2, 2]);
    } finally {
      await stop(group, workers);
    }
  });

  it('a library the threads dropped but that was opened again before its unload comes back on the next sync', async () => {
    const { linker, group } = groupAsBeforeUnload();
    const workers = [0, 1].map(() => new Worker(groupWorker.path()));
    try {
      await Promise.all(workers.map((w) => group.add(w)));
      const user = linker.dlopenSync('libthr_user.so', RTLD.NOW);
      await group.sync();
      linker.dlclose(user);
      // Put off (the threads still have it), and opened again before the sync that drops it.
      const again = linker.dlopenSync('libthr_user.so', RTLD.NOW);
      expect(again).toBe(user);
      await group.sync();
      // Re-referenced: not unloaded here.
      expect(linker.handleOf('libthr_user.so')).toBe(user);
      expect(call(linker, user, 'thr_user_call', 1)).toBe(1);
      await group.sync();
      expect(await Promise.all(workers.map((w) => callOn(w, 'thr_user_call', [3])))).toEqual([3, 3]);
    } finally {
      await stop(group, workers);
    }
  });

  it('a reload reaches every thread: the slot of &thr_add (held by libthr_user.so) calls the new build there too', async () => {
    const { linker } = hostLinkerSync('clang16', { program: { shared: true } });
    const base = linker.dlopenSync('libthr_base.so', { binding: 'now', scope: 'global', reloadable: true });
    linker.dlopenSync('libthr_user.so', RTLD.NOW);
    const group = new ThreadGroup(linker);
    const workers = [0, 1, 2, 3].map(() => new Worker(groupWorker.path()));
    try {
      await Promise.all(workers.map((w) => group.add(w)));
      expect(await Promise.all(workers.map((w) => callOn(w, 'thr_user_call', [1])))).toEqual([1, 1, 1, 1]);
      const old = linker.exportsOf(base).exports.thr_add;
      linker.reloadSync(base, { name: 'libthr_base.so', bytes: sideFiles('clang16')['libthr_base.so']! });
      expect(linker.exportsOf(base).exports.thr_add).not.toBe(old);
      await group.sync();
      // The old build is dropped on every thread (its slots cleared): the stored pointer calls the new one.
      const after = await Promise.all(workers.map((w) => callOn(w, 'thr_user_call', [2])));
      expect(after.every((v) => typeof v === 'number')).toBe(true);
      expect(await Promise.all(workers.map((w) => callOn(w, 'thr_total_now', [])))).toEqual(
        workers.map(() => call(linker, base, 'thr_total_now')),
      );
    } finally {
      await stop(group, workers);
    }
  });

  it('a reload that moves data reaches every thread: each thread’s GOT entry of thr_data takes the new address', async () => {
    const { linker } = hostLinkerSync('clang16', { program: { shared: true } });
    const data = linker.dlopenSync('libthr_data.so', { binding: 'now', scope: 'global', reloadable: true });
    const user = linker.dlopenSync('libthr_data_user.so', RTLD.NOW);
    const group = new ThreadGroup(linker);
    const workers = [0, 1, 2].map(() => new Worker(groupWorker.path()));
    const onEvery = (name: string) => Promise.all(workers.map((w) => callOn(w, name, [])));
    try {
      await Promise.all(workers.map((w) => group.add(w)));
      call(linker, data, 'thr_data_set', 42);
      expect(await onEvery('thr_data_read')).toEqual([42, 42, 42]);
      const before = call(linker, user, 'thr_data_where');
      linker.reloadSync(data, { name: 'libthr_data.so', bytes: sideFiles('clang16')['libthr_data.so']! });
      const after = call(linker, user, 'thr_data_where');
      expect(after).not.toBe(before);
      // The new build's data starts at its initial value, at the new address.
      expect(call(linker, user, 'thr_data_read')).toBe(7);
      await group.sync();
      expect(await onEvery('thr_data_where')).toEqual([after, after, after]);
      expect(await onEvery('thr_data_read')).toEqual([7, 7, 7]);
      call(linker, data, 'thr_data_set', 9);
      expect(await onEvery('thr_data_read')).toEqual([9, 9, 9]);
      // A thread that starts now gets the new address too.
      const late = new Worker(groupWorker.path());
      workers.push(late);
      await group.add(late);
      expect(await callOn(late, 'thr_data_where', [])).toBe(after);
    } finally {
      await stop(group, workers);
    }
  });

  it('a GOT entry deleted with its last importer reaches a follower as gone; a changed one with its new value', () => {
    const { linker } = hostLinkerSync('clang16', { program: { shared: true } });
    const data = linker.dlopenSync('libthr_data.so', { binding: 'now', scope: 'global', reloadable: true });
    const user = linker.dlopenSync('libthr_data_user.so', RTLD.NOW);
    const { image, resources } = linker.threadImage();
    try {
      const follower = followLinker(image);
      const spec = image.libraries
        .find((l) => l.name === 'libthr_data_user.so')!
        .imports.find((i) => i.module === 'GOT.mem' && i.name === 'thr_data');
      expect(spec).toMatchObject({ how: 'got', value: call(linker, user, 'thr_data_where') });
      const entry = (spec as { entry: number }).entry;
      expect(entry).toBeGreaterThan(0);
      expect(image.got).toEqual([]);
      linker.reloadSync(data, { name: 'libthr_data.so', bytes: sideFiles('clang16')['libthr_data.so']! });
      const moved = linker.threadUpdate(resources);
      expect(moved.got).toContainEqual({ entry, how: 'got', value: call(linker, user, 'thr_data_where') });
      follower.update(moved);
      expect((follower.find('thr_data_where') as () => number)()).toBe(call(linker, user, 'thr_data_where'));
      linker.dlclose(user);
      const gone = linker.threadUpdate(resources);
      expect(gone.got).toContainEqual({ entry, how: 'gone' });
      follower.update(gone);
      expect(follower.find('thr_data_where')).toBeUndefined();
    } finally {
      linker.releaseThread(resources);
    }
  });

  it('with threads following, only a library opened reloadable reloads; a thread keeps no copy of an entry that cannot move', () => {
    const { linker } = hostLinkerSync('clang16', { program: { shared: true } });
    const data = linker.dlopenSync('libthr_data.so', { binding: 'now', scope: 'global' });
    const user = linker.dlopenSync('libthr_data_user.so', RTLD.NOW);
    const build = { name: 'libthr_data.so', bytes: sideFiles('clang16')['libthr_data.so']! };
    const { image, resources } = linker.threadImage();
    try {
      const spec = image.libraries
        .find((l) => l.name === 'libthr_data_user.so')!
        .imports.find((i) => i.module === 'GOT.mem' && i.name === 'thr_data');
      expect(spec).toMatchObject({ how: 'got', entry: 0, value: call(linker, user, 'thr_data_where') });
      let error: unknown;
      try {
        linker.reloadSync(data, build);
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: 'DL_RELOAD_BOUND', library: 'libthr_data.so' });
      expect((error as Error).message).toMatch(/threads follow this program/);
    } finally {
      linker.releaseThread(resources);
    }
    // No thread follows any more: it reloads, and the reader reads the new build.
    const before = call(linker, user, 'thr_data_where');
    linker.reloadSync(data, build);
    expect(call(linker, user, 'thr_data_read')).toBe(7);
    // A thread that starts now gets the moved address: the imports the first image made for
    // libthr_data_user.so (kept: its entry could not move while threads followed) are made again.
    const after = call(linker, user, 'thr_data_where');
    expect(after).not.toBe(before);
    const next = linker.threadImage();
    try {
      const spec = next.image.libraries
        .find((l) => l.name === 'libthr_data_user.so')!
        .imports.find((i) => i.module === 'GOT.mem' && i.name === 'thr_data');
      expect(spec).toMatchObject({ how: 'got', entry: 0, value: after });
      call(linker, data, 'thr_data_set', 11);
      expect((followLinker(next.image).find('thr_data_read') as () => number)()).toBe(11);
    } finally {
      linker.releaseThread(next.resources);
    }
  });

  it('a load rolled back everywhere (twice) leaves no library and no slot behind; the same load then reaches every thread', async () => {
    const { linker } = hostLinkerSync('clang16', { program: { shared: true } });
    linker.dlopenSync('libthr_base.so', { binding: 'now', scope: 'global' });
    loadCopies(linker, 10);
    const group = new ThreadGroup(linker, { stackSize: 16384 });
    const limit = linker.table.length;
    const limited = new Worker(groupWorker.path(), { workerData: { tableMaximum: limit } });
    const workers = [new Worker(groupWorker.path()), limited, new Worker(groupWorker.path())];
    try {
      await Promise.all(workers.map((w) => group.add(w)));
      const before = { digest: linker.digest(), slots: linker.functionSlots() };
      for (let i = 0; i < 2; i++) {
        // libthr_user.so takes &thr_add of the older libthr_base.so: a slot the rollback must give back.
        linker.dlopenSync('libthr_user.so', RTLD.NOW);
        expect(linker.functionSlots().length).toBe(before.slots.length + 1);
        await expect(group.sync()).rejects.toMatchObject({ code: 'DL_THREAD_SYNC_FAILED' });
        expect(linker.handleOf('libthr_user.so')).toBeUndefined();
        expect(linker.functionSlots()).toEqual(before.slots);
        expect(linker.digest()).toBe(before.digest);
      }
      group.remove(limited);
      await limited.terminate();
      linker.dlopenSync('libthr_user.so', RTLD.NOW);
      await group.sync();
      expect(await Promise.all([0, 2].map((i) => callOn(workers[i]!, 'thr_user_call', [4])))).toEqual([4, 4]);
      // Every reader is past what was synced: the log keeps nothing.
      expect(linker.linkState.changes.size).toBe(0);
    } finally {
      await stop(group, workers);
    }
  });

  it('on a follower, a slot given to another library’s function is not cleared when its former owner is dropped', () => {
    const { linker } = hostLinkerSync('clang16', { program: { shared: true } });
    linker.dlopenSync('libthr_base.so', { binding: 'now', scope: 'global' });
    linker.dlopenSync({ name: 'copy.so', bytes: sideFiles('clang16')['libthr_base.so']! }, RTLD.NOW);
    // libthr_user.so takes &thr_add of libthr_base.so: an extra slot.
    linker.dlopenSync('libthr_user.so', RTLD.NOW);
    const { image, resources } = linker.threadImage();
    try {
      const follower = followLinker(image);
      const slot = image.slots.find((s) => s.name === 'thr_add')!;
      const copy = image.libraries.find((l) => l.name === 'copy.so')!.id;
      const none = { ...image, libraries: [], slots: [], removed: [] };
      // The slot passes to copy.so's thr_add (as a slot reused after a rollback would), then libthr_base.so goes.
      follower.update({ ...none, slots: [{ index: slot.index, library: copy, name: 'thr_add', type: slot.type }] });
      const copyAdd = follower.libraries.get('copy.so')!.exports.thr_add;
      expect(follower.table.get(slot.index)).toBe(copyAdd);
      follower.update({ ...none, removed: [slot.library] });
      expect(follower.libraries.has('libthr_base.so')).toBe(false);
      expect(follower.table.get(slot.index)).toBe(copyAdd);
    } finally {
      linker.releaseThread(resources);
    }
  });
});
