import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { bundle } from '@dl/browser';
import { outcome } from '@dl/fixtures/outcome';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RTLD } from '../flags.js';
import { followLinker } from './follow.js';
import type { ThreadImage } from './image.js';
import { ThreadGroup } from './group.js';
import { askWorker, callOn, groupAsBeforeUnload, stop, useGroupWorkerScript } from './group-tests.harness.js';
import { call, hostLinkerSync, withCxaCatch } from '../test-support.harness.js';

interface Seen {
  readonly check: number;
  readonly address: number;
  readonly bumps: readonly number[];
  readonly stackPointer: number;
  readonly mainCounter: number;
}

let dir = '';
let script = '';
let loop = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dl-threads-'));
  script = join(dir, 'worker.mjs');
  writeFileSync(script, await bundle(new URL('./follow-worker.harness.ts', import.meta.url), { platform: 'node' }));
});
beforeAll(async () => {
  loop = join(dir, 'loop.mjs');
  writeFileSync(loop, await bundle(new URL('./follow-loop.harness.ts', import.meta.url), { platform: 'node' }));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
const groupWorker = useGroupWorkerScript();

function runWorker<T = Seen>(workerData: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData });
    worker.once('message', (m: T) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

describe('follower threads (node worker_threads)', () => {
  it.each([
    ['clang16', 'libtls_init.so', '__wasm_init_tls'],
    ['emcc', 'libtls_mt.so', 'emscripten_tls_init'],
  ] as const)(
    '4 workers follow a program with a %s shared-memory TLS library (%s, %s): each has its own TLS block, memory is shared',
    async (tc, file, init) => {
      const { linker } = hostLinkerSync(tc, { program: { shared: true } });
      const h = linker.dlopenSync(file, RTLD.NOW);
      expect(typeof linker.exportsOf(h).exports[init]).toBe('function');
      expect(call(linker, h, 'tls_check')).toBe(0);
      const mainCounterAddress = call(linker, h, 'tls_counter_addr');
      const threads = [0, 1, 2, 3].map(() => linker.threadImage({ stackSize: 32768 }));
      const seen = await Promise.all(threads.map(({ image }) => runWorker({ image, job: 'tls', mainCounterAddress })));
      const addresses = new Set([mainCounterAddress, ...seen.map((s) => s.address)]);
      expect(addresses.size).toBe(5);
      for (const [i, s] of seen.entries()) {
        // A fresh block: .tdata initialised (5), .tbss zeroed; tls_check bumps it once.
        expect(s).toMatchObject({ check: 0, bumps: [7, 8], mainCounter: 6 });
        expect(s.stackPointer).toBe(threads[i]!.image.stack.high);
      }
      // The leading thread's own value did not move.
      expect(call(linker, h, 'tls_bump')).toBe(7);
      const before = linker.graph().memory.reservations.length;
      for (const { resources } of threads) linker.releaseThread(resources);
      expect(linker.graph().memory.reservations.length).toBe(before - 4 * 2);
    },
  );

  it('4 workers call across libraries: &f is the same slot on every thread, shared data adds up, thread-locals stay apart', async () => {
    const { linker } = hostLinkerSync('clang16', { program: { shared: true } });
    const user = linker.dlopenSync('libthr_user.so', RTLD.NOW);
    const pointer = call(linker, user, 'thr_user_pointer');
    const add = linker.dlsym(user, 'thr_add');
    expect(add.kind === 'function' ? add.address : -1).toBe(pointer);
    expect(call(linker, user, 'thr_user_call', 5)).toBe(5);
    const adds = 1000;
    const threads = [0, 1, 2, 3].map(() => linker.threadImage());
    const seen = await Promise.all(
      threads.map(({ image }) =>
        runWorker<{ pointer: number; mine: number; viaSlot: number }>({ image, job: 'calls', pointer, adds }),
      ),
    );
    // Each thread's own sum (its thread-local) is its own 1,000 adds; the shared total has all of them.
    expect(seen).toEqual(seen.map(() => ({ pointer, mine: adds, viaSlot: adds })));
    expect(call(linker, user, 'thr_total_now')).toBe(5 + 4 * adds);
    expect(call(linker, user, 'thr_user_call', 0)).toBe(5);
    for (const { resources } of threads) linker.releaseThread(resources);
  });

  it('a worker started before a dlopen catches up, calls the new library, and drops it after its dlclose', async () => {
    const { linker } = hostLinkerSync('clang16', { program: { shared: true } });
    const base = linker.dlopenSync('libthr_base.so', { binding: 'now', scope: 'global' });
    const { image, resources } = linker.threadImage();
    const worker = new Worker(loop);
    const ask = (m: unknown): Promise<unknown> =>
      new Promise((resolve, reject) => {
        worker.once('message', (r: { value?: unknown; error?: string }) => {
          if (r.error === undefined) resolve(r.value);
          else reject(new Error(r.error));
        });
        worker.postMessage(m);
      });
    try {
      expect(await ask({ op: 'follow', image })).toEqual(['libthr_base.so']);
      expect(await ask({ op: 'call', name: 'thr_user_call', args: [1] })).toEqual({ missing: 'thr_user_call' });
      // Loaded after the worker started: an update brings it.
      const user = linker.dlopenSync('libthr_user.so', RTLD.NOW);
      const pointer = call(linker, user, 'thr_user_pointer');
      expect(await ask({ op: 'update', image: linker.threadUpdate(resources) })).toEqual([
        'libthr_base.so',
        'libthr_user.so',
      ]);
      expect(await ask({ op: 'call', name: 'thr_user_call', args: [3] })).toBe(3);
      expect(await ask({ op: 'slot', index: pointer, args: [2] })).toBe(5);
      // Closed on the leading thread while the worker runs: the update drops it and clears its slots.
      linker.dlclose(user);
      const update = linker.threadUpdate(resources);
      expect(update.removed).toHaveLength(1);
      expect(await ask({ op: 'update', image: update })).toEqual(['libthr_base.so']);
      expect(await ask({ op: 'call', name: 'thr_user_call', args: [1] })).toEqual({ missing: 'thr_user_call' });
      expect(call(linker, base, 'thr_total_now')).toBe(5);
    } finally {
      await worker.terminate();
      linker.releaseThread(resources);
    }
  });

  it('exception tags and env globals on a follower: what libthr_eh.so throws libthr_eh_user.so catches on the worker too (one tag per thread), and thr_level_g is the worker’s own', async () => {
    const { linker } = hostLinkerSync('clang16', {
      program: { shared: true },
      editHost: withCxaCatch,
    });
    const user = linker.dlopenSync('libthr_eh_user.so', RTLD.NOW);
    expect(call(linker, user, 'thr_catch', 41)).toBe(42);
    call(linker, user, 'thr_set_level', 7);
    const { image, resources } = linker.threadImage();
    const made = image.libraries.flatMap((l) =>
      l.imports.filter((i) => i.how === 'tag' || i.name === 'thr_level_g').map((i) => `${l.name} ${i.name} ${i.how}`),
    );
    expect(made).toEqual([
      'libthr_eh.so __cpp_exception tag',
      'libthr_eh_user.so __cpp_exception tag',
      'libthr_eh_user.so thr_level_g export',
    ]);
    const worker = new Worker(loop);
    const ask = (m: unknown): Promise<unknown> =>
      new Promise((resolve, reject) => {
        worker.once('message', (r: { value?: unknown; error?: string }) => {
          if (r.error === undefined) resolve(r.value);
          else reject(new Error(r.error));
        });
        worker.postMessage(m);
      });
    try {
      expect(await ask({ op: 'follow', image })).toEqual(['libthr_eh.so', 'libthr_eh_user.so']);
      // Thrown in one library, caught in the other, on the worker (a tag per library would not catch).
      expect(await ask({ op: 'call', name: 'thr_catch', args: [5] })).toBe(6);
      // The global is this thread's own: it starts at its initial value, and setting it here leaves the leader's.
      expect(await ask({ op: 'call', name: 'thr_level', args: [] })).toBe(0);
      await ask({ op: 'call', name: 'thr_set_level', args: [3] });
      expect(await ask({ op: 'call', name: 'thr_level', args: [] })).toBe(3);
      expect(call(linker, user, 'thr_level')).toBe(7);
    } finally {
      await worker.terminate();
      linker.releaseThread(resources);
    }
  });

  it('a ThreadGroup keeps 4 workers in step: 1,000 dlopen/dlclose cycles interleaved with calls on every thread, no wrong call, no deadlock (the test timeout bounds it)', async () => {
    const { linker } = hostLinkerSync('clang16', { program: { shared: true } });
    const base = linker.dlopenSync('libthr_base.so', { binding: 'now', scope: 'global' });
    const group = new ThreadGroup(linker, { stackSize: 16384 });
    const workers = [0, 1, 2, 3].map(() => new Worker(groupWorker.path()));
    try {
      await Promise.all(workers.map((w) => group.add(w)));
      expect(group.size).toBe(4);
      let expected = 0;
      for (let cycle = 0; cycle < 1000; cycle++) {
        const user = linker.dlopenSync('libthr_user.so', RTLD.NOW);
        await group.sync();
        const results = await Promise.all(workers.map((w) => callOn(w, 'thr_user_call', [1])));
        expected += 4;
        expect(results.every((r) => typeof r === 'number' && r > 0)).toBe(true);
        linker.dlclose(user);
        await group.sync();
        if (cycle % 100 === 0) expect(await callOn(workers[0]!, 'thr_user_call', [1])).toBeNull();
      }
      expect(call(linker, base, 'thr_total_now')).toBe(expected);
    } finally {
      await stop(group, workers);
    }
  }, 60_000);

  it('with the group as beforeUnload, dlclose waits until every thread has dropped the library, then unloads it', async () => {
    const { linker, group } = groupAsBeforeUnload();
    const workers = [0, 1].map(() => new Worker(groupWorker.path()));
    try {
      await Promise.all(workers.map((w) => group.add(w)));
      const user = linker.dlopenSync('libthr_user.so', RTLD.NOW);
      await group.sync();
      linker.dlclose(user);
      // Put off: still resident (no reference), and the threads still have it.
      expect(linker.handleOf('libthr_user.so')).toBeDefined();
      expect(await callOn(workers[0]!, 'thr_user_call', [1])).toBe(1);
      await group.sync();
      // Every thread dropped it; then it was unloaded here.
      expect(linker.handleOf('libthr_user.so')).toBeUndefined();
      expect(await callOn(workers[1]!, 'thr_user_call', [1])).toBeNull();
      // Reopened afterwards: it reaches the threads again.
      linker.dlopenSync('libthr_user.so', RTLD.NOW);
      await group.sync();
      expect(await callOn(workers[1]!, 'thr_user_call', [2])).toBe(2);
    } finally {
      await stop(group, workers);
    }
  });

  it('dlopen on a worker: the leading thread loads, every thread has the library when the worker’s dlopen resolves; dlclose likewise', async () => {
    const { linker } = hostLinkerSync('clang16', { program: { shared: true } });
    linker.dlopenSync('libthr_base.so', { binding: 'now', scope: 'global' });
    const group = new ThreadGroup(linker);
    const workers = [0, 1].map(() => new Worker(groupWorker.path()));
    try {
      await Promise.all(workers.map((w) => group.add(w)));
      expect(await askWorker(workers[0]!, { op: 'dlopen', name: 'libthr_user.so' })).toBe('libthr_user.so');
      expect(linker.handleOf('libthr_user.so')).toBeDefined();
      // The other worker has it already: the leader synced before answering.
      expect(await askWorker(workers[1]!, { op: 'call', name: 'thr_user_call', args: [4] })).toBe(4);
      expect(await askWorker(workers[0]!, { op: 'dlclose' })).toBe('closed');
      expect(linker.handleOf('libthr_user.so')).toBeUndefined();
      expect(await askWorker(workers[1]!, { op: 'call', name: 'thr_user_call', args: [4] })).toBeNull();
      expect(await askWorker(workers[0]!, { op: 'dlopen', name: 'libnope.so' })).toMatch(/^error: .*libnope\.so/);
    } finally {
      await stop(group, workers);
    }
  });

  it('threadUpdates makes several threads’ updates in one pass: each as threadUpdate makes it (with its own TLS blocks), nothing for a thread already up to date', () => {
    const { linker } = hostLinkerSync('clang16', { program: { shared: true } });
    const threads = [0, 1, 2].map(() => linker.threadImage().resources);
    // libthr_user.so brings libthr_base.so (thread-locals) and takes the address of one of its functions.
    linker.dlopenSync('libthr_user.so', RTLD.NOW);
    const late = linker.threadImage().resources;
    try {
      const updates = linker.threadUpdates([threads[0]!, late, threads[1]!]).map((u) => {
        if (u instanceof Error) throw u;
        return u;
      });
      const [first, upToDate, second] = [updates[0]!, updates[1]!, updates[2]!];
      const alone = linker.threadUpdate(threads[2]!);
      const shape = (u: typeof alone) => ({
        ...u,
        stack: null,
        libraries: u.libraries.map((l) => ({ ...l, tlsBlock: l.tlsBlock === null ? null : 'own' })),
      });
      expect(first.libraries.map((l) => l.name)).toEqual(['libthr_base.so', 'libthr_user.so']);
      expect(first.slots.length).toBeGreaterThan(0);
      expect(shape(first)).toEqual(shape(alone));
      expect(shape(second)).toEqual(shape(alone));
      const blocks = [first, second, alone].map((u) => u.libraries[0]!.tlsBlock);
      expect(new Set(blocks).size).toBe(3);
      expect(upToDate).toMatchObject({ libraries: [], slots: [], removed: [] });
    } finally {
      for (const r of [...threads, late]) linker.releaseThread(r);
    }
  });

  it('one more thread’s image reuses the imports made for the last one where none can change; those of a library with a late binding, or importing an entry that may move, are made again', () => {
    const { linker } = hostLinkerSync('clang16', { program: { shared: true } });
    const user = linker.dlopenSync('libthr_user.so', RTLD.NOW);
    // Lazily, libthr_eh_user.so binds __cxa_begin_catch late (nothing defines it here); libthr_data.so is reloadable.
    linker.dlopenSync('libthr_eh_user.so', RTLD.LAZY);
    linker.dlopenSync('libthr_data.so', { binding: 'now', scope: 'global', reloadable: true });
    linker.dlopenSync('libthr_data_user.so', RTLD.NOW);
    const [a, b] = [linker.threadImage(), linker.threadImage()];
    try {
      const importsIn = (image: ThreadImage, name: string) => image.libraries.find((l) => l.name === name)!.imports;
      for (const name of ['libthr_base.so', 'libthr_user.so', 'libthr_eh.so'])
        expect(importsIn(b.image, name)).toBe(importsIn(a.image, name));
      for (const name of ['libthr_eh_user.so', 'libthr_data.so', 'libthr_data_user.so']) {
        expect(importsIn(b.image, name)).not.toBe(importsIn(a.image, name));
        expect(importsIn(b.image, name)).toEqual(importsIn(a.image, name));
      }
      expect(importsIn(b.image, 'libthr_eh_user.so')).toContainEqual(expect.objectContaining({ how: 'late' }));
      expect(importsIn(b.image, 'libthr_data_user.so')).toContainEqual(
        expect.objectContaining({ name: 'thr_data', how: 'got', entry: expect.any(Number) as number }),
      );
      // The second thread follows with what it was given: its calls through &thr_add are the leader's.
      const follower = followLinker(b.image);
      expect((follower.find('thr_user_call') as (x: number) => number)(5)).toBe(call(linker, user, 'thr_user_call', 5));
    } finally {
      for (const { resources } of [a, b]) linker.releaseThread(resources);
    }
  });

  it('a GOT entry that comes and goes with a library opened and closed between two images leaves the kept imports of the others as they were', () => {
    const { linker } = hostLinkerSync('clang16', { program: { shared: true } });
    const user = linker.dlopenSync('libthr_user.so', RTLD.NOW);
    const a = linker.threadImage();
    linker.releaseThread(a.resources);
    // libthr_data_user.so's GOT.mem entry for thr_data is made, then deleted with it: no
    // resolved entry moved, so what the first image made for the others still holds.
    const data = linker.dlopenSync('libthr_data.so', { binding: 'now', scope: 'global' });
    const dataUser = linker.dlopenSync('libthr_data_user.so', RTLD.NOW);
    expect(call(linker, dataUser, 'thr_data_where')).toBeGreaterThan(0);
    linker.dlclose(dataUser);
    linker.dlclose(data);
    const b = linker.threadImage();
    try {
      const importsIn = (image: ThreadImage, name: string) => image.libraries.find((l) => l.name === name)!.imports;
      expect(b.image.libraries.map((l) => l.name)).toEqual(a.image.libraries.map((l) => l.name));
      for (const name of ['libthr_base.so', 'libthr_user.so'])
        expect(importsIn(b.image, name)).toBe(importsIn(a.image, name));
      const follower = followLinker(b.image);
      expect((follower.find('thr_user_call') as (x: number) => number)(5)).toBe(call(linker, user, 'thr_user_call', 5));
    } finally {
      linker.releaseThread(b.resources);
    }
  });

  it('needs shared memory', () => {
    const { linker } = hostLinkerSync('clang16');
    expect(outcome(() => linker.threadImage())).toBe('DL_INCOMPATIBLE');
  });
});
